/**
 * What PostgreSQL refuses in text: a NUL character (in text and jsonb alike, 22021 / 22P05) and an
 * unpaired UTF-16 surrogate (not Unicode: jsonb refuses its escape). Checked before any client value is
 * sent, so such input is the client's 400 (or 401 for a token), never the database's 500.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when the string holds an unpaired surrogate half. */
export function hasLoneSurrogate(value: string): boolean {
  return LONE_SURROGATE.test(value);
}

/** Why PostgreSQL would refuse this text, if it would. */
export function textProblem(value: string): string | undefined {
  if (value.includes("\u0000")) return "contains a NUL character (\\u0000)";
  if (hasLoneSurrogate(value)) return "is not valid Unicode (an unpaired surrogate)";
  return undefined;
}

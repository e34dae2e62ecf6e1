/**
 * Opaque keyset cursor for GET /v1/me/attempts: the (created_at, id) of the last row of a page.
 * created_at travels as PostgreSQL's microsecond ISO string, so no precision is lost between pages.
 */
export interface AttemptCursor {
  readonly createdAt: string;
  readonly id: string;
}

const ISO_MICROS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(cursor: AttemptCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString("base64url");
}

/**
 * True for a timestamp PostgreSQL takes as it is: the calendar date exists (no 31 February, no year 0),
 * the time is within the day. A regex alone lets such dates through, and PostgreSQL then fails the
 * query (22008) instead of the request being refused.
 */
function isRealTimestamp(value: string): boolean {
  const match = ISO_MICROS.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  // Day 0 of the next month is the last day of this one (UTC, so no time zone shifts it).
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

/**
 * Returns undefined for anything that is not a cursor this service could have produced (the route
 * answers 400): every field is decoded and range-checked here, so nothing malformed reaches PostgreSQL.
 */
export function decodeCursor(raw: string): AttemptCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [createdAt, id] = value;
    if (typeof createdAt !== "string" || !isRealTimestamp(createdAt)) return undefined;
    if (typeof id !== "string" || !UUID.test(id)) return undefined;
    return { createdAt, id: id.toLowerCase() };
  } catch {
    return undefined;
  }
}

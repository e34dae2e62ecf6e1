/**
 * Opaque keyset cursor for GET /v1/me/attempts: the (created_at, id) of the last row of a page.
 * created_at travels as PostgreSQL's microsecond ISO string, so no precision is lost between pages.
 */
export interface AttemptCursor {
  readonly createdAt: string;
  readonly id: string;
}

const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(cursor: AttemptCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString("base64url");
}

/** Returns undefined for anything that is not a cursor this service produced (the route answers 400). */
export function decodeCursor(raw: string): AttemptCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [createdAt, id] = value;
    if (typeof createdAt !== "string" || !ISO_MICROS.test(createdAt) || Number.isNaN(Date.parse(createdAt)))
      return undefined;
    if (typeof id !== "string" || !UUID.test(id)) return undefined;
    return { createdAt, id };
  } catch {
    return undefined;
  }
}

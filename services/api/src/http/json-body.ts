import { isUtf8 } from "node:buffer";
import type { FastifyInstance } from "fastify";
import { textProblem } from "../text";
import { HttpProblem } from "./problem";

/** A string PostgreSQL cannot store, and where it is in the body (a JSON Pointer). */
export interface BadString {
  readonly field: string;
  readonly message: string;
}

const pointer = (path: readonly (string | number)[]) =>
  path.map((p) => `/${String(p).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");

/** The first string (value or key) in a parsed JSON document that PostgreSQL would refuse. */
export function findBadString(value: unknown, path: (string | number)[] = []): BadString | undefined {
  if (typeof value === "string") {
    const message = textProblem(value);
    return message === undefined ? undefined : { field: pointer(path) || "/", message };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findBadString(value[i], [...path, i]);
      if (bad) return bad;
    }
    return undefined;
  }
  if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      const keyMessage = textProblem(key);
      if (keyMessage !== undefined) return { field: pointer([...path, key]), message: `name ${keyMessage}` };
      const bad = findBadString(child, [...path, key]);
      if (bad) return bad;
    }
  }
  return undefined;
}

/** The charset parameter of a Content-Type header, lower-cased, if any. */
function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? "");
  return match?.[1].toLowerCase();
}

/**
 * The only request body parser: `application/json` in UTF-8. Any other media type is a 415 (Fastify's,
 * since no parser matches), a charset other than UTF-8 is a 415, bytes that are not UTF-8 are a 400, and
 * so is any string PostgreSQL could not store (NUL, unpaired surrogates), named by its JSON Pointer. The
 * JSON itself goes through Fastify's own parser (prototype-poisoning checks included).
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    const charset = charsetOf(request.headers["content-type"]);
    if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
      done(
        new HttpProblem(
          415,
          "unsupported-media-type",
          "Unsupported Media Type",
          `Send the body as application/json in UTF-8; charset=${charset} is not accepted.`,
        ),
        undefined,
      );
      return;
    }
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) {
      done(
        new HttpProblem(400, "invalid-utf8", "Bad Request", "The body is not valid UTF-8.", {}, [
          { field: "/", message: "is not valid UTF-8" },
        ]),
        undefined,
      );
      return;
    }
    const text = bytes.toString("utf8");
    parseJson(request, text, (error, value) => {
      if (error) return done(error, undefined);
      // Valid JSON in valid UTF-8 holds a NUL or a lone surrogate only as a \u escape: without one in the
      // text, no string in it can be refused, and the walk over every value is skipped.
      const bad = text.includes("\\u") ? findBadString(value) : undefined;
      if (bad) {
        return done(
          new HttpProblem(400, "invalid-text", "Bad Request", `${bad.field} ${bad.message}.`, {}, [bad]),
          undefined,
        );
      }
      done(null, value);
    });
  });
}

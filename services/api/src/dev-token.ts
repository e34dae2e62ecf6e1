import { parseArgs } from "node:util";
import { signHs256 } from "./auth/jwt";
import { DEV_JWT_SECRET } from "./config";

/**
 * `npm run token -w services/api -- --sub alice --role admin`: prints a bearer token for local use,
 * signed with JWT_SECRET or, when unset, the development secret the embedded mode accepts.
 */
const { values } = parseArgs({
  options: {
    sub: { type: "string", default: "local-user" },
    role: { type: "string", multiple: true, default: [] },
    hours: { type: "string", default: "12" },
  },
});
const secret = process.env.JWT_SECRET || DEV_JWT_SECRET;
const now = Math.floor(Date.now() / 1000);
const claims: Record<string, unknown> = {
  sub: values.sub,
  roles: values.role,
  iat: now,
  exp: now + Number(values.hours) * 3600,
};
if (process.env.JWT_ISSUER) claims.iss = process.env.JWT_ISSUER;
if (process.env.JWT_AUDIENCE) claims.aud = process.env.JWT_AUDIENCE;
process.stdout.write(`${signHs256(claims, secret)}\n`);

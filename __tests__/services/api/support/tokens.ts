import { signHs256 } from "../../../../services/api/src/auth/jwt";
import { TEST_JWT_SECRET } from "./backends";

export function token(sub: string, roles: string[] = [], extra: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return signHs256({ sub, roles, iat: now, exp: now + 600, ...extra }, TEST_JWT_SECRET);
}

export const bearer = (sub: string, roles: string[] = []) => ({
  authorization: `Bearer ${token(sub, roles)}`,
});

export const sampleTest = {
  title: "Arithmetic",
  description: "Warm-up",
  questions: [
    { id: "q1", prompt: "2 + 2", choices: ["3", "4", "5"], answer: 1 },
    { id: "q2", prompt: "3 * 3", choices: ["9", "6"], answer: 0, points: 2 },
  ],
};

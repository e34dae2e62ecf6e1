/**
 * Whether a named AWS profile exists in the shared config/credentials files, so a credentials
 * failure with `--profile nosuch` can say "no such profile" instead of "pass --profile". Read only
 * after a credentials error: the happy path never touches these files.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface ProfileLookup {
  readonly defined: boolean;
  /** The files looked in, for the message. */
  readonly files: readonly string[];
}

export function sharedFiles(env: Readonly<Record<string, string | undefined>>, home: string): string[] {
  return [
    env.AWS_CONFIG_FILE || join(home, ".aws", "config"),
    env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials"),
  ];
}

/** Section headers `[name]` (credentials, or `default` in config) and `[profile name]` (config). */
export function profileDefined(
  name: string,
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): ProfileLookup {
  const files = sharedFiles(env, home);
  const defined = files.some((file) => {
    if (!existsSync(file)) return false;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return false;
    }
    return text
      .split(/\r?\n/)
      .map((line) => line.trim().match(/^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/)?.[1])
      .some((section) => section === name);
  });
  return { defined, files };
}

/**
 * What RDS for PostgreSQL accepts, kept here so the config schema and the Database construct
 * reject the same mistakes before an apply would.
 */

const SIZES_T = ["micro", "small", "medium", "large", "xlarge", "2xlarge"];
const SIZES_MR = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"];
const SIZES_GRAVITON = [...SIZES_MR.slice(0, 5), "12xlarge", "16xlarge"];

/** Instance families RDS for PostgreSQL offers (current generations), with their sizes. */
const FAMILIES: Readonly<Record<string, readonly string[]>> = {
  t3: SIZES_T,
  t4g: SIZES_T,
  m5: [...SIZES_MR, "24xlarge"],
  m6g: SIZES_GRAVITON,
  m6i: [...SIZES_MR, "24xlarge", "32xlarge"],
  m7g: SIZES_GRAVITON,
  r5: [...SIZES_MR, "24xlarge"],
  r6g: SIZES_GRAVITON,
  r6i: [...SIZES_MR, "24xlarge", "32xlarge"],
  r7g: SIZES_GRAVITON,
};

/** Every `db.*` instance class skyline accepts for PostgreSQL, e.g. `db.r7g.large`. */
export const POSTGRES_INSTANCE_CLASSES: readonly string[] = Object.entries(FAMILIES).flatMap(
  ([family, sizes]) => sizes.map((size) => `db.${family}.${size}`),
);

export function isPostgresInstanceClass(instanceClass: string): boolean {
  return POSTGRES_INSTANCE_CLASSES.includes(instanceClass);
}

/** Major versions RDS supports for new instances. */
export const POSTGRES_MAJOR_VERSIONS = [13, 14, 15, 16, 17] as const;
/** The current major version: new databases start here. */
export const POSTGRES_DEFAULT_VERSION = "17";

/** `"17"` or `"16.4"` → 17; undefined when the version is not a PostgreSQL version string. */
export function postgresMajorVersion(version: string): number | undefined {
  const match = /^(\d+)(\.\d+)?$/.exec(version);
  return match ? Number(match[1]) : undefined;
}

/** Parameter group family of a version, e.g. `postgres17`. */
export function postgresParameterFamily(version: string): string {
  const major = postgresMajorVersion(version);
  if (major === undefined) throw new Error(`"${version}" is not a PostgreSQL version like "17" or "16.4"`);
  return `postgres${major}`;
}

/** RDS DB instance identifiers: 1-63 characters, a letter first, no double or trailing hyphen. */
export const RDS_IDENTIFIER_MAX = 63;

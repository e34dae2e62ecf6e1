/**
 * What the bundled reference API (services/api) expects of its container. The FargateService
 * defaults come from here; a test compares them with services/api/src/contract.ts so the two
 * cannot drift.
 */
export const API_CONTAINER_DEFAULTS = {
  containerName: "api",
  port: 8080,
  healthPath: "/health",
  readyPath: "/ready",
  /** uid:gid of the non-root user the image creates. */
  user: "10001:10001",
  /** Seconds ECS waits after SIGTERM before SIGKILL; the service drains well within it. */
  stopTimeoutSeconds: 30,
  /** Read-only database login of the API's reader pool on the replicas (created by its migrations). */
  readerDbUser: "skyline_reader",
  /** The one-off command a deploy runs before the new tasks start. */
  migrateCommand: ["node", "dist/migrate.js"],
} as const;

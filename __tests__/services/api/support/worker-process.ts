import { startEntry, type RunningService } from "./service-process";

/** Starts the queue worker from source with tsx and waits for its "worker polling" line. */
export function startWorker(
  extraEnv: Record<string, string | undefined>,
  timeoutMs = 45_000, // generous: a loaded two-core machine starts slowly; not a timing assertion
): Promise<RunningService> {
  return startEntry(
    "worker",
    (line) => typeof line.msg === "string" && line.msg.startsWith("worker polling"),
    extraEnv,
    timeoutMs,
  );
}

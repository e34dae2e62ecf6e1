import { appendFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import {
  describeUnfinished,
  MAX_AGE_MS,
  TAIL_BYTES,
  unfinishedOperations,
} from "../../../cli/core/unfinished";
import { T0, tmpDir } from "../helpers";

const scope = { app: "skyline", environment: "production" };
const at = (ms: number) => new Date(T0 + ms).toISOString();
const base = {
  app: "skyline",
  environment: "production",
  command: "failover db",
  region: "eu-west-1",
  target: "skyline-production-euw1-db",
  check: "database skyline-production-euw1-db (eu-west-1)",
  operator: "alice",
  host: "laptop-1",
  pid: 4242,
};

function journal(entries: (object | string)[]): string {
  const path = join(tmpDir(), "audit.jsonl");
  writeFileSync(path, entries.map((e) => (typeof e === "string" ? e : JSON.stringify(e))).join("\n") + "\n");
  return path;
}

describe("unfinished operations", () => {
  it("a start with no outcome is unfinished, with what it sent", () => {
    const path = journal([
      { ...base, opId: "a", phase: "started", time: at(0) },
      { ...base, opId: "a", phase: "sent", operation: "PromoteReadReplica", time: at(1000) },
      { ...base, opId: "b", phase: "started", time: at(2000), command: "scale db" },
      { ...base, opId: "b", phase: "outcome", outcome: "succeeded", time: at(3000), command: "scale db" },
    ]);
    const ops = unfinishedOperations(path, scope, T0 + 60_000);
    expect(ops).toHaveLength(1);
    expect(describeUnfinished(ops[0])).toBe(
      "unfinished operation: failover db at 2025-01-15T03:00:00.000Z, check database skyline-production-euw1-db (eu-west-1) " +
        "(sent PromoteReadReplica; no outcome recorded; by alice on laptop-1 pid 4242)",
    );
  });

  it("an interrupted run has an outcome, so it is not unfinished", () => {
    const path = journal([
      { ...base, opId: "a", phase: "started", time: at(0) },
      { ...base, opId: "a", phase: "outcome", outcome: "interrupted", time: at(1000) },
    ]);
    expect(unfinishedOperations(path, scope, T0)).toEqual([]);
  });

  it("ignores other environments, old starts, and starts a later run of the same command on the same target finished", () => {
    const path = journal([
      { ...base, opId: "staging", phase: "started", time: at(0), environment: "staging" },
      { ...base, opId: "old", phase: "started", time: at(-MAX_AGE_MS - 1), command: "failover az" },
      { ...base, opId: "dead", phase: "started", time: at(0) },
      { ...base, opId: "rerun", phase: "started", time: at(5000) },
      { ...base, opId: "rerun", phase: "outcome", outcome: "succeeded", time: at(9000) },
      "not json",
    ]);
    expect(unfinishedOperations(path, scope, T0 + 10_000)).toEqual([]);
  });

  it("a start whose process is still alive on this host is in progress, not dead", () => {
    const path = journal([{ ...base, opId: "a", phase: "started", time: at(0), host: hostname(), pid: 77 }]);
    const [op] = unfinishedOperations(path, scope, T0, (pid) => pid === 77);
    expect(op.running).toBe(true);
    expect(describeUnfinished(op)).toMatch(
      /^operation in progress: failover db since 2025-01-15T03:00:00.000Z/,
    );
    const [dead] = unfinishedOperations(path, scope, T0, () => false);
    expect(dead.running).toBe(false);
  });

  it("reads at most the last megabyte of a large journal, and no journal at all is fine", () => {
    const path = journal([]);
    const filler = JSON.stringify({
      ...base,
      opId: "x",
      phase: "outcome",
      time: at(0),
      pad: "p".repeat(500),
    });
    appendFileSync(path, `${filler}\n`.repeat(Math.ceil((TAIL_BYTES * 1.5) / filler.length)));
    appendFileSync(path, `${JSON.stringify({ ...base, opId: "late", phase: "started", time: at(0) })}\n`);
    expect(unfinishedOperations(path, scope, T0).map((o) => o.command)).toEqual(["failover db"]);
    expect(unfinishedOperations(join(tmpDir(), "none.jsonl"), scope, T0)).toEqual([]);
  });
});

/**
 * The steps of `skyline failover region`, in their order, each judged from AWS state alone (so a
 * re-run resumes at the first step not done) and each with its own checks, action, wait and
 * verification.
 *
 * Failover (the writer's region W → a DR region T): fence W's writers where W is reachable, promote
 * T's replica, repoint and roll T's service (promoting the shared secrets when W is declared down),
 * fail the cache over (or detach it), move traffic with the data-plane switches, verify through the
 * public hostname.
 *
 * Fail-back (the writer's region W → the config's primary P, once P is back): re-seed P's database
 * as a replica of W (the stale old writer kept as `<id>-retired`), wait until it caught up, fence
 * W, promote P with no lag left, re-link the secrets and roll P's service, move the cache and the
 * traffic back, verify, and re-seed the DR regions' replicas from P.
 */
import type { OpsManifest } from "../../../manifest/schema";
import type { Context } from "../context";
import { dbLabel } from "../database";
import { changesToward, readSwitches, setSwitch, answeringRegion, type RegionSwitch } from "../dns";
import { FailedError } from "../errors";
import { readReplicaLag } from "../gates";
import type { Outage } from "../outage";
import { checkReady, readRecord, writeRecord, type PublicTarget } from "../public-endpoint";
import { waitForChangeThenSettle } from "../waiter";
import {
  createReplica,
  moveCache,
  promoteAndTag,
  promoteSecret,
  relinkSecret,
  renameInstance,
  scaleService,
  secretPrimaryRegion,
  serviceDbHost,
} from "./actions";
import { readDb, readRegion, regionDbId, type RegionState } from "./region-state";

export type BudgetStep = keyof OpsManifest["targets"]["failoverBudgetMinutes"];
export type StepId = BudgetStep | "reseed" | "sync" | "reseedStandby";

/** Where a step stands before running: from AWS state. */
export type StepStatus = "done" | "todo" | "skipped" | "manual";

export interface StepView {
  readonly status: StepStatus;
  /** What AWS shows, or what will happen. */
  readonly detail: string;
}

export interface StepResult {
  readonly id: StepId;
  readonly title: string;
  /** `done` now, `already done` (found in AWS), `skipped` (unreachable or nothing to do), `manual`. */
  readonly outcome: "done" | "already done" | "skipped" | "manual";
  readonly ms: number;
  readonly budgetMinutes?: number;
  readonly notes: readonly string[];
}

/** Everything the steps share; `states` is refreshed after each step. */
export interface FailoverRun {
  readonly ctx: Context;
  readonly manifest: OpsManifest;
  readonly outage: Outage;
  readonly mode: "failover" | "failback";
  /** The region that holds the writer when the run starts. */
  readonly from: string;
  readonly to: string;
  readonly publicTarget?: PublicTarget;
  states: Map<string, RegionState>;
  switches?: RegionSwitch[];
  /** Record ids written by the verify step. */
  verified?: { readonly id: string };
}

export interface Step {
  readonly id: StepId;
  title(run: FailoverRun): string;
  view(run: FailoverRun): Promise<StepView> | StepView;
  /** Acts, waits and verifies; returns notes for the summary. */
  act(run: FailoverRun): Promise<string[]>;
}

const state = (run: FailoverRun, region: string) => run.states.get(region) as RegionState;
const entry = (run: FailoverRun, region: string) => run.manifest.regions[region];

/** The size a region runs at while it serves: the config's primary's autoscaling range. */
export function servingSize(manifest: OpsManifest): { min: number; max: number } {
  const a = manifest.regions[manifest.primaryRegion].service?.autoscaling;
  return { min: a?.minCapacity ?? 1, max: a?.maxCapacity ?? a?.minCapacity ?? 1 };
}

function fenceStep(region: (run: FailoverRun) => string): Step {
  return {
    id: "fence",
    title: (run) => `Fence the writers in ${region(run)}`,
    view(run) {
      const r = region(run);
      if (!run.outage.reachable(r)) {
        return {
          status: "skipped",
          detail: `${r} is declared down: not contacted. When it returns, scale its API to 0 before anything else (region-failback does).`,
        };
      }
      const k = entry(run, r).kubernetes;
      if (k) {
        return {
          status: "manual",
          detail: `EKS: kubectl --context ${k.cluster} -n ${k.namespace} scale deployment ${k.deployment} --replicas 0`,
        };
      }
      const s = state(run, r).service;
      if (s && s.desired === 0 && s.running === 0)
        return { status: "done", detail: `${entry(run, r).service!.service} at 0 tasks` };
      return {
        status: "todo",
        detail: `scale ${entry(run, r).service!.service} to 0 tasks (autoscaling 0-0), so nothing writes to ${r}'s database after the promotion`,
      };
    },
    async act(run) {
      await scaleService(run.ctx, run.manifest, region(run), { min: 0, max: 0, desired: 0, roll: false });
      return [`${region(run)}'s API is at 0 tasks: nothing writes to its database.`];
    },
  };
}

function promoteStep(region: (run: FailoverRun) => string, drainLag: boolean): Step {
  return {
    id: "promoteDatabase",
    title: (run) => `Promote ${regionDbId(run.manifest, region(run))} in ${region(run)}`,
    view(run) {
      const db = state(run, region(run)).db;
      if (!db) return { status: "todo", detail: `${regionDbId(run.manifest, region(run))} was not found` };
      if (!db.replicaOf && db.status === "available" && db.writerSince) {
        return { status: "done", detail: `standalone writer since ${db.writerSince}` };
      }
      if (!db.replicaOf) return { status: "todo", detail: `standalone (${db.status}); tag it as the writer` };
      if (db.status !== "available")
        return { status: "todo", detail: `promotion under way (${db.status}): wait for it` };
      return {
        status: "todo",
        detail: `PromoteReadReplica (replicating from ${db.replicaOf}), wait, tag ${"skyline:writer-since"}`,
      };
    },
    async act(run) {
      const r = region(run);
      const notes: string[] = [];
      let db = state(run, r).db;
      if (!db) throw new FailedError(`${dbLabel(regionDbId(run.manifest, r)!, r)} was not found.`);
      if (drainLag && db.replicaOf) {
        // Fail-back: the old writer is fenced; promote only once the replica has everything.
        await waitForChangeThenSettle(
          {
            resource: `replica lag of ${db.id} (${r})`,
            read: () => readReplicaLag(run.ctx, r, db!.id),
            describe: (l) => (l.kind === "ok" ? `lag ${l.maxSeconds} s` : l.kind),
            changed: () => true,
            settled: (l) => l.kind === "ok" && l.maxSeconds === 0,
            settledText: "lag 0 s",
            pollMs: 10_000,
            timeoutMs: 15 * 60_000,
          },
          run.ctx.waitClock(),
        );
        notes.push("Replica lag reached 0 s before the promotion: no write was lost.");
      }
      db = await promoteAndTag(run.ctx, r, db);
      notes.push(`${db.id} is the writer since ${db.writerSince}.`);
      return notes;
    },
  };
}

/** Secrets, DB_HOST, and the service rolled at serving size. */
function repointStep(region: (run: FailoverRun) => string): Step {
  return {
    id: "repointWriter",
    title: (run) => `Repoint and roll the API in ${region(run)}`,
    async view(run) {
      const r = region(run);
      const k = entry(run, r).kubernetes;
      const secrets = await secretsToFix(run, r);
      if (k) {
        return {
          status: "manual",
          detail:
            (secrets.length ? `promote ${secrets.join(", ")}; ` : "") +
            `EKS: kubectl --context ${k.cluster} -n ${k.namespace} rollout restart deployment ${k.deployment}`,
        };
      }
      const s = state(run, r).service;
      const since = state(run, r).db?.writerSince;
      const size = servingSize(run.manifest);
      const rolled =
        s &&
        since !== undefined &&
        s.deployments.length === 1 &&
        s.deployments[0].rolloutState === "COMPLETED" &&
        (s.deployments[0].createdAt ?? 0) >= Date.parse(since) &&
        s.desired >= size.min &&
        s.running === s.desired;
      if (rolled && secrets.length === 0)
        return { status: "done", detail: `rolled after the promotion, ${s.running} tasks` };
      return {
        status: "todo",
        detail:
          (secrets.length ? `${secretAction(run)} ${secrets.join(", ")}; ` : "") +
          `check DB_HOST names ${regionDbId(run.manifest, r)}; roll ${entry(run, r).service!.service} at ${size.min}-${size.max} tasks`,
      };
    },
    async act(run) {
      const r = region(run);
      const notes: string[] = [];
      for (const name of await secretsToFix(run, r)) {
        if (run.mode === "failover") {
          await promoteSecret(run.ctx, r, name);
          notes.push(`secret ${name} promoted in ${r} (standalone while ${run.from} is down).`);
        } else {
          const { valueCopied } = await relinkSecret(run.ctx, r, run.from, name);
          notes.push(
            `secret ${name} replicates from ${r} to ${run.from} again${valueCopied ? " (its newer value copied back first)" : ""}.`,
          );
        }
      }
      const db = (await readDb(run.ctx, r, regionDbId(run.manifest, r)!))!;
      const service = state(run, r).service;
      if (service?.taskDefinition) {
        const host = await serviceDbHost(run.ctx, run.manifest, r, service.taskDefinition);
        const proxy = entry(run, r).database?.proxy?.name;
        if (host !== db.endpoint && !(proxy && host?.startsWith(`${proxy}.`))) {
          throw new FailedError(
            `The API in ${r} writes to ${host ?? "an unset DB_HOST"}, not to ${db.id} (${db.endpoint}): its task definition ` +
              `must change. Make the config name ${r} the primary, synth and apply its stack from the replicated state (docs/operations.md), then re-run.`,
          );
        }
        notes.push(`DB_HOST of the API in ${r} already names ${db.id}: nothing to repoint.`);
      }
      const size = servingSize(run.manifest);
      const current = state(run, r).service?.desired ?? 0;
      const s = await scaleService(run.ctx, run.manifest, r, {
        ...size,
        desired: Math.min(size.max, Math.max(size.min, current)),
        roll: true,
      });
      notes.push(
        `${entry(run, r).service!.service} rolled: ${s.running} tasks on fresh connections. Drift: the next deploy sets ${r} back to its standby size unless ${run.manifest.configFields.file} → ${run.manifest.configFields.primaryRegion} changes.`,
      );
      return notes;
    },
  };
}

function secretAction(run: FailoverRun): string {
  return run.mode === "failover" ? "promote the replicated secrets" : "re-link the secrets";
}

/** Secrets this step must act on: promote (failover, source declared down) or re-link (fail-back). */
async function secretsToFix(run: FailoverRun, region: string): Promise<string[]> {
  const names = run.manifest.secrets.replicated;
  if (run.mode === "failover") {
    if (!run.outage.declared || run.outage.region !== run.from) return [];
    const out: string[] = [];
    for (const n of names) if ((await secretPrimaryRegion(run.ctx, region, n)) !== undefined) out.push(n);
    return out;
  }
  // Fail-back: the copies in the region we leave that were promoted during the outage.
  if (!run.outage.reachable(run.from)) return [];
  const out: string[] = [];
  for (const n of names) if ((await secretPrimaryRegion(run.ctx, run.from, n)) === undefined) out.push(n);
  return out;
}

function cacheStep(region: (run: FailoverRun) => string): Step {
  const how = (run: FailoverRun): "failover" | "detach" =>
    run.outage.reachable(run.from) ? "failover" : "detach";
  return {
    id: "cache",
    title: (run) => `Move the cache to ${region(run)}`,
    view(run) {
      const r = region(run);
      const configured = entry(run, r).cache?.globalDatastoreId;
      const c = state(run, r).cache;
      if (!configured)
        return {
          status: "skipped",
          detail: "a regional cache (no Global Datastore): it starts cold, the API refills it",
        };
      if (!c) return { status: "todo", detail: `${entry(run, r).cache!.replicationGroupId} was not found` };
      if (!c.globalId)
        return { status: "done", detail: `${c.id} is standalone (detached from ${configured})` };
      if (c.role === "PRIMARY") return { status: "done", detail: `${c.id} is the Global Datastore primary` };
      return {
        status: "todo",
        detail:
          how(run) === "failover"
            ? `FailoverGlobalReplicationGroup: ${c.id} becomes the primary of ${c.globalId}`
            : `DisassociateGlobalReplicationGroup: ${c.id} leaves ${c.globalId} as a standalone primary (${run.from} is down)`,
      };
    },
    async act(run) {
      const way = how(run);
      await moveCache(run.ctx, run.manifest, region(run), way);
      return [
        way === "failover"
          ? `${region(run)}'s cache is the Global Datastore primary.`
          : `${region(run)}'s cache is detached and standalone: re-add it to the Global Datastore with the next apply after fail-back.`,
      ];
    },
  };
}

function trafficStep(region: (run: FailoverRun) => string): Step {
  return {
    id: "traffic",
    title: (run) => `Move traffic to ${region(run)}`,
    async view(run) {
      run.switches = await readSwitches(run.ctx, run.manifest, run.outage);
      const changes = changesToward(run.switches, region(run));
      if (changes.length === 0)
        return { status: "done", detail: `every region ahead of ${region(run)} is forced out` };
      return {
        status: "todo",
        detail:
          changes.map((c) => `${c.out ? "force out" : "clear"} ${c.region}`).join(", ") +
          " (CloudWatch in the regions that are up)",
      };
    },
    async act(run) {
      const r = region(run);
      const notes: string[] = [];
      const current = run.switches ?? (await readSwitches(run.ctx, run.manifest, run.outage));
      for (const change of changesToward(current, r)) {
        const { set, skipped } = await setSwitch(run.ctx, run.manifest, change, run.outage);
        notes.push(
          `${change.out ? "forced out" : "cleared"} ${change.region}'s switch in ${set.join(", ")}` +
            (skipped.length
              ? ` (not in ${skipped.join(", ")}: declared down; Route 53 counts that copy as healthy)`
              : ""),
        );
      }
      const after = await readSwitches(run.ctx, run.manifest, run.outage);
      if (changesToward(after, r).length > 0) {
        throw new FailedError(
          `The traffic switches do not show the change yet: ${JSON.stringify(after)}; re-run to retry.`,
        );
      }
      const server = run.ctx.rt.env.SKYLINE_DNS_SERVER || undefined;
      const { state: answer } = await waitForChangeThenSettle(
        {
          resource: `${run.manifest.global!.apiRecordName} (DNS)`,
          read: () => answeringRegion(run.manifest, server),
          describe: (a) => (a.region ? `answers with ${a.region}` : `no region (${a.error ?? "unknown"})`),
          changed: () => true,
          settled: (a) => a.region === r || (a.error !== undefined && a.addresses.length === 0),
          settledText: `answering with ${r}`,
          pollMs: 10_000,
          timeoutMs: 10 * 60_000,
        },
        run.ctx.waitClock(),
      );
      notes.push(
        answer.region === r
          ? `${run.manifest.global!.apiRecordName} answers with ${r}.`
          : `DNS cannot be read from here (${answer.error}); the public check below decides.`,
      );
      return notes;
    },
  };
}

const verifyStep: Step = {
  id: "verify",
  title: (run) => `Verify through ${run.publicTarget?.baseUrl ?? "the public hostname"}`,
  view(run) {
    return {
      status: "todo",
      detail: run.publicTarget
        ? `GET ${run.publicTarget.baseUrl}/ready is 200; a write (POST /v1/tests) succeeds and reads back`
        : "no public hostname in the manifest",
    };
  },
  async act(run) {
    const target = run.publicTarget;
    if (!target) throw new FailedError("The manifest names no public hostname: pass --public-url.");
    const { state: ready } = await waitForChangeThenSettle(
      {
        resource: `${target.baseUrl}/ready`,
        read: () => checkReady(target),
        describe: (c) => c.detail,
        changed: () => true,
        settled: (c) => c.ok,
        settledText: "200",
        pollMs: 10_000,
        timeoutMs: 10 * 60_000,
      },
      run.ctx.waitClock(),
    );
    const title = `skyline verify ${run.manifest.environment} ${new Date(run.ctx.rt.now()).toISOString()}`;
    const written = await writeRecord(target, title);
    const read = await readRecord(target, written.id);
    if (!read.found)
      throw new FailedError(`The record ${written.id} written through ${target.baseUrl} does not read back.`);
    run.verified = { id: written.id };
    return [ready.detail, `write ${written.id} accepted in ${written.ms} ms and read back in ${read.ms} ms.`];
  },
};

/** Fail-back: re-seed the returning primary's database as a replica of the current writer. */
/** Fail-back got past its promotion: the returning region's database is the newer writer. */
function promotedBack(run: FailoverRun): boolean {
  const db = state(run, run.to).db;
  const old = state(run, run.from).db;
  return Boolean(
    db && !db.replicaOf && db.writerSince && (!old?.writerSince || db.writerSince > old.writerSince),
  );
}

const reseedStep: Step = {
  id: "reseed",
  title: (run) => `Re-seed ${regionDbId(run.manifest, run.to)} in ${run.to} from ${run.from}`,
  view(run) {
    const db = state(run, run.to).db;
    const writer = state(run, run.from).db;
    if (promotedBack(run))
      return { status: "done", detail: `${db!.id} was re-seeded and is the writer again` };
    if (db?.replicaOf && writer && db.replicaOf.endsWith(`:db:${writer.id}`)) {
      return db.status === "available"
        ? { status: "done", detail: `${db.id} replicates from ${writer.id}` }
        : { status: "todo", detail: `${db.id} is being created (${db.status}): wait` };
    }
    return {
      status: "todo",
      detail:
        (db ? `keep the stale ${db.id} as ${db.id}-retired, ` : "") +
        `create ${regionDbId(run.manifest, run.to)} as a replica of ${writer?.id ?? "the writer"} (${run.from}) with ${run.to}'s key, network and parameter group`,
    };
  },
  async act(run) {
    const to = run.to;
    const id = regionDbId(run.manifest, to)!;
    const writer = state(run, run.from).db;
    if (!writer?.arn) throw new FailedError(`The writer in ${run.from} was not read; cannot re-seed ${to}.`);
    const notes: string[] = [];
    const svc = state(run, to).service;
    if (svc && svc.desired > 0) {
      await scaleService(run.ctx, run.manifest, to, { min: 0, max: 0, desired: 0, roll: false });
      notes.push(`${to}'s API fenced (it was running against the stale database).`);
    }
    let current = state(run, to).db;
    const retired = `${id}-retired`;
    if (current && !current.replicaOf) {
      await renameInstance(run.ctx, to, id, retired);
      notes.push(`the stale ${id} is kept as ${retired} (delete it after the review).`);
      current = null;
    }
    if (!current) {
      const like = await readDb(run.ctx, to, retired);
      if (!like)
        throw new FailedError(
          `${dbLabel(retired, to)} was not found: its settings are what the new replica copies.`,
        );
      await createReplica(run.ctx, run.manifest, to, {
        id,
        sourceArn: writer.arn,
        like,
        waitAvailable: true,
      });
    } else {
      await waitForChangeThenSettle(
        {
          resource: dbLabel(id, to),
          read: async () => (await readDb(run.ctx, to, id))!,
          describe: (s) => s.status,
          changed: () => true,
          settled: (s) => s.status === "available",
          settledText: "available",
          pollMs: 30_000,
          timeoutMs: 6 * 60 * 60_000,
        },
        run.ctx.waitClock(),
      );
    }
    notes.push(`${id} replicates from ${writer.id} (${run.from}).`);
    return notes;
  },
};

/** Fail-back: wait until the re-seeded replica is close behind before stopping writes. */
const syncStep: Step = {
  id: "sync",
  title: (run) => `Let ${regionDbId(run.manifest, run.to)} catch up`,
  async view(run) {
    const db = state(run, run.to).db;
    if (promotedBack(run)) return { status: "done", detail: `${db!.id} caught up and is the writer again` };
    if (!db) return { status: "todo", detail: "after the re-seed" };
    const lag = await readReplicaLag(run.ctx, run.to, db.id);
    return lag.kind === "ok" && lag.maxSeconds <= SYNC_LAG_SECONDS
      ? { status: "done", detail: `lag ${lag.maxSeconds} s` }
      : {
          status: "todo",
          detail: `wait until ReplicaLag ≤ ${SYNC_LAG_SECONDS} s (${lag.kind === "ok" ? `${lag.maxSeconds} s now` : lag.kind})`,
        };
  },
  async act(run) {
    const id = regionDbId(run.manifest, run.to)!;
    await waitForChangeThenSettle(
      {
        resource: `replica lag of ${id} (${run.to})`,
        read: () => readReplicaLag(run.ctx, run.to, id),
        describe: (l) => (l.kind === "ok" ? `lag ${l.maxSeconds} s` : l.kind),
        changed: () => true,
        settled: (l) => l.kind === "ok" && l.maxSeconds <= SYNC_LAG_SECONDS,
        settledText: `lag ≤ ${SYNC_LAG_SECONDS} s`,
        pollMs: 30_000,
        timeoutMs: 2 * 60 * 60_000,
      },
      run.ctx.waitClock(),
    );
    return [`${id} is within ${SYNC_LAG_SECONDS} s of the writer.`];
  },
};

/** Lag at which fail-back stops writes: the downtime until lag reaches 0 is this short. */
export const SYNC_LAG_SECONDS = 5;

/** Fail-back: every DR region's database becomes a replica of the restored primary again. */
const reseedStandbyStep: Step = {
  id: "reseedStandby",
  title: (run) => `Re-seed the DR replicas from ${run.to}`,
  view(run) {
    const pending = standbyRegions(run).filter((r) => !followsPrimary(run, r));
    return pending.length === 0
      ? { status: "done", detail: "every DR replica follows the primary" }
      : {
          status: "todo",
          detail: `re-seed ${pending.join(", ")} from ${regionDbId(run.manifest, run.to)} (created here, available later: skyline status)`,
        };
  },
  async act(run) {
    const notes: string[] = [];
    const writer = (await readDb(run.ctx, run.to, regionDbId(run.manifest, run.to)!))!;
    for (const r of standbyRegions(run).filter((x) => !followsPrimary(run, x))) {
      const id = regionDbId(run.manifest, r)!;
      const fresh = await readRegion(run.ctx, run.manifest, r, run.outage);
      let current = fresh.db;
      if (current) {
        await renameInstance(run.ctx, r, id, `${id}-retired`);
        current = null;
      }
      const like = await readDb(run.ctx, r, `${id}-retired`);
      if (!like)
        throw new FailedError(
          `${dbLabel(`${id}-retired`, r)} was not found: its settings are what the new replica copies.`,
        );
      await createReplica(run.ctx, run.manifest, r, {
        id,
        sourceArn: writer.arn!,
        like,
        waitAvailable: false,
      });
      const standby = run.manifest.regions[r].service?.autoscaling;
      if (standby && fresh.service && fresh.service.desired < standby.minCapacity) {
        await scaleService(run.ctx, run.manifest, r, {
          min: standby.minCapacity,
          max: standby.maxCapacity,
          desired: standby.minCapacity,
          roll: false,
        });
      }
      notes.push(
        `${id} (${r}) is being re-seeded from ${writer.id}; the stale one is ${id}-retired. Its API runs at standby size again.`,
      );
    }
    return notes;
  },
};

function standbyRegions(run: FailoverRun): string[] {
  return Object.keys(run.manifest.regions).filter(
    (r) =>
      r !== run.to &&
      run.outage.reachable(r) &&
      run.manifest.regions[r].database?.instances.some((i) => i.role === "cross-region-replica"),
  );
}

function followsPrimary(run: FailoverRun, region: string): boolean {
  const db = state(run, region).db;
  return Boolean(db?.replicaOf?.endsWith(`:db:${regionDbId(run.manifest, run.to)}`));
}

/** The steps of a run, in order. */
export function stepsFor(mode: FailoverRun["mode"]): Step[] {
  const to = (run: FailoverRun) => run.to;
  const from = (run: FailoverRun) => run.from;
  return mode === "failover"
    ? [fenceStep(from), promoteStep(to, false), repointStep(to), cacheStep(to), trafficStep(to), verifyStep]
    : [
        reseedStep,
        syncStep,
        fenceStep(from),
        promoteStep(to, true),
        repointStep(to),
        cacheStep(to),
        trafficStep(to),
        verifyStep,
        reseedStandbyStep,
      ];
}

/** A step's time budget: the failover steps have one (they sum to the RTO); fail-back's extra steps do not. */
export function budgetOf(manifest: OpsManifest, id: StepId): number | undefined {
  return id in manifest.targets.failoverBudgetMinutes
    ? manifest.targets.failoverBudgetMinutes[id as BudgetStep]
    : undefined;
}

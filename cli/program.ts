/**
 * The commander program. It imports only commander and tiny dependency-free modules (errors,
 * bounds, version): each command's module (and through it zod and the AWS SDK) is `require`d inside
 * its action handler, so `skyline --help` stays fast. One command = one module under commands/
 * exporting `run`. Every outcome, usage errors included, ends in one exit code and, with
 * `-o json`, one JSON document (core/report.ts).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- lazy loading is the point of this file */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import type { Context, GlobalOptions } from "./core/context";
import { parseBounded, type LimitName } from "./core/bounds";
import { ExitCode } from "./core/errors";
import type { Runtime } from "./core/runtime";
import { skylineVersion } from "./core/version";

type CommandModule = {
  run: (ctx: Context, options: Record<string, unknown>, ...args: string[]) => Promise<void>;
};

/** A whole-number flag within LIMITS[limit] (bounds.ts): checked before anything is sent. */
function integer(flag: string, limit: LimitName, min?: number): (value: string) => number {
  return (value) => {
    const n = parseBounded(flag, value, limit, min);
    if (typeof n === "string") throw new InvalidArgumentError(n);
    return n;
  };
}

function globalsFrom(opts: Record<string, unknown>): GlobalOptions {
  return {
    env: opts.env as string | undefined,
    region: opts.region as string | undefined,
    manifest: opts.manifest as string | undefined,
    profile: opts.profile as string | undefined,
    endpointUrl: opts.endpointUrl as string | undefined,
    output: (opts.output as "text" | "json") ?? "text",
    yes: Boolean(opts.yes),
    dryRun: Boolean(opts.dryRun),
    color: opts.color !== false,
    connectTimeout: opts.connectTimeout as number | undefined,
    requestTimeout: opts.requestTimeout as number | undefined,
  };
}

/** Parses argv (without node and script), runs the command and resolves with the exit code. */
export async function runCli(argv: readonly string[], rt: Runtime): Promise<number> {
  const program = new Command("skyline");
  program
    .description("Ops CLI for skyline environments: snapshot, failover, scale and status, safe by default.")
    .version(`skyline ${skylineVersion()}`, "-V, --version", "print the version and exit")
    .exitOverride()
    .configureOutput({ writeOut: (s) => rt.stdout.write(s), writeErr: (s) => rt.stderr.write(s) })
    .showHelpAfterError("(run with --help for usage)")
    .option("--env <name>", "environment (default: SKYLINE_ENV, else the only synthesized one)")
    .option(
      "--region <region>",
      "AWS region to act on (default: depends on the command, usually the primary)",
    )
    .option("--manifest <path>", "ops manifest (default: cdktf.out/skyline/<env>/manifest.json)")
    .option("--profile <name>", "AWS profile (default: the SDK credential chain, e.g. AWS_PROFILE)")
    .option("--endpoint-url <url>", "endpoint for every AWS client, e.g. http://localhost:4566")
    .addOption(new Option("-o, --output <format>", "result format").choices(["text", "json"]).default("text"))
    .option("-y, --yes", "do not ask for confirmation (required when stdin is not a terminal)")
    .option("--dry-run", "make read-only calls and print the plan; change nothing")
    .option("--no-color", "plain output")
    .option(
      "--connect-timeout <seconds>",
      "give up connecting to an AWS endpoint after this long (default: SKYLINE_CONNECT_TIMEOUT, else 10)",
      integer("--connect-timeout", "connectTimeout"),
    )
    .option(
      "--request-timeout <seconds>",
      "give up on an AWS request without a full answer after this long (default: SKYLINE_REQUEST_TIMEOUT, else 60)",
      integer("--request-timeout", "requestTimeout"),
    );

  // The command path as commander walks it, for the JSON document of a usage error.
  const path: string[] = [];
  let exitCode: number = ExitCode.Ok;

  const lazy =
    (modulePath: string) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      const positional = args.slice(0, -2) as string[];
      const options = command.optsWithGlobals();
      const globals = globalsFrom(options);
      const name = [command.parent?.name(), command.name()].filter((n) => n && n !== "skyline").join(" ");
      const { Context: ContextClass } = require("./core/context") as typeof import("./core/context");
      let ctx: Context;
      try {
        ctx = new ContextClass(globals, rt, name, argv);
      } catch (error) {
        // e.g. a bad SKYLINE_* variable: before any context exists, still one outcome.
        exitCode = reportEarly(rt, globals.output === "json", name, error);
        return;
      }
      const { runCommand } = require("./core/run-command") as typeof import("./core/run-command");
      const mod = require(modulePath) as CommandModule;
      exitCode = await runCommand(ctx, () => mod.run(ctx, options, ...positional));
    };

  const snapshot = program.command("snapshot").description("database snapshots");
  snapshot
    .command("create")
    .description("take a manual snapshot of a database named in the manifest")
    .addOption(
      new Option("--role <role>", "database instance role")
        .choices(["writer", "reader", "cross-region-replica"])
        .default("writer"),
    )
    .option("--copy-to <region>", "also copy it to this region, encrypted with that region's KMS key")
    .option("--wait", "wait until the snapshot (and copy) is available")
    .option("--reason <text>", "why, stored as a tag", "manual")
    .action(lazy("./commands/snapshot-create"));
  snapshot
    .command("list")
    .description("manual and automated snapshots, newest first")
    .action(lazy("./commands/snapshot-list"));
  snapshot
    .command("copy <snapshot-id>")
    .description("copy a snapshot to another region with that region's KMS key")
    .requiredOption("--to <region>", "destination region")
    .option("--wait", "wait until the copy is available")
    .action(lazy("./commands/snapshot-copy"));
  snapshot
    .command("prune")
    .description("delete old manual snapshots this tool created (dry run unless --execute)")
    .requiredOption(
      "--keep-days <n>",
      "keep snapshots younger than n days",
      integer("--keep-days", "keepDays"),
    )
    .requiredOption(
      "--keep-last <n>",
      "always keep the n newest (at least 1)",
      integer("--keep-last", "keepLast"),
    )
    .option("--execute", "actually delete (default: show what would be deleted)")
    .action(lazy("./commands/snapshot-prune"));

  const failover = program.command("failover").description("regional, AZ, cache and DNS failover");
  failover
    .command("db")
    .description("promote the cross-region replica in --to to a standalone writer")
    .requiredOption("--to <region>", "region whose replica becomes the writer")
    .option("--accept-data-loss", "proceed although replica lag is beyond the RPO or unknown")
    .option(
      "--confirm-replica-id <id>",
      "with --accept-data-loss when not interactive: the replica id, typed",
    )
    .option(
      "--declare-outage <region>",
      "declare this region lost: nothing is sent to it, and the target's serving checks may be overridden",
    )
    .option("--confirm-outage <region>", "with --declare-outage when not interactive: the region, typed")
    .action(lazy("./commands/failover-db"));
  failover
    .command("region")
    .description(
      "fail the whole region over to --to (fence, promote, repoint and roll, cache, traffic, verify); resumable; --to the primary fails back",
    )
    .requiredOption("--to <region>", "region that takes the writer and the traffic")
    .option(
      "--declare-outage <region>",
      "declare this region lost: nothing is sent to it, and the target's serving checks may be overridden",
    )
    .option("--confirm-outage <region>", "with --declare-outage when not interactive: the region, typed")
    .option("--accept-data-loss", "proceed although replica lag is beyond the RPO or unknown")
    .option(
      "--confirm-replica-id <id>",
      "with --accept-data-loss when not interactive: the replica id, typed",
    )
    .option("--public-url <url>", "where to verify reads and a write (default: https://<public hostname>)")
    .action(lazy("./commands/failover-region"));
  failover
    .command("az")
    .description("reboot the Multi-AZ writer with forced failover to its standby")
    .action(lazy("./commands/failover-az"));
  failover
    .command("cache")
    .description("ElastiCache test failover, or Global Datastore failover with --to")
    .option("--to <region>", "make this region's cache the Global Datastore primary")
    .action(lazy("./commands/failover-cache"));
  failover
    .command("dns")
    .description("send the API's traffic to a region with the data-plane traffic switches")
    .requiredOption("--to <region>", "region that should receive traffic")
    .option(
      "--declare-outage <region>",
      "declare this region lost: nothing is sent to it, and the target's serving checks may be overridden",
    )
    .option("--confirm-outage <region>", "with --declare-outage when not interactive: the region, typed")
    .action(lazy("./commands/failover-dns"));

  const scale = program
    .command("scale")
    .description("change capacity (reverted by the next deploy unless the config changes)");
  scale
    .command("service")
    .description("set the ECS service's autoscaling min/max or its desired count")
    .option("--min <n>", "autoscaling minimum tasks", integer("--min", "tasks"))
    .option("--max <n>", "autoscaling maximum tasks", integer("--max", "tasks", 1))
    .option("--desired <n>", "desired task count", integer("--desired", "tasks"))
    .action(lazy("./commands/scale-service"));
  scale
    .command("workers")
    .description(
      "set the queue workers' autoscaling min/max or desired count (--min 0 --max 0 holds them at zero)",
    )
    .option("--min <n>", "autoscaling minimum workers", integer("--min", "tasks"))
    .option("--max <n>", "autoscaling maximum workers (0 with --min 0 stops them)", integer("--max", "tasks"))
    .option("--desired <n>", "desired worker count", integer("--desired", "tasks"))
    .action(lazy("./commands/scale-workers"));
  scale
    .command("db")
    .description("change the DB instance class (shows pending modifications first)")
    .requiredOption("--class <class>", "DB instance class, e.g. db.r7g.xlarge")
    .addOption(
      new Option("--role <role>", "database instance role")
        .choices(["writer", "reader", "cross-region-replica"])
        .default("writer"),
    )
    .action(lazy("./commands/scale-db"));
  scale
    .command("cache")
    .description("change the cache's replica count or node type")
    .option("--replicas <n>", "replicas per shard", integer("--replicas", "replicas"))
    .option("--node-type <type>", "node type, e.g. cache.r7g.large")
    .action(lazy("./commands/scale-cache"));

  const deploy = program
    .command("deploy")
    .description("releases of the API: ECS deployments and their rollback");
  deploy
    .command("status")
    .description(
      "the newest deployment per region: strategy, stage, traffic shifted, bake left, alarms watched, outcome",
    )
    .action(lazy("./commands/deploy-status"));
  deploy
    .command("rollback")
    .description(
      "stop the deployment in flight with a rollback, or release the previous task definition again",
    )
    .action(lazy("./commands/deploy-rollback"));

  const queue = program.command("queue").description("the asynchronous submission queue");
  queue
    .command("redrive")
    .description("move the dead-letter queue's messages back to the queue (SQS message move task)")
    .option(
      "--max-per-second <n>",
      "move at most n messages a second (1-500; default: the rate SQS picks)",
      integer("--max-per-second", "messagesPerSecond"),
    )
    // A move task cannot stop at a count: --max is refused with that explanation (exit 2).
    .addOption(new Option("--max <n>").hideHelp())
    .action(lazy("./commands/queue-redrive"));

  program
    .command("drill")
    .description(
      "rehearse a regional failover and fail-back on a non-production environment, measure RTO and RPO, write a report",
    )
    .option("--to <region>", "the DR region to fail over to (default: the first)")
    .option(
      "--public-url <url>",
      "where to write and read the marker rows (default: https://<public hostname>)",
    )
    .option(
      "--report-dir <dir>",
      "where to write the report (default: SKYLINE_DRILL_DIR, else ~/.skyline/drills)",
    )
    .action(lazy("./commands/drill"));

  program
    .command("status")
    .description("per region: database, cache, service, load balancer, queue and alarms")
    .action(lazy("./commands/status"));

  // Planning (read-only, no AWS call): the load targets default to the config's (targets.load in the manifest).
  const planning = (command: Command) =>
    command
      .option("--users <n>", "concurrent users (default: the config's targets)", integer("--users", "users"))
      .option(
        "--rps <n>",
        "API requests per second (default: the config's targets)",
        integer("--rps", "requestsPerSecond"),
      )
      .option(
        "--submissions-per-minute <n>",
        "test submissions per minute (default: the config's targets)",
        integer("--submissions-per-minute", "submissionsPerMinute"),
      )
      .option(
        "--headroom <percent>",
        "peak above the target (default: the config's targets)",
        integer("--headroom", "headroom"),
      )
      .option(
        "--bench-profile <file>",
        "measured per-unit profile (default: bench/results/profile.json, else planning/default-profile.json)",
      )
      .option("--stacks <dir>", "synthesized stacks (default: cdktf.out/stacks beside the manifest)");
  planning(
    program
      .command("capacity")
      .description(
        "needed vs allowed per region and tier at the load targets; exit 3 naming the field to change",
      ),
  ).action(lazy("./commands/capacity"));
  planning(
    program
      .command("cost")
      .description("monthly cost estimate per resource, stack and service (on-demand list prices)"),
  ).action(lazy("./commands/cost"));

  const runbook = program.command("runbook").description("the runbooks generated by synth");
  runbook.command("list").description("list runbooks").action(lazy("./commands/runbook-list"));
  runbook.command("show <name>").description("print one runbook").action(lazy("./commands/runbook-show"));

  for (const parent of [program, ...program.commands]) {
    parent.hook("preSubcommand", (_parent, sub) => void path.push(sub.name()));
  }

  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    // --help and --version end here with 0; every other commander error is bad usage (its
    // message is already on stderr).
    if (error instanceof CommanderError && error.exitCode === 0) return ExitCode.Ok;
    const { UsageError } = require("./core/errors") as typeof import("./core/errors");
    const usage =
      error instanceof CommanderError ? new UsageError(error.message.replace(/^error: /, "")) : error;
    const { wantsJson } = require("./core/report") as typeof import("./core/report");
    return reportEarly(rt, wantsJson(argv), path.join(" ") || null, usage, error instanceof CommanderError);
  }
}

/**
 * The outcome of a run that never got a context: a usage error from commander, or a Context that
 * could not be built. Writes `error: …` (unless commander already did) and, with `-o json`, the
 * document.
 * @param alreadyShown commander already wrote the message to stderr
 */
function reportEarly(
  rt: Runtime,
  json: boolean,
  command: string | null,
  error: unknown,
  alreadyShown = false,
): number {
  const { Report, outcomeOf, errorDocument } = require("./core/report") as typeof import("./core/report");
  const { outcome, exitCode } = outcomeOf(error, 0);
  const doc = errorDocument(error);
  if (!alreadyShown)
    rt.stderr.write(doc.kind === "internal" ? `${doc.message}\n` : `error: ${doc.message}\n`);
  const report = new Report(rt.stdout, json, command, () => rt.env.SKYLINE_ENV || null);
  report.emit({ outcome, exitCode, error: doc });
  return exitCode;
}

/**
 * The commander program. It imports only commander and the tiny errors module: each command's
 * module (and through it zod and the AWS SDK) is `require`d inside its action handler, so
 * `skyline --help` stays fast. One command = one module under commands/ exporting `run`.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- lazy loading is the point of this file */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import type { Context, GlobalOptions } from "./core/context";
import { CliError, ExitCode } from "./core/errors";
import type { Runtime } from "./core/runtime";

type CommandModule = {
  run: (ctx: Context, options: Record<string, unknown>, ...args: string[]) => Promise<void>;
};

function integer(flag: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${flag} needs an integer ≥ ${min}.`);
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
  };
}

/** Parses argv (without node and script), runs the command and resolves with the exit code. */
export async function runCli(argv: readonly string[], rt: Runtime): Promise<number> {
  const program = new Command("skyline");
  program
    .description("Ops CLI for skyline environments: snapshot, failover, scale and status, safe by default.")
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
    .option("--no-color", "plain output");

  const lazy =
    (modulePath: string) =>
    (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      const positional = args.slice(0, -2) as string[];
      const options = command.optsWithGlobals();
      const { Context: ContextClass } = require("./core/context") as typeof import("./core/context");
      const ctx = new ContextClass(globalsFrom(options), rt);
      const mod = require(modulePath) as CommandModule;
      return mod.run(ctx, options, ...positional);
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
    .requiredOption("--keep-days <n>", "keep snapshots younger than n days", integer("--keep-days", 0))
    .requiredOption("--keep-last <n>", "always keep the n newest (at least 1)", integer("--keep-last", 1))
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
    .action(lazy("./commands/failover-db"));
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
    .description("shift the API's Route 53 failover record to a region")
    .requiredOption("--to <region>", "region that should receive traffic")
    .action(lazy("./commands/failover-dns"));

  const scale = program
    .command("scale")
    .description("change capacity (reverted by the next deploy unless the config changes)");
  scale
    .command("service")
    .description("set the ECS service's autoscaling min/max or its desired count")
    .option("--min <n>", "autoscaling minimum tasks", integer("--min", 0))
    .option("--max <n>", "autoscaling maximum tasks", integer("--max", 1))
    .option("--desired <n>", "desired task count", integer("--desired", 0))
    .action(lazy("./commands/scale-service"));
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
    .option("--replicas <n>", "replicas per shard", integer("--replicas", 0))
    .option("--node-type <type>", "node type, e.g. cache.r7g.large")
    .action(lazy("./commands/scale-cache"));

  program
    .command("status")
    .description("per region: database, cache, service, load balancer and alarms")
    .action(lazy("./commands/status"));

  const runbook = program.command("runbook").description("the runbooks generated by synth");
  runbook.command("list").description("list runbooks").action(lazy("./commands/runbook-list"));
  runbook.command("show <name>").description("print one runbook").action(lazy("./commands/runbook-show"));

  try {
    await program.parseAsync([...argv], { from: "user" });
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (error instanceof CliError) {
      rt.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    rt.stderr.write(
      `internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return ExitCode.Failed;
  }
}

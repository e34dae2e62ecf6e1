/**
 * Every `skyline …` line in every runbook is run through the real commander program with each
 * command module replaced by a recorder: unknown commands, flags, bad choices or missing required
 * options fail here exactly as they would for on-call.
 */
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { runCli } from "../../cli/program";
import { renderRunbooks } from "../../runbooks/runbooks";
import { parseManifest, type OpsManifest } from "../../manifest/schema";
import { eksManifestJson } from "../cli/eks-manifest";
import { fakeRuntime } from "../cli/helpers";
import { FIXTURE_ENVS, loadFixture, skylineCommands, variant } from "./helpers";

interface Call {
  module: string;
  options: Record<string, unknown>;
  args: string[];
  env?: string;
  region?: string;
}

const calls: Call[] = [];
const COMMANDS_DIR = join(__dirname, "..", "..", "cli", "commands");

beforeAll(() => {
  for (const file of readdirSync(COMMANDS_DIR).filter((f) => f.endsWith(".ts"))) {
    const module = basename(file, ".ts");
    jest.doMock(join(COMMANDS_DIR, module), () => ({
      run: async (
        ctx: { opts: { env?: string; region?: string } },
        options: Record<string, unknown>,
        ...args: string[]
      ) => {
        calls.push({ module, options, args, env: ctx.opts.env, region: ctx.opts.region });
      },
    }));
  }
});

const GLOBAL_WITH_VALUE = new Set([
  "--env",
  "--region",
  "--manifest",
  "--profile",
  "--endpoint-url",
  "--output",
  "-o",
]);

/** `failover db` → `failover-db`, `status` → `status`: the module the line must reach. */
function expectedModule(argv: readonly string[]): string {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    if (GLOBAL_WITH_VALUE.has(argv[i])) i++;
    else if (!argv[i].startsWith("-")) words.push(argv[i]);
  }
  return words[0] === "status" ? "status" : words.join("-");
}

async function parse(line: string): Promise<{ code: number; err: string; call?: Call; argv: string[] }> {
  expect(line).not.toMatch(/["']/); // plain words only: the split below is the shell's
  const argv = line.split(/\s+/).slice(1);
  calls.length = 0;
  const rt = fakeRuntime();
  const code = await runCli(argv, rt);
  return { code, err: rt.err, call: calls[0], argv };
}

function regionFlags(call: Call): string[] {
  return [call.region, call.options.to, call.options.copyTo].filter(
    (r): r is string => typeof r === "string",
  );
}

async function expectAllParse(manifest: OpsManifest): Promise<number> {
  let checked = 0;
  for (const runbook of renderRunbooks(manifest)) {
    for (const line of skylineCommands(runbook.markdown)) {
      const { code, err, call, argv } = await parse(line);
      expect({ runbook: runbook.name, line, code, err }).toEqual({
        runbook: runbook.name,
        line,
        code: 0,
        err: "",
      });
      expect(calls).toHaveLength(1);
      expect(call?.module).toBe(expectedModule(argv));
      expect(call?.env).toBe(manifest.environment);
      for (const region of regionFlags(call!)) expect(Object.keys(manifest.regions)).toContain(region);
      checked++;
    }
  }
  return checked;
}

describe.each(FIXTURE_ENVS)("skyline commands in the %s runbooks", (env) => {
  it("each parses with the real program and reaches the command it names, in a region of the manifest", async () => {
    const checked = await expectAllParse(loadFixture(env));
    expect(checked).toBeGreaterThan(20);
  });
});

it("commands of the manifest variants parse too (Multi-AZ single region, no autoscaling)", async () => {
  await expectAllParse(
    variant("staging", (m) => {
      m.regions["eu-west-1"].database!.multiAz = true;
      delete m.regions["eu-west-1"].service!.autoscaling;
    }),
  );
});

it("commands of an EKS manifest parse too, and none is an ECS-only command", async () => {
  const manifest = parseManifest(eksManifestJson(), "eks manifest");
  expect(await expectAllParse(manifest)).toBeGreaterThan(10);
  const lines = renderRunbooks(manifest).flatMap((r) => skylineCommands(r.markdown));
  expect(lines.filter((l) => l.includes("scale service"))).toEqual([]);
});

it("failover db --to names a region whose replica exists", async () => {
  const manifest = loadFixture("production");
  const lines = renderRunbooks(manifest).flatMap((r) => skylineCommands(r.markdown));
  const targets = lines
    .filter((l) => l.includes("failover db --to"))
    .map((l) => l.split("--to ")[1].split(" ")[0]);
  expect(targets.length).toBeGreaterThan(0);
  for (const region of targets) {
    expect(manifest.regions[region].database?.instances.map((i) => i.role)).toContain("cross-region-replica");
  }
});

it("the harness rejects what the program rejects: an unknown flag and a missing required option", async () => {
  expect((await parse("skyline --env production failover db --bogus")).code).toBe(2);
  expect((await parse("skyline --env production failover db")).code).toBe(2);
  const ok = await parse("skyline --env production failover db --to eu-west-1 --dry-run");
  expect([ok.code, ok.call?.module, ok.call?.options.to]).toEqual([0, "failover-db", "eu-west-1"]);
});

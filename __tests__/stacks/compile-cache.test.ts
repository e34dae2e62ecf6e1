/**
 * The compile cache hooks Node's own module loader, which Jest's sandbox does not use: stacks/compile-cache.ts
 * is transpiled into a temp directory and a driver script runs it in a child Node process, against
 * fixture packages under <tmp>/node_modules. Only the opt-outs and the Node >= 22.1 hand-over run
 * in-process.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import Module from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import ts from "typescript";
import { enableCompileCache, type CompileCache, type HookCompileCache } from "../../stacks/compile-cache";

const ROOT = join(__dirname, "..", "..");
let tmp: string;
let fixture: string;
let cacheDir: string;

/**
 * The modules the hook compiles (and caches): the fixture package's and the app's own local/local.js;
 * dynamic.js, esm-fixture and the driver (the main module) are left to Node.
 */
const CACHED = ["index.js", "lib/helper.js", "lib/value.js", "bin.js", "thrower.js", "../../local/local.js"];

const FILES: Record<string, string> = {
  "node_modules/fixture/package.json": JSON.stringify({
    name: "fixture",
    version: "1.0.0",
    main: "index.js",
  }),
  "node_modules/fixture/index.js": [
    `const helper = require("./lib/helper");`,
    `module.exports.helper = helper;`,
    `exports.value = require("./lib/value");`,
    `exports.sameExports = module.exports === exports && this === exports;`,
    `exports.filename = __filename;`,
    `exports.dirname = __dirname;`,
    `exports.resolved = require.resolve("./lib/helper");`,
    `exports.paths = Array.isArray(require.resolve.paths("anything"));`,
    `exports.cached = require.cache[__filename] === module;`,
    `exports.extensions = Object.keys(require.extensions).includes(".js");`,
    `exports.main = require.main === process.mainModule;`,
    `exports.sloppy = (function () { return this === globalThis; })();`,
    ``,
  ].join("\n"),
  "node_modules/fixture/lib/helper.js": `module.exports = { name: "helper", parent: module.parent && module.parent.id };\n`,
  "node_modules/fixture/lib/value.js": `module.exports = "AAAA";\n`,
  "node_modules/fixture/bin.js": [
    `#!/usr/bin/env node`,
    `// a CLI entry point that is also required`,
    `exports.line = Number(/:(\\d+):\\d+\\)?$/.exec(new Error().stack.split("\\n")[1])[1]);`,
    ``,
  ].join("\n"),
  "node_modules/fixture/thrower.js": [
    `exports.first = () => { throw new Error("first"); };`,
    `// line 2`,
    `// line 3`,
    `exports.boom = function boom() {`,
    `  throw new Error("boom");`,
    `};`,
    ``,
  ].join("\n"),
  "node_modules/fixture/dynamic.js": `exports.load = () => import("./data.mjs");\n`,
  "node_modules/fixture/data.mjs": `export default "dynamic";\n`,
  // A "type": "module" package: require(esm) gives _compile the "module" format, where `this` is undefined.
  "node_modules/esm-fixture/package.json": JSON.stringify({ name: "esm-fixture", type: "module" }),
  "node_modules/esm-fixture/index.js": `globalThis.esmThis = typeof this;\n`,
  "local/local.js": `exports.local = true;\n`,
};

const DRIVER = `
const { enableCompileCache } = require("./compile-cache.js");
const handle = enableCompileCache({ dir: process.env.CC_DIR, env: {} });
const frame = (e, file) => e.stack.split("\\n").find((l) => l.includes(file)).trim();
(async () => {
  const fx = require("fixture");
  const out = { kind: handle && handle.kind, fixture: { ...fx } };
  out.bin = require("fixture/bin.js");
  try { require("fixture/thrower.js").boom(); } catch (e) { out.boom = frame(e, "thrower.js"); }
  try { require("fixture/thrower.js").first(); } catch (e) { out.first = frame(e, "thrower.js"); }
  require("esm-fixture");
  out.esmThis = globalThis.esmThis;
  out.dynamic = (await require("fixture/dynamic.js").load()).default;
  out.local = require("./local/local.js").local;
  out.stats = handle && { ...handle.stats };
  process.stdout.write(JSON.stringify(out));
})();
`;

function run(dir = cacheDir) {
  const result = spawnSync(process.execPath, [join(tmp, "driver.js")], {
    cwd: tmp,
    env: { PATH: process.env.PATH ?? "", CC_DIR: dir },
    encoding: "utf8",
  });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout);
}

/** What the fixtures do without the hook, and must still do with it. */
function expectFixturesWork(out: any) {
  const pkg = join(tmp, "node_modules", "fixture");
  expect(out.kind).toBe("hook");
  expect(out.fixture).toEqual({
    helper: { name: "helper", parent: join(pkg, "index.js") },
    value: expect.any(String),
    sameExports: true,
    filename: join(pkg, "index.js"),
    dirname: pkg,
    resolved: join(pkg, "lib", "helper.js"),
    paths: true,
    cached: true,
    extensions: true,
    main: true,
    sloppy: true,
  });
  expect(out.bin).toEqual({ line: 3 });
  expect(out.esmThis).toBe("undefined");
  expect(out.dynamic).toBe("dynamic");
  expect(out.local).toBe(true);
}

const entries = () => readdirSync(cacheDir).sort();

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "skyline-compile-cache-"));
  fixture = join(tmp, "node_modules", "fixture");
  cacheDir = join(tmp, "cache");
  const source = readFileSync(join(ROOT, "stacks", "compile-cache.ts"), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
  });
  writeFileSync(join(tmp, "compile-cache.js"), outputText);
  writeFileSync(join(tmp, "driver.js"), DRIVER);
  for (const [path, content] of Object.entries(FILES)) {
    mkdirSync(dirname(join(tmp, path)), { recursive: true });
    writeFileSync(join(tmp, path), content);
  }
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// The child-process tests build on each other's cache directory, in order.
describe("the Node 20 hook, in a child process", () => {
  let first: any;

  test("first run: modules behave as without the hook, every one is a miss, entries are written at exit", () => {
    first = run();
    expectFixturesWork(first);
    expect(first.fixture.value).toBe("AAAA");
    expect(first.stats).toEqual({ hits: 0, misses: CACHED.length, rejected: 0 });
    // One entry per module compiled by the hook, no temp files.
    expect(entries()).toHaveLength(CACHED.length);
    expect(entries().filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  test("second run: every module is compiled from the cache, with the same results", () => {
    const second = run();
    expectFixturesWork(second);
    expect(second.stats).toEqual({ hits: CACHED.length, misses: 0, rejected: 0 });
    expect({ ...second, stats: undefined }).toEqual({ ...first, stats: undefined });
  });

  test("an error thrown in a cached module reports its own line and column", () => {
    const thrower = join(fixture, "thrower.js");
    const out = run();
    expect(out.stats.hits).toBe(CACHED.length);
    expect(out.boom).toBe(`at Object.boom (${thrower}:5:9)`);
    // Line 1 holds the module wrapper too: its columns are still the file's own.
    expect(out.first).toBe(`at exports.first (${thrower}:1:31)`);
    expect([first.boom, first.first]).toEqual([out.boom, out.first]);
  });

  test("the app's own modules are cached like the libraries, the main module is not", () => {
    const before = entries();
    const out = run();
    expect(out.local).toBe(true);
    expect(out.stats).toEqual({ hits: CACHED.length, misses: 0, rejected: 0 });
    // Edited, the app's module is compiled anew: its entry is named by its source.
    const local = join(tmp, "local", "local.js");
    writeFileSync(local, "exports.local = 'edited';\n");
    const edited = run();
    expect(edited.local).toBe("edited");
    expect(edited.stats).toEqual({ hits: CACHED.length - 1, misses: 1, rejected: 0 });
    writeFileSync(local, FILES["local/local.js"]);
    expect(run().stats).toEqual({ hits: CACHED.length, misses: 0, rejected: 0 });
    // The edited source's entry is stale now: leave the directory as the next tests expect it.
    for (const name of entries()) if (!before.includes(name)) rmSync(join(cacheDir, name));
  });

  test("an entry that V8 rejects is recompiled and rewritten", () => {
    // Each entry swapped for another module's: intact, but V8 sees a source of another length, as it
    // sees another V8 version or other flags after a Node upgrade.
    const names = entries();
    const bytes = names.map((name) => readFileSync(join(cacheDir, name)));
    names.forEach((name, i) => writeFileSync(join(cacheDir, name), bytes[(i + 1) % names.length]));
    const out = run();
    expectFixturesWork(out);
    expect(out.stats).toEqual({ hits: 0, misses: 0, rejected: CACHED.length });
    expect(run().stats).toEqual({ hits: CACHED.length, misses: 0, rejected: 0 });
  });

  test("a same-length edit runs the new code and is a miss", () => {
    const value = join(fixture, "lib", "value.js");
    const edited = readFileSync(value, "utf8").replace("AAAA", "BBBB");
    writeFileSync(value, edited);
    const out = run();
    expect(out.fixture.value).toBe("BBBB");
    expect(out.stats).toEqual({ hits: CACHED.length - 1, misses: 1, rejected: 0 });
    expect(entries()).toHaveLength(CACHED.length + 1);
  });

  test("a damaged entry is rejected, the module still runs, and the entry is rewritten", () => {
    const corrupted = new Map<string, Buffer>();
    for (const name of entries()) {
      const bytes = readFileSync(join(cacheDir, name));
      const middle = bytes.length >> 1;
      bytes.fill(0x5a, middle, middle + 16);
      writeFileSync(join(cacheDir, name), bytes);
      corrupted.set(name, bytes);
    }
    const out = run();
    expectFixturesWork(out);
    expect(out.stats).toEqual({ hits: 0, misses: 0, rejected: CACHED.length });
    // The entries of the modules just loaded are rewritten; the stale "AAAA" one is not.
    const rewritten = entries().filter(
      (name) => !readFileSync(join(cacheDir, name)).equals(corrupted.get(name)!),
    );
    expect(rewritten).toHaveLength(CACHED.length);
    expect(run().stats).toEqual({ hits: CACHED.length, misses: 0, rejected: 0 });
  });

  test("an unusable cache directory does not break anything", () => {
    const file = join(tmp, "not-a-directory");
    writeFileSync(file, "");
    const out = run(join(file, "cache"));
    expectFixturesWork(out);
    expect(out.stats).toEqual({ hits: 0, misses: CACHED.length, rejected: 0 });
  });

  test("a directory of more than 4096 entries is emptied before writing", () => {
    const dir = join(tmp, "full-cache");
    mkdirSync(dir);
    for (let i = 0; i <= 4096; i++) writeFileSync(join(dir, `stale-${i}`), "");
    run(dir);
    expect(readdirSync(dir)).toHaveLength(CACHED.length);
  });
});

describe("in-process", () => {
  let handle: CompileCache | undefined;
  const compile = (Module.prototype as any)._compile;
  afterEach(() => {
    if (handle?.kind === "hook") handle.uninstall();
    handle = undefined;
    (Module.prototype as any)._compile = compile;
  });

  test.each([{ SKYLINE_COMPILE_CACHE: "0" }, { NODE_DISABLE_COMPILE_CACHE: "1" }])(
    "%o turns the cache off and installs nothing",
    (env) => {
      handle = enableCompileCache({ dir: join(tmp, "off"), env, moduleApi: {} });
      expect(handle).toBeUndefined();
      expect((Module.prototype as any)._compile).toBe(compile);
    },
  );

  test("on Node >= 22.1, Node's own compile cache is enabled with the directory and nothing is hooked", () => {
    const dirs: string[] = [];
    const moduleApi = { enableCompileCache: (dir: string) => dirs.push(dir) };
    handle = enableCompileCache({ dir: join(tmp, "node"), env: {}, moduleApi });
    expect(handle).toEqual({ kind: "node", dir: join(tmp, "node") });
    expect(dirs).toEqual([join(tmp, "node")]);
    expect((Module.prototype as any)._compile).toBe(compile);
  });

  test("the hook is installed once and uninstall restores Node's _compile and exit listeners", () => {
    const listeners = process.listenerCount("exit");
    handle = enableCompileCache({ dir: join(tmp, "in-process"), env: {}, moduleApi: {} });
    expect(handle).toMatchObject({ kind: "hook", dir: join(tmp, "in-process") });
    expect((Module.prototype as any)._compile).not.toBe(compile);
    expect(process.listenerCount("exit")).toBe(listeners + 1);
    expect(enableCompileCache({ dir: join(tmp, "other"), env: {}, moduleApi: {} })).toBe(handle);
    (handle as HookCompileCache).uninstall();
    expect((Module.prototype as any)._compile).toBe(compile);
    expect(process.listenerCount("exit")).toBe(listeners);
  });

  test("the default directory is .cache/skyline-compile in the node_modules that holds cdktf", () => {
    const dirs: string[] = [];
    handle = enableCompileCache({
      env: {},
      moduleApi: { enableCompileCache: (dir: string) => dirs.push(dir) },
    });
    expect(dirs).toEqual([join(ROOT, "node_modules", ".cache", "skyline-compile")]);
  });
});

/**
 * A V8 code cache for the JavaScript that synth loads.
 *
 * `node dist/main.js` spends about 250 ms of a 1.1 s run compiling 16 MB of library code (cdktf, the
 * @cdktf/provider-aws submodules, zod) before it synthesizes anything, and ~60 ms more compiling the
 * functions of its own dist/ lazily as they first run. Node >= 22.1 caches that work
 * itself with `module.enableCompileCache()`, and this module hands over to it when it exists. Node 20
 * has no such API, so this module installs a small backport: a hook on `Module.prototype._compile`
 * that compiles each CommonJS file (the main module aside) with a `vm.Script` fed with the cache of
 * the previous run.
 *
 * The cache is produced after execution, when the process exits (`script.createCachedData()`), not
 * after compilation: by then V8 has compiled the functions that synth actually called, which are
 * lazily compiled and were most of the 250 ms. An entry is named by CRC-32s of the file name and of
 * the full source, and the source length, as Node's own compile cache checks them (npm sets every
 * mtime to 1985, and V8 itself only checks the source length, so a same-length edit would otherwise
 * run stale code). V8 checks its own version and flags and rejects a cache that does not match, and
 * a checksum over each entry catches a damaged file, which V8 would not. A rejected or missing entry
 * is compiled normally and rewritten at exit.
 *
 * The cache may make synth faster and must never break it: every filesystem error is swallowed, and
 * anything the hook does not handle exactly as Node does (ES modules, `import()`, the main module,
 * source maps, policies) goes through Node's own `_compile`. A rebuild adds entries only for the
 * files whose output changed; stale ones are cleared with the directory (see MAX_ENTRIES). Set
 * SKYLINE_COMPILE_CACHE=0 (or Node's NODE_DISABLE_COMPILE_CACHE) to turn the cache off.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import Module from "node:module";
import { dirname, join } from "node:path";
import { Script } from "node:vm";
import { crc32 } from "node:zlib";

/** The part of `node:module` this file uses to find Node's built-in compile cache. */
export interface CompileCacheModuleApi {
  /** Node >= 22.1: `module.enableCompileCache(dir)`. */
  readonly enableCompileCache?: unknown;
}

export interface CompileCacheOptions {
  /**
   * Directory of the cache entries.
   * @default `.cache/skyline-compile` in the node_modules directory that holds cdktf
   */
  readonly dir?: string;
  /**
   * Environment read for SKYLINE_COMPILE_CACHE=0 and NODE_DISABLE_COMPILE_CACHE, which turn the cache off.
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The `node:module` API; when it has `enableCompileCache` (Node >= 22.1), Node's built-in cache is used.
   * @default require("node:module")
   */
  readonly moduleApi?: CompileCacheModuleApi;
}

export interface CompileCacheStats {
  /** Modules compiled from an accepted cache entry. */
  hits: number;
  /** Modules with no cache entry. */
  misses: number;
  /** Modules whose entry V8 rejected (other V8 version or flags) or that failed its checksum. */
  rejected: number;
}

/** Node's built-in compile cache is on; nothing is hooked. */
export interface NodeCompileCache {
  readonly kind: "node";
  readonly dir: string;
}

/** The Node 20 backport is installed. */
export interface HookCompileCache {
  readonly kind: "hook";
  readonly dir: string;
  readonly stats: Readonly<CompileCacheStats>;
  /** Writes the entries of the modules compiled without an accepted cache (also done at process exit). */
  flush(): void;
  /** Restores Node's `_compile` and removes the exit listener; pending entries are not written. */
  uninstall(): void;
}

export type CompileCache = NodeCompileCache | HookCompileCache;

/** More entries than this when flushing means stale ones from old dependencies: start over. */
const MAX_ENTRIES = 4096;
/** `import()` in a vm.Script needs an experimental loader option on Node 20: leave such files to Node. */
const DYNAMIC_IMPORT = /\bimport\s*\(/;
const HOOK = Symbol.for("skyline.compileCache");

interface CjsModule {
  id: string;
  exports: unknown;
  require(id: string): unknown;
}

type Compile = (this: CjsModule, content: string, filename: string, ...rest: unknown[]) => unknown;

/** Node internals that the hook uses; the same ones v8-compile-cache relies on. */
interface ModuleInternals {
  prototype: { _compile: Compile & { [HOOK]?: HookCompileCache } };
  wrap(script: string): string;
  _resolveFilename(request: string, parent: CjsModule, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: CjsModule): string[] | null;
  _extensions: unknown;
  _cache: unknown;
}

/**
 * Turns on the compile cache for the rest of the process: Node's own on Node >= 22.1, the backport
 * on Node 20. Returns undefined when the cache is turned off or its directory cannot be found.
 */
export function enableCompileCache(options: CompileCacheOptions = {}): CompileCache | undefined {
  const env = options.env ?? process.env;
  if (env.SKYLINE_COMPILE_CACHE === "0" || env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const dir = options.dir ?? defaultDir();
  if (dir === undefined) return undefined;
  // @types/node 20 does not declare enableCompileCache.
  const moduleApi = options.moduleApi ?? (Module as unknown as CompileCacheModuleApi);
  if (typeof moduleApi.enableCompileCache === "function") {
    try {
      moduleApi.enableCompileCache(dir);
      return { kind: "node", dir };
    } catch {
      return undefined;
    }
  }
  // A policy checks each file's integrity in Node's own _compile: never bypass it.
  const flags = `${process.execArgv.join(" ")} ${env.NODE_OPTIONS ?? ""}`;
  if (flags.includes("--experimental-policy")) return undefined;
  return installHook(dir);
}

function defaultDir(): string | undefined {
  try {
    const nodeModules = dirname(dirname(require.resolve("cdktf/package.json")));
    return join(nodeModules, ".cache", "skyline-compile");
  } catch {
    return undefined;
  }
}

function installHook(dir: string): HookCompileCache {
  const M = Module as unknown as ModuleInternals;
  const proto = M.prototype;
  const existing = proto._compile[HOOK];
  if (existing) return existing;

  const original = proto._compile;
  const stats: CompileCacheStats = { hits: 0, misses: 0, rejected: 0 };
  /** Cache file → script compiled without an accepted entry, whose cache is written at exit. */
  const pending = new Map<string, Script>();
  // With Module.wrap the wrapper sits on the module's line 1: lines are unchanged, and a negative
  // column offset keeps line 1's columns right too.
  const marker = "\u0000";
  const columnOffset = -M.wrap(marker).indexOf(marker);
  let active = true;

  const compile: Compile = function (this: CjsModule, content, filename, ...rest) {
    const format = rest[0];
    if (
      !active ||
      (format !== undefined && format !== "commonjs") ||
      typeof content !== "string" ||
      this.id === "." ||
      process.sourceMapsEnabled
    ) {
      return original.call(this, content, filename, ...rest);
    }
    const file = join(dir, entryName(filename, content));
    const entry = readEntry(file);
    // Entries are only written for sources without import(), and the name covers the source: a hit
    // needs no scan of it.
    if (!(entry instanceof Buffer) && DYNAMIC_IMPORT.test(content)) {
      return original.call(this, content, filename, ...rest);
    }
    let script: Script;
    try {
      script = new Script(M.wrap(blankShebang(content)), {
        filename,
        columnOffset,
        cachedData: entry instanceof Buffer ? entry : undefined,
      });
    } catch {
      // ES module syntax in a .js file, or a real syntax error: Node decides and reports.
      return original.call(this, content, filename, ...rest);
    }
    if (entry === undefined) stats.misses++;
    else if (entry === CORRUPT || script.cachedDataRejected) stats.rejected++;
    else stats.hits++;
    if (!(entry instanceof Buffer) || script.cachedDataRejected) pending.set(file, script);

    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return Reflect.apply(wrapper, this.exports, [
      this.exports,
      makeRequire(M, this),
      this,
      filename,
      dirname(filename),
    ]);
  };

  const flush = (): void => {
    const scripts = [...pending];
    pending.clear();
    if (scripts.length > 0) writeEntries(dir, scripts);
  };
  const handle: HookCompileCache = {
    kind: "hook",
    dir,
    stats,
    flush,
    uninstall() {
      active = false;
      pending.clear();
      process.removeListener("exit", flush);
      if (proto._compile === compile) proto._compile = original;
    },
  };
  Object.defineProperty(compile, HOOK, { value: handle });
  proto._compile = compile;
  process.once("exit", flush);
  return handle;
}

/** Builds a module's `require` as Node's makeRequireFunction does. */
function makeRequire(M: ModuleInternals, mod: CjsModule): NodeJS.Require {
  const require = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: unknown) =>
    M._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => M._resolveLookupPaths(request, mod);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = M._extensions as NodeJS.Require["extensions"];
  require.cache = M._cache as NodeJS.Require["cache"];
  return require;
}

/** The entry's file name: CRC-32 of the module's path, source length, CRC-32 of the source (hex). */
function entryName(filename: string, content: string): string {
  return [crc32(filename), content.length, crc32(content)].map((n) => n.toString(16)).join("-");
}

/** A hashbang is only valid at the very start of a script: blank it, keeping the line count. */
function blankShebang(content: string): string {
  if (!content.startsWith("#!")) return content;
  const eol = content.search(/[\r\n\u2028\u2029]/);
  return eol === -1 ? "" : content.slice(eol);
}

/** An entry that failed its checksum. */
const CORRUPT = Symbol("corrupt");

/** An entry is a CRC-32 of the V8 cache data (4 bytes, big-endian) followed by the data. */
function readEntry(file: string): Buffer | typeof CORRUPT | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  const data = bytes.subarray(4);
  if (bytes.length <= 4 || bytes.readUInt32BE(0) !== crc32(data)) return CORRUPT;
  return data;
}

function writeEntries(dir: string, scripts: [string, Script][]): void {
  try {
    mkdirSync(dir, { recursive: true });
    const names = readdirSync(dir);
    if (names.length > MAX_ENTRIES) {
      for (const name of names) tryRemove(join(dir, name));
    }
  } catch {
    return;
  }
  for (const [file, script] of scripts) {
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      const data = script.createCachedData();
      const header = Buffer.alloc(4);
      header.writeUInt32BE(crc32(data));
      writeFileSync(tmp, Buffer.concat([header, data]));
      renameSync(tmp, file);
    } catch {
      tryRemove(tmp);
    }
  }
}

function tryRemove(path: string): void {
  try {
    rmSync(path, { force: true, recursive: true });
  } catch {
    // Left for the next flush.
  }
}

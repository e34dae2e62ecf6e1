/**
 * The release gate's deployment package: lambda/index.js in a zip, written once per content to the
 * temp directory for a TerraformAsset (FILE) to copy into the stack.
 *
 * Not cdktf's ARCHIVE assets: those zip through a child `node <cdktf's fs module>`, which in the
 * V8-snapshot synth (one bundle, dist/synth-snapshot.js) runs the whole synth again, recursively;
 * and their zips carry the files' modification times, so every fresh checkout would upload the
 * function anew. This zip is stored (no compression), with fixed times: the same handler always
 * gives the same bytes, on every Node version, and so the same `source_code_hash`.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { crc32 } from "node:zlib";

/** The handler's folder, relative to cdktf.json (the repository root). */
export const HANDLER_DIR = "constructs/release-gate/lambda";
export const HANDLER_FILE = "index.js";

/** A zip of stored entries, byte-for-byte the same for the same files (DOS time 1980-01-01 00:00). */
export function storedZip(files: readonly { readonly name: string; readonly data: Buffer }[]): Buffer {
  const TIME = 0;
  const DATE = (1 << 5) | 1;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of files) {
    const fileName = Buffer.from(name, "utf8");
    const crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(TIME, 10);
    local.writeUInt16LE(DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0 (so the mode below is read)
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(TIME, 12);
    central.writeUInt16LE(DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The folder holding cdktf.json, from the working directory up (where cdktf resolves assets). */
export function projectRoot(from = process.cwd()): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "cdktf.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`ReleaseGate: no cdktf.json in ${from} or above`);
  }
}

/** Writes (once per content) and returns the path of the release gate's zip. */
export function releaseGatePackage(root = projectRoot()): string {
  const source = readFileSync(join(root, HANDLER_DIR, HANDLER_FILE));
  const zip = storedZip([{ name: HANDLER_FILE, data: source }]);
  const digest = createHash("sha256").update(zip).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), `skyline-release-gate-${digest}`);
  const path = join(dir, "release-gate.zip");
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    // Concurrent synths write the same bytes; the rename makes each write whole.
    const partial = `${path}.${process.pid}.tmp`;
    writeFileSync(partial, zip);
    renameSync(partial, path);
  }
  return path;
}

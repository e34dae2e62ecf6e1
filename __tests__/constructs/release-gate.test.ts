/**
 * The ReleaseGate construct: its deployment package (the handler, zipped the same way every synth),
 * and the validation of its props. What it synthesizes in the stacks: __tests__/stacks/deployment-strategy.test.ts.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { inflateRawSync } from "node:zlib";
import { ReleaseGate, releaseVerdictParameter } from "../../constructs/release-gate/release-gate";
import { releaseGatePackage, storedZip } from "../../constructs/release-gate/package";
import { testStack } from "../helpers/synth";

const ROOT = resolve(__dirname, "../..");
const HANDLER = readFileSync(join(ROOT, "constructs/release-gate/lambda/index.js"));

/** The entries of a zip, read from its central directory (stored or deflated). */
function entries(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + size);
    out.set(name, method === 0 ? raw : inflateRawSync(raw));
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return out;
}

describe("ReleaseGate package", () => {
  it("is a zip of the handler alone, as index.js (the function's handler is index.handler)", () => {
    const zip = readFileSync(releaseGatePackage(ROOT));
    const files = entries(zip);
    expect([...files.keys()]).toEqual(["index.js"]);
    expect(files.get("index.js")!.equals(HANDLER)).toBe(true);
  });

  it("is the same bytes every time (no file times), so source_code_hash changes only with the code", () => {
    const a = storedZip([{ name: "index.js", data: HANDLER }]);
    const b = storedZip([{ name: "index.js", data: Buffer.from(HANDLER) }]);
    expect(a.equals(b)).toBe(true);
    expect(storedZip([{ name: "index.js", data: Buffer.from("changed") }]).equals(a)).toBe(false);
    expect(readFileSync(releaseGatePackage(ROOT)).equals(a)).toBe(true);
  });
});

describe("ReleaseGate props", () => {
  const props = {
    name: "skyline-test-use1",
    region: "us-east-1",
    logKmsKeyArn: "arn:aws:kms:us-east-1:1:key/k",
  };

  it("names its verdict parameter from the name prefix", () => {
    expect(releaseVerdictParameter("skyline-production-use1")).toBe(
      "/skyline-production-use1/api/release-verdict",
    );
    const { stack } = testStack();
    expect(new ReleaseGate(stack, "gate", props).verdictParameter).toBe(
      "/skyline-test-use1/api/release-verdict",
    );
  });

  it("refuses a wait or a callback delay outside ECS's and Lambda's bounds", () => {
    const { stack } = testStack();
    expect(() => new ReleaseGate(stack, "a", { ...props, waitMinutes: 0 })).toThrow(
      "ReleaseGate skyline-test-use1: waitMinutes (0) must be 1 to 1440",
    );
    expect(() => new ReleaseGate(stack, "b", { ...props, callBackDelaySeconds: 0 })).toThrow(
      "callBackDelaySeconds (0) must be 1 to 900",
    );
  });
});

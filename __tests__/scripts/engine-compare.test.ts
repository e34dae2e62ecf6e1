import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { compareOutputs, diffJson } from "../../scripts/engine-compare/compare";

function stackJson(
  overrides: { engine?: string; providerVersion?: string; source?: string; bucket?: string } = {},
) {
  return {
    "//": { metadata: { backend: "s3", stackName: "s", version: overrides.engine ?? "0.21.0" } },
    terraform: {
      required_providers: {
        aws: { source: overrides.source ?? "aws", version: overrides.providerVersion ?? "6.25.0" },
      },
    },
    resource: {
      aws_s3_bucket: { logs: { bucket: overrides.bucket ?? "skyline-logs", tags: { Name: "logs" } } },
    },
  };
}

describe("engine comparison", () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), "engine-compare-"));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  function write(side: string, file: string, value: unknown): void {
    const path = join(work, side, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
  }

  it("accepts the documented differences and names each reason", () => {
    write("a", "stacks/s/cdk.tf.json", stackJson());
    write(
      "b",
      "stacks/s/cdk.tf.json",
      stackJson({ engine: "0.24.0", providerVersion: "6.66.0", source: "hashicorp/aws" }),
    );
    const diffs = compareOutputs(join(work, "a"), join(work, "b"));
    expect(diffs.map((d) => d.path)).toEqual([
      "//.metadata.version",
      "terraform.required_providers.aws.source",
      "terraform.required_providers.aws.version",
    ]);
    expect(diffs.every((d) => typeof d.allowedBecause === "string")).toBe(true);
  });

  it("reports a changed argument with its file and path, as unexpected", () => {
    write("a", "stacks/s/cdk.tf.json", stackJson());
    write("b", "stacks/s/cdk.tf.json", stackJson({ bucket: "other" }));
    expect(compareOutputs(join(work, "a"), join(work, "b"))).toEqual([
      {
        file: join("stacks", "s", "cdk.tf.json"),
        path: "resource.aws_s3_bucket.logs.bucket",
        left: "skyline-logs",
        right: "other",
        allowedBecause: undefined,
      },
    ]);
  });

  it("reports a stack or a manifest that only one engine wrote", () => {
    write("a", "stacks/s/cdk.tf.json", stackJson());
    write("b", "stacks/s/cdk.tf.json", stackJson());
    write("a", "skyline/staging/manifest.json", { app: "skyline" });
    const diffs = compareOutputs(join(work, "a"), join(work, "b"));
    expect(diffs).toEqual([
      { file: join("skyline", "staging", "manifest.json"), path: "", left: true, right: false },
    ]);
  });

  it("does not allow an engine version difference outside a stack's Terraform JSON", () => {
    write("a", "skyline/staging/manifest.json", { "//": { metadata: { version: "1" } } });
    write("b", "skyline/staging/manifest.json", { "//": { metadata: { version: "2" } } });
    const [d] = compareOutputs(join(work, "a"), join(work, "b"));
    expect(d.allowedBecause).toBeUndefined();
  });

  it("compares lists item by item and reports a length change as one difference", () => {
    expect(diffJson({ l: [1, 2] }, { l: [1, 3] })).toEqual([{ path: "l[1]", left: 2, right: 3 }]);
    expect(diffJson({ l: [1] }, { l: [1, 2] })).toEqual([{ path: "l", left: [1], right: [1, 2] }]);
    expect(diffJson({ a: 1 }, { b: 1 })).toEqual([
      { path: "a", left: 1, right: undefined },
      { path: "b", left: undefined, right: 1 },
    ]);
  });
});

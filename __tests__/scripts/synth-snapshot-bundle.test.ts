import { buildSync } from "esbuild";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

/**
 * The synth snapshot (stacks/snapshot-entry.ts) is one bundled script: the warm-up does not load the EKS
 * and Kubernetes stacks, so an environment with compute "eks" synthesizes from the blob only if
 * app.ts's lazy require of them was bundled too (a require esbuild cannot follow would fail there, and
 * only there: `node dist/main.js` resolves it from disk).
 */
describe("the synth snapshot's bundle", () => {
  const { metafile } = buildSync({
    entryPoints: [path.join(ROOT, "stacks/snapshot-entry.ts")],
    bundle: true,
    platform: "node",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.keys(metafile.inputs);

  it.each(["stacks/eks-cluster-stack.ts", "stacks/eks-addons-stack.ts", "stacks/kubernetes-stack.ts"])(
    "holds %s, which app.ts requires only for an EKS environment",
    (file) => {
      expect(inputs).toContain(file);
    },
  );

  it("holds the Kubernetes provider the workloads stack uses", () => {
    expect(inputs.some((i) => i.includes("node_modules/@cdktf/provider-kubernetes/"))).toBe(true);
  });
});

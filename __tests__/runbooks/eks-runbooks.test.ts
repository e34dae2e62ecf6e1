/**
 * The runbooks for an environment whose API runs on EKS, from the manifest synth builds for it
 * (buildManifest on a real compute "eks" app): every runbook renders, names only real resources,
 * and acts on the pods with kubectl (in the right cluster) instead of on an ECS service.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderRunbooks } from "../../runbooks/runbooks";
import { buildApp } from "../../stacks/app";
import { buildManifest } from "../../manifest/builder";
import { config } from "../helpers/config";
import { unknownResourceNames } from "./helpers";

const eksConfig = config("production", (env) => {
  env.environment = "production-eks";
  env.stateBackend.bucket = "skyline-production-eks-tfstate";
  env.compute = "eks";
  env.eks = { minReplicas: 6, maxReplicas: 40 };
});
const { environments } = buildApp([eksConfig], { outdir: mkdtempSync(join(tmpdir(), "skyline-eks-rb-")) });
const manifest = buildManifest(environments[0]);
const runbooks = renderRunbooks(manifest);
const byName = Object.fromEntries(runbooks.map((r) => [r.name, r.markdown]));
const context = (code: string) => `kubectl --context skyline-production-eks-${code}-eks -n skyline`;

describe("runbooks of an EKS environment (manifest from buildManifest)", () => {
  it("renders the same runbooks as an ECS environment", () => {
    const ecs = buildApp([config("production")], { outdir: mkdtempSync(join(tmpdir(), "skyline-ecs-rb-")) });
    expect(runbooks.map((r) => r.name)).toEqual(
      renderRunbooks(buildManifest(ecs.environments[0])).map((r) => r.name),
    );
    expect(runbooks.map((r) => r.name)).toContain("queue-backlog");
  });

  it("names only resources of the manifest", () => {
    // Region prefixes (`--alarm-name-prefix`) are names too, though no resource is called just that.
    const prefixes = Object.values(manifest.regions).map((r) => `skyline-production-eks-${r.regionCode}`);
    for (const { name, markdown } of runbooks) {
      const unknown = unknownResourceNames(markdown, manifest).filter((w) => !prefixes.includes(w));
      expect({ name, unknown }).toEqual({ name, unknown: [] });
    }
  });

  it("has no ECS command anywhere", () => {
    for (const { name, markdown } of runbooks) {
      expect({ name, ecs: markdown.match(/aws ecs [a-z-]+|ecs:service|--service-namespace ecs/g) }).toEqual({
        name,
        ecs: null,
      });
    }
  });

  it("deploy-rollback undoes the rollout in every region's own cluster", () => {
    const md = byName["deploy-rollback"];
    for (const code of ["use1", "euw1", "aps1"]) {
      expect(md).toContain(`${context(code)} rollout undo deployment skyline-api`);
      // The kubeconfig line (continued over lines when long) names the context the kubectl lines use.
      expect(md).toContain(`--alias skyline-production-eks-${code}-eks`);
    }
    expect(md).toContain(`${context("use1")} exec deployment/skyline-api -- node dist/migrate.js`);
  });

  it("database-failover fences the old primary's pods and restarts the new region's", () => {
    const md = byName["database-failover"];
    expect(md).toContain(`${context("use1")} scale deployment skyline-api --replicas 0`);
    expect(md).toContain(`${context("euw1")} rollout restart deployment skyline-api`);
    expect(md).toContain("keep `skyline/skyline-api` in `skyline-production-eks-use1-eks` at 0 tasks");
  });

  it("scale-out widens the HorizontalPodAutoscaler from the config's bounds and names the EKS config fields", () => {
    const md = byName["scale-out"];
    expect(md).toContain("between 6 and 40 pods");
    expect(md).toContain(
      `${context("use1")} patch hpa skyline-api -p '{"spec":{"minReplicas":12,"maxReplicas":80}}'`,
    );
    expect(md).toContain("`eks.minReplicas` / `eks.maxReplicas`");
  });
});

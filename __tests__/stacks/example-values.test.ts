import { findExampleValues } from "../../stacks/config/example-values";
import { loadEnvironments } from "../../stacks/config/load";
import { deployable } from "../helpers/config";

describe("example values in a config", () => {
  it("finds every shipped example value by field", () => {
    const [staging, production] = loadEnvironments(["staging", "production"]);
    const shared = ["accountIds[0]", "domainName", "image.repository", "stateBackend.bucket"];
    expect(findExampleValues(staging).map((v) => v.field)).toEqual(shared);
    expect(findExampleValues(production).map((v) => v.field)).toEqual([
      ...shared.slice(0, 3),
      "service.deployment.testListener.allowedCidrs[0]",
      shared[3],
    ]);
  });

  it("finds none once the team has set its own values", () => {
    expect(findExampleValues(deployable("staging"))).toEqual([]);
    expect(findExampleValues(deployable("production"))).toEqual([]);
  });

  it("knows AWS's documentation account id and the reserved documentation domains", () => {
    expect(
      findExampleValues({
        a: ["123456789012"],
        b: "api.example.org",
        c: "x.test",
        d: "https://w.example.net/x",
      }),
    ).toEqual([
      expect.objectContaining({ field: "a[0]" }),
      expect.objectContaining({
        field: "b",
        fix: expect.stringMatching(/api\.example\.org is a documentation domain/),
      }),
      expect.objectContaining({ field: "c" }),
      expect.objectContaining({ field: "d" }),
    ]);
    expect(findExampleValues({ domain: "example.company.io", bucket: "my-examples-bucket" })).toEqual([]);
  });

  it("knows the documentation address ranges (RFC 5737), not real ones", () => {
    expect(findExampleValues({ cidrs: ["192.0.2.0/24", "198.51.100.7/32", "203.0.113.0/24"] })).toEqual([
      expect.objectContaining({ field: "cidrs[0]", fix: expect.stringMatching(/RFC 5737/) }),
      expect.objectContaining({ field: "cidrs[1]" }),
      expect.objectContaining({ field: "cidrs[2]" }),
    ]);
    expect(findExampleValues({ cidrs: ["192.0.20.0/24", "10.0.0.0/16", "2203.0.113.0"] })).toEqual([]);
  });
});

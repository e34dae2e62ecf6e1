import { z } from "zod";
import { closest, describeUnknownKeys, editDistance, knownKeysAt } from "../../stacks/config/suggest";
import { environmentSchema } from "../../stacks/config/schema";
import { config } from "../helpers/config";

describe("unknown config fields", () => {
  it("names the field's path and the nearest known field", () => {
    expect(() => config("staging", (e) => (e.service.minTaks = 2))).toThrow(
      'service.minTaks: unknown field "minTaks"; did you mean "minTasks"?',
    );
    expect(() => config("production", (e) => (e.regions["eu-west-1"].vpccidr = "10.1.0.0/16"))).toThrow(
      'regions.eu-west-1.vpccidr: unknown field "vpccidr"; did you mean "vpcCidr"?',
    );
    expect(() => config("staging", (e) => (e.primaryRegon = "us-east-1"))).toThrow(
      'primaryRegon: unknown field "primaryRegon"; did you mean "primaryRegion"?',
    );
  });

  it("lists the fields there when nothing is close", () => {
    expect(() => config("staging", (e) => (e.service.banana = 1))).toThrow(
      /service\.banana: unknown field "banana"; the fields here are cpu, memoryMiB, minTasks, maxTasks, containerPort/,
    );
  });

  it("finds the shape through defaults, optionals, refinements, records and arrays", () => {
    const schema = z
      .object({
        a: z.object({ inner: z.string() }).strict().optional(),
        b: z.record(z.object({ leaf: z.number() }).strict()).default({}),
        c: z.array(z.object({ item: z.boolean() }).strict()),
      })
      .strict()
      .superRefine(() => undefined);
    expect(knownKeysAt(schema, [])).toEqual(["a", "b", "c"]);
    expect(knownKeysAt(schema, ["a"])).toEqual(["inner"]);
    expect(knownKeysAt(schema, ["b", "any-key"])).toEqual(["leaf"]);
    expect(knownKeysAt(schema, ["c", 0])).toEqual(["item"]);
    expect(knownKeysAt(schema, ["nope", "x"])).toEqual([]);
    expect(describeUnknownKeys(schema, ["a"], ["iner"])).toEqual([
      'a.iner: unknown field "iner"; did you mean "inner"?',
    ]);
    expect(knownKeysAt(environmentSchema, ["service"])).toContain("maxTasks");
  });

  it("counts a swap of two neighbours as one edit and ignores case", () => {
    expect(editDistance("mniTasks", "minTasks")).toBe(1);
    expect(editDistance("VPCCIDR", "vpcCidr")).toBe(0);
    expect(closest("abc", ["xyz"])).toBeUndefined();
    expect(closest("tier", ["tier", "tiers"])).toBe("tier");
    expect(closest("replicas", ["readReplicas", "multiAz"])).toBe("readReplicas");
    expect(closest("size", ["sizeGiB", "maxSizeGiB"])).toBeUndefined();
  });
});

/**
 * Tests are transpiled with SWC (no type-check: that is `npm run typecheck`, its own step),
 * which keeps a suite that imports provider-aws submodules fast.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.(t|j)sx?$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }],
  },
  moduleFileExtensions: ["ts", "js", "json"],
  modulePathIgnorePatterns: ["<rootDir>/dist/", "<rootDir>/cdktf.out/", "<rootDir>/services/api/dist/"],
  // cdktf synth of a multi-region app is CPU-heavy; two cores.
  maxWorkers: 2,
  testTimeout: 30000,
};

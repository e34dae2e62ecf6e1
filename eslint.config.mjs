import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "dist/",
      "cdktf.out/",
      "coverage/",
      "services/api/dist/",
      "**/*.js",
      "**/*.mjs",
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@cdktf/provider-aws",
              message:
                "The package root loads 390 MB of generated code. Import one resource: '@cdktf/provider-aws/lib/<resource>'.",
            },
            {
              name: "@cdktf/provider-kubernetes",
              message: "Import one resource: '@cdktf/provider-kubernetes/lib/<resource>'.",
            },
            {
              name: "cdktf",
              message: "Import the engine from engine/ (the one module that names cdktf or cdktn).",
            },
          ],
          patterns: [
            {
              group: ["cdktf/*", "cdktn", "cdktn/*"],
              message: "Import the engine from engine/ (the one module that names cdktf or cdktn).",
            },
          ],
        },
      ],
    },
  },
  {
    // The one module that names the CDK-for-Terraform engine.
    files: ["engine/**/*.ts"],
    rules: { "no-restricted-imports": "off" },
  },
  {
    // Tests walk synthesized Terraform JSON and SDK payloads, whose shapes are the point of the test.
    files: ["__tests__/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);

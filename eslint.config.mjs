// ESLint: typescript-eslint's recommended type-aware rules, Pulumi's Output-in-template checks,
// and a fence that keeps the pure core (netpol/, config/schema.ts) free of effects.
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
    { ignores: ["node_modules/", "bin/", "out/", "scratch/", "**/*.js", "**/*.mjs"] },
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-floating-promises": "error",
        },
    },
    {
        files: ["netpol/**/*.ts", "config/schema.ts", "delivery/**/*.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    patterns: [
                        { group: ["@pulumi/*"], message: "The network model is pure: no Pulumi here." },
                        { group: ["fs", "fs/*", "child_process", "node:*", "path"], message: "The network model is pure: no I/O here." },
                    ],
                },
            ],
            "no-console": "error",
            "no-restricted-globals": ["error", { name: "process", message: "The network model is pure: pass values in." }],
        },
    },
);

// ESLint: typescript-eslint's recommended type-aware rules, Pulumi's Output-in-template checks,
// and a fence that keeps the pure core (engine/, compiler/, config/schema.ts) free of effects.
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

const PURE = [
    { group: ["@pulumi/*"], message: "The network model is pure: no Pulumi here." },
    { group: ["fs", "fs/*", "child_process", "node:*", "path"], message: "The network model is pure: no I/O here." },
];

// The shell: the command line (cli/), the local cluster's harness (localCluster/) and the npm entry
// points (scripts/) read files, flags and the cluster; nothing below them ever imports them back.
const SHELL = [{ group: ["**/cli/*", "**/scripts/*", "**/localCluster/*"], message: "The core never imports the command line or the scripts." }];

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
        files: ["engine/**/*.ts", "compiler/**/*.ts", "config/schema.ts", "config/shape.ts", "config/problems.ts", "config/checks/**/*.ts", "delivery/**/*.ts", "live/**/*.ts"],
        // live/kubectl.ts is the live checks' one effectful file (it spawns kubectl).
        ignores: ["live/kubectl.ts"],
        rules: {
            "no-restricted-imports": ["error", { patterns: [...PURE, ...SHELL] }],
            "no-console": "error",
            "no-restricted-globals": ["error", { name: "process", message: "The network model is pure: pass values in." }],
        },
    },
    {
        // The layering: the engine judges any policies; it never knows how ours are compiled.
        files: ["engine/**/*.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    patterns: [
                        ...PURE,
                        ...SHELL,
                        { group: ["../compiler/*", "../config/*"], message: "The engine never imports the compiler or config." },
                        { group: ["../live/*"], message: "The engine never imports the live checks." },
                    ],
                },
            ],
        },
    },
);

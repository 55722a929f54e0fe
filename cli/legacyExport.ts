/**
 * The export of `scripts/exportCompiled.ts` for commits older than that script: loads the
 * commit's own compiler from whichever path it has (`netpol/` before the folder split,
 * `compiler/` after) and prints the same JSON. Run by `netpol diff --stack` with the commit's
 * worktree as argument; it imports nothing of the current tree.
 */
import * as fs from "fs";
import * as path from "path";

/** Loads the first of `candidates` (paths without extension) that exists in the commit. */
function load(dir: string, candidates: readonly string[], wanted: string): Record<string, unknown> {
    for (const c of candidates) {
        if (fs.existsSync(path.join(dir, `${c}.ts`))) {
            const mod = require(path.join(dir, c)) as Record<string, unknown>;
            if (typeof mod[wanted] === "function") return mod;
        }
    }
    throw new Error(`this commit has no ${wanted} in ${candidates.map((c) => `${c}.ts`).join(" or ")}`);
}

type Fn = (...args: unknown[]) => unknown;

function main(): number {
    const [dir, stack] = process.argv.slice(2) as [string, string];
    const generate = load(dir, ["compiler/generate", "netpol/generate"], "compileIntent");
    const world = load(dir, ["compiler/world", "compiler/intentCheck", "netpol/intentCheck"], "intentWorld");
    const schema = load(dir, ["config/schema"], "parseStackConfig");
    const stackFile = load(dir, ["offline/stackFile"], "readStackFile");
    const file = (stackFile["readStackFile"] as Fn)(dir, stack) as { config: Record<string, string> };
    const parsed = (schema["parseStackConfig"] as Fn)((schema["projectConfigValues"] as Fn)(file.config)) as
        { ok: true; config: { network: { appLabel: string } } } | { ok: false; problems: unknown[] };
    if (!parsed.ok) {
        const format = schema["formatProblem"] as Fn;
        process.stderr.write(`Pulumi.${stack}.yaml is invalid:\n${parsed.problems.map((p) => `  ${String(format(p))}`).join("\n")}\n`);
        return 2;
    }
    const intent = parsed.config.network;
    const plans = (generate["compileIntent"] as Fn)(intent) as { namespace: unknown }[];
    const namespaces = plans.map((p) => p.namespace);
    const w = (world["intentWorld"] as Fn)(intent, namespaces) as { snapshot: unknown; externals: unknown; ports: unknown };
    const out = {
        format: 1,
        stack,
        appLabel: intent.appLabel,
        namespaces,
        policies: (generate["allPolicies"] as Fn)(plans),
        world: { snapshot: w.snapshot, externals: w.externals, ports: w.ports },
    };
    process.stdout.write(JSON.stringify(out));
    return 0;
}

process.exitCode = main();

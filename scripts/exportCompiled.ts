/**
 * `node --require tsx/cjs scripts/exportCompiled.ts <stack>`: what this commit compiles for a
 * stack, as JSON on stdout: the network intent's namespaces and policies, and the intent check's
 * world (representative pods, outside parties, ports). `netpol diff --stack` runs it in a
 * temporary worktree of each ref, so each ref is judged by its own code. Keep the output format
 * (`CompiledExport`, format 1) stable: newer tools read what older commits print.
 */
import * as path from "path";
import { allPolicies, compileIntent } from "../compiler/generate";
import { intentWorld } from "../compiler/world";
import { formatProblem, parseStackConfig, projectConfigValues } from "../config/schema";
import { readStackFile } from "../offline/stackFile";
import { CompiledExport } from "../cli/compiledDiff";

/** What this tree compiles for `stack`; throws with the stack file's problems when it is invalid. */
export function compiledExport(projectDir: string, stack: string): CompiledExport {
    const parsed = parseStackConfig(projectConfigValues(readStackFile(projectDir, stack).config));
    if (!parsed.ok) throw new Error(`Pulumi.${stack}.yaml is invalid:\n${parsed.problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`);
    const intent = parsed.config.network;
    const plans = compileIntent(intent);
    const namespaces = plans.map((p) => p.namespace);
    const world = intentWorld(intent, namespaces);
    return {
        format: 1,
        stack,
        appLabel: intent.appLabel,
        namespaces,
        policies: allPolicies(plans),
        world: { snapshot: world.snapshot, externals: world.externals, ports: world.ports },
    };
}

function main(): number {
    const stack = process.argv[2];
    if (!stack) {
        process.stderr.write("usage: node --require tsx/cjs scripts/exportCompiled.ts <stack>\n");
        return 2;
    }
    try {
        process.stdout.write(JSON.stringify(compiledExport(path.resolve(__dirname, ".."), stack)));
        return 0;
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        return 2;
    }
}

if (require.main === module) process.exitCode = main();

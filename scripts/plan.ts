/**
 * The offline plan: `npm run plan -- <stack>`. Runs the real index.ts with the Pulumi engine
 * mocked (no CLI, no credentials, no cloud), prints the resource tree the stack would create and
 * writes its namespaces and NetworkPolicies as YAML under out/<stack>/.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { Registration, runProgram } from "../offline/mockRuntime";
import { knownStacks, readStackFile } from "../offline/stackFile";
import { renderResourceTree } from "../offline/tree";

const PROJECT_DIR = path.resolve(__dirname, "..");

async function main(argv: string[]): Promise<number> {
    const stack = argv[0];
    if (!stack || argv.length > 1) {
        process.stderr.write(`usage: npm run plan -- <stack>   (stacks: ${knownStacks(PROJECT_DIR).join(", ")})\n`);
        return 2;
    }
    const stackFile = readStackFile(PROJECT_DIR, stack);
    let run;
    try {
        run = await runProgram({
            project: stackFile.project,
            stack,
            config: stackFile.config,
            program: path.join(PROJECT_DIR, "index.ts"),
        });
    } catch (e) {
        process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n\nNothing was planned.\n`);
        return 1;
    }
    for (const line of run.log) process.stderr.write(`${line}\n`);

    const out = [
        `Offline plan of stack ${stack} (project ${stackFile.project}).`,
        "The Pulumi engine was mocked: nothing was sent to AWS or to a cluster. `pulumi preview` is the real thing.",
        "",
        renderResourceTree(`${stackFile.project}-${stack}`, run.registrations),
        "",
        writeManifests(run.registrations, path.join(PROJECT_DIR, "out", stack)),
    ];
    process.stdout.write(`${out.join("\n")}\n`);
    return 0;
}

/** Writes one file per namespace: the Namespace, then its NetworkPolicies, as applied. */
function writeManifests(registrations: readonly Registration[], dir: string): string {
    const namespaces = registrations.filter((r) => r.type === "kubernetes:core/v1:Namespace");
    const policies = registrations.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const ns of namespaces) {
        const name = (ns.inputs["metadata"] as { name: string }).name;
        const own = policies.filter((p) => (p.inputs["metadata"] as { namespace: string }).namespace === name);
        const docs = [ns, ...own].map((r) => stringify(manifest(r), { lineWidth: 0 }));
        fs.writeFileSync(path.join(dir, `${name}.yaml`), docs.join("---\n"));
    }
    const relative = path.relative(process.cwd(), dir) || ".";
    return `Wrote ${namespaces.length} namespaces and ${policies.length} NetworkPolicies to ${relative}/ (kubectl apply -f ${relative}/)`;
}

function manifest(r: Registration): Record<string, unknown> {
    const { apiVersion, kind, metadata, spec } = r.inputs as Record<string, unknown>;
    return spec === undefined ? { apiVersion, kind, metadata } : { apiVersion, kind, metadata, spec };
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
        process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
    },
);

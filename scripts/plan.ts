/**
 * The offline plan: `npm run plan -- <stack>`. Runs the real index.ts with the Pulumi engine
 * mocked (no CLI, no credentials, no cloud), prints the resource tree the stack would create,
 * writes its namespaces and NetworkPolicies as YAML under out/<stack>/, proves the policies
 * against the stack's network intent, and prints and draws the namespace connectivity.
 * Also writes out/<stack>/snapshot.json (engine/SNAPSHOT.md) for `netpol evaluate|explain|can-i`.
 * Exits 1 when the config is invalid or the policies differ from the intent, 2 on a usage error.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { parseStackConfig, projectConfigValues } from "../config/schema";
import { connectivityOf, podAppDescriber, renderNamespaceMatrix } from "../engine/connectivity";
import { renderConnectivityHtml } from "../engine/html";
import { checkIntent, formatMismatch } from "../compiler/intentCheck";
import { Namespace, NetworkPolicy } from "../engine/k8s";
import { deployedObjects } from "../offline/deployed";
import { knownStacks, readStackFile } from "../offline/stackFile";
import { renderResourceTree } from "../offline/tree";
import { planSnapshot } from "../compiler/planSnapshot";
import { UsageError, parseCommand, runMain } from "./cli/args";

const PROJECT_DIR = path.resolve(__dirname, "..");

const USAGE = `usage: npm run plan -- <stack>   (stacks: ${knownStacks(PROJECT_DIR).join(", ")})
Runs index.ts with the Pulumi engine mocked (no cloud, no credentials), prints the resource tree,
writes out/<stack>/: one YAML file per namespace, snapshot.json and connectivity.html, and proves
the policies against the stack's network intent.
exit codes: 0 planned and proved, 1 invalid config or policies that differ from the intent, 2 usage error`;

async function main(argv: string[]): Promise<number> {
    const { positionals } = parseCommand(argv, {}, USAGE);
    const stack = positionals[0];
    if (!stack || positionals.length > 1) throw new UsageError(USAGE);
    if (!knownStacks(PROJECT_DIR).includes(stack))
        throw new UsageError(`no stack ${stack}: known stacks are ${knownStacks(PROJECT_DIR).join(", ")}`);
    // Pulumi's runtime takes seconds to load: only once the arguments are known to be good.
    const { runProgram } = require("../offline/mockRuntime") as typeof import("../offline/mockRuntime");
    const { localStackOutputs } = require("../offline/localStacks") as typeof import("../offline/localStacks");
    const stackFile = readStackFile(PROJECT_DIR, stack);
    let run;
    try {
        run = await runProgram({
            project: stackFile.project,
            stack,
            config: stackFile.config,
            program: path.join(PROJECT_DIR, "index.ts"),
            // Like `pulumi preview`: the promotion gate warns instead of refusing, and the earlier
            // stack is taken to run this commit's stack file.
            preview: true,
            stackOutputs: localStackOutputs(PROJECT_DIR, stackFile.config),
        });
    } catch (e) {
        process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n\nNothing was planned.\n`);
        return 1;
    }
    for (const line of run.log.filter((l) => !l.startsWith("info:"))) process.stderr.write(`${line}\n`);
    const print = (text: string) => process.stdout.write(`${text}\n`);

    print(`Offline plan of stack ${stack} (project ${stackFile.project}).`);
    print("The Pulumi engine was mocked: nothing was sent to AWS or to a cluster. `pulumi preview` is the real thing.\n");
    print(renderResourceTree(`${stackFile.project}-${stack}`, run.registrations));

    const outDir = path.join(PROJECT_DIR, "out", stack);
    const relative = path.relative(process.cwd(), outDir) || ".";
    const { namespaces, policies } = deployedObjects(run.registrations);
    writeManifests(namespaces, policies, outDir);
    print(`\nWrote ${namespaces.length} namespaces and ${policies.length} NetworkPolicies to ${relative}/ (kubectl apply -f ${relative}/)`);
    print(`Network policy set ${String(run.outputs["networkPolicyDigest"])}; ${String(run.outputs["promotionGate"])}`);

    // The same parse the program ran; it succeeded, or runProgram would have thrown.
    const parsed = parseStackConfig(projectConfigValues(stackFile.config));
    if (!parsed.ok) throw new Error("the stack config failed to parse a second time");
    const intent = parsed.config.network;
    const check = checkIntent(intent, namespaces, policies);
    const externals = new Map(check.world.externals.map((e) => [e.ip, e.label]));
    const connectivity = connectivityOf(check.verdicts, podAppDescriber(intent.appLabel, externals));

    print(`\nNamespace connectivity (${check.checked} connections judged on ${check.world.ports.length} ports):\n`);
    print(renderNamespaceMatrix(connectivity));
    const snapshotFile = path.join(outDir, "snapshot.json");
    fs.writeFileSync(snapshotFile, `${JSON.stringify(planSnapshot(`plan of stack ${stack}`, intent, namespaces, policies), null, 2)}\n`);
    print(
        `Wrote ${path.relative(process.cwd(), snapshotFile)} (npm run --silent netpol -- can-i <from> <to> <port> --snapshot ${path.relative(process.cwd(), snapshotFile)})`,
    );
    const html = path.join(outDir, "connectivity.html");
    fs.writeFileSync(
        html,
        renderConnectivityHtml(`Connectivity of stack ${stack}`, connectivity, [`Ports judged: ${connectivity.portsChecked.join(", ")}.`]),
    );
    print(`\nWrote ${path.relative(process.cwd(), html)} (open it in a browser; click a cell for its apps)`);

    if (check.mismatches.length > 0) {
        print(`\nIntent check FAILED: the policies differ from the intent in ${check.mismatches.length} connection(s):`);
        for (const m of check.mismatches.slice(0, 50)) print(`  ${formatMismatch(m)}`);
        if (check.mismatches.length > 50) print(`  ... and ${check.mismatches.length - 50} more`);
        return 1;
    }
    print(`\nIntent check passed: every one of the ${check.checked} connections is allowed exactly when the intent allows it.`);
    return 0;
}

/** One file per namespace: the Namespace, then its NetworkPolicies, as applied. */
function writeManifests(namespaces: readonly Namespace[], policies: readonly NetworkPolicy[], dir: string): void {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const ns of namespaces) {
        const own = policies.filter((p) => p.metadata.namespace === ns.metadata.name);
        const docs = [ns, ...own].map((o) => stringify(o, { lineWidth: 0 }));
        fs.writeFileSync(path.join(dir, `${ns.metadata.name}.yaml`), docs.join("---\n"));
    }
}

runMain(() => main(process.argv.slice(2)));

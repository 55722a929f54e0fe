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
import * as v8 from "v8";
import { stringify } from "yaml";
import { parseStackConfig, projectConfigValues } from "../config/schema";
import { renderNamespaceMatrix } from "../engine/connectivity";
import { renderConnectivityHtml } from "../engine/html";
import { checkConnectivity, checkIntent, formatMismatchGroup, groupMismatches } from "../compiler/intentCheck";
import { Namespace, NetworkPolicy } from "../engine/k8s";
import { Manifest, deployedObjects } from "../offline/deployed";
import { estimatePlan, planBudgetProblem } from "../offline/planBudget";
import { knownStacks, readStackFile, readStackFileAt } from "../offline/stackFile";
import { renderResourceTree } from "../offline/tree";
import { planSnapshot } from "../compiler/planSnapshot";
import { HelpRequested, UsageError, endQuietlyOnClosedPipe, exitCodeOf, parseCommand, processIo, userPath } from "./cli/args";

const PROJECT_DIR = path.resolve(__dirname, "..");

const USAGE = `usage: npm run plan -- <stack | path/to/Pulumi.<stack>.yaml>   (stacks: ${knownStacks(PROJECT_DIR).join(", ")})
Runs index.ts with the Pulumi engine mocked (no cloud, no credentials), prints the resource tree,
writes out/<stack>/: one YAML file per namespace, snapshot.json and connectivity.html, and proves
the policies against the stack's network intent.
exit codes: 0 planned and proved, 1 invalid config or policies that differ from the intent, 2 usage error`;

async function main(argv: string[]): Promise<number> {
    const { positionals } = parseCommand(argv, {}, USAGE);
    const arg = positionals[0];
    if (!arg || positionals.length > 1) throw new UsageError(USAGE);
    if (!arg.endsWith(".yaml") && !knownStacks(PROJECT_DIR).includes(arg))
        throw new UsageError(`no stack ${arg}: known stacks are ${knownStacks(PROJECT_DIR).join(", ")}`);
    // A missing stack file is the same kind of mistake as an unknown stack: a usage error (2).
    if (arg.endsWith(".yaml") && !fs.existsSync(userPath(arg))) throw new UsageError(`no stack file ${arg}: no such file`);
    // Pulumi's runtime takes seconds to load: only once the arguments are known to be good.
    const { runProgram } = require("../offline/mockRuntime") as typeof import("../offline/mockRuntime");
    const { localStackOutputs } = require("../offline/localStacks") as typeof import("../offline/localStacks");
    let stackFile;
    let stack = arg;
    let run;
    try {
        stackFile = arg.endsWith(".yaml") ? readStackFileAt(PROJECT_DIR, userPath(arg)) : readStackFile(PROJECT_DIR, arg);
        stack = stackFile.stack;
        // Too large for this process? Say so before building anything (see offline/planBudget.ts).
        const early = parseStackConfig(projectConfigValues(stackFile.config));
        const problem =
            early.ok && planBudgetProblem(stack, arg, estimatePlan(early.config.network), v8.getHeapStatistics().heap_size_limit);
        if (problem) {
            process.stderr.write(`${problem}\n\nNothing was planned.\n`);
            return 1;
        }
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
        reported.add(e);
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
    const { namespaces, policies, gateways } = deployedObjects(run.registrations);
    writeManifests(namespaces, [...policies, ...gateways], outDir);
    print(
        `\nWrote ${namespaces.length} namespaces, ${policies.length} NetworkPolicies and ${gateways.length} Gateway to ${relative}/ (kubectl apply -f ${relative}/)`,
    );
    // Two digests, two names: networkPolicyDigest is the policies exactly as applied; the gate compares promotionDigest.
    const gate = String(run.outputs["promotionGate"]);
    print(`networkPolicyDigest (the policies as applied) ${String(run.outputs["networkPolicyDigest"])}`);
    print(gate.includes("policy set") ? `${gate} [the gate's "network policy set" is promotionDigest]` : gate);

    // The same parse the program ran; it succeeded, or runProgram would have thrown.
    const parsed = parseStackConfig(projectConfigValues(stackFile.config));
    if (!parsed.ok) throw new Error("the stack config failed to parse a second time");
    const intent = parsed.config.network;
    const check = checkIntent(intent, namespaces, policies);
    const connectivity = checkConnectivity(check, intent.appLabel);

    print(
        `\nNamespace connectivity (${check.checked} connections judged, one port for each of ${check.world.ports.length} port classes that cover every TCP and UDP port):\n`,
    );
    print(renderNamespaceMatrix(connectivity));
    const snapshotFile = path.join(outDir, "snapshot.json");
    fs.writeFileSync(snapshotFile, `${JSON.stringify(planSnapshot(`plan of stack ${stack}`, intent, namespaces, policies), null, 2)}\n`);
    print(
        `Wrote ${path.relative(process.cwd(), snapshotFile)} (npm run --silent netpol -- can-i ${path.relative(process.cwd(), snapshotFile)} <from> <to> <port>)`,
    );
    const html = path.join(outDir, "connectivity.html");
    fs.writeFileSync(
        html,
        renderConnectivityHtml(`Connectivity of stack ${stack}`, connectivity, [`Ports judged: ${connectivity.portsChecked.join(", ")}.`]),
    );
    print(`\nWrote ${path.relative(process.cwd(), html)} (open it in a browser; click a cell for its apps)`);

    if (check.mismatches.length > 0) {
        const report = path.join(outDir, "intent-check.json");
        fs.writeFileSync(report, `${JSON.stringify({ stack, checked: check.checked, mismatches: check.mismatches }, null, 1)}\n`);
        const groups = groupMismatches(check.mismatches);
        print(
            `\nIntent check FAILED: the policies differ from the intent in ${check.mismatches.length} connection(s), in ${groups.length} group(s) by namespace pair and policies:`,
        );
        for (const g of groups.slice(0, 30)) for (const line of formatMismatchGroup(g)) print(`  ${line}`);
        if (groups.length > 30) print(`  ... and ${groups.length - 30} more groups`);
        print(`Every mismatch: ${path.relative(process.cwd(), report)}`);
        return 1;
    }
    print(`\nIntent check passed: every one of the ${check.checked} connections is allowed exactly when the intent allows it.`);
    return 0;
}

/** One file per namespace: the Namespace, then its NetworkPolicies (and the Gateway in tools), as applied. */
function writeManifests(namespaces: readonly Namespace[], policies: readonly (NetworkPolicy | Manifest)[], dir: string): void {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const ns of namespaces) {
        const own = policies.filter((p) => p.metadata.namespace === ns.metadata.name);
        const docs = [ns, ...own].map((o) => stringify(o, { lineWidth: 0 }));
        fs.writeFileSync(path.join(dir, `${ns.metadata.name}.yaml`), docs.join("---\n"));
    }
}

/**
 * The Pulumi runtime also rejects the stack's outputs with the program's error, a promise nobody
 * awaits; Node ends the process on an unhandled rejection (the default since Node 15) even while
 * the report is still being written. main reports the program's error once; any other rejection
 * is reported before exiting.
 */
const reported = new Set<unknown>();
const unhandled: unknown[] = [];
process.on("unhandledRejection", (reason) => void unhandled.push(reason));

function finish(code: number): void {
    const others = unhandled.filter((r) => !reported.has(r));
    for (const r of others) process.stderr.write(`unexpected error: ${r instanceof Error ? (r.stack ?? r.message) : String(r)}\n`);
    exitWhenFlushed(others.length > 0 ? Math.max(code, 1) : code);
}

/**
 * Exits once everything written has left the process. A pipe takes 64 KiB at a time; beyond that,
 * Node queues the writes, and `process.exit` would drop the queue: a long problem list would
 * stop mid-line. A write's callback runs after every earlier write to that stream is done.
 */
function exitWhenFlushed(code: number): void {
    let pending = 2;
    const done = () => {
        if (--pending === 0) process.exit(code);
    };
    process.stdout.write("", done);
    process.stderr.write("", done);
}

endQuietlyOnClosedPipe();
main(process.argv.slice(2)).then(finish, (e: unknown) => {
    reported.add(e);
    // --help (0), a usage error (2), or anything else (1), printed as the CLI convention has it.
    finish(
        e instanceof HelpRequested || e instanceof UsageError
            ? exitCodeOf(e, processIo)
            : (process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`), 1),
    );
});

/**
 * The offline plan: `npm run plan -- <stack>`. Runs the real index.ts with the Pulumi engine
 * mocked (no CLI, no credentials, no cloud), prints the resource tree the stack would create,
 * writes its Kubernetes manifests under out/<stack>/ (only manifests, in apply order, so that
 * `kubectl apply -f out/<stack>/` works), proves the policies against the stack's network intent,
 * and prints and draws the namespace connectivity. The engine's files go beside the manifests, in
 * out/<stack>.netpol/: snapshot.json (engine/SNAPSHOT.md) for `netpol evaluate|explain|can-i`,
 * connectivity.html and, when the intent check fails, intent-check.json.
 * Exits 1 when the config is invalid or the policies differ from the intent, 2 on a usage error.
 */
import * as fs from "fs";
import * as path from "path";
import * as v8 from "v8";
import { parseStackConfig, projectConfigValues } from "../config/schema";
import { renderNamespaceMatrix } from "../engine/connectivity";
import { renderConnectivityHtml } from "../engine/html";
import { checkConnectivity, checkIntent, formatMismatchGroup, groupMismatches } from "../compiler/intentCheck";
import { gatewayApiCrdsUrl } from "../compiler/platform";
import { deployedObjects } from "../offline/deployed";
import { generatedStackFile } from "../offline/generatedStack";
import { manifestFiles } from "../offline/manifests";
import { estimatePlan, planBudgetProblem } from "../offline/planBudget";
import { isStackName, knownStacks, readStackFile, readStackFileAt } from "../offline/stackFile";
import { renderResourceTree } from "../offline/tree";
import { planSnapshot } from "../compiler/planSnapshot";
import { HelpRequested, UsageError, endQuietlyOnClosedPipe, exitCodeOf, parseCommand, processIo, userPath } from "../cli/args";

const PROJECT_DIR = path.resolve(__dirname, "..");
/** Where the user ran the command: npm runs scripts in the project folder and keeps the caller's folder in INIT_CWD. */
const USER_DIR = userPath(".");

const USAGE = `usage: npm run plan -- <stack | path/to/Pulumi.<stack>.yaml> [--out-dir <dir>]   (stacks: ${knownStacks(PROJECT_DIR).join(", ")})
       npm run plan -- --generated <count> [--out-dir <dir>]
Runs index.ts with the Pulumi engine mocked (no cloud, no credentials), prints the resource tree,
and proves the policies against the stack's network intent. Writes:
  out/<stack>/          the Kubernetes manifests only, in apply order (kubectl apply -f out/<stack>/)
  out/<stack>.netpol/   snapshot.json (netpol's input), connectivity.html, intent-check.json on failure
  --out-dir <dir>       write <dir>/<stack>/ and <dir>/<stack>.netpol/ instead of out/
  --generated <count>   plan a generated stack: Pulumi.nonprod.yaml with <count> business namespaces
                        of three apps each (stack generated-<count>), to try the page at scale
exit codes: 0 planned and proved, 1 invalid config or policies that differ from the intent, 2 usage error`;

async function main(argv: string[]): Promise<number> {
    const { positionals, flags } = parseCommand(argv, { "out-dir": { type: "string" }, generated: { type: "string" } }, USAGE);
    const generated = flags["generated"] as string | undefined;
    const arg = positionals[0];
    if (generated !== undefined) {
        if (!/^[1-9]\d{0,4}$/.test(generated))
            throw new UsageError(`--generated takes a number of namespaces (1 to 99999), not ${generated}`);
        if (positionals.length > 0) throw new UsageError(`--generated plans a generated stack: give no stack as well\n\n${USAGE}`);
    } else {
        if (!arg || positionals.length > 1) throw new UsageError(USAGE);
        if (!arg.endsWith(".yaml") && !knownStacks(PROJECT_DIR).includes(arg))
            throw new UsageError(`no stack ${arg}: known stacks are ${knownStacks(PROJECT_DIR).join(", ")}`);
        // A missing stack file is the same kind of mistake as an unknown stack: a usage error (2).
        if (arg.endsWith(".yaml") && !fs.existsSync(userPath(arg))) throw new UsageError(`no stack file ${arg}: no such file`);
        // The stack name names the output folders: never one that climbs out of them.
        const named = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(arg))?.[1] ?? arg;
        if (!isStackName(named)) throw new UsageError(`${arg}: "${named}" is not a stack name (letters, digits, -, _ and ., not . or ..)`);
    }
    // Pulumi's runtime takes seconds to load: only once the arguments are known to be good.
    const outRoot = path.resolve(USER_DIR, (flags["out-dir"] as string | undefined) ?? path.join(PROJECT_DIR, "out"));
    const { runProgram } = require("../offline/mockRuntime") as typeof import("../offline/mockRuntime");
    const { localStackOutputs } = require("../offline/localStacks") as typeof import("../offline/localStacks");
    let stackFile;
    let stack = arg ?? `generated-${generated}`;
    let run;
    try {
        stackFile =
            generated !== undefined
                ? generatedStackFile(PROJECT_DIR, Number(generated))
                : arg!.endsWith(".yaml")
                  ? readStackFileAt(PROJECT_DIR, userPath(arg!))
                  : readStackFile(PROJECT_DIR, arg!);
        stack = stackFile.stack;
        // Too large for this process? Say so before building anything (see offline/planBudget.ts).
        const early = parseStackConfig(projectConfigValues(stackFile.config));
        const problem =
            early.ok &&
            planBudgetProblem(
                stack,
                arg ?? `--generated ${generated}`,
                estimatePlan(early.config.network),
                v8.getHeapStatistics().heap_size_limit,
            );
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

    const outDir = path.join(outRoot, stack);
    const engineDir = path.join(outRoot, `${stack}.netpol`);
    // Paths as the user would type them from where they ran the command; absolute outside it.
    const shown = (p: string) => {
        const relative = path.relative(USER_DIR, p);
        return relative.startsWith("..") || path.isAbsolute(relative) ? p : relative || ".";
    };
    const { namespaces, policies, gateways } = deployedObjects(run.registrations);
    // Two digests, two names: networkPolicyDigest is the policies exactly as applied; the gate compares promotionDigest.
    const gate = String(run.outputs["promotionGate"]);
    // The same parse the program ran; it succeeded, or runProgram would have thrown.
    const parsed = parseStackConfig(projectConfigValues(stackFile.config));
    if (!parsed.ok) throw new Error("the stack config failed to parse a second time");
    const crdsUrl = gatewayApiCrdsUrl(parsed.config.gateway.gatewayApiVersion);
    const files = manifestFiles(namespaces, policies, gateways, (kind) => crdNote(kind, crdsUrl));
    for (const dir of [outDir, engineDir]) {
        // Only ever a folder inside the output root is replaced.
        if (path.dirname(dir) !== outRoot) throw new Error(`refusing to replace ${dir}: not a folder of ${outRoot}`);
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir, { recursive: true });
    }
    for (const f of files) fs.writeFileSync(path.join(outDir, f.name), f.text);
    print(
        `\nWrote ${namespaces.length} namespaces, ${policies.length} NetworkPolicies and ${gateways.length} Gateway to ${shown(outDir)}/ in apply order (kubectl apply -f ${shown(outDir)}/)`,
    );
    if (gateways.length > 0)
        print(
            `The Gateway (${files[files.length - 1]!.name}, last) needs the Gateway API CRDs first: kubectl apply --server-side -f ${crdsUrl}`,
        );
    print(`networkPolicyDigest (the policies as applied) ${String(run.outputs["networkPolicyDigest"])}`);
    print(gate.includes("policy set") ? `${gate} [the gate's "network policy set" is promotionDigest]` : gate);

    const intent = parsed.config.network;
    const check = checkIntent(intent, namespaces, policies);
    const connectivity = checkConnectivity(check, intent.appLabel);

    print(
        `\nNamespace connectivity (${check.checked} connections judged, one port for each of ${check.world.ports.length} port classes that cover every TCP and UDP port):\n`,
    );
    print(renderNamespaceMatrix(connectivity));
    const snapshotFile = path.join(engineDir, "snapshot.json");
    const snapshot = planSnapshot(`plan of stack ${stack}`, intent, namespaces, policies);
    fs.writeFileSync(snapshotFile, `${JSON.stringify(snapshot, null, 2)}\n`);
    print(`Wrote ${shown(snapshotFile)} (npm run --silent netpol -- can-i ${shown(snapshotFile)} <from> <to> <port>;`);
    print(`  given ${shown(outDir)}/ instead, netpol reads the manifests there, edits included, with the pods of this snapshot)`);
    const html = path.join(engineDir, "connectivity.html");
    fs.writeFileSync(
        html,
        renderConnectivityHtml(`Connectivity of stack ${stack}`, connectivity, [], undefined, {
            snapshot,
            pinned: [intent.toolsNamespace],
        }),
    );
    print(`\nWrote ${shown(html)} (open it in a browser; click a cell for its apps)`);

    if (check.mismatches.length > 0) {
        const report = path.join(engineDir, "intent-check.json");
        fs.writeFileSync(report, `${JSON.stringify({ stack, checked: check.checked, mismatches: check.mismatches }, null, 1)}\n`);
        const groups = groupMismatches(check.mismatches);
        print(
            `\nIntent check FAILED: the policies differ from the intent in ${check.mismatches.length} connection(s), in ${groups.length} group(s) by namespace pair and policies:`,
        );
        for (const g of groups.slice(0, 30)) for (const line of formatMismatchGroup(g)) print(`  ${line}`);
        if (groups.length > 30) print(`  ... and ${groups.length - 30} more groups`);
        print(`Every mismatch: ${shown(report)}`);
        return 1;
    }
    print(`\nIntent check passed: every one of the ${check.checked} connections is allowed exactly when the intent allows it.`);
    return 0;
}

/** The comment heading a file of custom objects: what must exist before kubectl can apply it. */
function crdNote(kind: string, crdsUrl: string): string {
    return kind === "Gateway"
        ? [
              "The Gateway needs the Gateway API CRDs (standard channel) before kubectl can apply it, and NGINX",
              "Gateway Fabric (its GatewayClass) to be served; `pulumi up` installs both. By hand, first:",
              `  kubectl apply --server-side -f ${crdsUrl}`,
              'Without the CRDs kubectl reports `no matches for kind "Gateway"` for this file alone.',
          ].join("\n")
        : `Needs the CustomResourceDefinition of ${kind} before kubectl can apply it.`;
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

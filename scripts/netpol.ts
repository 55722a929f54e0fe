/**
 * The reachability engine on the command line (`npm run --silent netpol -- <command>`, or
 * `npx k8s-platform-netpol <command>`). Every command takes --help, its input first (or
 * `--stack <stack>`) and `-o text|json`. Exit codes: 0 yes / no change, 1 no / changed (explain,
 * can-i, diff --exit-code), 2 a usage or input error. A closed pipe ends it quietly with 0.
 */
import { INTENT_ANNOTATION } from "../compiler/generate";
import { diffIntents } from "../compiler/intentDiff";
import { canI, resolveParty, DEFAULT_APP_LABELS, PARTY_HELP, Resolution } from "../engine/canI";
import { ConnectivityDiff, diffConnectivity, isEmptyDiff, renderDiffMarkdown, renderDiffText } from "../engine/diff";
import { ReachabilityModel, Verdict } from "../engine/evaluate";
import { PROTOCOLS, Protocol } from "../engine/k8s";
import { FullMatrix } from "../engine/matrix";
import { connectivityWithOutside, outsideAddresses } from "../engine/outside";
import { policyPortEntries, portClasses } from "../engine/ports";
import { evaluateSnapshot, explain, renderTable, toResult } from "../engine/report";
import { PartyRef, Pod, Snapshot, leftOutSummary } from "../engine/snapshot";
import { configFromDocument } from "../offline/stackFile";
import { formatProblem, parseStackConfig, projectConfigValues } from "../config/schema";
import { suggest } from "../config/problems";
import { NetworkIntent } from "../compiler/intent";
import {
    FlagSpec,
    HelpRequested,
    Io,
    OUTPUT_FLAGS,
    ParsedCommand,
    UsageError,
    endQuietlyOnClosedPipe,
    execute,
    outputFormat,
    parseCommand,
} from "./cli/args";
import { diffCompiled, renderCausesMarkdown, renderCompiledText } from "./cli/compiledDiff";
import { PROJECT_DIR, isStackFile, loadSnapshot, readDocuments, stackSnapshot } from "./cli/input";
import { buildRef } from "./cli/refs";
import {
    PROBES_FLAGS,
    PROBES_USAGE,
    VERIFY_FLAGS,
    VERIFY_USAGE,
    WORKLOADS_FLAGS,
    WORKLOADS_USAGE,
    probesCommand,
    verifyCommand,
    workloadsCommand,
} from "./cli/verify";

const RUN = "npm run --silent netpol --";

const SNAPSHOT_HELP = `<input>: a snapshot file (engine/SNAPSHOT.md; JSON or YAML), the plan's out/<stack>.netpol/snapshot.json,
  a directory or file of Kubernetes manifests (multi-document YAML, kind: List; the plan's out/<stack>/
  is read with the pods of out/<stack>.netpol/snapshot.json), or the output of
  kubectl get namespaces,pods,networkpolicies,nodes -A -o json; a relative path is read from where
  you ran the command. Or --stack <stack>: what the plan of Pulumi.<stack>.yaml deploys, compiled in
  memory (one pod per app, platform pods included).
  Finished pods (phase Succeeded or Failed) and pods without an address are left out, with a note
  on stderr saying how many; an input without pods is warned about (every answer is then about
  addresses only); an empty file is refused.`;

const USAGE = `usage: ${RUN} <command> [options]   (or: npx k8s-platform-netpol <command> ...)

commands (the input is always the first argument, or --stack <stack>):
  evaluate <input>                               judge every probe (or every pod pair on its ports)
  explain  <input> <from> <to> <port>[/<protocol>]
                                                 one connection, and why
  can-i    <input> <from> <to> <port>[/<protocol>]
                                                 yes or no, with the policies and intent behind it
  diff     <before> <after> | --stack <stack> <git-ref> <git-ref>
                                                 connections gained and lost
  verify   --stack <stack> [--live <file|->] [--results <results.jsonl>]
                                                 the live cluster: drift, probes, judged by the engine
  probes   <snapshot> | --stack <stack> [--live <file|->] -o json
                                                 the probe plan, with the engine's expected verdicts
  workloads --stack <stack>                      representative pods for a test cluster (kind)
  -o, --output text|json (diff: also markdown) on every command; --format is the older spelling.

Run "${RUN} <command> --help" for a command's options.
exit codes: 0 allowed / no change, 1 denied / changed (explain, can-i, diff --exit-code), 2 usage or input error`;

const COMMANDS: Record<string, { usage: string; flags: Record<string, FlagSpec>; run: (c: ParsedCommand, io: Io) => number }> = {
    evaluate: {
        usage: `usage: ${RUN} evaluate <input> [-o text|json]
       ${RUN} evaluate --stack <stack> [-o text|json]
Judges the input's probes, or every ordered pair of pods on each port the destination declares.
-o, --output text|json   (default text, a table; "table" and --format are older spellings)
${SNAPSHOT_HELP}
exit codes: 0 judged, 2 usage or input error`,
        flags: { ...OUTPUT_FLAGS, stack: { type: "string" } },
        run: evaluate,
    },
    explain: {
        usage: `usage: ${RUN} explain <input> <from> <to> <port>[/<protocol>] [-o text|json] [--app-label <key>]
       ${RUN} explain --stack <stack> <from> <to> <port>[/<protocol>] [-o text|json]
Explains a connection: which policies select each side and why each rule admits it or not.
An app with several pods is explained once for each group of its pods that the policies tell
apart (usually one: its pods share labels), naming the pod that stands for the group.
${PARTY_HELP}
<protocol>: TCP (the default), UDP or SCTP
${SNAPSHOT_HELP}
exit codes: 0 allowed, 1 denied, 2 usage or input error`,
        flags: { ...OUTPUT_FLAGS, stack: { type: "string" }, "app-label": { type: "string" } },
        run: explainCommand,
    },
    "can-i": {
        usage: `usage: ${RUN} can-i <input> <from> <to> <port>[/<protocol>] [-o text|json] [--app-label <key>]
       ${RUN} can-i --stack <stack> <from> <to> <port>[/<protocol>] [-o text|json]
       ${RUN} can-i <from> <to> <port>[/<protocol>] --snapshot <input>   (the older spelling)
Answers yes or no, like kubectl auth can-i, and names the policies and intent entries behind it.
Four arguments: the first is the input; three: the input comes from --stack or --snapshot.
${PARTY_HELP}
  The app label: the stack's (--stack), --app-label, else ${DEFAULT_APP_LABELS.join(" or ")}.
<protocol>: TCP (the default), UDP or SCTP
${SNAPSHOT_HELP}
exit codes: 0 yes, 1 no, 2 usage or input error`,
        flags: { ...OUTPUT_FLAGS, stack: { type: "string" }, snapshot: { type: "string" }, "app-label": { type: "string" } },
        run: canICommand,
    },
    diff: {
        usage: `usage: ${RUN} diff <before> <after> [options]
       ${RUN} diff --stack <stack> <git-ref> <git-ref> [options]
Connections gained and lost between two inputs (snapshots, directories of manifests, kubectl
output), two stack files, or what two git refs of this repository compile for a stack. With --stack
each ref is built by its own code in a temporary git worktree (its own install from its lock file,
reused between runs) and both are judged on one world; each row names the policy that decided it
and the intent entry it implements. "." is the working tree.
Both sides are judged against the same outside addresses: one per address range that either side's
ipBlocks distinguish (each cidr and except), named by its range ("203.0.113.0/24 (outside)"), both
ways, on every port range either side's rules distinguish; so an ipBlock added, removed, narrowed
or widened shows as connections gained or lost.
A ref whose package-lock.json differs from the working tree's is installed once into
node_modules/.cache/k8s-platform/refs/<sha256 of the lock file>/ (about 340 MB each); the cache keeps the
3 most recently used installs and removes older ones after each new install.
options:
  -o, --output text|markdown|json   (default text; --format is the older spelling)
  --all-policies                every policy behind each row, not only the one that decided (--stack)
  --title <title>               heading of the text or Markdown
  --max-chars <n>               Markdown size cap, at least 2000 (default 60000)
  --all                         every row in text output (default: the first 200)
  --exit-code                   exit 1 when connectivity changed, like git diff --exit-code
exit codes: 0 no change (or any result without --exit-code), 1 changed with --exit-code, 2 usage or input error`,
        flags: {
            ...OUTPUT_FLAGS,
            "all-policies": { type: "boolean" },
            title: { type: "string" },
            stack: { type: "string" },
            "max-chars": { type: "string" },
            all: { type: "boolean" },
            "exit-code": { type: "boolean" },
        },
        run: diff,
    },
    verify: { usage: VERIFY_USAGE, flags: VERIFY_FLAGS, run: verifyCommand },
    probes: { usage: PROBES_USAGE, flags: PROBES_FLAGS, run: probesCommand },
    workloads: { usage: WORKLOADS_USAGE, flags: WORKLOADS_FLAGS, run: workloadsCommand },
};

/** The whole command line, in-process: its exit code; output goes to `io`. */
export function netpol(argv: readonly string[], io?: Io): number {
    return execute((out) => main(argv, out), io);
}

function main(argv: readonly string[], io: Io): number {
    const first = argv[0];
    if (first === undefined || first === "--help" || first === "-h" || first === "help") {
        if (first === undefined) throw new UsageError(USAGE);
        throw new HelpRequested(USAGE);
    }
    const command = COMMANDS[first];
    if (!command) throw new UsageError(`unknown command ${first}\n\n${USAGE}`);
    return command.run(parseCommand(argv.slice(1), command.flags, command.usage), io);
}

function evaluate(c: ParsedCommand, io: Io): number {
    const format = outputFormat(c.flags, ["text", "json"], "text", { table: "text" });
    const { snapshot } = inputOf(c, 0, COMMANDS["evaluate"]!.usage, io);
    const { verdicts } = evaluateSnapshot(snapshot);
    const text =
        format === "json" ? JSON.stringify({ results: verdicts.map((v) => toResult(v.probe, v.verdict)) }, null, 2) : renderTable(verdicts);
    io.stdout(`${text}\n`);
    return 0;
}

function explainCommand(c: ParsedCommand, io: Io): number {
    const format = outputFormat(c.flags, ["text", "json"], "text");
    const usage = COMMANDS["explain"]!.usage;
    const { snapshot, appLabel, rest } = inputOf(c, 3, usage, io);
    const [fromText, toText, portText] = rest as [string, string, string];
    const { port, protocol } = parsePort(portText);
    const model = new ReachabilityModel(snapshot);
    const labels = appLabels(c, appLabel);
    const from = resolve(fromText, snapshot, labels, io);
    const to = resolve(toText, snapshot, labels, io);
    // One pod stands for each group of pods no policy tells apart: explaining every replica would repeat itself.
    const matrix = new FullMatrix(snapshot);
    const [froms, tos] = [from, to].map((r) => representatives(r.refs, snapshot, matrix));
    const cases = froms!.flatMap((a) =>
        tos!.filter((b) => !(typeof a.ref === "string" && a.ref === b.ref)).map((b) => ({ from: a, to: b })),
    );
    if (cases.length === 0) throw new UsageError(`${fromText} and ${toText} are the same pod: a pod always reaches itself`);
    const judged = cases.map((x) => ({
        ...x,
        verdict: model.evaluate({ from: model.party(x.from.ref), to: model.party(x.to.ref), port, protocol }),
    }));
    const allowed = judged.every((j) => j.verdict.allowed);
    if (format === "json") {
        const results = judged.map((j) => ({
            ...toResult({ from: j.from.ref, to: j.to.ref, port, protocol }, j.verdict),
            standsFor: { from: j.from.standsFor, to: j.to.standsFor },
        }));
        io.stdout(`${JSON.stringify(results.length === 1 ? results[0] : { allowed, results }, null, 2)}\n`);
        return allowed ? 0 : 1;
    }
    const lines: string[] = [];
    // Say what a name or address stood for, unless it named the pod or outside address itself.
    const said = (r: Resolution & { ok: true }, text: string) =>
        !(r.refs.length === 1 && (typeof r.refs[0] === "string" ? r.refs[0] === text : r.description.startsWith("address ")));
    if (said(from, fromText) || said(to, toText)) lines.push(`${fromText} -> ${toText}: ${from.description} -> ${to.description}`);
    for (const j of judged) {
        const many = [j.from, j.to].filter((x) => x.standsFor.length > 1);
        if (many.length > 0)
            lines.push(
                ...many.map(
                    (x) =>
                        `${partyText(x.ref)} stands for ${x.standsFor.length} pods that no policy tells apart: ${shortList(x.standsFor)}`,
                ),
            );
        lines.push(explain(model, j.verdict));
    }
    io.stdout(`${lines.join("\n")}\n`);
    return allowed ? 0 : 1;
}

/** One party per group of `refs` that the policies judge alike (same class), with the pods it stands for. */
function representatives(refs: readonly PartyRef[], snapshot: Snapshot, matrix: FullMatrix): { ref: PartyRef; standsFor: string[] }[] {
    const byKey = new Map(snapshot.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
    const groups = new Map<string, { ref: PartyRef; standsFor: string[] }>();
    for (const ref of refs) {
        const pod: Pod | undefined = typeof ref === "string" ? byKey.get(ref) : undefined;
        const key = pod ? `class ${matrix.classOf(pod).index}` : `ip ${typeof ref === "string" ? ref : ref.ip}`;
        const group = groups.get(key) ?? groups.set(key, { ref, standsFor: [] }).get(key)!;
        group.standsFor.push(typeof ref === "string" ? ref : ref.ip);
    }
    return [...groups.values()];
}

function partyText(ref: PartyRef): string {
    return typeof ref === "string" ? ref : ref.ip;
}

function shortList(items: readonly string[]): string {
    return items.length > 6 ? `${items.slice(0, 6).join(", ")}, … ${items.length - 6} more` : items.join(", ");
}

function canICommand(c: ParsedCommand, io: Io): number {
    const usage = COMMANDS["can-i"]!.usage;
    const format = outputFormat(c.flags, ["text", "json"], "text");
    const stack = c.flags["stack"] as string | undefined;
    const file = c.flags["snapshot"] as string | undefined;
    if (stack !== undefined && file !== undefined) throw new UsageError(`give the input once: --stack or --snapshot, not both\n\n${usage}`);
    // can-i <input> <from> <to> <port>, or the three parties' arguments with the input from a flag.
    let input: { snapshot: Snapshot; appLabel?: string };
    let args: readonly string[];
    if (c.positionals.length === 4) {
        if (stack !== undefined || file !== undefined)
            throw new UsageError(`four arguments name the input first; with --stack or --snapshot give <from> <to> <port>\n\n${usage}`);
        input = loadInput(c.positionals[0]!, io);
        args = c.positionals.slice(1);
    } else if (c.positionals.length === 3) {
        if (stack === undefined && file === undefined)
            throw new UsageError(`can-i needs its input: can-i <input> <from> <to> <port>, or --stack <stack>\n\n${usage}`);
        input = stack !== undefined ? stackSnapshot(stack) : loadInput(file!, io);
        args = c.positionals;
    } else throw new UsageError(`can-i takes [<input>] <from> <to> <port>[/<protocol>]\n\n${usage}`);
    const { snapshot, appLabel } = input;
    const [fromText, toText, portText] = args as [string, string, string];
    const { port, protocol } = parsePort(portText);
    const labels = appLabels(c, appLabel);
    const from = resolve(fromText, snapshot, labels, io);
    const to = resolve(toText, snapshot, labels, io);
    const model = new ReachabilityModel(snapshot);
    const answer = canI(model, from.refs, to.refs, port, protocol);
    if (answer.verdicts.length === 0) throw new UsageError(`${fromText} and ${toText} are the same pod: a pod always reaches itself`);
    const intents = new Map(
        snapshot.policies.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p.metadata.annotations?.[INTENT_ANNOTATION]]),
    );
    const cite = (ids: readonly string[]) => ids.map((id) => ({ policy: id, ...(intents.get(id) ? { intent: intents.get(id)! } : {}) }));
    const deciding = answer.verdicts[0]!;
    const behind = (v: Verdict) => ({
        egress: cite(v.egress.allowed ? v.egress.allowedBy : v.egress.isolatedBy),
        ingress: cite(v.ingress.allowed ? v.ingress.allowedBy : v.ingress.isolatedBy),
    });
    if (format === "json") {
        io.stdout(
            `${JSON.stringify(
                {
                    allowed: answer.allowed,
                    from: { party: fromText, resolved: from.description, ...(from.warning ? { warning: from.warning } : {}) },
                    to: { party: toText, resolved: to.description, ...(to.warning ? { warning: to.warning } : {}) },
                    port,
                    protocol,
                    policies: behind(deciding),
                    verdicts: answer.verdicts.map((v) => ({
                        ...toResult({ from: partyRefOf(v.connection.from), to: partyRefOf(v.connection.to), port, protocol }, v),
                    })),
                },
                null,
                2,
            )}\n`,
        );
        return answer.allowed ? 0 : 1;
    }
    const lines = [
        answer.allowed ? "yes" : "no",
        `${fromText} -> ${toText} on ${port}/${protocol}: ${from.description} -> ${to.description}`,
    ];
    const { egress, ingress } = behind(deciding);
    const named = (p: { policy: string; intent?: string }) => `${p.policy}${p.intent ? ` (intent: ${p.intent})` : ""}`;
    for (const [half, list, verdict] of [
        ["egress", egress, deciding.egress],
        ["ingress", ingress, deciding.ingress],
    ] as const) {
        if (verdict.reason === "outside-cluster") continue;
        if (verdict.allowed && list.length === 0) lines.push(`  ${half} allowed: no policy isolates it`);
        else {
            lines.push(verdict.allowed ? `  ${half} allowed by:` : `  ${half} denied: no rule admits it, isolated by:`);
            for (const p of list) lines.push(`    - ${named(p)}`);
        }
    }
    if (!answer.allowed) lines.push("", "Rule by rule:", explain(model, deciding));
    const denied = answer.verdicts.filter((v) => !v.allowed).length;
    if (answer.verdicts.length > 1) lines.push(`  (${answer.verdicts.length - denied} of ${answer.verdicts.length} pod pairs allowed)`);
    io.stdout(`${lines.join("\n")}\n`);
    return answer.allowed ? 0 : 1;
}

/** Connections gained and lost between two inputs, two stack files, or two git refs of a stack. */
function diff(c: ParsedCommand, io: Io): number {
    const usage = COMMANDS["diff"]!.usage;
    const format = outputFormat(c.flags, ["text", "markdown", "json"], "text");
    const maxChars = Number(c.flags["max-chars"] ?? 60000);
    if (!Number.isInteger(maxChars) || maxChars < 2000) throw new UsageError("--max-chars is a whole number of at least 2000");
    const maxRows = c.flags["all"] === true ? Number.POSITIVE_INFINITY : 200;
    if (c.positionals.length !== 2) throw new UsageError(`diff takes two things to compare\n\n${usage}`);
    const [before, after] = c.positionals as [string, string];
    const stack = c.flags["stack"] as string | undefined;
    const titled = (a: string, b: string) => (c.flags["title"] as string | undefined) ?? `Connectivity change ${a} → ${b}`;
    let changed: boolean;
    let text: string;
    if (stack !== undefined) {
        const [a, b] = [buildRef(PROJECT_DIR, stack, before), buildRef(PROJECT_DIR, stack, after)];
        const d = diffCompiled(a.compiled, b.compiled);
        const title = titled(a.label, b.label);
        const every = c.flags["all-policies"] === true;
        changed = !isEmptyDiff(d);
        text =
            format === "json"
                ? JSON.stringify({ before: { ref: before, commit: a.commit }, after: { ref: after, commit: b.commit }, ...d }, null, 2)
                : format === "markdown"
                  ? [
                        renderDiffMarkdown(title, d, Math.floor(maxChars * 0.6)),
                        renderCausesMarkdown(d, Math.floor(maxChars * 0.4), every),
                    ].join("\n")
                  : renderCompiledText(title, d, maxRows, every);
    } else {
        const docs = [before, after].map((f) => readDocuments(f));
        const kinds = docs.map((d) => (d.length === 1 && isStackFile(d[0]!.value) ? "stack" : "snapshot"));
        if (kinds[0] !== kinds[1]) throw new UsageError(`cannot compare a ${kinds[0]} with a ${kinds[1]}`);
        const d: ConnectivityDiff =
            kinds[0] === "stack"
                ? diffIntents(fileIntent(before, docs[0]![0]!.value), fileIntent(after, docs[1]![0]!.value))
                : diffInputs(loadInput(before, io).snapshot, loadInput(after, io).snapshot);
        const title = titled(before, after);
        changed = !isEmptyDiff(d);
        text =
            format === "json"
                ? JSON.stringify(d, null, 2)
                : format === "markdown"
                  ? renderDiffMarkdown(title, d, maxChars)
                  : renderDiffText(title, d, maxRows);
    }
    io.stdout(`${text}\n`);
    return c.flags["exit-code"] === true && changed ? 1 : 0;
}

function fileIntent(label: string, doc: unknown): NetworkIntent {
    const parsed = parseStackConfig(projectConfigValues(configFromDocument(doc)));
    if (!parsed.ok)
        throw new UsageError(
            `${label} has an invalid stack configuration:\n${parsed.problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`,
        );
    return parsed.config.network;
}

/**
 * Two inputs judged on the same outside parties (one per address range either side's ipBlocks
 * distinguish) and the same port classes (every boundary of either side's rules), beside their
 * own pods and probes.
 */
export function diffInputs(before: Snapshot, after: Snapshot, appLabel = "app"): ConnectivityDiff {
    const policies = [...before.policies, ...after.policies];
    const pods = [...before.pods, ...after.pods];
    const ranges = [before, after].flatMap((s) => [...(s.podCidrs ?? []), ...(s.nodeCidrs ?? [])]);
    const outside = outsideAddresses(policies, [...pods.map((p) => p.ip), ...[before, after].flatMap((s) => s.nodeIps ?? [])], ranges);
    // Named ports resolved against both sides' pods, and every declared container port a class of its
    // own, so a (named) port that moves is judged on its old and its new port on both sides.
    const declared = pods.flatMap((p) => p.ports.map((cp) => ({ port: cp.port, protocol: cp.protocol })));
    const ports = portClasses([...policyPortEntries(policies), ...declared], pods);
    return diffConnectivity(
        connectivityWithOutside(before, outside, ports, appLabel),
        connectivityWithOutside(after, outside, ports, appLabel),
    );
}

/**
 * The input from `--stack` or the first positional, and the positionals after it (exactly
 * `count`). A file's left-out pods and a pod-less input are said on stderr.
 */
function inputOf(
    c: ParsedCommand,
    count: number,
    usage: string,
    io: Io,
): { snapshot: Snapshot; appLabel?: string; rest: readonly string[] } {
    const stack = c.flags["stack"] as string | undefined;
    if (stack !== undefined) {
        if (c.positionals.length !== count) throw new UsageError(`expected ${count} argument(s) after --stack ${stack}\n\n${usage}`);
        return { ...stackSnapshot(stack), rest: c.positionals };
    }
    if (c.positionals.length !== count + 1)
        throw new UsageError(`expected an input${count > 0 ? ` and ${count} more argument(s)` : ""}\n\n${usage}`);
    return { ...loadInput(c.positionals[0]!, io), rest: c.positionals.slice(1) };
}

/** A snapshot from a file or directory, with its notes on stderr (left-out pods, no pods at all). */
function loadInput(target: string, io: Io): { snapshot: Snapshot } {
    const snapshot = loadSnapshot(target);
    const left = leftOutSummary(snapshot);
    if (left) io.stderr(`note: ${target}: ${left}\n`);
    if (snapshot.pods.length === 0) io.stderr(`warning: ${target} holds no live pods: every answer is about addresses only\n`);
    return { snapshot };
}

function appLabels(c: ParsedCommand, stackLabel: string | undefined): string[] {
    const given = c.flags["app-label"] as string | undefined;
    return [...new Set([...(given ? [given] : []), ...(stackLabel ? [stackLabel] : []), ...DEFAULT_APP_LABELS])];
}

/** A party resolved, its warning said on stderr; an unknown name gets a did-you-mean. */
function resolve(text: string, snapshot: Snapshot, labels: readonly string[], io: Io): Resolution & { ok: true } {
    const r = resolveParty(text, snapshot, labels);
    if (!r.ok) {
        const hint = r.unknown && suggest(r.unknown.word, r.unknown.candidates);
        throw new UsageError(hint ? `${r.message}; ${hint}` : r.message);
    }
    if (r.warning) io.stderr(`warning: ${r.warning}\n`);
    return r;
}

function partyRefOf(p: Verdict["connection"]["from"]): PartyRef {
    return p.kind === "pod" ? `${p.pod.namespace}/${p.pod.name}` : { ip: p.ip };
}

/** `<port>[/<protocol>]`; TCP when no protocol is given, as in a NetworkPolicy port. */
export function parsePort(text: string): { port: number; protocol: Protocol } {
    const match = /^(\d{1,5})(?:\/([A-Za-z]+))?$/.exec(text);
    const port = Number(match?.[1]);
    if (/^[a-z][a-z0-9-]*(\/[A-Za-z]+)?$/.test(text))
        throw new UsageError(
            `${text} is a port name; give the port's number (a named port is resolved on the destination pod's container ports, which differ from pod to pod), e.g. 8080 or 53/UDP`,
        );
    if (!match || port < 1 || port > 65535)
        throw new UsageError(`${text} is not <port>[/<protocol>], a number from 1 to 65535, e.g. 8080 or 53/UDP`);
    const protocol = (match[2] ?? "TCP").toUpperCase();
    if (!(PROTOCOLS as readonly string[]).includes(protocol)) throw new UsageError(`${match[2]} is not one of ${PROTOCOLS.join(", ")}`);
    return { port, protocol: protocol as Protocol };
}

if (require.main === module) {
    endQuietlyOnClosedPipe();
    process.exitCode = netpol(process.argv.slice(2));
}

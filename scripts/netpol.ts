/**
 * The reachability engine on the command line (`npm run --silent netpol -- <command>`, or
 * `npx k8s-platform-netpol <command>`). Every command takes --help. Exit codes: 0 yes / no change,
 * 1 no / changed (explain, can-i, diff --exit-code), 2 a usage or input error.
 */
import { INTENT_ANNOTATION } from "../compiler/generate";
import { diffIntents } from "../compiler/intentDiff";
import { canI, resolveParty, DEFAULT_APP_LABELS } from "../engine/canI";
import { Connectivity, connectivityOf, podAppDescriber } from "../engine/connectivity";
import { ConnectivityDiff, diffConnectivity, isEmptyDiff, renderDiffMarkdown, renderDiffText } from "../engine/diff";
import { ReachabilityModel, Verdict } from "../engine/evaluate";
import { PROTOCOLS, Protocol } from "../engine/k8s";
import { evaluateSnapshot, explain, renderTable, toResult } from "../engine/report";
import { PartyRef, Snapshot } from "../engine/snapshot";
import { configFromDocument } from "../offline/stackFile";
import { formatProblem, parseStackConfig, projectConfigValues } from "../config/schema";
import { NetworkIntent } from "../compiler/intent";
import { FlagSpec, HelpRequested, Io, ParsedCommand, UsageError, choice, execute, parseCommand } from "./cli/args";
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

const SNAPSHOT_HELP = `<snapshot>: a snapshot file (engine/SNAPSHOT.md; JSON or YAML), the plan's out/<stack>/snapshot.json,
  a directory or file of Kubernetes manifests (multi-document YAML, kind: List), or the output of
  kubectl get namespaces,pods,networkpolicies -A -o json`;

const USAGE = `usage: ${RUN} <command> [options]   (or: npx k8s-platform-netpol <command> ...)

commands:
  evaluate <snapshot> | --stack <stack>          judge every probe (or every pod pair on its ports)
  explain  <snapshot> <from> <to> <port>[/<protocol>] | --stack <stack> ...
                                                 one connection, and why
  can-i    <from> <to> <port>[/<protocol>] (--stack <stack> | --snapshot <snapshot>)
                                                 yes or no, with the policies and intent behind it
  diff     <before> <after> | --stack <stack> <git-ref> <git-ref>
                                                 connections gained and lost
  verify   --stack <stack> [--live <file|->] [--results <results.jsonl>]
                                                 the live cluster: drift, probes, judged by the engine
  probes   <snapshot> | --stack <stack> [--live <file|->] -o json
                                                 the probe plan, with the engine's expected verdicts
  workloads --stack <stack>                      representative pods for a test cluster (kind)

Run "${RUN} <command> --help" for a command's options.
exit codes: 0 allowed / no change, 1 denied / changed (explain, can-i, diff --exit-code), 2 usage or input error`;

const COMMANDS: Record<string, { usage: string; flags: Record<string, FlagSpec>; run: (c: ParsedCommand, io: Io) => number }> = {
    evaluate: {
        usage: `usage: ${RUN} evaluate <snapshot> [--format table|json]
       ${RUN} evaluate --stack <stack> [--format table|json]
Judges the snapshot's probes, or every ordered pair of pods on each port the destination declares.
--stack judges what the plan of that stack deploys (the snapshot the plan writes).
${SNAPSHOT_HELP}
exit codes: 0 judged, 2 usage or input error`,
        flags: { format: { type: "string" }, stack: { type: "string" } },
        run: evaluate,
    },
    explain: {
        usage: `usage: ${RUN} explain <snapshot> <from> <to> <port>[/<protocol>] [--format text|json]
       ${RUN} explain --stack <stack> <from> <to> <port>[/<protocol>] [--format text|json]
Explains one connection: which policies select each side and why each rule admits it or not.
<from>/<to>: namespace/pod, namespace/app, or an IP address outside the cluster
<protocol>: TCP (the default), UDP or SCTP
${SNAPSHOT_HELP}
exit codes: 0 allowed, 1 denied, 2 usage or input error`,
        flags: { format: { type: "string" }, stack: { type: "string" }, "app-label": { type: "string" } },
        run: explainCommand,
    },
    "can-i": {
        usage: `usage: ${RUN} can-i <from> <to> <port>[/<protocol>] (--stack <stack> | --snapshot <snapshot>) [--format text|json] [--app-label <key>]
Answers yes or no, like kubectl auth can-i, and names the policies and intent entries behind it.
<from>/<to>: namespace/app (every pod of that app; the stack's app label, else ${DEFAULT_APP_LABELS.join(" or ")}),
  namespace/pod, or an IP address outside the cluster
<protocol>: TCP (the default), UDP or SCTP
--stack builds the cluster from Pulumi.<stack>.yaml as the plan does (one pod per app, platform pods included).
${SNAPSHOT_HELP}
exit codes: 0 yes, 1 no, 2 usage or input error`,
        flags: { format: { type: "string" }, stack: { type: "string" }, snapshot: { type: "string" }, "app-label": { type: "string" } },
        run: canICommand,
    },
    diff: {
        usage: `usage: ${RUN} diff <before> <after> [options]
       ${RUN} diff --stack <stack> <git-ref> <git-ref> [options]
Connections gained and lost between two snapshots (or directories of manifests), two stack files, or
what two git refs of this repository compile for a stack. With --stack each ref is built by its own
code in a temporary git worktree (its own install from its lock file, reused between runs) and both
are judged on one world; each row names the policies and intent entries behind it. "." is the
working tree.
options:
  --format text|markdown|json   (default text)
  --title <title>               heading of the text or Markdown
  --max-chars <n>               Markdown size cap, at least 2000 (default 60000)
  --all                         every row in text output (default: the first 200)
  --exit-code                   exit 1 when connectivity changed, like git diff --exit-code
exit codes: 0 no change (or any result without --exit-code), 1 changed with --exit-code, 2 usage or input error`,
        flags: {
            format: { type: "string" },
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
    const format = choice(c.flags["format"], "--format", ["table", "json"], "table");
    const { snapshot } = snapshotOf(c, 0, COMMANDS["evaluate"]!.usage);
    const { verdicts } = evaluateSnapshot(snapshot);
    const text =
        format === "json" ? JSON.stringify({ results: verdicts.map((v) => toResult(v.probe, v.verdict)) }, null, 2) : renderTable(verdicts);
    io.stdout(`${text}\n`);
    return 0;
}

function explainCommand(c: ParsedCommand, io: Io): number {
    const format = choice(c.flags["format"], "--format", ["text", "json"], "text");
    const usage = COMMANDS["explain"]!.usage;
    const { snapshot, appLabel, rest } = snapshotOf(c, 3, usage);
    const [from, to, port] = rest as [string, string, string];
    const model = new ReachabilityModel(snapshot);
    const labels = appLabels(c, appLabel);
    const verdict = model.evaluate({
        from: model.party(single(from, snapshot, labels)),
        to: model.party(single(to, snapshot, labels)),
        ...parsePort(port),
    });
    if (format === "json") {
        const [a, b] = [from, to].map((t) => single(t, snapshot, labels)) as [PartyRef, PartyRef];
        io.stdout(`${JSON.stringify(toResult({ from: a, to: b, ...parsePort(port) }, verdict), null, 2)}\n`);
    } else io.stdout(`${explain(model, verdict)}\n`);
    return verdict.allowed ? 0 : 1;
}

function canICommand(c: ParsedCommand, io: Io): number {
    const usage = COMMANDS["can-i"]!.usage;
    const format = choice(c.flags["format"], "--format", ["text", "json"], "text");
    if (c.positionals.length !== 3) throw new UsageError(`can-i takes <from> <to> <port>[/<protocol>]\n\n${usage}`);
    const stack = c.flags["stack"] as string | undefined;
    const file = c.flags["snapshot"] as string | undefined;
    if ((stack === undefined) === (file === undefined))
        throw new UsageError(`can-i needs one of --stack <stack> or --snapshot <snapshot>\n\n${usage}`);
    const { snapshot, appLabel } = stack !== undefined ? stackSnapshot(stack) : { snapshot: loadSnapshot(file!), appLabel: undefined };
    const [fromText, toText, portText] = c.positionals as [string, string, string];
    const { port, protocol } = parsePort(portText);
    const labels = appLabels(c, appLabel);
    const from = resolve(fromText, snapshot, labels);
    const to = resolve(toText, snapshot, labels);
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
                    from: { party: fromText, resolved: from.description },
                    to: { party: toText, resolved: to.description },
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

/** Connections gained and lost between two snapshots, two stack files, or two git refs of a stack. */
function diff(c: ParsedCommand, io: Io): number {
    const usage = COMMANDS["diff"]!.usage;
    const format = choice(c.flags["format"], "--format", ["text", "markdown", "json"], "text");
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
        changed = !isEmptyDiff(d);
        text =
            format === "json"
                ? JSON.stringify({ before: { ref: before, commit: a.commit }, after: { ref: after, commit: b.commit }, ...d }, null, 2)
                : format === "markdown"
                  ? [renderDiffMarkdown(title, d, Math.floor(maxChars * 0.6)), renderCausesMarkdown(d, Math.floor(maxChars * 0.4))].join(
                        "\n",
                    )
                  : renderCompiledText(title, d, maxRows);
    } else {
        const docs = [before, after].map((f) => readDocuments(f));
        const kinds = docs.map((d) => (d.length === 1 && isStackFile(d[0]!.value) ? "stack" : "snapshot"));
        if (kinds[0] !== kinds[1]) throw new UsageError(`cannot compare a ${kinds[0]} with a ${kinds[1]}`);
        const d: ConnectivityDiff =
            kinds[0] === "stack"
                ? diffIntents(fileIntent(before, docs[0]![0]!.value), fileIntent(after, docs[1]![0]!.value))
                : diffConnectivity(snapshotConnectivity(before), snapshotConnectivity(after));
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

function snapshotConnectivity(target: string): Connectivity {
    return connectivityOf(
        evaluateSnapshot(loadSnapshot(target)).verdicts.map((v) => v.verdict),
        podAppDescriber("app"),
    );
}

/** The snapshot from `--stack` or the first positional, and the positionals after it (exactly `count`). */
function snapshotOf(c: ParsedCommand, count: number, usage: string): { snapshot: Snapshot; appLabel?: string; rest: readonly string[] } {
    const stack = c.flags["stack"] as string | undefined;
    if (stack !== undefined) {
        if (c.positionals.length !== count) throw new UsageError(`expected ${count} argument(s) after --stack ${stack}\n\n${usage}`);
        return { ...stackSnapshot(stack), rest: c.positionals };
    }
    if (c.positionals.length !== count + 1)
        throw new UsageError(`expected a snapshot${count > 0 ? ` and ${count} more argument(s)` : ""}\n\n${usage}`);
    return { snapshot: loadSnapshot(c.positionals[0]!), rest: c.positionals.slice(1) };
}

function appLabels(c: ParsedCommand, stackLabel: string | undefined): string[] {
    const given = c.flags["app-label"] as string | undefined;
    return [...new Set([...(given ? [given] : []), ...(stackLabel ? [stackLabel] : []), ...DEFAULT_APP_LABELS])];
}

function resolve(text: string, snapshot: Snapshot, labels: readonly string[]) {
    const r = resolveParty(text, snapshot, labels);
    if (!r.ok) throw new UsageError(r.message);
    return r;
}

/** explain judges one pair: a name standing for several pods must say which. */
function single(text: string, snapshot: Snapshot, labels: readonly string[]): PartyRef {
    const r = resolve(text, snapshot, labels);
    if (r.refs.length > 1) throw new UsageError(`${text} is ${r.description}: name one pod, or ask can-i about all of them`);
    return r.refs[0]!;
}

function partyRefOf(p: Verdict["connection"]["from"]): PartyRef {
    return p.kind === "pod" ? `${p.pod.namespace}/${p.pod.name}` : { ip: p.ip };
}

/** `<port>[/<protocol>]`; TCP when no protocol is given, as in a NetworkPolicy port. */
export function parsePort(text: string): { port: number; protocol: Protocol } {
    const match = /^(\d{1,5})(?:\/([A-Za-z]+))?$/.exec(text);
    const port = Number(match?.[1]);
    if (!match || port < 1 || port > 65535) throw new UsageError(`${text} is not <port>[/<protocol>], e.g. 8080 or 53/UDP`);
    const protocol = (match[2] ?? "TCP").toUpperCase();
    if (!(PROTOCOLS as readonly string[]).includes(protocol)) throw new UsageError(`${match[2]} is not one of ${PROTOCOLS.join(", ")}`);
    return { port, protocol: protocol as Protocol };
}

if (require.main === module) process.exitCode = netpol(process.argv.slice(2));

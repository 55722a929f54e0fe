/**
 * The reachability engine on the command line:
 *   npm run --silent netpol -- evaluate <snapshot> [--format json|table]
 *   npm run --silent netpol -- explain <snapshot> <from> <to> <port>/<protocol>
 * A snapshot is JSON or YAML in the format of shared/netpol/SNAPSHOT.md, or the output of
 * `kubectl get namespaces,pods,networkpolicies -A -o json`.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { formatProblem, parseStackConfig, projectConfigValues } from "../config/schema";
import { Connectivity, connectivityOf, podAppDescriber } from "../engine/connectivity";
import { diffConnectivity, renderDiffMarkdown, renderDiffText } from "../engine/diff";
import { NetworkIntent } from "../compiler/intent";
import { diffIntents } from "../compiler/intentDiff";
import { configFromDocument } from "../offline/stackFile";
import { PROTOCOLS, Protocol } from "../engine/k8s";
import { parseIp } from "../engine/cidr";
import { PartyRef, Snapshot, formatSnapshotError, parseSnapshot } from "../engine/snapshot";
import { evaluateSnapshot, explain, renderTable, toResult } from "../engine/report";
import { ReachabilityModel } from "../engine/evaluate";

const USAGE = `usage:
  npm run --silent netpol -- evaluate <snapshot> [--format json|table]
  npm run --silent netpol -- explain <snapshot> <from> <to> <port>/<protocol>
  npm run --silent netpol -- diff <before> <after> [--format text|markdown|json] [--title <title>] [--max-chars <n>]
  npm run --silent netpol -- diff --stack <stack> <git-ref> <git-ref> [--format ...]
<from>/<to>: namespace/pod, or an IP address for a party outside the cluster
<before>/<after>: two snapshots, or two stack files (Pulumi.<stack>.yaml)
<git-ref>: a commit, branch or tag holding Pulumi.<stack>.yaml; "." is the working tree`;

class UsageError extends Error {}

const PROJECT_DIR = path.resolve(__dirname, "..");

function main(argv: string[]): number {
    const [command, file, ...rest] = argv;
    if (command === "diff") return diff(argv.slice(1));
    if (!command || !file || (command !== "evaluate" && command !== "explain")) throw new UsageError(USAGE);
    const snapshot = loadSnapshot(file);
    if (command === "evaluate") {
        const format = flag(rest, "--format") ?? "table";
        if (format !== "json" && format !== "table") throw new UsageError(`--format is json or table, not ${format}`);
        const { verdicts } = evaluateSnapshot(snapshot);
        const text =
            format === "json"
                ? JSON.stringify({ results: verdicts.map((v) => toResult(v.probe, v.verdict)) }, null, 2)
                : renderTable(verdicts);
        process.stdout.write(`${text}\n`);
        return 0;
    }
    const [from, to, portProtocol] = rest;
    if (!from || !to || !portProtocol || rest.length !== 3) throw new UsageError(USAGE);
    const match = /^(\d{1,5})\/([A-Za-z]+)$/.exec(portProtocol);
    const port = Number(match?.[1]);
    if (!match || port < 1 || port > 65535) throw new UsageError(`${portProtocol} is not <port>/<protocol>, e.g. 8080/TCP`);
    if (!(PROTOCOLS as readonly string[]).includes(match[2]!)) throw new UsageError(`${match[2]} is not one of ${PROTOCOLS.join(", ")}`);
    const model = new ReachabilityModel(snapshot);
    const verdict = model.evaluate({
        from: model.party(partyRef(from, snapshot)),
        to: model.party(partyRef(to, snapshot)),
        port,
        protocol: match[2] as Protocol,
    });
    process.stdout.write(`${explain(model, verdict)}\n`);
    return 0;
}

/** Connections gained and lost between two snapshots, two stack files, or two git refs of a stack. */
function diff(args: string[]): number {
    const format = flag(args, "--format") ?? "text";
    if (format !== "text" && format !== "markdown" && format !== "json")
        throw new UsageError(`--format is text, markdown or json, not ${format}`);
    const stack = flag(args, "--stack");
    // Markdown size cap; two stacks share one pull-request comment, so each takes half.
    const maxChars = Number(flag(args, "--max-chars") ?? 60000);
    if (!Number.isInteger(maxChars) || maxChars < 2000) throw new UsageError("--max-chars is a whole number of at least 2000");
    const positional = withoutFlags(args, ["--format", "--title", "--stack", "--max-chars"]);
    if (positional.length !== 2) throw new UsageError(USAGE);
    const [before, after] = positional as [string, string];
    const sources = stack
        ? [gitStackFile(stack, before), gitStackFile(stack, after)]
        : [
              { label: before, text: readText(before) },
              { label: after, text: readText(after) },
          ];
    const title = flag(args, "--title") ?? `Connectivity change ${sources[0]!.label} → ${sources[1]!.label}`;
    const docs = sources.map((s) => parseText(s.label, s.text));
    const kinds = docs.map((d) => (isStackFile(d) ? "stack" : "snapshot"));
    if (kinds[0] !== kinds[1]) throw new UsageError(`cannot compare a ${kinds[0]} with a ${kinds[1]}`);
    const change =
        kinds[0] === "stack"
            ? diffIntents(stackIntent(sources[0]!.label, docs[0]), stackIntent(sources[1]!.label, docs[1]))
            : diffConnectivity(snapshotConnectivity(sources[0]!.label, docs[0]), snapshotConnectivity(sources[1]!.label, docs[1]));
    const text =
        format === "json"
            ? JSON.stringify(change, null, 2)
            : format === "markdown"
              ? renderDiffMarkdown(title, change, maxChars)
              : renderDiffText(title, change);
    process.stdout.write(`${text}\n`);
    return 0;
}

function isStackFile(doc: unknown): boolean {
    return typeof doc === "object" && doc !== null && "config" in doc;
}

function stackIntent(label: string, doc: unknown): NetworkIntent {
    const config = configFromDocument(doc);
    const parsed = parseStackConfig(projectConfigValues(config));
    if (!parsed.ok)
        throw new UsageError(
            `${label} has an invalid stack configuration:\n${parsed.problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`,
        );
    return parsed.config.network;
}

function snapshotConnectivity(label: string, doc: unknown): Connectivity {
    const snapshot = validSnapshot(label, doc);
    return connectivityOf(
        evaluateSnapshot(snapshot).verdicts.map((v) => v.verdict),
        podAppDescriber("app"),
    );
}

function gitStackFile(stack: string, ref: string): { label: string; text: string } {
    const file = `Pulumi.${stack}.yaml`;
    if (ref === ".") return { label: `${stack}@working-tree`, text: readText(path.join(PROJECT_DIR, file)) };
    try {
        const text = execFileSync("git", ["show", `${ref}:${file}`], {
            cwd: PROJECT_DIR,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
        return { label: `${stack}@${ref}`, text };
    } catch (e) {
        throw new UsageError(`cannot read ${file} at ${ref}: ${String((e as { stderr?: string }).stderr ?? e).trim()}`);
    }
}

function readText(file: string): string {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        throw new UsageError(`cannot read ${file}`);
    }
}

function parseText(label: string, text: string): unknown {
    try {
        return parse(text);
    } catch (e) {
        throw new UsageError(`${label} is not JSON or YAML: ${(e as Error).message.split("\n")[0]}`);
    }
}

function loadSnapshot(file: string): Snapshot {
    return validSnapshot(file, parseText(file, readText(file)));
}

function validSnapshot(file: string, raw: unknown): Snapshot {
    const result = parseSnapshot(raw);
    if (!result.ok)
        throw new UsageError(`${file} is not a valid snapshot:\n${result.errors.map((e) => `  ${formatSnapshotError(e)}`).join("\n")}`);
    return result.snapshot;
}

function partyRef(text: string, snapshot: Snapshot): PartyRef {
    if (parseIp(text)) return { ip: text };
    if (!snapshot.pods.some((p) => `${p.namespace}/${p.name}` === text))
        throw new UsageError(`no pod ${text} in the snapshot (namespace/pod, or an IP address)`);
    return text;
}

function withoutFlags(args: string[], names: string[]): string[] {
    return args.filter((a, i) => !names.includes(a) && !names.includes(args[i - 1] ?? ""));
}

function flag(args: string[], name: string): string | undefined {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const value = args[i + 1];
    if (!value) throw new UsageError(`${name} needs a value`);
    return value;
}

try {
    process.exitCode = main(process.argv.slice(2));
} catch (e) {
    process.stderr.write(`${e instanceof UsageError ? e.message : `internal error: ${(e as Error).stack ?? String(e)}`}\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
}

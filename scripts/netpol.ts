/**
 * The reachability engine on the command line:
 *   npm run --silent netpol -- evaluate <snapshot> [--format json|table]
 *   npm run --silent netpol -- explain <snapshot> <from> <to> <port>/<protocol>
 * A snapshot is JSON or YAML in the format of shared/netpol/SNAPSHOT.md, or the output of
 * `kubectl get namespaces,pods,networkpolicies -A -o json`.
 */
import * as fs from "fs";
import { parse } from "yaml";
import { PROTOCOLS, Protocol } from "../netpol/k8s";
import { parseIp } from "../netpol/cidr";
import { PartyRef, Snapshot, formatSnapshotError, parseSnapshot } from "../netpol/snapshot";
import { evaluateSnapshot, explain, renderTable, toResult } from "../netpol/report";
import { ReachabilityModel } from "../netpol/evaluate";

const USAGE = `usage:
  npm run --silent netpol -- evaluate <snapshot> [--format json|table]
  npm run --silent netpol -- explain <snapshot> <from> <to> <port>/<protocol>
<from>/<to>: namespace/pod, or an IP address for a party outside the cluster`;

class UsageError extends Error {}

function main(argv: string[]): number {
    const [command, file, ...rest] = argv;
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

function loadSnapshot(file: string): Snapshot {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        throw new UsageError(`cannot read ${file}`);
    }
    let raw: unknown;
    try {
        raw = parse(text);
    } catch (e) {
        throw new UsageError(`${file} is not JSON or YAML: ${(e as Error).message.split("\n")[0]}`);
    }
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

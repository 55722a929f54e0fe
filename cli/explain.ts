/**
 * `netpol explain`: one connection, and why: which policies select each side and why each rule
 * admits it or not, once for each group of pods the policies tell apart.
 */
import { PARTY_HELP, Resolution } from "../engine/canI";
import { ReachabilityModel } from "../engine/evaluate";
import { FullMatrix } from "../engine/matrix";
import { explain, toResult } from "../engine/report";
import { PartyRef, Pod, Snapshot } from "../engine/snapshot";
import { FlagSpec, Io, OUTPUT_FLAGS, ParsedCommand, RUN, UsageError, outputFormat, parsePort } from "./args";
import { SNAPSHOT_HELP, appLabels, inputOf, resolve } from "./input";

export const EXPLAIN_USAGE = `usage: ${RUN} explain <input> <from> <to> <port>[/<protocol>] [-o text|json] [--app-label <key>]
       ${RUN} explain --stack <stack> <from> <to> <port>[/<protocol>] [-o text|json]
Explains a connection: which policies select each side and why each rule admits it or not.
An app with several pods is explained once for each group of its pods that the policies tell
apart (usually one: its pods share labels), naming the pod that stands for the group.
${PARTY_HELP}
<protocol>: TCP (the default), UDP or SCTP
${SNAPSHOT_HELP}
exit codes: 0 allowed, 1 denied, 2 usage or input error`;

export const EXPLAIN_FLAGS: Record<string, FlagSpec> = { ...OUTPUT_FLAGS, stack: { type: "string" }, "app-label": { type: "string" } };

export function explainCommand(c: ParsedCommand, io: Io): number {
    const format = outputFormat(c.flags, ["text", "json"], "text");
    const usage = EXPLAIN_USAGE;
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

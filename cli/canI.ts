/**
 * `netpol can-i`: yes or no, like kubectl auth can-i, naming the policies and intent entries
 * behind the answer.
 */
import { INTENT_ANNOTATION } from "../compiler/generate";
import { canI, DEFAULT_APP_LABELS, PARTY_HELP } from "../engine/canI";
import { ReachabilityModel, Verdict } from "../engine/evaluate";
import { explain, toResult } from "../engine/report";
import { PartyRef, Snapshot } from "../engine/snapshot";
import { FlagSpec, Io, OUTPUT_FLAGS, ParsedCommand, RUN, UsageError, outputFormat, parsePort } from "./args";
import { SNAPSHOT_HELP, appLabels, loadInput, resolve, stackSnapshot } from "./input";

export const CAN_I_USAGE = `usage: ${RUN} can-i <input> <from> <to> <port>[/<protocol>] [-o text|json] [--app-label <key>]
       ${RUN} can-i --stack <stack> <from> <to> <port>[/<protocol>] [-o text|json]
       ${RUN} can-i <from> <to> <port>[/<protocol>] --snapshot <input>   (the older spelling)
Answers yes or no, like kubectl auth can-i, and names the policies and intent entries behind it.
Four arguments: the first is the input; three: the input comes from --stack or --snapshot.
${PARTY_HELP}
  The app label: the stack's (--stack), --app-label, else ${DEFAULT_APP_LABELS.join(" or ")}.
<protocol>: TCP (the default), UDP or SCTP
${SNAPSHOT_HELP}
exit codes: 0 yes, 1 no, 2 usage or input error`;

export const CAN_I_FLAGS: Record<string, FlagSpec> = {
    ...OUTPUT_FLAGS,
    stack: { type: "string" },
    snapshot: { type: "string" },
    "app-label": { type: "string" },
};

export function canICommand(c: ParsedCommand, io: Io): number {
    const usage = CAN_I_USAGE;
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

function partyRefOf(p: Verdict["connection"]["from"]): PartyRef {
    return p.kind === "pod" ? `${p.pod.namespace}/${p.pod.name}` : { ip: p.ip };
}

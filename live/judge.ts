/**
 * The judge: what the cluster did with each probe against what the engine expects. A TCP probe
 * that `connected` or was `refused` (the destination's kernel answered with a reset: the policy
 * let the packet through to a port nothing listens on) got through; one that hit the `timeout`
 * was dropped (Calico drops what policy denies, it does not reject). A DNS query to CoreDNS that
 * got a reply counts as connected. `inconclusive` (UDP without a reply to expect, a probe that
 * could not run) never counts either way and is listed as such.
 *
 * A probe the engine allows that timed out towards an address outside the cluster that is not
 * known to answer (an egress range's stand-in address: nothing may listen there) is `unconfirmed`,
 * not a disagreement: the policy may have let it through to nobody. Every other mismatch is a
 * disagreement, listed with the engine's explanation (the policies behind its verdict). Pure.
 */
import { ReachabilityModel } from "../engine/evaluate";
import { explain } from "../engine/report";
import { PROTOCOLS, Protocol } from "../engine/k8s";
import { PlannedProbe, expectsVerdict, probeKey } from "./probePlan";
import { isObject } from "./cluster";

export const OUTCOMES = ["connected", "refused", "timeout", "inconclusive"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface ProbeResult {
    readonly probe: PlannedProbe;
    readonly outcome: Outcome;
    /** What the probe tool said (its error text), when anything. */
    readonly detail?: string;
}

export type Judgement = "agrees" | "disagrees" | "unconfirmed" | "inconclusive";

export interface JudgedProbe extends ProbeResult {
    readonly judgement: Judgement;
    /** For a disagreement: the policies behind the engine's verdict, per half. */
    readonly policies?: { readonly egress: readonly string[]; readonly ingress: readonly string[] };
    readonly explanation?: string;
}

export interface JudgementSummary {
    readonly judged: readonly JudgedProbe[];
    readonly counts: Readonly<Record<Judgement, number>>;
    /** Probes of the plan without a result. */
    readonly notRun: number;
    /** Probes that should have given a verdict (TCP, DNS) but came back inconclusive: a run that did not really probe. */
    readonly silent: number;
}

/**
 * A verify proves something only when every planned probe has its result and every probe that can
 * answer did: a missing result, or a TCP or DNS probe without a verdict (a probe container that
 * ended without reporting), fails it like a disagreement. UDP other than DNS is inconclusive by
 * design and does not count.
 */
export function complete(s: JudgementSummary): boolean {
    return s.notRun === 0 && s.silent === 0;
}

/** Whether the cluster let the probe through, or undefined when the outcome says nothing. */
export function gotThrough(outcome: Outcome): boolean | undefined {
    switch (outcome) {
        case "connected":
        case "refused":
            return true;
        case "timeout":
            return false;
        case "inconclusive":
            return undefined;
        default: {
            const never: never = outcome;
            throw new Error(`unknown outcome ${String(never)}`);
        }
    }
}

export function judgeResults(
    model: ReachabilityModel,
    planned: readonly PlannedProbe[],
    results: readonly ProbeResult[],
): JudgementSummary {
    const counts: Record<Judgement, number> = { agrees: 0, disagrees: 0, unconfirmed: 0, inconclusive: 0 };
    const judged = results.map((r): JudgedProbe => {
        const through = gotThrough(r.outcome);
        let judgement: Judgement;
        if (through === undefined) judgement = "inconclusive";
        else if (through === r.probe.allowed) judgement = "agrees";
        else if (r.probe.allowed && r.probe.purpose === "egress") judgement = "unconfirmed";
        else judgement = "disagrees";
        counts[judgement]++;
        if (judgement !== "disagrees") return { ...r, judgement };
        const verdict = model.evaluate({
            from: model.party(r.probe.from),
            to: model.party(r.probe.to),
            port: r.probe.port,
            protocol: r.probe.protocol,
        });
        const side = (d: typeof verdict.egress) => (d.allowed ? d.allowedBy : d.isolatedBy);
        return {
            ...r,
            judgement,
            policies: { egress: side(verdict.egress), ingress: side(verdict.ingress) },
            explanation: explain(model, verdict),
        };
    });
    const ran = new Set(results.map((r) => probeKey(r.probe)));
    const silent = judged.filter((j) => j.judgement === "inconclusive" && expectsVerdict(j.probe)).length;
    return { judged, counts, notRun: planned.filter((p) => !ran.has(probeKey(p))).length, silent };
}

/** Disagreements explained rule by rule in the text; every one is listed with its policies. */
const EXPLAINED = 10;

export function renderJudgement(s: JudgementSummary): string {
    const c = s.counts;
    const lines = [
        `probes: ${s.judged.length} judged: ${c.agrees} agree with the engine, ${c.disagrees} disagree, ${c.unconfirmed} unconfirmed (allowed towards an outside address that did not answer), ${c.inconclusive} inconclusive${s.notRun > 0 ? `; ${s.notRun} planned probes have no result` : ""}${s.silent > 0 ? `; ${s.silent} TCP or DNS probes gave no verdict` : ""}`,
    ];
    // Every disagreement with the policies behind the engine's verdict; the first ones also rule by rule.
    s.judged
        .filter((x) => x.judgement === "disagrees")
        .forEach((j, i) => {
            const p = j.probe;
            const to = typeof p.to === "string" ? p.to : p.to.ip;
            const names = (list: readonly string[]) => (list.length > 0 ? list.join(", ") : "no policy");
            lines.push(
                ...(i < EXPLAINED ? [""] : []),
                `DISAGREES: ${String(p.from)} -> ${to} on ${p.port}/${p.protocol} (${p.about}): the engine says ${p.allowed ? "allowed" : "denied"}, the cluster ${j.outcome === "timeout" ? "dropped it (timeout)" : `let it through (${j.outcome})`}`,
                `  egress: ${names(j.policies!.egress)}; ingress: ${names(j.policies!.ingress)}`,
                ...(i < EXPLAINED ? j.explanation!.split("\n").map((l) => `  ${l}`) : []),
            );
            if (i === EXPLAINED - 1 && s.counts.disagrees > EXPLAINED)
                lines.push(
                    "",
                    `(the ${s.counts.disagrees - EXPLAINED} further disagreements with their policies only; netpol explain gives the rules)`,
                );
        });
    // Inconclusive probes by what was said of them, with one example each.
    const inconclusive = new Map<string, JudgedProbe[]>();
    for (const j of s.judged.filter((x) => x.judgement === "inconclusive")) {
        const why = j.detail ?? "no reason given";
        inconclusive.set(why, [...(inconclusive.get(why) ?? []), j]);
    }
    for (const [why, list] of inconclusive) {
        const p = list[0]!.probe;
        lines.push(
            `inconclusive: ${list.length} probe${list.length === 1 ? "" : "s"}: ${why} (e.g. ${String(p.from)} -> ${typeof p.to === "string" ? p.to : p.to.ip} on ${p.port}/${p.protocol})`,
        );
    }
    return lines.join("\n");
}

/**
 * Reads results, one JSON object per line: a probe of the plan (`from`, `to`, `port`,
 * `protocol`) and its `outcome`. Every line must be a probe of the plan; an empty file is refused.
 */
export function parseResults(
    source: string,
    text: string,
    plan: readonly PlannedProbe[],
): { ok: true; results: ProbeResult[] } | { ok: false; problems: string[] } {
    const byKey = new Map(plan.map((p) => [probeKey(p), p]));
    const problems: string[] = [];
    const results: ProbeResult[] = [];
    const seen = new Set<string>();
    text.split("\n").forEach((line, i) => {
        if (line.trim() === "") return;
        const at = `${source}:${i + 1}`;
        let value: unknown;
        try {
            value = JSON.parse(line);
        } catch {
            return void problems.push(`${at}: not a JSON object`);
        }
        if (!isObject(value)) return void problems.push(`${at}: not a JSON object`);
        const party = (x: unknown) =>
            typeof x === "string" ? x : isObject(x) && typeof x["ip"] === "string" ? { ip: x["ip"] } : undefined;
        const from = party(value["from"]);
        const to = party(value["to"]);
        const port = value["port"];
        const protocol = value["protocol"] ?? "TCP";
        const outcome = value["outcome"];
        if (from === undefined || to === undefined || typeof port !== "number" || !(PROTOCOLS as readonly unknown[]).includes(protocol))
            return void problems.push(`${at}: expected a probe: from, to ("ns/pod" or {"ip": ...}), port and protocol`);
        if (!(OUTCOMES as readonly unknown[]).includes(outcome))
            return void problems.push(`${at}: outcome ${JSON.stringify(outcome)} is not one of ${OUTCOMES.join(", ")}`);
        const key = probeKey({ from, to, port, protocol: protocol as Protocol });
        const probe = byKey.get(key);
        if (!probe) return void problems.push(`${at}: ${key} is not a probe of the plan`);
        if (seen.has(key)) return void problems.push(`${at}: ${key} has a result already`);
        seen.add(key);
        const detail = value["detail"];
        results.push({ probe, outcome: outcome as Outcome, ...(typeof detail === "string" && detail ? { detail } : {}) });
    });
    if (problems.length === 0 && results.length === 0) problems.push(`${source}: holds no results`);
    return problems.length > 0 ? { ok: false, problems } : { ok: true, results };
}

/** One line of a results file. */
export function resultLine(r: ProbeResult): string {
    const { from, to, port, protocol } = r.probe;
    return JSON.stringify({ from, to, port, protocol, outcome: r.outcome, ...(r.detail ? { detail: r.detail } : {}) });
}

/**
 * Views of verdicts: the JSON results of SNAPSHOT.md, a readable table, and explanations in
 * sentences. The verdicts are data; these only render them.
 */
import { NetworkPolicyPeer, NetworkPolicyPort, Protocol } from "./k8s";
import { describeSelector } from "./selectors";
import { DirectionVerdict, ReachabilityModel, Verdict, partyName } from "./evaluate";
import { FullMatrix } from "./matrix";
import { PartyRef, Pod, Probe, Snapshot } from "./snapshot";

export interface ProbeResult {
    readonly from: PartyRef;
    readonly to: PartyRef;
    readonly port: number;
    readonly protocol: Protocol;
    readonly allowed: boolean;
    readonly egress: DirectionJson;
    readonly ingress: DirectionJson;
}

interface DirectionJson {
    readonly allowed: boolean;
    readonly isolated: boolean;
    readonly allowedBy: readonly string[];
    readonly isolatedBy?: readonly string[];
}

/**
 * Judges the snapshot's probes, or its full matrix. For the full matrix, pods that no policy can
 * tell apart share a class (see matrix.ts), so each class pair and port is judged once, on
 * representative pods, and the verdict serves every pod pair of the two classes.
 */
export function evaluateSnapshot(snapshot: Snapshot): {
    model: ReachabilityModel;
    verdicts: readonly { probe: Probe; verdict: Verdict }[];
} {
    const model = new ReachabilityModel(snapshot);
    if (snapshot.probes) {
        const verdicts = snapshot.probes.map((probe) => ({
            probe,
            verdict: model.evaluate({
                from: model.party(probe.from),
                to: model.party(probe.to),
                port: probe.port,
                protocol: probe.protocol,
            }),
        }));
        return { model, verdicts };
    }
    const matrix = new FullMatrix(snapshot);
    const memo = new Map<string, Verdict>();
    const verdicts: { probe: Probe; verdict: Verdict }[] = [];
    for (const from of snapshot.pods) {
        const source = matrix.classOf(from);
        for (const to of snapshot.pods) {
            if (from === to) continue;
            const destination = matrix.classOf(to);
            for (const p of to.ports) {
                const key = `${source.index}|${destination.index}|${p.port}/${p.protocol}`;
                const connection = {
                    from: { kind: "pod" as const, pod: from },
                    to: { kind: "pod" as const, pod: to },
                    port: p.port,
                    protocol: p.protocol,
                };
                let verdict = memo.get(key);
                if (!verdict) {
                    verdict = model.evaluate(connection);
                    memo.set(key, verdict);
                }
                verdicts.push({
                    probe: { from: podRef(from), to: podRef(to), port: p.port, protocol: p.protocol },
                    verdict: { ...verdict, connection },
                });
            }
        }
    }
    return { model, verdicts };
}

function podRef(pod: Pod): string {
    return `${pod.namespace}/${pod.name}`;
}

export function toResult(probe: Probe, v: Verdict): ProbeResult {
    return {
        from: probe.from,
        to: probe.to,
        port: probe.port,
        protocol: probe.protocol,
        allowed: v.allowed,
        egress: directionJson(v.egress),
        ingress: directionJson(v.ingress),
    };
}

function directionJson(d: DirectionVerdict): DirectionJson {
    return d.isolated
        ? { allowed: d.allowed, isolated: true, allowedBy: d.allowedBy, isolatedBy: d.isolatedBy }
        : { allowed: d.allowed, isolated: false, allowedBy: d.allowedBy };
}

export function renderTable(rows: readonly { probe: Probe; verdict: Verdict }[]): string {
    const lines: string[][] = [["FROM", "TO", "PORT", "VERDICT", "BECAUSE"]];
    for (const { probe, verdict } of rows) {
        lines.push([
            partyName(verdict.connection.from),
            partyName(verdict.connection.to),
            `${probe.port}/${probe.protocol}`,
            verdict.allowed ? "allowed" : "DENIED",
            because(verdict),
        ]);
    }
    const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
    const allowed = rows.filter((r) => r.verdict.allowed).length;
    return [
        ...lines.map((l) => l.map((cell, i) => (i === l.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")),
        "",
        `${rows.length} connections: ${allowed} allowed, ${rows.length - allowed} denied`,
    ].join("\n");
}

function because(v: Verdict): string {
    if (v.egress.reason === "self") return "a pod always reaches itself";
    const half = (name: string, d: DirectionVerdict): string | undefined => {
        if (!d.isolated) return undefined;
        return d.allowed ? `${name} by ${d.allowedBy.join(", ")}` : `${name} isolated by ${d.isolatedBy.join(", ")}, no rule admits`;
    };
    return [half("egress", v.egress), half("ingress", v.ingress)].filter((x) => x).join("; ") || "no policy selects either side";
}

/** Explains one verdict in sentences: which policies select each side and which rule admits it, or why none does. */
export function explain(model: ReachabilityModel, v: Verdict): string {
    const c = v.connection;
    const from = partyName(c.from);
    const to = partyName(c.to);
    const lines = [`${from} -> ${to} on ${c.port}/${c.protocol}: ${v.allowed ? "ALLOWED" : "DENIED"}`];
    if (v.egress.reason === "self") {
        lines.push(`  A pod can always reach itself; policies do not apply.`);
        return lines.join("\n");
    }
    lines.push(...explainDirection(model, "Egress", from, to, v.egress), ...explainDirection(model, "Ingress", to, from, v.ingress));
    if (!v.allowed) {
        const blocking = [!v.egress.allowed ? "egress" : undefined, !v.ingress.allowed ? "ingress" : undefined]
            .filter((x) => x)
            .join(" and ");
        lines.push(`  Denied because the ${blocking} half is not admitted; a connection needs both.`);
    }
    return lines.join("\n");
}

function explainDirection(
    model: ReachabilityModel,
    type: "Egress" | "Ingress",
    subject: string,
    peer: string,
    d: DirectionVerdict,
): string[] {
    const word = type === "Egress" ? "egress from" : "ingress to";
    switch (d.reason) {
        case "outside-cluster":
            return [`  ${cap(word)} ${subject}: allowed; ${subject} is outside the cluster and has no policies.`];
        case "self":
            return [];
        case "not-isolated":
            return [`  ${cap(word)} ${subject}: allowed; no policy selects ${subject} for ${type}, so it is not isolated.`];
        case "admitted":
        case "no-rule-admits": {
            const lines = [
                `  ${cap(word)} ${subject}: ${d.allowed ? "allowed" : "denied"}; selected for ${type} by ${d.isolatedBy.join(", ")}.`,
            ];
            for (const id of d.isolatedBy) {
                const policy = model.snapshot.policies.find((p) => `${p.metadata.namespace}/${p.metadata.name}` === id)!;
                const rules = d.rules.filter((r) => r.policy === id);
                if (rules.length === 0) {
                    lines.push(
                        `    - ${id} selects ${describeSelector(policy.spec.podSelector)} and has no ${type.toLowerCase()} rules: it only isolates.`,
                    );
                    continue;
                }
                for (const r of rules) {
                    const ruleName = `${id} ${type.toLowerCase()}[${r.ruleIndex}]`;
                    const spec = (type === "Ingress" ? policy.spec.ingress : policy.spec.egress)?.[r.ruleIndex];
                    const peers =
                        (type === "Ingress"
                            ? (spec as { from?: readonly NetworkPolicyPeer[] }).from
                            : (spec as { to?: readonly NetworkPolicyPeer[] }).to) ?? [];
                    const peerText =
                        r.peer === "any"
                            ? "matches every peer"
                            : r.peer >= 0
                              ? `${peer} matches peer ${r.peer} (${describePeer(peers[r.peer]!, policy.metadata.namespace)})`
                              : `${peer} matches none of its peers (${peers.map((p) => describePeer(p, policy.metadata.namespace)).join("; ")})`;
                    const portText = r.portMatched
                        ? "the port matches"
                        : `the port is not among its ports (${(spec?.ports ?? []).map(describePort).join(", ")})`;
                    lines.push(`    - ${ruleName}: ${peerText}, ${portText}${r.peer !== -1 && r.portMatched ? " -> admits" : ""}.`);
                }
            }
            return lines;
        }
        default: {
            const never: never = d.reason;
            return [String(never)];
        }
    }
}

/** A peer in words; namespaceSelector and podSelector in one peer read as AND. */
function describePeer(peer: NetworkPolicyPeer, policyNamespace: string): string {
    if (peer.ipBlock)
        return `addresses in ${peer.ipBlock.cidr}${peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(", ")}` : ""}`;
    const namespaces = peer.namespaceSelector ? `namespaces ${describeSelector(peer.namespaceSelector)}` : `namespace ${policyNamespace}`;
    return peer.podSelector ? `pods ${describeSelector(peer.podSelector)} in ${namespaces}` : `every pod in ${namespaces}`;
}

function describePort(p: NetworkPolicyPort): string {
    const port = p.port === undefined ? "any port" : p.endPort !== undefined ? `${p.port}-${p.endPort}` : String(p.port);
    return `${port}/${p.protocol ?? "TCP"}`;
}

function cap(s: string): string {
    return s.charAt(0).toUpperCase() + s.slice(1);
}

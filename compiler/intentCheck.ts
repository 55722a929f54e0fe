/**
 * The proof that the generated policies implement the intent, no more and no less. A synthetic
 * cluster is built from the intent (one pod per app, nginx in tools, CoreDNS in kube-system, and
 * representative addresses outside the cluster); every connection between them on every port the
 * intent mentions (plus ports it does not) is judged twice: by the reachability engine over the
 * policies, and by `expectedHalves`, a second, independent reading of the intent, each half (the
 * source's egress, the destination's ingress) on its own. Any difference is a mismatch naming the
 * pair, the half and the policies involved.
 */
import { NetworkPolicy, Namespace, Protocol } from "../engine/k8s";
import { Party, ReachabilityModel, Verdict, partyName } from "../engine/evaluate";
import { IntentWorld, intentWorld } from "./world";
import { expectedHalves } from "./expected";
import { NetworkIntent } from "./intent";

export type { ExternalParty, IntentWorld } from "./world";
export { intentWorld } from "./world";
export type { Expectation } from "./expected";
export { expectedConnection, expectedHalves } from "./expected";

export interface IntentMismatch {
    readonly kind: "extra" | "missing";
    /** The half of the connection that differs: the source's egress or the destination's ingress. */
    readonly direction: "egress" | "ingress";
    readonly from: string;
    readonly to: string;
    readonly port: number;
    readonly protocol: Protocol;
    /** Policies behind the engine's verdict (those admitting an extra, those isolating a missing one). */
    readonly policies: readonly string[];
    readonly expected: string;
}

export interface IntentCheck {
    readonly world: IntentWorld;
    readonly checked: number;
    readonly verdicts: readonly Verdict[];
    readonly mismatches: readonly IntentMismatch[];
}

/** Judges every connection of the world under `policies` and compares with the intent. */
export function checkIntent(
    intent: NetworkIntent,
    namespaces: readonly Namespace[],
    policies: readonly NetworkPolicy[],
    extra?: Pick<IntentWorld, "externals" | "ports">,
): IntentCheck {
    const world = intentWorld(intent, namespaces, extra);
    const model = new ReachabilityModel({ ...world.snapshot, policies });
    const parties: Party[] = [
        ...world.snapshot.pods.map((pod): Party => ({ kind: "pod", pod })),
        ...world.externals.map((e): Party => ({ kind: "external", ip: e.ip })),
    ];
    const verdicts: Verdict[] = [];
    const mismatches: IntentMismatch[] = [];
    for (const from of parties) {
        for (const to of parties) {
            if (from === to || (from.kind === "external" && to.kind === "external")) continue;
            for (const { protocol, port } of world.ports) {
                const verdict = model.evaluate({ from, to, port, protocol });
                verdicts.push(verdict);
                // Each half on its own: under egress deny an ingress rule that admits too much is
                // hidden end to end by the sources' egress policies, and the reverse.
                const expected = expectedHalves(intent, from, to, port, protocol);
                for (const direction of ["egress", "ingress"] as const) {
                    const half = verdict[direction];
                    if (half.allowed === expected[direction].allowed) continue;
                    mismatches.push({
                        kind: half.allowed ? "extra" : "missing",
                        direction,
                        from: partyName(from),
                        to: partyName(to),
                        port,
                        protocol,
                        policies: unique(half.allowed ? half.allowedBy : half.isolatedBy),
                        expected: expected[direction].because,
                    });
                }
            }
        }
    }
    return { world, checked: verdicts.length, verdicts, mismatches };
}

export function formatMismatch(m: IntentMismatch): string {
    const what = `${m.from} -> ${m.to} on ${m.port}/${m.protocol}`;
    return m.kind === "extra"
        ? `extra ${m.direction}: ${what} is allowed by ${m.policies.join(", ") || "(no isolating policy)"}, but the intent does not allow it (${m.expected})`
        : `missing ${m.direction}: ${what} is denied (isolated by ${m.policies.join(", ")}), but the intent allows it (${m.expected})`;
}

function unique(list: readonly string[]): string[] {
    return [...new Set(list)].sort();
}

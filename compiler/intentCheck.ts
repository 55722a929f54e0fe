/**
 * The proof that the generated policies implement the intent, no more and no less. A synthetic
 * cluster is built from the intent (one pod per app, nginx in tools, CoreDNS in kube-system, and
 * representative addresses outside the cluster); every connection between them on every port the
 * intent mentions (plus ports it does not) is judged twice: by the reachability engine over the
 * policies, and by `expectedConnection`, a second, independent reading of the intent. Any
 * difference is a mismatch naming the pair and the policies involved.
 *
 * `checkIntent` does this in class space so that it scales to a thousand namespaces:
 * - the engine's side is the fast class-based `FullMatrix` (engine/matrix.ts), with the outside
 *   addresses as pods of a namespace that does not exist (no selector can match them, no policy
 *   selects them, ipBlocks match them by address: exactly how the simple evaluator treats them);
 * - the intent's side is still `expectedConnection`, the one source of truth, but it is only asked
 *   about pairs of namespaces the intent could connect at all (`relatedNamespaces`, a coarse
 *   over-approximation); everywhere else the intent denies, so the only possible mismatches there
 *   are connections the engine allows, and those are read off the matrix.
 * `checkIntentPairwise` is the original pair-by-pair check with the simple evaluator; a property
 * test requires both to report identical mismatches on random intents and broken policy sets.
 */
import { blockContainsIp, parseIp, requireCidr } from "../engine/cidr";
import { Connectivity, OUTSIDE, PartyInfo, connectivityOfEdges } from "../engine/connectivity";
import { Party, ReachabilityModel, Verdict, partyName } from "../engine/evaluate";
import { NetworkPolicy, Namespace, Protocol } from "../engine/k8s";
import { FullMatrix } from "../engine/matrix";
import { Pod } from "../engine/snapshot";
import { IntentWorld, intentWorld } from "./world";
import { expectedConnection } from "./expected";
import { NetworkIntent } from "./intent";

export type { ExternalParty, IntentWorld } from "./world";
export { intentWorld } from "./world";
export type { Expectation } from "./expected";
export { expectedConnection } from "./expected";

export interface IntentMismatch {
    readonly kind: "extra" | "missing";
    readonly from: string;
    readonly to: string;
    readonly port: number;
    readonly protocol: Protocol;
    /** Policies behind the engine's verdict (those admitting an extra, those isolating a missing one). */
    readonly policies: readonly string[];
    readonly expected: string;
}

/** What the policies allow between two parties: indices into `parties` and `world.ports`. */
export interface AllowedPair {
    readonly from: number;
    readonly to: number;
    readonly ports: readonly number[];
}

export interface IntentCheck {
    readonly world: IntentWorld;
    /** The world's pods, then its outside addresses: the order of every index here. */
    readonly parties: readonly Party[];
    /** Connections covered: every ordered pair of distinct parties (not both outside) x every port. */
    readonly checked: number;
    /** How many of them the intent was asked about; the rest are denied by `relatedNamespaces`. */
    readonly asked: number;
    /** Ordered pairs the policies connect on at least one port. */
    readonly allowed: readonly AllowedPair[];
    readonly mismatches: readonly IntentMismatch[];
}

/** Pseudo-namespace of the outside addresses in the matrix: not a valid name, so nothing selects it. */
const OUTSIDE_NAMESPACE = "\u0000outside";

/** Judges every connection of the world under `policies`, in class space, and compares with the intent. */
export function checkIntent(
    intent: NetworkIntent,
    namespaces: readonly Namespace[],
    policies: readonly NetworkPolicy[],
    extra?: Pick<IntentWorld, "externals" | "ports">,
): IntentCheck {
    const world = intentWorld(intent, namespaces, extra);
    const parties = partiesOf(world);
    const asPods: Pod[] = parties.map((p) =>
        p.kind === "pod" ? p.pod : { namespace: OUTSIDE_NAMESPACE, name: p.ip, labels: {}, ip: p.ip, ports: [] },
    );
    const matrix = new FullMatrix({ ...world.snapshot, pods: asPods, policies });
    const classOf = asPods.map((p) => matrix.classOf(p).index);
    const partiesOfClass = new Map<number, number[]>();
    classOf.forEach((c, i) => (partiesOfClass.get(c) ?? partiesOfClass.set(c, []).get(c)!).push(i));
    const isExternal = parties.map((p) => p.kind === "external");
    const ports = world.ports.map((p) => ({ port: p.port, protocol: p.protocol }));

    // The engine's side: every allowed (source, destination, port), destination by destination.
    const n = parties.length;
    const allowedPorts = new Map<number, number[]>(); // by from * n + to; ports ascending
    // Pods of a class share the answer: one question per destination class and port.
    for (const [toClass, destinations] of partiesOfClass) {
        ports.forEach((port, k) => {
            for (const sourceClass of matrix.allowedSources(toClass, port)) {
                for (const from of partiesOfClass.get(sourceClass)!) {
                    for (const to of destinations) {
                        if (from === to || (isExternal[from] && isExternal[to])) continue;
                        const key = from * n + to;
                        const list = allowedPorts.get(key);
                        if (list) list.push(k);
                        else allowedPorts.set(key, [k]);
                    }
                }
            }
        });
    }
    const engineAllows = (from: number, to: number, k: number) => allowedPorts.get(from * n + to)?.includes(k) ?? false;

    // The intent's side, on the related pairs only.
    const namespaceOf = parties.map((p) => (p.kind === "pod" ? p.pod.namespace : OUTSIDE));
    const related = relatedNamespaces(intent, world);
    const byNamespace = new Map<string, number[]>();
    namespaceOf.forEach((ns, i) => (byNamespace.get(ns) ?? byNamespace.set(ns, []).get(ns)!).push(i));
    const slices = new IntentSlices(intent);
    const found: { from: number; to: number; k: number }[] = [];
    let asked = 0;
    const visited = new Set<string>();
    for (const [a, b] of related.pairs(byNamespace.keys())) {
        const key = `${a}\u0000${b}`;
        if (visited.has(key)) continue;
        visited.add(key);
        const slice = slices.of(a, b);
        for (const from of byNamespace.get(a)!) {
            for (const to of byNamespace.get(b)!) {
                if (from === to || (isExternal[from] && isExternal[to])) continue;
                ports.forEach(({ port, protocol }, k) => {
                    asked++;
                    const expected = expectedConnection(slice, parties[from]!, parties[to]!, port, protocol).allowed;
                    const engine = engineAllows(from, to, k);
                    if (expected !== engine) found.push({ from, to, k });
                });
            }
        }
    }
    // Everywhere else the intent denies: whatever the engine allows there is an extra connection.
    for (const [key, list] of allowedPorts) {
        const from = Math.floor(key / n);
        const to = key % n;
        if (related.has(namespaceOf[from]!, namespaceOf[to]!)) continue;
        for (const k of list) found.push({ from, to, k });
    }

    found.sort((x, y) => x.from - y.from || x.to - y.to || x.k - y.k);
    let model: ReachabilityModel | undefined;
    const mismatches = found.map(({ from, to, k }) => {
        model ??= new ReachabilityModel({ ...world.snapshot, policies });
        const { port, protocol } = ports[k]!;
        // The simple evaluator and the whole intent explain each mismatch, as the pairwise check does.
        const verdict = model.evaluate({ from: parties[from]!, to: parties[to]!, port, protocol });
        const expected = expectedConnection(intent, parties[from]!, parties[to]!, port, protocol);
        if (expected.allowed === verdict.allowed)
            throw new Error(
                `intent check: the class-space check disagrees with the simple evaluator or the whole intent on ${partyName(parties[from]!)} -> ${partyName(parties[to]!)} on ${port}/${protocol}`,
            );
        return mismatchOf(verdict, expected.because);
    });

    const allowed: AllowedPair[] = [];
    for (const [key, list] of allowedPorts)
        allowed.push({ from: Math.floor(key / n), to: key % n, ports: [...list].sort((x, y) => x - y) });
    allowed.sort((x, y) => x.from - y.from || x.to - y.to);
    const externals = world.externals.length;
    const pairs = n * (n - 1) - externals * (externals - 1);
    return { world, parties, checked: pairs * ports.length, asked, allowed, mismatches };
}

/** What the policies allow in the check's world, as connectivity: parties by app, outside addresses by label. */
export function checkConnectivity(check: IntentCheck, appLabel: string): Connectivity {
    const labels = new Map(check.world.externals.map((e) => [e.ip, e.label]));
    const infos = check.parties.map((p): PartyInfo =>
        p.kind === "pod"
            ? { id: partyName(p), namespace: p.pod.namespace, app: p.pod.labels[appLabel] ?? p.pod.name }
            : { id: p.ip, namespace: OUTSIDE, app: labels.get(p.ip) ?? p.ip },
    );
    const portText = check.world.ports.map((p) => `${p.port}/${p.protocol}`);
    return connectivityOfEdges(
        infos,
        check.allowed.map((a) => ({ from: infos[a.from]!.id, to: infos[a.to]!.id, ports: a.ports.map((k) => portText[k]!) })),
        portText,
        { kind: "all-pairs" },
    );
}

/**
 * The original check: every pair of parties on every port with the simple evaluator, the intent
 * asked every time. The reference `checkIntent` is property-tested against; small worlds only.
 */
export function checkIntentPairwise(
    intent: NetworkIntent,
    namespaces: readonly Namespace[],
    policies: readonly NetworkPolicy[],
    extra?: Pick<IntentWorld, "externals" | "ports">,
): { readonly world: IntentWorld; readonly verdicts: readonly Verdict[]; readonly mismatches: readonly IntentMismatch[] } {
    const world = intentWorld(intent, namespaces, extra);
    const model = new ReachabilityModel({ ...world.snapshot, policies });
    const parties = partiesOf(world);
    const verdicts: Verdict[] = [];
    const mismatches: IntentMismatch[] = [];
    for (const from of parties) {
        for (const to of parties) {
            if (from === to || (from.kind === "external" && to.kind === "external")) continue;
            for (const { protocol, port } of world.ports) {
                const verdict = model.evaluate({ from, to, port, protocol });
                verdicts.push(verdict);
                const expected = expectedConnection(intent, from, to, port, protocol);
                if (expected.allowed !== verdict.allowed) mismatches.push(mismatchOf(verdict, expected.because));
            }
        }
    }
    return { world, verdicts, mismatches };
}

function partiesOf(world: IntentWorld): Party[] {
    return [
        ...world.snapshot.pods.map((pod): Party => ({ kind: "pod", pod })),
        ...world.externals.map((e): Party => ({ kind: "external", ip: e.ip })),
    ];
}

function mismatchOf(verdict: Verdict, because: string): IntentMismatch {
    const halves = [verdict.egress, verdict.ingress];
    return {
        kind: verdict.allowed ? "extra" : "missing",
        from: partyName(verdict.connection.from),
        to: partyName(verdict.connection.to),
        port: verdict.connection.port,
        protocol: verdict.connection.protocol,
        policies: verdict.allowed
            ? unique(halves.flatMap((h) => h.allowedBy))
            : unique(halves.filter((h) => !h.allowed).flatMap((h) => h.isolatedBy)),
        expected: because,
    };
}

/**
 * Which ordered pairs of namespaces (OUTSIDE for addresses outside the cluster) the intent could
 * connect at all. Deliberately coarse, so that it is obviously an over-approximation of
 * `expectedConnection` (compiler/expected.ts): a connection needs its ingress half, and into a
 * pod of a business namespace B from a pod of another business namespace A, the intent admits
 * only a declared flow A -> B, or a CIDR source whose range holds the source's address. So:
 * - a namespace with itself;
 * - any pair where either side is not a business namespace (tools, kube-system, the platform's
 *   namespaces, outside addresses);
 * - two business namespaces linked by a flow, in either direction;
 * - everything, when the range of some CIDR source holds the address of a pod of the world.
 * Every other pair is denied by the intent, whatever the port.
 */
export function relatedNamespaces(
    intent: NetworkIntent,
    world: IntentWorld,
): {
    has(from: string, to: string): boolean;
    pairs(namespaces: Iterable<string>): Iterable<readonly [string, string]>;
} {
    const business = new Set(intent.namespaces.map((n) => n.name));
    const linked = new Set<string>();
    for (const f of intent.flows) {
        linked.add(`${f.from.namespace}\u0000${f.to.namespace}`);
        linked.add(`${f.to.namespace}\u0000${f.from.namespace}`);
    }
    const podIps = world.snapshot.pods.map((p) => parseIp(p.ip)!);
    const addressRuleMayAdmitPods = intent.cidrSources.some((s) =>
        s.cidrs.some((c) => podIps.some((ip) => blockContainsIp(requireCidr(c.cidr), ip))),
    );
    const has = (from: string, to: string) =>
        addressRuleMayAdmitPods || from === to || !business.has(from) || !business.has(to) || linked.has(`${from}\u0000${to}`);
    return {
        has,
        *pairs(namespaces: Iterable<string>) {
            const all = [...namespaces];
            if (addressRuleMayAdmitPods) {
                for (const a of all) for (const b of all) yield [a, b] as const;
                return;
            }
            const present = new Set(all);
            for (const a of all) {
                yield [a, a] as const;
                if (!business.has(a))
                    for (const b of all) {
                        if (b === a) continue;
                        yield [a, b] as const;
                        yield [b, a] as const;
                    }
            }
            for (const key of linked) {
                const [a, b] = key.split("\u0000") as [string, string];
                if (a !== b && present.has(a) && present.has(b)) yield [a, b] as const;
            }
        },
    };
}

/**
 * The part of the intent that can matter for parties of two namespaces: `expectedConnection`
 * looks namespaces up by name, flows by their ends' namespaces and CIDR sources by their
 * destination's namespace, so for parties of `a` and `b` (and the platform, and outside) the
 * rest of those lists never decides anything; every other field is kept whole. It keeps each
 * question about a thousand namespaces from scanning all of them. Each mismatch is re-asked of
 * the whole intent, and the property test compares with the pairwise check on whole intents.
 */
class IntentSlices {
    private readonly cache = new Map<string, NetworkIntent>();
    private readonly flowsOf = new Map<string, number[]>();
    private readonly sourcesOf = new Map<string, number[]>();

    constructor(private readonly intent: NetworkIntent) {
        const add = (map: Map<string, number[]>, key: string, i: number) => {
            const list = map.get(key) ?? [];
            if (list[list.length - 1] !== i) list.push(i);
            map.set(key, list);
        };
        intent.flows.forEach((f, i) => {
            add(this.flowsOf, f.from.namespace, i);
            add(this.flowsOf, f.to.namespace, i);
        });
        intent.cidrSources.forEach((s, i) => add(this.sourcesOf, s.to.namespace, i));
    }

    of(a: string, b: string): NetworkIntent {
        const key = a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
        let slice = this.cache.get(key);
        if (!slice) {
            const names = new Set([a, b]);
            const pick = (map: Map<string, number[]>) => [...new Set([...(map.get(a) ?? []), ...(map.get(b) ?? [])])].sort((x, y) => x - y);
            slice = {
                ...this.intent,
                namespaces: this.intent.namespaces.filter((ns) => names.has(ns.name)),
                flows: pick(this.flowsOf).map((i) => this.intent.flows[i]!),
                cidrSources: pick(this.sourcesOf).map((i) => this.intent.cidrSources[i]!),
            };
            this.cache.set(key, slice);
        }
        return slice;
    }
}

/** Mismatches grouped by kind, namespace pair and policies, with a count and the first few. */
export interface MismatchGroup {
    readonly kind: IntentMismatch["kind"];
    readonly from: string;
    readonly to: string;
    readonly policies: readonly string[];
    readonly count: number;
    readonly examples: readonly IntentMismatch[];
}

export function groupMismatches(mismatches: readonly IntentMismatch[], examples = 3): MismatchGroup[] {
    const groups = new Map<
        string,
        { kind: IntentMismatch["kind"]; from: string; to: string; policies: readonly string[]; list: IntentMismatch[] }
    >();
    const namespace = (party: string) => (party.includes("/") ? party.slice(0, party.indexOf("/")) : OUTSIDE);
    for (const m of mismatches) {
        const from = namespace(m.from);
        const to = namespace(m.to);
        const key = [m.kind, from, to, ...m.policies].join("\u0000");
        const g = groups.get(key) ?? { kind: m.kind, from, to, policies: m.policies, list: [] };
        g.list.push(m);
        groups.set(key, g);
    }
    return [...groups.values()].map((g) => ({
        kind: g.kind,
        from: g.from,
        to: g.to,
        policies: g.policies,
        count: g.list.length,
        examples: g.list.slice(0, examples),
    }));
}

export function formatMismatchGroup(g: MismatchGroup): string[] {
    const what = g.kind === "extra" ? "extra (allowed, but not in the intent)" : "missing (in the intent, but denied)";
    const by = g.policies.length > 0 ? g.policies.join(", ") : "(no isolating policy)";
    return [
        `${g.from} -> ${g.to}: ${g.count} ${what}; ${g.kind === "extra" ? "allowed by" : "isolated by"} ${by}`,
        ...g.examples.map((m) => `    e.g. ${formatMismatch(m)}`),
    ];
}

export function formatMismatch(m: IntentMismatch): string {
    const what = `${m.from} -> ${m.to} on ${m.port}/${m.protocol}`;
    return m.kind === "extra"
        ? `extra: ${what} is allowed by ${m.policies.join(", ") || "(no isolating policy)"}, but the intent does not allow it (${m.expected})`
        : `missing: ${what} is denied (isolated by ${m.policies.join(", ")}), but the intent allows it (${m.expected})`;
}

function unique(list: readonly string[]): string[] {
    return [...new Set(list)].sort();
}

/**
 * The proof that the generated policies implement the intent, no more and no less. A synthetic
 * cluster is built from the intent (one pod per app, nginx in tools, CoreDNS in kube-system, and
 * representative addresses outside the cluster); every connection between them on every port the
 * intent mentions (plus ports it does not) is judged twice, each half (the source's egress, the
 * destination's ingress) on its own: by the reachability engine over the policies, and by
 * `expectedHalves`, a second, independent reading of the intent. Halves, because under egress
 * deny an ingress rule that admits too much is hidden end to end by the sources' egress policies,
 * and the reverse. Any difference is a mismatch naming the pair, the half and the policies.
 *
 * `checkIntent` does this in class space so that it scales to a thousand namespaces:
 * - the engine's side is the fast class-based `FullMatrix` (engine/matrix.ts), with the outside
 *   addresses as pods of a namespace that does not exist (no selector can match them, no policy
 *   selects them, ipBlocks match them by address: exactly how the simple evaluator treats them);
 *   a half is judged as the whole connection under the policies of that direction alone (the
 *   other direction is then open everywhere);
 * - the intent's side is still `expectedHalves`, the one source of truth, but it is only asked
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
import { Expectation, expectedHalves } from "./expected";
import { NetworkIntent, POD_IDENTITY_AGENT } from "./intent";

export type { ExternalParty, IntentWorld } from "./world";
export { intentWorld } from "./world";
export type { Expectation } from "./expected";
export { expectedConnection, expectedHalves } from "./expected";

/** A half of a connection: the source's egress or the destination's ingress. */
export type Direction = "egress" | "ingress";
const DIRECTIONS: readonly Direction[] = ["egress", "ingress"];

export interface IntentMismatch {
    readonly kind: "extra" | "missing";
    /** The half of the connection that differs. */
    readonly direction: Direction;
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
    const isExternal = parties.map((p) => p.kind === "external");
    const ports = world.ports.map((p) => ({ port: p.port, protocol: p.protocol }));
    const n = parties.length;
    const namespaceOf = parties.map((p) => (p.kind === "pod" ? p.pod.namespace : OUTSIDE));
    const related = relatedNamespaces(intent, world);
    const byNamespace = new Map<string, number[]>();
    namespaceOf.forEach((ns, i) => (byNamespace.get(ns) ?? byNamespace.set(ns, []).get(ns)!).push(i));
    const slices = new IntentSlices(intent);

    // Each half: the engine under that direction's policies alone, against the intent's reading of that half.
    const halfAllowed = new Map(DIRECTIONS.map((d) => [d, allowedByMatrix(world, asPods, onlyDirection(policies, d), ports, isExternal)]));
    const engineAllows = (direction: Direction, from: number, to: number, k: number) =>
        halfAllowed
            .get(direction)!
            .get(from * n + to)
            ?.includes(k) ?? false;
    // What the whole policy set allows, for the connectivity views: both halves.
    const allowedPorts = new Map<number, number[]>();
    for (const [key, list] of halfAllowed.get("egress")!) {
        const ingress = halfAllowed.get("ingress")!.get(key);
        const both = ingress ? list.filter((k) => ingress.includes(k)) : [];
        if (both.length > 0) allowedPorts.set(key, both);
    }
    // Outside addresses in the same declared ranges get the same answer from the intent: ask once.
    const asked$ = { count: 0 };
    const askKey = addressSignatures(intent, parties);
    const found: { from: number; to: number; k: number; direction: Direction }[] = [];
    const visited = new Set<string>();
    for (const [a, b] of related.pairs(byNamespace.keys())) {
        const key = `${a}\u0000${b}`;
        if (visited.has(key)) continue;
        visited.add(key);
        const slice = slices.of(a, b);
        const answers = new Map<number, ReturnType<typeof expectedHalves>>();
        for (const from of byNamespace.get(a)!) {
            for (const to of byNamespace.get(b)!) {
                if (from === to || (isExternal[from] && isExternal[to])) continue;
                ports.forEach(({ port, protocol }, k) => {
                    const question = (askKey[from]! * n + askKey[to]!) * ports.length + k;
                    let expected = answers.get(question);
                    if (!expected) {
                        asked$.count++;
                        expected = expectedHalves(slice, parties[from]!, parties[to]!, port, protocol);
                        answers.set(question, expected);
                    }
                    for (const direction of DIRECTIONS)
                        if (expected[direction].allowed !== engineAllows(direction, from, to, k)) found.push({ from, to, k, direction });
                });
            }
        }
    }
    for (const direction of DIRECTIONS) {
        // Everywhere else (two business namespaces that nothing links) the intent denies ingress,
        // and egress too where egress is denied: whatever the engine allows there is extra. Where
        // egress is open the intent allows every egress half: what the engine denies is missing
        // (nothing, unless some policy isolates egress).
        const egressOpen = direction === "egress" && !intent.defaultDenyEgress;
        if (!egressOpen) {
            for (const [key, list] of halfAllowed.get(direction)!) {
                const from = Math.floor(key / n);
                const to = key % n;
                if (related.has(namespaceOf[from]!, namespaceOf[to]!)) continue;
                for (const k of list) found.push({ from, to, k, direction });
            }
        } else if (onlyDirection(policies, "egress").length > 0) {
            for (const [a, froms] of byNamespace)
                for (const [b, tos] of byNamespace) {
                    if (related.has(a, b)) continue;
                    for (const from of froms)
                        for (const to of tos)
                            ports.forEach((_, k) => engineAllows(direction, from, to, k) || found.push({ from, to, k, direction }));
                }
        }
    }

    found.sort(
        (x, y) => x.from - y.from || x.to - y.to || x.k - y.k || (x.direction < y.direction ? -1 : x.direction > y.direction ? 1 : 0),
    );
    let model: ReachabilityModel | undefined;
    const mismatches = found.map(({ from, to, k, direction }) => {
        model ??= new ReachabilityModel({ ...world.snapshot, policies });
        const { port, protocol } = ports[k]!;
        // The simple evaluator and the whole intent explain each mismatch, as the pairwise check does.
        const verdict = model.evaluate({ from: parties[from]!, to: parties[to]!, port, protocol });
        const expected = expectedHalves(intent, parties[from]!, parties[to]!, port, protocol)[direction];
        if (expected.allowed === verdict[direction].allowed)
            throw new Error(
                `intent check: the class-space check disagrees with the simple evaluator or the whole intent on the ${direction} of ${partyName(parties[from]!)} -> ${partyName(parties[to]!)} on ${port}/${protocol}`,
            );
        return mismatchOf(verdict, direction, expected);
    });

    const allowed: AllowedPair[] = [];
    for (const [key, list] of allowedPorts)
        allowed.push({ from: Math.floor(key / n), to: key % n, ports: [...list].sort((x, y) => x - y) });
    allowed.sort((x, y) => x.from - y.from || x.to - y.to);
    const externals = world.externals.length;
    const pairs = n * (n - 1) - externals * (externals - 1);
    return { world, parties, checked: pairs * ports.length, asked: asked$.count, allowed, mismatches };
}

/**
 * What the intent can tell of a party, as a party index: a pod is itself; an outside address
 * stands for every outside address in the same set of ranges the intent names (every address rule's ranges and excepts, the control plane, the
 * STS and Pod Identity addresses), which is all `expectedHalves` reads of an address.
 */
function addressSignatures(intent: NetworkIntent, parties: readonly Party[]): number[] {
    const ranges = [
        ...[intent.gatewayClients, ...intent.cidrSources, ...intent.egressDestinations].flatMap((r) =>
            r.cidrs.flatMap((c) => [c.cidr, ...c.except]),
        ),
        ...intent.addresses.controlPlaneCidrs,
        ...intent.podCredentials.stsCidrs,
        POD_IDENTITY_AGENT.cidr,
    ].map((c) => requireCidr(c));
    // Each party's index, or the index of the first outside address with the same ranges.
    const first = new Map<string, number>();
    return parties.map((p, i) => {
        if (p.kind === "pod") return i;
        const ip = parseIp(p.ip)!;
        const signature = ranges.map((r) => (blockContainsIp(r, ip) ? "1" : "0")).join("");
        if (!first.has(signature)) first.set(signature, i);
        return first.get(signature)!;
    });
}

/** Every allowed (source, destination, port) of the matrix over `policies`, by `from * n + to`; ports ascending. */
function allowedByMatrix(
    world: IntentWorld,
    asPods: readonly Pod[],
    policies: readonly NetworkPolicy[],
    ports: readonly { port: number; protocol: Protocol }[],
    isExternal: readonly boolean[],
): Map<number, number[]> {
    const matrix = new FullMatrix({ ...world.snapshot, pods: [...asPods], policies });
    const partiesOfClass = new Map<number, number[]>();
    asPods.forEach((p, i) => {
        const c = matrix.classOf(p).index;
        (partiesOfClass.get(c) ?? partiesOfClass.set(c, []).get(c)!).push(i);
    });
    const n = asPods.length;
    const allowed = new Map<number, number[]>();
    const add = (from: number, to: number, k: number) => {
        if (from === to || (isExternal[from] && isExternal[to])) return;
        const key = from * n + to;
        const list = allowed.get(key);
        if (list) list.push(k);
        else allowed.set(key, [k]);
    };
    // Pods of a class share the answer: one question per class and port, asked from the side
    // that selects (egress policies alone: the sources; otherwise the destinations).
    const fromSources = policies.every((p) => !(p.spec.policyTypes ?? []).includes("Ingress"));
    ports.forEach((port, k) => {
        for (const [classIndex, members] of partiesOfClass) {
            const others = fromSources ? matrix.allowedDestinations(classIndex, port) : matrix.allowedSources(classIndex, port);
            for (const otherClass of others)
                for (const other of partiesOfClass.get(otherClass) ?? [])
                    for (const member of members) {
                        if (fromSources) add(member, other, k);
                        else add(other, member, k);
                    }
        }
    });
    return allowed;
}

/**
 * The policies of one direction alone: the other direction's rules and policy types removed, and a
 * policy of the other direction only dropped (a policy left with no types would isolate ingress).
 * Under them every connection's other half is open, so the matrix judges exactly this half.
 */
export function onlyDirection(policies: readonly NetworkPolicy[], direction: Direction): NetworkPolicy[] {
    const type = direction === "egress" ? "Egress" : "Ingress";
    return policies.flatMap((p) => {
        const types = p.spec.policyTypes ?? (p.spec.egress ? ["Ingress", "Egress"] : ["Ingress"]);
        if (!types.includes(type)) return [];
        const spec = { podSelector: p.spec.podSelector, policyTypes: [type] as NetworkPolicy["spec"]["policyTypes"] };
        return [
            {
                ...p,
                spec:
                    direction === "egress"
                        ? { ...spec, ...(p.spec.egress ? { egress: p.spec.egress } : {}) }
                        : { ...spec, ...(p.spec.ingress ? { ingress: p.spec.ingress } : {}) },
            },
        ];
    });
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
                const expected = expectedHalves(intent, from, to, port, protocol);
                for (const direction of DIRECTIONS)
                    if (expected[direction].allowed !== verdict[direction].allowed)
                        mismatches.push(mismatchOf(verdict, direction, expected[direction]));
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

function mismatchOf(verdict: Verdict, direction: Direction, expected: Expectation): IntentMismatch {
    const half = verdict[direction];
    return {
        kind: half.allowed ? "extra" : "missing",
        direction,
        from: partyName(verdict.connection.from),
        to: partyName(verdict.connection.to),
        port: verdict.connection.port,
        protocol: verdict.connection.protocol,
        policies: unique(half.allowed ? half.allowedBy : half.isolatedBy),
        expected: expected.because,
    };
}

/**
 * Which ordered pairs of namespaces (OUTSIDE for addresses outside the cluster) the intent could
 * connect at all. Deliberately coarse, so that it is obviously an over-approximation of
 * `expectedConnection` (compiler/expected.ts): a connection needs its ingress half, and into a
 * pod of a business namespace B from a pod of another business namespace A, the intent admits
 * only a declared flow A -> B, or a CIDR source whose range holds the source's address; and out of
 * A to a pod of B only a declared flow, or an egress destination whose range holds B's pods. So:
 * - a namespace with itself;
 * - any pair where either side is not a business namespace (tools, kube-system, the platform's
 *   namespaces, outside addresses);
 * - two business namespaces linked by a flow, in either direction;
 * - everything, when the range of some CIDR source or egress destination that includes pods
 *   holds the address of a pod of the world.
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
    // Only a rule that says `includesPods` admits pods (compiler/expected.ts, addressAdmits).
    const addressRuleMayAdmitPods = [...intent.cidrSources, ...intent.egressDestinations].some(
        (s) => s.includesPods && s.cidrs.some((c) => podIps.some((ip) => blockContainsIp(requireCidr(c.cidr), ip))),
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
    readonly direction: Direction;
    readonly from: string;
    readonly to: string;
    readonly policies: readonly string[];
    readonly count: number;
    readonly examples: readonly IntentMismatch[];
}

export function groupMismatches(mismatches: readonly IntentMismatch[], examples = 3): MismatchGroup[] {
    const groups = new Map<
        string,
        {
            kind: IntentMismatch["kind"];
            direction: Direction;
            from: string;
            to: string;
            policies: readonly string[];
            list: IntentMismatch[];
        }
    >();
    const namespace = (party: string) => (party.includes("/") ? party.slice(0, party.indexOf("/")) : OUTSIDE);
    for (const m of mismatches) {
        const from = namespace(m.from);
        const to = namespace(m.to);
        const key = [m.kind, m.direction, from, to, ...m.policies].join("\u0000");
        const g = groups.get(key) ?? { kind: m.kind, direction: m.direction, from, to, policies: m.policies, list: [] };
        g.list.push(m);
        groups.set(key, g);
    }
    return [...groups.values()].map((g) => ({
        kind: g.kind,
        direction: g.direction,
        from: g.from,
        to: g.to,
        policies: g.policies,
        count: g.list.length,
        examples: g.list.slice(0, examples),
    }));
}

export function formatMismatchGroup(g: MismatchGroup): string[] {
    const what = `${g.kind} ${g.direction}${g.kind === "extra" ? " (allowed, but not in the intent)" : " (in the intent, but denied)"}`;
    const by = g.policies.length > 0 ? g.policies.join(", ") : "(no isolating policy)";
    return [
        `${g.from} -> ${g.to}: ${g.count} ${what}; ${g.kind === "extra" ? "allowed by" : "isolated by"} ${by}`,
        ...g.examples.map((m) => `    e.g. ${formatMismatch(m)}`),
    ];
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

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
 *   other direction is then open everywhere); a party no policy of that direction selects (an
 *   outside address, always) is a flag, not a list of every pair it is in;
 * - the intent's side is still `expectedHalves`, the one source of truth, but it is only asked
 *   about pairs of namespaces the intent could connect at all (`relatedNamespaces`, a coarse
 *   over-approximation), and once per pair of intent classes (`intentClasses`: parties it reads
 *   alike, such as the api pods of a thousand namespaces of one shape) and port; everywhere else
 *   the intent denies, so the only possible mismatches there are connections the engine allows,
 *   and those are read off the matrix.
 * `checkIntentPairwise` is the original pair-by-pair check with the simple evaluator; a property
 * test requires both to report identical mismatches on random intents and broken policy sets.
 */
import { blockContainsIp, parseIp, requireCidr } from "../engine/cidr";
import { Connectivity, OUTSIDE, PartyInfo, connectivityOfEdges } from "../engine/connectivity";
import { Party, ReachabilityModel, Verdict, partyName } from "../engine/evaluate";
import { NetworkPolicy, Namespace, Protocol } from "../engine/k8s";
import { FullMatrix } from "../engine/matrix";
import { PortClass, formatPortClass } from "../engine/ports";
import { Pod } from "../engine/snapshot";
import { IntentWorld, declaredRangesAndExcepts, intentWorld } from "./world";
import { Expectation, expectedHalves, platformWorkloadOf } from "./expected";
import { ALL_APPS, AddressRule, AppRef, CLUSTER_DNS, NetworkIntent, POD_IDENTITY_AGENT, WEB_APP } from "./intent";

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
    /** The ports `port` stands for, every one judged alike by the policies and the intent (`8000-8079, 8081-9000/TCP`). */
    readonly portRange: string;
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
    /** How many questions the intent was asked (one per pair of intent classes, relation and port); the rest are answered by those or denied by `relatedNamespaces`. */
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
    const world = intentWorld(intent, namespaces, extra, policies);
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
    const egressHalf = allowedByMatrix(world, asPods, onlyDirection(policies, "egress"), ports, isExternal);
    const ingressHalf = allowedByMatrix(world, asPods, onlyDirection(policies, "ingress"), ports, isExternal);
    const everyPort = ports.map((_, k) => k);
    /** The ports (ascending indices) on which the engine allows one half of from -> to; undefined for none. */
    const engineHalf = (direction: Direction, from: number, to: number): readonly number[] | undefined =>
        direction === "egress"
            ? egressHalf.open[from]
                ? everyPort
                : egressHalf.ports.get(from * n + to)
            : ingressHalf.open[to]
              ? everyPort
              : ingressHalf.ports.get(from * n + to);
    // What the whole policy set allows, for the connectivity views: both halves.
    const allowedPorts = new Map<number, readonly number[]>();
    const consider = (from: number, to: number) => {
        if (from === to || (isExternal[from] && isExternal[to]) || allowedPorts.has(from * n + to)) return;
        const egress = engineHalf("egress", from, to);
        const ingress = engineHalf("ingress", from, to);
        if (!egress || !ingress) return;
        const both = egress === everyPort ? ingress : ingress === everyPort ? egress : egress.filter((k) => ingress.includes(k));
        if (both.length > 0) allowedPorts.set(from * n + to, both);
    };
    for (const key of egressHalf.ports.keys()) consider(Math.floor(key / n), key % n);
    for (const key of ingressHalf.ports.keys()) if (egressHalf.open[Math.floor(key / n)]) consider(Math.floor(key / n), key % n);
    const openSources = parties.flatMap((_, i) => (egressHalf.open[i] ? [i] : []));
    const openDestinations = parties.flatMap((_, i) => (ingressHalf.open[i] ? [i] : []));
    for (const from of openSources) for (const to of openDestinations) consider(from, to);
    // Parties the intent cannot tell apart share its answers: ask once per class pair and port.
    const classOf = intentClasses(intent, parties);
    const classes = classOf.reduce((most, c) => Math.max(most, c), 0) + 1;
    const relations = new FlowRelations(intent);
    const answers = new Map<number, Uint8Array>();
    let asked = 0;
    const found: { from: number; to: number; k: number; direction: Direction }[] = [];
    const visited = new Set<string>();
    for (const [a, b] of related.pairs(byNamespace.keys())) {
        const key = `${a}\u0000${b}`;
        if (visited.has(key)) continue;
        visited.add(key);
        const slice = slices.of(a, b);
        const relation = relations.of(a, b);
        for (const from of byNamespace.get(a)!) {
            for (const to of byNamespace.get(b)!) {
                if (from === to || (isExternal[from] && isExternal[to])) continue;
                const question = (classOf[from]! * classes + classOf[to]!) * relations.count + relation;
                let expected = answers.get(question);
                if (!expected) {
                    // Per port: 1 where the intent allows the egress half, 2 where it allows the ingress half.
                    expected = new Uint8Array(ports.length);
                    ports.forEach(({ port, protocol }, k) => {
                        const halves = expectedHalves(slice, parties[from]!, parties[to]!, port, protocol);
                        expected![k] = (halves.egress.allowed ? 1 : 0) | (halves.ingress.allowed ? 2 : 0);
                    });
                    asked += ports.length;
                    answers.set(question, expected);
                }
                compareHalf(expected, 1, engineHalf("egress", from, to), found, from, to, "egress");
                compareHalf(expected, 2, engineHalf("ingress", from, to), found, from, to, "ingress");
            }
        }
    }
    for (const direction of DIRECTIONS) {
        // Everywhere else (two business namespaces that nothing links) the intent denies ingress,
        // and egress too where egress is denied: whatever the engine allows there is extra. Where
        // egress is open the intent allows every egress half: what the engine denies is missing
        // (nothing, unless some policy isolates egress).
        const egressOpen = direction === "egress" && !intent.defaultDenyEgress;
        const half = direction === "egress" ? egressHalf : ingressHalf;
        if (!egressOpen) {
            for (const [key, list] of half.ports) {
                const from = Math.floor(key / n);
                const to = key % n;
                if (related.has(namespaceOf[from]!, namespaceOf[to]!)) continue;
                for (const k of list) found.push({ from, to, k, direction });
            }
            // A party no policy of this direction selects has this half open to and from everyone.
            for (const party of direction === "egress" ? openSources : openDestinations)
                for (const [other, members] of byNamespace) {
                    const [a, b] = direction === "egress" ? [namespaceOf[party]!, other] : [other, namespaceOf[party]!];
                    if (related.has(a, b)) continue;
                    for (const member of members) {
                        const [from, to] = direction === "egress" ? [party, member] : [member, party];
                        if (from !== to && !(isExternal[from] && isExternal[to]))
                            for (const k of everyPort) found.push({ from, to, k, direction });
                    }
                }
        } else if (onlyDirection(policies, "egress").length > 0) {
            const everyPortAllowed = new Uint8Array(ports.length).fill(1);
            for (const [a, froms] of byNamespace)
                for (const from of froms) {
                    if (half.open[from]) continue;
                    for (const [b, tos] of byNamespace) {
                        if (related.has(a, b)) continue;
                        for (const to of tos) compareHalf(everyPortAllowed, 1, half.ports.get(from * n + to), found, from, to, direction);
                    }
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
        return mismatchOf(verdict, direction, expected, world.portClasses[k]!);
    });

    const allowed: AllowedPair[] = [];
    for (const [key, list] of allowedPorts)
        allowed.push({ from: Math.floor(key / n), to: key % n, ports: [...list].sort((x, y) => x - y) });
    allowed.sort((x, y) => x.from - y.from || x.to - y.to);
    const externals = world.externals.length;
    const pairs = n * (n - 1) - externals * (externals - 1);
    return { world, parties, checked: pairs * ports.length, asked, allowed, mismatches };
}

/** Adds to `found` each port where the engine's half (`allowed`, ascending port indices) differs from the intent's `bit`. */
function compareHalf(
    expected: Uint8Array,
    bit: number,
    allowed: readonly number[] | undefined,
    found: { from: number; to: number; k: number; direction: Direction }[],
    from: number,
    to: number,
    direction: Direction,
): void {
    let next = 0;
    for (let k = 0; k < expected.length; k++) {
        const engine = allowed !== undefined && allowed[next] === k;
        if (engine) next++;
        if (engine !== ((expected[k]! & bit) !== 0)) found.push({ from, to, k, direction });
    }
}

/**
 * The parties `expectedHalves` (compiler/expected.ts) cannot tell apart, as class numbers: two
 * parties of one class get the same answer against any third party, in the same relation to it
 * (same namespace or not, and the flows between the two namespaces, FlowRelations). That holds
 * because the class holds everything the intent reads of a party:
 * - an outside address: which of the intent's ranges hold it (every address rule's ranges and
 *   excepts, the control plane, STS and the Pod Identity agent);
 * - a pod of a business namespace: the same of its address (rules that include pods), its app,
 *   whether it is the namespace's web app, the namespace's web ports, its container ports
 *   (named ports), the platform workload it is (none, normally), the egress grants and CIDR
 *   sources that name its app (ns/app or ns/*);
 * - any other pod (tools, kube-system) is a class of its own.
 * Thousands of namespaces of the same shape then ask the intent a few thousand questions, not
 * millions. The property test compares the result with the pair-by-pair check.
 */
function intentClasses(intent: NetworkIntent, parties: readonly Party[]): number[] {
    const ranges = [...declaredRangesAndExcepts(intent), requireCidr(POD_IDENTITY_AGENT.cidr)];
    const rangesHolding = (ip: string) => {
        const address = parseIp(ip)!;
        return ranges.map((r) => (blockContainsIp(r, address) ? "1" : "0")).join("");
    };
    const business = new Map(intent.namespaces.map((ns) => [ns.name, ns]));
    const signatures = new Map<string, number>();
    return parties.map((p, i) => {
        let signature: string;
        if (p.kind === "external") signature = `outside ${rangesHolding(p.ip)}`;
        else {
            const pod = p.pod;
            const ns = business.get(pod.namespace);
            if (!ns || pod.namespace === intent.toolsNamespace || pod.namespace === CLUSTER_DNS.namespace) signature = `party ${i}`;
            else {
                const app = pod.labels[intent.appLabel];
                const names = (ref: AppRef) => ref.namespace === pod.namespace && (ref.app === ALL_APPS || ref.app === app);
                signature = JSON.stringify([
                    rangesHolding(pod.ip),
                    app ?? null,
                    ns.apps.includes(WEB_APP) && app === WEB_APP,
                    // Read for web pods, and for any pod a platform connection reaches on its namespace's web ports.
                    ns.webPorts,
                    pod.ports,
                    platformWorkloadOf(intent, pod)?.name ?? null,
                    intent.egress.filter((g) => names(g.from)).map((g) => g.to),
                    intent.cidrSources.flatMap((s, k) => (names(s.to) ? [k] : [])),
                ]);
            }
        }
        const known = signatures.get(signature);
        if (known !== undefined) return known;
        signatures.set(signature, signatures.size);
        return signatures.size - 1;
    });
}

/**
 * How two namespaces relate in the intent, as a number: 0 for one namespace with itself, and
 * otherwise one number per distinct list of flows from the first to the second (their apps and
 * ports; the namespaces' names do not matter to `expectedHalves`, only that the flow joins them).
 */
class FlowRelations {
    private readonly numbers = new Map<string, number>([
        ["same", 0],
        ["[]", 1],
    ]);
    private readonly flowsBetween = new Map<string, NetworkIntent["flows"][number][]>();

    constructor(intent: NetworkIntent) {
        for (const f of intent.flows) {
            if (f.from.namespace === f.to.namespace) continue;
            const key = `${f.from.namespace}\u0000${f.to.namespace}`;
            (this.flowsBetween.get(key) ?? this.flowsBetween.set(key, []).get(key)!).push(f);
        }
    }

    /** More than any number `of` returns: "same", "no flows", and at most one more per pair of namespaces with flows. */
    get count(): number {
        return 2 + this.flowsBetween.size;
    }

    of(from: string, to: string): number {
        if (from === to) return 0;
        const flows = this.flowsBetween.get(`${from}\u0000${to}`) ?? [];
        const shape = JSON.stringify(flows.map((f) => [f.from.app, f.to.app, f.ports]));
        const known = this.numbers.get(shape);
        if (known !== undefined) return known;
        this.numbers.set(shape, this.numbers.size);
        return this.numbers.size - 1;
    }
}

/** What one direction's policies allow (`allowedByMatrix`). */
interface HalfAllowed {
    /**
     * Per party: no policy of the direction selects it (a source for egress, a destination for
     * ingress), so the half is allowed on every port whatever the other end. Outside addresses
     * always are; listing them pair by pair would be most of a thousand namespaces' allowed pairs.
     */
    readonly open: readonly boolean[];
    /** The allowed ports (ascending indices) of every other pair, by `from * n + to`. */
    readonly ports: ReadonlyMap<number, readonly number[]>;
}

/** What the matrix over one direction's `policies` allows: the open parties, and every allowed (source, destination, port) of the rest. */
function allowedByMatrix(
    world: IntentWorld,
    asPods: readonly Pod[],
    policies: readonly NetworkPolicy[],
    ports: readonly { port: number; protocol: Protocol }[],
    isExternal: readonly boolean[],
): HalfAllowed {
    const matrix = new FullMatrix({ ...world.snapshot, pods: [...asPods], policies });
    const partiesOfClass = new Map<number, number[]>();
    asPods.forEach((p, i) => {
        const c = matrix.classOf(p).index;
        (partiesOfClass.get(c) ?? partiesOfClass.set(c, []).get(c)!).push(i);
    });
    const n = asPods.length;
    // Pods of a class share the answer: one question per class and port, asked from the side
    // that selects (egress policies alone: the sources; otherwise the destinations).
    const fromSources = policies.every((p) => !(p.spec.policyTypes ?? []).includes("Ingress"));
    const open = asPods.map(() => false);
    const selecting: [number, number[]][] = [];
    for (const [classIndex, members] of partiesOfClass) {
        if (matrix.isolated(classIndex, fromSources ? "Egress" : "Ingress")) selecting.push([classIndex, members]);
        else for (const member of members) open[member] = true;
    }
    const allowed = new Map<number, number[]>();
    ports.forEach((port, k) => {
        for (const [classIndex, members] of selecting) {
            const others = fromSources ? matrix.allowedDestinations(classIndex, port) : matrix.allowedSources(classIndex, port);
            for (const otherClass of others)
                for (const other of partiesOfClass.get(otherClass) ?? [])
                    for (const member of members) {
                        const [from, to] = fromSources ? [member, other] : [other, member];
                        if (from === to || (isExternal[from] && isExternal[to])) continue;
                        const list = allowed.get(from * n + to);
                        if (list) list.push(k);
                        else allowed.set(from * n + to, [k]);
                    }
        }
    });
    return { open, ports: allowed };
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
    const world = intentWorld(intent, namespaces, extra, policies);
    const model = new ReachabilityModel({ ...world.snapshot, policies });
    const parties = partiesOf(world);
    const verdicts: Verdict[] = [];
    const mismatches: IntentMismatch[] = [];
    for (const from of parties) {
        for (const to of parties) {
            if (from === to || (from.kind === "external" && to.kind === "external")) continue;
            world.ports.forEach(({ protocol, port }, k) => {
                const verdict = model.evaluate({ from, to, port, protocol });
                verdicts.push(verdict);
                const expected = expectedHalves(intent, from, to, port, protocol);
                for (const direction of DIRECTIONS)
                    if (expected[direction].allowed !== verdict[direction].allowed)
                        mismatches.push(mismatchOf(verdict, direction, expected[direction], world.portClasses[k]!));
            });
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

function mismatchOf(verdict: Verdict, direction: Direction, expected: Expectation, ports: PortClass): IntentMismatch {
    const half = verdict[direction];
    return {
        kind: half.allowed ? "extra" : "missing",
        direction,
        from: partyName(verdict.connection.from),
        to: partyName(verdict.connection.to),
        port: verdict.connection.port,
        protocol: verdict.connection.protocol,
        portRange: formatPortClass(ports),
        policies: unique(half.allowed ? half.allowedBy : half.isolatedBy),
        expected: expected.because,
    };
}

/**
 * Which ordered pairs of namespaces (OUTSIDE for addresses outside the cluster) the intent could
 * connect at all, in either half. Deliberately coarse, so that it is obviously an
 * over-approximation of `expectedHalves` (compiler/expected.ts): into a pod of a business
 * namespace B from a pod of another business namespace A, the intent admits only a declared flow
 * A -> B, or a CIDR source into B that includes pods and whose range holds the source's address;
 * and out of A to a pod of B only a declared flow, or an egress grant of A to a destination that
 * includes pods and whose range holds B's pods. So:
 * - a namespace with itself;
 * - any pair where either side is not a business namespace (tools, kube-system, the platform's
 *   namespaces, outside addresses);
 * - two business namespaces linked by a flow, in either direction;
 * - every namespace into B, when a CIDR source into B includes pods and its range holds a pod
 *   of the world; A to every namespace, when A has an egress grant to a destination that
 *   includes pods and whose range holds a pod of the world.
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
    const mayAdmitPods = (rule: AddressRule) =>
        rule.includesPods && rule.cidrs.some((c) => podIps.some((ip) => blockContainsIp(requireCidr(c.cidr), ip)));
    const intoFromAny = new Set(intent.cidrSources.filter(mayAdmitPods).map((s) => s.to.namespace));
    const podDestinations = new Set(intent.egressDestinations.filter(mayAdmitPods).map((d) => d.name));
    const outToAny = new Set(intent.egress.filter((g) => podDestinations.has(g.to)).map((g) => g.from.namespace));
    const has = (from: string, to: string) =>
        from === to ||
        !business.has(from) ||
        !business.has(to) ||
        linked.has(`${from}\u0000${to}`) ||
        outToAny.has(from) ||
        intoFromAny.has(to);
    return {
        has,
        *pairs(namespaces: Iterable<string>) {
            const all = [...namespaces];
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
            for (const a of outToAny) if (present.has(a)) for (const b of all) yield [a, b] as const;
            for (const b of intoFromAny) if (present.has(b)) for (const a of all) yield [a, b] as const;
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
    // The port judged stands for its whole class: name the range when it is more than that port.
    const range = m.portRange === `${m.port}/${m.protocol}` ? "" : ` (for ports ${m.portRange})`;
    const what = `${m.from} -> ${m.to} on ${m.port}/${m.protocol}${range}`;
    return m.kind === "extra"
        ? `extra ${m.direction}: ${what} is allowed by ${m.policies.join(", ") || "(no isolating policy)"}, but the intent does not allow it (${m.expected})`
        : `missing ${m.direction}: ${what} is denied (isolated by ${m.policies.join(", ")}), but the intent allows it (${m.expected})`;
}

function unique(list: readonly string[]): string[] {
    return [...new Set(list)].sort();
}

/**
 * The fast full matrix: who reaches whom on every port each destination declares, without
 * enumerating pods x pods x ports. Pods are grouped into classes (namespace, labels, declared
 * ports, and which ipBlocks hold their address): the policies cannot tell two pods of a class
 * apart. Classes are grouped again by the set of policies that isolate them, selectors are
 * resolved to bitsets of classes through a label index, and only the ports that destinations
 * declare are judged. `ReachabilityModel` (evaluate.ts) is the simple, obviously-correct
 * evaluator this one is property-tested against.
 */
import { blockContainsIp, parseIp, requireCidr } from "./cidr";
import { effectivePolicyTypes } from "./evaluate";
import { LabelSelector, Labels, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, PolicyType } from "./k8s";
import { selectorMatches } from "./selectors";
import { ContainerPort, Pod, Snapshot } from "./snapshot";

export interface PodClass {
    readonly index: number;
    readonly namespace: string;
    /** The pods' labels, restricted to the keys that pod selectors mention. */
    readonly labels: Labels;
    readonly ports: readonly ContainerPort[];
    readonly pods: readonly Pod[];
}

export interface MatrixStats {
    readonly pods: number;
    readonly classes: number;
    readonly policies: number;
    /** Ordered pairs of distinct pods times the destination's declared ports. */
    readonly connections: number;
    readonly allowed: number;
}

class Bits {
    readonly words: Uint32Array;
    constructor(readonly size: number) {
        this.words = new Uint32Array((size + 31) >>> 5);
    }
    static full(size: number): Bits {
        const b = new Bits(size);
        b.words.fill(0xffffffff);
        if (size % 32) b.words[b.words.length - 1] = (1 << (size % 32)) - 1;
        return b;
    }
    set(i: number): void {
        this.words[i >>> 5]! |= 1 << (i & 31);
    }
    has(i: number): boolean {
        return (this.words[i >>> 5]! & (1 << (i & 31))) !== 0;
    }
    or(other: Bits): void {
        for (let i = 0; i < this.words.length; i++) this.words[i]! |= other.words[i]!;
    }
}

interface CompiledRule {
    /** Classes the rule's peers match; undefined when the rule has no peers (every party). */
    readonly peers: Bits | undefined;
    /** undefined: every port. */
    readonly ports: readonly NetworkPolicyPort[] | undefined;
}

interface CompiledPolicy {
    readonly types: readonly PolicyType[];
    readonly ingress: readonly CompiledRule[];
    readonly egress: readonly CompiledRule[];
}

/** Classes isolated by the same policies (per direction) share one group and one computation. */
interface Group {
    readonly policies: readonly number[];
    readonly rules: readonly CompiledRule[];
    readonly hasNamedPorts: boolean;
    readonly byPort: Map<string, Bits>;
}

export class FullMatrix {
    readonly classes: PodClass[] = [];
    private readonly classOfPod = new Map<Pod, PodClass>();
    private readonly policies: CompiledPolicy[];
    private readonly ingressGroupOf: (Group | undefined)[] = [];
    private readonly egressGroupOf: (Group | undefined)[] = [];
    private readonly portsSignature: string[] = [];

    constructor(readonly snapshot: Snapshot) {
        const blocks = distinctIpBlocks(snapshot.policies);
        // Only label keys that some pod selector mentions can tell pods apart.
        const keys = referencedPodLabelKeys(snapshot.policies);
        const byKey = new Map<string, { namespace: string; labels: Labels; ports: readonly ContainerPort[]; pods: Pod[] }>();
        for (const pod of snapshot.pods) {
            const ip = parseIp(pod.ip);
            const inBlocks = blocks.map((b) => (ip && b.contains(ip) ? "1" : "0")).join("");
            const labels: Record<string, string> = {};
            for (const k of keys) if (Object.prototype.hasOwnProperty.call(pod.labels, k)) labels[k] = pod.labels[k]!;
            const key = `${pod.namespace}\u0000${canonicalLabels(labels)}\u0000${portsKey(pod.ports)}\u0000${inBlocks}`;
            const entry = byKey.get(key) ?? { namespace: pod.namespace, labels, ports: pod.ports, pods: [] };
            entry.pods.push(pod);
            byKey.set(key, entry);
        }
        for (const entry of byKey.values()) {
            const cls: PodClass = { index: this.classes.length, ...entry };
            this.classes.push(cls);
            this.portsSignature.push(portsKey(entry.ports));
            for (const pod of entry.pods) this.classOfPod.set(pod, cls);
        }
        const index = new ClassIndex(this.classes, snapshot.namespaces, blocks);
        this.policies = snapshot.policies.map((p) => compilePolicy(p, index));

        // Which policies isolate each class, per direction; classes with the same list share a group.
        const groups = new Map<string, Group>();
        const ingressOf: number[][] = this.classes.map(() => []);
        const egressOf: number[][] = this.classes.map(() => []);
        snapshot.policies.forEach((p, i) => {
            const selected = index.podsMatching(p.spec.podSelector, [p.metadata.namespace]);
            for (const c of selected) {
                if (this.policies[i]!.types.includes("Ingress")) ingressOf[c]!.push(i);
                if (this.policies[i]!.types.includes("Egress")) egressOf[c]!.push(i);
            }
        });
        const group = (direction: PolicyType, list: number[]): Group | undefined => {
            if (list.length === 0) return undefined;
            const key = `${direction}:${list.join(",")}`;
            let g = groups.get(key);
            if (!g) {
                const rules = list.flatMap((i) => (direction === "Ingress" ? this.policies[i]!.ingress : this.policies[i]!.egress));
                g = {
                    policies: list,
                    rules,
                    hasNamedPorts: rules.some((r) => r.ports?.some((p) => typeof p.port === "string")),
                    byPort: new Map(),
                };
                groups.set(key, g);
            }
            return g;
        };
        for (const c of this.classes) {
            this.ingressGroupOf[c.index] = group("Ingress", ingressOf[c.index]!);
            this.egressGroupOf[c.index] = group("Egress", egressOf[c.index]!);
        }
    }

    classOf(pod: Pod): PodClass {
        return this.classOfPod.get(pod)!;
    }

    /** Whether some policy of `direction` selects the class (otherwise that direction is open for it). */
    isolated(classIndex: number, direction: PolicyType): boolean {
        return (direction === "Ingress" ? this.ingressGroupOf : this.egressGroupOf)[classIndex] !== undefined;
    }

    /** Whether pods of class `from` reach pods of class `to` on `port`, one of `to`'s declared ports. */
    allowed(from: number, to: number, port: ContainerPort): boolean {
        const destination = this.classes[to]!;
        const ingress = this.ingressGroupOf[to];
        if (ingress && !this.admits(ingress, port, destination).has(from)) return false;
        const egress = this.egressGroupOf[from];
        return !egress || this.admits(egress, port, destination).has(to);
    }

    /**
     * The source classes that reach class `to` on `port` (any port, declared or not): those its
     * ingress admits (every class when it is not isolated for ingress) whose own egress admits
     * `to`. A class is listed even when it is `to` itself; the caller leaves out a pod and itself.
     */
    allowedSources(to: number, port: ContainerPort): number[] {
        const destination = this.classes[to]!;
        const ingress = this.ingressGroupOf[to];
        const admitted = ingress ? this.admits(ingress, port, destination) : Bits.full(this.classes.length);
        const result: number[] = [];
        // Many sources share an egress group: one answer per group for this destination and port.
        const reaches = new Map<Group, boolean>();
        for (let w = 0; w < admitted.words.length; w++) {
            let word = admitted.words[w]!;
            while (word !== 0) {
                const s = (w << 5) + (31 - Math.clz32(word & -word));
                word &= word - 1;
                const egress = this.egressGroupOf[s];
                if (!egress) {
                    result.push(s);
                    continue;
                }
                let reach = reaches.get(egress);
                if (reach === undefined) reaches.set(egress, (reach = this.admits(egress, port, destination).has(to)));
                if (reach) result.push(s);
            }
        }
        return result;
    }

    /**
     * The classes `from` may reach on `port`: what its egress admits (every class when its egress
     * is open), each checked against the destination's ingress. The mirror of `allowedSources`,
     * cheaper where egress is the selective side.
     */
    allowedDestinations(from: number, port: ContainerPort): number[] {
        const source = this.classes[from]!;
        const egress = this.egressGroupOf[from];
        // Without named ports the egress answer does not depend on the destination.
        const reach = !egress ? Bits.full(this.classes.length) : egress.hasNamedPorts ? undefined : this.admits(egress, port, source);
        const result: number[] = [];
        for (let d = 0; d < this.classes.length; d++) {
            if (reach ? !reach.has(d) : !this.admits(egress!, port, this.classes[d]!).has(d)) continue;
            const ingress = this.ingressGroupOf[d];
            if (!ingress || this.admits(ingress, port, this.classes[d]!).has(from)) result.push(d);
        }
        return result;
    }

    /**
     * Counts the full matrix: every ordered pair of distinct pods on every port the destination
     * declares. Two sums: sources whose egress is open (counted per destination from its ingress
     * set), and sources whose egress is isolated (counted from the destinations their egress
     * admits, each checked against that destination's ingress). Pairs of a pod with itself are
     * taken out.
     */
    stats(): MatrixStats {
        const size = this.classes.length;
        const pods = this.snapshot.pods.length;
        const weight = this.classes.map((c) => c.pods.length);
        const openEgress = new Bits(size);
        this.classes.forEach((c) => this.egressGroupOf[c.index] === undefined && openEgress.set(c.index));
        const openEgressWeight = this.classes.reduce((sum, c) => sum + (this.egressGroupOf[c.index] ? 0 : weight[c.index]!), 0);
        const weightIn = (bits: Bits, mask: Bits) => {
            let sum = 0;
            for (let w = 0; w < bits.words.length; w++) {
                let word = bits.words[w]! & mask.words[w]!;
                while (word !== 0) {
                    sum += weight[(w << 5) + (31 - Math.clz32(word & -word))]!;
                    word &= word - 1;
                }
            }
            return sum;
        };

        let connections = 0;
        let allowed = 0;
        // Sources with open egress.
        const sumCache = new Map<Group, Map<string, number>>();
        for (const d of this.classes) {
            const ingress = this.ingressGroupOf[d.index];
            for (const port of d.ports) {
                connections += d.pods.length * (pods - 1);
                let sources: number;
                let selfIncluded: boolean;
                if (!ingress) {
                    sources = openEgressWeight;
                    selfIncluded = openEgress.has(d.index);
                } else {
                    const admitted = this.admits(ingress, port, d);
                    const key = `${port.port}/${port.protocol}`;
                    const perGroup = sumCache.get(ingress) ?? new Map<string, number>();
                    sumCache.set(ingress, perGroup);
                    const cached = ingress.hasNamedPorts ? undefined : perGroup.get(key);
                    sources = cached ?? weightIn(admitted, openEgress);
                    if (!ingress.hasNamedPorts) perGroup.set(key, sources);
                    selfIncluded = openEgress.has(d.index) && admitted.has(d.index);
                }
                allowed += sources * d.pods.length - (selfIncluded ? d.pods.length : 0);
            }
        }
        // Sources with isolated egress: walk the destinations their egress admits.
        const declaring = new Map<string, { port: ContainerPort; classes: Bits }>();
        for (const c of this.classes) {
            for (const port of c.ports) {
                const key = `${port.port}/${port.protocol}`;
                const entry = declaring.get(key) ?? { port, classes: new Bits(size) };
                entry.classes.set(c.index);
                declaring.set(key, entry);
            }
        }
        for (const s of this.classes) {
            const egress = this.egressGroupOf[s.index];
            if (!egress) continue;
            for (const { port, classes } of declaring.values()) {
                const reach = egress.hasNamedPorts ? undefined : this.admits(egress, port, s);
                for (let w = 0; w < classes.words.length; w++) {
                    let word = classes.words[w]! & (reach ? reach.words[w]! : 0xffffffff);
                    while (word !== 0) {
                        const dIndex = (w << 5) + (31 - Math.clz32(word & -word));
                        word &= word - 1;
                        const d = this.classes[dIndex]!;
                        if (!reach && !this.admits(egress, port, d).has(dIndex)) continue;
                        const ingress = this.ingressGroupOf[dIndex];
                        if (ingress && !this.admits(ingress, port, d).has(s.index)) continue;
                        allowed += weight[s.index]! * d.pods.length - (s.index === dIndex ? d.pods.length : 0);
                    }
                }
            }
        }
        return { pods, classes: size, policies: this.snapshot.policies.length, connections, allowed };
    }

    /**
     * The classes a group's rules admit on `port` towards `destination` (the source classes for an
     * ingress group, the destination classes for an egress group), cached per group.
     */
    private admits(group: Group, port: ContainerPort, destination: PodClass): Bits {
        // Named ports resolve on the destination's declared ports: classes declaring the same
        // ports share the answer.
        const key = group.hasNamedPorts
            ? `${port.port}/${port.protocol}|${this.portsSignature[destination.index]}`
            : `${port.port}/${port.protocol}`;
        const cached = group.byPort.get(key);
        if (cached) return cached;
        let result = new Bits(this.classes.length);
        for (const rule of group.rules) {
            const admitsPort =
                !rule.ports ||
                rule.ports.some((p) =>
                    typeof p.port === "string"
                        ? (p.protocol ?? "TCP") === port.protocol &&
                          destination.ports.some((cp) => cp.name === p.port && cp.protocol === port.protocol && cp.port === port.port)
                        : numericPortMatches(p, port),
                );
            if (!admitsPort) continue;
            if (!rule.peers) {
                result = Bits.full(this.classes.length);
                break;
            }
            result.or(rule.peers);
        }
        group.byPort.set(key, result);
        return result;
    }
}

function numericPortMatches(entry: NetworkPolicyPort, port: ContainerPort): boolean {
    if ((entry.protocol ?? "TCP") !== port.protocol) return false;
    if (entry.port === undefined) return true;
    const start = entry.port as number;
    return entry.endPort !== undefined ? port.port >= start && port.port <= entry.endPort : port.port === start;
}

function compilePolicy(p: NetworkPolicy, index: ClassIndex): CompiledPolicy {
    const rule = (peers: readonly NetworkPolicyPeer[] | undefined, ports: readonly NetworkPolicyPort[] | undefined): CompiledRule => ({
        peers: peers && peers.length > 0 ? index.peers(peers, p.metadata.namespace) : undefined,
        ports: ports && ports.length > 0 ? ports : undefined,
    });
    return {
        types: effectivePolicyTypes(p),
        ingress: (p.spec.ingress ?? []).map((r) => rule(r.from, r.ports)),
        egress: (p.spec.egress ?? []).map((r) => rule(r.to, r.ports)),
    };
}

interface IndexedBlock {
    readonly key: string;
    contains(ip: ReturnType<typeof parseIp> & object): boolean;
}

function distinctIpBlocks(policies: readonly NetworkPolicy[]): IndexedBlock[] {
    const blocks = new Map<string, IndexedBlock>();
    for (const p of policies) {
        for (const rule of [...(p.spec.ingress ?? []).map((r) => r.from), ...(p.spec.egress ?? []).map((r) => r.to)]) {
            for (const peer of rule ?? []) {
                if (!peer.ipBlock) continue;
                const key = ipBlockKey(peer.ipBlock);
                if (blocks.has(key)) continue;
                const cidr = requireCidr(peer.ipBlock.cidr);
                const except = (peer.ipBlock.except ?? []).map((e) => requireCidr(e));
                blocks.set(key, { key, contains: (ip) => blockContainsIp(cidr, ip) && !except.some((e) => blockContainsIp(e, ip)) });
            }
        }
    }
    return [...blocks.values()];
}

function ipBlockKey(b: { cidr: string; except?: readonly string[] }): string {
    return `${b.cidr}!${[...(b.except ?? [])].sort().join(",")}`;
}

/** Resolves selectors and peers to bitsets of classes, through a label index, with caching. */
class ClassIndex {
    private readonly byNamespace = new Map<string, number[]>();
    private readonly byLabel = new Map<string, number[]>();
    private readonly blockPosition: Map<string, number>;
    private readonly cache = new Map<string, Bits>();

    constructor(
        private readonly classes: readonly PodClass[],
        private readonly namespaces: Readonly<Record<string, Labels>>,
        blocks: readonly IndexedBlock[],
    ) {
        this.blockPosition = new Map(blocks.map((b, i) => [b.key, i]));
        for (const c of classes) {
            push(this.byNamespace, c.namespace, c.index);
            for (const [k, v] of Object.entries(c.labels)) push(this.byLabel, `${c.namespace}\u0000${k}=${v}`, c.index);
        }
        this.blockMembers = blocks.map(() => new Bits(classes.length));
        classes.forEach((c) => {
            const ip = parseIp(c.pods[0]!.ip);
            if (ip) blocks.forEach((b, i) => b.contains(ip) && this.blockMembers[i]!.set(c.index));
        });
    }

    private readonly blockMembers: Bits[];

    /** Classes of `namespaces` whose labels satisfy `selector`. */
    podsMatching(selector: LabelSelector, namespaces: readonly string[]): number[] {
        const result: number[] = [];
        const required = Object.entries(selector.matchLabels ?? {});
        for (const ns of namespaces) {
            // The rarest required label narrows the candidates; the selector is then checked in full.
            let candidates = this.byNamespace.get(ns) ?? [];
            for (const [k, v] of required) {
                const list = this.byLabel.get(`${ns}\u0000${k}=${v}`) ?? [];
                if (list.length < candidates.length) candidates = list;
            }
            for (const c of candidates) if (selectorMatches(selector, this.classes[c]!.labels)) result.push(c);
        }
        return result;
    }

    peers(peers: readonly NetworkPolicyPeer[], policyNamespace: string): Bits {
        const result = new Bits(this.classes.length);
        for (const peer of peers) result.or(this.peer(peer, policyNamespace));
        return result;
    }

    private peer(peer: NetworkPolicyPeer, policyNamespace: string): Bits {
        if (peer.ipBlock) return this.blockMembers[this.blockPosition.get(ipBlockKey(peer.ipBlock))!]!;
        const key = JSON.stringify([
            peer.namespaceSelector ? null : policyNamespace,
            peer.namespaceSelector ?? null,
            peer.podSelector ?? null,
        ]);
        let bits = this.cache.get(key);
        if (!bits) {
            bits = new Bits(this.classes.length);
            const namespaces = peer.namespaceSelector
                ? Object.keys(this.namespaces).filter((ns) => selectorMatches(peer.namespaceSelector!, this.namespaces[ns]!))
                : [policyNamespace];
            for (const c of this.podsMatching(peer.podSelector ?? {}, namespaces)) bits.set(c);
            this.cache.set(key, bits);
        }
        return bits;
    }
}

function push(map: Map<string, number[]>, key: string, value: number): void {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
}

function referencedPodLabelKeys(policies: readonly NetworkPolicy[]): string[] {
    const keys = new Set<string>();
    const add = (selector: LabelSelector | undefined) => {
        Object.keys(selector?.matchLabels ?? {}).forEach((k) => keys.add(k));
        (selector?.matchExpressions ?? []).forEach((r) => keys.add(r.key));
    };
    for (const p of policies) {
        add(p.spec.podSelector);
        for (const rule of [...(p.spec.ingress ?? []).map((r) => r.from), ...(p.spec.egress ?? []).map((r) => r.to)])
            for (const peer of rule ?? []) add(peer.podSelector);
    }
    return [...keys].sort();
}

function canonicalLabels(labels: Labels): string {
    return Object.keys(labels)
        .sort()
        .map((k) => `${k}=${labels[k]}`)
        .join(",");
}

function portsKey(ports: readonly ContainerPort[]): string {
    return ports.map((p) => `${p.name ?? ""}:${p.port}/${p.protocol}`).join(",");
}

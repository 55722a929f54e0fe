/**
 * Parties outside the cluster, for judging two policy sets alike: one representative address per
 * address range that the policies' ipBlocks distinguish. CIDR ranges are nested or disjoint, so
 * the ranges holding an address form a chain, and the innermost of them (a `cidr` or an `except`
 * of some ipBlock) decides every ipBlock's answer for it: one address per range, outside every
 * range nested in it, stands for all of that range's own addresses, and one more address per
 * family stands for every address no ipBlock names. Each is named by its range
 * (`203.0.113.0/24 (outside)`).
 *
 * `connectivityWithOutside` judges a snapshot with those parties added, both ways, on every port
 * class the policies distinguish (engine/ports.ts), beside its pods or probes: a diff of two
 * snapshots then shows an ipBlock added, removed, narrowed or widened as gained or lost connections.
 */
import { CidrBlock, IpFamily, blockContainsBlock, formatCidr, formatIp, parseCidr, parseIp, isCidrError } from "./cidr";
import { Connectivity, Edge, OUTSIDE, PartyInfo, cellKey, connectivityOf, connectivityOfEdges, podAppDescriber } from "./connectivity";
import { ReachabilityModel, Party } from "./evaluate";
import { NetworkPolicy } from "./k8s";
import { FullMatrix } from "./matrix";
import { PortClass, formatPortClass } from "./ports";
import { evaluateSnapshot } from "./report";
import { Pod, Snapshot } from "./snapshot";

export interface OutsideAddress {
    /** The range it stands for (canonical CIDR), or undefined for every address no ipBlock names. */
    readonly range?: string;
    readonly ip: string;
    /** `203.0.113.0/24 (outside)`, or `other addresses (outside)`. */
    readonly label: string;
}

/** Every ipBlock `cidr` and `except` of the policies, canonical and without repeats. */
export function ipBlockRanges(policies: readonly NetworkPolicy[]): CidrBlock[] {
    const found = new Map<string, CidrBlock>();
    const add = (text: string) => {
        const block = parseCidr(text);
        if (!isCidrError(block)) found.set(formatCidr(block), block);
    };
    for (const p of policies)
        for (const rule of [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])]) {
            const peers = "from" in rule ? rule.from : "to" in rule ? rule.to : undefined;
            for (const peer of peers ?? [])
                if (peer.ipBlock) {
                    add(peer.ipBlock.cidr);
                    (peer.ipBlock.except ?? []).forEach(add);
                }
        }
    return [...found.values()].sort(compareBlocks);
}

/**
 * One address per range the policies distinguish, and one for the addresses none names (per
 * family that has ranges). Addresses in `avoid` (pod addresses) and in `avoidRanges` (the pod and
 * node ranges) are skipped where the range leaves room, so a representative is a real outsider.
 */
export function outsideAddresses(
    policies: readonly NetworkPolicy[],
    avoid: Iterable<string> = [],
    avoidRanges: readonly string[] = [],
): OutsideAddress[] {
    const blocks = ipBlockRanges(policies);
    const taken = [...avoid].flatMap((text) => {
        const ip = parseIp(text);
        return ip ? [{ family: ip.family, first: ip.value, last: ip.value }] : [];
    });
    const soft = avoidRanges.flatMap((text) => {
        const b = parseCidr(text);
        return isCidrError(b) ? [] : [b];
    });
    const result: OutsideAddress[] = [];
    for (const block of blocks) {
        const inner = blocks.filter((b) => b !== block && blockContainsBlock(block, b));
        const ip = freeAddress(block.family, block.first, block.last, [...inner, ...taken], soft);
        if (ip !== undefined) result.push({ range: formatCidr(block), ip, label: `${formatCidr(block)} (outside)` });
    }
    for (const family of [4, 6] as const) {
        const top = blocks.filter((b) => b.family === family && !blocks.some((o) => o !== b && blockContainsBlock(o, b)));
        if (top.length === 0) continue;
        const ip = freeAddress(family, 0n, (1n << BigInt(family === 4 ? 32 : 128)) - 1n, [...top, ...taken], soft);
        if (ip !== undefined) result.push({ ip, label: `other ${family === 4 ? "IPv4" : "IPv6"} addresses (outside)` });
    }
    return result;
}

/** Documentation and benchmarking ranges (RFC 5737, RFC 2544): recognisable, never anyone's real address. */
const PREFERRED = ["203.0.113.77", "198.51.100.77", "192.0.2.77", "198.18.0.1", "2001:db8::77"];

interface Interval {
    readonly family: IpFamily;
    readonly first: bigint;
    readonly last: bigint;
}

/** An address of [first, last] outside `hard`, and outside `soft` where possible: a recognisable one first, else the lowest. */
function freeAddress(
    family: IpFamily,
    first: bigint,
    last: bigint,
    hard: readonly Interval[],
    soft: readonly Interval[],
): string | undefined {
    const outside = (value: bigint, list: readonly Interval[]) =>
        !list.some((x) => x.family === family && value >= x.first && value <= x.last);
    for (const text of PREFERRED) {
        const ip = parseIp(text)!;
        if (ip.family === family && ip.value >= first && ip.value <= last && outside(ip.value, hard) && outside(ip.value, soft))
            return text;
    }
    // A range's first address is its network address: start one above when there is room.
    const start = last > first ? first + 1n : first;
    const found = lowestFree(family, start, last, [...hard, ...soft]) ?? lowestFree(family, start, last, hard);
    return found === undefined ? undefined : formatIp({ family, value: found });
}

function lowestFree(family: IpFamily, first: bigint, last: bigint, excluded: readonly Interval[]): bigint | undefined {
    let value = first;
    for (const x of excluded.filter((e) => e.family === family).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0))) {
        if (x.last < value) continue;
        if (x.first > value) break;
        value = x.last + 1n;
        if (value > last) return undefined;
    }
    return value <= last ? value : undefined;
}

function compareBlocks(a: CidrBlock, b: CidrBlock): number {
    return a.family - b.family || (a.first < b.first ? -1 : a.first > b.first ? 1 : 0) || a.prefix - b.prefix;
}

/**
 * The snapshot's connectivity (its probes, or every pod pair on the destination's declared ports,
 * as `evaluateSnapshot` judges it), every pod pair also on each port class (named by its ranges,
 * `8000-8079, 8081-9000/TCP`: a rule widened, narrowed or moved between pods, or a protocol swapped,
 * changes what a class's representative port gets), plus every pod to and from each outside
 * address on each port class and, into a pod, its declared ports. Pods no policy tells apart
 * share one judgement per peer and port (engine/matrix.ts classes).
 */
export function connectivityWithOutside(
    snapshot: Snapshot,
    outside: readonly OutsideAddress[],
    ports: readonly PortClass[],
    appLabel = "app",
): Connectivity {
    const base = connectivityOf(
        evaluateSnapshot(snapshot).verdicts.map((v) => v.verdict),
        podAppDescriber(appLabel),
    );
    const model = new ReachabilityModel(snapshot);
    const matrix = new FullMatrix(snapshot);
    const classPorts = ports.map((c) => ({
        text: formatPortClass(c, Number.POSITIVE_INFINITY),
        port: c.representative,
        protocol: c.protocol,
    }));
    const parties: PartyInfo[] = [...base.parties];
    const known = new Set(parties.map((p) => p.id));
    const edges: Edge[] = [...base.edges];
    const checked = new Set(base.portsChecked);
    classPorts.forEach((p) => checked.add(p.text));
    const cells = new Map(base.judged.kind === "listed" ? base.judged.cells : []);
    // Pods of one class (same namespace, selected labels, declared ports, ipBlock memberships) get
    // the same answer from every address: judge a representative once per class and address.
    const byClass = new Map<number, Pod[]>();
    for (const pod of snapshot.pods) {
        const c = matrix.classOf(pod).index;
        (byClass.get(c) ?? byClass.set(c, []).get(c)!).push(pod);
        const podId = `${pod.namespace}/${pod.name}`;
        if (!known.has(podId)) {
            known.add(podId);
            parties.push({ id: podId, namespace: pod.namespace, app: pod.labels[appLabel] ?? pod.name });
        }
        pod.ports.forEach((p) => checked.add(`${p.port}/${p.protocol}`));
    }
    // Pod to pod on every port class, judged once per ordered pair of classes (two distinct pods of
    // one class for the pair inside it: a pod's traffic to itself is always allowed).
    const podPorts = new Map<string, Set<string>>();
    const podId = (pod: Pod) => `${pod.namespace}/${pod.name}`;
    for (const edge of base.edges) podPorts.set(`${edge.from}\u0000${edge.to}`, new Set(edge.ports));
    const classes = [...byClass.values()];
    for (const a of classes)
        for (const b of classes) {
            const to = a === b ? b[1] : b[0];
            if (to === undefined) continue;
            const allowed = classPorts
                .filter((p) => model.evaluate({ from: { kind: "pod", pod: a[0]! }, to: { kind: "pod", pod: to }, ...p }).allowed)
                .map((p) => p.text);
            if (allowed.length === 0) continue;
            for (const x of a)
                for (const y of b) {
                    if (x === y) continue;
                    const key = `${podId(x)}\u0000${podId(y)}`;
                    const set = podPorts.get(key) ?? podPorts.set(key, new Set()).get(key)!;
                    allowed.forEach((text) => set.add(text));
                }
        }
    edges.length = 0;
    for (const [key, set] of podPorts) {
        const [from, to] = key.split("\u0000") as [string, string];
        edges.push({ from, to, ports: [...set].sort() });
    }
    outside.forEach((address) => {
        const id = address.label;
        if (!known.has(id)) {
            known.add(id);
            parties.push({ id, namespace: OUTSIDE, app: address.label });
        }
        const external: Party = { kind: "external", ip: address.ip };
        for (const members of byClass.values()) {
            const representative: Party = { kind: "pod", pod: members[0]! };
            const admits = (from: Party, to: Party) => (p: { port: number; protocol: PortClass["protocol"] }) =>
                model.evaluate({ from, to, port: p.port, protocol: p.protocol }).allowed;
            const declared = members[0]!.ports.map((p) => ({ text: `${p.port}/${p.protocol}`, port: p.port, protocol: p.protocol }));
            const out = classPorts.filter(admits(representative, external)).map((p) => p.text);
            const inward = [...new Set([...classPorts, ...declared].filter(admits(external, representative)).map((p) => p.text))];
            for (const pod of members) {
                const podId = `${pod.namespace}/${pod.name}`;
                if (out.length > 0) edges.push({ from: podId, to: id, ports: out });
                if (inward.length > 0) edges.push({ from: id, to: podId, ports: inward });
                for (const k of [cellKey(pod.namespace, OUTSIDE), cellKey(OUTSIDE, pod.namespace)]) cells.set(k, (cells.get(k) ?? 0) + 1);
            }
        }
    });
    return connectivityOfEdges(parties, edges, [...checked], { kind: "listed", cells });
}

/**
 * The port ranges that a set of NetworkPolicy port entries can tell apart. A rule's port entry
 * matches a protocol and either every port (no `port`), one port, a range (`port` to `endPort`,
 * inclusive: https://kubernetes.io/docs/concepts/services-networking/network-policies/#targeting-a-range-of-ports)
 * or a named port, which matches the destination pod's container port of that name and protocol.
 * So cutting 1..65535 at every entry's first port and at the port after its last, and adding each
 * named port's resolved container ports, gives ranges on which every entry answers alike: one
 * port of each range stands for all of it. Grouping the ranges by the entries that cover them
 * (`portClasses`) merges ranges no entry tells apart, such as every port that nothing names.
 * Pure; used by the intent check, the diff of snapshots and the live-cluster verifier.
 */
import { NetworkPolicy, NetworkPolicyPort, Protocol } from "./k8s";

/** Ports `first` to `last`, inclusive, of one protocol. */
export interface PortRange {
    readonly protocol: Protocol;
    readonly first: number;
    readonly last: number;
}

/** Ranges of one protocol that every entry treats alike, and the port that stands for them. */
export interface PortClass {
    readonly protocol: Protocol;
    /** Ascending, disjoint. */
    readonly ranges: readonly PortRange[];
    readonly representative: number;
}

/** What a port entry needs to be read here: a NetworkPolicyPort, or a port of the intent. */
export interface PortEntry {
    readonly protocol?: Protocol;
    readonly port?: number | string;
    readonly endPort?: number;
}

/** A pod's container ports, against which named ports resolve. */
export interface NamedPortHolder {
    readonly ports: readonly { readonly name?: string; readonly port: number; readonly protocol: Protocol }[];
}

export const MAX_PORT = 65535;
/** Always judged, so that a rule written for the wrong protocol (UDP for TCP, or the reverse) shows. */
export const BASE_PROTOCOLS: readonly Protocol[] = ["TCP", "UDP"];
/** Preferred stand-in for ports nothing names (echo: never a service of ours). */
const OTHER_PORT = 7;

/** Every port entry of every rule of the policies, ingress and egress. */
export function policyPortEntries(policies: readonly NetworkPolicy[]): NetworkPolicyPort[] {
    return policies.flatMap((p) => [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])].flatMap((rule) => rule.ports ?? []));
}

/**
 * The numeric port ranges an entry covers: its range, its one port, every port (no port), or for
 * a named port each container port of that name and protocol that a pod declares.
 */
export function entryRanges(entry: PortEntry, pods: readonly NamedPortHolder[]): PortRange[] {
    const protocol = entry.protocol ?? "TCP";
    if (entry.port === undefined) return [{ protocol, first: 1, last: MAX_PORT }];
    if (typeof entry.port === "number") return [{ protocol, first: entry.port, last: entry.endPort ?? entry.port }];
    const resolved = new Set<number>();
    for (const pod of pods) for (const p of pod.ports) if (p.name === entry.port && p.protocol === protocol) resolved.add(p.port);
    return [...resolved].sort((a, b) => a - b).map((port) => ({ protocol, first: port, last: port }));
}

/**
 * 1..65535 of every protocol judged (TCP and UDP always, SCTP when an entry names it), cut at
 * every boundary of the entries: consecutive ranges, ascending per protocol, TCP then UDP then SCTP.
 */
export function distinguishedPortRanges(entries: readonly PortEntry[], pods: readonly NamedPortHolder[] = []): PortRange[] {
    return protocolsOf(entries).flatMap((protocol) => {
        const starts = new Set<number>([1]);
        for (const entry of entries)
            for (const r of entryRanges(entry, pods)) {
                if (r.protocol !== protocol) continue;
                starts.add(r.first);
                if (r.last < MAX_PORT) starts.add(r.last + 1);
            }
        const sorted = [...starts].sort((a, b) => a - b);
        return sorted.map((first, i) => ({ protocol, first, last: (sorted[i + 1] ?? MAX_PORT + 1) - 1 }));
    });
}

/** The ranges the policies' rules tell apart (named ports resolved against `pods`). */
export function policyPortRanges(policies: readonly NetworkPolicy[], pods: readonly NamedPortHolder[] = []): PortRange[] {
    return distinguishedPortRanges(policyPortEntries(policies), pods);
}

/**
 * The distinguished ranges grouped by the entries that cover them: two ranges covered by exactly
 * the same entries are judged alike by every rule, whatever the peers. Each class's
 * representative is port 7 when the class holds it, else its lowest port. Ordered by protocol,
 * then representative.
 */
export function portClasses(given: readonly PortEntry[], pods: readonly NamedPortHolder[] = []): PortClass[] {
    // The same entry written in many rules (a thousand namespaces' DNS egress) counts once.
    const unique = new Map(given.map((e) => [`${e.protocol ?? "TCP"}|${String(e.port)}|${String(e.endPort)}`, e]));
    const entries = [...unique.values()];
    const covered = entries.map((entry) => entryRanges(entry, pods));
    const classes = new Map<string, PortRange[]>();
    for (const range of distinguishedPortRanges(entries, pods)) {
        // A range lies wholly inside or wholly outside each entry's ranges, so its first port decides.
        const signature = covered.flatMap((ranges, i) =>
            ranges.some((r) => r.protocol === range.protocol && r.first <= range.first && range.first <= r.last) ? [i] : [],
        );
        const key = `${range.protocol} ${signature.join(",")}`;
        (classes.get(key) ?? classes.set(key, []).get(key)!).push(range);
    }
    const order = protocolsOf(entries);
    return [...classes.values()]
        .map((ranges): PortClass => {
            const holdsOther = ranges.some((r) => r.first <= OTHER_PORT && OTHER_PORT <= r.last);
            return { protocol: ranges[0]!.protocol, ranges, representative: holdsOther ? OTHER_PORT : ranges[0]!.first };
        })
        .sort((a, b) => order.indexOf(a.protocol) - order.indexOf(b.protocol) || a.representative - b.representative);
}

/** `8080/TCP`, `8000-8999/TCP`, `1-65535/UDP`. */
export function formatPortRange(r: PortRange): string {
    return `${r.first === r.last ? r.first : `${r.first}-${r.last}`}/${r.protocol}`;
}

/** A class in words: its ranges (`8000-8079, 8081-9000/TCP`), at most `max` of them before a count. */
export function formatPortClass(c: PortClass, max = 4): string {
    const parts = c.ranges.map((r) => (r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`));
    const shown = parts.length > max ? [...parts.slice(0, max), `… ${parts.length - max} more ranges`] : parts;
    return `${shown.join(", ")}/${c.protocol}`;
}

/** The class holding a port of a protocol, if any. */
export function classOfPort(classes: readonly PortClass[], port: number, protocol: Protocol): PortClass | undefined {
    return classes.find((c) => c.protocol === protocol && c.ranges.some((r) => r.first <= port && port <= r.last));
}

function protocolsOf(entries: readonly PortEntry[]): Protocol[] {
    const named = new Set<Protocol>(entries.map((e) => e.protocol ?? "TCP"));
    return [...BASE_PROTOCOLS, ...(named.has("SCTP") ? (["SCTP"] as const) : [])];
}

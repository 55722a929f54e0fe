/**
 * Connectivity as data: which party reaches which, on which ports. Built from verdicts, it is
 * what the namespace matrix, the HTML page and the diff are views of.
 */
import { Verdict, partyName } from "./evaluate";

/** A pod (`namespace/name`) or an address outside the cluster. */
export interface PartyInfo {
    readonly id: string;
    /** The namespace, or OUTSIDE for addresses outside the cluster. */
    readonly namespace: string;
    /** The app label value (or the pod name), or the address's label. */
    readonly app: string;
}

export interface Edge {
    readonly from: string;
    readonly to: string;
    /** Allowed ports as `port/PROTOCOL`, sorted. */
    readonly ports: readonly string[];
}

export interface Connectivity {
    readonly parties: readonly PartyInfo[];
    /** Every ordered pair that was judged, allowed or not, with its allowed ports. */
    readonly edges: readonly Edge[];
    readonly portsChecked: readonly string[];
}

export const OUTSIDE = "(outside)";

/** Groups verdicts by ordered pair of parties. `describe` names each party's namespace and app. */
export function connectivityOf(
    verdicts: readonly Verdict[],
    describe: (id: string, verdict: Verdict, side: "from" | "to") => PartyInfo,
): Connectivity {
    const parties = new Map<string, PartyInfo>();
    const edges = new Map<string, { from: string; to: string; ports: Set<string> }>();
    const ports = new Set<string>();
    for (const v of verdicts) {
        const from = partyName(v.connection.from);
        const to = partyName(v.connection.to);
        if (!parties.has(from)) parties.set(from, describe(from, v, "from"));
        if (!parties.has(to)) parties.set(to, describe(to, v, "to"));
        const port = `${v.connection.port}/${v.connection.protocol}`;
        ports.add(port);
        const key = `${from}\u0000${to}`;
        const edge = edges.get(key) ?? { from, to, ports: new Set<string>() };
        if (v.allowed) edge.ports.add(port);
        edges.set(key, edge);
    }
    return {
        parties: [...parties.values()].sort((a, b) => compareParties(a, b)),
        edges: [...edges.values()]
            .map((e) => ({ from: e.from, to: e.to, ports: [...e.ports].sort(comparePortText) }))
            .sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to)),
        portsChecked: [...ports].sort(comparePortText),
    };
}

/** The usual naming: pods by their app label (else their name), outside parties by address. */
export function podAppDescriber(appLabel: string, externalLabels: ReadonlyMap<string, string> = new Map()) {
    return (id: string, v: Verdict, side: "from" | "to"): PartyInfo => {
        const party = side === "from" ? v.connection.from : v.connection.to;
        if (party.kind === "external") return { id, namespace: OUTSIDE, app: externalLabels.get(party.ip) ?? party.ip };
        return { id, namespace: party.pod.namespace, app: party.pod.labels[appLabel] ?? party.pod.name };
    };
}

export interface NamespaceCell {
    readonly from: string;
    readonly to: string;
    /** Ordered pairs of parties with at least one allowed port, and all pairs judged. */
    readonly allowedPairs: number;
    readonly pairs: number;
    readonly ports: readonly string[];
}

export function namespaceCells(c: Connectivity): { namespaces: string[]; cells: Map<string, NamespaceCell> } {
    const byId = new Map(c.parties.map((p) => [p.id, p]));
    const cells = new Map<string, { from: string; to: string; allowedPairs: number; pairs: number; ports: Set<string> }>();
    for (const e of c.edges) {
        const from = byId.get(e.from)!.namespace;
        const to = byId.get(e.to)!.namespace;
        const key = cellKey(from, to);
        const cell = cells.get(key) ?? { from, to, allowedPairs: 0, pairs: 0, ports: new Set<string>() };
        cell.pairs++;
        if (e.ports.length > 0) cell.allowedPairs++;
        e.ports.forEach((p) => cell.ports.add(p));
        cells.set(key, cell);
    }
    const namespaces = [...new Set(c.parties.map((p) => p.namespace))].sort((a, b) => (a === OUTSIDE ? 1 : b === OUTSIDE ? -1 : cmp(a, b)));
    return { namespaces, cells: new Map([...cells].map(([k, v]) => [k, { ...v, ports: [...v.ports].sort(comparePortText) }])) };
}

export function cellKey(from: string, to: string): string {
    return `${from}\u0000${to}`;
}

/** A text grid: rows are sources, columns destinations, cells `allowed/judged` pairs of parties. */
export function renderNamespaceMatrix(c: Connectivity): string {
    const { namespaces, cells } = namespaceCells(c);
    const header = ["from \\ to", ...namespaces];
    const rows = namespaces.map((from) => [
        from,
        ...namespaces.map((to) => {
            const cell = cells.get(cellKey(from, to));
            if (!cell) return "";
            return cell.allowedPairs === 0 ? "·" : `${cell.allowedPairs}/${cell.pairs}`;
        }),
    ]);
    const widths = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
    return [
        line(header),
        ...rows.map(line),
        "",
        "cell: ordered pairs of parties (pods by app, or outside addresses) with at least one allowed port / pairs judged; · none",
    ].join("\n");
}

function compareParties(a: PartyInfo, b: PartyInfo): number {
    const outside = Number(a.namespace === OUTSIDE) - Number(b.namespace === OUTSIDE);
    return outside || cmp(a.namespace, b.namespace) || cmp(a.app, b.app) || cmp(a.id, b.id);
}

export function comparePortText(a: string, b: string): number {
    const [pa, qa] = a.split("/") as [string, string];
    const [pb, qb] = b.split("/") as [string, string];
    return Number(pa) - Number(pb) || cmp(qa, qb);
}

function cmp(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

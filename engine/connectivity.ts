/**
 * Connectivity as data: which party reaches which, on which ports. Built from verdicts, or from
 * the intent check's class-level result; it is what the namespace matrix, the HTML page and the
 * diff are views of. Only pairs with an allowed port are listed, so that a thousand namespaces
 * (millions of pairs, nearly all denied) stay small; which pairs were judged is said in `judged`.
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

/**
 * Which ordered pairs of parties were judged: every pair of distinct parties except two outside
 * addresses (the intent check), or the listed count per namespace pair (`cellKey`).
 */
export type Judged = { readonly kind: "all-pairs" } | { readonly kind: "listed"; readonly cells: ReadonlyMap<string, number> };

export interface Connectivity {
    readonly parties: readonly PartyInfo[];
    /** The ordered pairs with at least one allowed port, with those ports. */
    readonly edges: readonly Edge[];
    readonly portsChecked: readonly string[];
    readonly judged: Judged;
}

/** How many ordered pairs of parties from namespace `from` to namespace `to` were judged. */
export function pairsJudged(c: Connectivity, counts: ReadonlyMap<string, number>, from: string, to: string): number {
    if (c.judged.kind === "listed") return c.judged.cells.get(cellKey(from, to)) ?? 0;
    if (from === OUTSIDE && to === OUTSIDE) return 0;
    const a = counts.get(from) ?? 0;
    const b = counts.get(to) ?? 0;
    return from === to ? a * (a - 1) : a * b;
}

/** Parties per namespace. */
export function partyCounts(c: Connectivity): Map<string, number> {
    const counts = new Map<string, number>();
    for (const p of c.parties) counts.set(p.namespace, (counts.get(p.namespace) ?? 0) + 1);
    return counts;
}

/** Sorts and assembles a connectivity from parties and allowed edges (ports unsorted is fine). */
export function connectivityOfEdges(
    parties: readonly PartyInfo[],
    edges: readonly Edge[],
    portsChecked: readonly string[],
    judged: Judged,
): Connectivity {
    return {
        parties: [...parties].sort(compareParties),
        edges: edges
            .filter((e) => e.ports.length > 0)
            .map((e) => ({ from: e.from, to: e.to, ports: [...e.ports].sort(comparePortText) }))
            .sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to)),
        portsChecked: [...portsChecked].sort(comparePortText),
        judged,
    };
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
    const judgedPairs = new Set<string>();
    for (const v of verdicts) {
        const from = partyName(v.connection.from);
        const to = partyName(v.connection.to);
        if (!parties.has(from)) parties.set(from, describe(from, v, "from"));
        if (!parties.has(to)) parties.set(to, describe(to, v, "to"));
        const port = `${v.connection.port}/${v.connection.protocol}`;
        ports.add(port);
        const key = `${from}\u0000${to}`;
        judgedPairs.add(key);
        if (!v.allowed) continue;
        const edge = edges.get(key) ?? { from, to, ports: new Set<string>() };
        edge.ports.add(port);
        edges.set(key, edge);
    }
    const cells = new Map<string, number>();
    for (const key of judgedPairs) {
        const [from, to] = key.split("\u0000") as [string, string];
        const k = cellKey(parties.get(from)!.namespace, parties.get(to)!.namespace);
        cells.set(k, (cells.get(k) ?? 0) + 1);
    }
    return connectivityOfEdges(
        [...parties.values()],
        [...edges.values()].map((e) => ({ from: e.from, to: e.to, ports: [...e.ports] })),
        [...ports],
        { kind: "listed", cells },
    );
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

/** The namespace pairs with at least one allowed pair of parties; every other judged pair is denied. */
export function namespaceCells(c: Connectivity): {
    namespaces: string[];
    cells: Map<string, NamespaceCell>;
    judged: (from: string, to: string) => number;
} {
    const byId = new Map(c.parties.map((p) => [p.id, p]));
    const counts = partyCounts(c);
    const judged = (from: string, to: string) => pairsJudged(c, counts, from, to);
    const cells = new Map<string, { from: string; to: string; allowedPairs: number; ports: Set<string> }>();
    for (const e of c.edges) {
        const from = byId.get(e.from)!.namespace;
        const to = byId.get(e.to)!.namespace;
        const key = cellKey(from, to);
        const cell = cells.get(key) ?? { from, to, allowedPairs: 0, ports: new Set<string>() };
        cell.allowedPairs++;
        e.ports.forEach((p) => cell.ports.add(p));
        cells.set(key, cell);
    }
    const namespaces = [...counts.keys()].sort((a, b) => (a === OUTSIDE ? 1 : b === OUTSIDE ? -1 : cmp(a, b)));
    return {
        namespaces,
        cells: new Map([...cells].map(([k, v]) => [k, { ...v, pairs: judged(v.from, v.to), ports: [...v.ports].sort(comparePortText) }])),
        judged,
    };
}

export function cellKey(from: string, to: string): string {
    return `${from}\u0000${to}`;
}

/**
 * A text grid: rows are sources, columns destinations, cells `allowed/judged` pairs of parties.
 * Past `maxNamespaces` a grid is unreadable: a summary per source namespace instead.
 */
export function renderNamespaceMatrix(c: Connectivity, maxNamespaces = 40): string {
    const { namespaces, cells, judged } = namespaceCells(c);
    if (namespaces.length > maxNamespaces) {
        const reached = new Map<string, number>();
        for (const cell of cells.values()) if (cell.from !== cell.to) reached.set(cell.from, (reached.get(cell.from) ?? 0) + 1);
        const pairs = [...cells.values()].filter((cell) => cell.from !== cell.to).length;
        const busiest = [...reached].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0])).slice(0, 10);
        return [
            `${namespaces.length} namespaces (more than ${maxNamespaces}: no grid); ${pairs} ordered pairs of distinct namespaces have at least one allowed connection.`,
            `Reaching the most other namespaces: ${busiest.map(([ns, count]) => `${ns} (${count})`).join(", ")}.`,
        ].join("\n");
    }
    const header = ["from \\ to", ...namespaces];
    const rows = namespaces.map((from) => [
        from,
        ...namespaces.map((to) => {
            const cell = cells.get(cellKey(from, to));
            if (!cell) return judged(from, to) > 0 ? "·" : "";
            return `${cell.allowedPairs}/${cell.pairs}`;
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

/** Orders `port/PROTOCOL` texts, and port classes such as `8000-8079, 8081-9000/TCP` by their first port. */
export function comparePortText(a: string, b: string): number {
    const [pa, qa] = a.split("/") as [string, string];
    const [pb, qb] = b.split("/") as [string, string];
    return Number.parseInt(pa, 10) - Number.parseInt(pb, 10) || cmp(qa, qb) || cmp(pa, pb);
}

function cmp(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

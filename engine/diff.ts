/**
 * What a change does to connectivity: connections gained and lost between two connectivity
 * models, grouped by namespace and app, rendered as text, as Markdown for a pull-request comment
 * (with a Mermaid graph of namespace-level changes), or as JSON. Output stays readable for big
 * changes: rows are aggregated per app pair, lists are capped, and Markdown stays under a limit.
 */
import { Connectivity, OUTSIDE, PartyInfo, comparePortText } from "./connectivity";

export interface AppPairChange {
    readonly from: { readonly namespace: string; readonly app: string };
    readonly to: { readonly namespace: string; readonly app: string };
    readonly ports: readonly string[];
    /** Ordered pairs of parties (pods, addresses) behind the row. */
    readonly pairs: number;
}

export interface ConnectivityDiff {
    readonly gained: readonly AppPairChange[];
    readonly lost: readonly AppPairChange[];
    /** Connections (party pair x port) gained and lost. */
    readonly gainedConnections: number;
    readonly lostConnections: number;
    /** Ports judged on both sides; a row with all of them reads "every port judged". */
    readonly portsJudged: readonly string[];
}

/**
 * A port counts for a pair only where both sides judged it, unless a party exists on one side
 * only (a new pod's connections are all gained, a removed one's all lost).
 */
export function diffConnectivity(before: Connectivity, after: Connectivity): ConnectivityDiff {
    const partiesBefore = new Map(before.parties.map((p) => [p.id, p]));
    const partiesAfter = new Map(after.parties.map((p) => [p.id, p]));
    const judgedBoth = new Set(before.portsChecked.filter((p) => after.portsChecked.includes(p)));
    const edgesBefore = new Map(before.edges.map((e) => [`${e.from}\u0000${e.to}`, e]));
    const edgesAfter = new Map(after.edges.map((e) => [`${e.from}\u0000${e.to}`, e]));
    const gained = new Aggregator();
    const lost = new Aggregator();
    for (const key of new Set([...edgesBefore.keys(), ...edgesAfter.keys()])) {
        const b = edgesBefore.get(key);
        const a = edgesAfter.get(key);
        const [from, to] = key.split("\u0000") as [string, string];
        const onBothSides = partiesBefore.has(from) && partiesBefore.has(to) && partiesAfter.has(from) && partiesAfter.has(to);
        const counts = (port: string) => !onBothSides || judgedBoth.has(port);
        const portsBefore = new Set(b?.ports ?? []);
        const portsAfter = new Set(a?.ports ?? []);
        const fromInfo = partiesAfter.get(from) ?? partiesBefore.get(from)!;
        const toInfo = partiesAfter.get(to) ?? partiesBefore.get(to)!;
        gained.add(
            fromInfo,
            toInfo,
            [...portsAfter].filter((p) => !portsBefore.has(p) && counts(p)),
        );
        lost.add(
            fromInfo,
            toInfo,
            [...portsBefore].filter((p) => !portsAfter.has(p) && counts(p)),
        );
    }
    return {
        gained: gained.rows(),
        lost: lost.rows(),
        gainedConnections: gained.connections,
        lostConnections: lost.connections,
        portsJudged: [...judgedBoth].sort(comparePortText),
    };
}

class Aggregator {
    private readonly byApps = new Map<string, { from: PartyInfo; to: PartyInfo; ports: Set<string>; pairs: number }>();
    connections = 0;

    add(from: PartyInfo, to: PartyInfo, ports: readonly string[]): void {
        if (ports.length === 0) return;
        this.connections += ports.length;
        const key = [from.namespace, from.app, to.namespace, to.app].join("\u0000");
        const row = this.byApps.get(key) ?? { from, to, ports: new Set<string>(), pairs: 0 };
        row.pairs++;
        ports.forEach((p) => row.ports.add(p));
        this.byApps.set(key, row);
    }

    rows(): AppPairChange[] {
        return [...this.byApps.values()]
            .map((r) => ({
                from: { namespace: r.from.namespace, app: r.from.app },
                to: { namespace: r.to.namespace, app: r.to.app },
                ports: [...r.ports].sort(comparePortText),
                pairs: r.pairs,
            }))
            .sort(
                (x, y) =>
                    cmp(x.from.namespace, y.from.namespace) ||
                    cmp(x.to.namespace, y.to.namespace) ||
                    cmp(x.from.app, y.from.app) ||
                    cmp(x.to.app, y.to.app),
            );
    }
}

export function isEmptyDiff(d: ConnectivityDiff): boolean {
    return d.gained.length === 0 && d.lost.length === 0;
}

const app = (p: { namespace: string; app: string }) => (p.namespace === OUTSIDE ? p.app : `${p.namespace}/${p.app}`);

function portsText(d: ConnectivityDiff, ports: readonly string[]): string {
    return ports.length === d.portsJudged.length && ports.length > 1 ? `every port judged (${ports.length})` : ports.join(", ");
}

export function renderDiffText(title: string, d: ConnectivityDiff, maxRows = 200): string {
    if (isEmptyDiff(d)) return `${title}: no connectivity change.`;
    const lines = [`${title}: +${d.gainedConnections} connection(s) gained, -${d.lostConnections} lost.`];
    for (const [label, sign, rows] of [
        ["Gained", "+", d.gained],
        ["Lost", "-", d.lost],
    ] as const) {
        if (rows.length === 0) continue;
        lines.push("", `${label}:`);
        const width = Math.max(...rows.slice(0, maxRows).map((r) => `${app(r.from)} -> ${app(r.to)}`.length));
        for (const r of rows.slice(0, maxRows))
            lines.push(
                `  ${sign} ${`${app(r.from)} -> ${app(r.to)}`.padEnd(width)}  ${portsText(d, r.ports)}${r.pairs > 1 ? `  (${r.pairs} pairs)` : ""}`,
            );
        if (rows.length > maxRows) lines.push(`  ... and ${rows.length - maxRows} more app pairs`);
    }
    return lines.join("\n");
}

/** Markdown for a pull-request comment, at most `limit` characters (GitHub's own limit is 65,536). */
export function renderDiffMarkdown(title: string, d: ConnectivityDiff, limit = 60000): string {
    if (isEmptyDiff(d))
        return `### ${title}\n\n✅ **No connectivity change.** The policies allow exactly the same connections as before.\n`;
    const header = [
        `### ${title}`,
        "",
        `**+${d.gainedConnections} gained, −${d.lostConnections} lost** connections (party pair × port), in ${d.gained.length + d.lost.length} app pair(s).`,
        "",
    ];
    const graph = mermaid(d);
    const rows = [...d.gained.map((r) => ["➕ gained", r] as const), ...d.lost.map((r) => ["➖ lost", r] as const)];
    const table = ["| change | from | to | ports |", "| --- | --- | --- | --- |"];
    const footer: string[] = [];
    let size = [...header, ...graph, ...table].join("\n").length + 200;
    let shown = 0;
    for (const [change, r] of rows) {
        const line = `| ${change} | \`${app(r.from)}\` | \`${app(r.to)}\` | ${portsText(d, r.ports)}${r.pairs > 1 ? ` (${r.pairs} pairs)` : ""} |`;
        if (shown >= 300 || size + line.length + 1 > limit) break;
        table.push(line);
        size += line.length + 1;
        shown++;
    }
    if (shown < rows.length)
        footer.push(
            "",
            `_… and ${rows.length - shown} more app pair(s); run \`npm run --silent netpol -- diff\` locally for the full list._`,
        );
    return [...header, ...graph, "", ...table, ...footer, ""].join("\n");
}

/** Namespace-level graph: green edges gained, red edges lost, at most 60 edges. */
function mermaid(d: ConnectivityDiff): string[] {
    const edges = new Map<string, { from: string; to: string; gained: Set<string>; lost: Set<string> }>();
    const note = (r: AppPairChange, kind: "gained" | "lost") => {
        const key = `${r.from.namespace}\u0000${r.to.namespace}`;
        const e = edges.get(key) ?? { from: r.from.namespace, to: r.to.namespace, gained: new Set<string>(), lost: new Set<string>() };
        r.ports.forEach((p) => e[kind].add(p));
        edges.set(key, e);
    };
    d.gained.forEach((r) => note(r, "gained"));
    d.lost.forEach((r) => note(r, "lost"));
    const list = [...edges.values()].slice(0, 60);
    const ids = new Map<string, string>();
    const id = (ns: string) => {
        if (!ids.has(ns)) ids.set(ns, `n${ids.size}`);
        return ids.get(ns)!;
    };
    const lines = ["```mermaid", "graph LR"];
    const styles: string[] = [];
    let index = 0;
    for (const e of list) {
        for (const kind of ["gained", "lost"] as const) {
            if (e[kind].size === 0) continue;
            const ports = [...e[kind]].sort(comparePortText);
            const label = `${kind === "gained" ? "+" : "−"} ${ports.slice(0, 4).join(" ")}${ports.length > 4 ? " …" : ""}`;
            lines.push(`  ${id(e.from)}["${e.from}"] -->|"${label}"| ${id(e.to)}["${e.to}"]`);
            styles.push(`  linkStyle ${index} stroke:${kind === "gained" ? "#2da44e" : "#cf222e"},stroke-width:2px`);
            index++;
        }
    }
    if (edges.size > list.length) lines.push(`  more["… ${edges.size - list.length} more namespace pairs"]`);
    return [...lines, ...styles, "```"];
}

function cmp(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

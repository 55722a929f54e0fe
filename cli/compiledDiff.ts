/**
 * The connectivity change between what two commits compile for a stack. Each side's namespaces
 * and policies come from that commit's own code (scripts/exportCompiled.ts); both are judged on
 * one world, the union of the two commits' representative pods, outside parties and ports, so a
 * change of code and a change of intent show alike. Every gained or lost row names the policies
 * behind it and the intent entry each implements (the policy's `k8s-platform/intent` annotation).
 */
import { Connectivity, OUTSIDE, connectivityOf, podAppDescriber } from "../engine/connectivity";
import { AppPairChange, ConnectivityDiff, diffConnectivity, isEmptyDiff } from "../engine/diff";
import { Party, ReachabilityModel, Verdict } from "../engine/evaluate";
import { formatIp, parseIp } from "../engine/cidr";
import { Labels, Namespace, NetworkPolicy, Protocol, qualifiedName } from "../engine/k8s";
import { outsideAddresses } from "../engine/outside";
import { policyPortEntries, portClasses } from "../engine/ports";
import { Pod, Snapshot } from "../engine/snapshot";

/** What `scripts/exportCompiled.ts` prints (format 1). */
export interface CompiledExport {
    readonly format: 1;
    readonly stack: string;
    readonly appLabel: string;
    readonly namespaces: readonly Namespace[];
    readonly policies: readonly NetworkPolicy[];
    readonly world: {
        readonly snapshot: Snapshot;
        readonly externals: readonly { readonly label: string; readonly ip: string }[];
        readonly ports: readonly { readonly protocol: Protocol; readonly port: number }[];
    };
}

/** The annotation in which the generator says which intent entry a policy implements. */
export const INTENT_ANNOTATION = "k8s-platform/intent";

export interface PolicyCause {
    /** `namespace/name` */
    readonly policy: string;
    /** The intent entry the policy implements, when it says. */
    readonly intent?: string;
}

export interface RowCauses {
    /** Policies that admit the connection on the side where it is allowed. */
    readonly admittedBy: readonly PolicyCause[];
    /** Policies that isolate the side where it is denied (no rule of theirs admits it). */
    readonly deniedBy: readonly PolicyCause[];
    /**
     * The policies that decided the change: those behind the row that were added, removed or
     * changed between the two sides; when none was (a namespace's labels or a new pod changed it),
     * the first policy of each list.
     */
    readonly decidedBy: readonly string[];
}

export interface CompiledDiff extends ConnectivityDiff {
    readonly gainedCauses: readonly RowCauses[];
    readonly lostCauses: readonly RowCauses[];
}

interface Side {
    readonly connectivity: Connectivity;
    /** app-pair-port key -> policies admitting (allowed) or isolating (denied). */
    readonly admitted: Map<string, Set<string>>;
    readonly denied: Map<string, Set<string>>;
    readonly intents: Map<string, string>;
}

export function diffCompiled(before: CompiledExport, after: CompiledExport): CompiledDiff {
    const world = oneWorld(before, after);
    const a = judge(before, world);
    const b = judge(after, world);
    const diff = diffConnectivity(a.connectivity, b.connectivity);
    const changed = changedPolicies(before.policies, after.policies);
    const isolatesOnly = new Set(
        [...before.policies, ...after.policies]
            .filter((p) => (p.spec.ingress ?? []).length === 0 && (p.spec.egress ?? []).length === 0)
            .map(qualifiedName),
    );
    const causes = (row: AppPairChange, allowedSide: Side, deniedSide: Side): RowCauses => {
        const admittedBy = collect(row, allowedSide.admitted, allowedSide.intents);
        // A policy that only isolates (default-deny) is what denies; it comes first, and is the one named.
        const deniedBy = collect(row, deniedSide.denied, deniedSide.intents).sort(
            (x, y) => Number(isolatesOnly.has(y.policy)) - Number(isolatesOnly.has(x.policy)),
        );
        const behind = [...admittedBy, ...deniedBy].map((c) => c.policy);
        const decided = behind.filter((id) => changed.has(id));
        const firsts = [admittedBy[0]?.policy, deniedBy[0]?.policy].filter((x): x is string => x !== undefined);
        return { admittedBy, deniedBy, decidedBy: [...new Set(decided.length > 0 ? decided : firsts)] };
    };
    return {
        ...diff,
        gainedCauses: diff.gained.map((r) => causes(r, b, a)),
        lostCauses: diff.lost.map((r) => causes(r, a, b)),
    };
}

/** Policies (`namespace/name`) added, removed, or with another spec between the two sides. */
function changedPolicies(before: readonly NetworkPolicy[], after: readonly NetworkPolicy[]): Set<string> {
    const specs = (list: readonly NetworkPolicy[]) => new Map(list.map((p) => [qualifiedName(p), JSON.stringify(p.spec)]));
    const [a, b] = [specs(before), specs(after)];
    return new Set([...a.keys(), ...b.keys()].filter((id) => a.get(id) !== b.get(id)));
}

interface World {
    readonly pods: readonly Pod[];
    readonly namespaceLabels: (side: CompiledExport) => Record<string, Labels>;
    readonly externals: readonly { label: string; ip: string }[];
    readonly ports: readonly { protocol: Protocol; port: number }[];
}

/**
 * One world for both sides: every pod of either commit's world (a pod of the later commit whose
 * address the earlier one already uses gets a free one), every outside party, every port.
 */
export function oneWorld(before: CompiledExport, after: CompiledExport): World {
    const pods = new Map<string, Pod>();
    const taken = new Set<string>([...before.world.externals, ...after.world.externals].map((e) => e.ip));
    for (const pod of before.world.snapshot.pods) {
        pods.set(`${pod.namespace}/${pod.name}`, pod);
        taken.add(pod.ip);
    }
    for (const pod of after.world.snapshot.pods) {
        const key = `${pod.namespace}/${pod.name}`;
        const earlier = pods.get(key);
        if (earlier) {
            // The same pod on both sides keeps the earlier address; labels and ports of both count.
            pods.set(key, { ...pod, ip: earlier.ip, ports: unionPorts(earlier.ports, pod.ports) });
            continue;
        }
        pods.set(key, { ...pod, ip: taken.has(pod.ip) ? freeAddress(pod.ip, taken) : pod.ip });
        taken.add(pods.get(key)!.ip);
    }
    const externals = new Map<string, { label: string; ip: string }>();
    for (const e of [...before.world.externals, ...after.world.externals]) if (!externals.has(e.ip)) externals.set(e.ip, e);
    // Beside the worlds' own parties and ports: one address per range either side's ipBlocks
    // distinguish, and one port per class either side's rules distinguish (engine/outside.ts,
    // engine/ports.ts), so a generator that moves a range or a port shows even where the intent did not.
    const policies = [...before.policies, ...after.policies];
    const podRanges = [before, after].flatMap((side) => side.world.snapshot.podCidrs ?? []);
    for (const e of outsideAddresses(policies, [...pods.values()].map((p) => p.ip).concat([...externals.keys()]), podRanges))
        if (!externals.has(e.ip)) externals.set(e.ip, { label: e.label, ip: e.ip });
    const ports = new Map<string, { protocol: Protocol; port: number }>();
    for (const p of [...before.world.ports, ...after.world.ports]) ports.set(`${p.port}/${p.protocol}`, p);
    const entries = [...policyPortEntries(policies), ...[...ports.values()].map((p) => ({ protocol: p.protocol, port: p.port }))];
    for (const c of portClasses(entries, [...pods.values()]))
        ports.set(`${c.representative}/${c.protocol}`, { protocol: c.protocol, port: c.representative });
    return {
        pods: [...pods.values()],
        // Each side's own namespace labels; a namespace only the other side has keeps that side's labels.
        namespaceLabels: (side) => ({
            ...before.world.snapshot.namespaces,
            ...after.world.snapshot.namespaces,
            ...side.world.snapshot.namespaces,
            ...Object.fromEntries(side.namespaces.map((n) => [n.metadata.name, { ...(n.metadata.labels ?? {}) }])),
        }),
        externals: [...externals.values()],
        ports: [...ports.values()].sort((x, y) => x.port - y.port || (x.protocol < y.protocol ? -1 : 1)),
    };
}

function judge(side: CompiledExport, world: World): Side {
    const model = new ReachabilityModel({ namespaces: world.namespaceLabels(side), pods: world.pods, policies: side.policies });
    const parties: Party[] = [
        ...world.pods.map((pod): Party => ({ kind: "pod", pod })),
        ...world.externals.map((e): Party => ({ kind: "external", ip: e.ip })),
    ];
    const externalLabels = new Map(world.externals.map((e) => [e.ip, e.label]));
    const describe = podAppDescriber(side.appLabel, externalLabels);
    const verdicts: Verdict[] = [];
    const admitted = new Map<string, Set<string>>();
    const denied = new Map<string, Set<string>>();
    // Keyed like the diff's rows: namespace and app of pods, the label of outside parties.
    const app = (party: Party) =>
        party.kind === "pod"
            ? `${party.pod.namespace}/${party.pod.labels[side.appLabel] ?? party.pod.name}`
            : `${OUTSIDE}/${externalLabels.get(party.ip) ?? party.ip}`;
    for (const from of parties)
        for (const to of parties) {
            if (from === to || (from.kind === "external" && to.kind === "external")) continue;
            for (const { protocol, port } of world.ports) {
                const v = model.evaluate({ from, to, port, protocol });
                verdicts.push(v);
                const key = `${app(from)}\u0000${app(to)}\u0000${port}/${protocol}`;
                const into = v.allowed ? admitted : denied;
                const set = into.get(key) ?? new Set<string>();
                const halves = [v.egress, v.ingress];
                for (const id of v.allowed
                    ? halves.flatMap((h) => h.allowedBy)
                    : halves.filter((h) => !h.allowed).flatMap((h) => h.isolatedBy))
                    set.add(id);
                into.set(key, set);
            }
        }
    const connectivity = connectivityOf(verdicts, describe);
    const intents = new Map<string, string>();
    for (const p of side.policies) {
        const intent = p.metadata.annotations?.[INTENT_ANNOTATION];
        if (intent) intents.set(qualifiedName(p), intent);
    }
    return { connectivity, admitted, denied, intents };
}

function collect(row: AppPairChange, index: Map<string, Set<string>>, intents: Map<string, string>): PolicyCause[] {
    const policies = new Set<string>();
    const from = `${row.from.namespace}/${row.from.app}`;
    const to = `${row.to.namespace}/${row.to.app}`;
    for (const port of row.ports) index.get(`${from}\u0000${to}\u0000${port}`)?.forEach((p) => policies.add(p));
    return [...policies].sort().map((policy) => (intents.has(policy) ? { policy, intent: intents.get(policy)! } : { policy }));
}

function unionPorts(a: Pod["ports"], b: Pod["ports"]): Pod["ports"] {
    const all = new Map(a.map((p) => [`${p.name ?? ""}/${p.port}/${p.protocol}`, p]));
    for (const p of b) all.set(`${p.name ?? ""}/${p.port}/${p.protocol}`, p);
    return [...all.values()];
}

function freeAddress(near: string, taken: ReadonlySet<string>): string {
    const ip = parseIp(near)!;
    for (let value = ip.value + 1n; ; value++) {
        const text = formatIp({ family: ip.family, value });
        if (!taken.has(text)) return text;
    }
}

/** The causes a row shows: the deciding ones, or all of them (`--all-policies`); and how many are left unsaid. */
function causesShown(list: readonly PolicyCause[], c: RowCauses, every: boolean): { list: readonly PolicyCause[]; more: number } {
    if (every) return { list, more: 0 };
    // An unchanged side still names one policy: the first that isolates (or admits) it.
    const decided = list.filter((x) => c.decidedBy.includes(x.policy));
    const picked = decided.length > 0 ? decided : list.slice(0, 1);
    return { list: picked, more: list.length - picked.length };
}

export function renderCompiledText(title: string, d: CompiledDiff, maxRows: number, everyPolicy = false): string {
    if (isEmptyDiff(d)) return `${title}: no connectivity change.`;
    const lines = [`${title}: +${d.gainedConnections} connection(s) gained, -${d.lostConnections} lost.`];
    for (const [label, sign, rows, causes] of [
        ["Gained", "+", d.gained, d.gainedCauses],
        ["Lost", "-", d.lost, d.lostCauses],
    ] as const) {
        if (rows.length === 0) continue;
        lines.push("", `${label}:`);
        rows.slice(0, maxRows).forEach((r, i) => {
            lines.push(
                `  ${sign} ${party(r.from)} -> ${party(r.to)}  ${portsText(d, r.ports)}${r.pairs > 1 ? `  (${r.pairs} pairs)` : ""}`,
            );
            const c = causes[i]!;
            const verb = sign === "+" ? ["now allowed by", "was denied by"] : ["was allowed by", "now denied by"];
            const [admitted, denied] = [causesShown(c.admittedBy, c, everyPolicy), causesShown(c.deniedBy, c, everyPolicy)];
            lines.push(
                `      ${verb[0]}: ${causeText(admitted.list, c.admittedBy.length === 0 ? "no policy isolates it" : "")}${more(admitted.more)}`,
            );
            lines.push(`      ${verb[1]}: ${causeText(denied.list, c.deniedBy.length === 0 ? "(nothing)" : "")}${more(denied.more)}`);
        });
        if (rows.length > maxRows) lines.push(`  ... and ${rows.length - maxRows} more app pairs (--all shows every one)`);
    }
    return lines.join("\n");
}

function more(count: number): string {
    return count === 0
        ? ""
        : `${count > 0 ? " " : ""}(+${count} more unchanged polic${count === 1 ? "y" : "ies"}; --all-policies lists them)`;
}

/** A Markdown table of the rows and the policies and intent entries behind them, within `limit` characters. */
export function renderCausesMarkdown(d: CompiledDiff, limit: number, everyPolicy = false): string {
    if (isEmptyDiff(d)) return "";
    const lines = [
        "<details><summary>Policies and intent entries behind each change</summary>",
        "",
        "| change | from → to | allowed by (intent) | denied by |",
        "| --- | --- | --- | --- |",
    ];
    const cell = (all: readonly PolicyCause[], c: RowCauses, none: string) => {
        if (all.length === 0) return none;
        const { list, more } = causesShown(all, c, everyPolicy);
        const named = list.map((x) => `\`${x.policy}\`${x.intent ? ` (${x.intent.replace(/\|/g, "\\|")})` : ""}`);
        return [...named, ...(more > 0 ? [`+${more} more unchanged`] : [])].join("<br>");
    };
    let size = lines.join("\n").length + 40;
    let shown = 0;
    const rows = [
        ...d.gained.map((r, i) => ["➕", r, d.gainedCauses[i]!] as const),
        ...d.lost.map((r, i) => ["➖", r, d.lostCauses[i]!] as const),
    ];
    for (const [sign, r, c] of rows) {
        const line = `| ${sign} | \`${party(r.from)}\` → \`${party(r.to)}\` ${r.ports.join(", ")} | ${cell(c.admittedBy, c, "no policy isolates it")} | ${cell(c.deniedBy, c, "—")} |`;
        if (size + line.length + 1 > limit) break;
        lines.push(line);
        size += line.length + 1;
        shown++;
    }
    if (shown < rows.length) lines.push("", `_… and ${rows.length - shown} more; \`netpol diff --all\` lists every one._`);
    return [...lines, "", "</details>", ""].join("\n");
}

function causeText(list: readonly PolicyCause[], none: string): string {
    return list.length === 0 ? none : list.map((c) => (c.intent ? `${c.policy} ("${c.intent}")` : c.policy)).join(", ");
}

const party = (p: { namespace: string; app: string }) => (p.namespace === OUTSIDE ? p.app : `${p.namespace}/${p.app}`);

function portsText(d: ConnectivityDiff, ports: readonly string[]): string {
    return ports.length === d.portsJudged.length && ports.length > 1 ? `every port judged (${ports.length})` : ports.join(", ");
}

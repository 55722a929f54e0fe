/**
 * Whether the offline plan of a stack fits in the memory this process may use, judged before
 * anything is built, from the size of the stack's intent: a stack too large for the machine gets
 * a sentence saying so and what to change, not a V8 heap dump minutes later.
 */
import { NetworkIntent } from "../compiler/intent";

export interface PlanSize {
    readonly namespaces: number;
    readonly apps: number;
    readonly flows: number;
    /** Ports the intent check judges every connection on (an estimate: the world adds a few). */
    readonly ports: number;
}

export interface PlanEstimate extends PlanSize {
    /** Estimated peak heap of the whole plan, in bytes. */
    readonly bytes: number;
}

const MiB = 2 ** 20;
const BASE = 220 * MiB;
const PER_NAMESPACE = 0.7 * MiB;

/**
 * Calibrated on `npm run bench` (docs/netpol.md, "Performance at scale"): the mocked Pulumi program dominates, at
 * about 0.7 MiB per business namespace (a SegmentedNamespace with its policies, Role, RoleBinding,
 * ResourceQuota and LimitRange, with the SDK's promises and outputs; index.ts builds them one per
 * event-loop turn, so only one namespace's are in flight), over ~220 MiB for the platform and the
 * loaded modules (peak RSS measured over four runs: 224-227 MiB nonprod, 290-325 MiB at 100
 * namespaces, 385-487 MiB at 300, 820-845 MiB at 1,000; the heap V8 limits is a part of that).
 * The intent check keeps, per group of pods isolated alike (at most one per
 * party) and per port, a bitset of parties: parties^2 x ports / 8 bytes, plus its lists of
 * allowed pairs.
 */
export function estimatePlan(intent: NetworkIntent): PlanEstimate {
    const size = planSize(intent);
    const parties = size.apps + 8;
    const program = BASE + size.namespaces * PER_NAMESPACE;
    const check = (parties * parties * size.ports) / 8 + parties * size.ports * 64;
    return { ...size, bytes: Math.round(program + check) };
}

export function planSize(intent: NetworkIntent): PlanSize {
    const ports = new Set<string>();
    const mentioned = [
        ...intent.namespaces.flatMap((n) => n.webPorts),
        ...intent.flows.flatMap((f) => f.ports),
        ...intent.cidrSources.flatMap((s) => s.ports),
    ];
    for (const p of mentioned) ports.add(`${String(p.port)}/${p.endPort ?? ""}`);
    return {
        namespaces: intent.namespaces.length,
        apps: intent.namespaces.reduce((sum, n) => sum + n.apps.length, 0),
        flows: intent.flows.length,
        // Both protocols of each, range ends, and the platform's own ports (DNS, API, nginx, a spare).
        ports: ports.size * 3 + 10,
    };
}

/** The refusal, or undefined when the estimate fits in `heapLimit` bytes (V8's heap_size_limit). */
export function planBudgetProblem(stack: string, command: string, e: PlanEstimate, heapLimit: number): string | undefined {
    if (e.bytes <= heapLimit) return undefined;
    const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
    const fits = Math.max(0, Math.floor((heapLimit - BASE) / PER_NAMESPACE));
    return [
        `The offline plan of stack ${stack} would need about ${gib(e.bytes)} of memory, more than this Node process may use (${gib(heapLimit)}, V8's heap limit):`,
        `  ${e.namespaces.toLocaleString("en")} business namespaces, ${e.apps.toLocaleString("en")} apps, ${e.flows.toLocaleString("en")} flows, about ${e.ports} ports judged per connection.`,
        `About ${fits.toLocaleString("en")} namespaces fit in this limit. Split network.namespaces across stacks (one cluster each), or give the plan more memory:`,
        `  NODE_OPTIONS=--max-old-space-size=${Math.ceil((e.bytes * 1.25) / MiB)} npm run plan -- ${command}   (on a machine with that much free memory)`,
    ].join("\n");
}

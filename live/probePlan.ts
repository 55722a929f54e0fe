/**
 * The probe plan: which connections to try in a live cluster so that every distinction the
 * policies make is exercised once, each with the engine's expected verdict.
 *
 * - Pods that no policy can tell apart form one class (engine/matrix.ts), and ports that no rule
 *   tells apart form one port class (engine/ports.ts). Every (source class, destination class,
 *   port class) of the managed namespaces is probed once, from a pod of the source class to a pod
 *   of the destination class (another pod of the same class when the classes are equal) on the
 *   port class's representative port.
 * - From every source class also: DNS (UDP and TCP 53 to a CoreDNS pod), the API server (its real
 *   addresses from the cluster's `default/kubernetes` endpoints, else an address of the stack's
 *   control-plane ranges), and each address range an egress rule names (one address of the range
 *   outside its excepts, on the rule's ports). Probes into the gateway's pods are marked as such.
 * - `maxProbes` bounds the plan. Sampling keeps, in this order: every DNS, API-server and
 *   egress-range probe and every probe the engine expects allowed; then one denied probe per class
 *   pair; then the other denied probes, evenly spread (every k-th in plan order). The plan says how
 *   many it left out. A bound below the first tier is refused.
 * Pure.
 */
import { CLUSTER_DNS, NetworkIntent, isManagedNamespace } from "../compiler/intent";
import { blockContainsIp, formatIp, parseIp, requireCidr, CidrBlock } from "../engine/cidr";
import { ReachabilityModel } from "../engine/evaluate";
import { NetworkPolicyPort, Protocol } from "../engine/k8s";
import { FullMatrix, PodClass } from "../engine/matrix";
import { policyPortEntries, portClasses } from "../engine/ports";
import { selectorMatches } from "../engine/selectors";
import { PartyRef, Pod, Probe, Snapshot } from "../engine/snapshot";
import { ApiServerEndpoint } from "./cluster";

/** Why a probe is in the plan. */
export type ProbePurpose = "classes" | "gateway" | "dns" | "kube-api" | "egress";

export interface PlannedProbe extends Probe {
    /** The engine's verdict: source egress and destination ingress both admit it. */
    readonly allowed: boolean;
    readonly purpose: ProbePurpose;
    /** What the destination stands for (an egress destination's name, the port class). */
    readonly about: string;
}

/** Whether a probe can answer at all: TCP, and UDP only as a DNS query to CoreDNS, which replies. */
export function expectsVerdict(p: PlannedProbe): boolean {
    return p.protocol === "TCP" || (p.protocol === "UDP" && p.purpose === "dns");
}

export interface ProbePlan {
    readonly probes: readonly PlannedProbe[];
    /** Probes before sampling. */
    readonly total: number;
    readonly sourceClasses: number;
    readonly destinationClasses: number;
    readonly portClasses: number;
    readonly maxProbes: number | undefined;
}

export interface PlanOptions {
    /** Namespaces whose pods are probed from and to (default: every namespace a policy lives in). */
    readonly managedNamespaces?: readonly string[];
    /** The API server's real addresses (the cluster's `default/kubernetes` endpoints). */
    readonly apiServer?: readonly ApiServerEndpoint[];
    /** The stack's intent: names egress destinations, the gateway, pod and control-plane ranges. */
    readonly intent?: NetworkIntent;
    readonly maxProbes?: number;
}

export class PlanError extends Error {}

/** The namespaces the stack manages: as given, else the intent's (platform namespaces included), else those with policies. */
function managedNamespaceTest(snapshot: Snapshot, options: PlanOptions): (namespace: string) => boolean {
    if (options.managedNamespaces) {
        const names = new Set(options.managedNamespaces);
        return (namespace) => names.has(namespace);
    }
    const intent = options.intent;
    if (intent) return (namespace) => isManagedNamespace(intent, namespace);
    const withPolicies = new Set(snapshot.policies.map((p) => p.metadata.namespace));
    return (namespace) => withPolicies.has(namespace);
}

/** Addresses never anyone's (RFC 5737, RFC 2544), preferred as the stand-in of a wide range. */
const DOCUMENTATION_ADDRESSES = ["198.18.0.1", "203.0.113.77", "192.0.2.77", "198.51.100.77"];

export function probePlan(snapshot: Snapshot, options: PlanOptions = {}): ProbePlan {
    const intent = options.intent;
    const managed = managedNamespaceTest(snapshot, options);
    const model = new ReachabilityModel(snapshot);
    const matrix = new FullMatrix(snapshot);
    // Running pods first (a Pending pod with an address cannot run a probe container), then by name;
    // a pod without a phase (an offline snapshot) counts as running.
    const notRunning = (p: Pod) => Number(p.phase !== undefined && p.phase !== "Running");
    const sorted = (c: PodClass) => [...c.pods].sort((a, b) => notRunning(a) - notRunning(b) || cmp(a.name, b.name));
    const classes = matrix.classes.filter((c) => managed(c.namespace)).sort((a, b) => cmp(classKey(a), classKey(b)));
    const ports = portClasses(policyPortEntries(snapshot.policies), snapshot.pods);
    const gatewayLabels = intent ? intent.platform.workloads.find((w) => w.name === intent.platform.gateway)?.podLabels : undefined;
    const isGateway = (pod: Pod) =>
        intent !== undefined &&
        gatewayLabels !== undefined &&
        pod.namespace === intent.toolsNamespace &&
        selectorMatches({ matchLabels: gatewayLabels }, pod.labels);

    const probes: PlannedProbe[] = [];
    const judge = (from: Pod, to: PartyRef, port: number, protocol: Protocol, purpose: ProbePurpose, about: string) => {
        const verdict = model.evaluate({ from: model.party(podRef(from)), to: model.party(to), port, protocol });
        probes.push({ from: podRef(from), to, port, protocol, allowed: verdict.allowed, purpose, about });
    };

    for (const source of classes) {
        const from = sorted(source)[0]!;
        for (const destination of classes) {
            const candidates = sorted(destination).filter((p) => p !== from);
            const to = candidates[0];
            if (!to) continue; // a class of one pod: a pod always reaches itself
            for (const pc of ports)
                judge(
                    from,
                    podRef(to),
                    pc.representative,
                    pc.protocol,
                    isGateway(to) ? "gateway" : "classes",
                    portClassText(pc.ranges, pc.protocol),
                );
        }
    }
    const extras: PlannedProbe[] = [];
    const judgeExtra = (from: Pod, to: PartyRef, port: number, protocol: Protocol, purpose: ProbePurpose, about: string) => {
        const verdict = model.evaluate({ from: model.party(podRef(from)), to: model.party(to), port, protocol });
        extras.push({ from: podRef(from), to, port, protocol, allowed: verdict.allowed, purpose, about });
    };
    const dns = snapshot.pods
        .filter((p) => p.namespace === CLUSTER_DNS.namespace && selectorMatches({ matchLabels: CLUSTER_DNS.podLabels }, p.labels))
        .sort((a, b) => cmp(a.name, b.name))[0];
    const apiServer = apiServerTargets(options, snapshot);
    const ranges = egressRanges(snapshot, managed, intent);
    for (const source of classes) {
        const from = sorted(source)[0]!;
        if (dns) for (const protocol of ["UDP", "TCP"] as const) judgeExtra(from, podRef(dns), 53, protocol, "dns", "CoreDNS");
        for (const api of apiServer) judgeExtra(from, { ip: api.ip }, api.port, "TCP", "kube-api", api.about);
        for (const r of ranges) judgeExtra(from, { ip: r.ip }, r.port, r.protocol, "egress", r.about);
    }
    const all = [...extras, ...probes];
    const maxProbes = options.maxProbes;
    const chosen = maxProbes === undefined || all.length <= maxProbes ? all : sample(extras, probes, maxProbes);
    return {
        probes: chosen,
        total: all.length,
        sourceClasses: classes.length,
        destinationClasses: classes.length + (dns ? 1 : 0),
        portClasses: ports.length,
        maxProbes,
    };
}

/** The tiers of the module comment: extras and allowed probes, one denied probe per class pair, the rest evenly. */
function sample(extras: readonly PlannedProbe[], pairs: readonly PlannedProbe[], max: number): PlannedProbe[] {
    const first = [...extras, ...pairs.filter((p) => p.allowed)];
    if (first.length > max)
        throw new PlanError(
            `--max-probes ${max} is below the ${first.length} probes always kept (DNS, API server, egress ranges and every allowed connection); give at least ${first.length}`,
        );
    const denied = pairs.filter((p) => !p.allowed);
    const pairOf = (p: PlannedProbe) => `${String(p.from)}>${typeof p.to === "string" ? p.to : p.to.ip}`;
    const seen = new Set<string>();
    const second: PlannedProbe[] = [];
    const rest: PlannedProbe[] = [];
    for (const p of denied) {
        if (seen.has(pairOf(p))) rest.push(p);
        else {
            seen.add(pairOf(p));
            second.push(p);
        }
    }
    const room = max - first.length;
    if (second.length >= room) return [...first, ...evenly(second, room)];
    return [...first, ...second, ...evenly(rest, room - second.length)];
}

/** `n` items spread evenly over the list (every k-th), in list order. */
export function evenly<T>(list: readonly T[], n: number): T[] {
    if (n <= 0) return [];
    if (n >= list.length) return [...list];
    return Array.from({ length: n }, (_, i) => list[Math.floor((i * list.length) / n)]!);
}

function apiServerTargets(options: PlanOptions, snapshot: Snapshot): { ip: string; port: number; about: string }[] {
    if (options.apiServer && options.apiServer.length > 0)
        return options.apiServer.map((e) => ({ ...e, about: "API server (default/kubernetes endpoints)" }));
    const intent = options.intent;
    if (!intent) return [];
    const taken = new Set(snapshot.pods.map((p) => p.ip));
    return intent.addresses.controlPlaneCidrs.flatMap((c) => {
        const ip = addressIn(requireCidr(c), [], taken);
        return ip ? [{ ip, port: kubeApiPort(intent), about: `API server (stack's control-plane range ${c})` }] : [];
    });
}

/** The port the intent's platform connections reach the API server on (compiler/platform.ts). */
function kubeApiPort(intent: NetworkIntent): number {
    const port = intent.platform.connections.find((c) => c.to.kind === "kubeApi" && c.ports !== "webPorts")?.ports;
    return Array.isArray(port) && typeof port[0]?.port === "number" ? port[0].port : 443;
}

interface RangeTarget {
    readonly ip: string;
    readonly port: number;
    readonly protocol: Protocol;
    readonly about: string;
}

/** One address of each range an egress rule of a managed namespace names, on that rule's ports. */
function egressRanges(snapshot: Snapshot, managed: (namespace: string) => boolean, intent: NetworkIntent | undefined): RangeTarget[] {
    const taken = new Set(snapshot.pods.map((p) => p.ip));
    const podRanges = [...(intent?.addresses.podCidrs ?? []), ...(snapshot.podCidrs ?? [])].map((c) => requireCidr(c));
    const controlPlane = (intent?.addresses.controlPlaneCidrs ?? []).map((c) => requireCidr(c));
    const targets = new Map<string, RangeTarget>();
    for (const policy of snapshot.policies) {
        if (!managed(policy.metadata.namespace)) continue;
        for (const rule of policy.spec.egress ?? []) {
            for (const peer of rule.to ?? []) {
                if (!peer.ipBlock) continue;
                const block = requireCidr(peer.ipBlock.cidr);
                // The API server's own ranges are probed at its real addresses (kube-api).
                if (controlPlane.some((c) => c.first === block.first && c.last === block.last)) continue;
                const excepts = (peer.ipBlock.except ?? []).map((e) => requireCidr(e));
                const ip = addressIn(block, [...excepts, ...podRanges], taken);
                if (!ip) continue;
                const name = intent?.egressDestinations.find((d) => d.cidrs.some((c) => c.cidr === peer.ipBlock!.cidr))?.name;
                const about = `${name ? `egress destination ${name}: ` : ""}${peer.ipBlock.cidr}${excepts.length ? ` except ${peer.ipBlock.except!.join(", ")}` : ""}`;
                for (const p of rulePorts(rule.ports)) {
                    const key = `${ip}|${p.port}/${p.protocol}`;
                    if (!targets.has(key)) targets.set(key, { ip, ...p, about });
                }
            }
        }
    }
    return [...targets.values()].sort((a, b) => cmp(`${a.ip}|${a.port}|${a.protocol}`, `${b.ip}|${b.port}|${b.protocol}`));
}

/** A rule's numeric ports (the first of a range); every port when it names none (7, which nothing serves). */
function rulePorts(ports: readonly NetworkPolicyPort[] | undefined): { port: number; protocol: Protocol }[] {
    if (!ports || ports.length === 0) return [{ port: 7, protocol: "TCP" }];
    return ports.flatMap((p) =>
        typeof p.port === "number"
            ? [{ port: p.port, protocol: p.protocol ?? "TCP" }]
            : p.port === undefined
              ? [{ port: 7, protocol: p.protocol ?? "TCP" }]
              : [],
    );
}

/** An address inside `range`, outside `avoid` and not a pod's: a documentation address when the range holds one, else the first free one. */
function addressIn(range: CidrBlock, avoid: readonly CidrBlock[], taken: ReadonlySet<string>): string | undefined {
    const free = (value: bigint) =>
        !taken.has(formatIp({ family: range.family, value })) && !avoid.some((a) => value >= a.first && value <= a.last);
    for (const text of DOCUMENTATION_ADDRESSES) {
        const ip = parseIp(text)!;
        if (ip.family === range.family && blockContainsIp(range, ip) && free(ip.value)) return text;
    }
    for (let value = range.first + (range.last > range.first ? 1n : 0n), tries = 0; value <= range.last && tries < 512; value++, tries++) {
        if (free(value)) return formatIp({ family: range.family, value });
        const excluded = avoid.find((a) => value >= a.first && value <= a.last);
        if (excluded) value = excluded.last;
    }
    return undefined;
}

function portClassText(ranges: readonly { first: number; last: number }[], protocol: Protocol): string {
    const parts = ranges.map((r) => (r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`));
    return `ports ${parts.length > 3 ? `${parts.slice(0, 3).join(", ")}, … ${parts.length - 3} more ranges` : parts.join(", ")}/${protocol}`;
}

function classKey(c: PodClass): string {
    return `${c.namespace}\u0000${JSON.stringify(Object.entries(c.labels).sort())}\u0000${c.index}`;
}

export function podRef(pod: Pod): string {
    return `${pod.namespace}/${pod.name}`;
}

export function probeKey(p: Probe): string {
    return `${typeof p.from === "string" ? p.from : p.from.ip}>${typeof p.to === "string" ? p.to : p.to.ip}:${p.port}/${p.protocol}`;
}

function cmp(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

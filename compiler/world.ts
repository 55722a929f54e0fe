/**
 * The synthetic cluster the intent check judges: one pod per app, the platform's pods, and
 * representative addresses outside the cluster, plus the ports every connection is checked on.
 */
import { CidrBlock, blockContainsIp, formatCidr, formatIp, parseIp, requireCidr } from "../engine/cidr";
import { NAMESPACE_NAME_LABEL, Namespace, NetworkPolicy, Protocol } from "../engine/k8s";
import { PortClass, PortEntry, policyPortEntries, portClasses } from "../engine/ports";
import { ContainerPort, Pod, Snapshot } from "../engine/snapshot";
import {
    AddressRule,
    CLUSTER_DNS,
    INSTANCE_METADATA_IP,
    KUBE_API_PORTS,
    NetworkIntent,
    POD_IDENTITY_AGENT,
    PlatformWorkload,
    STS_PORTS,
} from "./intent";

/** A party outside the cluster, named for what it stands for. */
export interface ExternalParty {
    readonly label: string;
    readonly ip: string;
}

export interface IntentWorld {
    readonly snapshot: Snapshot;
    readonly externals: readonly ExternalParty[];
    /** The (protocol, port) pairs every connection is checked on: one per port class, its representative. */
    readonly ports: readonly { readonly protocol: Protocol; readonly port: number }[];
    /** The port class each of `ports` stands for (same order): every port the policies and the intent judge alike. */
    readonly portClasses: readonly PortClass[];
}

/**
 * Builds the synthetic cluster. Pods get addresses in the pod ranges, as the Amazon VPC CNI gives
 * them, so every address rule is judged against pods that really hold such addresses. `extra` adds
 * outside parties and ports, so that two worlds compared by a diff judge the same addresses on the
 * same ports. The ports are one per port class of the intent's ports and the `policies`' rules
 * together (engine/ports.ts): every port and endPort boundary of either, both protocols, so a port
 * range the policies widen, narrow or move, or a protocol they swap, is judged.
 */
export function intentWorld(
    intent: NetworkIntent,
    namespaces: readonly Namespace[],
    extra?: Pick<IntentWorld, "externals" | "ports">,
    policies: readonly NetworkPolicy[] = [],
): IntentWorld {
    // Pods take turns over the pod ranges, so a rule that forgets to except any one of them shows.
    const podRanges = intent.addresses.podCidrs.map((c) => requireCidr(c));
    const nextInRange = podRanges.map((r) => r.first + 10n);
    let turn = 0;
    const nextIp = () => {
        const i = turn++ % podRanges.length;
        return formatIp({ family: podRanges[i]!.family, value: nextInRange[i]!++ });
    };
    const namedPorts = collectNamedPorts(intent);
    const pod = (namespace: string, name: string, labels: Record<string, string>): Pod => ({
        namespace,
        name,
        labels,
        ip: nextIp(),
        ports: namedPorts,
    });

    const pods: Pod[] = [];
    for (const ns of intent.namespaces) for (const app of ns.apps) pods.push(pod(ns.name, app, { [intent.appLabel]: app }));
    for (const w of intent.platform.workloads) pods.push(pod(w.namespace, w.name, platformPodLabels(w)));

    const namespaceLabels: Record<string, Record<string, string>> = {};
    for (const w of intent.platform.workloads) namespaceLabels[w.namespace] = { [NAMESPACE_NAME_LABEL]: w.namespace };
    for (const ns of namespaces) namespaceLabels[ns.metadata.name] = { ...(ns.metadata.labels ?? {}) };

    const taken = new Set(pods.map((p) => p.ip));
    const externals: ExternalParty[] = [];
    const addExternal = (label: string, ip: string | undefined) => {
        if (ip && !taken.has(ip)) {
            taken.add(ip);
            externals.push({ label, ip });
        }
    };
    const podBlocks = intent.addresses.podCidrs.map((c) => requireCidr(c));
    const addRule = (label: string, rule: AddressRule) => {
        for (const c of rule.cidrs) {
            const excepts = c.except.map((e) => requireCidr(e));
            addExternal(`${label} ${c.cidr}`, insideAvoiding(requireCidr(c.cidr), [...excepts, ...podBlocks], taken));
            for (const e of excepts) addExternal(`${label} except ${formatCidr(e)}`, insideAvoiding(e, podBlocks, taken));
        }
    };
    intent.addresses.controlPlaneCidrs.forEach((c) => addExternal("control plane", insideAvoiding(requireCidr(c), [], taken)));
    addRule("gateway client", intent.gatewayClients);
    for (const s of intent.cidrSources) addRule(s.name, s);
    for (const d of intent.egressDestinations) addRule(d.name, d);
    addExternal("pod identity agent", POD_IDENTITY_AGENT.ip);
    intent.podCredentials.stsCidrs.forEach((c) => addExternal(`sts ${c}`, insideAvoiding(requireCidr(c), [], taken)));
    addExternal("instance metadata", INSTANCE_METADATA_IP);
    addExternal("internet", outsideAll(allDeclaredBlocks(intent), taken));
    // Just outside every declared range and every except: a rule wider than declared shows there.
    for (const block of declaredRangesAndExcepts(intent)) {
        for (const [side, value] of [
            ["below", block.first - 1n],
            ["above", block.last + 1n],
        ] as const) {
            if (value < 0n || value >= 1n << BigInt(block.family === 4 ? 32 : 128)) continue;
            const ip = { family: block.family, value };
            if (podBlocks.some((p) => blockContainsIp(p, ip))) continue;
            addExternal(`just ${side} ${formatCidr(block)}`, formatIp(ip));
        }
    }
    for (const e of extra?.externals ?? []) if (!externals.some((x) => x.ip === e.ip)) addExternal(e.label, e.ip);

    const mentioned: PortEntry[] = [
        ...intent.namespaces.flatMap((n) => n.webPorts),
        ...intent.flows.flatMap((f) => f.ports),
        ...intent.cidrSources.flatMap((s) => s.ports),
        ...intent.egressDestinations.flatMap((d) => d.ports),
        ...intent.platform.connections.flatMap((c) => (c.ports === "webPorts" ? [] : c.ports)),
        ...CLUSTER_DNS.ports,
        ...KUBE_API_PORTS,
        ...POD_IDENTITY_AGENT.ports,
        ...STS_PORTS,
        ...namedPorts.map((cp) => ({ protocol: cp.protocol, port: cp.port })),
        ...(extra?.ports ?? []).map((p) => ({ protocol: p.protocol, port: p.port })),
    ];
    // Classes of ports nothing tells apart; port 7 stands for the ports nothing names.
    const classes = portClasses([...mentioned, ...policyPortEntries(policies)], [{ ports: namedPorts }]).sort(
        (a, b) => a.representative - b.representative || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0),
    );
    const sortedPorts = classes.map((c) => ({ protocol: c.protocol, port: c.representative }));
    return {
        snapshot: { name: "intent", namespaces: namespaceLabels, pods, policies: [] },
        externals,
        ports: sortedPorts,
        portClasses: classes,
    };
}

function collectNamedPorts(intent: NetworkIntent): ContainerPort[] {
    const all = [
        ...intent.namespaces.flatMap((n) => n.webPorts),
        ...intent.flows.flatMap((f) => f.ports),
        ...intent.cidrSources.flatMap((s) => s.ports),
    ];
    const names = new Map<string, ContainerPort>();
    for (const p of all) {
        if (typeof p.port === "string" && !names.has(`${p.port}/${p.protocol}`))
            names.set(`${p.port}/${p.protocol}`, { name: p.port, protocol: p.protocol, port: 20000 + names.size });
    }
    return [...names.values()];
}

function allDeclaredBlocks(intent: NetworkIntent): CidrBlock[] {
    return [
        ...intent.addresses.controlPlaneCidrs,
        ...[intent.gatewayClients, ...intent.cidrSources, ...intent.egressDestinations].flatMap((r) => r.cidrs.map((c) => c.cidr)),
        ...intent.podCredentials.stsCidrs,
    ].map((c) => requireCidr(c));
}

/** Every range the intent names, and every except: all an address is ever judged by (with the Pod Identity agent's). */
export function declaredRangesAndExcepts(intent: NetworkIntent): CidrBlock[] {
    return [...allDeclaredBlocks(intent), ...allExcepts(intent)];
}

function allExcepts(intent: NetworkIntent): CidrBlock[] {
    return [intent.gatewayClients, ...intent.cidrSources, ...intent.egressDestinations].flatMap((r) =>
        r.cidrs.flatMap((c) => c.except.map((e) => requireCidr(e))),
    );
}

/**
 * The labels a platform workload's pods carry: a Job's pods have their template's labels plus the
 * Job controller's `batch.kubernetes.io/job-name` (which the workload selects on) and the legacy
 * `job-name` (Kubernetes 1.27+ sets both), so selectors are judged against what the cluster shows.
 */
function platformPodLabels(w: PlatformWorkload): Record<string, string> {
    const job = w.podLabels["batch.kubernetes.io/job-name"];
    return w.kind === "Job" && job !== undefined ? { ...w.podLabels, "job-name": job } : { ...w.podLabels };
}

/** An address inside `range` but outside `avoid`, preferring a recognisable public one for wide ranges. */
function insideAvoiding(range: CidrBlock, avoid: readonly CidrBlock[], taken: ReadonlySet<string>): string | undefined {
    const free = (value: bigint) =>
        !taken.has(formatIp({ family: range.family, value })) && !avoid.some((a) => value >= a.first && value <= a.last);
    for (const text of PUBLIC_EXAMPLES) {
        const ip = parseIp(text)!;
        if (blockContainsIp(range, ip) && free(ip.value)) return text;
    }
    // Walk from the first host address, jumping over excluded ranges; a few hundred steps at most.
    for (let value = range.first + (range.last > range.first ? 1n : 0n), tries = 0; value <= range.last && tries < 512; value++, tries++) {
        if (free(value)) return formatIp({ family: range.family, value });
        const excluded = avoid.find((a) => value >= a.first && value <= a.last);
        if (excluded) value = excluded.last;
    }
    return undefined;
}

/** Documentation and benchmarking ranges (RFC 5737, RFC 2544): never anyone's real address. */
const PUBLIC_EXAMPLES = ["198.18.0.1", "203.0.113.77", "192.0.2.77", "198.51.100.77"];

function outsideAll(blocks: readonly CidrBlock[], taken: ReadonlySet<string>): string | undefined {
    return PUBLIC_EXAMPLES.find((ip) => !taken.has(ip) && !blocks.some((b) => blockContainsIp(b, parseIp(ip)!)));
}

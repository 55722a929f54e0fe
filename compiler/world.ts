/**
 * The synthetic cluster the intent check judges: one pod per app, the platform's pods, and
 * representative addresses outside the cluster, plus the ports every connection is checked on.
 */
import { CidrBlock, blockContainsIp, formatCidr, formatIp, parseIp, requireCidr } from "../engine/cidr";
import { NAMESPACE_NAME_LABEL, Namespace, Protocol } from "../engine/k8s";
import { ContainerPort, Pod, Snapshot } from "../engine/snapshot";
import { CLUSTER_DNS, KUBE_API_PORTS, NetworkIntent } from "./intent";

/** A party outside the cluster, named for what it stands for. */
export interface ExternalParty {
    readonly label: string;
    readonly ip: string;
}

export interface IntentWorld {
    readonly snapshot: Snapshot;
    readonly externals: readonly ExternalParty[];
    /** The (protocol, port) pairs every connection is checked on. */
    readonly ports: readonly { readonly protocol: Protocol; readonly port: number }[];
}

const NGINX_POD = "ingress-nginx-controller";

/**
 * Builds the synthetic cluster. Pods get addresses in the VPC range, as the Amazon VPC CNI gives
 * them. `extra` adds outside parties and ports, so that two worlds compared by a diff judge the
 * same addresses on the same ports.
 */
export function intentWorld(
    intent: NetworkIntent,
    namespaces: readonly Namespace[],
    extra?: Pick<IntentWorld, "externals" | "ports">,
): IntentWorld {
    const vpc = requireCidr(intent.controlPlaneCidrs[0]!);
    let next = vpc.first + 10n;
    const nextIp = () => formatIp({ family: vpc.family, value: next++ });
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
    pods.push(pod(intent.toolsNamespace, NGINX_POD, { ...intent.ingressNginx.podLabels, "app.kubernetes.io/instance": "ingress-nginx" }));
    pods.push(pod(CLUSTER_DNS.namespace, "coredns", { ...CLUSTER_DNS.podLabels }));

    const namespaceLabels: Record<string, Record<string, string>> = {
        [CLUSTER_DNS.namespace]: { [NAMESPACE_NAME_LABEL]: CLUSTER_DNS.namespace },
    };
    for (const ns of namespaces) namespaceLabels[ns.metadata.name] = { ...(ns.metadata.labels ?? {}) };

    const taken = new Set(pods.map((p) => p.ip));
    const externals: ExternalParty[] = [];
    const addExternal = (label: string, ip: string | undefined) => {
        if (ip && !taken.has(ip)) {
            taken.add(ip);
            externals.push({ label, ip });
        }
    };
    addExternal("control plane", formatIp({ family: vpc.family, value: vpc.last - 1n }));
    intent.ingressNginx.sourceCidrs.forEach((c) => addExternal(`nginx client ${c}`, insideAvoiding(requireCidr(c), [], taken)));
    for (const s of intent.cidrSources) {
        for (const c of s.cidrs) {
            const excepts = c.except.map((e) => requireCidr(e));
            addExternal(`${s.name} ${c.cidr}`, insideAvoiding(requireCidr(c.cidr), excepts, taken));
            for (const e of excepts) addExternal(`${s.name} except ${formatCidr(e)}`, insideAvoiding(e, [], taken));
        }
    }
    addExternal("internet", outsideAll(allDeclaredBlocks(intent), taken));
    for (const e of extra?.externals ?? []) if (!externals.some((x) => x.ip === e.ip)) addExternal(e.label, e.ip);

    const ports = new Map<string, { protocol: Protocol; port: number }>();
    const add = (protocol: Protocol, port: number) => ports.set(`${port}/${protocol}`, { protocol, port });
    const mentioned = [
        ...intent.namespaces.flatMap((n) => n.webPorts),
        ...intent.flows.flatMap((f) => f.ports),
        ...intent.cidrSources.flatMap((s) => s.ports),
        ...intent.ingressNginx.servicePorts,
        ...CLUSTER_DNS.ports,
        ...KUBE_API_PORTS,
        { protocol: "TCP" as Protocol, port: intent.ingressNginx.webhookPort },
    ];
    for (const p of mentioned) {
        if (typeof p.port === "string") continue;
        for (const protocol of ["TCP", "UDP"] as const) {
            add(protocol, p.port);
            if (p.endPort !== undefined) {
                add(protocol, p.endPort);
                if (p.endPort < 65535) add(protocol, p.endPort + 1);
            }
        }
    }
    for (const cp of namedPorts) add(cp.protocol, cp.port);
    for (const p of extra?.ports ?? []) add(p.protocol, p.port);
    // A port nothing mentions: whatever is allowed on it is allowed on every port.
    add("TCP", 7);
    add("UDP", 7);
    const sortedPorts = [...ports.values()].sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : 1));
    return { snapshot: { name: "intent", namespaces: namespaceLabels, pods, policies: [] }, externals, ports: sortedPorts };
}

export function collectNamedPorts(intent: NetworkIntent): ContainerPort[] {
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
        ...intent.controlPlaneCidrs,
        ...intent.ingressNginx.sourceCidrs,
        ...intent.cidrSources.flatMap((s) => s.cidrs.map((c) => c.cidr)),
    ].map((c) => requireCidr(c));
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

/**
 * The proof that the generated policies implement the intent, no more and no less. A synthetic
 * cluster is built from the intent (one pod per app, nginx in tools, CoreDNS in kube-system, and
 * representative addresses outside the cluster); every connection between them on every port the
 * intent mentions (plus ports it does not) is judged twice: by the reachability engine over the
 * policies, and by `expectedConnection`, a second, independent reading of the intent. Any
 * difference is a mismatch naming the pair and the policies involved.
 */
import { CidrBlock, blockContainsIp, formatCidr, formatIp, parseIp, requireCidr } from "./cidr";
import { NAMESPACE_NAME_LABEL, Namespace, NetworkPolicy, Protocol } from "./k8s";
import { CLUSTER_DNS, KUBE_API_PORTS, NetworkIntent, PortSpec, WEB_APP } from "./intent";
import { mergeFlows, portString } from "./generate";
import { Party, ReachabilityModel, Verdict, partyName } from "./evaluate";
import { ContainerPort, Pod, Snapshot } from "./snapshot";

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

export interface Expectation {
    readonly allowed: boolean;
    /** Why the intent allows it, or why not. */
    readonly because: string;
}

export interface IntentMismatch {
    readonly kind: "extra" | "missing";
    readonly from: string;
    readonly to: string;
    readonly port: number;
    readonly protocol: Protocol;
    /** Policies behind the engine's verdict (those admitting an extra, those isolating a missing one). */
    readonly policies: readonly string[];
    readonly expected: string;
}

export interface IntentCheck {
    readonly world: IntentWorld;
    readonly checked: number;
    readonly verdicts: readonly Verdict[];
    readonly mismatches: readonly IntentMismatch[];
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

/** Judges every connection of the world under `policies` and compares with the intent. */
export function checkIntent(
    intent: NetworkIntent,
    namespaces: readonly Namespace[],
    policies: readonly NetworkPolicy[],
    extra?: Pick<IntentWorld, "externals" | "ports">,
): IntentCheck {
    const world = intentWorld(intent, namespaces, extra);
    const model = new ReachabilityModel({ ...world.snapshot, policies });
    const parties: Party[] = [
        ...world.snapshot.pods.map((pod): Party => ({ kind: "pod", pod })),
        ...world.externals.map((e): Party => ({ kind: "external", ip: e.ip })),
    ];
    const verdicts: Verdict[] = [];
    const mismatches: IntentMismatch[] = [];
    for (const from of parties) {
        for (const to of parties) {
            if (from === to || (from.kind === "external" && to.kind === "external")) continue;
            for (const { protocol, port } of world.ports) {
                const verdict = model.evaluate({ from, to, port, protocol });
                verdicts.push(verdict);
                const expected = expectedConnection(intent, from, to, port, protocol);
                if (expected.allowed === verdict.allowed) continue;
                const halves = [verdict.egress, verdict.ingress];
                mismatches.push({
                    kind: verdict.allowed ? "extra" : "missing",
                    from: partyName(from),
                    to: partyName(to),
                    port,
                    protocol,
                    policies: verdict.allowed
                        ? unique(halves.flatMap((h) => h.allowedBy))
                        : unique(halves.filter((h) => !h.allowed).flatMap((h) => h.isolatedBy)),
                    expected: expected.because,
                });
            }
        }
    }
    return { world, checked: verdicts.length, verdicts, mismatches };
}

export function formatMismatch(m: IntentMismatch): string {
    const what = `${m.from} -> ${m.to} on ${m.port}/${m.protocol}`;
    return m.kind === "extra"
        ? `extra: ${what} is allowed by ${m.policies.join(", ") || "(no isolating policy)"}, but the intent does not allow it (${m.expected})`
        : `missing: ${what} is denied (isolated by ${m.policies.join(", ")}), but the intent allows it (${m.expected})`;
}

/**
 * The intent's own answer for one connection, written from the intent's definition rather than
 * from the generated policies: both halves must be allowed, as in Kubernetes.
 */
export function expectedConnection(intent: NetworkIntent, from: Party, to: Party, port: number, protocol: Protocol): Expectation {
    const egress = expectedEgress(intent, from, to, port, protocol);
    if (!egress.allowed) return egress;
    const ingress = expectedIngress(intent, from, to, port, protocol);
    if (!ingress.allowed) return ingress;
    return { allowed: true, because: [...new Set([egress.because, ingress.because])].join("; ") };
}

function expectedIngress(intent: NetworkIntent, from: Party, to: Party, port: number, protocol: Protocol): Expectation {
    if (to.kind === "external") return yes("the destination is outside the cluster");
    const dst = to.pod;
    if (!isManaged(intent, dst.namespace)) return yes(`${dst.namespace} is not segmented`);
    const src = from.kind === "pod" ? from.pod : undefined;
    const onPort = (ports: readonly PortSpec[]) => portIn(ports, port, protocol, dst);
    if (src && src.namespace === dst.namespace) return yes("same namespace");
    const dstApp = dst.labels[intent.appLabel];
    const srcIp = parseIp(from.kind === "pod" ? from.pod.ip : from.ip)!;
    const inAny = (cidrs: readonly string[]) => cidrs.some((c) => blockContainsIp(requireCidr(c), srcIp));

    if (isNginx(intent, dst)) {
        if (src && isWeb(intent, src) && onPort(intent.ingressNginx.servicePorts))
            return yes(`web pods call nginx on ${intent.ingressNginx.servicePorts.map(portString).join(", ")}`);
        if (inAny(intent.ingressNginx.sourceCidrs) && onPort(intent.ingressNginx.servicePorts))
            return yes("nginx serves its client ranges");
        if (inAny(intent.controlPlaneCidrs) && protocol === "TCP" && port === intent.ingressNginx.webhookPort)
            return yes("the control plane range calls the admission webhook");
        return no("nothing in the intent admits this into nginx");
    }
    const ns = intent.namespaces.find((n) => n.name === dst.namespace);
    if (ns && dstApp === WEB_APP && ns.apps.includes(WEB_APP) && src && isNginx(intent, src) && onPort(ns.webPorts))
        return yes(`nginx forwards to ${ns.name}/web`);
    const flow = src && declaredFlow(intent, src, dst, onPort);
    if (flow) return yes(flow);
    for (const s of intent.cidrSources) {
        const inRange = s.cidrs.some(
            (c) => blockContainsIp(requireCidr(c.cidr), srcIp) && !c.except.some((e) => blockContainsIp(requireCidr(e), srcIp)),
        );
        if (s.to.namespace === dst.namespace && s.to.app === dstApp && inRange && (s.ports.length === 0 || onPort(s.ports)))
            return yes(`CIDR source ${s.name}`);
    }
    return no(`nothing in the intent admits this into ${dst.namespace}/${dst.name}`);
}

function expectedEgress(intent: NetworkIntent, from: Party, to: Party, port: number, protocol: Protocol): Expectation {
    if (from.kind === "external") return yes("the source is outside the cluster");
    const src = from.pod;
    if (!isManaged(intent, src.namespace) || !intent.defaultDenyEgress) return yes("egress is open");
    const dst = to.kind === "pod" ? to.pod : undefined;
    const onPort = (ports: readonly PortSpec[]) => portIn(ports, port, protocol, dst);
    if (dst && dst.namespace === src.namespace) return yes("same namespace");
    if (
        dst &&
        dst.namespace === CLUSTER_DNS.namespace &&
        Object.entries(CLUSTER_DNS.podLabels).every(([k, v]) => dst.labels[k] === v) &&
        onPort(CLUSTER_DNS.ports)
    )
        return yes("DNS");
    if (isWeb(intent, src) && dst && isNginx(intent, dst) && onPort(intent.ingressNginx.servicePorts)) return yes("web pods call nginx");
    if (isNginx(intent, src)) {
        const ns = dst && intent.namespaces.find((n) => n.name === dst.namespace);
        if (ns && dst && isWeb(intent, dst) && onPort(ns.webPorts)) return yes(`nginx forwards to ${ns.name}/web`);
        const dstIp = parseIp(to.kind === "pod" ? to.pod.ip : to.ip)!;
        if (intent.controlPlaneCidrs.some((c) => blockContainsIp(requireCidr(c), dstIp)) && onPort(KUBE_API_PORTS))
            return yes("nginx reaches the Kubernetes API range");
    }
    const flow = dst && declaredFlow(intent, src, dst, onPort);
    if (flow) return yes(flow);
    return no(`egress from ${src.namespace}/${src.name} is denied by default and nothing in the intent allows this`);
}

/** The declared flow from `src`'s app to `dst`'s app on the port, named, if there is one. */
function declaredFlow(intent: NetworkIntent, src: Pod, dst: Pod, onPort: (ports: readonly PortSpec[]) => boolean): string | undefined {
    const app = (pod: Pod) => pod.labels[intent.appLabel];
    const f = mergeFlows(intent.flows).find(
        (f) =>
            f.from.namespace === src.namespace &&
            f.from.app === app(src) &&
            f.to.namespace === dst.namespace &&
            f.to.app === app(dst) &&
            (f.ports.length === 0 || onPort(f.ports)),
    );
    return f && `flow ${f.from.namespace}/${f.from.app} -> ${f.to.namespace}/${f.to.app}`;
}

function isManaged(intent: NetworkIntent, namespace: string): boolean {
    return namespace === intent.toolsNamespace || intent.namespaces.some((n) => n.name === namespace);
}

function isNginx(intent: NetworkIntent, pod: Pod): boolean {
    return pod.namespace === intent.toolsNamespace && Object.entries(intent.ingressNginx.podLabels).every(([k, v]) => pod.labels[k] === v);
}

function isWeb(intent: NetworkIntent, pod: Pod): boolean {
    const ns = intent.namespaces.find((n) => n.name === pod.namespace);
    return ns !== undefined && ns.apps.includes(WEB_APP) && pod.labels[intent.appLabel] === WEB_APP;
}

/** Whether a port of the intent covers the connection's port; named ports resolve on the destination pod. */
function portIn(ports: readonly PortSpec[], port: number, protocol: Protocol, destination: Pod | undefined): boolean {
    return ports.some((p) => {
        if (p.protocol !== protocol) return false;
        if (typeof p.port === "string")
            return destination?.ports.some((cp) => cp.name === p.port && cp.protocol === protocol && cp.port === port) ?? false;
        return p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port;
    });
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

function unique(list: readonly string[]): string[] {
    return [...new Set(list)].sort();
}

const yes = (because: string): Expectation => ({ allowed: true, because });
const no = (because: string): Expectation => ({ allowed: false, because });

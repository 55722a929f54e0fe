/**
 * The intent's own answer for one connection, written from the intent's definition rather than
 * from the generated policies: the independent reading the intent check compares the engine with.
 * It knows that pods have VPC addresses: an address rule admits a pod only where it says
 * `includesPods`, whatever range the pod's address falls in.
 */
import { blockContainsIp, parseIp, requireCidr } from "../engine/cidr";
import { Protocol } from "../engine/k8s";
import { Party } from "../engine/evaluate";
import { Pod } from "../engine/snapshot";
import {
    ALL_APPS,
    AddressRule,
    AppRef,
    CLUSTER_DNS,
    NetworkIntent,
    POD_IDENTITY_AGENT,
    PlatformPeer,
    PlatformWorkload,
    PortSpec,
    STS_PORTS,
    WEB_APP,
    appRefString,
    isManagedNamespace,
    peerName,
    platformOutside,
    portString,
} from "./intent";

export interface Expectation {
    readonly allowed: boolean;
    /** Why the intent allows it, or why not. */
    readonly because: string;
}

/** What the intent says of each half of a connection: the source's egress, the destination's ingress. */
export function expectedHalves(
    intent: NetworkIntent,
    from: Party,
    to: Party,
    port: number,
    protocol: Protocol,
): { readonly egress: Expectation; readonly ingress: Expectation } {
    return { egress: expectedEgress(intent, from, to, port, protocol), ingress: expectedIngress(intent, from, to, port, protocol) };
}

/** Both halves must be allowed, as in Kubernetes. */
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
    if (src && src.namespace === dst.namespace) return yes("same namespace");
    const onPort = (ports: readonly PortSpec[]) => portIn(ports, port, protocol, dst);

    const workload = platformWorkloadOf(intent, dst);
    if (workload) {
        for (const c of intent.platform.connections) {
            if (c.to.kind !== "workload" || c.to.name !== workload.name) continue;
            if (peerIs(intent, c.from, from) && onPort(c.ports === "webPorts" ? [] : c.ports))
                return yes(`${peerName(c.from)} -> ${workload.name}: ${c.why}`);
        }
        return no(`nothing in the intent admits this into ${workload.name} (${dst.namespace}/${dst.name})`);
    }

    const ns = intent.namespaces.find((n) => n.name === dst.namespace);
    if (ns && isWeb(intent, dst)) {
        for (const c of intent.platform.connections) {
            if (c.to.kind === "web" && peerIs(intent, c.from, from) && onPort(c.ports === "webPorts" ? ns.webPorts : c.ports))
                return yes(`${peerName(c.from)} -> ${ns.name}/web: ${c.why}`);
        }
    }
    const flow = src && declaredFlow(intent, src, dst, onPort);
    if (flow) return yes(flow);
    for (const s of intent.cidrSources) {
        if (
            s.to.namespace === dst.namespace &&
            appMatches(intent, s.to, dst) &&
            addressAdmits(intent, s, from) &&
            (s.ports.length === 0 || onPort(s.ports))
        )
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
    if (dst && dst.namespace === CLUSTER_DNS.namespace && hasLabels(dst, CLUSTER_DNS.podLabels) && onPort(CLUSTER_DNS.ports))
        return yes("DNS");

    const credentials = intent.podCredentials;
    const outside = to.kind === "external" ? parseIp(to.ip)! : undefined;
    if (
        outside &&
        credentials.podIdentityAgent &&
        blockContainsIp(requireCidr(POD_IDENTITY_AGENT.cidr), outside) &&
        onPort(POD_IDENTITY_AGENT.ports)
    )
        return yes("the EKS Pod Identity agent");
    if (outside && credentials.stsCidrs.some((c) => blockContainsIp(requireCidr(c), outside)) && onPort(STS_PORTS))
        return yes("STS (IRSA)");

    const workload = platformWorkloadOf(intent, src);
    for (const c of intent.platform.connections) {
        const fromHere = workload
            ? c.from.kind === "workload" && c.from.name === workload.name
            : c.from.kind === "web" && isWeb(intent, src);
        if (!fromHere || !peerIs(intent, c.to, to)) continue;
        const ports = c.ports === "webPorts" ? (intent.namespaces.find((n) => n.name === dst?.namespace)?.webPorts ?? []) : c.ports;
        if (onPort(ports)) return yes(`${workload ? workload.name : "web"} -> ${peerName(c.to)}: ${c.why}`);
    }
    if (workload)
        return no(`egress from ${workload.name} (${src.namespace}/${src.name}) is denied by default and nothing in the intent allows this`);

    const flow = dst && declaredFlow(intent, src, dst, onPort);
    if (flow) return yes(flow);
    for (const g of intent.egress) {
        if (g.from.namespace !== src.namespace || !appMatches(intent, g.from, src)) continue;
        const d = intent.egressDestinations.find((x) => x.name === g.to);
        if (d && addressAdmits(intent, d, to) && (d.ports.length === 0 || onPort(d.ports)))
            return yes(`${appRefString(g.from)} may reach ${d.name} on ${d.ports.map(portString).join(", ") || "every port"}`);
    }
    return no(`egress from ${src.namespace}/${src.name} is denied by default and nothing in the intent allows this`);
}

/** Whether the party is what a platform connection's end stands for. */
function peerIs(intent: NetworkIntent, peer: PlatformPeer, party: Party): boolean {
    const pod = party.kind === "pod" ? party.pod : undefined;
    const address = parseIp(party.kind === "pod" ? party.pod.ip : party.ip)!;
    const inAny = (cidrs: readonly string[]) => cidrs.some((c) => blockContainsIp(requireCidr(c), address));
    switch (peer.kind) {
        case "workload":
            return pod !== undefined && platformWorkloadOf(intent, pod)?.name === peer.name;
        case "web":
            return pod !== undefined && isWeb(intent, pod);
        // The control plane holds addresses no pod can have (subnets of its own).
        case "kubeApi":
            return pod === undefined && inAny(intent.addresses.controlPlaneCidrs);
        case "gatewayClients":
            return addressAdmits(intent, intent.gatewayClients, party);
        case "outside":
            return addressAdmits(intent, platformOutside(intent, peer.name), party);
        default: {
            const unknown: never = peer;
            throw new Error(`unknown platform peer ${JSON.stringify(unknown)}`);
        }
    }
}

/**
 * An address rule admits parties outside the cluster in its ranges, and pods only where it says
 * so; never the API server, which only the platform's declared connections reach.
 */
function addressAdmits(intent: NetworkIntent, rule: AddressRule, party: Party): boolean {
    if (party.kind === "pod" && !rule.includesPods) return false;
    const address = parseIp(party.kind === "pod" ? party.pod.ip : party.ip)!;
    if (intent.addresses.controlPlaneCidrs.some((c) => blockContainsIp(requireCidr(c), address))) return false;
    return rule.cidrs.some(
        (c) => blockContainsIp(requireCidr(c.cidr), address) && !c.except.some((e) => blockContainsIp(requireCidr(e), address)),
    );
}

/** The declared flow from `src`'s app to `dst`'s app on the port, named, if there is one. */
function declaredFlow(intent: NetworkIntent, src: Pod, dst: Pod, onPort: (ports: readonly PortSpec[]) => boolean): string | undefined {
    const f = intent.flows.find(
        (f) =>
            f.from.namespace !== f.to.namespace &&
            f.from.namespace === src.namespace &&
            appMatches(intent, f.from, src) &&
            f.to.namespace === dst.namespace &&
            appMatches(intent, f.to, dst) &&
            (f.ports.length === 0 || onPort(f.ports)),
    );
    return f && `flow ${appRefString(f.from)} -> ${appRefString(f.to)}`;
}

function appMatches(intent: NetworkIntent, ref: AppRef, pod: Pod): boolean {
    return ref.app === ALL_APPS || pod.labels[intent.appLabel] === ref.app;
}

function isManaged(intent: NetworkIntent, namespace: string): boolean {
    return isManagedNamespace(intent, namespace);
}

/** The platform workload a pod belongs to: its namespace, and every label the chart sets on it. */
export function platformWorkloadOf(intent: NetworkIntent, pod: Pod): PlatformWorkload | undefined {
    return intent.platform.workloads.find((w) => w.namespace === pod.namespace && hasLabels(pod, w.podLabels));
}

function hasLabels(pod: Pod, labels: Readonly<Record<string, string>>): boolean {
    return Object.entries(labels).every(([k, v]) => pod.labels[k] === v);
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

const yes = (because: string): Expectation => ({ allowed: true, because });
const no = (because: string): Expectation => ({ allowed: false, because });

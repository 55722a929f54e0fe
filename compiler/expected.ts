/**
 * The intent's own answer for one connection, written from the intent's definition rather than
 * from the generated policies: the independent reading the intent check compares the engine with.
 */
import { blockContainsIp, parseIp, requireCidr } from "../engine/cidr";
import { Protocol } from "../engine/k8s";
import { Party } from "../engine/evaluate";
import { Pod } from "../engine/snapshot";
import { CLUSTER_DNS, KUBE_API_PORTS, NetworkIntent, PortSpec, WEB_APP } from "./intent";
import { mergeFlows, portString } from "./generate";

export interface Expectation {
    readonly allowed: boolean;
    /** Why the intent allows it, or why not. */
    readonly because: string;
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

const yes = (because: string): Expectation => ({ allowed: true, because });
const no = (because: string): Expectation => ({ allowed: false, because });

/**
 * The network intent of one stack: which namespaces exist, which apps run in them, which
 * connections the business needs, where workloads may go outside the cluster, and what the
 * platform's own pods need. It is declared once in stack config, validated by `config/`, and
 * compiled into NetworkPolicies by `generate.ts`; the intent check proves the result against it.
 * Everything here is already normalized (sorted, defaults applied).
 */
import { Labels, Protocol } from "../engine/k8s";

/** One port, a port range (`endPort`) or a named container port, on one protocol. */
export interface PortSpec {
    readonly protocol: Protocol;
    readonly port: number | string;
    readonly endPort?: number;
}

/** The app value that stands for every pod of a namespace (`orders/*`). */
export const ALL_APPS = "*";

/** Pods of one app (`<appLabel>: <app>` in `namespace`), or every pod of it when `app` is `*`. */
export interface AppRef {
    readonly namespace: string;
    readonly app: string;
}

export interface BusinessNamespace {
    readonly name: string;
    /** Owning team, set as the namespace's `team` label. */
    readonly team: string;
    /** Values of the app label that run here; `web` is the one the gateway talks to. */
    readonly apps: readonly string[];
    /** Ports on which the namespace's web pods receive from the gateway. */
    readonly webPorts: readonly PortSpec[];
}

/** A connection the business needs across namespaces; allowed on both halves. */
export interface Flow {
    readonly from: AppRef;
    readonly to: AppRef;
    readonly ports: readonly PortSpec[];
}

/** An address range; `except` holds the ranges the policy excludes from it. */
export interface CidrRange {
    readonly cidr: string;
    readonly except: readonly string[];
}

/**
 * Address ranges as a rule uses them. Pods have VPC addresses (Amazon VPC CNI) and Calico matches
 * ipBlock against pod addresses too, so unless `includesPods` says otherwise the compiled ipBlocks
 * except every pod range inside them.
 */
export interface AddressRule {
    readonly cidrs: readonly CidrRange[];
    /** The range is meant to admit pods as well; their ranges are not excepted. */
    readonly includesPods: boolean;
}

/** Addresses outside the cluster allowed into one app (partners, office VPN). */
export interface CidrSource extends AddressRule {
    readonly name: string;
    readonly to: AppRef;
    readonly ports: readonly PortSpec[];
}

/** A named place outside the cluster that workloads may reach (a database, a partner API). */
export interface EgressDestination extends AddressRule {
    readonly name: string;
    readonly ports: readonly PortSpec[];
}

/** Pods of `from` may reach the destination named `to`. */
export interface EgressGrant {
    readonly from: AppRef;
    readonly to: string;
}

/** Egress that every pod on EKS may need, offered as switches (off by default). */
export interface PodCredentials {
    /** The EKS Pod Identity agent, 169.254.170.23:80/TCP on every node. */
    readonly podIdentityAgent: boolean;
    /** IRSA: where pods reach STS (an interface VPC endpoint's subnets), on 443/TCP. */
    readonly stsCidrs: readonly string[];
}

/** Pods the platform itself runs (a chart's controllers, data plane and hook Jobs, add-ons). */
export interface PlatformWorkload {
    /** Short name, used in policy names (`gateway-to-kube-api`). */
    readonly name: string;
    readonly namespace: string;
    /** The labels the pinned chart version really sets on these pods. */
    readonly podLabels: Labels;
    /** What runs them: a Deployment's pods, or a (hook) Job's, which carry only their template labels. */
    readonly kind: "Deployment" | "Job";
    /** The chart file and version the labels and ports were read from. */
    readonly source: string;
}

/** One end of a platform connection. */
export type PlatformPeer =
    | { readonly kind: "workload"; readonly name: string }
    /** Every business namespace's web pods. */
    | { readonly kind: "web" }
    /** The Kubernetes API server: its ENIs in the control-plane subnets (source of webhook calls too). */
    | { readonly kind: "kubeApi" }
    /** The gateway's clients, through the load balancer, which preserves their addresses. */
    | { readonly kind: "gatewayClients" }
    /** Named addresses outside the cluster (`PlatformTraffic.outside`): an ACME server, AWS APIs, a load balancer's subnets. */
    | { readonly kind: "outside"; readonly name: string };

/** A connection a platform workload needs; `webPorts` means each namespace's own web ports. */
export interface PlatformConnection {
    readonly from: PlatformPeer;
    readonly to: PlatformPeer;
    readonly ports: readonly PortSpec[] | "webPorts";
    /** Why it exists, in words: the policy's intent annotation. */
    readonly why: string;
}

export interface PlatformTraffic {
    readonly workloads: readonly PlatformWorkload[];
    readonly connections: readonly PlatformConnection[];
    /** The workload that forwards client requests to the web pods (the gateway's data plane). */
    readonly gateway: string;
    /** Platform namespaces the program manages besides tools: default deny and the policies of their workloads. */
    readonly namespaces: readonly string[];
    /** Named address ranges outside the cluster that platform connections reach or come from. */
    readonly outside: readonly OutsideAddresses[];
}

/** A named place outside the cluster in the platform's own connections. */
export interface OutsideAddresses {
    /** Short name, used in policy names (`cert-manager-to-acme`). */
    readonly name: string;
    readonly rule: AddressRule;
}

/** Address ranges of the cluster's own network, as the subnet layout (or config) gives them. */
export interface ClusterAddresses {
    /** Where pods (and nodes) live: every pod address is in one of these. */
    readonly podCidrs: readonly string[];
    /** The control plane's own subnets: the API server's ENIs, source of webhook calls. */
    readonly controlPlaneCidrs: readonly string[];
}

export interface NetworkIntent {
    /** The pod label whose value names the app (`app: web`). */
    readonly appLabel: string;
    /** Whether every namespace also denies egress by default (DNS stays allowed). */
    readonly defaultDenyEgress: boolean;
    readonly namespaces: readonly BusinessNamespace[];
    /** Name of the platform namespace that runs the gateway. */
    readonly toolsNamespace: string;
    readonly addresses: ClusterAddresses;
    /** Client ranges admitted to the gateway through the load balancer. */
    readonly gatewayClients: AddressRule;
    readonly platform: PlatformTraffic;
    readonly flows: readonly Flow[];
    readonly cidrSources: readonly CidrSource[];
    readonly egressDestinations: readonly EgressDestination[];
    readonly egress: readonly EgressGrant[];
    readonly podCredentials: PodCredentials;
}

/** The platform namespace that runs the gateway. */
export const TOOLS_NAMESPACE = "tools";

/** The app every business namespace exposes through the gateway. */
export const WEB_APP = "web";

/** CoreDNS on EKS: pods `k8s-app: kube-dns` in kube-system, on UDP and TCP 53. */
export const CLUSTER_DNS = {
    namespace: "kube-system",
    podLabels: { "k8s-app": "kube-dns" } as Labels,
    ports: [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
    ] as readonly PortSpec[],
} as const;

/** The Kubernetes API as pods reach it: the control plane ENIs on 443. */
export const KUBE_API_PORTS: readonly PortSpec[] = [{ protocol: "TCP", port: 443 }];

/** The EKS Pod Identity agent's link-local address and port (EKS user guide, "pod-id-how-it-works"). */
export const POD_IDENTITY_AGENT = {
    ip: "169.254.170.23",
    cidr: "169.254.170.23/32",
    ports: [{ protocol: "TCP", port: 80 }] as readonly PortSpec[],
} as const;

/** STS as IRSA calls it. */
export const STS_PORTS: readonly PortSpec[] = [{ protocol: "TCP", port: 443 }];

/** The instance metadata service: never reachable from a pod (it hands out the node's credentials). */
export const INSTANCE_METADATA_IP = "169.254.169.254";

export function portString(p: PortSpec): string {
    return `${p.port}${p.endPort !== undefined ? `-${p.endPort}` : ""}/${p.protocol}`;
}

/** How a platform peer appears in policy names and explanations. */
export function peerName(peer: PlatformPeer): string {
    switch (peer.kind) {
        case "workload":
            return peer.name;
        case "web":
            return "web";
        case "kubeApi":
            return "kube-api";
        case "gatewayClients":
            return "clients";
        case "outside":
            return peer.name;
        default: {
            const unknown: never = peer;
            throw new Error(`unknown platform peer ${JSON.stringify(unknown)}`);
        }
    }
}

export function appRefString(ref: AppRef): string {
    return `${ref.namespace}/${ref.app}`;
}

export function platformOutside(intent: NetworkIntent, name: string): AddressRule {
    const found = intent.platform.outside.find((o) => o.name === name);
    if (!found) throw new Error(`no outside addresses named ${name}`);
    return found.rule;
}

/** Every namespace whose pods this program segments: the business namespaces, tools and the platform's own. */
export function isManagedNamespace(intent: NetworkIntent, namespace: string): boolean {
    return (
        namespace === intent.toolsNamespace ||
        intent.platform.namespaces.includes(namespace) ||
        intent.namespaces.some((n) => n.name === namespace)
    );
}

export function platformWorkload(intent: NetworkIntent, name: string): PlatformWorkload {
    const found = intent.platform.workloads.find((w) => w.name === name);
    if (!found) throw new Error(`no platform workload named ${name}`);
    return found;
}

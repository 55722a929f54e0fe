/**
 * The network intent of one stack: which namespaces exist, which apps run in them, and which
 * connections the business needs. It is declared once in stack config, validated by `config/`,
 * and compiled into NetworkPolicies by `generate.ts`; the reachability engine checks the result
 * against it. Everything here is already normalized (sorted, defaults applied).
 */
import { Labels, Protocol } from "../engine/k8s";

/** One port, a port range (`endPort`) or a named container port, on one protocol. */
export interface PortSpec {
    readonly protocol: Protocol;
    readonly port: number | string;
    readonly endPort?: number;
}

/** Pods of one app: those labelled `<appLabel>: <app>` in `namespace`. */
export interface AppRef {
    readonly namespace: string;
    readonly app: string;
}

export interface BusinessNamespace {
    readonly name: string;
    /** Owning team, set as the namespace's `team` label. */
    readonly team: string;
    /** Values of the app label that run here; `web` is the one nginx talks to. */
    readonly apps: readonly string[];
    /** Ports on which the namespace's web pods receive from nginx. */
    readonly webPorts: readonly PortSpec[];
}

/** A connection the business needs across namespaces; allowed on both halves. */
export interface Flow {
    readonly from: AppRef;
    readonly to: AppRef;
    readonly ports: readonly PortSpec[];
}

export interface CidrRange {
    readonly cidr: string;
    readonly except: readonly string[];
}

/** Addresses outside the cluster allowed into one app (partners, office VPN). */
export interface CidrSource {
    readonly name: string;
    readonly to: AppRef;
    readonly cidrs: readonly CidrRange[];
    readonly ports: readonly PortSpec[];
}

export interface IngressNginxIntent {
    /** Labels of the controller pods, as the ingress-nginx chart sets them. */
    readonly podLabels: Labels;
    /** Ports the controller serves on (container ports http/https of the chart). */
    readonly servicePorts: readonly PortSpec[];
    /** Client addresses that reach nginx through the load balancer (it preserves the client IP). */
    readonly sourceCidrs: readonly string[];
    /** The admission webhook's container port, called by the API server. */
    readonly webhookPort: number;
}

export interface NetworkIntent {
    /** The pod label whose value names the app (`app: web`). */
    readonly appLabel: string;
    /** Whether every namespace also denies egress by default (DNS stays allowed). */
    readonly defaultDenyEgress: boolean;
    readonly namespaces: readonly BusinessNamespace[];
    /** Name of the platform namespace that runs nginx ingress. */
    readonly toolsNamespace: string;
    readonly ingressNginx: IngressNginxIntent;
    /** Where the EKS control plane's ENIs live: the source of webhook calls, the API's address. */
    readonly controlPlaneCidrs: readonly string[];
    readonly flows: readonly Flow[];
    readonly cidrSources: readonly CidrSource[];
}

/** The platform namespace that runs nginx ingress. */
export const TOOLS_NAMESPACE = "tools";

/** Labels the ingress-nginx chart puts on its controller pods. */
export const INGRESS_NGINX_POD_LABELS: Labels = {
    "app.kubernetes.io/name": "ingress-nginx",
    "app.kubernetes.io/component": "controller",
};

/**
 * What the ingress-nginx chart fixes about its controller: pod labels, the http/https container
 * ports and the admission webhook's port; only the client ranges vary by stack.
 */
export function ingressNginxIntent(sourceCidrs: readonly string[]): IngressNginxIntent {
    return {
        podLabels: INGRESS_NGINX_POD_LABELS,
        servicePorts: [
            { protocol: "TCP", port: 80 },
            { protocol: "TCP", port: 443 },
        ],
        sourceCidrs,
        webhookPort: 8443,
    };
}

/** The app every business namespace exposes through nginx. */
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

export function appRefString(ref: AppRef): string {
    return `${ref.namespace}/${ref.app}`;
}

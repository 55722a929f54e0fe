/**
 * What the platform itself runs, as data: every pod a chart or add-on starts in the cluster, with
 * the labels the pinned version really sets, and the connections each needs. The generator
 * compiles policies for them, the intent check puts them in its world, and the gateway component
 * installs the chart with the values these facts depend on. Bumping a version means reading the
 * files cited here again.
 *
 * NGINX Gateway Fabric 2.6.7 (chart oci://ghcr.io/nginx/charts/nginx-gateway-fabric, version
 * 2.6.7, app 2.6.7, github.com/nginx/nginx-gateway-fabric at tag v2.6.7):
 * - control plane: Deployment `<release>-nginx-gateway-fabric` in the release namespace; pod labels
 *   `app.kubernetes.io/name: nginx-gateway-fabric` and `app.kubernetes.io/instance: <release>`
 *   (charts/nginx-gateway-fabric/templates/deployment.yaml, _helpers.tpl "nginx-gateway.selectorLabels");
 *   serves the data plane's agents on gRPC 8443 (container port `agent-grpc`, Service 443 -> 8443,
 *   internal/controller/manager.go grpcServerPort); calls the Kubernetes API (watches, provisions
 *   the data plane, TokenReviews the agents; _helpers.tpl rbac rules).
 * - data plane: one Deployment per Gateway, created by the control plane in the Gateway's
 *   namespace, named `<gateway>-<gatewayclass>`; pod labels `app.kubernetes.io/name:
 *   <gateway>-<class>`, `app.kubernetes.io/instance: <release>`, `app.kubernetes.io/managed-by:
 *   <release>-<class>`, `gateway.networking.k8s.io/gateway-name: <gateway>`
 *   (internal/controller/provisioner/objects.go, internal/framework/controller/labels.go); nginx
 *   listens on the Gateway's listener ports themselves (Service targetPort = listener port); its
 *   agent dials the control plane (provisioner/templates.go, `server: host: <svc>.<ns>.svc port: 443`).
 *   It needs no Kubernetes API.
 * - hook: Job `<release>-nginx-gateway-fabric-cert-generator`, `helm.sh/hook: pre-install,
 *   pre-upgrade` (templates/certs-job.yaml) writes the mTLS Secrets through the Kubernetes API. Its
 *   pod template sets no labels: its pods carry only the Job controller's (`batch.kubernetes.io/job-name`).
 *   It runs before every other object of the release, so its egress policy must exist first.
 * - no webhook: nothing in the chart is called by the API server.
 *
 * CoreDNS (EKS add-on, kube-system, not segmented by this program): pods `k8s-app: kube-dns`
 * (EKS user guide "managing-coredns"); it needs the Kubernetes API (ClusterRole system:coredns).
 */
import { PlatformConnection, PlatformTraffic, PlatformWorkload, PortSpec, CLUSTER_DNS, KUBE_API_PORTS } from "./intent";

/** Helm release name of NGINX Gateway Fabric; the pods' `app.kubernetes.io/instance`. */
export const NGF_RELEASE = "ngf";
/** The GatewayClass the chart creates (values `nginxGateway.gatewayClassName`, default nginx). */
export const GATEWAY_CLASS = "nginx";
/** The one Gateway every business namespace attaches its HTTPRoutes to. */
export const SHARED_GATEWAY = "shared";
export const NGF_CHART = "oci://ghcr.io/nginx/charts/nginx-gateway-fabric";
/** Examples for config hints: the versions these facts were read from. */
export const GATEWAY_CHART_EXAMPLE = "2.6.7";
/** NGF 2.6.7 supports Gateway API 1.5.1 (README technical specifications, go.mod). */
export const GATEWAY_API_EXAMPLE = "v1.5.1";

/** The agent's gRPC port on the control plane (container port `agent-grpc`). */
export const NGF_AGENT_PORT = 8443;

export const HTTP_LISTENER: PortSpec = { protocol: "TCP", port: 80 };
export const HTTPS_LISTENER: PortSpec = { protocol: "TCP", port: 443 };

/** The listener ports of the shared Gateway: HTTP always, HTTPS where a certificate is configured. */
export function gatewayListenerPorts(tls: boolean): readonly PortSpec[] {
    return tls ? [HTTP_LISTENER, HTTPS_LISTENER] : [HTTP_LISTENER];
}

const NGF_SOURCE = "nginx-gateway-fabric v2.6.7";

/** The data plane's pods: the only pods that clients from anywhere may reach. */
export const GATEWAY_POD_LABELS: Readonly<Record<string, string>> = {
    "app.kubernetes.io/instance": NGF_RELEASE,
    "app.kubernetes.io/managed-by": `${NGF_RELEASE}-${GATEWAY_CLASS}`,
    "app.kubernetes.io/name": `${SHARED_GATEWAY}-${GATEWAY_CLASS}`,
    "gateway.networking.k8s.io/gateway-name": SHARED_GATEWAY,
};
const fullname = `${NGF_RELEASE}-nginx-gateway-fabric`;

/**
 * The platform's workloads and their connections, for a gateway in `toolsNamespace`. The API
 * server is reached on `kubeApiPort` at the control plane's addresses (EKS: 443; a kubeadm
 * control plane such as kind's: 6443, `cluster.vpc.existing.apiServerPort`).
 */
export function platformTraffic(toolsNamespace: string, tls: boolean, kubeApiPort?: number): PlatformTraffic {
    const kubeApi: readonly PortSpec[] = kubeApiPort === undefined ? KUBE_API_PORTS : [{ protocol: "TCP", port: kubeApiPort }];
    const workloads: PlatformWorkload[] = [
        {
            name: "gateway",
            namespace: toolsNamespace,
            kind: "Deployment",
            podLabels: GATEWAY_POD_LABELS,
            source: `${NGF_SOURCE} internal/controller/provisioner/objects.go (data plane of Gateway ${SHARED_GATEWAY})`,
        },
        {
            name: "gateway-controller",
            namespace: toolsNamespace,
            kind: "Deployment",
            podLabels: { "app.kubernetes.io/instance": NGF_RELEASE, "app.kubernetes.io/name": "nginx-gateway-fabric" },
            source: `${NGF_SOURCE} charts/nginx-gateway-fabric/templates/deployment.yaml`,
        },
        {
            name: "gateway-certs",
            namespace: toolsNamespace,
            kind: "Job",
            podLabels: { "batch.kubernetes.io/job-name": `${fullname}-cert-generator` },
            source: `${NGF_SOURCE} charts/nginx-gateway-fabric/templates/certs-job.yaml (pre-install, pre-upgrade hook)`,
        },
        {
            name: "coredns",
            namespace: CLUSTER_DNS.namespace,
            kind: "Deployment",
            podLabels: CLUSTER_DNS.podLabels,
            source: "EKS coredns add-on",
        },
    ];
    const listeners = gatewayListenerPorts(tls);
    const connections: PlatformConnection[] = [
        {
            from: { kind: "gatewayClients" },
            to: { kind: "workload", name: "gateway" },
            ports: listeners,
            why: "clients reach the gateway through the load balancer, which keeps their addresses",
        },
        {
            from: { kind: "web" },
            to: { kind: "workload", name: "gateway" },
            ports: listeners,
            why: "web pods call other services through the gateway",
        },
        {
            from: { kind: "workload", name: "gateway" },
            to: { kind: "web" },
            ports: "webPorts",
            why: "the gateway forwards requests to every business namespace's web pods",
        },
        {
            from: { kind: "workload", name: "gateway" },
            to: { kind: "workload", name: "gateway-controller" },
            ports: [{ protocol: "TCP", port: NGF_AGENT_PORT }],
            why: "the data plane's agent gets its configuration from the control plane",
        },
        {
            from: { kind: "workload", name: "gateway-controller" },
            to: { kind: "kubeApi" },
            ports: kubeApi,
            why: "the gateway control plane watches Gateway API objects and provisions the data plane",
        },
        {
            from: { kind: "workload", name: "gateway-certs" },
            to: { kind: "kubeApi" },
            ports: kubeApi,
            why: "the chart's pre-install hook writes the control plane's TLS Secrets",
        },
        {
            from: { kind: "workload", name: "coredns" },
            to: { kind: "kubeApi" },
            ports: kubeApi,
            why: "CoreDNS watches Services and EndpointSlices",
        },
    ];
    return { workloads, connections, gateway: "gateway" };
}

/** What the shared Gateway needs from the stack's settings. */
export interface GatewaySettings {
    readonly toolsNamespace: string;
    /** The HTTPS listener's certificate Secret in tools; without one, HTTP only. */
    readonly certificateSecret?: string;
    /** An internal (VPC-only) load balancer instead of an internet-facing one. */
    readonly internal: boolean;
    /** Labels of the namespaces whose HTTPRoutes may attach. */
    readonly routeNamespaceLabels: Readonly<Record<string, string>>;
    /** Labels our objects carry. */
    readonly labels: Readonly<Record<string, string>>;
}

/**
 * The one Gateway in tools. Routes may only come from the business namespaces (a label selector
 * on `allowedRoutes`), never from tools or an unmanaged namespace. The annotations in
 * `spec.infrastructure` reach the data plane's Service (NGF copies them there: nginx docs,
 * "deploy-data-plane"): an NLB from the in-tree AWS cloud provider with instance targets; with
 * the chart's `externalTrafficPolicy: Local` it keeps client addresses.
 */
export function sharedGatewayManifest(s: GatewaySettings): Record<string, unknown> {
    const allowedRoutes = { namespaces: { from: "Selector", selector: { matchLabels: { ...s.routeNamespaceLabels } } } };
    const listeners: Record<string, unknown>[] = [{ name: "http", port: HTTP_LISTENER.port, protocol: "HTTP", allowedRoutes }];
    if (s.certificateSecret !== undefined) {
        listeners.push({
            name: "https",
            port: HTTPS_LISTENER.port,
            protocol: "HTTPS",
            tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: s.certificateSecret }] },
            allowedRoutes,
        });
    }
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: { name: SHARED_GATEWAY, namespace: s.toolsNamespace, labels: { ...s.labels } },
        spec: {
            gatewayClassName: GATEWAY_CLASS,
            infrastructure: { annotations: loadBalancerAnnotations(s.internal) },
            listeners,
        },
    };
}

/**
 * The load balancer as the in-tree AWS cloud provider reads it (kubernetes/cloud-provider-aws,
 * "service.beta.kubernetes.io/aws-load-balancer-type: nlb"): an NLB with instance targets, in the
 * subnets tagged for (internal) ELBs, and `loadBalancerSourceRanges` written as the node security
 * group's only client rules.
 */
export function loadBalancerAnnotations(internal: boolean): Record<string, string> {
    return {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        ...(internal ? { "service.beta.kubernetes.io/aws-load-balancer-internal": "true" } : {}),
    };
}

/**
 * The chart's values: telemetry off (it would call oss.edge.df.f5.com:443, which egress deny
 * refuses), and the data plane's Service with the client ranges enforced at the load balancer
 * too (values.yaml `nginx.service`, v2.6.7).
 */
export function ngfChartValues(clientRanges: readonly string[]): Record<string, unknown> {
    return {
        nginxGateway: { gatewayClassName: GATEWAY_CLASS, productTelemetry: { enable: false } },
        nginx: {
            service: { type: "LoadBalancer", externalTrafficPolicy: "Local", loadBalancerSourceRanges: [...clientRanges] },
        },
    };
}

/** The standard-channel CRDs of a Gateway API release (gateway-api's getting-started guide). */
export function gatewayApiCrdsUrl(version: string): string {
    return `https://github.com/kubernetes-sigs/gateway-api/releases/download/${version}/standard-install.yaml`;
}

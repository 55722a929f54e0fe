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
 *
 * cert-manager v1.21.1 (chart https://charts.jetstack.io `cert-manager`, version v1.21.1,
 * github.com/cert-manager/cert-manager at tag v1.21.1, deploy/charts/cert-manager), release
 * `cert-manager` in its own namespace `cert-manager`:
 * - controller: Deployment `cert-manager` (templates/deployment.yaml); pod labels `app:
 *   cert-manager`, `app.kubernetes.io/name: cert-manager`, `app.kubernetes.io/instance: <release>`,
 *   `app.kubernetes.io/component: controller` (plus `app.kubernetes.io/version`, and with the
 *   default `creator: helm` `app.kubernetes.io/managed-by` and `helm.sh/chart`: _helpers.tpl
 *   "labels", which change with every version and are not selected on). It calls the Kubernetes
 *   API; with DNS-01 on Route 53 it calls the ACME server (443) and Route 53 (443) with credentials
 *   from the EKS Pod Identity agent; its DNS-01 self-check asks only the pod's resolvers (values
 *   `dns01RecursiveNameserversOnly: true` -> `--dns01-recursive-nameservers-only`; with no
 *   `--dns01-recursive-nameservers` the controller reads /etc/resolv.conf: cmd/controller/app/controller.go
 *   buildControllerContextFactory, pkg/issuer/acme/dns/util/wait.go RecursiveNameservers), i.e.
 *   cluster DNS, which every pod may reach, instead of the zone's authoritative servers on 53.
 * - webhook: Deployment `cert-manager-webhook` (templates/webhook-deployment.yaml); pod labels `app:
 *   webhook`, `app.kubernetes.io/name: webhook`, `app.kubernetes.io/instance: <release>`,
 *   `app.kubernetes.io/component: webhook`; serves the API server's admission calls on 10250
 *   (values.yaml `webhook.securePort: 10250`, container port `https`; Service 443 -> `https`,
 *   templates/webhook-service.yaml) and calls the Kubernetes API (its serving CA Secret, SubjectAccessReviews).
 * - cainjector: Deployment `cert-manager-cainjector` (templates/cainjector-deployment.yaml); pod
 *   labels `app: cainjector`, `app.kubernetes.io/name: cainjector`, `app.kubernetes.io/instance:
 *   <release>`, `app.kubernetes.io/component: cainjector`; calls the Kubernetes API only.
 * - startupapicheck: a post-install hook Job (templates/startupapicheck-job.yaml); turned off
 *   (`startupapicheck.enabled: false`): helm.v4.Chart runs no hooks as hooks, and Pulumi already
 *   waits for the webhook's Deployment.
 *
 * AWS Load Balancer Controller v3.5.0 (chart https://aws.github.io/eks-charts
 * `aws-load-balancer-controller`, version 3.5.0, app v3.5.0; github.com/kubernetes-sigs/aws-load-balancer-controller
 * at tag v3.5.0, helm/aws-load-balancer-controller), release `aws-load-balancer-controller` in its
 * own namespace `aws-load-balancer-controller`:
 * - controller: Deployment `aws-load-balancer-controller`, 2 replicas (values.yaml `replicaCount: 2`);
 *   pod labels `app.kubernetes.io/name: aws-load-balancer-controller`, `app.kubernetes.io/instance:
 *   <release>` (templates/deployment.yaml, _helpers.tpl "aws-load-balancer-controller.selectorLabels");
 *   serves the API server's admission calls (Services, Pods, TargetGroupBindings) on 9443
 *   (container port `webhook-server`, `webhookBindPort` default 9443); calls the Kubernetes API,
 *   the EC2 and Elastic Load Balancing APIs (443) with credentials from the Pod Identity agent.
 *   Region and VPC are passed (`--aws-region`, `--aws-vpc-id`): pods cannot reach the instance
 *   metadata service (hop limit 1), which the controller would otherwise ask
 *   (docs/deploy/installation.md, "Using the Amazon EC2 instance metadata server version 2").
 *   Its webhook certificate comes from cert-manager (`enableCertManager: true`,
 *   templates/cert-manager.yaml): the chart's own `genCA` would make a new one at every render.
 */
import {
    AddressRule,
    CLUSTER_DNS,
    KUBE_API_PORTS,
    OutsideAddresses,
    POD_IDENTITY_AGENT,
    PlatformConnection,
    PlatformTraffic,
    PlatformWorkload,
    PortSpec,
} from "./intent";

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

/**
 * The data plane's readiness endpoint: nginx answers `GET /readyz` with 200 on 8081 once it has
 * loaded its configuration (internal/controller/state/dataplane/configuration.go
 * DefaultNginxReadinessProbePort/Path, internal/controller/nginx/config/base_http_config_template.go
 * "NGINX health check server block", v2.6.7). The pod's own readiness probe asks the same
 * endpoint; the NLB's health check asks it too, so a target counts healthy only when nginx serves.
 */
export const NGF_READINESS_PORT = 8081;
export const NGF_READINESS_PATH = "/readyz";

/** cert-manager: its namespace (managed: default deny), release, chart and the version these facts were read from. */
export const CERT_MANAGER_NAMESPACE = "cert-manager";
export const CERT_MANAGER_RELEASE = "cert-manager";
export const CERT_MANAGER_CHART = { repo: "https://charts.jetstack.io", chart: "cert-manager" } as const;
/**
 * cert-manager 1.21 supports Kubernetes 1.33 to 1.36 (cert-manager.io/docs/releases, "Currently
 * supported releases"; github.com/cert-manager/website content/docs/releases/README.md): both the
 * stacks' 1.33 and 1.35.
 */
export const CERT_MANAGER_CHART_EXAMPLE = "v1.21.1";
/** The controller's service account (`cert-manager.serviceAccountName`: the fullname, `cert-manager`). */
export const CERT_MANAGER_SERVICE_ACCOUNT = "cert-manager";
/** The webhook's serving port (values.yaml `webhook.securePort`, v1.21.1). */
export const CERT_MANAGER_WEBHOOK_PORT = 10250;

/** The AWS Load Balancer Controller: namespace, release (= fullname and service account), chart. */
export const LB_CONTROLLER_NAMESPACE = "aws-load-balancer-controller";
export const LB_CONTROLLER_RELEASE = "aws-load-balancer-controller";
export const LB_CONTROLLER_CHART = { repo: "https://aws.github.io/eks-charts", chart: "aws-load-balancer-controller" } as const;
/**
 * 3.5.0 (app v3.5.0), the release current when these facts were read; v2.5.0 and later require
 * Kubernetes 1.22+ with no upper bound (docs/deploy/installation.md, "Supported Kubernetes
 * versions", v3.5.0), and AWS asks for 2.7.2 or later on EKS.
 */
export const LB_CONTROLLER_CHART_EXAMPLE = "3.5.0";
export const LB_CONTROLLER_SERVICE_ACCOUNT = LB_CONTROLLER_RELEASE;
/** The controller's admission webhook port (container port `webhook-server`, chart default 9443). */
export const LB_CONTROLLER_WEBHOOK_PORT = 9443;

/** Let's Encrypt's ACME directories (letsencrypt.org/docs/staging-environment, "Staging Environment"). */
export const ACME_ISSUERS = {
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    letsencrypt: "https://acme-v02.api.letsencrypt.org/directory",
} as const;
export type AcmeIssuer = keyof typeof ACME_ISSUERS;

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

/** What the edge (certificates and the load balancer) adds to the platform, from the stack's settings. */
export interface EdgeTraffic {
    /** cert-manager issues the gateway's certificates (ACME DNS-01 on Route 53); false when the user brings a Secret. */
    readonly issuing: boolean;
    /** Where the ACME server is, as config gives it (Let's Encrypt publishes no fixed addresses). */
    readonly acme: AddressRule;
    /** Where the AWS APIs are (public endpoints, or interface VPC endpoints' subnets). */
    readonly awsApis: AddressRule;
    /** The load balancer's subnets: its health checks come from its addresses there (IP targets). */
    readonly loadBalancerSubnets: AddressRule;
}

const CERT_MANAGER_SOURCE = "cert-manager v1.21.1 deploy/charts/cert-manager";
const LB_CONTROLLER_SOURCE = "aws-load-balancer-controller v3.5.0 helm/aws-load-balancer-controller";
const HTTPS: readonly PortSpec[] = [{ protocol: "TCP", port: 443 }];

/**
 * The platform's workloads and their connections, for a gateway in `toolsNamespace`; with `edge`,
 * cert-manager and the AWS Load Balancer Controller in their own namespaces too. The API server is
 * reached on `kubeApiPort` at the control plane's addresses (EKS: 443; a kubeadm control plane such
 * as kind's: 6443, `cluster.vpc.existing.apiServerPort`).
 */
export function platformTraffic(toolsNamespace: string, tls: boolean, edge?: EdgeTraffic, kubeApiPort?: number): PlatformTraffic {
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
    if (!edge) return { workloads, connections, gateway: "gateway", namespaces: [], outside: [] };
    const more = edgeTraffic(edge, kubeApi);
    return {
        workloads: [...workloads, ...more.workloads],
        connections: [...connections, ...more.connections],
        gateway: "gateway",
        namespaces: [CERT_MANAGER_NAMESPACE, LB_CONTROLLER_NAMESPACE],
        outside: more.outside,
    };
}

/** cert-manager's and the load balancer controller's pods, and what reaches or leaves them. */
function edgeTraffic(
    edge: EdgeTraffic,
    kubeApi: readonly PortSpec[],
): { workloads: PlatformWorkload[]; connections: PlatformConnection[]; outside: OutsideAddresses[] } {
    const certManagerPod = (name: string, component: string, app: string): Readonly<Record<string, string>> => ({
        app,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/instance": CERT_MANAGER_RELEASE,
        "app.kubernetes.io/name": name,
    });
    const workloads: PlatformWorkload[] = [
        {
            name: "cert-manager",
            namespace: CERT_MANAGER_NAMESPACE,
            kind: "Deployment",
            podLabels: certManagerPod("cert-manager", "controller", "cert-manager"),
            source: `${CERT_MANAGER_SOURCE}/templates/deployment.yaml`,
        },
        {
            name: "cert-manager-webhook",
            namespace: CERT_MANAGER_NAMESPACE,
            kind: "Deployment",
            podLabels: certManagerPod("webhook", "webhook", "webhook"),
            source: `${CERT_MANAGER_SOURCE}/templates/webhook-deployment.yaml`,
        },
        {
            name: "cert-manager-cainjector",
            namespace: CERT_MANAGER_NAMESPACE,
            kind: "Deployment",
            podLabels: certManagerPod("cainjector", "cainjector", "cainjector"),
            source: `${CERT_MANAGER_SOURCE}/templates/cainjector-deployment.yaml`,
        },
        {
            name: "lb-controller",
            namespace: LB_CONTROLLER_NAMESPACE,
            kind: "Deployment",
            podLabels: LB_CONTROLLER_POD_LABELS,
            source: `${LB_CONTROLLER_SOURCE}/templates/deployment.yaml`,
        },
    ];
    const outside: OutsideAddresses[] = [
        { name: "acme", rule: edge.acme },
        { name: "aws-apis", rule: edge.awsApis },
        { name: "load-balancer", rule: edge.loadBalancerSubnets },
        {
            name: "pod-identity-agent",
            rule: { cidrs: [{ cidr: POD_IDENTITY_AGENT.cidr, except: [] }], includesPods: false },
        },
    ];
    const toApi = (name: string, why: string): PlatformConnection => ({
        from: { kind: "workload", name },
        to: { kind: "kubeApi" },
        ports: kubeApi,
        why,
    });
    const connections: PlatformConnection[] = [
        {
            from: { kind: "outside", name: "load-balancer" },
            to: { kind: "workload", name: "gateway" },
            // Clients keep their own addresses (client IP preservation): from the load balancer's
            // own addresses come only its health checks, which ask the readiness endpoint.
            ports: [{ protocol: "TCP", port: NGF_READINESS_PORT }],
            why: "the load balancer's health checks ask the gateway's pods (IP targets) whether nginx serves, from its subnets",
        },
        {
            from: { kind: "kubeApi" },
            to: { kind: "workload", name: "cert-manager-webhook" },
            ports: [{ protocol: "TCP", port: CERT_MANAGER_WEBHOOK_PORT }],
            why: "the API server calls cert-manager's admission webhook",
        },
        toApi("cert-manager", "cert-manager watches Gateways and certificates and writes their Secrets"),
        toApi("cert-manager-webhook", "cert-manager's webhook keeps its serving CA Secret and reviews access"),
        toApi("cert-manager-cainjector", "cert-manager's cainjector writes CA bundles into webhook configurations"),
        {
            from: { kind: "kubeApi" },
            to: { kind: "workload", name: "lb-controller" },
            ports: [{ protocol: "TCP", port: LB_CONTROLLER_WEBHOOK_PORT }],
            why: "the API server calls the load balancer controller's admission webhook",
        },
        toApi("lb-controller", "the load balancer controller watches Services and their endpoints"),
        {
            from: { kind: "workload", name: "lb-controller" },
            to: { kind: "outside", name: "aws-apis" },
            ports: HTTPS,
            why: "the load balancer controller manages the NLB, its target groups and security groups (EC2, ELB APIs)",
        },
        {
            from: { kind: "workload", name: "lb-controller" },
            to: { kind: "outside", name: "pod-identity-agent" },
            ports: POD_IDENTITY_AGENT.ports,
            why: "the load balancer controller gets its role's credentials from the EKS Pod Identity agent",
        },
    ];
    if (edge.issuing) {
        connections.push(
            {
                from: { kind: "workload", name: "cert-manager" },
                to: { kind: "outside", name: "acme" },
                ports: HTTPS,
                why: "cert-manager orders the gateway's certificates from the ACME server",
            },
            {
                from: { kind: "workload", name: "cert-manager" },
                to: { kind: "outside", name: "aws-apis" },
                ports: HTTPS,
                why: "cert-manager writes the DNS-01 challenge records in Route 53",
            },
            {
                from: { kind: "workload", name: "cert-manager" },
                to: { kind: "outside", name: "pod-identity-agent" },
                ports: POD_IDENTITY_AGENT.ports,
                why: "cert-manager gets its Route 53 role's credentials from the EKS Pod Identity agent",
            },
        );
    }
    return { workloads, connections, outside };
}

/** The load balancer controller's pods (_helpers.tpl "aws-load-balancer-controller.selectorLabels", v3.5.0). */
export const LB_CONTROLLER_POD_LABELS: Readonly<Record<string, string>> = {
    "app.kubernetes.io/instance": LB_CONTROLLER_RELEASE,
    "app.kubernetes.io/name": "aws-load-balancer-controller",
};

/** The HTTPS side of the shared Gateway. */
export interface GatewayTls {
    /** One HTTPS listener (and certificate) per hostname; none: one listener without a hostname (user's Secret only). */
    readonly hostnames: readonly string[];
    /** A kubernetes.io/tls Secret in tools the user brings; otherwise cert-manager issues one Secret per hostname. */
    readonly certificateSecret?: string;
    /** The ClusterIssuer that issues the listeners' certificates (the Gateway's `cert-manager.io/cluster-issuer`). */
    readonly issuer?: string;
}

/** What the shared Gateway needs from the stack's settings. */
export interface GatewaySettings {
    readonly toolsNamespace: string;
    /** HTTPS listeners; without, HTTP only. */
    readonly tls?: GatewayTls;
    /** An internal (VPC-only) load balancer instead of an internet-facing one. */
    readonly internal: boolean;
    /** This update may replace the NLB (config gateway.replaceLoadBalancer): said on the Gateway for the preview gate. */
    readonly replaceLoadBalancer?: boolean;
    /** The subnets the NLB is placed in (IDs): the public subnets, whose ranges the gateway admits health checks from. */
    readonly loadBalancerSubnetIds: readonly string[];
    /** Labels of the namespaces whose HTTPRoutes may attach. */
    readonly routeNamespaceLabels: Readonly<Record<string, string>>;
    /** Labels our objects carry. */
    readonly labels: Readonly<Record<string, string>>;
}

/** The shared Gateway as the Kubernetes API takes it. */
export interface GatewayManifest {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: {
        readonly name: string;
        readonly namespace: string;
        readonly labels: Record<string, string>;
        readonly annotations: Record<string, string>;
    };
    readonly spec: Record<string, unknown>;
}

/** An HTTPS listener of the shared Gateway and the Secret it serves. */
export interface HttpsListener {
    /** `https-<hostname with dots as dashes>` (`*.` as `wildcard-`); HTTPRoutes name it in `sectionName`. */
    readonly name: string;
    readonly hostname?: string;
    readonly secret: string;
}

/**
 * The HTTPS listeners: one per hostname, each with its own Secret, which cert-manager's Gateway
 * support creates from the listener (one Certificate per Secret name, dnsNames = the listener's
 * hostname: cert-manager docs "Annotated Gateway resource", pkg/controller/certificate-shim at
 * v1.21.1); with the user's own Secret, every listener names it.
 */
export function httpsListeners(tls: GatewayTls): HttpsListener[] {
    if (tls.hostnames.length === 0) return [{ name: "https", secret: tls.certificateSecret! }];
    return tls.hostnames.map((hostname) => {
        const name = `https-${hostname.replace(/^\*\./, "wildcard.").replace(/\./g, "-")}`;
        return { name, hostname, secret: tls.certificateSecret ?? `${name}-tls` };
    });
}

/** Annotation of the Kubernetes provider: what an update waits for (pulumi-kubernetes, provider/pkg/metadata/overrides.go). */
export const WAIT_FOR = "pulumi.com/waitFor";
/** cert-manager's Gateway annotation naming the ClusterIssuer (cert-manager docs, "Securing Gateway resources"). */
export const CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer";

/**
 * What the Gateway's update waits for, every expression at once (a JSON array: `ReadyCondition`,
 * pulumi-kubernetes provider/pkg/metadata/overrides.go; JSONPath filters are RFC 9535 since
 * 4.24.0, CHANGELOG, so 4.34.2 reads them):
 * - `Programmed`: NGF has written nginx's configuration for the Gateway. NGF sets it without
 *   looking at the Service or the NLB, so on its own it proves no load balancer;
 * - an address of type Hostname in `status.addresses`: NGF copies it from the data plane
 *   Service's `status.loadBalancer.ingress` and, for a LoadBalancer Service, from nowhere else
 *   (internal/controller/handler.go getGatewayAddressesForStatus, v2.6.7): the load balancer
 *   controller has created the NLB and written its DNS name. It says the NLB exists, not that a
 *   target is healthy yet (the pods' readiness gates say that, see docs/edge-operations.md);
 * - each HTTPS listener's references resolved (`ResolvedRefs` True: its certificate Secret
 *   exists and holds a certificate; Gateway API v1 ListenerConditionResolvedRefs): with
 *   cert-manager issuing, the certificate is issued.
 */
export function gatewayWaitFor(listeners: readonly HttpsListener[]): string {
    return JSON.stringify([
        "condition=Programmed",
        GATEWAY_ADDRESS_WAIT,
        ...listeners.map((l) => `jsonpath={.status.listeners[?(@.name=='${l.name}')].conditions[?(@.type=='ResolvedRefs')].status}=True`),
    ]);
}

/** The Gateway's load balancer address, as the wait and the stack output read it. */
export const GATEWAY_ADDRESS_WAIT = "jsonpath={.status.addresses[?(@.type=='Hostname')].value}";

/** The Gateway's status as far as its address goes (gateway.networking.k8s.io/v1 GatewayStatus). */
export interface GatewayStatus {
    readonly addresses?: readonly { readonly type?: string; readonly value: string }[];
}

/**
 * The NLB's DNS name from the Gateway's status: the first address of type Hostname, which NGF
 * copies from the data plane Service's load balancer status (getGatewayAddressesForStatus,
 * v2.6.7); undefined while there is none (never after the update's wait).
 */
export function gatewayAddress(status: GatewayStatus | undefined): string | undefined {
    return status?.addresses?.find((a) => a.type === "Hostname")?.value;
}

/**
 * The alias records that point the listeners' hostnames at the gateway's NLB, in the hosted zone:
 * one A record per hostname (a `*.` hostname is a wildcard record, which Route 53 serves for
 * every name under it without one of its own), keyed by the hostname so that reordering config
 * replaces nothing. IPv4 only: the controller makes the NLB ipv4 unless
 * `aws-load-balancer-ip-address-type` says dualstack (annotations.md, v3.5.0).
 */
export function gatewayAliasRecords(hostnames: readonly string[]): { readonly key: string; readonly name: string; readonly type: "A" }[] {
    return [...new Set(hostnames)].sort().map((name) => ({ key: name.replace(/^\*\./, "wildcard."), name, type: "A" as const }));
}

/**
 * How the Kubernetes provider deletes the Gateway (pulumi-kubernetes annotation, v4.12.0+):
 * foreground, its default, stated so that nobody speeds a destroy up with `background`. The
 * Gateway then stays until its dependents with `blockOwnerDeletion` are gone (Kubernetes docs,
 * "Garbage collection", foreground cascading deletion): NGF makes the data plane Service with a
 * controller reference (internal/controller/provisioner/objects.go setOwnerReference,
 * `controllerutil.SetControllerReference`, v2.6.7), and that Service keeps its finalizer
 * `service.k8s.aws/resources` until the load balancer controller has deleted the NLB and its
 * security groups. So the Gateway's delete returns only once the NLB is gone, and everything the
 * Gateway depends on (the controller, its role, its egress) is deleted after it.
 */
export const DELETION_PROPAGATION = "pulumi.com/deletionPropagationPolicy";

/**
 * The one Gateway in tools. Routes may only come from the business namespaces (a label selector
 * on `allowedRoutes`), never from tools or an unmanaged namespace. The annotations in
 * `spec.infrastructure` reach the data plane's Service (NGF copies them there: nginx docs,
 * "deploy-data-plane"), which the AWS Load Balancer Controller turns into an NLB.
 */
export function sharedGatewayManifest(s: GatewaySettings): GatewayManifest {
    const allowedRoutes = { namespaces: { from: "Selector", selector: { matchLabels: { ...s.routeNamespaceLabels } } } };
    const listeners: Record<string, unknown>[] = [{ name: "http", port: HTTP_LISTENER.port, protocol: "HTTP", allowedRoutes }];
    const https = s.tls ? httpsListeners(s.tls) : [];
    for (const l of https) {
        listeners.push({
            name: l.name,
            ...(l.hostname !== undefined ? { hostname: l.hostname } : {}),
            port: HTTPS_LISTENER.port,
            protocol: "HTTPS",
            tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: l.secret }] },
            allowedRoutes,
        });
    }
    const issuer = s.tls?.certificateSecret === undefined ? s.tls?.issuer : undefined;
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: {
            name: SHARED_GATEWAY,
            namespace: s.toolsNamespace,
            labels: { ...s.labels },
            annotations: {
                ...(issuer !== undefined ? { [CLUSTER_ISSUER_ANNOTATION]: issuer } : {}),
                [WAIT_FOR]: gatewayWaitFor(https),
                [DELETION_PROPAGATION]: "foreground",
                ...(s.replaceLoadBalancer ? { [LOAD_BALANCER_REPLACEMENT_ANNOTATION]: "intended" } : {}),
            },
        },
        spec: {
            gatewayClassName: GATEWAY_CLASS,
            infrastructure: { annotations: loadBalancerAnnotations(s.internal, s.loadBalancerSubnetIds) },
            listeners,
        },
    };
}

/** The annotation that hands the Service to the AWS Load Balancer Controller; changing it means a new Service. */
export const LOAD_BALANCER_TYPE_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-type";

/**
 * Gateway API allows at most 8 infrastructure annotations (gateway.networking.k8s.io/v1
 * GatewayInfrastructure `annotations`, `+kubebuilder:validation:MaxProperties=8`, gateway-api
 * v1.5.1 apis/v1/gateway_types.go); a Gateway with more is refused by the API server.
 */
export const GATEWAY_INFRASTRUCTURE_ANNOTATION_LIMIT = 8;

/**
 * What only the Gateway can say about its load balancer: that the AWS Load Balancer Controller
 * makes it (`aws-load-balancer-type: external`, the in-tree provider then ignores the Service;
 * changing it means a new Service, see `serve`), its scheme (a change replaces the NLB: a new DNS
 * name) and its subnets (the public ones, for either scheme, so the NLB's own addresses, the
 * health checks' source, lie outside the pod ranges). Annotations annotations.md, v3.5.0. Three of
 * the eight Gateway API allows: NGF also copies these into the data plane's pod template
 * (internal/controller/provisioner/objects.go buildLabelsAndAnnotations, v2.6.7), so every change
 * here rolls the pods; what is the same for every Gateway is in the chart's Service patch instead
 * (`loadBalancerServiceAnnotations`).
 */
export function loadBalancerAnnotations(internal: boolean, subnetIds: readonly string[]): Record<string, string> {
    return {
        [LOAD_BALANCER_TYPE_ANNOTATION]: "external",
        [LOAD_BALANCER_SCHEME_ANNOTATION]: loadBalancerScheme(internal),
        "service.beta.kubernetes.io/aws-load-balancer-subnets": subnetIds.join(","),
    };
}

/**
 * On the Gateway's own metadata (not copied anywhere): this update may replace the NLB (config
 * `gateway.replaceLoadBalancer`); without it the prod preview gate refuses a scheme change
 * (delivery/previewGate.ts).
 */
export const LOAD_BALANCER_REPLACEMENT_ANNOTATION = "k8s-platform/load-balancer-replacement";

/** The annotation whose change makes the controller replace the NLB (annotations.md, "scheme", v3.5.0). */
export const LOAD_BALANCER_SCHEME_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-scheme";

export type LoadBalancerScheme = "internal" | "internet-facing";
export function loadBalancerScheme(internal: boolean): LoadBalancerScheme {
    return internal ? "internal" : "internet-facing";
}

/** How the data plane is run and drained; config `gateway.dataPlane`, resolved. */
export interface DataPlaneSettings {
    /** nginx replicas of the shared Gateway (NginxProxy `kubernetes.deployment.replicas`). */
    readonly replicas: number;
    /** The PodDisruptionBudget's minAvailable; none when 0 (one replica: a budget would block every drain). */
    readonly minAvailable: number;
    /** How long the NLB lets a deregistered target finish its connections (target group attribute). */
    readonly deregistrationDelaySeconds: number;
    /** How long a terminating nginx keeps serving (preStop sleep): longer than the deregistration delay. */
    readonly drainSeconds: number;
}

/** After the preStop sleep, nginx's graceful quit (SIGQUIT: open requests finish) gets this long before SIGKILL. */
export const NGINX_QUIT_SECONDS = 15;

/**
 * The data plane Service's load balancer settings that every Gateway shares, as annotations the
 * chart's NginxProxy adds to the Service (`nginx.service.patches`, a StrategicMerge patch,
 * internal/controller/provisioner/objects.go buildNginxService "Apply service patches", v2.6.7), so
 * they use none of the Gateway's eight and never roll the pods (annotations.md, v3.5.0):
 * - IP targets: the gateway's pods themselves, no NodePort hop;
 * - client IP preservation (off by default for IP targets), so the gateway's ipBlock rules see
 *   real clients; the deregistration delay stated (AWS default 300 s), which the pods' preStop
 *   outlasts;
 * - HTTP health checks of nginx's readiness endpoint (`/readyz` on 8081), not a TCP connect to a
 *   listener port, which a starting or quitting nginx still accepts.
 */
export function loadBalancerServiceAnnotations(dataPlane: DataPlaneSettings): Record<string, string> {
    return {
        "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
        "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": `preserve_client_ip.enabled=true,deregistration_delay.timeout_seconds=${dataPlane.deregistrationDelaySeconds}`,
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol": "http",
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port": String(NGF_READINESS_PORT),
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-path": NGF_READINESS_PATH,
    };
}

/** The load balancer controller's class (docs/guide/service/nlb.md, v3.5.0: its default `--load-balancer-class`). */
export const LOAD_BALANCER_CLASS = "service.k8s.aws/nlb";

/**
 * The shared Gateway's data plane Service, as NGF 2.6.7 makes it: named `<gateway>-<gatewayclass>`
 * (internal/controller/provisioner/handler.go `controller.CreateNginxResourceName(gateway, gcName)`;
 * internal/framework/controller/resource.go truncates and hashes only past 63 characters), in the
 * Gateway's namespace, with the Gateway as its controller (objects.go buildNginxResourceObjects,
 * setOwnerReference); the same name as the data plane's pods' `app.kubernetes.io/name`. NGF copies
 * the chart's `nginx.service` values into its spec (objects.go setSvcLoadBalancerSettings:
 * `loadBalancerClass`, `loadBalancerSourceRanges`) and the Gateway's infrastructure annotations
 * into its metadata (buildLabelsAndAnnotations), so the Service is where the live cluster shows
 * the edge firewall the program set.
 */
export const GATEWAY_SERVICE_NAME = `${SHARED_GATEWAY}-${GATEWAY_CLASS}`;

/**
 * The chart's values: telemetry off (it would call oss.edge.df.f5.com:443, which egress deny
 * refuses), and the data plane (values.yaml `nginx`, templates/nginxproxy.yaml, v2.6.7):
 * - `replicas` nginx pods, spread over zones (`nginx.pod.topologySpreadConstraints`; ScheduleAnyway:
 *   a zone without a node must not keep a rollout's new pod pending);
 * - a preStop sleep of `drainSeconds` (Kubernetes' sleep action, no shell needed), so a
 *   terminating pod keeps serving while the load balancer controller deregisters it and the NLB
 *   drains it (`deregistration_delay`), then nginx's graceful quit; the grace period covers both;
 * - the Service with the exact client ranges (the controller writes one frontend security group
 *   rule per range and listener port from them, pkg/service/model_build_managed_sg.go, v3.5.0),
 *   the controller's `loadBalancerClass`, stated rather than left to its mutating webhook (which
 *   sets it on CREATE only, and NGF writes the whole Service spec on every update,
 *   internal/controller/provisioner/setter.go `serviceSpecSetter`, which the API server would
 *   refuse for dropping that immutable field), and the shared load balancer annotations as a patch.
 */
export function ngfChartValues(loadBalancerSourceRanges: readonly string[], dataPlane: DataPlaneSettings): Record<string, unknown> {
    return {
        nginxGateway: { gatewayClassName: GATEWAY_CLASS, productTelemetry: { enable: false } },
        nginx: {
            replicas: dataPlane.replicas,
            pod: {
                terminationGracePeriodSeconds: dataPlane.drainSeconds + NGINX_QUIT_SECONDS,
                topologySpreadConstraints: [
                    {
                        maxSkew: 1,
                        topologyKey: "topology.kubernetes.io/zone",
                        whenUnsatisfiable: "ScheduleAnyway",
                        labelSelector: { matchLabels: { ...GATEWAY_POD_LABELS } },
                    },
                ],
            },
            container: { lifecycle: { preStop: { sleep: { seconds: dataPlane.drainSeconds } } } },
            service: {
                type: "LoadBalancer",
                externalTrafficPolicy: "Local",
                loadBalancerClass: LOAD_BALANCER_CLASS,
                loadBalancerSourceRanges: [...loadBalancerSourceRanges],
                patches: [{ type: "StrategicMerge", value: { metadata: { annotations: loadBalancerServiceAnnotations(dataPlane) } } }],
            },
        },
    };
}

/**
 * The shared Gateway's data plane may lose at most `replicas - minAvailable` pods to a voluntary
 * disruption (a drain, a node group update, Karpenter/Spot rebalancing); NGF makes none (no
 * PodDisruptionBudget in charts/nginx-gateway-fabric/templates or the provisioner, v2.6.7).
 * None with `minAvailable` 0.
 */
export function gatewayDisruptionBudget(
    toolsNamespace: string,
    dataPlane: DataPlaneSettings,
    labels: Readonly<Record<string, string>>,
): Record<string, unknown> | undefined {
    if (dataPlane.minAvailable === 0) return undefined;
    return {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: `${SHARED_GATEWAY}-${GATEWAY_CLASS}`, namespace: toolsNamespace, labels: { ...labels } },
        spec: { minAvailable: dataPlane.minAvailable, selector: { matchLabels: { ...GATEWAY_POD_LABELS } } },
    };
}

/**
 * AWS's default quota of inbound rules per security group (Amazon VPC user guide, "Amazon VPC
 * quotas", security groups: 60 inbound rules, adjustable); the NLB's frontend group holds one per
 * client range and listener port.
 */
export const SECURITY_GROUP_INBOUND_RULES = 60;

/**
 * cert-manager v1.21.1's images by digest (quay.io/jetstack/cert-manager-{controller,webhook,cainjector}:v1.21.1),
 * as pinned in several public repositories found with the search tool (the registry itself is out
 * of reach here); values.yaml `image.digest`, `webhook.image.digest`, `cainjector.image.digest`:
 * "only the digest will be used for pulling".
 */
export const CERT_MANAGER_IMAGE_DIGESTS = {
    controller: "sha256:416a2d76870d996460e62bd7f521bf14fa017be9e3e904aab92163a331fcb61a",
    webhook: "sha256:d8b3961b51c8c7320633f8208dc46bf88aa13804d0f7cbe48a096b2c523cee42",
    cainjector: "sha256:ccf6b919ec0500745a47a910118f834f9636d0aac1ff221245cd2557ed8c7c98",
} as const;

/**
 * public.ecr.aws/eks/aws-load-balancer-controller:v3.5.0 by digest, as one public repository pins
 * it (found with the search tool; not checked against the registry from here). The chart renders
 * `<repository>:<tag>` (templates/deployment.yaml), so the digest rides on the tag.
 */
export const LB_CONTROLLER_IMAGE_TAG = "v3.5.0@sha256:298acdff5a571731276aaea3d5cc450a264e4ad710a5bddf3e518f68a3f9f6cb";

/**
 * The values of cert-manager's chart (values.yaml, v1.21.1). `webhookReplicas` webhook pods, with
 * a PodDisruptionBudget of one available when more than one (values `webhook.podDisruptionBudget`,
 * templates/webhook-poddisruptionbudget.yaml): every Certificate and issuer write goes through
 * that webhook (failurePolicy Fail), so a drain of its only pod stops renewals and the Gateway's
 * certificate updates.
 */
export function certManagerChartValues(webhookReplicas: number): Record<string, unknown> {
    return {
        image: { digest: CERT_MANAGER_IMAGE_DIGESTS.controller },
        webhook: {
            image: { digest: CERT_MANAGER_IMAGE_DIGESTS.webhook },
            replicaCount: webhookReplicas,
            ...(webhookReplicas > 1 ? { podDisruptionBudget: { enabled: true, minAvailable: 1 } } : {}),
        },
        cainjector: { image: { digest: CERT_MANAGER_IMAGE_DIGESTS.cainjector } },
        // The CRDs with the chart, kept when it is removed (deleting them deletes every Certificate).
        crds: { enabled: true, keep: true },
        // Gateway API support: the controller issues certificates for annotated Gateways
        // (ControllerConfiguration `gatewayAPI.enabled`, pkg/apis/config/controller/v1alpha1/types.go).
        config: {
            apiVersion: "controller.config.cert-manager.io/v1alpha1",
            kind: "ControllerConfiguration",
            gatewayAPI: { enabled: true },
        },
        // The DNS-01 self-check through cluster DNS only (see the header).
        dns01RecursiveNameserversOnly: true,
        startupapicheck: { enabled: false },
    };
}

/** The values of the load balancer controller's chart (values.yaml, v3.5.0). */
export function lbControllerChartValues(s: { clusterName: string; region: string; vpcId: string }): Record<string, unknown> {
    return {
        clusterName: s.clusterName,
        region: s.region,
        vpcId: s.vpcId,
        image: { tag: LB_CONTROLLER_IMAGE_TAG },
        serviceAccount: { create: true, name: LB_CONTROLLER_SERVICE_ACCOUNT },
        enableCertManager: true,
        // Off: the chart's Service mutating webhook (values.yaml enableServiceMutatorWebhook: true,
        // serviceMutatorWebhookConfig.failurePolicy: Fail; templates/webhook.yaml
        // mservice.elbv2.k8s.aws, v3.5.0) matches every Service created in the cluster, so while
        // the controller's pods are down no Service could be created anywhere, and on a first
        // `up` NGF's Service could race the controller's start. It only sets loadBalancerClass,
        // which NGF's chart values set on the gateway's Service already (ngfChartValues).
        enableServiceMutatorWebhook: false,
        // Its two pods (values.yaml `replicaCount: 2`) never both drained at once: the pod
        // readiness webhook and the NLB's targets need one (templates/pdb.yaml, rendered only
        // with more than one replica).
        podDisruptionBudget: { maxUnavailable: 1 },
        // What nothing here uses, off: the `alb` IngressClass (templates/ingressclass.yaml), the
        // cluster-wide Ingress validating webhook (templates/webhook.yaml vingress.elbv2.k8s.aws,
        // failurePolicy Fail: with the controller down no Ingress could be written anywhere),
        // and its Gateway API controllers for ALB and NLB Gateways (feature gates ALBGatewayAPI,
        // NLBGatewayAPI, on by default in pkg/config/feature_gates.go, rendered as
        // --feature-gates by templates/deployment.yaml), which would watch the Gateway API CRDs
        // NGF's Gateways use.
        createIngressClassResource: false,
        webhookConfig: { disableIngressValidation: true },
        controllerConfig: { featureGates: { ALBGatewayAPI: false, NLBGatewayAPI: false } },
    };
}

/** A ClusterIssuer for Let's Encrypt with DNS-01 on Route 53, credentials from the pod's Pod Identity. */
export function clusterIssuerManifest(s: {
    readonly issuer: AcmeIssuer;
    readonly hostedZoneId: string;
    readonly region: string;
    readonly email?: string;
    readonly labels: Readonly<Record<string, string>>;
}): Record<string, unknown> {
    return {
        apiVersion: "cert-manager.io/v1",
        kind: "ClusterIssuer",
        // Ready once the ACME account is registered: proves the way to the ACME server.
        metadata: { name: s.issuer, labels: { ...s.labels }, annotations: { [WAIT_FOR]: "condition=Ready" } },
        spec: {
            acme: {
                server: ACME_ISSUERS[s.issuer],
                ...(s.email !== undefined ? { email: s.email } : {}),
                privateKeySecretRef: { name: `${s.issuer}-account-key` },
                // No credentials named: ambient ones (a ClusterIssuer may use them by default,
                // `--cluster-issuer-ambient-credentials`), i.e. the Pod Identity role (cert-manager
                // docs, "Route53", "EKS Pod Identity").
                solvers: [{ dns01: { route53: { region: s.region, hostedZoneID: s.hostedZoneId } } }],
            },
        },
    };
}

/**
 * The TXT record names of the DNS-01 challenges for the listeners' hostnames: `_acme-challenge.`
 * before the name, a wildcard's `*.` dropped (RFC 8555 section 8.4; cert-manager
 * pkg/issuer/acme/dns/util `DNS01LookupFQDN`), each once, as Route 53 normalizes names (lowercase,
 * no trailing dot: Route 53 developer guide, "Using IAM policy conditions for fine-grained access
 * control", `route53:ChangeResourceRecordSetsNormalizedRecordNames`).
 */
export function acmeChallengeRecordNames(hostnames: readonly string[]): string[] {
    return [...new Set(hostnames.map((h) => `_acme-challenge.${h.replace(/^\*\./, "").toLowerCase()}`))].sort();
}

/**
 * cert-manager's permissions in Route 53, exactly the calls its Route 53 solver makes with the
 * issuer naming the zone (pkg/issuer/acme/dns/route53/route53.go, v1.21.1): ChangeResourceRecordSets
 * with UPSERT (Present) and DELETE (CleanUp) of one TXT record, then GetChange until it is INSYNC.
 * No ListResourceRecordSets (never called) and no ListHostedZonesByName (only without a zone ID).
 * The record changes are limited by the Route 53 condition keys (developer guide, "Using IAM
 * policy conditions for fine-grained access control"): TXT only, UPSERT and DELETE only, and only
 * the challenge names of the configured hostnames, so the role cannot touch the zone's SPF,
 * DMARC or verification TXT records, nor the gateway's own records.
 */
export function route53Policy(hostedZoneId: string, hostnames: readonly string[]): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: "route53:GetChange", Resource: "arn:aws:route53:::change/*" },
            {
                Effect: "Allow",
                Action: "route53:ChangeResourceRecordSets",
                Resource: `arn:aws:route53:::hostedzone/${hostedZoneId}`,
                Condition: {
                    "ForAllValues:StringEquals": {
                        "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
                        "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE"],
                        "route53:ChangeResourceRecordSetsNormalizedRecordNames": acmeChallengeRecordNames(hostnames),
                    },
                },
            },
        ],
    };
}

/**
 * NGINX Gateway Fabric's own CRDs (NginxProxy, NginxGateway, its policies) of a release: Helm
 * installs a chart's `crds/` on install only, never on upgrade (charts/nginx-gateway-fabric/README.md
 * "Upgrading the CRDs": `kubectl apply --server-side` them before upgrading, v2.6.7), so the
 * program applies them itself, server-side, from the release's deploy/crds.yaml (the same CRDs,
 * tag `v<chart version>`: chart and app versions are equal, Chart.yaml), on every version change.
 */
export function ngfCrdsUrl(chartVersion: string): string {
    return `https://raw.githubusercontent.com/nginx/nginx-gateway-fabric/v${chartVersion.replace(/^v/, "")}/deploy/crds.yaml`;
}

/** The standard-channel CRDs of a Gateway API release (gateway-api's getting-started guide). */
export function gatewayApiCrdsUrl(version: string): string {
    return `https://github.com/kubernetes-sigs/gateway-api/releases/download/${version}/standard-install.yaml`;
}

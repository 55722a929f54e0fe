/**
 * Intent -> Kubernetes objects. The only place NetworkPolicies are built: components wrap these
 * objects in resources, the offline plan writes them as YAML, and the reachability engine
 * evaluates them. Pure and deterministic: the same intent gives the same objects, names and order.
 */
import {
    LabelSelector,
    Labels,
    NAMESPACE_NAME_LABEL,
    Namespace,
    NetworkPolicy,
    NetworkPolicyEgressRule,
    NetworkPolicyIngressRule,
    NetworkPolicyPeer,
    NetworkPolicyPort,
    PolicyType,
} from "../engine/k8s";
import { CLUSTER_DNS, Flow, KUBE_API_PORTS, NetworkIntent, PortSpec, WEB_APP, appRefString } from "./intent";

export type NamespaceRole = "business" | "tools";

/** One namespace and the policies that segment it. */
export interface NamespacePolicies {
    readonly role: NamespaceRole;
    readonly namespace: Namespace;
    /** Allow policies; they must exist before `defaultDeny` so no allowed traffic is ever dropped. */
    readonly allows: readonly NetworkPolicy[];
    readonly defaultDeny: NetworkPolicy;
}

export const MANAGED_BY_LABELS: Labels = {
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/part-of": "k8s-platform",
};
/** Annotation that says, in words, which intent a policy implements. */
export const INTENT_ANNOTATION = "k8s-platform/intent";
export const TEAM_LABEL = "team";
export const ZONE_LABEL = "network-zone";

/** Compiles the intent into every managed namespace with its policies, sorted by namespace name. */
export function compileIntent(intent: NetworkIntent): readonly NamespacePolicies[] {
    const flows = mergeFlows(intent.flows);
    const business = intent.namespaces.map((ns): NamespacePolicies => {
        const allows = [
            ...commonAllows(intent, ns.name),
            ...(ns.apps.includes(WEB_APP) ? webAllows(intent, ns.name, ns.webPorts) : []),
            ...flowIngress(
                intent,
                flows.filter((f) => f.to.namespace === ns.name),
            ),
            ...(intent.defaultDenyEgress
                ? flowEgress(
                      intent,
                      flows.filter((f) => f.from.namespace === ns.name),
                  )
                : []),
            ...cidrIngress(intent, ns.name),
        ];
        return {
            role: "business",
            namespace: namespaceObject(ns.name, { [TEAM_LABEL]: ns.team, [ZONE_LABEL]: "business" }),
            allows: sortByName(allows),
            defaultDeny: defaultDeny(intent, ns.name),
        };
    });
    const tools: NamespacePolicies = {
        role: "tools",
        namespace: namespaceObject(intent.toolsNamespace, { [TEAM_LABEL]: "platform", [ZONE_LABEL]: "tools" }),
        allows: sortByName([...commonAllows(intent, intent.toolsNamespace), ...ingressNginxAllows(intent)]),
        defaultDeny: defaultDeny(intent, intent.toolsNamespace),
    };
    return [...business, tools].sort((a, b) => compare(a.namespace.metadata.name, b.namespace.metadata.name));
}

/** Every policy of the compiled intent, allows before each namespace's default deny. */
export function allPolicies(plans: readonly NamespacePolicies[]): readonly NetworkPolicy[] {
    return plans.flatMap((p) => [...p.allows, p.defaultDeny]);
}

function namespaceObject(name: string, labels: Labels): Namespace {
    return {
        apiVersion: "v1",
        kind: "Namespace",
        // The API server sets kubernetes.io/metadata.name itself; stating it keeps offline
        // manifests and snapshots identical to what the cluster holds.
        metadata: { name, labels: { [NAMESPACE_NAME_LABEL]: name, ...labels, ...MANAGED_BY_LABELS } },
    };
}

function defaultDeny(intent: NetworkIntent, namespace: string): NetworkPolicy {
    // policyTypes is always explicit: without it a rule-less policy isolates ingress only.
    const policyTypes: PolicyType[] = intent.defaultDenyEgress ? ["Ingress", "Egress"] : ["Ingress"];
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: {
            name: "default-deny",
            namespace,
            labels: MANAGED_BY_LABELS,
            annotations: { [INTENT_ANNOTATION]: `deny all ${policyTypes.join(" and ").toLowerCase()} not allowed by another policy` },
        },
        spec: { podSelector: {}, policyTypes },
    };
}

function commonAllows(intent: NetworkIntent, namespace: string): NetworkPolicy[] {
    const sameNamespace: NetworkPolicyPeer = { podSelector: {} };
    const policies = [
        policy(namespace, "allow-same-namespace", {}, "pods of this namespace talk to each other freely", {
            ingress: [{ from: [sameNamespace] }],
            egress: intent.defaultDenyEgress ? [{ to: [sameNamespace] }] : undefined,
        }),
    ];
    if (intent.defaultDenyEgress) {
        policies.push(
            policy(namespace, "allow-dns-egress", {}, "every pod resolves names through cluster DNS", {
                egress: [{ to: [podsIn(CLUSTER_DNS.namespace, CLUSTER_DNS.podLabels)], ...rulePorts(CLUSTER_DNS.ports) }],
            }),
        );
    }
    return policies;
}

function webAllows(intent: NetworkIntent, namespace: string, webPorts: readonly PortSpec[]): NetworkPolicy[] {
    const nginx = podsIn(intent.toolsNamespace, intent.ingressNginx.podLabels);
    const web = appSelector(intent, WEB_APP);
    const policies = [
        policy(namespace, "web-from-ingress-nginx", web, "nginx ingress forwards requests to the web pods", {
            ingress: [{ from: [nginx], ...rulePorts(webPorts) }],
        }),
    ];
    if (intent.defaultDenyEgress) {
        policies.push(
            policy(namespace, "web-to-ingress-nginx", web, "web pods call other services through nginx ingress", {
                egress: [{ to: [nginx], ...rulePorts(intent.ingressNginx.servicePorts) }],
            }),
        );
    }
    return policies;
}

function ingressNginxAllows(intent: NetworkIntent): NetworkPolicy[] {
    const ns = intent.toolsNamespace;
    const nginx: LabelSelector = { matchLabels: intent.ingressNginx.podLabels };
    const webhookPorts: PortSpec[] = [{ protocol: "TCP", port: intent.ingressNginx.webhookPort }];
    const withWeb = intent.namespaces.filter((b) => b.apps.includes(WEB_APP));
    const policies = [
        policy(ns, "ingress-nginx-from-clients", nginx, "clients reach nginx through the load balancer", {
            ingress: [{ from: intent.ingressNginx.sourceCidrs.map(ipBlock), ...rulePorts(intent.ingressNginx.servicePorts) }],
        }),
        policy(ns, "ingress-nginx-webhook-from-control-plane", nginx, "the API server calls the admission webhook", {
            ingress: [{ from: intent.controlPlaneCidrs.map(ipBlock), ...rulePorts(webhookPorts) }],
        }),
    ];
    if (intent.defaultDenyEgress) {
        policies.push(
            policy(ns, "ingress-nginx-to-kube-api", nginx, "nginx watches Ingresses and Endpoints on the Kubernetes API", {
                egress: [{ to: intent.controlPlaneCidrs.map(ipBlock), ...rulePorts(KUBE_API_PORTS) }],
            }),
        );
    }
    // Never a rule with an empty peer list: `from: []` admits every source.
    if (withWeb.length > 0) {
        policies.push(
            policy(ns, "ingress-nginx-from-web", nginx, "web pods of every business namespace call through nginx", {
                ingress: [
                    {
                        from: withWeb.map((b) => podsIn(b.name, appLabels(intent, WEB_APP))),
                        ...rulePorts(intent.ingressNginx.servicePorts),
                    },
                ],
            }),
        );
        if (intent.defaultDenyEgress) {
            policies.push(
                policy(ns, "ingress-nginx-to-web", nginx, "nginx forwards requests to every business namespace's web pods", {
                    egress: withWeb.map((b) => ({ to: [podsIn(b.name, appLabels(intent, WEB_APP))], ...rulePorts(b.webPorts) })),
                }),
            );
        }
    }
    return policies;
}

function flowIngress(intent: NetworkIntent, flows: readonly Flow[]): NetworkPolicy[] {
    return flows.map((f) =>
        policy(f.to.namespace, `from-${f.from.namespace}.${f.from.app}-to-${f.to.app}`, appSelector(intent, f.to.app), flowSentence(f), {
            ingress: [{ from: [podsIn(f.from.namespace, appLabels(intent, f.from.app))], ...rulePorts(f.ports) }],
        }),
    );
}

function flowEgress(intent: NetworkIntent, flows: readonly Flow[]): NetworkPolicy[] {
    return flows.map((f) =>
        policy(f.from.namespace, `from-${f.from.app}-to-${f.to.namespace}.${f.to.app}`, appSelector(intent, f.from.app), flowSentence(f), {
            egress: [{ to: [podsIn(f.to.namespace, appLabels(intent, f.to.app))], ...rulePorts(f.ports) }],
        }),
    );
}

function cidrIngress(intent: NetworkIntent, namespace: string): NetworkPolicy[] {
    return intent.cidrSources
        .filter((s) => s.to.namespace === namespace)
        .map((s) =>
            policy(
                namespace,
                `from-cidr.${s.name}-to-${s.to.app}`,
                appSelector(intent, s.to.app),
                `${s.name} addresses reach ${appRefString(s.to)}`,
                {
                    ingress: [
                        {
                            from: s.cidrs.map((c) => ({
                                ipBlock: c.except.length > 0 ? { cidr: c.cidr, except: [...c.except] } : { cidr: c.cidr },
                            })),
                            ...rulePorts(s.ports),
                        },
                    ],
                },
            ),
        );
}

/**
 * One flow per (source app, destination app): ports of repeated declarations are merged, so a
 * pair never gets two policies with the same name. Flows inside one namespace are dropped, since
 * allow-same-namespace already admits them.
 */
export function mergeFlows(flows: readonly Flow[]): readonly Flow[] {
    const byPair = new Map<string, Flow>();
    for (const flow of flows) {
        if (flow.from.namespace === flow.to.namespace) continue;
        const key = `${appRefString(flow.from)}>${appRefString(flow.to)}`;
        const seen = byPair.get(key);
        byPair.set(
            key,
            seen ? { ...seen, ports: uniquePorts([...seen.ports, ...flow.ports]) } : { ...flow, ports: uniquePorts(flow.ports) },
        );
    }
    return [...byPair.entries()].sort(([a], [b]) => compare(a, b)).map(([, f]) => f);
}

function uniquePorts(ports: readonly PortSpec[]): PortSpec[] {
    const byKey = new Map(ports.map((p) => [`${p.protocol}/${p.port}-${p.endPort ?? ""}`, p]));
    return [...byKey.values()].sort(comparePorts);
}

export function comparePorts(a: PortSpec, b: PortSpec): number {
    if (a.protocol !== b.protocol) return compare(a.protocol, b.protocol);
    if (typeof a.port !== typeof b.port) return typeof a.port === "number" ? -1 : 1;
    if (a.port !== b.port) return typeof a.port === "number" ? a.port - (b.port as number) : compare(a.port, String(b.port));
    return (a.endPort ?? 0) - (b.endPort ?? 0);
}

function flowSentence(f: Flow): string {
    return `${appRefString(f.from)} calls ${appRefString(f.to)} on ${f.ports.map(portString).join(", ")}`;
}

export function portString(p: PortSpec): string {
    return `${p.port}${p.endPort !== undefined ? `-${p.endPort}` : ""}/${p.protocol}`;
}

function policy(
    namespace: string,
    name: string,
    podSelector: LabelSelector,
    why: string,
    rules: { ingress?: NetworkPolicyIngressRule[]; egress?: NetworkPolicyEgressRule[] },
): NetworkPolicy {
    const policyTypes: PolicyType[] = [];
    if (rules.ingress) policyTypes.push("Ingress");
    if (rules.egress) policyTypes.push("Egress");
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name, namespace, labels: MANAGED_BY_LABELS, annotations: { [INTENT_ANNOTATION]: why } },
        spec: {
            podSelector,
            policyTypes,
            ...(rules.ingress ? { ingress: rules.ingress } : {}),
            ...(rules.egress ? { egress: rules.egress } : {}),
        },
    };
}

function appLabels(intent: NetworkIntent, app: string): Labels {
    return { [intent.appLabel]: app };
}

function appSelector(intent: NetworkIntent, app: string): LabelSelector {
    return { matchLabels: appLabels(intent, app) };
}

/**
 * Pods with `labels` in `namespace`: namespaceSelector and podSelector in ONE peer, which
 * Kubernetes ANDs; two peers would be ORed and admit every pod of the namespace.
 * https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
 */
function podsIn(namespace: string, labels: Labels): NetworkPolicyPeer {
    return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } }, podSelector: { matchLabels: labels } };
}

function ipBlock(cidr: string): NetworkPolicyPeer {
    return { ipBlock: { cidr } };
}

/** No ports means every port, as in a rule without `ports` (an empty list would mean the same). */
function rulePorts(ports: readonly PortSpec[]): { ports?: NetworkPolicyPort[] } {
    if (ports.length === 0) return {};
    return {
        ports: ports.map((p) =>
            p.endPort !== undefined ? { protocol: p.protocol, port: p.port, endPort: p.endPort } : { protocol: p.protocol, port: p.port },
        ),
    };
}

function sortByName(policies: NetworkPolicy[]): NetworkPolicy[] {
    return policies.sort((a, b) => compare(a.metadata.name, b.metadata.name));
}

function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

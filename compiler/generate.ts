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
import { blockContainsBlock, formatCidr, requireCidr } from "../engine/cidr";
import { exactRanges } from "./addressSet";
import {
    ALL_APPS,
    AddressRule,
    AppRef,
    BusinessNamespace,
    CLUSTER_DNS,
    CidrRange,
    Flow,
    NetworkIntent,
    POD_IDENTITY_AGENT,
    PlatformPeer,
    PlatformWorkload,
    PortSpec,
    STS_PORTS,
    WEB_APP,
    appRefString,
    peerName,
    platformOutside,
    platformWorkload,
    portString,
} from "./intent";

export { peerName, portString } from "./intent";

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

/**
 * The label that has the AWS Load Balancer Controller's pod webhook give each new pod of the
 * namespace a readiness gate per target group it is in (`mpod.elbv2.k8s.aws`, namespaceSelector
 * `elbv2.k8s.aws/pod-readiness-gate-inject In [enabled]`, helm/aws-load-balancer-controller
 * templates/webhook.yaml, v3.5.0; docs/deploy/pod_readiness_gate.md): a new gateway pod counts
 * Ready only once the NLB reports it healthy, so a rollout never removes the old pods before the
 * new ones take traffic. On tools, where the gateway's data plane runs (the webhook's failure
 * policy is Ignore, podMutatorWebhookConfig.failurePolicy: a pod created while the controller is
 * down starts without the gate).
 */
export const READINESS_GATE_LABELS: Readonly<Record<string, string>> = { "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" };

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
            ...(intent.defaultDenyEgress ? destinationEgress(intent, ns.name) : []),
        ];
        return {
            role: "business",
            namespace: namespaceObject(ns.name, { [TEAM_LABEL]: ns.team, [ZONE_LABEL]: "business" }),
            allows: sortByName(allows),
            defaultDeny: defaultDeny(intent, ns.name),
        };
    });
    // tools and the platform's own namespaces (cert-manager, the load balancer controller): the
    // same default deny, and the policies generated from their workloads' declared connections.
    const platform = [intent.toolsNamespace, ...intent.platform.namespaces].map((name): NamespacePolicies => ({
        role: "tools",
        namespace: namespaceObject(
            name,
            name === intent.toolsNamespace
                ? { [TEAM_LABEL]: "platform", [ZONE_LABEL]: "tools", ...READINESS_GATE_LABELS }
                : { [TEAM_LABEL]: "platform", [ZONE_LABEL]: "platform" },
        ),
        allows: sortByName([...commonAllows(intent, name), ...platformAllows(intent, name)]),
        defaultDeny: defaultDeny(intent, name),
    }));
    return [...business, ...platform].sort((a, b) => compare(a.namespace.metadata.name, b.namespace.metadata.name));
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
    if (!intent.defaultDenyEgress) return policies;
    policies.push(
        policy(namespace, "allow-dns-egress", {}, "every pod resolves names through cluster DNS", {
            egress: [{ to: [podsIn(CLUSTER_DNS.namespace, CLUSTER_DNS.podLabels)], ...rulePorts(CLUSTER_DNS.ports) }],
        }),
    );
    const credentials = intent.podCredentials;
    if (credentials.podIdentityAgent) {
        policies.push(
            policy(namespace, "allow-pod-identity-egress", {}, "pods get AWS credentials from the EKS Pod Identity agent", {
                egress: [{ to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }], ...rulePorts(POD_IDENTITY_AGENT.ports) }],
            }),
        );
    }
    if (credentials.stsCidrs.length > 0) {
        policies.push(
            policy(namespace, "allow-sts-egress", {}, "pods exchange their service account token at STS (IRSA)", {
                egress: [
                    {
                        to: addressPeers(intent, {
                            cidrs: credentials.stsCidrs.map((cidr) => ({ cidr, except: [] })),
                            includesPods: false,
                        }),
                        ...rulePorts(STS_PORTS),
                    },
                ],
            }),
        );
    }
    return policies;
}

/** The namespace's web pods with the gateway's data plane, both ways. */
function webAllows(intent: NetworkIntent, namespace: string, webPorts: readonly PortSpec[]): NetworkPolicy[] {
    const web = appSelector(intent, WEB_APP);
    const policies: NetworkPolicy[] = [];
    for (const c of intent.platform.connections) {
        if (c.to.kind === "web" && c.from.kind === "workload") {
            const source = platformWorkload(intent, c.from.name);
            policies.push(
                policy(namespace, `web-from-${source.name}`, web, c.why, {
                    ingress: [
                        { from: [podsIn(source.namespace, source.podLabels)], ...rulePorts(c.ports === "webPorts" ? webPorts : c.ports) },
                    ],
                }),
            );
        }
        if (c.from.kind === "web" && c.to.kind === "workload" && intent.defaultDenyEgress) {
            const target = platformWorkload(intent, c.to.name);
            policies.push(
                policy(namespace, `web-to-${target.name}`, web, c.why, {
                    egress: [
                        { to: [podsIn(target.namespace, target.podLabels)], ...rulePorts(c.ports === "webPorts" ? webPorts : c.ports) },
                    ],
                }),
            );
        }
    }
    return policies;
}

/**
 * The platform's own traffic, from the declared connections of its workloads in `namespace`: an
 * ingress policy where a workload here receives, an egress one (under egress deny) where it sends.
 * Connections between two workloads of the same namespace need none: allow-same-namespace admits
 * them.
 */
function platformAllows(intent: NetworkIntent, namespace: string): NetworkPolicy[] {
    const here = (peer: PlatformPeer): PlatformWorkload | undefined =>
        peer.kind === "workload" ? intent.platform.workloads.find((w) => w.name === peer.name && w.namespace === namespace) : undefined;
    const policies: NetworkPolicy[] = [];
    for (const c of intent.platform.connections) {
        const from = here(c.from);
        const to = here(c.to);
        if (from && to) continue;
        if (to) {
            const rules: NetworkPolicyIngressRule[] = peerRules(intent, c.from, c.ports).map(({ peers, ports }) => ({
                from: peers,
                ...ports,
            }));
            if (rules.length > 0)
                policies.push(
                    policy(namespace, `${to.name}-from-${peerName(c.from)}`, { matchLabels: to.podLabels }, c.why, { ingress: rules }),
                );
        }
        if (from && intent.defaultDenyEgress) {
            const rules: NetworkPolicyEgressRule[] = peerRules(intent, c.to, c.ports).map(({ peers, ports }) => ({ to: peers, ...ports }));
            if (rules.length > 0)
                policies.push(
                    policy(namespace, `${from.name}-to-${peerName(c.to)}`, { matchLabels: from.podLabels }, c.why, { egress: rules }),
                );
        }
    }
    return policies;
}

/** The peers (and their ports) that stand for the far end of a platform connection. */
function peerRules(
    intent: NetworkIntent,
    peer: PlatformPeer,
    ports: readonly PortSpec[] | "webPorts",
): { peers: NetworkPolicyPeer[]; ports: { ports?: NetworkPolicyPort[] } }[] {
    const fixed = ports === "webPorts" ? [] : ports;
    switch (peer.kind) {
        case "workload": {
            const w = platformWorkload(intent, peer.name);
            return [{ peers: [podsIn(w.namespace, w.podLabels)], ports: rulePorts(fixed) }];
        }
        case "web": {
            const withWeb = intent.namespaces.filter((b) => b.apps.includes(WEB_APP));
            // Never a rule with an empty peer list: `from: []` admits every source.
            if (withWeb.length === 0) return [];
            const web = (b: BusinessNamespace) => podsIn(b.name, appLabels(intent, WEB_APP));
            if (ports !== "webPorts") return [{ peers: withWeb.map(web), ports: rulePorts(fixed) }];
            return withWeb.map((b) => ({ peers: [web(b)], ports: rulePorts(b.webPorts) }));
        }
        case "kubeApi":
            return [{ peers: intent.addresses.controlPlaneCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: rulePorts(fixed) }];
        case "gatewayClients":
            return [{ peers: addressPeers(intent, intent.gatewayClients), ports: rulePorts(fixed) }];
        case "outside":
            return [{ peers: addressPeers(intent, platformOutside(intent, peer.name)), ports: rulePorts(fixed) }];
        default: {
            const unknown: never = peer;
            throw new Error(`unknown platform peer ${JSON.stringify(unknown)}`);
        }
    }
}

function flowIngress(intent: NetworkIntent, flows: readonly Flow[]): NetworkPolicy[] {
    return flows.map((f) =>
        policy(
            f.to.namespace,
            `from-${f.from.namespace}.${nameOfApp(f.from)}-to-${nameOfApp(f.to)}`,
            appSelector(intent, f.to.app),
            flowSentence(f),
            {
                ingress: [{ from: [podsIn(f.from.namespace, appLabels(intent, f.from.app))], ...rulePorts(f.ports) }],
            },
        ),
    );
}

function flowEgress(intent: NetworkIntent, flows: readonly Flow[]): NetworkPolicy[] {
    return flows.map((f) =>
        policy(
            f.from.namespace,
            `from-${nameOfApp(f.from)}-to-${f.to.namespace}.${nameOfApp(f.to)}`,
            appSelector(intent, f.from.app),
            flowSentence(f),
            {
                egress: [{ to: [podsIn(f.to.namespace, appLabels(intent, f.to.app))], ...rulePorts(f.ports) }],
            },
        ),
    );
}

function cidrIngress(intent: NetworkIntent, namespace: string): NetworkPolicy[] {
    return intent.cidrSources
        .filter((s) => s.to.namespace === namespace)
        .map((s) =>
            policy(
                namespace,
                `from-cidr.${s.name}-to-${nameOfApp(s.to)}`,
                appSelector(intent, s.to.app),
                `${s.name} addresses reach ${appRefString(s.to)}`,
                { ingress: [{ from: addressPeers(intent, s), ...rulePorts(s.ports) }] },
            ),
        );
}

/** One egress policy per (app, destination) granted in `namespace`. */
function destinationEgress(intent: NetworkIntent, namespace: string): NetworkPolicy[] {
    return intent.egress
        .filter((g) => g.from.namespace === namespace)
        .map((g) => {
            const d = intent.egressDestinations.find((x) => x.name === g.to);
            if (!d) throw new Error(`egress from ${appRefString(g.from)} names unknown destination ${g.to}`);
            return policy(
                namespace,
                `from-${nameOfApp(g.from)}-to-dest.${d.name}`,
                appSelector(intent, g.from.app),
                `${appRefString(g.from)} reaches ${d.name} on ${d.ports.length > 0 ? d.ports.map(portString).join(", ") : "every port"}`,
                { egress: [{ to: addressPeers(intent, d), ...rulePorts(d.ports) }] },
            );
        });
}

/**
 * ipBlock peers of an address rule. Every control-plane range inside a block is excepted (the API
 * server is reached only through the platform's declared connections), and, unless the rule says
 * it includes pods, every pod range too: with the Amazon VPC CNI pods have VPC addresses, and
 * Calico matches ipBlock against pod addresses as well (docs.tigera.io, "Kubernetes policy":
 * ipBlock "should be cluster-external IPs", and Calico applies it to pod IPs too).
 */
function addressPeers(intent: NetworkIntent, rule: AddressRule): NetworkPolicyPeer[] {
    const excluded = [...(rule.includesPods ? [] : intent.addresses.podCidrs), ...intent.addresses.controlPlaneCidrs];
    return rule.cidrs.map((c) => {
        const except = withExcepts(c, excluded);
        return { ipBlock: except.length > 0 ? { cidr: c.cidr, except } : { cidr: c.cidr } };
    });
}

/**
 * The ipBlocks through which the gateway's clients are admitted (`gateway-from-clients`): the
 * client ranges with their own excepts, the pod ranges and the control plane excepted. The load
 * balancer's source ranges are these same addresses as plain CIDRs (`exactRanges`).
 */
export function gatewayClientBlocks(intent: NetworkIntent): readonly { readonly cidr: string; readonly except?: readonly string[] }[] {
    return addressPeers(intent, intent.gatewayClients).map((p) => p.ipBlock!);
}

/**
 * The load balancer's client ranges (the data plane Service's `loadBalancerSourceRanges`, hence
 * the NLB security group's inbound rules): exactly the addresses `gatewayClientBlocks` admits, as
 * plain CIDRs, which is all a Service takes. The program installs these and the drift check
 * compares the live Service with these: one computation.
 */
export function gatewayClientRanges(intent: NetworkIntent): string[] {
    return exactRanges(gatewayClientBlocks(intent));
}

/** The range's own excepts plus the `excluded` ranges strictly inside it, sorted, without ranges already excepted. */
function withExcepts(range: CidrRange, excluded: readonly string[]): string[] {
    const outer = requireCidr(range.cidr);
    const own = range.except.map((e) => requireCidr(e));
    const inside = excluded
        .map((p) => requireCidr(p))
        .filter((p) => blockContainsBlock(outer, p) && p.prefix > outer.prefix && !own.some((e) => blockContainsBlock(e, p)));
    return [...own, ...inside].map(formatCidr).sort(compare);
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
        // No ports means every port: merged with anything, it stays every port.
        const ports =
            seen && (seen.ports.length === 0 || flow.ports.length === 0) ? [] : uniquePorts([...(seen?.ports ?? []), ...flow.ports]);
        byPair.set(key, { ...(seen ?? flow), ports });
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

/** The pod labels of an app; none (every pod) for `*`. */
function appLabels(intent: NetworkIntent, app: string): Labels {
    return app === ALL_APPS ? {} : { [intent.appLabel]: app };
}

function appSelector(intent: NetworkIntent, app: string): LabelSelector {
    return app === ALL_APPS ? {} : { matchLabels: appLabels(intent, app) };
}

/** How an app appears in policy names: `all` for every app of a namespace (config reserves the name). */
function nameOfApp(ref: AppRef): string {
    return ref.app === ALL_APPS ? ALL_APPS_NAME : ref.app;
}

export const ALL_APPS_NAME = "all";

/**
 * Pods with `labels` in `namespace`: namespaceSelector and podSelector in ONE peer, which
 * Kubernetes ANDs; two peers would be ORed and admit every pod of the namespace.
 * https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
 */
function podsIn(namespace: string, labels: Labels): NetworkPolicyPeer {
    return {
        namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } },
        podSelector: Object.keys(labels).length > 0 ? { matchLabels: labels } : {},
    };
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

/**
 * The platform of one stack: an EKS cluster, Calico enforcing NetworkPolicy, the business
 * namespaces plus tools, each segmented by policies compiled from the stack's network intent,
 * and nginx ingress in tools.
 */
import { loadStackConfig } from "./config/load";
import { PlatformCluster } from "./components/cluster";
import { Calico } from "./components/calico";
import { IngressNginx } from "./components/ingressNginx";
import { SegmentedNamespace } from "./components/segmentedNamespace";
import { compileIntent } from "./netpol/generate";

// Validated first: a bad config stops here, with nothing registered.
const config = loadStackConfig();
const plans = compileIntent(config.network);

const cluster = new PlatformCluster("platform", { config: config.cluster });
const calico = new Calico("calico", { version: config.calico.version, provider: cluster.provider, after: cluster.nodesReady });
const namespaces = plans.map(
    (plan) =>
        new SegmentedNamespace(`ns-${plan.namespace.metadata.name}`, {
            plan,
            provider: cluster.provider,
            enforcer: calico.ready,
            protect: config.cluster.protect,
        }),
);
const tools = namespaces.find((ns) => ns.namespaceName === config.network.toolsNamespace)!;
new IngressNginx("ingress-nginx", {
    chartVersion: config.ingressNginx.chartVersion,
    namespace: config.network.toolsNamespace,
    intent: config.network.ingressNginx,
    internal: config.ingressNginx.internal,
    provider: cluster.provider,
    after: [tools.namespace, ...tools.policies],
});

export const kubeconfig = cluster.kubeconfig;
export const clusterName = cluster.clusterName;
export const vpcId = cluster.vpcId;
export const managedNamespaces = namespaces.map((ns) => ns.namespaceName);

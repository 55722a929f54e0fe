/**
 * The platform of one stack: an EKS cluster, Calico enforcing NetworkPolicy, the business
 * namespaces plus tools, each segmented by policies compiled from the stack's network intent,
 * and NGINX Gateway Fabric in tools. Async so that the promotion gate decides before anything is
 * registered.
 */
import { loadStackConfig } from "./config/load";
import { PlatformCluster } from "./components/cluster";
import { Calico } from "./components/calico";
import { NginxGateway } from "./components/gateway";
import { enforcePromotion } from "./components/promotionGate";
import { SegmentedNamespace } from "./components/segmentedNamespace";
import { buildInTurn } from "./components/inTurn";
import { describePromotion } from "./delivery/promotion";
import { policySetDigest, promotionDigest } from "./compiler/digest";
import { MANAGED_BY_LABELS, ZONE_LABEL, allPolicies, compileIntent } from "./compiler/generate";
import { sharedGatewayManifest } from "./compiler/platform";
import { namespaceTenancy } from "./compiler/tenancy";
import { tenantGuardrails } from "./compiler/admission";
import { TenantGuardrails } from "./components/admission";

export = async () => {
    // Validated first: a bad config stops here, with nothing registered.
    const config = loadStackConfig();
    const plans = compileIntent(config.network);
    const digest = promotionDigest(config.network);
    // Refuses, before any resource, a policy set the earlier stack has not run.
    const promotion = await enforcePromotion(config.promotion, digest, config.cluster.kubernetesVersion);

    const cluster = new PlatformCluster("platform", { config: config.cluster });
    const calico = new Calico("calico", { version: config.calico.version, provider: cluster.provider, after: cluster.nodesReady });
    const namespaces = await buildInTurn(
        plans,
        (plan) =>
            new SegmentedNamespace(`ns-${plan.namespace.metadata.name}`, {
                plan,
                provider: cluster.provider,
                enforcer: calico.ready,
                protect: config.cluster.protect,
                tenancy: namespaceTenancy(
                    {
                        name: plan.namespace.metadata.name,
                        role: plan.role,
                        team: config.network.namespaces.find((n) => n.name === plan.namespace.metadata.name)?.team,
                    },
                    config.tenancy,
                    config.cluster.kubernetesVersion,
                    MANAGED_BY_LABELS,
                ),
            }),
    );
    // No LoadBalancer/NodePort Services or externalIPs in business namespaces, and HTTPRoutes
    // only on the hostnames config grants their namespace: enforced by the API server itself.
    new TenantGuardrails("guardrails", {
        guardrails: tenantGuardrails({
            businessNamespaceLabels: { [ZONE_LABEL]: "business" },
            routeHostnames: config.routeHostnames,
            labels: MANAGED_BY_LABELS,
        }),
        provider: cluster.provider,
    });
    const tools = namespaces.find((ns) => ns.namespaceName === config.network.toolsNamespace)!;
    new NginxGateway("gateway", {
        chartVersion: config.gateway.chartVersion,
        gatewayApiVersion: config.gateway.gatewayApiVersion,
        namespace: config.network.toolsNamespace,
        clientRanges: config.network.gatewayClients.cidrs.map((c) => c.cidr),
        gateway: sharedGatewayManifest({
            toolsNamespace: config.network.toolsNamespace,
            certificateSecret: config.gateway.tls?.certificateSecret,
            internal: config.gateway.internal,
            routeNamespaceLabels: { [ZONE_LABEL]: "business" },
            labels: MANAGED_BY_LABELS,
        }),
        provider: cluster.provider,
        after: [tools.namespace, ...tools.policies],
    });

    return {
        kubeconfig: cluster.kubeconfig,
        clusterName: cluster.clusterName,
        vpcId: cluster.vpcId,
        managedNamespaces: namespaces.map((ns) => ns.namespaceName),
        /** Exactly the namespaces and policies this stack applies. */
        networkPolicyDigest: policySetDigest(
            plans.map((p) => p.namespace),
            allPolicies(plans),
        ),
        /** What a promotion compares: the policy set with environment values held fixed. */
        promotionDigest: digest,
        promotionGate: describePromotion(promotion),
        /** What the promotion gate of a later stack compares its own version with. */
        kubernetesVersion: config.cluster.kubernetesVersion,
    };
};

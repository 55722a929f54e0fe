/**
 * The platform of one stack: an EKS cluster, Calico enforcing NetworkPolicy, the business
 * namespaces plus tools, each segmented by policies compiled from the stack's network intent,
 * NGINX Gateway Fabric in tools, cert-manager issuing its certificates and the AWS Load Balancer
 * Controller making its NLB. Async so that the promotion gate decides before anything is
 * registered.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { loadStackConfig } from "./config/load";
import { PlatformCluster } from "./components/cluster";
import { Calico } from "./components/calico";
import { NginxGateway } from "./components/gateway";
import { CertManager } from "./components/certManager";
import { LoadBalancerController } from "./components/loadBalancerController";
import { enforcePromotion } from "./components/promotionGate";
import { guardAccount } from "./components/accountGuard";
import { SegmentedNamespace } from "./components/segmentedNamespace";
import { buildInTurn } from "./components/inTurn";
import { describePromotion } from "./delivery/promotion";
import { policySetDigest, promotionDigest } from "./compiler/digest";
import { MANAGED_BY_LABELS, ZONE_LABEL, allPolicies, compileIntent, gatewayClientRanges } from "./compiler/generate";
import { CERT_MANAGER_NAMESPACE, LB_CONTROLLER_NAMESPACE, loadBalancerScheme, sharedGatewayManifest } from "./compiler/platform";
import { GatewayDns } from "./components/gatewayDns";
import { namespaceTenancy } from "./compiler/tenancy";
import { tenantGuardrails } from "./compiler/admission";
import { TenantGuardrails } from "./components/admission";

export = async () => {
    // Validated first: a bad config stops here, with nothing registered.
    const config = loadStackConfig();
    // Refuses, before any resource, credentials of another account than the stack file names.
    await guardAccount(config.accountId);
    // The AWS provider's region, which the edge's controllers are told (they cannot ask the instance metadata service).
    const region = aws.config.region;
    if (!region) throw new pulumi.RunError("aws:region is not set: the load balancer controller and cert-manager are told the region");
    const plans = compileIntent(config.network);
    const digest = promotionDigest(config.network);
    // Refuses, before any resource, a policy set the earlier stack has not run.
    const promotion = await enforcePromotion(config.promotion, digest, config.cluster.kubernetesVersion);

    const cluster = new PlatformCluster("platform", { config: config.cluster });
    const calico = new Calico("calico", { version: config.calico.version, provider: cluster.provider, after: cluster.nodesReady });
    // No LoadBalancer/NodePort Services or externalIPs in business namespaces, and HTTPRoutes
    // only on the hostnames config grants their namespace: enforced by the API server itself.
    const guardrails = new TenantGuardrails("guardrails", {
        guardrails: tenantGuardrails({
            businessNamespaceLabels: { [ZONE_LABEL]: "business" },
            routeHostnames: config.routeHostnames,
            labels: MANAGED_BY_LABELS,
        }),
        provider: cluster.provider,
    });
    const namespaces = await buildInTurn(
        plans,
        (plan) =>
            new SegmentedNamespace(`ns-${plan.namespace.metadata.name}`, {
                plan,
                provider: cluster.provider,
                enforcer: calico.ready,
                protect: config.cluster.protect,
                teamAccessAfter: guardrails.inForce,
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
    const managed = (name: string) => {
        const ns = namespaces.find((n) => n.namespaceName === name)!;
        return [ns.namespace, ...ns.policies];
    };
    const tls = config.gateway.tls;
    // NGF and the Gateway API CRDs first: cert-manager reads the CRDs only at start (cert-manager
    // docs, "Gateway"); the shared Gateway comes last, once the edge it needs is there.
    const gateway = new NginxGateway("gateway", {
        chartVersion: config.gateway.chartVersion,
        gatewayApiVersion: config.gateway.gatewayApiVersion,
        namespace: config.network.toolsNamespace,
        clientRanges: gatewayClientRanges(config.network),
        dataPlane: config.gateway.dataPlane,
        labels: MANAGED_BY_LABELS,
        gateway: (loadBalancerSubnetIds) =>
            sharedGatewayManifest({
                toolsNamespace: config.network.toolsNamespace,
                tls,
                internal: config.gateway.internal,
                replaceLoadBalancer: config.gateway.replaceLoadBalancer,
                loadBalancerSubnetIds,
                routeNamespaceLabels: { [ZONE_LABEL]: "business" },
                labels: MANAGED_BY_LABELS,
            }),
        loadBalancerSubnetIds: cluster.publicSubnetIds,
        provider: cluster.provider,
        after: managed(config.network.toolsNamespace),
    });
    // Certificates: cert-manager and, unless the user brings the certificate, the Let's Encrypt issuer.
    const certManager = new CertManager("cert-manager", {
        chartVersion: config.gateway.certManager.chartVersion,
        webhookReplicas: config.gateway.certManager.webhookReplicas,
        namespace: CERT_MANAGER_NAMESPACE,
        clusterName: cluster.clusterName,
        acme:
            tls && tls.certificateSecret === undefined
                ? {
                      issuer: tls.issuer,
                      hostedZoneId: tls.hostedZoneId!,
                      region,
                      hostnames: tls.hostnames,
                      ...(tls.email ? { email: tls.email } : {}),
                  }
                : undefined,
        labels: MANAGED_BY_LABELS,
        tags: config.cluster.tags,
        permissionsBoundary: config.cluster.permissionsBoundaryArn,
        provider: cluster.provider,
        after: [...managed(CERT_MANAGER_NAMESPACE), gateway.crds],
    });
    // The load balancer: the AWS Load Balancer Controller, its webhook certificate from cert-manager.
    const lbController = new LoadBalancerController("lb-controller", {
        chartVersion: config.gateway.loadBalancerController.chartVersion,
        namespace: LB_CONTROLLER_NAMESPACE,
        clusterName: cluster.clusterName,
        region,
        vpcId: cluster.vpcId,
        tags: config.cluster.tags,
        permissionsBoundary: config.cluster.permissionsBoundaryArn,
        provider: cluster.provider,
        // cert-manager's chart only (its webhook certificate), not the ACME issuer: a Let's
        // Encrypt outage must not hold back the load balancer.
        after: [...managed(LB_CONTROLLER_NAMESPACE), certManager.chart],
    });
    // The shared Gateway: its Service needs the load balancer controller, its listeners the issuer.
    const shared = gateway.serve([...lbController.ready, ...certManager.ready]);
    // DNS: each hostname an alias record to the NLB, in the zone cert-manager writes its challenges to.
    if (tls?.hostedZoneId !== undefined)
        new GatewayDns("dns", {
            hostedZoneId: tls.hostedZoneId,
            hostnames: tls.hostnames,
            address: shared.address.apply((a) => a ?? ""),
            region,
            gateway: shared.gateway,
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
        /** The shared Gateway's NLB (its DNS name): what the hostnames' records point at. */
        gatewayAddress: shared.address,
        /** Its scheme: a change replaces the NLB, which a later update is asked to confirm. */
        loadBalancerScheme: loadBalancerScheme(config.gateway.internal),
    };
};

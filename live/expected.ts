/**
 * What a stack puts in the cluster, as the live checks compare it: the namespaces with every label
 * the program sets (the compiled ones and the Pod Security labels that `SegmentedNamespace` adds),
 * the NetworkPolicies, each namespace's Pod Security level (the runner's probe containers must
 * meet it), the shared Gateway's data plane Service as far as the edge firewall goes, and the
 * digests a verify report carries for the promotion gate. Pure.
 */
import { policySetDigest, promotionDigest } from "../compiler/digest";
import { allPolicies, compileIntent, gatewayClientRanges } from "../compiler/generate";
import { GATEWAY_SERVICE_NAME, LOAD_BALANCER_CLASS, LOAD_BALANCER_SCHEME_ANNOTATION, loadBalancerScheme } from "../compiler/platform";
import { NetworkIntent } from "../compiler/intent";
import { PsaLevel, podSecurityLabels } from "../compiler/tenancy";
import { StackConfig } from "../config/schema";
import { Namespace, NetworkPolicy } from "../engine/k8s";
import { GatewayServiceExpectation } from "./drift";

export interface StackExpectation {
    readonly intent: NetworkIntent;
    readonly namespaces: readonly Namespace[];
    readonly policies: readonly NetworkPolicy[];
    /** The gateway's data plane Service: its client ranges, class and scheme, as the program sets them. */
    readonly gatewayService: GatewayServiceExpectation;
    /** Pod Security `enforce` level of each managed namespace. */
    readonly podSecurity: Readonly<Record<string, PsaLevel>>;
    /** What the promotion gate compares (compiler/digest.ts). */
    readonly promotionDigest: string;
    /** Exactly the namespaces and policies the stack applies. */
    readonly networkPolicyDigest: string;
}

export function stackExpectation(config: StackConfig): StackExpectation {
    const plans = compileIntent(config.network);
    const podSecurity: Record<string, PsaLevel> = {};
    const namespaces = plans.map((p): Namespace => {
        const level = config.tenancy.podSecurity[p.role];
        podSecurity[p.namespace.metadata.name] = level;
        const labels = { ...(p.namespace.metadata.labels ?? {}), ...podSecurityLabels(level, config.cluster.kubernetesVersion) };
        return { ...p.namespace, metadata: { ...p.namespace.metadata, labels } };
    });
    const policies = allPolicies(plans);
    return {
        intent: config.network,
        namespaces,
        policies,
        // The same computations the program hands the chart (ngfChartValues) and the Gateway (loadBalancerAnnotations).
        gatewayService: {
            namespace: config.network.toolsNamespace,
            name: GATEWAY_SERVICE_NAME,
            type: "LoadBalancer",
            loadBalancerSourceRanges: gatewayClientRanges(config.network),
            loadBalancerClass: LOAD_BALANCER_CLASS,
            annotations: { [LOAD_BALANCER_SCHEME_ANNOTATION]: loadBalancerScheme(config.gateway.internal) },
        },
        podSecurity,
        promotionDigest: promotionDigest(config.network),
        networkPolicyDigest: policySetDigest(
            plans.map((p) => p.namespace),
            policies,
        ),
    };
}

/**
 * The Kubernetes objects this project generates and reasons about, as plain readonly data.
 * Field names and optionality follow the networking.k8s.io/v1 API exactly, so the same objects are
 * applied by Pulumi, written to YAML by the offline plan and evaluated by the reachability engine.
 * https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
 */

export type Protocol = "TCP" | "UDP" | "SCTP";
export const PROTOCOLS: readonly Protocol[] = ["TCP", "UDP", "SCTP"];

export type LabelSelectorOperator = "In" | "NotIn" | "Exists" | "DoesNotExist";

export interface LabelSelectorRequirement {
    readonly key: string;
    readonly operator: LabelSelectorOperator;
    readonly values?: readonly string[];
}

export type Labels = Readonly<Record<string, string>>;

export interface LabelSelector {
    readonly matchLabels?: Labels;
    readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface IPBlock {
    readonly cidr: string;
    readonly except?: readonly string[];
}

export interface NetworkPolicyPeer {
    readonly podSelector?: LabelSelector;
    readonly namespaceSelector?: LabelSelector;
    readonly ipBlock?: IPBlock;
}

export interface NetworkPolicyPort {
    readonly protocol?: Protocol;
    readonly port?: number | string;
    readonly endPort?: number;
}

export interface NetworkPolicyIngressRule {
    readonly from?: readonly NetworkPolicyPeer[];
    readonly ports?: readonly NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
    readonly to?: readonly NetworkPolicyPeer[];
    readonly ports?: readonly NetworkPolicyPort[];
}

export type PolicyType = "Ingress" | "Egress";

export interface NetworkPolicySpec {
    readonly podSelector: LabelSelector;
    readonly policyTypes?: readonly PolicyType[];
    readonly ingress?: readonly NetworkPolicyIngressRule[];
    readonly egress?: readonly NetworkPolicyEgressRule[];
}

export interface ObjectMeta {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Labels;
    readonly annotations?: Labels;
}

export interface NetworkPolicy {
    readonly apiVersion: "networking.k8s.io/v1";
    readonly kind: "NetworkPolicy";
    readonly metadata: ObjectMeta & { readonly namespace: string };
    readonly spec: NetworkPolicySpec;
}

export interface Namespace {
    readonly apiVersion: "v1";
    readonly kind: "Namespace";
    readonly metadata: ObjectMeta;
}

/** The label the API server sets on every namespace (immutable, equal to the name). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** `namespace/name`, the way kubectl and the explanations refer to a namespaced object. */
export function qualifiedName(object: { readonly metadata: ObjectMeta }): string {
    return `${object.metadata.namespace ?? ""}/${object.metadata.name}`;
}

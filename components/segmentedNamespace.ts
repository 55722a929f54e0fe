import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { NamespacePolicies } from "../compiler/generate";
import { NetworkPolicy } from "../engine/k8s";

export interface SegmentedNamespaceArgs {
    /** The namespace and its policies, exactly as the pure generator compiled them. */
    readonly plan: NamespacePolicies;
    readonly provider: k8s.Provider;
    /** The policy engine; no policy is applied before it enforces. */
    readonly enforcer: pulumi.Input<pulumi.Resource>[];
    /** Pulumi `protect`: deleting a namespace deletes every workload in it. */
    readonly protect: boolean;
}

/** A namespace with its NetworkPolicies: allows first, then the default deny. */
export class SegmentedNamespace extends pulumi.ComponentResource {
    public readonly namespaceName: string;
    public readonly namespace: k8s.core.v1.Namespace;
    /** Every policy of the namespace; workloads that must be segmented from the start wait for these. */
    public readonly policies: k8s.networking.v1.NetworkPolicy[];

    constructor(name: string, args: SegmentedNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k8s-platform:namespace:SegmentedNamespace", name, {}, opts);
        const { plan, provider } = args;

        // The namespace, labelled with what the policies select on.
        this.namespace = new k8s.core.v1.Namespace(
            name,
            { metadata: plan.namespace.metadata },
            { parent: this, provider, protect: args.protect },
        );
        const after = [this.namespace, ...args.enforcer];
        // Allows before the default deny: workloads already running never lose permitted traffic.
        const allows = plan.allows.map((p) => policyResource(name, p, this, provider, after));
        const deny = policyResource(name, plan.defaultDeny, this, provider, [...after, ...allows]);

        this.namespaceName = plan.namespace.metadata.name;
        this.policies = [...allows, deny];
        this.registerOutputs({ namespace: this.namespaceName });
    }
}

function policyResource(
    name: string,
    policy: NetworkPolicy,
    parent: pulumi.Resource,
    provider: k8s.Provider,
    dependsOn: pulumi.Input<pulumi.Resource>[],
): k8s.networking.v1.NetworkPolicy {
    return new k8s.networking.v1.NetworkPolicy(
        `${name}-${policy.metadata.name}`,
        { metadata: policy.metadata, spec: policy.spec as k8s.types.input.networking.v1.NetworkPolicySpec },
        { parent, provider, dependsOn },
    );
}

import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { NamespacePolicies } from "../compiler/generate";
import { NetworkPolicy } from "../engine/k8s";
import { NamespaceTenancy } from "../compiler/tenancy";

export interface SegmentedNamespaceArgs {
    /** The namespace and its policies, exactly as the pure generator compiled them. */
    readonly plan: NamespacePolicies;
    readonly provider: k8s.Provider;
    /** The policy engine; no policy is applied before it enforces. */
    readonly enforcer: pulumi.Input<pulumi.Resource>[];
    /** Pulumi `protect`: deleting a namespace deletes every workload in it. */
    readonly protect: boolean;
    /** PSA labels, the owning team's RBAC, quota and limits, exactly as compiler/tenancy.ts built them. */
    readonly tenancy: NamespaceTenancy;
    /** What must be in force before the team gets its access (the tenant guardrails' bindings). */
    readonly teamAccessAfter?: pulumi.Resource[];
}

/** A namespace with its NetworkPolicies (allows first, then the default deny), Pod Security labels and its team's access. */
export class SegmentedNamespace extends pulumi.ComponentResource {
    public readonly namespaceName: string;
    public readonly namespace: k8s.core.v1.Namespace;
    /** Every policy of the namespace; workloads that must be segmented from the start wait for these. */
    public readonly policies: k8s.networking.v1.NetworkPolicy[];

    constructor(name: string, args: SegmentedNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k8s-platform:namespace:SegmentedNamespace", name, {}, opts);
        const { plan, provider, tenancy } = args;
        const metadata = { ...plan.namespace.metadata, labels: { ...plan.namespace.metadata.labels, ...tenancy.labels } };

        // The namespace, labelled with what the policies select on and its Pod Security levels.
        this.namespace = new k8s.core.v1.Namespace(name, { metadata }, { parent: this, provider, protect: args.protect });
        const inNamespace = { parent: this, provider, dependsOn: [this.namespace] };
        // The owning team may manage its workloads here, and nothing that undoes segmentation.
        if (tenancy.role && tenancy.roleBinding) {
            const role = new k8s.rbac.v1.Role(
                `${name}-${tenancy.role.metadata.name}`,
                { metadata: tenancy.role.metadata, rules: tenancy.role.rules as k8s.types.input.rbac.v1.PolicyRule[] },
                inNamespace,
            );
            new k8s.rbac.v1.RoleBinding(
                `${name}-${tenancy.roleBinding.metadata.name}`,
                {
                    metadata: tenancy.roleBinding.metadata,
                    roleRef: tenancy.roleBinding.roleRef,
                    subjects: [...tenancy.roleBinding.subjects],
                },
                // After the guardrails: a team never holds access that they do not yet limit.
                { ...inNamespace, dependsOn: [this.namespace, role, ...(args.teamAccessAfter ?? [])] },
            );
        }
        // What the team's workloads may consume in total, and per container by default.
        if (tenancy.quota)
            new k8s.core.v1.ResourceQuota(
                `${name}-${tenancy.quota.metadata.name}`,
                { metadata: tenancy.quota.metadata, spec: tenancy.quota.spec },
                inNamespace,
            );
        if (tenancy.limitRange)
            new k8s.core.v1.LimitRange(
                `${name}-${tenancy.limitRange.metadata.name}`,
                { metadata: tenancy.limitRange.metadata, spec: tenancy.limitRange.spec as k8s.types.input.core.v1.LimitRangeSpec },
                inNamespace,
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

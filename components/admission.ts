import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { TenantGuardrails as Guardrails } from "../compiler/admission";

export interface TenantGuardrailsArgs {
    /** The policies and bindings exactly as compiler/admission.ts generated them. */
    readonly guardrails: Guardrails;
    readonly provider: k8s.Provider;
}

/**
 * The tenant guardrails of compiler/admission.ts as ValidatingAdmissionPolicies and their
 * bindings: the API server enforces them itself (Kubernetes 1.30+), nothing else runs.
 */
export class TenantGuardrails extends pulumi.ComponentResource {
    /** The bindings: once they exist, the API server enforces the guardrails. */
    public readonly inForce: pulumi.Resource[] = [];

    constructor(name: string, args: TenantGuardrailsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k8s-platform:admission:TenantGuardrails", name, {}, opts);
        const children = { parent: this, provider: args.provider };
        // Each policy, then its binding: a binding to a missing policy enforces nothing.
        for (const policy of args.guardrails.policies) {
            const registered = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
                `${name}-${policy.metadata.name}`,
                { metadata: policy.metadata, spec: policy.spec as k8s.types.input.admissionregistration.v1.ValidatingAdmissionPolicySpec },
                children,
            );
            const binding = args.guardrails.bindings.find((b) => b.spec.policyName === policy.metadata.name)!;
            const bound = new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
                `${name}-${binding.metadata.name}-binding`,
                {
                    metadata: binding.metadata,
                    spec: { ...binding.spec, validationActions: [...binding.spec.validationActions] },
                },
                { ...children, dependsOn: [registered] },
            );
            this.inForce.push(bound);
        }
        this.registerOutputs({});
    }
}

import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface PodIdentityRoleArgs {
    /** The EKS cluster whose pods assume the role. */
    readonly clusterName: pulumi.Input<string>;
    /** Namespace and service account the role is handed to, and no other. */
    readonly namespace: string;
    readonly serviceAccount: string;
    /** AWS managed policies, by name (`AmazonEKS_CNI_Policy`), attached to the role. */
    readonly managedPolicies?: readonly string[];
    /** An inline policy document of the role's own, for permissions no managed policy scopes tightly enough. */
    readonly inlinePolicy?: pulumi.Input<string>;
    readonly tags?: Record<string, string>;
    /** The permissions boundary every role of the stack carries (cluster.permissionsBoundaryArn). */
    readonly permissionsBoundary?: string;
}

/**
 * A role for one service account through EKS Pod Identity: the trust policy EKS requires
 * (`pods.eks.amazonaws.com` with `sts:AssumeRole` and `sts:TagSession`, EKS user guide, "Learn how
 * EKS Pod Identity grants pods access to AWS services"), its permissions, and the association that
 * hands it to exactly one namespace/service account. The trust names the EKS service, not the
 * cluster's OIDC provider, so nothing waits for an OIDC provider. Returns the resources a workload
 * must wait for before its pods start (a pod started earlier gets no credentials until restarted).
 */
/**
 * The deploy role may create, change and pass only roles whose names start with this
 * (bootstrap/policies.ts, `role/platform-*`; a test keeps the two equal).
 */
export const PLATFORM_ROLE_PREFIX = "platform-";

export function podIdentityRole(
    name: string,
    args: PodIdentityRoleArgs,
    parent: pulumi.Resource,
): { role: aws.iam.Role; ready: pulumi.Resource[] } {
    const role = new aws.iam.Role(
        name,
        {
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    { Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] },
                ],
            }),
            // Auto-naming makes the Pulumi name the start of the role's name; a name without the
            // platform prefix gets it, so the deploy role may create the role.
            ...(name.startsWith(PLATFORM_ROLE_PREFIX) ? {} : { namePrefix: `${PLATFORM_ROLE_PREFIX}${name}-` }),
            ...(args.permissionsBoundary !== undefined ? { permissionsBoundary: args.permissionsBoundary } : {}),
            tags: args.tags,
        },
        { parent },
    );
    const permissions: pulumi.Resource[] = (args.managedPolicies ?? []).map(
        (policy) =>
            new aws.iam.RolePolicyAttachment(
                `${name}-${policy}`,
                { role: role.name, policyArn: `arn:aws:iam::aws:policy/${policy}` },
                { parent },
            ),
    );
    if (args.inlinePolicy !== undefined) {
        permissions.push(new aws.iam.RolePolicy(name, { role: role.name, policy: args.inlinePolicy }, { parent }));
    }
    const association = new aws.eks.PodIdentityAssociation(
        name,
        {
            clusterName: args.clusterName,
            namespace: args.namespace,
            serviceAccount: args.serviceAccount,
            roleArn: role.arn,
            tags: args.tags,
        },
        { parent, dependsOn: permissions },
    );
    return { role, ready: [...permissions, association] };
}

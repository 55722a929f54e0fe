/**
 * Guardrails, each a plain check over resource properties that reports every violation. Network
 * rules reuse the project's own engine (CIDR coverage, reachability), so the pack and the
 * generator agree on what a policy allows.
 */
import { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { CidrBlock, blockContainsIp, coversWholeFamily, isCidrError, parseCidr, parseIp } from "../engine/cidr";
import { ReachabilityModel } from "../engine/evaluate";
import { TOOLS_NAMESPACE } from "../compiler/intent";
import { GATEWAY_POD_LABELS } from "../compiler/platform";
import { NAMESPACE_NAME_LABEL, NetworkPolicy, NetworkPolicyPeer } from "../engine/k8s";
import { CLUSTER_WRITE_POLICIES, PSA_PREFIX, teamGroup } from "../compiler/tenancy";

export const NAMESPACE = "kubernetes:core/v1:Namespace";
export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
export const EKS_CLUSTER = "aws:eks/cluster:Cluster";
export const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
/** What pulumi-eks registers for each access policy of an access entry. */
export const ACCESS_POLICY_ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation";
/** The pulumi-eks component itself, whose `accessEntries` input the program sets. */
export const EKS_COMPONENT = "eks:index:Cluster";
export const CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
const METADATA_ADDRESS = "169.254.169.254";

/** A policy object as the Kubernetes provider receives it (metadata and spec as given). */
function asNetworkPolicy(props: Record<string, unknown>): NetworkPolicy {
    return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", ...(props as object) } as NetworkPolicy;
}

function namespacesOf(resources: readonly PolicyResource[]): string[] {
    return resources
        .filter((r) => r.type === NAMESPACE)
        .map((r) => String((r.props["metadata"] as { name?: string } | undefined)?.name ?? r.name));
}

function policiesOf(resources: readonly PolicyResource[]): NetworkPolicy[] {
    return resources.filter((r) => r.type === NETWORK_POLICY).map((r) => asNetworkPolicy(r.props));
}

function isDefaultDeny(p: NetworkPolicy, type: "Ingress" | "Egress"): boolean {
    const selectsAll =
        Object.keys(p.spec.podSelector?.matchLabels ?? {}).length === 0 && (p.spec.podSelector?.matchExpressions ?? []).length === 0;
    const rules = type === "Ingress" ? p.spec.ingress : p.spec.egress;
    return selectsAll && (p.spec.policyTypes ?? []).includes(type) && (rules ?? []).length === 0;
}

export const namespaceDefaultDeny: StackValidationPolicy = {
    name: "namespace-default-deny",
    description: "Every managed namespace has a default-deny ingress policy with explicit policyTypes.",
    validateStack: (args, report) => {
        const policies = policiesOf(args.resources);
        for (const ns of namespacesOf(args.resources)) {
            if (!policies.some((p) => p.metadata.namespace === ns && isDefaultDeny(p, "Ingress"))) {
                report(`namespace ${ns} has no default-deny ingress policy (podSelector {}, policyTypes [Ingress], no ingress rules)`);
            }
        }
    },
};

/**
 * Where a namespace denies egress by default, a pod with no labels (so only namespace-wide
 * policies apply to it) must still reach CoreDNS on UDP and TCP 53: the engine judges it.
 */
export const dnsWhereEgressDenied: StackValidationPolicy = {
    name: "dns-allowed-under-egress-deny",
    description: "Where egress is denied by default, DNS to kube-dns on UDP and TCP 53 stays allowed.",
    validateStack: (args, report) => {
        const policies = policiesOf(args.resources);
        for (const ns of namespacesOf(args.resources)) {
            if (!policies.some((p) => p.metadata.namespace === ns && isDefaultDeny(p, "Egress"))) continue;
            const model = new ReachabilityModel({
                namespaces: { [ns]: { [NAMESPACE_NAME_LABEL]: ns }, "kube-system": { [NAMESPACE_NAME_LABEL]: "kube-system" } },
                pods: [
                    { namespace: ns, name: "any-pod", labels: {}, ip: "10.255.255.1", ports: [] },
                    { namespace: "kube-system", name: "coredns", labels: { "k8s-app": "kube-dns" }, ip: "10.255.255.2", ports: [] },
                ],
                policies: policies.filter((p) => p.metadata.namespace === ns),
            });
            for (const protocol of ["UDP", "TCP"] as const) {
                const verdict = model.evaluate({
                    from: model.party(`${ns}/any-pod`),
                    to: model.party("kube-system/coredns"),
                    port: 53,
                    protocol,
                });
                if (!verdict.allowed) report(`namespace ${ns} denies egress but not DNS: a pod cannot reach kube-dns on 53/${protocol}`);
            }
        }
    },
};

function blocks(peers: readonly NetworkPolicyPeer[] | undefined): CidrBlock[] {
    return (peers ?? []).flatMap((p) => {
        const b = p.ipBlock ? parseCidr(p.ipBlock.cidr) : undefined;
        return b && !isCidrError(b) ? [b] : [];
    });
}

function selectsGatewayInTools(p: NetworkPolicy): boolean {
    const labels = p.spec.podSelector?.matchLabels ?? {};
    return p.metadata.namespace === TOOLS_NAMESPACE && Object.entries(GATEWAY_POD_LABELS).every(([k, v]) => labels[k] === v);
}

/** Ingress rules whose sources cover every address (by computed coverage, or by having no `from`). */
export function worldOpenIngressRules(p: NetworkPolicy): number[] {
    const open: number[] = [];
    (p.spec.ingress ?? []).forEach((rule, i) => {
        const everyone = (rule.from ?? []).length === 0;
        const covered = blocks(rule.from);
        if (everyone || coversWholeFamily(covered, 4) || coversWholeFamily(covered, 6)) open.push(i);
    });
    return open;
}

export const noWorldIngress: ResourceValidationPolicy = {
    name: "no-ingress-from-everywhere",
    description: "No ingress from an allow-all range (computed coverage), except into the gateway's data-plane pods in tools.",
    validateResource: (args, report) => {
        if (args.type !== NETWORK_POLICY) return;
        const p = asNetworkPolicy(args.props);
        if (selectsGatewayInTools(p)) return;
        for (const i of worldOpenIngressRules(p))
            report(`${p.metadata.namespace}/${p.metadata.name} ingress[${i}] admits every address; only the gateway's pods in tools may`);
    },
};

export const egressExcludesMetadata: ResourceValidationPolicy = {
    name: "egress-excludes-instance-metadata",
    description: `Egress to a range that holds ${METADATA_ADDRESS} must list it in except.`,
    validateResource: (args, report) => {
        if (args.type !== NETWORK_POLICY) return;
        const p = asNetworkPolicy(args.props);
        const metadata = parseIp(METADATA_ADDRESS)!;
        (p.spec.egress ?? []).forEach((rule, i) => {
            (rule.to ?? []).forEach((peer, j) => {
                if (!peer.ipBlock) return;
                const block = parseCidr(peer.ipBlock.cidr);
                if (isCidrError(block) || !blockContainsIp(block, metadata)) return;
                const excluded = (peer.ipBlock.except ?? []).some((e) => {
                    const x = parseCidr(e);
                    return !isCidrError(x) && blockContainsIp(x, metadata);
                });
                if (!excluded)
                    report(
                        `${p.metadata.namespace}/${p.metadata.name} egress[${i}].to[${j}] ${peer.ipBlock.cidr} reaches the instance metadata service; add ${METADATA_ADDRESS}/32 to except`,
                    );
            });
        });
    },
};

function clusterPolicy(
    name: string,
    description: string,
    check: (props: Record<string, unknown>, report: ReportViolation) => void,
): ResourceValidationPolicy {
    return {
        name,
        description,
        validateResource: (args, report) => {
            if (args.type === EKS_CLUSTER) check(args.props, report);
        },
    };
}

export const clusterEndpointNotOpen = clusterPolicy(
    "eks-endpoint-not-open-to-world",
    "The EKS API endpoint is not public to 0.0.0.0/0.",
    (props, report) => {
        const vpc = (props["vpcConfig"] ?? {}) as { endpointPublicAccess?: boolean; publicAccessCidrs?: string[] };
        if (vpc.endpointPublicAccess === false) return;
        // EKS opens a public endpoint without CIDRs to 0.0.0.0/0, and public access defaults to on.
        const cidrs = vpc.publicAccessCidrs ?? [];
        const parsed = cidrs.map(parseCidr).filter((b): b is CidrBlock => !isCidrError(b));
        if (cidrs.length === 0 || coversWholeFamily(parsed, 4))
            report(`the public API endpoint is open to every address (${cidrs.join(", ") || "no publicAccessCidrs"})`);
    },
);

export const clusterSecretsEncryption = clusterPolicy(
    "eks-secrets-encryption",
    "Kubernetes secrets are envelope-encrypted with KMS.",
    (props, report) => {
        const config = props["encryptionConfig"] as { provider?: { keyArn?: string }; resources?: string[] } | undefined;
        if (!config?.provider?.keyArn || !(config.resources ?? []).includes("secrets"))
            report("secrets are not encrypted with a KMS key (encryptionConfig)");
    },
);

export const clusterAuditLogs = clusterPolicy("eks-audit-logs", "The control plane's audit log is on.", (props, report) => {
    if (!((props["enabledClusterLogTypes"] as string[] | undefined) ?? []).includes("audit"))
        report("the audit log type is not enabled (enabledClusterLogTypes)");
});

export const clusterDeletionProtection = clusterPolicy("eks-deletion-protection", "AWS deletion protection is on.", (props, report) => {
    if (props["deletionProtection"] !== true) report("deletion protection is off");
});

/**
 * Nobody is cluster admin but the access entries say so: EKS's bootstrap admin for whoever
 * creates the cluster (`accessConfig.bootstrapClusterCreatorAdminPermissions`, true unless said
 * otherwise; pulumi-eks 4.3.0 hard-codes true and the program turns it off with a transform) is
 * an access entry no config shows. Judged on the EKS cluster the preview registers, after
 * transforms; the deployer's own admin is an access policy association that
 * no-cluster-wide-write-for-tenants checks against the platform principals.
 */
export const noHiddenClusterAdmin = clusterPolicy(
    "eks-no-bootstrap-cluster-admin",
    "The cluster creator gets no hidden admin: bootstrapClusterCreatorAdminPermissions is false, so the access entries are all the access there is.",
    (props, report) => {
        const access = (props["accessConfig"] ?? {}) as { bootstrapClusterCreatorAdminPermissions?: boolean };
        if (access.bootstrapClusterCreatorAdminPermissions !== false)
            report(
                `the cluster's creator becomes cluster admin through EKS's bootstrap access entry (accessConfig.bootstrapClusterCreatorAdminPermissions is ${String(access.bootstrapClusterCreatorAdminPermissions ?? "unset, which EKS treats as true")})`,
            );
    },
);

export const nodeMetadataHopLimit: ResourceValidationPolicy = {
    name: "node-metadata-hop-limit",
    description:
        "Node launch templates require IMDSv2 tokens with a response hop limit of 1, so pods cannot read the node role's credentials.",
    validateResource: (args, report) => {
        if (args.type !== LAUNCH_TEMPLATE) return;
        const m = (args.props["metadataOptions"] ?? {}) as { httpTokens?: string; httpPutResponseHopLimit?: number; httpEndpoint?: string };
        if (m.httpEndpoint === "disabled") return;
        if (m.httpTokens !== "required") report(`launch template ${args.name} does not require IMDSv2 tokens (metadataOptions.httpTokens)`);
        if (m.httpPutResponseHopLimit !== 1)
            report(
                `launch template ${args.name} has metadata hop limit ${m.httpPutResponseHopLimit ?? "unset"}; 1 keeps the node role's credentials from pods`,
            );
    },
};

const PSA_ENFORCED = ["baseline", "restricted"];

export const namespacePodSecurity: ResourceValidationPolicy = {
    name: "namespace-pod-security",
    description: "Every managed namespace enforces Pod Security baseline or restricted.",
    validateResource: (args, report) => {
        if (args.type !== NAMESPACE) return;
        const meta = (args.props["metadata"] ?? {}) as { name?: string; labels?: Record<string, string> };
        const level = meta.labels?.[`${PSA_PREFIX}/enforce`];
        if (!level || !PSA_ENFORCED.includes(level))
            report(
                `namespace ${meta.name ?? args.name} enforces Pod Security ${level ?? "(no label)"}; label ${PSA_PREFIX}/enforce with baseline or restricted`,
            );
    },
};

interface TenantWriteConfig {
    /** IAM principals allowed to hold cluster-wide write access (platform administrators). */
    platformPrincipals: string[];
}

const isClusterWrite = (policyArn: unknown, scope: { type?: string } | undefined) =>
    typeof policyArn === "string" &&
    CLUSTER_WRITE_POLICIES.some((p) => policyArn.endsWith(`/${p}`)) &&
    (scope?.type ?? "cluster") === "cluster";

/**
 * Tenants never write cluster-wide: an EKS access policy of edit or admin at cluster scope goes
 * only to principals this pack's config lists as platform (reviewed apart from the stack config),
 * and no ClusterRoleBinding names a team's group.
 */
export const noClusterWideWriteForTenants: ResourceValidationPolicy = {
    name: "no-cluster-wide-write-for-tenants",
    description: "Cluster-wide edit or admin only for the configured platform principals; team groups are never bound cluster-wide.",
    configSchema: {
        properties: { platformPrincipals: { type: "array", items: { type: "string" }, default: [] } },
    },
    validateResource: (args, report) => {
        const platform = new Set(args.getConfig<TenantWriteConfig>().platformPrincipals ?? []);
        const check = (where: string, principalArn: unknown, policyArn: unknown, scope: { type?: string } | undefined) => {
            if (isClusterWrite(policyArn, scope) && !platform.has(String(principalArn)))
                report(
                    `${where} grants ${String(policyArn).split("/").pop()} at cluster scope to ${String(principalArn)}, which is not a platform principal`,
                );
        };
        if (args.type === ACCESS_POLICY_ASSOCIATION) {
            const p = args.props as { principalArn?: string; policyArn?: string; accessScope?: { type?: string } };
            check(`access policy association ${args.name}`, p.principalArn, p.policyArn, p.accessScope);
        } else if (args.type === EKS_COMPONENT) {
            const entries = (args.props["accessEntries"] ?? {}) as Record<
                string,
                { principalArn?: string; accessPolicies?: Record<string, { policyArn?: string; accessScope?: { type?: string } }> }
            >;
            for (const [name, e] of Object.entries(entries))
                for (const a of Object.values(e.accessPolicies ?? {}))
                    check(`access entry ${name}`, e.principalArn, a.policyArn, a.accessScope);
        } else if (args.type === CLUSTER_ROLE_BINDING) {
            const subjects = (args.props["subjects"] ?? []) as { kind?: string; name?: string }[];
            const prefix = teamGroup("");
            for (const s of subjects)
                if (s.kind === "Group" && s.name?.startsWith(prefix))
                    report(
                        `ClusterRoleBinding ${args.name} binds team group ${s.name} cluster-wide; teams get Roles in their own namespaces`,
                    );
        }
    },
};

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    namespaceDefaultDeny,
    dnsWhereEgressDenied,
    noWorldIngress,
    egressExcludesMetadata,
    clusterEndpointNotOpen,
    clusterSecretsEncryption,
    clusterAuditLogs,
    clusterDeletionProtection,
    noHiddenClusterAdmin,
    nodeMetadataHopLimit,
    namespacePodSecurity,
    noClusterWideWriteForTenants,
];

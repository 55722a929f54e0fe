/**
 * Tenancy, pure: who may do what in which namespace, and what every managed namespace enforces on
 * its pods. From the validated config and the intent (which says which team owns which namespace)
 * it builds the EKS access entries, the Kubernetes RBAC of each team, the Pod Security Admission
 * labels, and the ResourceQuota and LimitRange of business namespaces. Components only register
 * what this returns.
 */

/** Pod Security Standards levels, least to most restrictive (kubernetes.io/docs/concepts/security/pod-security-standards/). */
export const PSA_LEVELS = ["privileged", "baseline", "restricted"] as const;
export type PsaLevel = (typeof PSA_LEVELS)[number];

/** PSA label prefix (kubernetes.io/docs/concepts/security/pod-security-admission/, Kubernetes 1.25+). */
export const PSA_PREFIX = "pod-security.kubernetes.io";

/** EKS access policies that can write at cluster scope (docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html). */
export const CLUSTER_WRITE_POLICIES = ["AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy"] as const;
export type AccessPolicyName = (typeof CLUSTER_WRITE_POLICIES)[number] | "AmazonEKSViewPolicy";

/** Kubernetes group of a team's principals; access entries map IAM principals to it. */
export function teamGroup(team: string): string {
    return `k8s-platform:team:${team}`;
}
/** Kubernetes group that reads what the stack manages, no Secrets (the CI preview and drift role). */
export const READ_ALL_GROUP = "k8s-platform:read-all";
/** Name of the ClusterRole bound to READ_ALL_GROUP, and of its binding. */
export const READ_ALL_ROLE = "k8s-platform-read-all";
/** Name of the Role (and RoleBinding) a team gets in each namespace it owns. */
export const TEAM_ROLE = "team-edit";

export interface AccessEntryConfig {
    readonly name: string;
    readonly principalArn: string;
    readonly accessPolicy?: AccessPolicyName;
    readonly platform: boolean;
    readonly team?: string;
    readonly readAll: boolean;
}

export interface TenancySettings {
    /** PSA `enforce` level per kind of namespace. */
    readonly podSecurity: { readonly business: PsaLevel; readonly tools: PsaLevel };
    /** ResourceQuota `spec.hard` for business namespaces, quantities already validated. */
    readonly quota?: Readonly<Record<string, string>>;
    readonly limitRange?: {
        readonly default?: Readonly<Record<string, string>>;
        readonly defaultRequest?: Readonly<Record<string, string>>;
        readonly max?: Readonly<Record<string, string>>;
    };
}

export interface PolicyRule {
    readonly apiGroups: readonly string[];
    readonly resources: readonly string[];
    readonly verbs: readonly string[];
}

interface Meta {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
}
export interface Role {
    readonly apiVersion: "rbac.authorization.k8s.io/v1";
    readonly kind: "Role" | "ClusterRole";
    readonly metadata: Meta;
    readonly rules: readonly PolicyRule[];
}
export interface RoleBinding {
    readonly apiVersion: "rbac.authorization.k8s.io/v1";
    readonly kind: "RoleBinding" | "ClusterRoleBinding";
    readonly metadata: Meta;
    readonly roleRef: { readonly apiGroup: "rbac.authorization.k8s.io"; readonly kind: "Role" | "ClusterRole"; readonly name: string };
    readonly subjects: readonly { readonly kind: "Group"; readonly name: string; readonly apiGroup: "rbac.authorization.k8s.io" }[];
}
export interface ResourceQuota {
    readonly apiVersion: "v1";
    readonly kind: "ResourceQuota";
    readonly metadata: Meta;
    readonly spec: { readonly hard: Readonly<Record<string, string>> };
}
export interface LimitRange {
    readonly apiVersion: "v1";
    readonly kind: "LimitRange";
    readonly metadata: Meta;
    readonly spec: { readonly limits: readonly ({ readonly type: "Container" } & NonNullable<TenancySettings["limitRange"]>)[] };
}

/** What one managed namespace gets besides its NetworkPolicies. */
export interface NamespaceTenancy {
    /** Labels merged into the Namespace's metadata (PSA). */
    readonly labels: Readonly<Record<string, string>>;
    /** The owning team's Role and RoleBinding; none in tools, which belongs to the platform. */
    readonly role?: Role;
    readonly roleBinding?: RoleBinding;
    readonly quota?: ResourceQuota;
    readonly limitRange?: LimitRange;
}

const WRITE = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"] as const;
const READ = ["get", "list", "watch"] as const;

/**
 * What an application team may do in a namespace it owns: its workloads, their services, config
 * and storage, autoscaling, disruption budgets and its HTTPRoutes. Deliberately absent:
 * NetworkPolicies (a team could delete default-deny), Namespaces, Gateways, Roles and
 * RoleBindings (no escalation), ResourceQuotas and LimitRanges (read only).
 */
export const TEAM_RULES: readonly PolicyRule[] = [
    {
        apiGroups: [""],
        resources: ["configmaps", "persistentvolumeclaims", "pods", "secrets", "serviceaccounts", "services"],
        verbs: WRITE,
    },
    { apiGroups: [""], resources: ["pods/exec", "pods/portforward"], verbs: ["create"] },
    { apiGroups: [""], resources: ["endpoints", "events", "limitranges", "pods/log", "resourcequotas"], verbs: READ },
    {
        apiGroups: ["apps"],
        resources: ["deployments", "deployments/scale", "statefulsets", "statefulsets/scale"],
        verbs: WRITE,
    },
    { apiGroups: ["apps"], resources: ["replicasets"], verbs: READ },
    { apiGroups: ["batch"], resources: ["cronjobs", "jobs"], verbs: WRITE },
    { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: WRITE },
    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: WRITE },
    { apiGroups: ["gateway.networking.k8s.io"], resources: ["httproutes"], verbs: WRITE },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: READ },
];

/**
 * What `pulumi preview` (and the drift job's `preview --refresh`) reads: the kinds this stack
 * manages, and never a Secret. Listed by kind, because an RBAC rule cannot say "everything but
 * Secrets" (rules only add; kubernetes.io/docs/reference/access-authn-authz/rbac/), and
 * `resources: ["*"]` in the core group would include them. Secret values are what a pull request
 * running with this role could otherwise read from prod (the gateway's TLS key among them).
 *
 * Helm v3 releases (components/calico.ts tigera-operator, components/gateway.ts NGF) keep their
 * state in Secrets of type helm.sh/release.v1 (helm.sh/docs/topics/advanced/#storage-backends), in
 * namespaces that also hold other Secrets; this role does not read them. A preview needs them not:
 * pulumi-kubernetes renders a Release client-side in Check (`helmTemplate`: DryRun, ClientOnly)
 * and diffs its inputs in Diff (provider/pkg/provider/helm_release.go); only a refresh (Read)
 * reads the release, so the drift job refreshes everything but the v3 Releases (docs/delivery.md).
 */
export const PREVIEW_READ_RULES: readonly PolicyRule[] = [
    {
        apiGroups: [""],
        resources: [
            "configmaps",
            "endpoints",
            "limitranges",
            "namespaces",
            "nodes",
            "persistentvolumes",
            "persistentvolumeclaims",
            "pods",
            "resourcequotas",
            "serviceaccounts",
            "services",
        ],
        verbs: READ,
    },
    { apiGroups: ["apps"], resources: ["daemonsets", "deployments", "replicasets", "statefulsets"], verbs: READ },
    { apiGroups: ["batch"], resources: ["cronjobs", "jobs"], verbs: READ },
    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: READ },
    { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: READ },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: READ },
    { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies", "ingressclasses"], verbs: READ },
    { apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterrolebindings", "clusterroles", "rolebindings", "roles"], verbs: READ },
    { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: READ },
    {
        apiGroups: ["admissionregistration.k8s.io"],
        resources: [
            "mutatingwebhookconfigurations",
            "validatingadmissionpolicies",
            "validatingadmissionpolicybindings",
            "validatingwebhookconfigurations",
        ],
        verbs: READ,
    },
    { apiGroups: ["storage.k8s.io"], resources: ["csidrivers", "storageclasses"], verbs: READ },
    { apiGroups: ["scheduling.k8s.io"], resources: ["priorityclasses"], verbs: READ },
    // The custom resources of the charts: Calico's operator and policy API, the Gateway API and
    // NGINX Gateway Fabric's own, cert-manager's (the ClusterIssuer the stack manages; Certificates
    // and ACME orders name their Secrets but hold no key) and the AWS Load Balancer Controller's
    // (TargetGroupBindings); none of these groups holds Secrets.
    { apiGroups: ["operator.tigera.io", "crd.projectcalico.org", "projectcalico.org"], resources: ["*"], verbs: READ },
    { apiGroups: ["gateway.networking.k8s.io", "gateway.nginx.org"], resources: ["*"], verbs: READ },
    { apiGroups: ["cert-manager.io", "acme.cert-manager.io", "elbv2.k8s.aws"], resources: ["*"], verbs: READ },
];

const RBAC = "rbac.authorization.k8s.io" as const;

/** The ClusterRole and ClusterRoleBinding of READ_ALL_GROUP: PREVIEW_READ_RULES, no Secrets. */
export function readAllRbac(labels: Readonly<Record<string, string>>): { role: Role; binding: RoleBinding } {
    return {
        role: { apiVersion: `${RBAC}/v1`, kind: "ClusterRole", metadata: { name: READ_ALL_ROLE, labels }, rules: PREVIEW_READ_RULES },
        binding: {
            apiVersion: `${RBAC}/v1`,
            kind: "ClusterRoleBinding",
            metadata: { name: READ_ALL_ROLE, labels },
            roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: READ_ALL_ROLE },
            subjects: [{ kind: "Group", name: READ_ALL_GROUP, apiGroup: RBAC }],
        },
    };
}

/**
 * PSA labels: `enforce` at the configured level, pinned to the cluster's minor version so an
 * upgrade does not tighten the rules under running workloads; `warn` and `audit` always at
 * `restricted`, so what would fail the strictest level shows up in kubectl and the audit log.
 */
export function podSecurityLabels(level: PsaLevel, kubernetesVersion: string): Record<string, string> {
    const version = `v${kubernetesVersion}`;
    return {
        [`${PSA_PREFIX}/enforce`]: level,
        [`${PSA_PREFIX}/enforce-version`]: version,
        [`${PSA_PREFIX}/audit`]: "restricted",
        [`${PSA_PREFIX}/audit-version`]: version,
        [`${PSA_PREFIX}/warn`]: "restricted",
        [`${PSA_PREFIX}/warn-version`]: version,
    };
}

/** What namespace `name` gets: PSA labels always; the team's RBAC, quota and limits in business namespaces. */
export function namespaceTenancy(
    ns: { readonly name: string; readonly role: "business" | "tools"; readonly team?: string },
    settings: TenancySettings,
    kubernetesVersion: string,
    labels: Readonly<Record<string, string>>,
): NamespaceTenancy {
    const psa = podSecurityLabels(settings.podSecurity[ns.role], kubernetesVersion);
    if (ns.role === "tools" || ns.team === undefined) return { labels: psa };
    const meta = (name: string): Meta => ({ name, namespace: ns.name, labels });
    const limits = settings.limitRange;
    return {
        labels: psa,
        role: { apiVersion: `${RBAC}/v1`, kind: "Role", metadata: meta(TEAM_ROLE), rules: TEAM_RULES },
        roleBinding: {
            apiVersion: `${RBAC}/v1`,
            kind: "RoleBinding",
            metadata: meta(TEAM_ROLE),
            roleRef: { apiGroup: RBAC, kind: "Role", name: TEAM_ROLE },
            subjects: [{ kind: "Group", name: teamGroup(ns.team), apiGroup: RBAC }],
        },
        ...(settings.quota
            ? { quota: { apiVersion: "v1", kind: "ResourceQuota", metadata: meta("team-quota"), spec: { hard: settings.quota } } }
            : {}),
        ...(limits
            ? {
                  limitRange: {
                      apiVersion: "v1",
                      kind: "LimitRange",
                      metadata: meta("container-limits"),
                      spec: { limits: [{ type: "Container", ...limits }] },
                  },
              }
            : {}),
    };
}

/** An access entry as `eks.Cluster` takes it (pulumi-eks 4.3.0 `AccessEntryArgs`). */
export interface EksAccessEntry {
    readonly principalArn: string;
    readonly kubernetesGroups?: readonly string[];
    readonly accessPolicies?: Readonly<Record<string, { readonly policyArn: string; readonly accessScope: { readonly type: "cluster" } }>>;
}

/**
 * The cluster's access entries: an access policy at cluster scope where one is configured, and the
 * Kubernetes groups that RBAC binds (the team's group, the read-all group). A team entry carries
 * no access policy: its rights are the Roles in its own namespaces.
 */
export function eksAccessEntries(entries: readonly AccessEntryConfig[]): Record<string, EksAccessEntry> {
    return Object.fromEntries(
        entries.map((e) => {
            const groups = [...(e.team !== undefined ? [teamGroup(e.team)] : []), ...(e.readAll ? [READ_ALL_GROUP] : [])];
            const entry: EksAccessEntry = {
                principalArn: e.principalArn,
                ...(groups.length > 0 ? { kubernetesGroups: groups } : {}),
                ...(e.accessPolicy
                    ? {
                          accessPolicies: {
                              [e.accessPolicy]: {
                                  policyArn: `arn:aws:eks::aws:cluster-access-policy/${e.accessPolicy}`,
                                  accessScope: { type: "cluster" },
                              },
                          },
                      }
                    : {}),
            };
            return [e.name, entry];
        }),
    );
}

/**
 * Kubernetes resource quantity (k8s.io/apimachinery/pkg/api/resource, Quantity): a decimal number
 * with an optional binary (Ki..Ei), decimal (n, u, m, k, M, G, T, P, E) or exponent suffix.
 * Quotas and limits never go below zero, so a sign is refused as well.
 */
export function isQuantity(text: string): boolean {
    return /^(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/.test(text);
}

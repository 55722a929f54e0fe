import { strict as assert } from "assert";
import { GATEWAY_POD_LABELS } from "../compiler/platform";
import {
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import * as fs from "fs";
import * as path from "path";
import {
    ACCESS_POLICY_ASSOCIATION,
    CLUSTER_ROLE_BINDING,
    EKS_CLUSTER,
    EKS_COMPONENT,
    LAUNCH_TEMPLATE,
    NAMESPACE,
    NETWORK_POLICY,
    clusterAuditLogs,
    clusterDeletionProtection,
    clusterEndpointNotOpen,
    clusterSecretsEncryption,
    dnsWhereEgressDenied,
    egressExcludesMetadata,
    namespaceDefaultDeny,
    namespacePodSecurity,
    noClusterWideWriteForTenants,
    noHiddenClusterAdmin,
    noWorldIngress,
    nodeMetadataHopLimit,
    policies,
} from "../policy/policies";
import { NetworkPolicy } from "../engine/k8s";
import { PROJECT_DIR, ofType, runStack, stackConfig } from "./harness";

function resource(type: string, props: Record<string, unknown>, name = "r"): PolicyResource {
    return {
        type,
        props,
        urn: `urn:pulumi:test::k8s-platform::${type}::${name}`,
        name,
        opts: {},
        isType: () => false,
        asType: () => undefined,
    } as unknown as PolicyResource;
}

function violationsOfResource(
    policy: ResourceValidationPolicy,
    type: string,
    props: Record<string, unknown>,
    config: Record<string, unknown> = {},
    name = "r",
): string[] {
    const found: string[] = [];
    const validate = policy.validateResource as (args: ResourceValidationArgs, report: (m: string) => void) => void;
    validate({ ...resource(type, props, name), getConfig: () => config } as unknown as ResourceValidationArgs, (m) => found.push(m));
    return found;
}

/** The pack's config of a stack for one policy, as `--policy-pack-config policy/config/<stack>.json` passes it. */
function packConfig(stack: string, policy: string): Record<string, unknown> {
    const file = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policy", "config", `${stack}.json`), "utf8")) as Record<
        string,
        unknown
    >;
    return (file[policy] ?? {}) as Record<string, unknown>;
}

function violationsOfStack(policy: StackValidationPolicy, resources: PolicyResource[]): string[] {
    const found: string[] = [];
    const validate = policy.validateStack as (args: StackValidationArgs, report: (m: string) => void) => void;
    validate({ resources, stackTags: new Map(), getConfig: () => ({}) } as unknown as StackValidationArgs, (m) => found.push(m));
    return found;
}

const np = (namespace: string, name: string, spec: NetworkPolicy["spec"]) => ({ metadata: { name, namespace }, spec });

describe("the policy pack", () => {
    let nonprod: PolicyResource[];
    let prod: PolicyResource[];
    before(async () => {
        const toResources = (run: Awaited<ReturnType<typeof runStack>>) =>
            [...ofType(run, NAMESPACE), ...ofType(run, NETWORK_POLICY)].map((r) =>
                resource(r.type, r.inputs as Record<string, unknown>, r.name),
            );
        nonprod = toResources(await runStack("nonprod"));
        prod = toResources(await runStack("prod"));
    });

    it("has eleven rules with unique names", () => {
        assert.equal(new Set(policies.map((p) => p.name)).size, 12);
    });

    it("finds no violation in the namespaces and policies both stacks register", () => {
        for (const resources of [nonprod, prod]) {
            assert.deepEqual(violationsOfStack(namespaceDefaultDeny, resources), []);
            assert.deepEqual(violationsOfStack(dnsWhereEgressDenied, resources), []);
            for (const r of resources.filter((x) => x.type === NETWORK_POLICY)) {
                assert.deepEqual(violationsOfResource(noWorldIngress, r.type, r.props), [], r.name);
                assert.deepEqual(violationsOfResource(egressExcludesMetadata, r.type, r.props), [], r.name);
            }
        }
    });

    it("reports a namespace without a default-deny ingress policy", () => {
        const resources = nonprod.filter((r) => r.name !== "ns-cart-default-deny");
        assert.deepEqual(violationsOfStack(namespaceDefaultDeny, resources), [
            "namespace cart has no default-deny ingress policy (podSelector {}, policyTypes [Ingress], no ingress rules)",
        ]);
    });

    it("reports a namespace that denies egress without allowing DNS, on both protocols", () => {
        const resources = nonprod.filter((r) => r.name !== "ns-orders-allow-dns-egress");
        assert.deepEqual(violationsOfStack(dnsWhereEgressDenied, resources), [
            "namespace orders denies egress but not DNS: a pod cannot reach kube-dns on 53/UDP",
            "namespace orders denies egress but not DNS: a pod cannot reach kube-dns on 53/TCP",
        ]);
    });

    it("reports ingress from everywhere by computed coverage, and from a rule without sources", () => {
        const halves = np("payments", "wide", {
            podSelector: { matchLabels: { app: "api" } },
            ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/1" } }, { ipBlock: { cidr: "128.0.0.0/1" } }] }],
        });
        assert.deepEqual(violationsOfResource(noWorldIngress, NETWORK_POLICY, halves), [
            "payments/wide ingress[0] admits every address; only the gateway's pods in tools may",
        ]);
        const anyone = np("payments", "anyone", { podSelector: {}, ingress: [{ ports: [{ port: 443 }] }] });
        assert.deepEqual(violationsOfResource(noWorldIngress, NETWORK_POLICY, anyone), [
            "payments/anyone ingress[0] admits every address; only the gateway's pods in tools may",
        ]);
        const partner = np("payments", "partner", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/1" } }] }] });
        assert.deepEqual(violationsOfResource(noWorldIngress, NETWORK_POLICY, partner), []);
    });

    it("allows the world into the gateway's data-plane pods in tools only", () => {
        const nginx = np("tools", "clients", {
            podSelector: { matchLabels: GATEWAY_POD_LABELS },
            ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }],
        });
        assert.deepEqual(violationsOfResource(noWorldIngress, NETWORK_POLICY, nginx), []);
        assert.equal(
            violationsOfResource(noWorldIngress, NETWORK_POLICY, { ...nginx, metadata: { name: "clients", namespace: "payments" } }).length,
            1,
        );
    });

    it("reports egress to a range holding the instance metadata address unless it is excepted", () => {
        const open = np("orders", "internet", {
            podSelector: {},
            egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }] }],
        });
        assert.deepEqual(violationsOfResource(egressExcludesMetadata, NETWORK_POLICY, open), [
            "orders/internet egress[0].to[0] 0.0.0.0/0 reaches the instance metadata service; add 169.254.169.254/32 to except",
        ]);
        const closed = np("orders", "internet", {
            podSelector: {},
            egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }] }],
        });
        assert.deepEqual(violationsOfResource(egressExcludesMetadata, NETWORK_POLICY, closed), []);
    });

    const prodCluster = {
        vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] },
        encryptionConfig: { provider: { keyArn: "arn:aws:kms:eu-west-1:444455556666:key/abc" }, resources: ["secrets"] },
        enabledClusterLogTypes: ["api", "audit", "authenticator"],
        deletionProtection: true,
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
    };

    it("reports EKS's hidden bootstrap admin for the cluster creator, unless it is turned off", () => {
        assert.deepEqual(violationsOfResource(noHiddenClusterAdmin, EKS_CLUSTER, prodCluster), []);
        assert.deepEqual(
            violationsOfResource(noHiddenClusterAdmin, EKS_CLUSTER, {
                ...prodCluster,
                accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
            }),
            [
                "the cluster's creator becomes cluster admin through EKS's bootstrap access entry (accessConfig.bootstrapClusterCreatorAdminPermissions is true)",
            ],
        );
        assert.deepEqual(violationsOfResource(noHiddenClusterAdmin, EKS_CLUSTER, { ...prodCluster, accessConfig: undefined }), [
            "the cluster's creator becomes cluster admin through EKS's bootstrap access entry (accessConfig.bootstrapClusterCreatorAdminPermissions is unset, which EKS treats as true)",
        ]);
    });

    it("passes a cluster with a restricted endpoint, encrypted secrets, audit logs and deletion protection", () => {
        for (const rule of [
            clusterEndpointNotOpen,
            clusterSecretsEncryption,
            clusterAuditLogs,
            clusterDeletionProtection,
            noHiddenClusterAdmin,
        ]) {
            assert.deepEqual(violationsOfResource(rule, EKS_CLUSTER, prodCluster), [], rule.name);
        }
    });

    it("reports each missing cluster safeguard", () => {
        const weak = {
            vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] },
            enabledClusterLogTypes: ["api"],
            deletionProtection: false,
        };
        assert.deepEqual(violationsOfResource(clusterEndpointNotOpen, EKS_CLUSTER, weak), [
            "the public API endpoint is open to every address (0.0.0.0/0)",
        ]);
        assert.deepEqual(violationsOfResource(clusterEndpointNotOpen, EKS_CLUSTER, { vpcConfig: {} }), [
            "the public API endpoint is open to every address (no publicAccessCidrs)",
        ]);
        assert.deepEqual(violationsOfResource(clusterSecretsEncryption, EKS_CLUSTER, weak), [
            "secrets are not encrypted with a KMS key (encryptionConfig)",
        ]);
        assert.deepEqual(violationsOfResource(clusterAuditLogs, EKS_CLUSTER, weak), [
            "the audit log type is not enabled (enabledClusterLogTypes)",
        ]);
        assert.deepEqual(violationsOfResource(clusterDeletionProtection, EKS_CLUSTER, weak), ["deletion protection is off"]);
        assert.deepEqual(
            violationsOfResource(clusterDeletionProtection, NETWORK_POLICY, weak),
            [],
            "rules look at their own resource type only",
        );
    });

    describe("credentials and tenancy", () => {
        const runs: Record<string, Awaited<ReturnType<typeof runStack>>> = {};
        before(async () => {
            for (const stack of ["nonprod", "prod"]) runs[stack] = await runStack(stack);
        });

        it("finds no violation in the launch template, namespaces, access entries and bindings both stacks register", () => {
            for (const stack of ["nonprod", "prod"]) {
                const run = runs[stack]!;
                const config = packConfig(stack, noClusterWideWriteForTenants.name);
                for (const r of [
                    ...ofType(run, LAUNCH_TEMPLATE),
                    ...ofType(run, NAMESPACE),
                    ...ofType(run, EKS_COMPONENT),
                    ...ofType(run, ACCESS_POLICY_ASSOCIATION),
                    ...ofType(run, CLUSTER_ROLE_BINDING),
                ])
                    for (const rule of [nodeMetadataHopLimit, namespacePodSecurity, noClusterWideWriteForTenants])
                        assert.deepEqual(
                            violationsOfResource(rule, r.type, r.inputs as Record<string, unknown>, config, r.name),
                            [],
                            `${stack} ${r.name} ${rule.name}`,
                        );
            }
        });

        it("lists exactly the stack's platform entries as platform principals in each stack's pack config", () => {
            for (const stack of ["nonprod", "prod"]) {
                const entries = (
                    stackConfig(stack)["k8s-platform:cluster"] as { accessEntries: { principalArn: string; platform?: boolean }[] }
                ).accessEntries;
                assert.deepEqual(
                    packConfig(stack, noClusterWideWriteForTenants.name)["platformPrincipals"],
                    entries.filter((e) => e.platform).map((e) => e.principalArn),
                );
            }
        });

        it("reports a launch template with hop limit 2 or without required tokens", () => {
            assert.deepEqual(
                violationsOfResource(
                    nodeMetadataHopLimit,
                    LAUNCH_TEMPLATE,
                    { metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 2 } },
                    {},
                    "nodes",
                ),
                [
                    "launch template nodes does not require IMDSv2 tokens (metadataOptions.httpTokens)",
                    "launch template nodes has metadata hop limit 2; 1 keeps the node role's credentials from pods",
                ],
            );
            assert.deepEqual(
                violationsOfResource(nodeMetadataHopLimit, LAUNCH_TEMPLATE, { metadataOptions: { httpTokens: "required" } }, {}, "nodes"),
                ["launch template nodes has metadata hop limit unset; 1 keeps the node role's credentials from pods"],
            );
        });

        it("reports a namespace without a Pod Security enforce label, or enforcing privileged", () => {
            assert.deepEqual(violationsOfResource(namespacePodSecurity, NAMESPACE, { metadata: { name: "payments", labels: {} } }), [
                "namespace payments enforces Pod Security (no label); label pod-security.kubernetes.io/enforce with baseline or restricted",
            ]);
            assert.deepEqual(
                violationsOfResource(namespacePodSecurity, NAMESPACE, {
                    metadata: { name: "tools", labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
                }),
                ["namespace tools enforces Pod Security privileged; label pod-security.kubernetes.io/enforce with baseline or restricted"],
            );
        });

        it("reports cluster-wide edit for a principal that is not platform, as pulumi-eks registers it and as the program passes it", () => {
            const config = { platformPrincipals: ["arn:aws:iam::444455556666:role/platform-admin"] };
            const edit = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy";
            const dev = "arn:aws:iam::444455556666:role/developer";
            assert.deepEqual(
                violationsOfResource(
                    noClusterWideWriteForTenants,
                    ACCESS_POLICY_ASSOCIATION,
                    { principalArn: dev, policyArn: edit, accessScope: { type: "cluster" } },
                    config,
                    "devs",
                ),
                [`access policy association devs grants AmazonEKSEditPolicy at cluster scope to ${dev}, which is not a platform principal`],
            );
            assert.deepEqual(
                violationsOfResource(
                    noClusterWideWriteForTenants,
                    ACCESS_POLICY_ASSOCIATION,
                    { principalArn: dev, policyArn: edit, accessScope: { type: "namespace", namespaces: ["payments"] } },
                    config,
                ),
                [],
                "namespace scope is a tenant's own",
            );
            const cluster = {
                accessEntries: {
                    "platform-admins": {
                        principalArn: "arn:aws:iam::444455556666:role/platform-admin",
                        accessPolicies: {
                            a: {
                                policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                                accessScope: { type: "cluster" },
                            },
                        },
                    },
                    developers: { principalArn: dev, accessPolicies: { a: { policyArn: edit, accessScope: { type: "cluster" } } } },
                    "on-call": {
                        principalArn: "arn:aws:iam::444455556666:role/on-call",
                        accessPolicies: {
                            a: {
                                policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
                                accessScope: { type: "cluster" },
                            },
                        },
                    },
                },
            };
            assert.deepEqual(violationsOfResource(noClusterWideWriteForTenants, EKS_COMPONENT, cluster, config), [
                `access entry developers grants AmazonEKSEditPolicy at cluster scope to ${dev}, which is not a platform principal`,
            ]);
            assert.equal(
                violationsOfResource(noClusterWideWriteForTenants, EKS_COMPONENT, cluster, {}).length,
                2,
                "no config: nobody is platform",
            );
        });

        it("reports a ClusterRoleBinding that binds a team's group", () => {
            const binding = {
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
                subjects: [{ kind: "Group", name: "k8s-platform:team:checkout", apiGroup: "rbac.authorization.k8s.io" }],
            };
            assert.deepEqual(violationsOfResource(noClusterWideWriteForTenants, CLUSTER_ROLE_BINDING, binding, {}, "checkout-edit"), [
                "ClusterRoleBinding checkout-edit binds team group k8s-platform:team:checkout cluster-wide; teams get Roles in their own namespaces",
            ]);
        });
    });
});

import { strict as assert } from "assert";
import { GATEWAY_POD_LABELS } from "../compiler/platform";
import {
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import {
    EKS_CLUSTER,
    NAMESPACE,
    NETWORK_POLICY,
    clusterAuditLogs,
    clusterDeletionProtection,
    clusterEndpointNotOpen,
    clusterSecretsEncryption,
    dnsWhereEgressDenied,
    egressExcludesMetadata,
    namespaceDefaultDeny,
    noWorldIngress,
    policies,
} from "../policy/policies";
import { NetworkPolicy } from "../engine/k8s";
import { ofType, runStack } from "./harness";

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

function violationsOfResource(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>): string[] {
    const found: string[] = [];
    const validate = policy.validateResource as (args: ResourceValidationArgs, report: (m: string) => void) => void;
    validate(resource(type, props) as unknown as ResourceValidationArgs, (m) => found.push(m));
    return found;
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

    it("has eight rules with unique names", () => {
        assert.equal(new Set(policies.map((p) => p.name)).size, 8);
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
    };

    it("passes a cluster with a restricted endpoint, encrypted secrets, audit logs and deletion protection", () => {
        for (const rule of [clusterEndpointNotOpen, clusterSecretsEncryption, clusterAuditLogs, clusterDeletionProtection]) {
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
});

import { strict as assert } from "assert";
import {
    PREVIEW_READ_RULES,
    READ_ALL_GROUP,
    eksAccessEntries,
    isQuantity,
    namespaceTenancy,
    readAllRbac,
    teamGroup,
} from "../compiler/tenancy";

const settings = { podSecurity: { business: "restricted", tools: "baseline" } } as const;

describe("tenancy (pure)", () => {
    it("gives tools only its Pod Security labels: no team Role, quota or limits", () => {
        const tools = namespaceTenancy({ name: "tools", role: "tools" }, { ...settings, quota: { pods: "10" } }, "1.33", {});
        assert.deepEqual(Object.keys(tools), ["labels"]);
        assert.equal(tools.labels["pod-security.kubernetes.io/enforce"], "baseline");
    });

    it("leaves out the quota and the LimitRange where config sets none", () => {
        const ns = namespaceTenancy({ name: "cart", role: "business", team: "checkout" }, settings, "1.33", {});
        assert.deepEqual(Object.keys(ns).sort(), ["labels", "role", "roleBinding"]);
        assert.deepEqual(ns.roleBinding!.subjects, [
            { kind: "Group", name: "k8s-platform:team:checkout", apiGroup: "rbac.authorization.k8s.io" },
        ]);
        assert.equal(ns.role!.metadata.namespace, "cart");
    });

    it("maps an entry to its team's group and the read-all group, with an access policy only where configured", () => {
        const entries = eksAccessEntries([
            { name: "a", principalArn: "arn:aws:iam::111122223333:role/a", platform: false, team: "checkout", readAll: true },
            {
                name: "b",
                principalArn: "arn:aws:iam::111122223333:role/b",
                platform: true,
                readAll: false,
                accessPolicy: "AmazonEKSClusterAdminPolicy",
            },
        ]);
        assert.deepEqual(entries["a"], {
            principalArn: "arn:aws:iam::111122223333:role/a",
            kubernetesGroups: [teamGroup("checkout"), READ_ALL_GROUP],
        });
        assert.deepEqual(entries["b"], {
            principalArn: "arn:aws:iam::111122223333:role/b",
            accessPolicies: {
                AmazonEKSClusterAdminPolicy: {
                    policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                    accessScope: { type: "cluster" },
                },
            },
        });
    });

    it("gives the preview role no read of secrets: no rule names them, and no wildcard could include them", () => {
        const { role } = readAllRbac({});
        assert.equal(role.rules, PREVIEW_READ_RULES);
        for (const rule of role.rules) {
            assert.ok(!rule.resources.includes("secrets"), JSON.stringify(rule));
            assert.ok(!rule.apiGroups.includes("*"), JSON.stringify(rule));
            if (rule.resources.includes("*")) assert.ok(!rule.apiGroups.includes(""), "no wildcard in the core group, where Secrets are");
            assert.deepEqual(rule.verbs, ["get", "list", "watch"]);
        }
        // What the stack manages is readable: its namespaces, policies, RBAC, CRDs and admission policies.
        const readable = (group: string, resource: string) =>
            role.rules.some((r) => r.apiGroups.includes(group) && (r.resources.includes(resource) || r.resources.includes("*")));
        for (const [group, resource] of [
            ["", "namespaces"],
            ["networking.k8s.io", "networkpolicies"],
            ["rbac.authorization.k8s.io", "clusterroles"],
            ["apiextensions.k8s.io", "customresourcedefinitions"],
            ["admissionregistration.k8s.io", "validatingadmissionpolicies"],
            ["operator.tigera.io", "installations"],
            ["gateway.networking.k8s.io", "gateways"],
            ["storage.k8s.io", "storageclasses"],
        ])
            assert.ok(readable(group!, resource!), `${group}/${resource}`);
    });

    it("reads quantities the way Kubernetes serializes them", () => {
        for (const q of ["0", "1", "250m", "1.5", "0.5Gi", "64Mi", "2k", "1e3", "1E-2", "100n"]) assert.ok(isQuantity(q), q);
        for (const q of ["", "Mi", "1 Mi", "1MB", "1gi", "-1", "+1", "1..2", "1e", "m"]) assert.ok(!isQuantity(q), q);
    });
});

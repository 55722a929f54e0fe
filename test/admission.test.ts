import { strict as assert } from "assert";
import {
    ROUTE_POLICY,
    SERVICE_POLICY,
    ValidatingAdmissionPolicy,
    routePolicy,
    servicePolicy,
    tenantGuardrails,
} from "../compiler/admission";
import { MANAGED_BY_LABELS, ZONE_LABEL } from "../compiler/generate";
import { stackConfig } from "./harness";
import { parseStackConfig, projectConfigValues } from "../config/schema";

const { run } = require("@bufbuild/cel") as { run: (expr: string, bindings: Record<string, unknown>) => unknown };

/**
 * What the API server does with a policy (validating-admission-policy docs, "Variable composition"
 * and "Validation expressions"): variables evaluated in order, each seeing those before it as
 * `variables.<name>`; the request is refused by the first validation that is false. Evaluated
 * here by a standard CEL evaluator: the rules use no Kubernetes extension library.
 */
function admit(policy: ValidatingAdmissionPolicy, object: unknown, namespace: string): { allowed: boolean; message?: string } {
    const request = { namespace, operation: "CREATE" };
    const variables: Record<string, unknown> = {};
    for (const v of policy.spec.variables ?? []) variables[v.name] = run(v.expression, { object, request, variables });
    for (const validation of policy.spec.validations) {
        if (run(validation.expression, { object, request, variables }) !== true) {
            const message = validation.messageExpression
                ? String(run(validation.messageExpression, { object, request, variables }))
                : validation.message;
            return { allowed: false, message };
        }
    }
    return { allowed: true };
}

const service = (spec: Record<string, unknown>) => ({ apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec });
const route = (hostnames?: string[]) => ({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "web" },
    spec: { parentRefs: [{ name: "shared", namespace: "tools" }], ...(hostnames ? { hostnames } : {}) },
});

describe("tenant guardrails (ValidatingAdmissionPolicy), evaluated offline", () => {
    describe("Services in business namespaces", () => {
        const policy = servicePolicy({});

        it("admits ClusterIP and headless Services, and a Service whose type the API server has not defaulted", () => {
            assert.deepEqual(admit(policy, service({ type: "ClusterIP", ports: [{ port: 80 }] }), "cart"), { allowed: true });
            assert.deepEqual(admit(policy, service({ type: "ClusterIP", clusterIP: "None" }), "cart"), { allowed: true });
            assert.deepEqual(admit(policy, service({ ports: [{ port: 80 }] }), "cart"), { allowed: true });
            assert.deepEqual(admit(policy, service({ type: "ClusterIP", externalIPs: [] }), "cart"), { allowed: true });
        });

        it("refuses LoadBalancer and NodePort Services, saying traffic comes in through the Gateway", () => {
            for (const type of ["LoadBalancer", "NodePort"]) {
                const verdict = admit(policy, service({ type, ports: [{ port: 80 }] }), "cart");
                assert.equal(verdict.allowed, false, type);
                assert.match(verdict.message!, /LoadBalancer or NodePort are not allowed in business namespaces/);
            }
        });

        it("refuses a Service claiming externalIPs, whatever its type", () => {
            const verdict = admit(policy, service({ type: "ClusterIP", externalIPs: ["203.0.113.10"] }), "cart");
            assert.deepEqual(verdict, {
                allowed: false,
                message: "Services may not claim externalIPs in business namespaces: traffic comes in through the shared Gateway",
            });
        });
    });

    describe("HTTPRoute hostnames", () => {
        const policy = routePolicy(
            { storefront: ["shop.example.com", "www.shop.example.com"], customers: ["*.account.example.com"], cart: [] },
            {},
        );

        it("admits a route claiming hostnames its namespace was granted, exactly or under a granted wildcard", () => {
            assert.deepEqual(admit(policy, route(["shop.example.com"]), "storefront"), { allowed: true });
            assert.deepEqual(admit(policy, route(["www.shop.example.com", "shop.example.com"]), "storefront"), { allowed: true });
            assert.deepEqual(admit(policy, route(["eu.account.example.com"]), "customers"), { allowed: true });
            assert.deepEqual(admit(policy, route(["*.account.example.com"]), "customers"), { allowed: true });
            assert.deepEqual(admit(policy, route(["a.b.account.example.com"]), "customers"), { allowed: true });
        });

        it("refuses another namespace's hostname, naming the namespace", () => {
            assert.deepEqual(admit(policy, route(["shop.example.com"]), "customers"), {
                allowed: false,
                message: "namespace customers may claim only the hostnames that network.namespaces[].hostnames grants it",
            });
            assert.equal(admit(policy, route(["shop.example.com", "evil.example.com"]), "storefront").allowed, false);
        });

        it("refuses a wildcard wider than the grant, and the wildcard's bare domain", () => {
            assert.equal(admit(policy, route(["*.example.com"]), "customers").allowed, false);
            assert.equal(admit(policy, route(["account.example.com"]), "customers").allowed, false);
            assert.equal(admit(policy, route(["*.shop.example.com"]), "storefront").allowed, false);
        });

        it("refuses a route without hostnames, which would take every hostname of the listener", () => {
            assert.deepEqual(admit(policy, route(), "storefront"), {
                allowed: false,
                message: "an HTTPRoute in storefront must name its hostnames: without them it takes every hostname of the shared Gateway",
            });
            assert.equal(admit(policy, route([]), "storefront").allowed, false);
        });

        it("refuses a route for a hostname another namespace holds even under an overlapping wildcard grant, naming that namespace", () => {
            // Config refuses these grants (config/checks/accounts.ts); the policy holds if they ever reached it.
            const overlapping = routePolicy(
                {
                    storefront: ["*.nonprod.shop.example.com", "nonprod.shop.example.com"],
                    customers: ["account.nonprod.shop.example.com"],
                },
                {},
            );
            assert.deepEqual(admit(overlapping, route(["account.nonprod.shop.example.com"]), "storefront"), {
                allowed: false,
                message: "namespace storefront may not claim a hostname granted to namespace customers",
            });
            assert.equal(
                admit(overlapping, route(["nonprod.shop.example.com", "account.nonprod.shop.example.com"]), "storefront").allowed,
                false,
            );
            // Fails closed on both sides: customers' name is under storefront's wildcard too.
            assert.deepEqual(admit(overlapping, route(["account.nonprod.shop.example.com"]), "customers"), {
                allowed: false,
                message: "namespace customers may not claim a hostname granted to namespace storefront",
            });
            assert.deepEqual(admit(overlapping, route(["www.nonprod.shop.example.com"]), "storefront"), { allowed: true });
            assert.deepEqual(admit(overlapping, route(["nonprod.shop.example.com"]), "storefront"), { allowed: true });
        });

        it("refuses every hostname in a namespace with no grant, or one config does not know", () => {
            assert.equal(admit(policy, route(["shop.example.com"]), "cart").allowed, false);
            assert.equal(admit(policy, route(["shop.example.com"]), "unknown").allowed, false);
        });
    });

    it("binds both policies to the business namespaces only, denying, so the platform's own objects in tools and kube-system are exempt", () => {
        const g = tenantGuardrails({
            businessNamespaceLabels: { [ZONE_LABEL]: "business" },
            routeHostnames: {},
            labels: MANAGED_BY_LABELS,
        });
        assert.deepEqual(
            g.policies.map((p) => p.metadata.name),
            [SERVICE_POLICY, ROUTE_POLICY],
        );
        assert.deepEqual(
            g.bindings.map((b) => [b.metadata.name, b.spec.policyName, b.spec.validationActions, b.spec.matchResources]),
            [SERVICE_POLICY, ROUTE_POLICY].map((n) => [
                n,
                n,
                ["Deny"],
                { namespaceSelector: { matchLabels: { [ZONE_LABEL]: "business" } } },
            ]),
        );
        for (const p of g.policies) assert.equal(p.spec.failurePolicy, "Fail");
    });

    it("generates the prod stack's grants into the route policy, so its real routes are judged", () => {
        const parsed = parseStackConfig(
            projectConfigValues(
                Object.fromEntries(Object.entries(stackConfig("prod")).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
            ),
        );
        assert.ok(parsed.ok);
        const policy = routePolicy(parsed.config.routeHostnames, {});
        assert.deepEqual(admit(policy, route(["www.shop.example.com"]), "storefront"), { allowed: true });
        assert.equal(admit(policy, route(["www.shop.example.com"]), "analytics").allowed, false);
        assert.deepEqual(admit(policy, route(["analytics.shop.example.com"]), "analytics"), { allowed: true });
    });
});

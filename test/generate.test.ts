import { strict as assert } from "assert";
import { NetworkIntent, ingressNginxIntent } from "../compiler/intent";
import { allPolicies, compileIntent, mergeFlows } from "../compiler/generate";
import { NetworkPolicy } from "../engine/k8s";

/** A small intent: two business namespaces, one flow, one CIDR source. */
export function smallIntent(overrides: Partial<NetworkIntent> = {}): NetworkIntent {
    return {
        appLabel: "app",
        defaultDenyEgress: false,
        toolsNamespace: "tools",
        controlPlaneCidrs: ["10.40.0.0/16"],
        ingressNginx: ingressNginxIntent(["0.0.0.0/0"]),
        namespaces: [
            { name: "billing", team: "payments", apps: ["api", "web"], webPorts: [{ protocol: "TCP", port: 8080 }] },
            { name: "claims", team: "claims", apps: ["web", "worker"], webPorts: [{ protocol: "TCP", port: 8080 }] },
        ],
        flows: [
            {
                from: { namespace: "claims", app: "worker" },
                to: { namespace: "billing", app: "api" },
                ports: [{ protocol: "TCP", port: 9000 }],
            },
        ],
        cidrSources: [
            {
                name: "partner",
                to: { namespace: "billing", app: "api" },
                cidrs: [{ cidr: "192.0.2.0/24", except: ["192.0.2.128/25"] }],
                ports: [{ protocol: "TCP", port: 443 }],
            },
        ],
        ...overrides,
    };
}

function find(policies: readonly NetworkPolicy[], namespace: string, name: string): NetworkPolicy {
    const p = policies.find((x) => x.metadata.namespace === namespace && x.metadata.name === name);
    assert.ok(p, `no policy ${namespace}/${name}; have ${policies.map((x) => `${x.metadata.namespace}/${x.metadata.name}`).join(", ")}`);
    return p;
}

const billingApiPeer = (ns: string, app: string) => ({
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
    podSelector: { matchLabels: { app } },
});

describe("compileIntent", () => {
    it("produces the business namespaces and tools, sorted by name, with their labels", () => {
        const plans = compileIntent(smallIntent());
        assert.deepEqual(
            plans.map((p) => [p.role, p.namespace.metadata.name]),
            [
                ["business", "billing"],
                ["business", "claims"],
                ["tools", "tools"],
            ],
        );
        assert.deepEqual(plans[0]!.namespace.metadata.labels, {
            "kubernetes.io/metadata.name": "billing",
            team: "payments",
            "network-zone": "business",
            "app.kubernetes.io/managed-by": "pulumi",
            "app.kubernetes.io/part-of": "k8s-platform",
        });
    });

    it("denies ingress by default in every namespace with explicit policyTypes and no rules", () => {
        for (const plan of compileIntent(smallIntent())) {
            assert.deepEqual(plan.defaultDeny.spec, { podSelector: {}, policyTypes: ["Ingress"] });
            assert.equal(plan.defaultDeny.metadata.name, "default-deny");
        }
    });

    it("denies egress too when the stack turns it on, and then allows DNS to kube-dns on UDP and TCP 53", () => {
        const plans = compileIntent(smallIntent({ defaultDenyEgress: true }));
        const policies = allPolicies(plans);
        for (const plan of plans) {
            const ns = plan.namespace.metadata.name;
            assert.deepEqual(plan.defaultDeny.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
            assert.deepEqual(find(policies, ns, "allow-dns-egress").spec, {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [
                            {
                                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                            },
                        ],
                        ports: [
                            { protocol: "UDP", port: 53 },
                            { protocol: "TCP", port: 53 },
                        ],
                    },
                ],
            });
        }
    });

    it("allows all traffic between pods of the same namespace, ingress only while egress is open", () => {
        const open = allPolicies(compileIntent(smallIntent()));
        assert.deepEqual(find(open, "claims", "allow-same-namespace").spec, {
            podSelector: {},
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ podSelector: {} }] }],
        });
        const denied = allPolicies(compileIntent(smallIntent({ defaultDenyEgress: true })));
        assert.deepEqual(find(denied, "claims", "allow-same-namespace").spec, {
            podSelector: {},
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ from: [{ podSelector: {} }] }],
            egress: [{ to: [{ podSelector: {} }] }],
        });
    });

    it("lets nginx in tools reach each namespace's web pods on the namespace's web ports", () => {
        const policies = allPolicies(compileIntent(smallIntent()));
        assert.deepEqual(find(policies, "billing", "web-from-ingress-nginx").spec, {
            podSelector: { matchLabels: { app: "web" } },
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "tools" } },
                            podSelector: {
                                matchLabels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" },
                            },
                        },
                    ],
                    ports: [{ protocol: "TCP", port: 8080 }],
                },
            ],
        });
        assert.deepEqual(find(policies, "tools", "ingress-nginx-from-web").spec.ingress, [
            {
                from: [billingApiPeer("billing", "web"), billingApiPeer("claims", "web")],
                ports: [
                    { protocol: "TCP", port: 80 },
                    { protocol: "TCP", port: 443 },
                ],
            },
        ]);
    });

    it("gives nginx its clients, the webhook's callers and, under egress deny, the web pods and the API", () => {
        const policies = allPolicies(compileIntent(smallIntent({ defaultDenyEgress: true })));
        assert.deepEqual(find(policies, "tools", "ingress-nginx-from-clients").spec.ingress, [
            {
                from: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
                ports: [
                    { protocol: "TCP", port: 80 },
                    { protocol: "TCP", port: 443 },
                ],
            },
        ]);
        assert.deepEqual(find(policies, "tools", "ingress-nginx-webhook-from-control-plane").spec.ingress, [
            { from: [{ ipBlock: { cidr: "10.40.0.0/16" } }], ports: [{ protocol: "TCP", port: 8443 }] },
        ]);
        assert.deepEqual(find(policies, "tools", "ingress-nginx-to-kube-api").spec.egress, [
            { to: [{ ipBlock: { cidr: "10.40.0.0/16" } }], ports: [{ protocol: "TCP", port: 443 }] },
        ]);
        assert.deepEqual(find(policies, "tools", "ingress-nginx-to-web").spec.egress, [
            { to: [billingApiPeer("billing", "web")], ports: [{ protocol: "TCP", port: 8080 }] },
            { to: [billingApiPeer("claims", "web")], ports: [{ protocol: "TCP", port: 8080 }] },
        ]);
        assert.deepEqual(find(policies, "billing", "web-to-ingress-nginx").spec.egress?.[0]?.ports, [
            { protocol: "TCP", port: 80 },
            { protocol: "TCP", port: 443 },
        ]);
    });

    it("compiles a flow to ingress at the destination with namespaceSelector AND podSelector in one peer", () => {
        const policies = allPolicies(compileIntent(smallIntent()));
        assert.deepEqual(find(policies, "billing", "from-claims.worker-to-api").spec, {
            podSelector: { matchLabels: { app: "api" } },
            policyTypes: ["Ingress"],
            ingress: [{ from: [billingApiPeer("claims", "worker")], ports: [{ protocol: "TCP", port: 9000 }] }],
        });
        assert.equal(
            policies.find((p) => p.metadata.name === "from-worker-to-billing.api"),
            undefined,
            "no egress half while egress is open",
        );
    });

    it("adds the egress half of a flow at the source when egress is denied", () => {
        const policies = allPolicies(compileIntent(smallIntent({ defaultDenyEgress: true })));
        assert.deepEqual(find(policies, "claims", "from-worker-to-billing.api").spec, {
            podSelector: { matchLabels: { app: "worker" } },
            policyTypes: ["Egress"],
            egress: [{ to: [billingApiPeer("billing", "api")], ports: [{ protocol: "TCP", port: 9000 }] }],
        });
    });

    it("admits CIDR sources with their except ranges on the declared ports", () => {
        const policies = allPolicies(compileIntent(smallIntent()));
        assert.deepEqual(find(policies, "billing", "from-cidr.partner-to-api").spec, {
            podSelector: { matchLabels: { app: "api" } },
            policyTypes: ["Ingress"],
            ingress: [
                { from: [{ ipBlock: { cidr: "192.0.2.0/24", except: ["192.0.2.128/25"] } }], ports: [{ protocol: "TCP", port: 443 }] },
            ],
        });
    });

    it("leaves ports out of a flow declared without ports, which Kubernetes reads as every port", () => {
        const intent = smallIntent({
            flows: [{ from: { namespace: "claims", app: "worker" }, to: { namespace: "billing", app: "api" }, ports: [] }],
        });
        const rule = find(allPolicies(compileIntent(intent)), "billing", "from-claims.worker-to-api").spec.ingress?.[0];
        assert.deepEqual(rule, { from: [billingApiPeer("claims", "worker")] });
    });

    it("creates web policies only in namespaces that run a web app", () => {
        const intent = smallIntent({
            namespaces: [{ name: "batch", team: "data", apps: ["etl"], webPorts: [{ protocol: "TCP", port: 8080 }] }],
            flows: [],
            cidrSources: [],
        });
        const policies = allPolicies(compileIntent(intent));
        assert.deepEqual(
            policies.filter((p) => p.metadata.namespace === "batch").map((p) => p.metadata.name),
            ["allow-same-namespace", "default-deny"],
        );
        // An empty `from` would admit every source, so the policy is left out altogether.
        assert.equal(
            policies.find((p) => p.metadata.name === "ingress-nginx-from-web"),
            undefined,
        );
    });

    it("places each namespace's allows before its default deny", () => {
        for (const plan of compileIntent(smallIntent({ defaultDenyEgress: true }))) {
            assert.ok(plan.allows.length >= 2);
            assert.ok(plan.allows.every((p) => p.metadata.name !== "default-deny"));
        }
    });
});

describe("mergeFlows", () => {
    const worker = { namespace: "claims", app: "worker" };
    const api = { namespace: "billing", app: "api" };

    it("merges the ports of repeated flows between the same apps and drops same-namespace flows", () => {
        const merged = mergeFlows([
            { from: worker, to: api, ports: [{ protocol: "TCP", port: 9000 }] },
            {
                from: worker,
                to: api,
                ports: [
                    { protocol: "UDP", port: 53 },
                    { protocol: "TCP", port: 9000 },
                ],
            },
            { from: worker, to: { namespace: "claims", app: "web" }, ports: [] },
        ]);
        assert.deepEqual(merged, [
            {
                from: worker,
                to: api,
                ports: [
                    { protocol: "TCP", port: 9000 },
                    { protocol: "UDP", port: 53 },
                ],
            },
        ]);
    });
});

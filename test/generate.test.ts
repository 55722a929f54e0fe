import { strict as assert } from "assert";
import { NetworkIntent } from "../compiler/intent";
import { GATEWAY_POD_LABELS, platformTraffic } from "../compiler/platform";
import { allPolicies, compileIntent, mergeFlows } from "../compiler/generate";
import { NetworkPolicy } from "../engine/k8s";

/** A small intent: two business namespaces, one flow, one CIDR source. */
export function smallIntent(overrides: Partial<NetworkIntent> = {}): NetworkIntent {
    return {
        appLabel: "app",
        defaultDenyEgress: false,
        toolsNamespace: "tools",
        addresses: { podCidrs: ["10.40.0.0/19", "10.40.32.0/19"], controlPlaneCidrs: ["10.40.208.0/28", "10.40.208.16/28"] },
        gatewayClients: { cidrs: [{ cidr: "0.0.0.0/0", except: [] }], includesPods: false },
        platform: platformTraffic("tools", true),
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
                includesPods: false,
            },
        ],
        egressDestinations: [
            {
                name: "billing-db",
                cidrs: [{ cidr: "10.60.0.0/24", except: [] }],
                ports: [{ protocol: "TCP", port: 5432 }],
                includesPods: false,
            },
        ],
        egress: [{ from: { namespace: "billing", app: "*" }, to: "billing-db" }],
        podCredentials: { podIdentityAgent: false, stsCidrs: [] },
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

    it("manages the edge's namespaces like tools: role tools, zone platform, default deny and the common allows", () => {
        const edge = {
            issuing: true,
            acme: { cidrs: [{ cidr: "192.0.2.0/24", except: [] }], includesPods: false },
            awsApis: { cidrs: [{ cidr: "198.51.100.0/24", except: [] }], includesPods: false },
            loadBalancerSubnets: { cidrs: [{ cidr: "10.40.192.0/24", except: [] }], includesPods: false },
        };
        const plans = compileIntent(smallIntent({ defaultDenyEgress: true, platform: platformTraffic("tools", true, edge) }));
        assert.deepEqual(
            plans.map((p) => [p.role, p.namespace.metadata.name, p.namespace.metadata.labels?.["network-zone"]]),
            [
                ["tools", "aws-load-balancer-controller", "platform"],
                ["business", "billing", "business"],
                ["tools", "cert-manager", "platform"],
                ["business", "claims", "business"],
                ["tools", "tools", "tools"],
            ],
        );
        const certManager = plans.find((p) => p.namespace.metadata.name === "cert-manager")!;
        assert.deepEqual(certManager.defaultDeny.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        assert.deepEqual(
            certManager.allows.map((p) => p.metadata.name),
            [
                "allow-dns-egress",
                "allow-same-namespace",
                "cert-manager-cainjector-to-kube-api",
                "cert-manager-to-acme",
                "cert-manager-to-aws-apis",
                "cert-manager-to-kube-api",
                "cert-manager-to-pod-identity-agent",
                "cert-manager-webhook-from-kube-api",
                "cert-manager-webhook-to-kube-api",
            ],
        );
        // The ACME server's range, pod and control-plane ranges excepted where inside (none here), on 443 only.
        assert.deepEqual(certManager.allows.find((p) => p.metadata.name === "cert-manager-to-acme")!.spec.egress, [
            { to: [{ ipBlock: { cidr: "192.0.2.0/24" } }], ports: [{ protocol: "TCP", port: 443 }] },
        ]);
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

    it("lets the gateway's data plane in tools reach each namespace's web pods on the namespace's web ports", () => {
        const policies = allPolicies(compileIntent(smallIntent()));
        assert.deepEqual(find(policies, "billing", "web-from-gateway").spec, {
            podSelector: { matchLabels: { app: "web" } },
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "tools" } },
                            podSelector: {
                                matchLabels: {
                                    "app.kubernetes.io/instance": "ngf",
                                    "app.kubernetes.io/managed-by": "ngf-nginx",
                                    "app.kubernetes.io/name": "shared-nginx",
                                    "gateway.networking.k8s.io/gateway-name": "shared",
                                },
                            },
                        },
                    ],
                    ports: [{ protocol: "TCP", port: 8080 }],
                },
            ],
        });
        assert.deepEqual(find(policies, "tools", "gateway-from-web").spec.ingress, [
            {
                from: [billingApiPeer("billing", "web"), billingApiPeer("claims", "web")],
                ports: [
                    { protocol: "TCP", port: 80 },
                    { protocol: "TCP", port: 443 },
                ],
            },
        ]);
    });

    it("gives the gateway its clients (pod ranges excepted) and, under egress deny, the web pods, and the controller and hook Job the API", () => {
        const policies = allPolicies(compileIntent(smallIntent({ defaultDenyEgress: true })));
        assert.deepEqual(find(policies, "tools", "gateway-from-clients").spec, {
            podSelector: { matchLabels: GATEWAY_POD_LABELS },
            policyTypes: ["Ingress"],
            ingress: [
                {
                    // Pod ranges and the control plane's own ranges: no pod, and not the API server.
                    from: [
                        { ipBlock: { cidr: "0.0.0.0/0", except: ["10.40.0.0/19", "10.40.208.0/28", "10.40.208.16/28", "10.40.32.0/19"] } },
                    ],
                    ports: [
                        { protocol: "TCP", port: 80 },
                        { protocol: "TCP", port: 443 },
                    ],
                },
            ],
        });
        const toApi = [
            {
                to: [{ ipBlock: { cidr: "10.40.208.0/28" } }, { ipBlock: { cidr: "10.40.208.16/28" } }],
                ports: [{ protocol: "TCP", port: 443 }],
            },
        ];
        assert.deepEqual(find(policies, "tools", "gateway-controller-to-kube-api").spec.egress, toApi);
        assert.deepEqual(find(policies, "tools", "gateway-certs-to-kube-api").spec, {
            // A hook Job's pods carry only the Job controller's labels.
            podSelector: { matchLabels: { "batch.kubernetes.io/job-name": "ngf-nginx-gateway-fabric-cert-generator" } },
            policyTypes: ["Egress"],
            egress: toApi,
        });
        assert.deepEqual(find(policies, "tools", "gateway-to-web").spec.egress, [
            { to: [billingApiPeer("billing", "web")], ports: [{ protocol: "TCP", port: 8080 }] },
            { to: [billingApiPeer("claims", "web")], ports: [{ protocol: "TCP", port: 8080 }] },
        ]);
        assert.deepEqual(find(policies, "billing", "web-to-gateway").spec.egress?.[0]?.ports, [
            { protocol: "TCP", port: 80 },
            { protocol: "TCP", port: 443 },
        ]);
        // Data plane -> control plane stays inside tools: allow-same-namespace admits it, no policy of its own.
        assert.equal(
            policies.find((p) => p.metadata.name === "gateway-to-gateway-controller"),
            undefined,
        );
        assert.deepEqual(
            policies.filter((p) => p.metadata.namespace === "kube-system"),
            [],
            "kube-system gets none of our policies",
        );
    });

    it("compiles egress grants to named destinations, for every app of a namespace with ns/*", () => {
        const policies = allPolicies(compileIntent(smallIntent({ defaultDenyEgress: true })));
        assert.deepEqual(find(policies, "billing", "from-all-to-dest.billing-db").spec, {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{ to: [{ ipBlock: { cidr: "10.60.0.0/24" } }], ports: [{ protocol: "TCP", port: 5432 }] }],
        });
        assert.equal(
            allPolicies(compileIntent(smallIntent())).find((p) => p.metadata.name === "from-all-to-dest.billing-db"),
            undefined,
            "no egress policy while egress is open",
        );
    });

    it("excepts the control plane and, unless the rule says it includes pods, the pod ranges inside every address rule", () => {
        const wide = { cidr: "10.0.0.0/8", except: ["10.40.32.0/20"] };
        const intent = smallIntent({
            defaultDenyEgress: true,
            cidrSources: [{ name: "corp", to: { namespace: "billing", app: "api" }, cidrs: [wide], ports: [], includesPods: false }],
            egressDestinations: [
                { name: "vpc", cidrs: [{ cidr: "10.40.0.0/16", except: [] }], ports: [], includesPods: true },
                { name: "corp", cidrs: [wide], ports: [], includesPods: false },
            ],
            egress: [
                { from: { namespace: "billing", app: "api" }, to: "vpc" },
                { from: { namespace: "billing", app: "api" }, to: "corp" },
            ],
        });
        const policies = allPolicies(compileIntent(intent));
        // 10.40.32.0/19 stays: its own except 10.40.32.0/20 does not cover it.
        const excepted = {
            ipBlock: {
                cidr: "10.0.0.0/8",
                except: ["10.40.0.0/19", "10.40.208.0/28", "10.40.208.16/28", "10.40.32.0/19", "10.40.32.0/20"],
            },
        };
        assert.deepEqual(find(policies, "billing", "from-cidr.corp-to-api").spec.ingress, [{ from: [excepted] }]);
        assert.deepEqual(find(policies, "billing", "from-api-to-dest.corp").spec.egress, [{ to: [excepted] }]);
        // includesPods keeps the pods in, never the API server.
        assert.deepEqual(find(policies, "billing", "from-api-to-dest.vpc").spec.egress, [
            { to: [{ ipBlock: { cidr: "10.40.0.0/16", except: ["10.40.208.0/28", "10.40.208.16/28"] } }] },
        ]);
    });

    it("offers the EKS Pod Identity agent and STS as egress switches, off by default", () => {
        const off = allPolicies(compileIntent(smallIntent({ defaultDenyEgress: true })));
        assert.deepEqual(
            off.filter((p) => ["allow-pod-identity-egress", "allow-sts-egress"].includes(p.metadata.name)),
            [],
        );
        const on = allPolicies(
            compileIntent(
                smallIntent({ defaultDenyEgress: true, podCredentials: { podIdentityAgent: true, stsCidrs: ["10.40.224.0/24"] } }),
            ),
        );
        assert.deepEqual(find(on, "claims", "allow-pod-identity-egress").spec.egress, [
            { to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
        ]);
        assert.deepEqual(find(on, "tools", "allow-sts-egress").spec.egress, [
            { to: [{ ipBlock: { cidr: "10.40.224.0/24" } }], ports: [{ protocol: "TCP", port: 443 }] },
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
            egress: [],
        });
        const policies = allPolicies(compileIntent(intent));
        assert.deepEqual(
            policies.filter((p) => p.metadata.namespace === "batch").map((p) => p.metadata.name),
            ["allow-same-namespace", "default-deny"],
        );
        // An empty `from` would admit every source, so the policy is left out altogether.
        assert.equal(
            policies.find((p) => p.metadata.name === "gateway-from-web"),
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

import { strict as assert } from "assert";
import { allPolicies, compileIntent } from "../compiler/generate";
import { checkIntent, formatMismatch, intentWorld } from "../compiler/intentCheck";
import { NetworkIntent } from "../compiler/intent";
import { subnetLayout } from "../compiler/subnets";
import { blockContainsBlock, blocksOverlap, formatIp, requireCidr } from "../engine/cidr";
import { ReachabilityModel } from "../engine/evaluate";
import { NetworkPolicy } from "../engine/k8s";
import { Pod } from "../engine/snapshot";
import { smallIntent } from "./generate.test";
import { diffIntents, intentConnectivity } from "../compiler/intentDiff";
import { OUTSIDE } from "../engine/connectivity";
import { renderDiffText } from "../engine/diff";
import { renderConnectivityHtml } from "../engine/html";
import { stackIntent } from "./harness";
import { EdgeTraffic, GatewayManifest, platformTraffic, sharedGatewayManifest } from "../compiler/platform";

function compiled(intent: NetworkIntent) {
    const plans = compileIntent(intent);
    return { namespaces: plans.map((p) => p.namespace), policies: [...allPolicies(plans)] };
}

const denyingEgress = smallIntent({
    defaultDenyEgress: true,
    gatewayClients: { cidrs: [{ cidr: "10.0.0.0/8", except: [] }], includesPods: false },
});

describe("the platform's own traffic", () => {
    it("puts every platform pod in the check's world with the labels its chart really sets", () => {
        const { namespaces } = compiled(denyingEgress);
        const pods = intentWorld(denyingEgress, namespaces).snapshot.pods.filter((p) => ["tools", "kube-system"].includes(p.namespace));
        assert.deepEqual(
            pods.map((p) => [p.namespace, p.name, p.labels]),
            [
                [
                    "tools",
                    "gateway",
                    {
                        "app.kubernetes.io/instance": "ngf",
                        "app.kubernetes.io/managed-by": "ngf-nginx",
                        "app.kubernetes.io/name": "shared-nginx",
                        "gateway.networking.k8s.io/gateway-name": "shared",
                    },
                ],
                ["tools", "gateway-controller", { "app.kubernetes.io/instance": "ngf", "app.kubernetes.io/name": "nginx-gateway-fabric" }],
                // A Job's pods: no template labels, only the Job controller's.
                [
                    "tools",
                    "gateway-certs",
                    {
                        "batch.kubernetes.io/job-name": "ngf-nginx-gateway-fabric-cert-generator",
                        "job-name": "ngf-nginx-gateway-fabric-cert-generator",
                    },
                ],
                ["kube-system", "coredns", { "k8s-app": "kube-dns" }],
            ],
        );
    });

    it("lets the chart's pre-install hook Job and its controller reach the Kubernetes API under egress deny, by their own policies", () => {
        const { namespaces, policies } = compiled(denyingEgress);
        const world = intentWorld(denyingEgress, namespaces);
        const model = new ReachabilityModel({ ...world.snapshot, policies });
        const api = world.externals.find((e) => e.label === "control plane")!;
        for (const [name, policy] of [
            ["gateway-certs", "tools/gateway-certs-to-kube-api"],
            ["gateway-controller", "tools/gateway-controller-to-kube-api"],
        ] as const) {
            const pod = world.snapshot.pods.find((p) => p.name === name)!;
            const verdict = model.evaluate({
                from: { kind: "pod", pod },
                to: { kind: "external", ip: api.ip },
                port: 443,
                protocol: "TCP",
            });
            assert.equal(verdict.allowed, true, name);
            assert.deepEqual(verdict.egress.allowedBy, [policy]);
            // Without its policy the pod has no way out: the hook would hang until Helm's timeout.
            const without = new ReachabilityModel({
                ...world.snapshot,
                policies: policies.filter((p) => `tools/${p.metadata.name}` !== policy),
            });
            assert.equal(
                without.evaluate({ from: { kind: "pod", pod }, to: { kind: "external", ip: api.ip }, port: 443, protocol: "TCP" }).allowed,
                false,
            );
        }
    });

    it("fails the check, naming the platform connection, when any one platform allowance is removed", () => {
        const { namespaces, policies } = compiled(denyingEgress);
        const platformPolicies = policies.filter((p) => /^(gateway|web)-/.test(p.metadata.name));
        assert.deepEqual(
            platformPolicies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
            [
                "billing/web-from-gateway",
                "billing/web-to-gateway",
                "claims/web-from-gateway",
                "claims/web-to-gateway",
                "tools/gateway-certs-to-kube-api",
                "tools/gateway-controller-to-kube-api",
                "tools/gateway-from-clients",
                "tools/gateway-from-web",
                "tools/gateway-to-web",
            ],
        );
        const connection: Record<string, string> = {
            "web-from-gateway": "gateway -> billing/web",
            "web-to-gateway": "web -> gateway",
            "gateway-certs-to-kube-api": "gateway-certs -> kube-api",
            "gateway-controller-to-kube-api": "gateway-controller -> kube-api",
            "gateway-from-clients": "clients -> gateway",
            "gateway-from-web": "web -> gateway",
            "gateway-to-web": "gateway -> web",
        };
        for (const removed of platformPolicies.filter((p) => p.metadata.namespace !== "claims")) {
            const rest = policies.filter((p) => p !== removed);
            const lines = checkIntent(denyingEgress, namespaces, rest).mismatches.map(formatMismatch);
            const named = connection[removed.metadata.name]!;
            assert.ok(lines.length > 0, `removing ${removed.metadata.name} went unnoticed`);
            assert.ok(
                lines.every((l) => l.startsWith("missing ")),
                lines.join("\n"),
            );
            assert.ok(
                lines.some((l) => l.includes(named)),
                `no mismatch names ${named}:\n${lines.join("\n")}`,
            );
        }
    });
});

describe("address rules never admit pods", () => {
    for (const stack of ["nonprod", "prod"]) {
        it(`keeps pods at addresses inside ${stack}'s client ranges, CIDR sources and destinations out of those rules`, () => {
            const intent = stackIntent(stack);
            const { namespaces, policies } = compiled(intent);
            const world = intentWorld(intent, namespaces);
            const pods = intent.addresses.podCidrs.map((c) => requireCidr(c));
            const rules = [
                { name: "gateway clients", rule: intent.gatewayClients },
                ...intent.cidrSources.map((s) => ({ name: s.name, rule: s })),
                ...intent.egressDestinations.map((d) => ({ name: d.name, rule: d })),
            ];
            let probed = 0;
            for (const { name, rule } of rules) {
                for (const range of rule.cidrs) {
                    const block = requireCidr(range.cidr);
                    const inside = pods.filter((p) => blockContainsBlock(block, p));
                    // A range that holds no pod range cannot admit a pod: no pod has such an address.
                    if (inside.length === 0) {
                        assert.ok(!pods.some((p) => blockContainsBlock(p, block)), `${name} ${range.cidr} lies inside a pod range`);
                        continue;
                    }
                    for (const podRange of inside) {
                        // A pod of a namespace that no rule names, at an address of the rule's range.
                        const intruder: Pod = {
                            namespace: "inventory",
                            name: "intruder",
                            labels: { app: "api" },
                            ip: formatIp({ family: 4, value: podRange.last - 1n }),
                            ports: [],
                        };
                        const model = new ReachabilityModel({ ...world.snapshot, pods: [...world.snapshot.pods, intruder], policies });
                        const gateway = world.snapshot.pods.find((p) => p.name === "gateway")!;
                        const api = world.snapshot.pods.find((p) => p.namespace === "payments" && p.name === "api")!;
                        for (const [to, port] of [
                            [gateway, 443],
                            [api, 8443],
                        ] as const) {
                            const verdict = model.evaluate({
                                from: { kind: "pod", pod: intruder },
                                to: { kind: "pod", pod: to },
                                port,
                                protocol: "TCP",
                            });
                            assert.equal(
                                verdict.ingress.allowed,
                                false,
                                `${name} ${range.cidr} admits ${intruder.ip} into ${to.namespace}/${to.name}`,
                            );
                        }
                        // ...and no pod reaches another pod through an egress destination's range.
                        const orders = world.snapshot.pods.find((p) => p.namespace === "orders" && p.name === "api")!;
                        const out = model.evaluate({
                            from: { kind: "pod", pod: orders },
                            to: { kind: "pod", pod: intruder },
                            port: 443,
                            protocol: "TCP",
                        });
                        assert.equal(out.egress.allowed, false, `${name} ${range.cidr} lets orders/api out to the pod ${intruder.ip}`);
                        probed++;
                    }
                }
            }
            assert.ok(probed >= 2, `only ${probed} ranges hold pods`);
        });
    }

    it("fails the check when the pod ranges are no longer excepted from a client range", () => {
        const { namespaces, policies } = compiled(denyingEgress);
        const withoutExcept = policies.map((p): NetworkPolicy =>
            p.metadata.name === "gateway-from-clients"
                ? { ...p, spec: { ...p.spec, ingress: [{ ...p.spec.ingress![0]!, from: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }] } }
                : p,
        );
        const lines = checkIntent(denyingEgress, namespaces, withoutExcept).mismatches.map(formatMismatch);
        assert.ok(lines.length > 0);
        assert.ok(
            lines.includes(
                "extra ingress: billing/api -> tools/gateway on 80/TCP is allowed by tools/gateway-from-clients, but the intent does not allow it (nothing in the intent admits this into gateway (tools/gateway))",
            ),
            lines.join("\n"),
        );
    });
});

describe("the subnet layout", () => {
    it("gives nodes an eighth of the VPC per zone, public subnets in the last quarter and control-plane /28s in the last eighth", () => {
        assert.deepEqual(subnetLayout("10.40.0.0/16", 2), {
            nodes: ["10.40.0.0/19", "10.40.32.0/19"],
            public: ["10.40.192.0/24", "10.40.193.0/24"],
            controlPlane: ["10.40.224.0/28", "10.40.224.16/28"],
        });
        assert.deepEqual(subnetLayout("172.20.0.0/20", 3), {
            nodes: ["172.20.0.0/23", "172.20.2.0/23", "172.20.4.0/23"],
            public: ["172.20.12.0/26", "172.20.12.64/26", "172.20.12.128/26"],
            controlPlane: ["172.20.14.0/28", "172.20.14.16/28", "172.20.14.32/28"],
        });
        assert.throws(() => subnetLayout("10.40.0.0/21", 2), /needs an IPv4 range of \/20 or larger/);
    });

    it("never lets a pod range overlap the control plane's", () => {
        for (const [vpc, zones] of [
            ["10.0.0.0/16", 6],
            ["10.0.0.0/20", 6],
            ["10.0.0.0/18", 2],
        ] as const) {
            const layout = subnetLayout(vpc, zones);
            for (const p of layout.nodes)
                for (const c of [...layout.controlPlane, ...layout.public])
                    assert.ok(!blocksOverlap(requireCidr(p), requireCidr(c)), `${p} ~ ${c}`);
            for (const pub of layout.public)
                for (const c of layout.controlPlane) assert.ok(!blocksOverlap(requireCidr(pub), requireCidr(c)), `${pub} ~ ${c}`);
        }
    });
});

describe("named places outside the cluster", () => {
    it("appear by name in the diff when an egress grant is taken away", () => {
        const before = smallIntent({ defaultDenyEgress: true });
        const after = { ...before, egress: [] };
        const diff = diffIntents(before, after);
        assert.equal(diff.gained.length, 0);
        assert.deepEqual(
            diff.lost.map((r) => [`${r.from.namespace}/${r.from.app}`, r.to.app, r.ports]),
            [
                ["billing/api", "billing-db 10.60.0.0/24", ["5432/TCP"]],
                ["billing/web", "billing-db 10.60.0.0/24", ["5432/TCP"]],
            ],
        );
        assert.match(renderDiffText("billing", diff), /- billing\/api +-> billing-db 10\.60\.0\.0\/24 +5432\/TCP/);
    });

    it("appear by name in the connectivity the matrix and the HTML page are drawn from", () => {
        const connectivity = intentConnectivity(smallIntent({ defaultDenyEgress: true }));
        const outside = connectivity.parties.filter((p) => p.namespace === OUTSIDE).map((p) => p.app);
        for (const label of ["billing-db 10.60.0.0/24", "partner 192.0.2.0/24", "control plane", "instance metadata"])
            assert.ok(outside.includes(label), label);
        assert.match(renderConnectivityHtml("small", connectivity, []), /billing-db 10\.60\.0\.0\/24/);
    });
});

describe("the edge: cert-manager and the AWS Load Balancer Controller", () => {
    const PUBLIC = ["10.40.192.0/24", "10.40.193.0/24"];
    // Two places of their own: where the ranges are the same, either policy admits what both need.
    const range = (cidr: string) => ({ cidrs: [{ cidr, except: [] }], includesPods: false });
    const edge = (issuing: boolean): EdgeTraffic => ({
        issuing,
        acme: range("192.0.2.0/24"),
        awsApis: range("198.51.100.0/24"),
        loadBalancerSubnets: { cidrs: PUBLIC.map((cidr) => ({ cidr, except: [] })), includesPods: false },
    });
    const withEdge = (issuing: boolean) =>
        smallIntent({
            defaultDenyEgress: true,
            // Clients from outside the VPC: the health checks have no other way in.
            gatewayClients: { cidrs: [{ cidr: "203.0.113.0/24", except: [] }], includesPods: false },
            platform: platformTraffic("tools", true, edge(issuing)),
        });

    it("runs its pods in their own managed namespaces, under default deny, with the labels their charts set", () => {
        const intent = withEdge(true);
        const { namespaces, policies } = compiled(intent);
        for (const ns of ["cert-manager", "aws-load-balancer-controller"]) {
            assert.ok(namespaces.some((n) => n.metadata.name === ns));
            assert.ok(policies.some((p) => p.metadata.namespace === ns && p.metadata.name === "default-deny"));
        }
        const pods = intentWorld(intent, namespaces).snapshot.pods.filter((p) =>
            ["cert-manager", "aws-load-balancer-controller"].includes(p.namespace),
        );
        assert.deepEqual(
            pods.map((p) => [p.namespace, p.name, p.labels["app.kubernetes.io/name"], p.labels["app.kubernetes.io/component"]]),
            [
                ["cert-manager", "cert-manager", "cert-manager", "controller"],
                ["cert-manager", "cert-manager-webhook", "webhook", "webhook"],
                ["cert-manager", "cert-manager-cainjector", "cainjector", "cainjector"],
                ["aws-load-balancer-controller", "lb-controller", "aws-load-balancer-controller", undefined],
            ],
        );
    });

    it("fails the check, naming the connection, when any one of the edge's policies is removed", () => {
        const intent = withEdge(true);
        const { namespaces, policies } = compiled(intent);
        const edgePolicies = policies.filter(
            (p) =>
                (["cert-manager", "aws-load-balancer-controller"].includes(p.metadata.namespace!) && /-(to|from)-/.test(p.metadata.name)) ||
                p.metadata.name === "gateway-from-load-balancer",
        );
        assert.deepEqual(
            edgePolicies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
            [
                "aws-load-balancer-controller/lb-controller-from-kube-api",
                "aws-load-balancer-controller/lb-controller-to-aws-apis",
                "aws-load-balancer-controller/lb-controller-to-kube-api",
                "aws-load-balancer-controller/lb-controller-to-pod-identity-agent",
                "cert-manager/cert-manager-cainjector-to-kube-api",
                "cert-manager/cert-manager-to-acme",
                "cert-manager/cert-manager-to-aws-apis",
                "cert-manager/cert-manager-to-kube-api",
                "cert-manager/cert-manager-to-pod-identity-agent",
                "cert-manager/cert-manager-webhook-from-kube-api",
                "cert-manager/cert-manager-webhook-to-kube-api",
                "tools/gateway-from-load-balancer",
            ],
        );
        for (const removed of edgePolicies) {
            const lines = checkIntent(
                intent,
                namespaces,
                policies.filter((p) => p !== removed),
            ).mismatches.map(formatMismatch);
            assert.ok(lines.length > 0, `removing ${removed.metadata.name} went unnoticed`);
            assert.ok(
                lines.every((l) => l.startsWith("missing ")),
                lines.join("\n"),
            );
        }
        assert.deepEqual(checkIntent(intent, namespaces, policies).mismatches, []);
    });

    it("admits health checks from the load balancer's subnets on the readiness endpoint only, and nothing from there elsewhere", () => {
        const intent = withEdge(true);
        const { namespaces, policies } = compiled(intent);
        const world = intentWorld(intent, namespaces);
        const model = new ReachabilityModel({ ...world.snapshot, policies });
        const lb = world.externals.find((e) => e.label === "load-balancer 10.40.192.0/24")!;
        const pod = (name: string) => world.snapshot.pods.find((p) => p.name === name)!;
        const can = (name: string, port: number) =>
            model.evaluate({ from: { kind: "external", ip: lb.ip }, to: { kind: "pod", pod: pod(name) }, port, protocol: "TCP" }).allowed;
        assert.deepEqual(
            // Clients keep their addresses through the NLB: its own addresses only health-check nginx.
            [can("gateway", 8081), can("gateway", 80), can("gateway", 443), can("gateway", 8443), can("cert-manager-webhook", 10250)],
            [true, false, false, false, false],
        );
    });

    it("leaves cert-manager without ACME, Route 53 or credentials when the user brings the certificate", () => {
        const names = compiled(withEdge(false))
            .policies.filter((p) => p.metadata.namespace === "cert-manager")
            .map((p) => p.metadata.name);
        assert.ok(!names.some((n) => /to-(acme|aws-apis|pod-identity-agent)$/.test(n)), names.join(", "));
        assert.ok(names.includes("cert-manager-to-kube-api"));
    });
});

describe("the shared Gateway's HTTPS listeners", () => {
    const base = {
        toolsNamespace: "tools",
        internal: false,
        loadBalancerSubnetIds: ["subnet-a", "subnet-b"],
        routeNamespaceLabels: { "network-zone": "business" },
        labels: {},
    };
    const refs = (g: GatewayManifest) =>
        (g.spec["listeners"] as { name: string; hostname?: string; tls?: { mode: string; certificateRefs: { name: string }[] } }[])
            .filter((l) => l.tls)
            .map((l) => [l.name, l.hostname, l.tls!.mode, l.tls!.certificateRefs.map((r) => r.name)]);

    it("names the issuer and gives each hostname a listener whose Secret cert-manager creates from it", () => {
        const g = sharedGatewayManifest({ ...base, tls: { hostnames: ["shop.example.com", "*.shop.example.com"], issuer: "letsencrypt" } });
        // cert-manager's Gateway support issues for a listener with a hostname, mode Terminate and a Secret reference.
        assert.deepEqual(refs(g), [
            ["https-shop-example-com", "shop.example.com", "Terminate", ["https-shop-example-com-tls"]],
            ["https-wildcard-shop-example-com", "*.shop.example.com", "Terminate", ["https-wildcard-shop-example-com-tls"]],
        ]);
        assert.equal(g.metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt");
        assert.deepEqual(JSON.parse(g.metadata.annotations["pulumi.com/waitFor"]!), [
            "condition=Programmed",
            "jsonpath={.status.addresses[?(@.type=='Hostname')].value}",
            "jsonpath={.status.listeners[?(@.name=='https-shop-example-com')].conditions[?(@.type=='ResolvedRefs')].status}=True",
            "jsonpath={.status.listeners[?(@.name=='https-wildcard-shop-example-com')].conditions[?(@.type=='ResolvedRefs')].status}=True",
        ]);
    });

    it("serves the user's own Secret without an issuer, with or without hostnames", () => {
        const own = sharedGatewayManifest({ ...base, tls: { hostnames: [], certificateSecret: "shop-tls" } });
        assert.deepEqual(refs(own), [["https", undefined, "Terminate", ["shop-tls"]]]);
        assert.equal(own.metadata.annotations["cert-manager.io/cluster-issuer"], undefined);
        const named = sharedGatewayManifest({
            ...base,
            tls: { hostnames: ["shop.example.com"], certificateSecret: "shop-tls", issuer: "letsencrypt" },
        });
        assert.deepEqual(refs(named), [["https-shop-example-com", "shop.example.com", "Terminate", ["shop-tls"]]]);
        assert.equal(named.metadata.annotations["cert-manager.io/cluster-issuer"], undefined);
    });

    it("waits over HTTP alone for Programmed and the load balancer's address, which Programmed does not imply", () => {
        const g = sharedGatewayManifest(base);
        assert.deepEqual(refs(g), []);
        assert.equal(
            g.metadata.annotations["pulumi.com/waitFor"],
            `["condition=Programmed","jsonpath={.status.addresses[?(@.type=='Hostname')].value}"]`,
        );
    });
});

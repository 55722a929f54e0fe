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

import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { planSnapshot } from "../compiler/planSnapshot";
import { judgeVerification } from "../delivery/promotion";
import { ReachabilityModel } from "../engine/evaluate";
import { NetworkPolicy } from "../engine/k8s";
import { Snapshot } from "../engine/snapshot";
import { readLiveList } from "../live/cluster";
import { GatewayServiceExpectation, driftOf, gatewayServiceDrift, renderDrift } from "../live/drift";
import { gatewayClientRanges } from "../compiler/generate";
import { ngfChartValues } from "../compiler/platform";
import { PREVIEW_READ_RULES } from "../compiler/tenancy";
import { stackExpectation } from "../live/expected";
import { Outcome, ProbeResult, judgeResults, parseResults, renderJudgement, resultLine } from "../live/judge";
import { PlanError, PlannedProbe, evenly, probeKey, probePlan } from "../live/probePlan";
import {
    AGNHOST_IMAGE,
    RunnerSettings,
    addEphemeralCall,
    batchesBySource,
    canICall,
    classifyKubectlError,
    classifyProbe,
    cleanupCall,
    containerState,
    describeKubectlProblem,
    ephemeralContainerPatch,
    probeArguments,
    probePodManifest,
    probePodName,
    probeScript,
    readProbeLog,
    requiredPermissions,
} from "../live/runner";
import { representativePods } from "../live/workloads";
import { Io, exitCodeOf } from "../cli/args";
import { loadStack } from "../cli/input";
import { DEFAULT_MAX_PROBES } from "../cli/verify";
import { netpol } from "../cli/netpol";
import { PROJECT_DIR } from "./harness";

const FIXTURES = path.join(PROJECT_DIR, "test", "fixtures", "live");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "netpol-live-"));
// Every file write() made goes with the folder once this file's tests have run.
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, content: unknown) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
    return file;
};

function run(...argv: string[]): { code: number; stdout: string; stderr: string } {
    let stdout = "";
    let stderr = "";
    const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
    const code = netpol(argv, io);
    return { code, stdout, stderr };
}

// --- The nonprod plan as a live cluster: its manifests and its snapshot's pods, as the API server lists them.

const nonprod = loadStack("nonprod");
const expected = stackExpectation(nonprod);
const planned: Snapshot = planSnapshot("nonprod", nonprod.network, expected.namespaces, expected.policies);

/** A policy the way `kubectl get -o json` shows it: server fields, defaults written out, keys in another order. */
function asServed(p: NetworkPolicy, i: number): Record<string, unknown> {
    const withProtocol = (rules: readonly { ports?: readonly object[] }[] | undefined) =>
        rules?.map((r) => ({ ...r, ...(r.ports ? { ports: r.ports.map((x) => ({ protocol: "TCP", ...x })) } : {}) }));
    const spec = {
        ...(p.spec.egress ? { egress: withProtocol(p.spec.egress) } : {}),
        ...(p.spec.ingress ? { ingress: withProtocol(p.spec.ingress) } : {}),
        policyTypes: p.spec.policyTypes,
        podSelector: p.spec.podSelector,
    };
    return {
        metadata: {
            ...p.metadata,
            uid: `uid-${i}`,
            resourceVersion: String(1000 + i),
            generation: 1,
            creationTimestamp: "2026-12-01T10:00:00Z",
            managedFields: [{ manager: "pulumi-kubernetes", operation: "Apply", apiVersion: "networking.k8s.io/v1" }],
        },
        kind: "NetworkPolicy",
        apiVersion: "networking.k8s.io/v1",
        spec,
    };
}

/** The gateway's data plane Service as NGF makes it and the API server lists it: ranges in another order, server fields. */
function servedGatewayService(): Record<string, unknown> {
    const want = expected.gatewayService;
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
            name: "shared-nginx",
            namespace: "tools",
            uid: "uid-svc",
            labels: { "app.kubernetes.io/name": "shared-nginx", "gateway.networking.k8s.io/gateway-name": "shared" },
            annotations: {
                "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
                "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            },
            ownerReferences: [{ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", name: "shared", controller: true }],
        },
        spec: {
            type: "LoadBalancer",
            loadBalancerClass: "service.k8s.aws/nlb",
            loadBalancerSourceRanges: [...want.loadBalancerSourceRanges].reverse(),
            clusterIP: "172.20.14.9",
            externalTrafficPolicy: "Local",
            ports: [{ name: "port-80", port: 80, targetPort: 80, protocol: "TCP", nodePort: 31080 }],
        },
        status: { loadBalancer: { ingress: [{ hostname: "k8s-tools-sharedng-0123456789-abcdef.elb.eu-west-1.amazonaws.com" }] } },
    };
}

function liveList(policies = expected.policies.map(asServed), services = [servedGatewayService()]): Record<string, unknown> {
    const labels = new Map(expected.namespaces.map((n) => [n.metadata.name, n.metadata.labels]));
    return {
        apiVersion: "v1",
        kind: "List",
        items: [
            ...Object.entries(planned.namespaces).map(([name, l]) => ({
                apiVersion: "v1",
                kind: "Namespace",
                metadata: { name, labels: labels.get(name) ?? l },
                status: { phase: "Active" },
            })),
            ...planned.pods.map((p) => ({
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
                spec: {
                    containers: [
                        { name: "app", image: "app", ports: p.ports.map((cp) => ({ containerPort: cp.port, protocol: cp.protocol })) },
                    ],
                },
                status: { phase: "Running", podIP: p.ip },
            })),
            ...policies,
            ...services,
        ],
    };
}

function policyNamed(list: Record<string, unknown>[], id: string): Record<string, unknown> {
    const found = list.find(
        (p) => `${(p["metadata"] as { namespace: string }).namespace}/${(p["metadata"] as { name: string }).name}` === id,
    );
    assert.ok(found, id);
    return found;
}

describe("live verification", () => {
    describe("drift of the edge firewall: the gateway's data plane Service", () => {
        const want: GatewayServiceExpectation = {
            namespace: "tools",
            name: "shared-nginx",
            type: "LoadBalancer",
            loadBalancerSourceRanges: ["10.0.0.0/8", "203.0.113.0/24"],
            loadBalancerClass: "service.k8s.aws/nlb",
            annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" },
        };
        const service = (spec: Record<string, unknown>, annotations = want.annotations, name = "shared-nginx", namespace = "tools") => ({
            apiVersion: "v1",
            kind: "Service",
            metadata: { name, namespace, annotations },
            spec: { type: "LoadBalancer", loadBalancerClass: "service.k8s.aws/nlb", ...spec },
        });

        it("finds none when the ranges are the same networks in another order and spelling", () => {
            assert.deepEqual(gatewayServiceDrift(want, [service({ loadBalancerSourceRanges: ["203.0.113.0/24", "10.0.0.1/8"] })]), []);
        });

        it("names a range added by hand", () => {
            const live = service({ loadBalancerSourceRanges: ["10.0.0.0/8", "198.51.100.0/24", "203.0.113.0/24"] });
            assert.deepEqual(gatewayServiceDrift(want, [live]), [
                {
                    kind: "changed-service",
                    service: "tools/shared-nginx",
                    differences: [
                        "loadBalancerSourceRanges: 198.51.100.0/24 is not in the stack (admitted by the load balancer, not by config)",
                    ],
                },
            ]);
        });

        it("names a range removed from the Service", () => {
            assert.deepEqual(gatewayServiceDrift(want, [service({ loadBalancerSourceRanges: ["10.0.0.0/8"] })]), [
                {
                    kind: "changed-service",
                    service: "tools/shared-nginx",
                    differences: ["loadBalancerSourceRanges: 203.0.113.0/24 is missing"],
                },
            ]);
        });

        it("says that no ranges admit every address", () => {
            assert.deepEqual(gatewayServiceDrift(want, [service({})])[0], {
                kind: "changed-service",
                service: "tools/shared-nginx",
                differences: ["loadBalancerSourceRanges is empty: the load balancer admits every address, the stack admits 2 ranges"],
            });
        });

        it("compares the annotation's ranges when the spec has none, as the controller reads them", () => {
            const live = service(
                {},
                { ...want.annotations, "service.beta.kubernetes.io/load-balancer-source-ranges": "10.0.0.0/8, 0.0.0.0/0" },
            );
            assert.deepEqual(gatewayServiceDrift(want, [live])[0], {
                kind: "changed-service",
                service: "tools/shared-nginx",
                differences: [
                    "loadBalancerSourceRanges is empty: the load balancer takes its ranges from annotation service.beta.kubernetes.io/load-balancer-source-ranges",
                    "loadBalancerSourceRanges: 203.0.113.0/24 is missing",
                    "loadBalancerSourceRanges: 0.0.0.0/0 is not in the stack (admitted by the load balancer, not by config)",
                ],
            });
        });

        it("names a missing Service, also when one of its name lives in another namespace", () => {
            const elsewhere = service(
                { loadBalancerSourceRanges: ["10.0.0.0/8", "203.0.113.0/24"] },
                want.annotations,
                "shared-nginx",
                "default",
            );
            assert.deepEqual(gatewayServiceDrift(want, [elsewhere]), [{ kind: "missing-service", service: "tools/shared-nginx" }]);
        });

        it("names another loadBalancerClass, type and scheme", () => {
            const live = {
                ...service(
                    { loadBalancerSourceRanges: want.loadBalancerSourceRanges, type: "NodePort" },
                    { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" },
                ),
            };
            delete (live.spec as Record<string, unknown>)["loadBalancerClass"];
            assert.deepEqual(gatewayServiceDrift(want, [live]), [
                {
                    kind: "changed-service",
                    service: "tools/shared-nginx",
                    differences: [
                        "type is NodePort, the stack sets LoadBalancer",
                        "loadBalancerClass is not set, the stack sets service.k8s.aws/nlb",
                        "annotation service.beta.kubernetes.io/aws-load-balancer-scheme is internet-facing, the stack sets internal",
                    ],
                },
            ]);
            assert.deepEqual(gatewayServiceDrift(want, [service({ loadBalancerSourceRanges: want.loadBalancerSourceRanges }, {})])[0], {
                kind: "changed-service",
                service: "tools/shared-nginx",
                differences: ["annotation service.beta.kubernetes.io/aws-load-balancer-scheme=internal is missing"],
            });
        });

        it("names another LoadBalancer Service in the gateway's namespace, not a ClusterIP one", () => {
            const services = [
                service({ loadBalancerSourceRanges: want.loadBalancerSourceRanges }),
                service({ loadBalancerSourceRanges: ["0.0.0.0/0"] }, {}, "debug-lb"),
                { ...service({}, {}, "ngf-nginx-gateway-fabric"), spec: { type: "ClusterIP" } },
            ];
            const drift = gatewayServiceDrift(want, services);
            assert.deepEqual(drift, [{ kind: "extra-service", service: "tools/debug-lb" }]);
            assert.equal(
                renderDrift(drift),
                "drift: 1 difference between the cluster and the stack\n  service tools/debug-lb: a LoadBalancer Service in the cluster, not in the stack (its client ranges are not config's)",
            );
        });

        it("expects what the program installs: nonprod's client ranges, the controller's class and its internal scheme", () => {
            assert.deepEqual(expected.gatewayService.loadBalancerSourceRanges, gatewayClientRanges(nonprod.network));
            assert.equal(expected.gatewayService.loadBalancerSourceRanges.length, 20);
            assert.ok(expected.gatewayService.loadBalancerSourceRanges.includes("203.0.113.0/24"));
            const values = ngfChartValues(gatewayClientRanges(nonprod.network), nonprod.gateway.dataPlane) as {
                nginx: { service: { loadBalancerSourceRanges: string[]; loadBalancerClass: string } };
            };
            assert.deepEqual(values.nginx.service.loadBalancerSourceRanges, expected.gatewayService.loadBalancerSourceRanges);
            assert.equal(values.nginx.service.loadBalancerClass, expected.gatewayService.loadBalancerClass);
            assert.deepEqual(expected.gatewayService.annotations, { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" });
        });

        it("verify --live exits 1 naming a range added to the live Service by hand", () => {
            const svc = servedGatewayService();
            (svc["spec"] as { loadBalancerSourceRanges: string[] }).loadBalancerSourceRanges.push("198.51.100.0/24");
            const r = run("verify", "--stack", "nonprod", "--live", write("svc-added.json", liveList(undefined, [svc])));
            assert.equal(r.code, 1);
            assert.match(
                r.stdout,
                /drift: 1 difference between the cluster and the stack\n {2}service tools\/shared-nginx: changed\n {4}- loadBalancerSourceRanges: 198\.51\.100\.0\/24 is not in the stack/,
            );
            assert.match(r.stdout, /verify: FAILED \(1 drift, 0 disagreements\)/);
        });

        it("verify --live exits 1 naming the Service when the List holds none", () => {
            const r = run("verify", "--stack", "nonprod", "--live", write("svc-missing.json", liveList(undefined, [])));
            assert.equal(r.code, 1);
            assert.match(r.stdout, /service tools\/shared-nginx: missing from the cluster/);
        });

        it("netpol workloads prints a stand-in Service that verify --live finds no drift in", () => {
            const printed = run("workloads", "--stack", "nonprod");
            assert.equal(printed.code, 0, printed.stderr);
            const items = (JSON.parse(printed.stdout) as { items: Record<string, unknown>[] }).items;
            const standIn = items.filter((i) => i["kind"] === "Service");
            assert.equal(standIn.length, 1);
            assert.deepEqual((standIn[0]!["metadata"] as { name: string; namespace: string }).name, "shared-nginx");
            const r = run("verify", "--stack", "nonprod", "--live", write("svc-standin.json", liveList(undefined, standIn)));
            assert.equal(r.code, 0, r.stdout);
        });
    });

    describe("drift (verify --stack --live)", () => {
        it("finds none when the cluster lists exactly what nonprod compiles, server defaults and managedFields included", () => {
            const r = run("verify", "--stack", "nonprod", "--live", write("same.json", liveList()));
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /^drift: none/);
            assert.match(r.stdout, /verify: passed \(0 drift, 0 disagreements\)/);
        });

        it("reads the List from stdin with --live -", () => {
            const r = spawnSync(
                process.execPath,
                ["--require", "tsx/cjs", path.join("scripts", "netpol.ts"), "verify", "--stack", "nonprod", "--live", "-"],
                {
                    cwd: PROJECT_DIR,
                    encoding: "utf8",
                    input: JSON.stringify(liveList()),
                },
            );
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stdout, /^drift: none/);
        });

        it("exits 1 naming a policy that is missing from the cluster", () => {
            const policies = expected.policies
                .map(asServed)
                .filter((p) => (p["metadata"] as { name: string }).name !== "from-cart.api-to-api");
            const r = run("verify", "--stack", "nonprod", "--live", write("removed.json", liveList(policies)));
            assert.equal(r.code, 1);
            assert.match(r.stdout, /drift: 1 difference/);
            assert.match(r.stdout, /policy checkout\/from-cart\.api-to-api: missing from the cluster/);
        });

        it("exits 1 naming the policy whose port was widened, and the rule as it is and as it should be", () => {
            const policies = expected.policies.map(asServed);
            const spec = policyNamed(policies, "payments/from-checkout.api-to-api")["spec"] as { ingress: { ports: object[] }[] };
            spec.ingress[0]!.ports = [{ protocol: "TCP", port: 8443, endPort: 8500 }];
            const r = run("verify", "--stack", "nonprod", "--live", write("widened.json", liveList(policies)));
            assert.equal(r.code, 1);
            assert.match(r.stdout, /policy payments\/from-checkout\.api-to-api: changed/);
            assert.match(
                r.stdout,
                /ingress rule missing: from namespaces \{kubernetes\.io\/metadata\.name=checkout\} and pods \{app=api\} on 8443\/TCP/,
            );
            assert.match(r.stdout, /ingress rule not in the stack: from .* on 8443-8500\/TCP/);
        });

        it("exits 1 naming the policy whose pod selector was changed", () => {
            const policies = expected.policies.map(asServed);
            (policyNamed(policies, "orders/from-checkout.api-to-api")["spec"] as Record<string, unknown>)["podSelector"] = {
                matchLabels: { app: "worker" },
            };
            const r = run("verify", "--stack", "nonprod", "--live", write("selector.json", liveList(policies)));
            assert.equal(r.code, 1);
            assert.match(
                r.stdout,
                /policy orders\/from-checkout\.api-to-api: changed\n {4}- podSelector is \{app=worker\}, the stack selects \{app=api\}/,
            );
        });

        it("reads server defaults as the stack's explicit values: policyTypes from the rules, protocol TCP, an empty selector", () => {
            const compiled: NetworkPolicy = {
                apiVersion: "networking.k8s.io/v1",
                kind: "NetworkPolicy",
                metadata: { name: "p", namespace: "shop" },
                spec: {
                    podSelector: { matchLabels: {} },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ port: 80 }] }],
                    egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.2.0.0/16", "10.1.0.0/16"] } }] }],
                },
            };
            const served = {
                metadata: { name: "p", namespace: "shop", managedFields: [] },
                spec: {
                    podSelector: {},
                    egress: [{ to: [{ ipBlock: { except: ["10.1.0.0/16", "10.2.0.0/16"], cidr: "10.0.0.0/8" } }], ports: null }],
                    ingress: [{ ports: [{ protocol: "TCP", port: 80 }], from: [{ podSelector: { matchLabels: { app: "web" } } }] }],
                },
            };
            const ns = { apiVersion: "v1" as const, kind: "Namespace" as const, metadata: { name: "shop", labels: { team: "web" } } };
            const live = { namespaceLabels: { shop: { team: "web", "kubernetes.io/metadata.name": "shop" } }, policies: [served] };
            assert.deepEqual(driftOf({ namespaces: [ns], policies: [compiled] }, live), []);
        });

        it("names a namespace label that differs or that the stack does not set, and a policy the stack does not have", () => {
            const ns = {
                apiVersion: "v1" as const,
                kind: "Namespace" as const,
                metadata: { name: "shop", labels: { team: "web", zone: "a" } },
            };
            const drift = driftOf(
                { namespaces: [ns], policies: [] },
                {
                    namespaceLabels: { shop: { team: "mobile", extra: "yes" } },
                    policies: [
                        { metadata: { name: "hand-made", namespace: "shop" }, spec: { podSelector: {} } },
                        { metadata: { name: "x", namespace: "other" }, spec: {} },
                    ],
                },
            );
            assert.equal(
                renderDrift(drift),
                [
                    "drift: 2 differences between the cluster and the stack",
                    "  namespace shop:",
                    "    - label team is mobile, the stack sets web",
                    "    - label zone=a is missing",
                    "    - label extra=yes is not set by the stack",
                    "  policy shop/hand-made: in the cluster, not in the stack",
                ].join("\n"),
            );
        });

        it("refuses a List that is not Kubernetes JSON with exit 2", () => {
            const notList = run("verify", "--stack", "nonprod", "--live", write("snapshot.json", { namespaces: {}, pods: [] }));
            assert.equal(notList.code, 2);
            assert.match(notList.stderr, /is not a Kubernetes List/);
            const badItem = run("verify", "--stack", "nonprod", "--live", write("bad-item.json", { kind: "List", items: [{ name: "x" }] }));
            assert.equal(badItem.code, 2);
            assert.match(badItem.stderr, /items\[0\]: not a Kubernetes object/);
            const notJson = run("verify", "--stack", "nonprod", "--live", write("broken.json", "{ not json"));
            assert.equal(notJson.code, 2);
        });
    });

    describe("the probe plan", () => {
        const plan = probePlan(planned, { intent: nonprod.network, managedNamespaces: expected.namespaces.map((n) => n.metadata.name) });

        it("covers every (source class, destination class, port class) of nonprod's plan once, plus DNS, the API server and egress ranges", () => {
            const managed = planned.pods.filter((p) => p.namespace !== "kube-system").map((p) => `${p.namespace}/${p.name}`);
            assert.equal(managed.length, 38);
            assert.equal(plan.sourceClasses, 38);
            assert.equal(plan.portClasses, 15);
            const pairs = new Map<string, number>();
            for (const p of plan.probes.filter((x) => x.purpose === "classes" || x.purpose === "gateway")) {
                const key = `${String(p.from)}>${String(p.to)}`;
                pairs.set(key, (pairs.get(key) ?? 0) + 1);
            }
            for (const a of managed) for (const b of managed) if (a !== b) assert.equal(pairs.get(`${a}>${b}`), 15, `${a} -> ${b}`);
            assert.equal(pairs.size, 38 * 37);
            const count = (purpose: string) => plan.probes.filter((p) => p.purpose === purpose).length;
            assert.equal(count("dns"), 76);
            assert.equal(count("kube-api"), 76);
            assert.equal(count("egress"), 190);
            assert.equal(plan.total, 38 * 37 * 15 + 76 + 76 + 190);
            assert.equal(plan.probes.length, plan.total);
            assert.ok(new Set(plan.probes.map(probeKey)).size === plan.probes.length, "each probe once");
        });

        it("carries the engine's verdict on every probe", () => {
            const model = new ReachabilityModel(planned);
            for (const p of plan.probes.filter((_, i) => i % 97 === 0)) {
                const v = model.evaluate({ from: model.party(p.from), to: model.party(p.to), port: p.port, protocol: p.protocol });
                assert.equal(p.allowed, v.allowed, probeKey(p));
            }
            const flow = plan.probes.find((p) => p.from === "checkout/api" && p.to === "payments/api" && p.port === 8443)!;
            assert.equal(flow.allowed, true);
            const dns = plan.probes.find((p) => p.from === "checkout/api" && p.purpose === "dns" && p.protocol === "UDP")!;
            assert.deepEqual([dns.to, dns.port, dns.allowed], ["kube-system/coredns", 53, true]);
            const gateway = plan.probes.find((p) => p.from === "tools/gateway" && p.to === "checkout/web" && p.port === 8080)!;
            assert.deepEqual([gateway.purpose, gateway.allowed], ["classes", true]);
            assert.equal(plan.probes.find((p) => p.to === "tools/gateway")!.purpose, "gateway");
            const orders = plan.probes.find((p) => p.from === "orders/api" && p.purpose === "egress" && p.port === 5432)!;
            assert.deepEqual(
                [orders.to, orders.allowed, orders.about],
                [{ ip: "10.60.16.1" }, true, "egress destination orders-db: 10.60.16.0/24"],
            );
        });

        it("samples under --max-probes: every allowed and every extra probe, then one denied probe per class pair, then evenly", () => {
            const kept = plan.probes.filter((p) => p.allowed || p.purpose === "dns" || p.purpose === "kube-api" || p.purpose === "egress");
            const bounded = probePlan(planned, { intent: nonprod.network, maxProbes: 3000 });
            assert.equal(bounded.probes.length, 3000);
            assert.equal(bounded.total, plan.total);
            const keys = new Set(bounded.probes.map(probeKey));
            for (const p of kept) assert.ok(keys.has(probeKey(p)), probeKey(p));
            const deniedPairs = (probes: readonly PlannedProbe[]) =>
                new Set(
                    probes
                        .filter((p) => !p.allowed && (p.purpose === "classes" || p.purpose === "gateway"))
                        .map((p) => `${String(p.from)}>${String(p.to)}`),
                );
            // Every pair of classes with a denied connection keeps one; pairs inside a namespace allow every port.
            assert.deepEqual(deniedPairs(bounded.probes), deniedPairs(plan.probes));
            assert.equal(deniedPairs(plan.probes).size, 38 * 37 - 64);
            assert.throws(
                () => probePlan(planned, { intent: nonprod.network, maxProbes: 100 }),
                (e: Error) => e instanceof PlanError && /below the \d+ probes always kept/.test(e.message),
            );
        });

        it("plans 20,868 probes for a running nonprod of about 180 pods, of which the default bound sends at most 82 per source (docs/live-verification.md)", () => {
            // 12+ pods of each app's labels in each namespace; the certificate hook's pod has finished.
            const pods = planned.pods
                .filter((p) => p.name !== "gateway-certs")
                .flatMap((p, i) =>
                    p.namespace === "kube-system"
                        ? [p]
                        : Array.from({ length: 5 }, (_, k) => ({ ...p, name: `${p.name}-${k}`, ip: `10.40.${i}.${k + 10}` })),
                );
            assert.equal(pods.length, 186);
            const apiServer = [
                { ip: "10.40.208.5", port: 443 },
                { ip: "10.40.208.20", port: 443 },
            ];
            const options = { intent: nonprod.network, managedNamespaces: expected.namespaces.map((n) => n.metadata.name), apiServer };
            const full = probePlan({ ...planned, pods }, options);
            assert.deepEqual([full.sourceClasses, full.total], [37, 37 * 37 * 15 + 74 + 74 + 185]);
            const bounded = probePlan({ ...planned, pods }, { ...options, maxProbes: DEFAULT_MAX_PROBES });
            const sent = batchesBySource(bounded.probes).map((b) => b.probes.length);
            assert.deepEqual([sent.length, Math.max(...sent), sent.reduce((a, b) => a + b, 0)], [37, 82, 2806]);
        });

        it("spreads a sample evenly over the list", () => {
            assert.deepEqual(evenly([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3), [0, 3, 6]);
            assert.deepEqual(evenly([1, 2], 5), [1, 2]);
            assert.deepEqual(evenly([1, 2], 0), []);
        });

        it("plans a live List on its running pods, its real API server address, and the stack's ranges", () => {
            const live = readLiveList("small-list.json", JSON.parse(fs.readFileSync(path.join(FIXTURES, "small-list.json"), "utf8")));
            assert.ok(live.ok);
            const small = probePlan(live.cluster.snapshot, { apiServer: live.cluster.apiServer });
            const from = new Set(small.probes.map((p) => String(p.from)));
            assert.deepEqual([...from].sort(), ["shop/api-5c4b8f-m9k2w", "shop/web-7d9f6c-x2x4q"], "the finished migrate pod is no source");
            const api = small.probes.filter((p) => p.purpose === "kube-api");
            assert.deepEqual(
                api.map((p) => [p.to, p.port, p.allowed]),
                [
                    [{ ip: "172.30.0.2" }, 6443, false],
                    [{ ip: "172.30.0.2" }, 6443, false],
                ],
            );
            const web = small.probes.filter((p) => p.from === "shop/web-7d9f6c-x2x4q");
            assert.ok(web.some((p) => p.to === "shop/api-5c4b8f-m9k2w" && p.port === 8443 && p.allowed));
            assert.ok(
                web.some(
                    (p) => p.purpose === "egress" && typeof p.to !== "string" && p.to.ip === "10.60.16.1" && p.port === 5432 && p.allowed,
                ),
            );
        });

        it("netpol probes prints the plan as a JSON array in the snapshot's probe shape with the expected verdict", () => {
            const r = run("probes", path.join(FIXTURES, "small-list.json"), "-o", "json");
            assert.equal(r.code, 0, r.stderr);
            const probes = JSON.parse(r.stdout) as PlannedProbe[];
            assert.ok(Array.isArray(probes) && probes.length > 0);
            assert.deepEqual(Object.keys(probes[0]!), ["from", "to", "port", "protocol", "allowed", "purpose", "about"]);
            const same = run("probes", path.join(FIXTURES, "small-list.json"), "--format", "json");
            assert.equal(same.stdout, r.stdout);
            assert.equal(run("probes", path.join(FIXTURES, "small-list.json"), "-o", "yaml").code, 2);
        });
    });

    describe("the judge (verify --results)", () => {
        const listFile = write("judge-list.json", liveList());
        const plan = probePlan(planned, { intent: nonprod.network, managedNamespaces: expected.namespaces.map((n) => n.metadata.name) });
        /** What a cluster that enforces exactly the engine's verdicts would report. */
        const agreeing = (p: PlannedProbe): Outcome =>
            p.protocol === "UDP" && p.purpose !== "dns" ? "inconclusive" : p.allowed ? "refused" : "timeout";
        const detail = (o: Outcome) => (o === "inconclusive" ? { detail: "UDP without a reply to expect is not probed" } : {});
        const lines = (outcome: (p: PlannedProbe) => Outcome) =>
            plan.probes.map((p) => `${resultLine({ probe: p, outcome: outcome(p), ...detail(outcome(p)) })}\n`).join("");

        it("exits 0 when every outcome matches the engine", () => {
            const r = run("verify", "--stack", "nonprod", "--live", listFile, "--results", write("agree.jsonl", lines(agreeing)));
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.match(
                r.stdout,
                /probes: 21432 judged: 18620 agree with the engine, 0 disagree, 0 unconfirmed \(allowed towards an outside address that did not answer\), 2812 inconclusive\ninconclusive: 2812 probes: UDP without a reply to expect is not probed \(e\.g\. analytics\/etl -> analytics\/web on 7\/UDP\)/,
            );
        });

        it("reads its files from where npm run was run, and refuses an output it cannot write before judging", () => {
            const saved = { event: process.env["npm_lifecycle_event"], cwd: process.env["INIT_CWD"] };
            process.env["npm_lifecycle_event"] = "netpol";
            process.env["INIT_CWD"] = path.dirname(listFile);
            try {
                const relative = run("verify", "--stack", "nonprod", "--live", path.basename(listFile), "--report", "relative-report.json");
                assert.equal(relative.code, 0, relative.stdout + relative.stderr);
                assert.ok(fs.existsSync(path.join(path.dirname(listFile), "relative-report.json")));
                const unwritable = run(
                    "verify",
                    "--stack",
                    "nonprod",
                    "--live",
                    path.basename(listFile),
                    "--report",
                    "no/such/folder/r.json",
                );
                assert.equal(unwritable.code, 2);
                assert.match(unwritable.stderr, /--report .*no\/such\/folder\/r\.json: cannot be written/);
                assert.equal(unwritable.stdout, "", "nothing judged");
            } finally {
                for (const [key, value] of [
                    ["npm_lifecycle_event", saved.event],
                    ["INIT_CWD", saved.cwd],
                ] as const)
                    if (value === undefined) delete process.env[key];
                    else process.env[key] = value;
            }
        });

        it("fails a run with results missing, or with TCP probes that gave no verdict: it proved nothing", () => {
            const one = plan.probes.find((p) => p.protocol === "TCP")!;
            const partial = run(
                "verify",
                "--stack",
                "nonprod",
                "--live",
                listFile,
                "--results",
                write("one.jsonl", `${resultLine({ probe: one, outcome: agreeing(one) })}\n`),
            );
            assert.equal(partial.code, 1, partial.stdout);
            assert.match(partial.stdout, /probes: incomplete: 21431 planned probes have no result and 0 TCP or DNS probes gave no verdict/);
            assert.match(partial.stdout, /verify: FAILED/);
            const silent = run(
                "verify",
                "--stack",
                "nonprod",
                "--live",
                listFile,
                "--results",
                write(
                    "silent.jsonl",
                    lines(() => "inconclusive"),
                ),
            );
            assert.equal(silent.code, 1, silent.stdout);
            assert.match(silent.stdout, /18620 TCP or DNS probes gave no verdict/);
        });

        it("exits 1 naming the probe and the policies behind the engine's verdict when one outcome flips", () => {
            const flipped = (p: PlannedProbe): Outcome =>
                p.from === "checkout/api" && p.to === "payments/api" && p.port === 8443 ? "timeout" : agreeing(p);
            const report = path.join(tmp, "report.json");
            const r = run(
                "verify",
                "--stack",
                "nonprod",
                "--live",
                listFile,
                "--results",
                write("flip.jsonl", lines(flipped)),
                "--report",
                report,
            );
            assert.equal(r.code, 1);
            assert.match(r.stdout, /1 disagree/);
            assert.match(
                r.stdout,
                /DISAGREES: checkout\/api -> payments\/api on 8443\/TCP \(ports 8443\/TCP\): the engine says allowed, the cluster dropped it \(timeout\)\n {2}egress: checkout\/from-api-to-payments\.api; ingress: payments\/from-checkout\.api-to-api/,
            );
            assert.match(r.stdout, /verify: FAILED \(0 drift, 1 disagreement\)/);
            const body = JSON.parse(fs.readFileSync(report, "utf8")) as Record<string, unknown>;
            assert.deepEqual(
                [body["stack"], body["passed"], body["probed"], body["promotionDigest"]],
                ["nonprod", false, true, expected.promotionDigest],
            );
        });

        it("probes from a Running pod of a class, never from a Pending one that sorts first", () => {
            const pod = (name: string, ip: string, phase: string) => ({
                namespace: "a",
                name,
                labels: { app: "web" },
                ip,
                ports: [],
                phase,
            });
            const snapshot: Snapshot = {
                namespaces: { a: {} },
                pods: [pod("web-1", "10.0.0.1", "Pending"), pod("web-2", "10.0.0.2", "Running"), pod("web-3", "10.0.0.3", "Running")],
                policies: [],
            };
            const plan = probePlan(snapshot, { managedNamespaces: ["a"] });
            assert.ok(plan.probes.length > 0);
            assert.deepEqual([...new Set(plan.probes.map((p) => p.from))], ["a/web-2"]);
            assert.deepEqual([...new Set(plan.probes.map((p) => p.to))], ["a/web-3"]);
        });

        it("gives an internal error exit code 3, never 1 (drift or disagreement)", () => {
            let stderr = "";
            const code = exitCodeOf(new Error("boom"), { stdout: () => undefined, stderr: (t) => void (stderr += t) });
            assert.equal(code, 3);
            assert.match(stderr, /^internal error: Error: boom/);
        });

        it("refuses with exit 2, before judging, a --report or --out it cannot write", () => {
            const r = run("verify", "--stack", "nonprod", "--live", listFile, "--report", path.join(tmp, "no-such-folder", "report.json"));
            assert.equal(r.code, 2, r.stdout + r.stderr);
            assert.match(r.stderr, /^--report .*report\.json: cannot be written/);
            assert.equal(r.stdout, "");
            const out = run("verify", "--stack", "nonprod", "--live", listFile, "--out", tmp);
            assert.equal(out.code, 2, out.stdout + out.stderr);
        });

        it("counts an allowed probe to an outside stand-in address that timed out as unconfirmed, and UDP without a reply as inconclusive", () => {
            const egress = plan.probes.find((p) => p.purpose === "egress" && p.allowed)!;
            const udp = plan.probes.find((p) => p.protocol === "UDP" && p.purpose !== "dns")!;
            const results: ProbeResult[] = [
                { probe: egress, outcome: "timeout" },
                { probe: udp, outcome: "inconclusive", detail: "UDP without a reply to expect is not probed" },
            ];
            const judged = judgeResults(new ReachabilityModel(planned), plan.probes, results);
            assert.deepEqual(judged.counts, { agrees: 0, disagrees: 0, unconfirmed: 1, inconclusive: 1 });
            assert.equal(judged.notRun, plan.probes.length - 2);
            assert.match(renderJudgement(judged), /1 unconfirmed .* 1 inconclusive; 21430 planned probes have no result/);
        });

        it("refuses with exit 2 a results file whose probes are not in the plan, or whose outcomes are unknown", () => {
            const stranger = JSON.stringify({
                from: "checkout/api",
                to: { ip: "192.0.2.1" },
                port: 22,
                protocol: "TCP",
                outcome: "timeout",
            });
            const r = run("verify", "--stack", "nonprod", "--live", listFile, "--results", write("stranger.jsonl", `${stranger}\n`));
            assert.equal(r.code, 2);
            assert.match(r.stderr, /stranger\.jsonl:1: checkout\/api>192\.0\.2\.1:22\/TCP is not a probe of the plan/);
            const p = plan.probes[0]!;
            const odd = parseResults("odd.jsonl", `${JSON.stringify({ ...p, outcome: "dropped" })}\nnot json\n`, plan.probes);
            assert.deepEqual(odd, {
                ok: false,
                problems: [
                    'odd.jsonl:1: outcome "dropped" is not one of connected, refused, timeout, inconclusive',
                    "odd.jsonl:2: not a JSON object",
                ],
            });
            assert.deepEqual(parseResults("empty.jsonl", "\n", plan.probes), { ok: false, problems: ["empty.jsonl: holds no results"] });
            assert.equal(run("verify", "--stack", "nonprod", "--results", "x.jsonl").code, 2, "--results needs --live");
        });
    });

    describe("the runner", () => {
        const settings: RunnerSettings = { mode: "ephemeral", timeoutSeconds: 2, parallel: 2, runId: "abc123", image: AGNHOST_IMAGE };
        const probe = (
            to: PlannedProbe["to"],
            port: number,
            protocol: PlannedProbe["protocol"],
            purpose: PlannedProbe["purpose"] = "classes",
        ): PlannedProbe => ({
            from: "shop/web-1",
            to,
            port,
            protocol,
            allowed: true,
            purpose,
            about: "",
        });

        it("groups probes by source pod, sending UDP only as a DNS query and leaving other UDP inconclusive unsent", () => {
            const batches = batchesBySource([
                probe("shop/api-1", 8443, "TCP"),
                probe("kube-system/coredns", 53, "UDP", "dns"),
                probe("shop/api-1", 7, "UDP"),
                { ...probe("shop/web-1", 8080, "TCP"), from: "other/x" },
            ]);
            assert.deepEqual(
                batches.map((b) => [
                    b.namespace,
                    b.pod,
                    b.probes.map((p) => `${p.port}/${p.protocol}`),
                    b.notRunnable.map((r) => [r.outcome, r.detail]),
                ]),
                [
                    ["other", "x", ["8080/TCP"], []],
                    ["shop", "web-1", ["8443/TCP", "53/UDP"], [["inconclusive", "UDP without a reply to expect is not probed"]]],
                ],
            );
        });

        it("adds an ephemeral container that meets Pod Security restricted, pinned by digest, with the probes as arguments", () => {
            const patch = ephemeralContainerPatch(["T,10.0.0.5,8443", "U,10.0.0.9,53"], settings) as {
                spec: { ephemeralContainers: Record<string, unknown>[] };
            };
            const [c] = patch.spec.ephemeralContainers;
            assert.equal(c!["name"], "netpol-probe-abc123");
            assert.match(String(c!["image"]), /^registry\.k8s\.io\/e2e-test-images\/agnhost:2\.53@sha256:[0-9a-f]{64}$/);
            assert.deepEqual(c!["securityContext"], {
                runAsNonRoot: true,
                runAsUser: 65534,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            });
            const command = c!["command"] as string[];
            assert.deepEqual(
                [command[0], command[1], ...command.slice(3)],
                ["/bin/sh", "-c", "netpol-probe", "T,10.0.0.5,8443", "U,10.0.0.9,53"],
            );
            assert.deepEqual(addEphemeralCall({ namespace: "shop", pod: "web-1" }, patch).args.slice(0, 9), [
                "patch",
                "pod",
                "web-1",
                "--namespace",
                "shop",
                "--subresource",
                "ephemeralcontainers",
                "--type",
                "strategic",
            ]);
        });

        it("builds probe pods with the source's labels, a run label for cleanup and a readiness probe that never succeeds", () => {
            const pod = probePodManifest({ namespace: "shop", name: "web-7d9f6c-x2x4q", labels: { app: "web" } }, ["T,10.0.0.5,8443"], {
                ...settings,
                mode: "pods",
            }) as {
                metadata: { name: string; labels: Record<string, string> };
                spec: { restartPolicy: string; containers: { readinessProbe: unknown }[] };
            };
            assert.equal(pod.metadata.name, "web-7d9f6c-x2x4q-probe-abc123");
            assert.deepEqual(pod.metadata.labels, { app: "web", "k8s-platform/netpol-probe": "abc123" });
            assert.equal(pod.spec.restartPolicy, "Never");
            assert.deepEqual(pod.spec.containers[0]!.readinessProbe, { exec: { command: ["/bin/false"] }, periodSeconds: 60 });
            assert.equal(probePodName("x".repeat(80), settings).length, 63);
            assert.deepEqual(cleanupCall(settings).args.slice(0, 5), [
                "delete",
                "pods",
                "--all-namespaces",
                "--selector",
                "k8s-platform/netpol-probe=abc123",
            ]);
        });

        it("runs its script in a shell: one line per probe with the tool's exit code and message, a few at a time", () => {
            // Inside this file's folder, removed with it.
            const bin = fs.mkdtempSync(path.join(tmp, "probe-tools-"));
            const agnhost = path.join(bin, "agnhost");
            const dig = path.join(bin, "dig");
            // Stand-ins with agnhost connect's and dig's contract: the real tools are in the probe image.
            fs.writeFileSync(
                agnhost,
                '#!/bin/sh\ncase "$4" in *:80) exit 0 ;; *:81) echo "REFUSED: connection refused" >&2; exit 1 ;; *) printf "TIMEOUT: i/o timeout\\nafter 2s" >&2; exit 1 ;; esac\n',
                { mode: 0o755 },
            );
            fs.writeFileSync(dig, "#!/bin/sh\nexit 9\n", { mode: 0o755 });
            const probes = [
                probe("a/b", 80, "TCP"),
                probe("a/b", 81, "TCP"),
                probe({ ip: "fd00::1" }, 82, "TCP"),
                probe("kube-system/coredns", 53, "UDP", "dns"),
            ];
            const args = probeArguments(probes, ["10.0.0.1", "10.0.0.1", "fd00::1", "10.0.0.2"]);
            assert.deepEqual(args, ["T,10.0.0.1,80", "T,10.0.0.1,81", "T,fd00::1,82", "U,10.0.0.2,53"]);
            const out = spawnSync("sh", ["-c", probeScript(settings, { agnhost, dig }), "netpol-probe", ...args], { encoding: "utf8" });
            assert.equal(out.status, 0, out.stderr);
            const lines = out.stdout.trim().split("\n").sort();
            assert.deepEqual(lines, [
                "netpol-probe 0 0 ",
                "netpol-probe 1 1 REFUSED: connection refused",
                "netpol-probe 2 1 TIMEOUT: i/o timeout after 2s",
                "netpol-probe 3 9 ",
                "netpol-probe done",
            ]);
            assert.deepEqual(
                readProbeLog(out.stdout, probes).map((r) => r.outcome),
                ["connected", "refused", "timeout", "timeout"],
            );
        });

        it("classifies each tool's answer, and a probe without a line as inconclusive", () => {
            assert.deepEqual(classifyProbe("connect", 0, ""), { outcome: "connected" });
            assert.deepEqual(classifyProbe("connect", 1, "REFUSED: dial tcp 10.0.0.1:81: connect: connection refused"), {
                outcome: "refused",
            });
            assert.deepEqual(classifyProbe("connect", 1, "TIMEOUT: dial tcp 10.0.0.1:82: i/o timeout"), { outcome: "timeout" });
            assert.deepEqual(classifyProbe("connect", 1, "OTHER: dial tcp: connect: no route to host"), {
                outcome: "inconclusive",
                detail: "OTHER: dial tcp: connect: no route to host",
            });
            assert.deepEqual(classifyProbe("dig", 0, ""), { outcome: "connected" });
            assert.deepEqual(classifyProbe("dig", 9, ""), { outcome: "timeout" });
            assert.equal(classifyProbe("dig", 1, "usage").outcome, "inconclusive");
            const [missing] = readProbeLog("netpol-probe 1 0 \n", [probe("a/b", 80, "TCP")]);
            assert.deepEqual(
                [missing!.outcome, missing!.detail],
                ["inconclusive", "no result: the probe container ended before this probe reported"],
            );
        });

        it("reads the probe container's state: done, running, or stuck on an image that cannot be pulled", () => {
            const pod = (state: unknown) => ({ status: { ephemeralContainerStatuses: [{ name: "netpol-probe-abc123", state }] } });
            assert.deepEqual(containerState(pod({ terminated: { exitCode: 0 } }), "netpol-probe-abc123", true), {
                kind: "done",
                exitCode: 0,
            });
            assert.deepEqual(containerState(pod({ running: {} }), "netpol-probe-abc123", true), { kind: "running" });
            assert.deepEqual(containerState(pod({ waiting: { reason: "ContainerCreating" } }), "netpol-probe-abc123", true), {
                kind: "pending",
            });
            assert.deepEqual(
                containerState(
                    pod({ waiting: { reason: "ImagePullBackOff", message: "Back-off pulling image" } }),
                    "netpol-probe-abc123",
                    true,
                ),
                {
                    kind: "failed",
                    reason: "ImagePullBackOff",
                    message: "Back-off pulling image",
                },
            );
            assert.deepEqual(containerState({ status: {} }, "netpol-probe-abc123", true), { kind: "pending" });
        });

        it("names the verb and resource RBAC forbids, and tells an unreachable API from other failures", () => {
            const forbidden = classifyKubectlError(
                'Error from server (Forbidden): pods "web-1" is forbidden: User "ci" cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "shop"',
            );
            assert.deepEqual(
                [forbidden.kind, "verb" in forbidden && forbidden.verb, "resource" in forbidden && forbidden.resource],
                ["forbidden", "patch", "pods/ephemeralcontainers"],
            );
            const netpols = classifyKubectlError(
                'User "ci" cannot list resource "networkpolicies" in API group "networking.k8s.io" at the cluster scope',
            );
            assert.match(
                describeKubectlProblem(netpols),
                /^RBAC forbids it: the verify needs "list" on "networkpolicies\.networking\.k8s\.io"/,
            );
            assert.equal(
                classifyKubectlError("The connection to the server localhost:8080 was refused - did you specify the right host or port?")
                    .kind,
                "unreachable",
            );
            assert.equal(classifyKubectlError("Unable to connect to the server: dial tcp: lookup x: no such host").kind, "unreachable");
            assert.equal(
                classifyKubectlError('pods "p" is forbidden: violates PodSecurity "restricted:v1.33": runAsNonRoot != true').kind,
                "pod-security",
            );
            assert.equal(classifyKubectlError("error: something else").kind, "other");
        });

        it("reads only what the CI preview role's read-all group may list, the gateway's Services included", () => {
            // The drift job runs verify --live as that role (drift.yml): every kind the List holds must be granted.
            const granted = (p: { verb: string; resource: string }) => {
                const [resource, ...group] = p.resource.split(".");
                return PREVIEW_READ_RULES.some(
                    (r) =>
                        r.apiGroups.includes(group.join(".")) &&
                        (r.resources.includes(resource!) || r.resources.includes("*")) &&
                        r.verbs.includes(p.verb),
                );
            };
            const reads = requiredPermissions(undefined, []);
            assert.deepEqual(
                reads.map((p) => p.resource),
                ["namespaces", "pods", "networkpolicies.networking.k8s.io", "endpointslices.discovery.k8s.io", "services"],
            );
            assert.deepEqual(
                reads.filter((p) => !granted(p)),
                [],
            );
            assert.equal(granted({ verb: "list", resource: "secrets" }), false);
        });

        it("asks for exactly the RBAC verbs each mode needs", () => {
            const asked = (mode: "ephemeral" | "pods" | undefined) =>
                requiredPermissions(mode, ["shop"]).map((p) => canICall(p).args.join(" "));
            const read = [
                "auth can-i list namespaces --all-namespaces",
                "auth can-i list pods --all-namespaces",
                "auth can-i list networkpolicies.networking.k8s.io --all-namespaces",
                "auth can-i list endpointslices.discovery.k8s.io --all-namespaces",
                "auth can-i list services --all-namespaces",
            ];
            assert.deepEqual(asked(undefined), read);
            assert.deepEqual(asked("ephemeral"), [
                ...read,
                "auth can-i patch pods/ephemeralcontainers --namespace shop",
                "auth can-i get pods --namespace shop",
                "auth can-i get pods/log --namespace shop",
            ]);
            assert.deepEqual(asked("pods"), [
                ...read,
                "auth can-i create pods --namespace shop",
                "auth can-i get pods --namespace shop",
                "auth can-i get pods/log --namespace shop",
                "auth can-i delete pods --namespace shop",
            ]);
        });
    });

    describe("the kind job's inputs", () => {
        const kindFile = path.join(PROJECT_DIR, "live", "kind", "Pulumi.kind.yaml");

        it("the kind stack is nonprod's stack file apart from the cluster's name and address ranges", () => {
            const config = (file: string) =>
                (parse(fs.readFileSync(file, "utf8")) as { config: Record<string, Record<string, unknown>> }).config;
            const [kind, np] = [config(kindFile), config(path.join(PROJECT_DIR, "Pulumi.nonprod.yaml"))];
            const strip = (c: Record<string, Record<string, unknown>>) => ({
                ...c,
                "k8s-platform:cluster": { ...c["k8s-platform:cluster"], name: "", vpc: "" },
                "k8s-platform:gateway": { ...c["k8s-platform:gateway"], loadBalancerController: "" },
            });
            assert.deepEqual(strip(kind), strip(np));
            const kindConfig = loadStack(kindFile);
            assert.deepEqual(kindConfig.network.addresses, { podCidrs: ["10.244.0.0/16"], controlPlaneCidrs: ["172.30.0.2/32"] });
            // The same intent as nonprod's but for the address ranges and the API server's port (kubeadm's 6443).
            const kubeApi = kindConfig.network.platform.connections.filter((c) => c.to.kind === "kubeApi").map((c) => c.ports);
            // The gateway's controller and hook Job, cert-manager's three pods, the load balancer controller.
            assert.deepEqual(
                kubeApi,
                Array.from({ length: 7 }, () => [{ protocol: "TCP", port: 6443 }]),
            );
            const apart = (n: typeof nonprod.network) => ({
                ...n,
                addresses: undefined,
                platform: {
                    ...n.platform,
                    connections: n.platform.connections.map((c) => (c.to.kind === "kubeApi" ? { ...c, ports: [] } : c)),
                    // The load balancer's subnets are an address range like the others (kind has none).
                    outside: n.platform.outside.map((o) => (o.name === "load-balancer" ? { ...o, rule: undefined } : o)),
                },
            });
            assert.deepEqual(apart(kindConfig.network), apart(nonprod.network));
        });

        it("starts one representative pod per app and platform workload, with its labels, serving its ports, restricted", () => {
            const list = representativePods(planned, AGNHOST_IMAGE) as {
                items: { metadata: { name: string; namespace: string; labels: Record<string, string> }; spec: Record<string, unknown> }[];
            };
            assert.equal(list.items.length, 38, "every pod of the plan but CoreDNS, which kind runs itself");
            const api = list.items.find((p) => p.metadata.namespace === "payments" && p.metadata.name === "api")!;
            assert.deepEqual(api.metadata.labels, { app: "api", "k8s-platform/representative": "true" });
            const [container] = api.spec["containers"] as Record<string, unknown>[];
            assert.deepEqual(container!["args"], ["porter"]);
            assert.deepEqual(container!["env"], [{ name: "SERVE_PORT_8443", value: "payments/api" }]);
            assert.equal(container!["image"], AGNHOST_IMAGE);
            const gateway = list.items.find((p) => p.metadata.namespace === "tools" && p.metadata.name === "gateway")!;
            assert.deepEqual((gateway.spec["securityContext"] as Record<string, unknown>)["sysctls"], [
                { name: "net.ipv4.ip_unprivileged_port_start", value: "0" },
            ]);
            const printed = run("workloads", "--stack", kindFile);
            assert.equal(printed.code, 0, printed.stderr);
            const items = (JSON.parse(printed.stdout) as { items: { kind: string; metadata: unknown; spec: Record<string, unknown> }[] })
                .items;
            assert.equal(items.filter((i) => i.kind === "Pod").length, 38);
            // And the gateway's Service as NGF would make it, with the kind stack's client ranges.
            const services = items.filter((i) => i.kind === "Service");
            assert.equal(services.length, 1);
            assert.deepEqual(services[0]!.metadata, {
                name: "shared-nginx",
                namespace: "tools",
                labels: {
                    "app.kubernetes.io/instance": "ngf",
                    "app.kubernetes.io/managed-by": "ngf-nginx",
                    "app.kubernetes.io/name": "shared-nginx",
                    "gateway.networking.k8s.io/gateway-name": "shared",
                    "k8s-platform/representative": "true",
                },
                annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" },
            });
            assert.equal(services[0]!.spec["loadBalancerClass"], "service.k8s.aws/nlb");
            assert.deepEqual(services[0]!.spec["loadBalancerSourceRanges"], [
                "10.0.0.0/9",
                "10.128.0.0/10",
                "10.192.0.0/11",
                "10.224.0.0/12",
                "10.240.0.0/14",
                "10.245.0.0/16",
                "10.246.0.0/15",
                "10.248.0.0/13",
                "203.0.113.0/24",
            ]);
        });
    });

    describe("the promotion's verify rule", () => {
        const config = { after: "organization/k8s-platform/nonprod", override: false };
        const evidence = { stack: "nonprod", promotionDigest: "sha256:aa", passed: true, live: true };

        it("passes a passing verify of the same policy set; refuses another set, a failed verify or none; the override lets it through", () => {
            assert.equal(judgeVerification(undefined, "sha256:aa", undefined).kind, "not-configured");
            assert.equal(judgeVerification(config, "sha256:aa", evidence).kind, "passed");
            assert.match(
                JSON.stringify(judgeVerification(config, "sha256:bb", evidence)),
                /judged the policy set sha256:aa, not this stack's sha256:bb/,
            );
            assert.equal(judgeVerification(config, "sha256:aa", { ...evidence, passed: false }).kind, "blocked");
            assert.equal(judgeVerification(config, "sha256:aa", undefined).kind, "blocked");
            // Only a live verify of the stack that goes first counts: not prod's own, not recorded results.
            assert.match(
                JSON.stringify(judgeVerification(config, "sha256:aa", { ...evidence, stack: "prod" })),
                /the verify report is of stack prod, not of organization\/k8s-platform\/nonprod/,
            );
            assert.match(
                JSON.stringify(judgeVerification(config, "sha256:aa", { ...evidence, live: false })),
                /judged recorded results \(--results\), not a run in the cluster/,
            );
            assert.deepEqual(judgeVerification({ ...config, override: true, reason: "nonprod down" }, "sha256:aa", undefined), {
                kind: "overridden",
                message: "verify gate: OVERRIDDEN (nonprod down): no verify report of organization/k8s-platform/nonprod",
            });
        });

        it("verify --stack prod --evidence checks nonprod's report against prod's own policy set", () => {
            const prod = stackExpectation(loadStack("prod"));
            const report = (body: unknown) => write("evidence.json", body);
            const ok = run(
                "verify",
                "--stack",
                "prod",
                "--evidence",
                report({ stack: "nonprod", passed: true, promotionDigest: prod.promotionDigest, probed: true, source: "live" }),
            );
            assert.equal(ok.code, 0, ok.stdout + ok.stderr);
            assert.match(ok.stdout, /verify gate: passed/);
            const other = run("verify", "--stack", "prod", "--evidence", report({ ...evidence, probed: true, source: "live" }));
            assert.equal(other.code, 1);
            // A report judged on recorded results is no evidence.
            const recorded = run(
                "verify",
                "--stack",
                "prod",
                "--evidence",
                report({ stack: "nonprod", passed: true, promotionDigest: prod.promotionDigest, probed: true, source: "recorded" }),
            );
            assert.equal(recorded.code, 1, recorded.stdout);
            assert.equal(other.code, 1);
            assert.equal(run("verify", "--stack", "prod", "--evidence", path.join(tmp, "none.json")).code, 1);
            assert.equal(
                run(
                    "verify",
                    "--stack",
                    "prod",
                    "--evidence",
                    report({ ...evidence, promotionDigest: prod.promotionDigest, probed: false }),
                ).code,
                2,
            );
        });
    });

    it("verify --help and probes --help exit 0", () => {
        for (const command of ["verify", "probes", "workloads"]) {
            const r = run(command, "--help");
            assert.equal(r.code, 0);
            assert.match(r.stdout, new RegExp(`usage: npm run --silent netpol -- ${command}`));
        }
        assert.match(run("verify", "--help").stdout, /patch on\s+pods\/ephemeralcontainers/);
    });
});

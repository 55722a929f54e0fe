import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import { stringify } from "yaml";
import { ReachabilityModel } from "../engine/evaluate";
import { NetworkPolicy } from "../engine/k8s";
import { evaluateSnapshot, explain, toResult } from "../engine/report";
import { Pod, Snapshot, leftOutCounts, leftOutSummary, parseSnapshot, parseSnapshotDocuments } from "../engine/snapshot";
import { PROJECT_DIR } from "./harness";

/** The example snapshots of SNAPSHOT.md, each probe with the verdict Kubernetes gives (engine/SNAPSHOT.md). */
const EXAMPLES = path.join(PROJECT_DIR, "test", "fixtures", "netpol");

function load(file: string): { raw: { probes: { allowed: boolean }[] }; snapshot: Snapshot } {
    const raw = JSON.parse(fs.readFileSync(file, "utf8"));
    const parsed = parseSnapshot(raw);
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
    return { raw, snapshot: parsed.snapshot };
}

describe("the reachability engine on the example snapshots", () => {
    const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith(".json"));

    it("finds the six example snapshots in the repository", () => {
        assert.deepEqual(files, [
            "cross-namespace-pod.json",
            "default-deny-ingress.json",
            "egress-deny-with-dns.json",
            "ipblock-except.json",
            "match-expressions.json",
            "named-port-and-range.json",
        ]);
    });

    for (const file of files) {
        it(`reproduces every expected verdict of ${file}`, () => {
            const { raw, snapshot } = load(path.join(EXAMPLES, file));
            const { verdicts } = evaluateSnapshot(snapshot);
            assert.deepEqual(
                verdicts.map((v) => v.verdict.allowed),
                raw.probes.map((p) => p.allowed),
            );
        });
    }

    it("prints SNAPSHOT.md's JSON results through the command line, in probe order", () => {
        const out = execFileSync(
            "npm",
            ["run", "--silent", "netpol", "--", "evaluate", path.join(EXAMPLES, "cross-namespace-pod.json"), "--format", "json"],
            {
                cwd: PROJECT_DIR,
                encoding: "utf8",
            },
        );
        const results = JSON.parse(out).results;
        assert.equal(results.length, 6);
        assert.deepEqual(results[0], {
            from: "ns-2/client",
            to: "ns-1/web",
            port: 80,
            protocol: "TCP",
            allowed: true,
            egress: { allowed: true, isolated: false, allowedBy: [] },
            ingress: {
                allowed: true,
                isolated: true,
                allowedBy: ["ns-1/web-from-ns-2-client"],
                isolatedBy: ["ns-1/default-deny-ingress", "ns-1/web-from-ns-2-client"],
            },
        });
        assert.deepEqual(results[3].ingress, {
            allowed: false,
            isolated: true,
            allowedBy: [],
            isolatedBy: ["ns-1/default-deny-ingress", "ns-1/web-from-ns-2-client"],
        });
    });

    it("reads a snapshot written as YAML", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netpol-yaml-"));
        const file = path.join(dir, "ipblock-except.yaml");
        let out: string;
        try {
            fs.writeFileSync(file, stringify(JSON.parse(fs.readFileSync(path.join(EXAMPLES, "ipblock-except.json"), "utf8"))));
            out = execFileSync("npm", ["run", "--silent", "netpol", "--", "evaluate", file, "--format", "json"], {
                cwd: PROJECT_DIR,
                encoding: "utf8",
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        assert.deepEqual(
            JSON.parse(out).results.map((r: { allowed: boolean }) => r.allowed),
            [true, false, false, false, true, true],
        );
    });

    it("explains a denial by the policies that select the destination and why none admits", () => {
        const run = spawnSync(
            "npm",
            ["run", "--silent", "netpol", "--", "explain", path.join(EXAMPLES, "cross-namespace-pod.json"), "ns-2/other", "ns-1/web", "80"],
            {
                cwd: PROJECT_DIR,
                encoding: "utf8",
            },
        );
        assert.equal(run.status, 1, "explain exits 1 on a denied connection");
        assert.equal(
            run.stdout,
            [
                "ns-2/other -> ns-1/web on 80/TCP: DENIED",
                "  Egress from ns-2/other: allowed; no policy selects ns-2/other for Egress, so it is not isolated.",
                "  Ingress to ns-1/web: denied; selected for Ingress by ns-1/default-deny-ingress, ns-1/web-from-ns-2-client.",
                "    - ns-1/default-deny-ingress selects {} (everything) and has no ingress rules: it only isolates.",
                "    - ns-1/web-from-ns-2-client ingress[0]: ns-2/other matches none of its peers (pods {app=client} in namespaces {kubernetes.io/metadata.name=ns-2}), the port matches.",
                "  Denied because the ingress half is not admitted; a connection needs both.",
                "",
            ].join("\n"),
        );
    });
});

// A two-namespace world for corner cases.
function world(policies: NetworkPolicy[]): ReachabilityModel {
    return new ReachabilityModel({
        namespaces: { a: { "kubernetes.io/metadata.name": "a", env: "prod" }, b: { "kubernetes.io/metadata.name": "b" } },
        pods: [
            { namespace: "a", name: "srv", labels: { app: "srv" }, ip: "10.0.0.1", ports: [{ name: "http", port: 8080, protocol: "TCP" }] },
            { namespace: "a", name: "cli", labels: { app: "cli" }, ip: "10.0.0.2", ports: [] },
            { namespace: "b", name: "cli", labels: { app: "cli" }, ip: "10.0.1.2", ports: [] },
            { namespace: "b", name: "bare", labels: {}, ip: "10.0.1.3", ports: [] },
        ],
        policies,
    });
}
const np = (namespace: string, name: string, spec: NetworkPolicy["spec"]): NetworkPolicy => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace },
    spec,
});
function allowed(model: ReachabilityModel, from: string, to: string, port = 8080, protocol: "TCP" | "UDP" = "TCP"): boolean {
    const party = (ref: string) => model.party(/^\d/.test(ref) ? { ip: ref } : ref);
    return model.evaluate({ from: party(from), to: party(to), port, protocol }).allowed;
}

describe("Kubernetes corner cases", () => {
    it("ORs a namespaceSelector and a podSelector given as two peers", () => {
        const m = world([
            np("a", "p", {
                podSelector: { matchLabels: { app: "srv" } },
                ingress: [
                    {
                        from: [
                            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "b" } } },
                            { podSelector: { matchLabels: { app: "cli" } } },
                        ],
                    },
                ],
            }),
        ]);
        assert.equal(allowed(m, "b/bare", "a/srv"), true, "any pod of b via the namespace peer");
        assert.equal(allowed(m, "a/cli", "a/srv"), true, "cli of a via the pod peer");
    });

    it("ANDs them in one peer", () => {
        const m = world([
            np("a", "p", {
                podSelector: { matchLabels: { app: "srv" } },
                ingress: [
                    {
                        from: [
                            {
                                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "b" } },
                                podSelector: { matchLabels: { app: "cli" } },
                            },
                        ],
                    },
                ],
            }),
        ]);
        assert.equal(allowed(m, "b/cli", "a/srv"), true);
        assert.equal(allowed(m, "b/bare", "a/srv"), false);
        assert.equal(allowed(m, "a/cli", "a/srv"), false);
    });

    it("treats ingress: [] as deny-all and an absent ingress with policyTypes Ingress the same", () => {
        assert.equal(allowed(world([np("a", "p", { podSelector: {}, ingress: [] })]), "b/cli", "a/srv"), false);
        assert.equal(allowed(world([np("a", "p", { podSelector: {}, policyTypes: ["Ingress"] })]), "b/cli", "a/srv"), false);
    });

    it("treats a rule with no peers as allowing every source, outside addresses included", () => {
        const m = world([np("a", "p", { podSelector: {}, ingress: [{ ports: [{ port: 8080 }] }] })]);
        assert.equal(allowed(m, "203.0.113.9", "a/srv"), true);
        assert.equal(allowed(m, "203.0.113.9", "a/srv", 9090), false);
    });

    it("isolates egress only when policyTypes says so or the policy has egress rules (egress: [] adds nothing)", () => {
        assert.equal(allowed(world([np("a", "p", { podSelector: {}, egress: [] })]), "a/cli", "b/cli"), true);
        assert.equal(allowed(world([np("a", "p", { podSelector: {}, policyTypes: ["Egress"] })]), "a/cli", "b/cli"), false);
        assert.equal(allowed(world([np("a", "p", { podSelector: {}, egress: [{ to: [{ podSelector: {} }] }] })]), "a/cli", "b/cli"), false);
    });

    it("lets NotIn match a pod without the key, and DoesNotExist too", () => {
        const m = world([
            np("a", "p", {
                podSelector: { matchLabels: { app: "srv" } },
                ingress: [
                    {
                        from: [
                            {
                                namespaceSelector: {},
                                podSelector: { matchExpressions: [{ key: "app", operator: "NotIn", values: ["cli"] }] },
                            },
                        ],
                    },
                ],
            }),
        ]);
        assert.equal(allowed(m, "b/bare", "a/srv"), true);
        assert.equal(allowed(m, "b/cli", "a/srv"), false);
    });

    it("resolves a named port against the destination pod's container ports, per protocol", () => {
        const m = world([np("a", "p", { podSelector: {}, ingress: [{ ports: [{ port: "http" }] }] })]);
        assert.equal(allowed(m, "b/cli", "a/srv", 8080), true);
        assert.equal(allowed(m, "b/cli", "a/srv", 8080, "UDP"), false);
        assert.equal(allowed(m, "b/cli", "a/cli", 8080), false, "a/cli declares no port named http");
    });

    it("matches pod addresses against ipBlock, as Calico does, minus except", () => {
        const m = world([
            np("a", "p", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.1.0/24", except: ["10.0.1.3/32"] } }] }] }),
        ]);
        assert.equal(allowed(m, "b/cli", "a/srv"), true);
        assert.equal(allowed(m, "b/bare", "a/srv"), false);
    });

    it("matches IPv6 ipBlocks and never matches an IPv4 address against them", () => {
        const m = world([
            np("a", "p", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "2001:db8::/32", except: ["2001:db8:1::/48"] } }] }] }),
        ]);
        assert.equal(allowed(m, "2001:db8::5", "a/srv"), true);
        assert.equal(allowed(m, "2001:db8:1::5", "a/srv"), false);
        assert.equal(allowed(m, "32.1.13.184", "a/srv"), false);
    });

    it("always lets a pod reach itself", () => {
        assert.equal(allowed(world([np("a", "p", { podSelector: {}, policyTypes: ["Ingress", "Egress"] })]), "a/srv", "a/srv"), true);
    });
});

describe("the full matrix without probes", () => {
    it("judges every ordered pair of distinct pods on every port the destination declares", () => {
        const { raw, snapshot } = load(path.join(EXAMPLES, "default-deny-ingress.json"));
        void raw;
        const { verdicts } = evaluateSnapshot({ ...snapshot, probes: undefined });
        assert.equal(verdicts.length, 12);
        const allowed = verdicts.filter((v) => v.verdict.allowed).map((v) => `${v.probe.from} -> ${v.probe.to} ${v.probe.port}`);
        assert.deepEqual(allowed, [
            "ns-1/web -> ns-2/client 80",
            "ns-1/web -> ns-2/other 80",
            "ns-1/api -> ns-2/client 80",
            "ns-1/api -> ns-2/other 80",
            "ns-2/client -> ns-2/other 80",
            "ns-2/other -> ns-2/client 80",
        ]);
        for (const v of verdicts)
            assert.equal(
                `${v.verdict.connection.from.kind === "pod" ? `${v.verdict.connection.from.pod.namespace}/${v.verdict.connection.from.pod.name}` : ""}`,
                v.probe.from,
            );
    });
});

describe("snapshot validation", () => {
    it("refuses a malformed snapshot with every error by path and no results", () => {
        const result = parseSnapshot({
            namespaces: { a: {} },
            pods: [
                { namespace: "a", name: "x", labels: {}, ip: "10.0.0.1" },
                { namespace: "nope", name: "y", labels: {}, ip: "10.0.0.300" },
            ],
            policies: [
                {
                    metadata: { name: "p", namespace: "a" },
                    spec: {
                        podSelector: {},
                        ingress: [
                            {
                                from: [{ podSelector: {} }, { ipBlock: { cidr: "10.0.0.0/33" } }],
                                ports: [{ protocol: "tcp", port: 70000 }],
                            },
                        ],
                    },
                },
                { metadata: { name: "q", namespace: "a" }, spec: { podSelector: { matchExpressions: [{ key: "k", operator: "In" }] } } },
            ],
            probes: [{ from: "a/x", to: "a/z", port: 80, protocol: "TCP" }],
        });
        assert.equal(result.ok, false);
        assert.deepEqual(!result.ok && result.errors.map((e) => e.path), [
            "pods[1].namespace",
            "pods[1].ip",
            "policies[0].spec.ingress[0].from[1].ipBlock.cidr",
            "policies[0].spec.ingress[0].ports[0].protocol",
            "policies[0].spec.ingress[0].ports[0].port",
            "policies[1].spec.podSelector.matchExpressions[0].values",
            "probes[0].to",
        ]);
    });

    it("exits non-zero from the command line with the paths and no results", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netpol-bad-"));
        const file = path.join(dir, "bad-snapshot.json");
        fs.writeFileSync(file, JSON.stringify({ namespaces: {}, pods: [{ namespace: "x", name: "p", ip: "1.2.3.4" }], policies: [] }));
        const run = spawnSync("npm", ["run", "--silent", "netpol", "--", "evaluate", file], { cwd: PROJECT_DIR, encoding: "utf8" });
        fs.rmSync(dir, { recursive: true, force: true });
        assert.equal(run.status, 2);
        assert.equal(run.stdout, "");
        assert.match(run.stderr, /pods\[0\]\.namespace: unknown namespace "x"/);
        assert.doesNotMatch(run.stderr, /at .*\.ts:\d+/);
    });

    it("reads kubectl's List output, leaving out host-network pods and pods without an address", () => {
        const result = parseSnapshot({
            kind: "List",
            items: [
                { kind: "Namespace", metadata: { name: "a", labels: { "kubernetes.io/metadata.name": "a" } } },
                {
                    kind: "Pod",
                    metadata: { namespace: "a", name: "web", labels: { app: "web" } },
                    spec: { containers: [{ ports: [{ name: "http", containerPort: 80 }] }] },
                    status: { podIP: "10.0.0.5" },
                },
                {
                    kind: "Pod",
                    metadata: { namespace: "a", name: "node-agent" },
                    spec: { hostNetwork: true, containers: [] },
                    status: { podIP: "10.0.9.9" },
                },
                { kind: "Pod", metadata: { namespace: "a", name: "pending" }, spec: { containers: [] }, status: {} },
                {
                    kind: "NetworkPolicy",
                    apiVersion: "networking.k8s.io/v1",
                    metadata: { namespace: "a", name: "deny" },
                    spec: { podSelector: {} },
                },
            ],
        });
        assert.ok(result.ok);
        assert.deepEqual(result.ok && result.snapshot.pods, [
            { namespace: "a", name: "web", labels: { app: "web" }, ip: "10.0.0.5", ports: [{ name: "http", port: 80, protocol: "TCP" }] },
        ]);
        assert.equal(result.ok && result.snapshot.policies.length, 1);
        assert.deepEqual(result.ok && result.snapshot.hostNetworkPods, [{ pod: "a/node-agent", ip: "10.0.9.9" }]);
        assert.deepEqual(result.ok && result.snapshot.leftOut, [{ pod: "a/pending", reason: "no-address" }]);
    });

    it("leaves finished pods out of a kubectl dump even with their old address, and counts them", () => {
        const pod = (name: string, phase: string, ip: string) => ({
            kind: "Pod",
            metadata: { namespace: "a", name, labels: { app: "job" } },
            spec: { containers: [] },
            status: { phase, podIP: ip, hostIP: "10.0.200.1" },
        });
        const result = parseSnapshot({
            kind: "List",
            items: [
                { kind: "Namespace", metadata: { name: "a" } },
                pod("done", "Succeeded", "10.0.0.7"),
                pod("crashed", "Failed", "10.0.0.8"),
                pod("live", "Running", "10.0.0.7"),
                { kind: "Node", metadata: { name: "n1" }, status: { addresses: [{ type: "InternalIP", address: "10.0.200.1" }] } },
            ],
        });
        assert.ok(result.ok);
        if (!result.ok) return;
        assert.deepEqual(
            result.snapshot.pods.map((p) => p.name),
            ["live"],
        );
        assert.deepEqual(leftOutCounts(result.snapshot), { finished: 2, "no-address": 0 });
        assert.deepEqual(result.snapshot.nodeIps, ["10.0.200.1"]);
        assert.equal(
            leftOutSummary(result.snapshot),
            "2 pods left out of the judgement: 2 finished (phase Succeeded or Failed: a/done, a/crashed); such pods send and receive nothing.",
        );
    });

    it("reads phase, hostNetwork and the pod and node ranges in the snapshot format, old snapshots unchanged", () => {
        const result = parseSnapshot({
            namespaces: { a: {} },
            podCidrs: ["10.40.0.0/19"],
            nodeCidrs: ["10.40.0.0/19"],
            pods: [
                { namespace: "a", name: "x", labels: {}, ip: "10.40.0.10", phase: "Running" },
                { namespace: "a", name: "done", labels: {}, ip: "10.40.0.11", phase: "Succeeded" },
                { namespace: "a", name: "agent", labels: {}, ip: "10.40.0.5", hostNetwork: true },
                { namespace: "a", name: "new", labels: {}, phase: "Pending" },
            ],
            policies: [],
            probes: [{ from: "a/x", to: "a/done", port: 80 }],
        });
        assert.equal(result.ok, false);
        assert.deepEqual(!result.ok && result.errors, [
            { path: "probes[0].to", message: "pod a/done is left out: it has finished (Succeeded)" },
        ]);
        const fine = parseSnapshot({
            namespaces: { a: {} },
            podCidrs: ["10.40.0.0/19"],
            nodeCidrs: ["10.40.0.0/33"],
            pods: [{ namespace: "a", name: "x", labels: {}, ip: "10.40.0.10", phase: "Done" }],
            policies: [],
        });
        assert.deepEqual(!fine.ok && fine.errors.map((e) => e.path), ["pods[0].phase", "nodeCidrs[0]"]);
        assert.deepEqual(parseSnapshot({ namespaces: {}, pods: [], policies: [] }), {
            ok: true,
            snapshot: { namespaces: {}, pods: [], policies: [] },
        });
    });

    it("judges a probe from a pod's address as that pod, its egress policies included", () => {
        const parsed = parseSnapshot({
            namespaces: { a: {} },
            pods: [
                { namespace: "a", name: "x", labels: { app: "x" }, ip: "10.0.0.1" },
                { namespace: "a", name: "y", labels: { app: "y" }, ip: "10.0.0.2", ports: [{ port: 80 }] },
            ],
            policies: [
                {
                    apiVersion: "networking.k8s.io/v1",
                    kind: "NetworkPolicy",
                    metadata: { name: "x-no-egress", namespace: "a" },
                    spec: { podSelector: { matchLabels: { app: "x" } }, policyTypes: ["Egress"] },
                },
            ],
            probes: [
                { from: { ip: "10.0.0.1" }, to: "a/y", port: 80 },
                { from: "a/x", to: "a/y", port: 80 },
                { from: { ip: "10.0.0.3" }, to: "a/y", port: 80 },
            ],
        });
        assert.ok(parsed.ok);
        const { verdicts } = evaluateSnapshot(parsed.ok ? parsed.snapshot : (undefined as never));
        assert.deepEqual(
            verdicts.map((v) => [v.verdict.allowed, v.verdict.egress.isolatedBy]),
            [
                [false, ["a/x-no-egress"]],
                [false, ["a/x-no-egress"]],
                [true, []],
            ],
        );
    });

    it("refuses an input with no document at all", () => {
        const result = parseSnapshotDocuments([]);
        assert.equal(result.ok, false);
        assert.match(!result.ok ? result.errors[0]!.message : "", /is empty/);
    });
});

describe("laws of the engine (fast-check)", () => {
    const labelValue = fc.constantFrom("a", "b", "c");
    const selector = fc.record(
        { matchLabels: fc.option(fc.dictionary(fc.constantFrom("app", "tier"), labelValue, { maxKeys: 1 }), { nil: undefined }) },
        { requiredKeys: [] },
    );
    const peer = fc.oneof(
        fc.record({ podSelector: selector }),
        fc.record({ namespaceSelector: selector, podSelector: selector }),
        fc.record({ ipBlock: fc.constantFrom({ cidr: "10.0.0.0/24" }, { cidr: "10.0.0.0/16", except: ["10.0.0.0/24"] }) }),
    );
    const ports = fc.option(
        fc.array(fc.record({ protocol: fc.constantFrom("TCP" as const, "UDP" as const), port: fc.constantFrom(80, 443) }), {
            maxLength: 2,
        }),
        { nil: undefined },
    );
    const rule = fc.record({ from: fc.option(fc.array(peer, { maxLength: 2 }), { nil: undefined }), ports });
    const policy = fc.record({
        ns: fc.constantFrom("x", "y"),
        podSelector: selector,
        ingress: fc.option(fc.array(rule, { maxLength: 2 }), { nil: undefined }),
        egress: fc.option(
            fc.array(
                rule.map((r) => ({ to: r.from, ports: r.ports })),
                { maxLength: 2 },
            ),
            { nil: undefined },
        ),
    });
    const pods: Pod[] = [
        { namespace: "x", name: "p1", labels: { app: "a" }, ip: "10.0.0.1", ports: [] },
        { namespace: "x", name: "p2", labels: { app: "b", tier: "c" }, ip: "10.0.1.1", ports: [] },
        { namespace: "y", name: "p3", labels: { app: "a" }, ip: "10.1.0.1", ports: [] },
    ];
    const toPolicies = (list: { ns: string; podSelector: object; ingress?: object[]; egress?: object[] }[]): NetworkPolicy[] =>
        list.map((p, i) =>
            np(p.ns, `p${i}`, {
                podSelector: p.podSelector,
                ...(p.ingress ? { ingress: p.ingress } : {}),
                ...(p.egress ? { egress: p.egress } : {}),
            } as NetworkPolicy["spec"]),
        );
    const matrix = (policies: NetworkPolicy[]) => {
        const model = new ReachabilityModel({
            namespaces: { x: { "kubernetes.io/metadata.name": "x" }, y: { "kubernetes.io/metadata.name": "y" } },
            pods,
            policies,
        });
        const cells: boolean[] = [];
        for (const a of pods)
            for (const b of pods)
                for (const port of [80, 443])
                    for (const protocol of ["TCP", "UDP"] as const)
                        cells.push(model.evaluate({ from: { kind: "pod", pod: a }, to: { kind: "pod", pod: b }, port, protocol }).allowed);
        return cells;
    };

    it("allows everything when there are no policies", () => {
        assert.ok(matrix([]).every((c) => c));
    });

    it("gives the same verdicts whatever the order of the policies", () => {
        fc.assert(
            fc.property(fc.array(policy, { maxLength: 4 }), (list) =>
                assert.deepEqual(matrix(toPolicies(list)), matrix(toPolicies([...list].reverse()))),
            ),
            { numRuns: 200 },
        );
    });

    it("never removes a connection when a rule is added to a policy that already isolates", () => {
        fc.assert(
            fc.property(fc.array(policy, { minLength: 1, maxLength: 3 }), rule, (list, extra) => {
                const before = matrix(toPolicies(list));
                const widened = list.map((p, i) => (i === 0 ? { ...p, ingress: [...(p.ingress ?? []), extra] } : p));
                // Adding ingress rules to a policy that already has some (or an explicit Ingress type) cannot narrow.
                if (!list[0]!.ingress) return;
                const after = matrix(toPolicies(widened));
                before.forEach((allowedBefore, i) => assert.ok(!allowedBefore || after[i], `cell ${i} was lost`));
            }),
            { numRuns: 200 },
        );
    });

    it("never contradicts its own explanation", () => {
        fc.assert(
            fc.property(fc.array(policy, { maxLength: 4 }), (list) => {
                const model = new ReachabilityModel({ namespaces: { x: {}, y: {} }, pods, policies: toPolicies(list) });
                for (const a of pods) {
                    for (const b of pods) {
                        const v = model.evaluate({ from: { kind: "pod", pod: a }, to: { kind: "pod", pod: b }, port: 80, protocol: "TCP" });
                        const text = explain(model, v);
                        assert.ok(text.split("\n")[0]!.endsWith(v.allowed ? "ALLOWED" : "DENIED"));
                        assert.equal(
                            toResult({ from: "", to: "", port: 80, protocol: "TCP" }, v).allowed,
                            v.egress.allowed && v.ingress.allowed,
                        );
                    }
                }
            }),
            { numRuns: 100 },
        );
    });
});

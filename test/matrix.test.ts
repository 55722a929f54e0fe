import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import { ReachabilityModel } from "../engine/evaluate";
import { LabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from "../engine/k8s";
import { FullMatrix } from "../engine/matrix";
import { Pod, Snapshot, parseSnapshot } from "../engine/snapshot";
import { PROJECT_DIR } from "./harness";

/** The simple evaluator's answer for the whole matrix, pod by pod. */
function simpleMatrix(snapshot: Snapshot): { cells: boolean[]; allowed: number } {
    const model = new ReachabilityModel(snapshot);
    const cells: boolean[] = [];
    for (const to of snapshot.pods) {
        for (const port of to.ports) {
            for (const from of snapshot.pods) {
                if (from === to) continue;
                cells.push(
                    model.evaluate({
                        from: { kind: "pod", pod: from },
                        to: { kind: "pod", pod: to },
                        port: port.port,
                        protocol: port.protocol,
                    }).allowed,
                );
            }
        }
    }
    return { cells, allowed: cells.filter((c) => c).length };
}

function fastMatrix(snapshot: Snapshot): { cells: boolean[]; allowed: number; classes: number } {
    const matrix = new FullMatrix(snapshot);
    const cells: boolean[] = [];
    for (const to of snapshot.pods) {
        for (const port of to.ports) {
            for (const from of snapshot.pods) {
                if (from === to) continue;
                cells.push(matrix.allowed(matrix.classOf(from).index, matrix.classOf(to).index, port));
            }
        }
    }
    const stats = matrix.stats();
    assert.equal(stats.connections, cells.length);
    return { cells, allowed: stats.allowed, classes: stats.classes };
}

// Random snapshots over small pools, so that selectors, ports and address ranges collide often.
const namespaces = ["a", "b", "c"];
const key = fc.constantFrom("app", "tier", "env");
const value = fc.constantFrom("x", "y", "z");
const selector: fc.Arbitrary<LabelSelector> = fc.record(
    {
        matchLabels: fc.dictionary(key, value, { maxKeys: 2 }),
        matchExpressions: fc.array(
            fc.oneof(
                fc.record({
                    key,
                    operator: fc.constantFrom("In" as const, "NotIn" as const),
                    values: fc.array(value, { minLength: 1, maxLength: 2 }),
                }),
                fc.record({ key, operator: fc.constantFrom("Exists" as const, "DoesNotExist" as const) }),
            ),
            { maxLength: 2 },
        ),
    },
    { requiredKeys: [] },
);
const ipBlock = fc.constantFrom(
    { cidr: "10.0.0.0/16" },
    { cidr: "10.0.0.0/16", except: ["10.0.1.0/24"] },
    { cidr: "10.0.1.0/24" },
    { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] },
);
const peer: fc.Arbitrary<NetworkPolicyPeer> = fc.oneof(
    fc.record({ podSelector: selector }),
    fc.record({ namespaceSelector: selector }),
    fc.record({ namespaceSelector: selector, podSelector: selector }),
    fc.record({ ipBlock }),
);
const policyPort: fc.Arbitrary<NetworkPolicyPort> = fc.oneof(
    fc.record(
        { protocol: fc.constantFrom("TCP" as const, "UDP" as const), port: fc.constantFrom(80, 443, 8080) },
        { requiredKeys: ["port"] },
    ),
    fc.record({ protocol: fc.constant("TCP" as const), port: fc.constant(8000), endPort: fc.constantFrom(8080, 9000) }),
    fc.record({ port: fc.constantFrom("http", "metrics") }),
    fc.record({ protocol: fc.constant("UDP" as const) }),
);
const rule = fc.record({
    peers: fc.option(fc.array(peer, { maxLength: 3 }), { nil: undefined }),
    ports: fc.option(fc.array(policyPort, { maxLength: 3 }), { nil: undefined }),
});
const policy = fc.record({
    namespace: fc.constantFrom(...namespaces),
    podSelector: selector,
    policyTypes: fc.option(fc.subarray(["Ingress", "Egress"] as const, { minLength: 1 }), { nil: undefined }),
    ingress: fc.option(fc.array(rule, { maxLength: 3 }), { nil: undefined }),
    egress: fc.option(fc.array(rule, { maxLength: 3 }), { nil: undefined }),
});
const containerPort = fc.oneof(
    fc.constant({ name: "http", port: 8080, protocol: "TCP" as const }),
    fc.constant({ name: "http", port: 80, protocol: "TCP" as const }),
    fc.constant({ name: "metrics", port: 9000, protocol: "TCP" as const }),
    fc.constant({ port: 443, protocol: "TCP" as const }),
    fc.constant({ port: 53, protocol: "UDP" as const }),
);
const pod = fc.record({
    namespace: fc.constantFrom(...namespaces),
    labels: fc.dictionary(key, value, { maxKeys: 3 }),
    ip: fc.constantFrom("10.0.0.5", "10.0.1.5", "10.0.2.5", "192.168.1.1"),
    ports: fc.uniqueArray(containerPort, { maxLength: 3, selector: (p) => `${p.port}/${p.protocol}` }),
});
const snapshot: fc.Arbitrary<Snapshot> = fc
    .record({
        nsLabels: fc.tuple(...namespaces.map(() => fc.dictionary(key, value, { maxKeys: 2 }))),
        pods: fc.array(pod, { minLength: 1, maxLength: 9 }),
        policies: fc.array(policy, { maxLength: 6 }),
    })
    .map(({ nsLabels, pods, policies }) => ({
        namespaces: Object.fromEntries(namespaces.map((ns, i) => [ns, { "kubernetes.io/metadata.name": ns, ...nsLabels[i] }])),
        pods: pods.map((p, i): Pod => ({ ...p, name: `p${i}` })),
        policies: policies.map((p, i): NetworkPolicy => ({
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name: `np${i}`, namespace: p.namespace },
            spec: {
                podSelector: p.podSelector,
                ...(p.policyTypes ? { policyTypes: p.policyTypes } : {}),
                ...(p.ingress
                    ? { ingress: p.ingress.map((r) => ({ ...(r.peers ? { from: r.peers } : {}), ...(r.ports ? { ports: r.ports } : {}) })) }
                    : {}),
                ...(p.egress
                    ? { egress: p.egress.map((r) => ({ ...(r.peers ? { to: r.peers } : {}), ...(r.ports ? { ports: r.ports } : {}) })) }
                    : {}),
            },
        })),
    }));

describe("the fast matrix", () => {
    it("agrees with the simple evaluator on every pod pair and port of random snapshots", () => {
        fc.assert(
            fc.property(snapshot, (s) => {
                const simple = simpleMatrix(s);
                const fast = fastMatrix(s);
                assert.deepEqual(fast.cells, simple.cells);
                assert.equal(fast.allowed, simple.allowed);
            }),
            { numRuns: 400 },
        );
    });

    it("finds the same allowed pairs from the source side as from the destination side", () => {
        fc.assert(
            fc.property(snapshot, (s) => {
                const matrix = new FullMatrix(s);
                const ports = [...new Map(s.pods.flatMap((p) => p.ports).map((p) => [`${p.port}/${p.protocol}`, p])).values()];
                for (const port of ports) {
                    const bySource = new Set<string>();
                    const byDestination = new Set<string>();
                    matrix.classes.forEach((c) => {
                        for (const d of matrix.allowedDestinations(c.index, port)) bySource.add(`${c.index}>${d}`);
                        for (const f of matrix.allowedSources(c.index, port)) byDestination.add(`${f}>${c.index}`);
                    });
                    assert.deepEqual([...bySource].sort(), [...byDestination].sort());
                }
            }),
            { numRuns: 200 },
        );
    });

    it("agrees with the simple evaluator on the example snapshots", () => {
        const dir = path.join(PROJECT_DIR, "test", "fixtures", "netpol");
        for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".json"))) {
            const parsed = parseSnapshot(JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")));
            assert.ok(parsed.ok);
            const s = parsed.ok ? parsed.snapshot : (undefined as never);
            assert.deepEqual(fastMatrix(s).cells, simpleMatrix(s).cells, file);
        }
    });

    it("puts pods that policies cannot tell apart into one class", () => {
        const pods: Pod[] = [0, 1, 2].map((i) => ({
            namespace: "a",
            name: `web-${i}`,
            labels: { app: "web" },
            ip: `10.0.0.${i + 1}`,
            ports: [{ port: 80, protocol: "TCP" }],
        }));
        const s: Snapshot = { namespaces: { a: {} }, pods: [...pods, { ...pods[0]!, name: "odd", ip: "10.0.9.9" }], policies: [] };
        assert.equal(new FullMatrix(s).stats().classes, 1);
        const withBlock: Snapshot = {
            ...s,
            policies: [
                {
                    apiVersion: "networking.k8s.io/v1",
                    kind: "NetworkPolicy",
                    metadata: { name: "p", namespace: "a" },
                    spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/24" } }] }] },
                },
            ],
        };
        const stats = new FullMatrix(withBlock).stats();
        assert.equal(stats.classes, 2, "the pod outside the ipBlock is a class of its own");
        // Each web pod reaches the three others (9); the odd pod reaches no one (0).
        assert.deepEqual([stats.connections, stats.allowed], [12, 9]);
    });

    it("ignores labels that no selector mentions when forming classes", () => {
        const pods: Pod[] = [0, 1, 2, 3].map((i) => ({
            namespace: "a",
            name: `p${i}`,
            labels: { app: i < 2 ? "web" : "api", "pod-template-hash": `h${i}` },
            ip: `10.0.0.${i + 1}`,
            ports: [{ port: 80, protocol: "TCP" }],
        }));
        const policy: NetworkPolicy = {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name: "p", namespace: "a" },
            spec: { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress"] },
        };
        const matrix = new FullMatrix({ namespaces: { a: {} }, pods, policies: [policy] });
        assert.equal(matrix.stats().classes, 2);
        assert.deepEqual(
            matrix.classes.map((c) => c.labels),
            [{ app: "web" }, { app: "api" }],
        );
    });
});

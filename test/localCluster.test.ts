import * as assert from "assert";
import { ReachabilityModel } from "../engine/evaluate";
import { Snapshot } from "../engine/snapshot";
import { ProbeResult } from "../live/judge";
import { probePlan } from "../live/probePlan";
import {
    GUARD_CHAIN,
    atPorts,
    calicoVethName,
    changedProbes,
    corrupted,
    guardRules,
    hostPortRules,
    judgeMutation,
    netnsName,
    noRejectRules,
    outsideAddresses,
    outsideNamespace,
    podAddress,
    podWiring,
    summaryLine,
} from "../live/local/plan";

// Two apps in namespace a; b/api listens on 8080 and 9090; a policy lets a/web reach it on 8080 only.
const pod = (ns: string, name: string, ip: string, labels: Record<string, string>, ports: number[]) => ({
    namespace: ns,
    name,
    ip,
    labels,
    ports: ports.map((port) => ({ port, protocol: "TCP" as const })),
});
const base: Snapshot = {
    namespaces: { a: {}, b: {} },
    pods: [pod("a", "web", "10.244.1.1", { app: "web" }, []), pod("b", "api", "10.244.1.2", { app: "api" }, [8080, 9090])],
    policies: [
        {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name: "api-ingress", namespace: "b" },
            spec: {
                podSelector: { matchLabels: { app: "api" } },
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: "web" } } }],
                        ports: [{ port: 8080, protocol: "TCP" }],
                    },
                ],
            },
        },
    ],
};
const widened: Snapshot = {
    ...base,
    policies: [
        {
            ...base.policies[0]!,
            spec: {
                ...base.policies[0]!.spec,
                ingress: [{ ...base.policies[0]!.spec.ingress![0]!, ports: [{ port: 8080, endPort: 9180, protocol: "TCP" }] }],
            },
        },
    ],
};

describe("local cluster: the pure half", () => {
    it("names a pod's host veth as Calico's CNI does: cali + 11 hex digits of sha1(<namespace>.<pod>)", () => {
        // printf 'business-orders.api' | sha1sum -> b7d33bbe62201fb7601b44933e734f990c11ed2a
        assert.equal(calicoVethName("business-orders", "api"), "calib7d33bbe622");
        assert.equal(calicoVethName("kube-system", "coredns-local"), "cali267a9211536");
        assert.equal(netnsName("business-orders", "api"), "lc-b7d33bbe622");
    });

    it("numbers pods from 10.244.1.1, 250 to a /24", () => {
        assert.deepEqual([0, 1, 249, 250, 251].map(podAddress), ["10.244.1.1", "10.244.1.2", "10.244.1.250", "10.244.2.1", "10.244.2.2"]);
    });

    it("wires a pod as Calico's CNI: /32 on eth0, default via 169.254.1.1, proxy ARP and a /32 route on the host side", () => {
        const w = podWiring({ namespace: "a", name: "web", ip: "10.244.1.1", netns: "lc-x", veth: "calix", tcp: [], udp: [] });
        assert.deepEqual(w.ip.slice(-5), [
            ["-n", "lc-x", "link", "set", "eth0", "up"],
            ["-n", "lc-x", "route", "add", "169.254.1.1/32", "dev", "eth0", "scope", "link"],
            ["-n", "lc-x", "route", "add", "default", "via", "169.254.1.1", "dev", "eth0"],
            ["link", "set", "calix", "up"],
            ["route", "add", "10.244.1.1/32", "dev", "calix", "scope", "link"],
        ]);
        assert.deepEqual(w.sysctls[0], ["/proc/sys/net/ipv4/conf/calix/proxy_arp", "1"]);
    });

    it("guards the uplink by interface: pods reach only pods and the outside namespace, which answers only pods; the rest is dropped", () => {
        assert.deepEqual(guardRules(), [
            ["-A", GUARD_CHAIN, "-i", "cali+", "-o", "cali+", "-j", "ACCEPT"],
            ["-A", GUARD_CHAIN, "-i", "cali+", "-o", "lcout0", "-j", "ACCEPT"],
            ["-A", GUARD_CHAIN, "-i", "lcout0", "-o", "cali+", "-j", "ACCEPT"],
            ["-A", GUARD_CHAIN, "-i", "cali+", "-j", "DROP"],
            ["-A", GUARD_CHAIN, "-i", "lcout0", "-j", "DROP"],
            ["-A", GUARD_CHAIN, "-o", "cali+", "-j", "DROP"],
            ["-A", GUARD_CHAIN, "-o", "lcout0", "-j", "DROP"],
        ]);
        // Forwarding is switched on for the harness's own interfaces only, never machine-wide.
        assert.deepEqual(outsideNamespace().sysctls, [
            ["/proc/sys/net/ipv4/conf/lcout0/proxy_arp", "1"],
            ["/proc/sys/net/ipv4/conf/lcout0/forwarding", "1"],
        ]);
    });

    it("closes kube-router's health port to every interface but loopback", () => {
        assert.deepEqual(hostPortRules(), [
            ["-A", "LOCALCLUSTER-HOSTPORTS", "-p", "tcp", "--dport", "20244", "!", "-i", "lo", "-j", "DROP"],
        ]);
    });

    it("drops the host's own ICMP unreachables towards pods, so kube-router's REJECT reads as a drop", () => {
        assert.deepEqual(noRejectRules(), [
            ["-A", "LOCALCLUSTER-NOREJECT", "-p", "icmp", "--icmp-type", "destination-unreachable", "-d", "10.244.0.0/16", "-j", "DROP"],
        ]);
    });

    it("puts the API server's address in the outside namespace, and stand-in addresses beside it", () => {
        const ns = outsideNamespace();
        assert.deepEqual(ns.ip[5], ["-n", "lc-outside", "addr", "add", "172.30.0.2/32", "dev", "eth0"]);
        assert.deepEqual(ns.ip.at(-1), ["route", "add", "172.30.0.2/32", "dev", "lcout0", "scope", "link", "src", "169.254.77.1"]);
        assert.deepEqual(outsideAddresses(["203.0.113.77"]), [
            ["-n", "lc-outside", "addr", "add", "203.0.113.77/32", "dev", "eth0"],
            ["route", "add", "203.0.113.77/32", "dev", "lcout0", "scope", "link"],
        ]);
    });

    it("finds the probes a widened port changes, and sees the mutation only when the dataplane shows each as predicted", () => {
        const plans = [base, widened].map((s) => probePlan(s, { managedNamespaces: ["a", "b"] }).probes);
        const model = new ReachabilityModel(base);
        // The plans alone: 8081..9180 fold into the class of 8080, whose probe was allowed before.
        assert.deepEqual(changedProbes(model, new ReachabilityModel(widened), plans), []);
        const changed = changedProbes(model, new ReachabilityModel(widened), [...plans, atPorts(plans[1]!, [8081, 9180])]);
        assert.deepEqual(
            changed.map((c) => `${String(c.probe.from)}>${String(c.probe.to)}:${c.probe.port} ${c.before}->${c.probe.allowed}`),
            ["a/web>b/api:8081 false->true", "a/web>b/api:9180 false->true"],
        );
        const observed = (outcome: ProbeResult["outcome"]): ProbeResult[] => changed.map((c) => ({ probe: c.probe, outcome }));
        assert.deepEqual(judgeMutation(changed, observed("refused")), { seen: true, changed: 2, missed: [] });
        assert.equal(judgeMutation(changed, observed("timeout")).seen, false);
        assert.equal(judgeMutation(changed, []).missed[0]!.outcome, "no result");
        // The test of the test: the same observation against the prediction turned upside down fails.
        assert.equal(judgeMutation(corrupted(changed), observed("refused")).seen, false);
        // No predicted change is never "seen".
        assert.equal(judgeMutation([], []).seen, false);
    });

    it("ends the suite with one line", () => {
        assert.equal(summaryLine(120, 120, 3, 3), "cluster: 120 probes, 120 agree with the engine, 3 of 3 mutations seen");
    });
});

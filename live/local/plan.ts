/**
 * The local cluster's pure half: what it builds (versions, cache key), where its pods live (network
 * namespaces, Calico's veth names, addresses), the host commands that wire a pod as Calico's CNI
 * does, the guard that keeps pod traffic on this machine, and how a mutation's changed connections
 * are found and judged. localCluster/ runs these; nothing here touches the host.
 *
 * The cluster has the kind stack's addresses (live/kind/Pulumi.kind.yaml): pods in 10.244.0.0/16,
 * the API server on 172.30.0.2:6443, so the kind stack and its `out/kind/` manifests are applied as
 * they are. etcd and the API server run in the `outside` network namespace, which holds
 * 172.30.0.2: a pod's connection to the API server is forwarded by the host like any other, so
 * the dataplane judges it by the pod's egress policy (a host address would be INPUT, which
 * kube-network-policies does not police).
 */
import { createHash } from "crypto";
import { ReachabilityModel } from "../../engine/evaluate";
import { PlannedProbe, probeKey } from "../probePlan";
import { ProbeResult, gotThrough } from "../judge";

export const VERSIONS = {
    /** The stacks' Kubernetes minor (Pulumi.nonprod.yaml, live/kind/Pulumi.kind.yaml: "1.35"); its newest patch the Go proxy serves. */
    kubernetes: "1.35.4",
    /** kube-apiserver 1.35 is built against etcd 3.6 (k8s.io/kubernetes v1.35.4 go.mod: go.etcd.io/etcd/server/v3 v3.6.5); the newest 3.6 patch. */
    etcd: "3.6.16",
    /**
     * The stacks install Calico v3.32.2 (Pulumi.nonprod.yaml k8s-platform:calico.version); felix is
     * built only from the Go module proxy, which serves no v3.32 version of
     * github.com/projectcalico/calico here, so the build reports it blocked (the command and the
     * proxy's answer) and the dataplane is kube-network-policies instead.
     */
    calico: "v3.32.2",
    /**
     * The dataplane that judges: SIG Network's reference NetworkPolicy implementation
     * (sigs.k8s.io/kube-network-policies, nftables + nfqueue in the host), not Calico.
     */
    kubeNetworkPolicies: "v0.8.0",
    /**
     * The dataplane when the kernel lacks nftables' queue statement (kube-network-policies needs
     * it): kube-router's network policy controller alone (iptables and ipset; its BGP router and
     * service proxy off), not Calico.
     */
    kubeRouter: "v2.1.0",
    /** The Gateway API the stack's Gateway needs (docs/live-verification.md, kind job: GATEWAY_API_VERSION); its CRDs come from its Go module. */
    gatewayApi: "v1.5.1",
} as const;

/** The cache folder's name: every version that changes a binary. */
export function versionsKey(goVersion: string): string {
    return `k8s-${VERSIONS.kubernetes}_etcd-${VERSIONS.etcd}_knp-${VERSIONS.kubeNetworkPolicies}_kr-${VERSIONS.kubeRouter}_${goVersion}`;
}

/** The addresses of the kind stack (live/kind/Pulumi.kind.yaml), which the local cluster reuses. */
export const ADDRESSES = {
    podCidr: "10.244.0.0/16",
    /** Pods are numbered from 10.244.1.1 (10.244.0.0/24 stays free). */
    podBase: [10, 244, 1, 0] as const,
    apiServer: "172.30.0.2",
    apiServerPort: 6443,
    /** Calico's pod gateway: every pod's default route leads there, the host answers by proxy ARP (Calico CNI). */
    gateway: "169.254.1.1",
    /** The host's address on the outside namespace's veth: the source of the host's own connections to the API server. */
    hostOnOutside: "169.254.77.1",
    etcdClientPort: 32379,
    etcdPeerPort: 32380,
    /** kube-network-policies' metrics server (its only HTTP endpoint), on the host's loopback. */
    dataplaneMetricsPort: 19080,
    /** kube-router's health server (/healthz). */
    kubeRouterHealthPort: 20244,
} as const;

/** The Node the harness creates: every pod is bound to it, the dataplane enforces for it. */
export const NODE_NAME = "local-node";

/** The iptables chain (mangle FORWARD, before any dataplane's filter rules) that keeps pod traffic on this machine. */
export const GUARD_CHAIN = "LOCALCLUSTER-GUARD";
/** The iptables chain (mangle OUTPUT) that turns kube-router's rejections into drops on the wire. */
export const NO_REJECT_CHAIN = "LOCALCLUSTER-NOREJECT";

/**
 * kube-router rejects what policy denies (`-j REJECT`, an ICMP port-unreachable from the host;
 * pkg/controllers/netpol/pod.go, v2.1.0), which a TCP client reads as "connection refused", the
 * same as a port nobody listens on. The judge reads denial as a drop (Calico drops), so the ICMP
 * errors the host itself sends to pods are dropped: a rejected probe times out. A pod's own
 * kernel answering a closed port (a TCP reset, a forwarded packet) is untouched.
 */
export function noRejectRules(): string[][] {
    return [["-A", NO_REJECT_CHAIN, "-p", "icmp", "--icmp-type", "destination-unreachable", "-d", ADDRESSES.podCidr, "-j", "DROP"]];
}

/** Network namespaces of the harness: `lc-<11 hex>` (the same hash as the veth name). */
export const NETNS_PREFIX = "lc-";

/**
 * The host side of a pod's veth as Calico names it: `cali` + the first 11 hex digits of
 * sha1("<namespace>.<pod>") (libcalico-go/lib/backend/k8s/conversion/workload_endpoint_default.go,
 * VethNameForWorkload, v3.32.1), so the wiring is what Calico's dataplane would find.
 */
export function calicoVethName(namespace: string, pod: string): string {
    return `cali${createHash("sha1").update(`${namespace}.${pod}`).digest("hex").slice(0, 11)}`;
}

export function netnsName(namespace: string, pod: string): string {
    return `${NETNS_PREFIX}${calicoVethName(namespace, pod).slice(4)}`;
}

/** The address of the i-th pod (0-based): 10.244.1.1 … 10.244.1.250, then 10.244.2.1 …; 250 pods per /24. */
export function podAddress(index: number): string {
    const [a, b, c] = ADDRESSES.podBase;
    return `${a}.${b}.${c + Math.floor(index / 250)}.${(index % 250) + 1}`;
}

export interface LocalPod {
    readonly namespace: string;
    readonly name: string;
    readonly ip: string;
    readonly netns: string;
    readonly veth: string;
    /** TCP ports it listens on. */
    readonly tcp: readonly number[];
    /** UDP ports it answers (DNS queries only). */
    readonly udp: readonly number[];
}

/**
 * The `ip` commands (argument lists) that wire one pod as Calico's CNI does (cni-plugin
 * pkg/dataplane/linux/dataplane_linux.go, v3.32.1): a veth whose pod side is eth0 with the pod's
 * /32, a link route to 169.254.1.1 and the default route through it; the host side named
 * `cali…`, up, without an address, with proxy ARP (so it answers for 169.254.1.1) and a /32
 * route to the pod. The sysctls are written by the caller (files under /proc/sys).
 */
export function podWiring(p: LocalPod): { ip: string[][]; sysctls: [string, string][] } {
    const tmp = `lctmp${p.veth.slice(4, 10)}`;
    return {
        ip: [
            ["netns", "add", p.netns],
            ["link", "add", p.veth, "type", "veth", "peer", "name", tmp],
            ["link", "set", tmp, "netns", p.netns],
            ["-n", p.netns, "link", "set", tmp, "name", "eth0"],
            ["-n", p.netns, "link", "set", "lo", "up"],
            ["-n", p.netns, "addr", "add", `${p.ip}/32`, "dev", "eth0"],
            ["-n", p.netns, "link", "set", "eth0", "up"],
            ["-n", p.netns, "route", "add", `${ADDRESSES.gateway}/32`, "dev", "eth0", "scope", "link"],
            ["-n", p.netns, "route", "add", "default", "via", ADDRESSES.gateway, "dev", "eth0"],
            ["link", "set", p.veth, "up"],
            ["route", "add", `${p.ip}/32`, "dev", p.veth, "scope", "link"],
        ],
        sysctls: [
            [`/proc/sys/net/ipv4/conf/${p.veth}/proxy_arp`, "1"],
            [`/proc/sys/net/ipv4/neigh/${p.veth}/proxy_delay`, "0"],
            [`/proc/sys/net/ipv4/conf/${p.veth}/forwarding`, "1"],
        ],
    };
}

/** The network namespace outside the pod network: the API server and etcd, and the egress ranges' stand-in addresses. */
export const OUTSIDE = { netns: `${NETNS_PREFIX}outside`, veth: "lcout0", tmp: "lctmpout" } as const;

/**
 * The `ip` commands that create the outside namespace: eth0 holding the API server's address as
 * a /32, routes back to the pods (through 169.254.1.1, answered by proxy ARP on the host side
 * `lcout0`) and to the host's own address on `lcout0`, which the host uses as the source of its
 * connections to the API server (no default route: nothing in there reaches past the host).
 */
export function outsideNamespace(): { ip: string[][]; sysctls: [string, string][] } {
    return {
        ip: [
            ["netns", "add", OUTSIDE.netns],
            ["link", "add", OUTSIDE.veth, "type", "veth", "peer", "name", OUTSIDE.tmp],
            ["link", "set", OUTSIDE.tmp, "netns", OUTSIDE.netns],
            ["-n", OUTSIDE.netns, "link", "set", OUTSIDE.tmp, "name", "eth0"],
            ["-n", OUTSIDE.netns, "link", "set", "lo", "up"],
            ["-n", OUTSIDE.netns, "addr", "add", `${ADDRESSES.apiServer}/32`, "dev", "eth0"],
            ["-n", OUTSIDE.netns, "link", "set", "eth0", "up"],
            ["-n", OUTSIDE.netns, "route", "add", `${ADDRESSES.gateway}/32`, "dev", "eth0", "scope", "link"],
            ["-n", OUTSIDE.netns, "route", "add", `${ADDRESSES.hostOnOutside}/32`, "dev", "eth0", "scope", "link"],
            ["-n", OUTSIDE.netns, "route", "add", ADDRESSES.podCidr, "via", ADDRESSES.gateway, "dev", "eth0"],
            ["addr", "add", `${ADDRESSES.hostOnOutside}/32`, "dev", OUTSIDE.veth],
            ["link", "set", OUTSIDE.veth, "up"],
            ["route", "add", `${ADDRESSES.apiServer}/32`, "dev", OUTSIDE.veth, "scope", "link", "src", ADDRESSES.hostOnOutside],
        ],
        sysctls: [
            [`/proc/sys/net/ipv4/conf/${OUTSIDE.veth}/proxy_arp`, "1"],
            // IPv4 forwards what a device with forwarding on receives (the input device's flag):
            // this veth and the pods' are the only ones, the machine's global ip_forward is left alone.
            [`/proc/sys/net/ipv4/conf/${OUTSIDE.veth}/forwarding`, "1"],
        ],
    };
}

/**
 * Stand-in addresses for the world outside the cluster (egress ranges), added to the outside
 * namespace as /32s with a host route each. Nothing listens there, so a TCP probe that gets
 * through is refused by its kernel: the dataplane's verdict on an egress rule, without a packet
 * leaving the machine.
 */
export function outsideAddresses(addresses: readonly string[]): string[][] {
    return addresses.flatMap((a) => [
        ["-n", OUTSIDE.netns, "addr", "add", `${a}/32`, "dev", "eth0"],
        ["route", "add", `${a}/32`, "dev", OUTSIDE.veth, "scope", "link"],
    ]);
}

/**
 * The guard, in iptables' mangle FORWARD (which runs before every filter rule, whatever a
 * dataplane inserts first), by interface, whatever the addresses say (a spoofed source changes
 * nothing): what comes in on a pod's veth (`cali+`) may go out only to a pod or into the outside
 * namespace (`lcout0`), what comes in from the outside namespace only to a pod; anything else
 * from or to either (the uplink, any other interface) is dropped, so nothing leaves the machine
 * and nothing from elsewhere reaches the harness's namespaces. What it accepts still meets the
 * dataplane.
 */
export function guardRules(): string[][] {
    const pods = "cali+";
    return [
        ["-A", GUARD_CHAIN, "-i", pods, "-o", pods, "-j", "ACCEPT"],
        ["-A", GUARD_CHAIN, "-i", pods, "-o", OUTSIDE.veth, "-j", "ACCEPT"],
        ["-A", GUARD_CHAIN, "-i", OUTSIDE.veth, "-o", pods, "-j", "ACCEPT"],
        ["-A", GUARD_CHAIN, "-i", pods, "-j", "DROP"],
        ["-A", GUARD_CHAIN, "-i", OUTSIDE.veth, "-j", "DROP"],
        ["-A", GUARD_CHAIN, "-o", pods, "-j", "DROP"],
        ["-A", GUARD_CHAIN, "-o", OUTSIDE.veth, "-j", "DROP"],
    ];
}

/** The iptables chain (mangle INPUT) that keeps the dataplane's health port to this machine's loopback. */
export const HOST_PORTS_CHAIN = "LOCALCLUSTER-HOSTPORTS";

/**
 * kube-router serves /healthz on every interface (pkg/healthcheck/health_controller.go, v2.1.0:
 * `Addr: ":" + port`, no bind-address flag); the harness reads it on loopback only, so the port
 * is closed to every other interface, the pods' and the uplink's among them.
 */
export function hostPortRules(): string[][] {
    return [["-A", HOST_PORTS_CHAIN, "-p", "tcp", "--dport", String(ADDRESSES.kubeRouterHealthPort), "!", "-i", "lo", "-j", "DROP"]];
}

// ---------------------------------------------------------------------------------------------
// Mutations: what changes, and whether the dataplane showed it

/** A probe of the plan after a mutation, with the verdict the engine gave it before. */
export interface ChangedProbe {
    readonly probe: PlannedProbe;
    readonly before: boolean;
}

/**
 * The probes whose verdict a mutation changes: those of the plans before and after it (a widened
 * port can fold a port into a class whose representative was allowed already, so the after-plan
 * alone may not show it), each judged by the engine on the cluster before and after. The probe
 * carries the after-verdict as `allowed`.
 */
export function changedProbes(
    before: ReachabilityModel,
    after: ReachabilityModel,
    plans: readonly (readonly PlannedProbe[])[],
): ChangedProbe[] {
    const unique = new Map(plans.flat().map((p) => [probeKey(p), p]));
    const verdict = (m: ReachabilityModel, p: PlannedProbe) =>
        m.evaluate({ from: m.party(p.from), to: m.party(p.to), port: p.port, protocol: p.protocol }).allowed;
    return [...unique.values()].flatMap((p) => {
        const was = verdict(before, p);
        const now = verdict(after, p);
        return was === now ? [] : [{ probe: { ...p, allowed: now }, before: was }];
    });
}

/**
 * The plan's TCP probes, copied onto other ports (once per source, destination and port): a
 * widened port's new ports fall in the port class of the old one, whose representative was
 * allowed already, so the plan alone never probes them.
 */
export function atPorts(probes: readonly PlannedProbe[], ports: readonly number[]): PlannedProbe[] {
    const copies = probes
        .filter((p) => p.protocol === "TCP")
        .flatMap((p) => ports.map((port) => ({ ...p, port, about: `port ${port} (a widened rule)` })));
    return [...new Map(copies.map((p) => [probeKey(p), p])).values()];
}

export interface MutationVerdict {
    /** Every changed probe was observed as the engine predicts after the mutation. */
    readonly seen: boolean;
    readonly changed: number;
    /** Changed probes whose outcome is not the predicted one (or gave no verdict). */
    readonly missed: readonly { readonly key: string; readonly predicted: boolean; readonly outcome: string }[];
}

/**
 * A mutation is seen when the engine predicts at least one changed connection and the dataplane
 * shows every one of them as predicted (allowed: connected or refused; denied: timeout).
 */
export function judgeMutation(changed: readonly ChangedProbe[], results: readonly ProbeResult[]): MutationVerdict {
    const byKey = new Map(results.map((r) => [probeKey(r.probe), r]));
    const missed = changed.flatMap((c) => {
        const key = probeKey(c.probe);
        const r = byKey.get(key);
        const through = r ? gotThrough(r.outcome) : undefined;
        return through === c.probe.allowed ? [] : [{ key, predicted: c.probe.allowed, outcome: r?.outcome ?? "no result" }];
    });
    return { seen: changed.length > 0 && missed.length === 0, changed: changed.length, missed };
}

/** The prediction turned upside down: the test of the test (a corrupted engine must make the check fail). */
export function corrupted(changed: readonly ChangedProbe[]): ChangedProbe[] {
    return changed.map((c) => ({ ...c, probe: { ...c.probe, allowed: !c.probe.allowed } }));
}

/** The suite's last line. */
export function summaryLine(probes: number, agree: number, mutationsSeen: number, mutations: number): string {
    return `cluster: ${probes} probes, ${agree} agree with the engine, ${mutationsSeen} of ${mutations} mutations seen`;
}

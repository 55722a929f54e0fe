/**
 * The local cluster's life: `up` starts etcd and kube-apiserver (in the outside network namespace,
 * which holds the API server's address) and the dataplane, kube-network-policies, as processes of
 * this user (root); `down` removes every process, network namespace, veth, route, iptables chain
 * and nftables table it created; `status` says what runs and which dataplane judges. Its state
 * (certificates, etcd's data, logs, the pids and what was created) lives in <cache>/run, outside
 * the repository.
 *
 * No kubelet and no kube-proxy: pods are created with spec.nodeName, their status is written by
 * the harness, each gets a network namespace wired as Calico's CNI wires one (live/local/plan.ts)
 * and a responder on its ports; Services are not translated (probes go to pod addresses).
 */
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { spawn } from "child_process";
import {
    ADDRESSES,
    GUARD_CHAIN,
    LocalPod,
    HOST_PORTS_CHAIN,
    NO_REJECT_CHAIN,
    NETNS_PREFIX,
    NODE_NAME,
    OUTSIDE,
    VERSIONS,
    guardRules,
    hostPortRules,
    noRejectRules,
    outsideAddresses,
    outsideNamespace,
    podWiring,
} from "../live/local/plan";
import { Binaries, CACHE_ROOT, binaries, felixBlocked, isBuilt } from "./build";
import { ClusterError, attempt, isAlive, run, waitFor } from "./host";

export const RUN_DIR = path.join(CACHE_ROOT, "run");
const STATE_FILE = path.join(RUN_DIR, "state.json");
export const KUBECONFIG = path.join(RUN_DIR, "admin.kubeconfig");

/** The dataplane's nftables table (kube-network-policies pkg/networkpolicy/controller.go, v0.8.0: NFTableName's default). */
export const DATAPLANE_TABLE = ["inet", "kube-network-policies"] as const;
/** What judges the probes, as status and the suite say it. */
export const KNP = `kube-network-policies ${VERSIONS.kubeNetworkPolicies} (SIG Network's reference NetworkPolicy implementation), not Calico`;
export const KUBE_ROUTER = `kube-router ${VERSIONS.kubeRouter}'s network policy controller (iptables and ipset; not Calico: felix is not served by the Go proxy)`;
export type Dataplane = "kube-network-policies" | "kube-router";

/** Chains of ours and kube-router's (pkg/controllers/netpol, v2.1.0), and the rules in built-in chains that jump to them. */
const OUR_CHAIN = /^-N (LOCALCLUSTER-|KUBE-ROUTER-|KUBE-POD-FW-|KUBE-NWPLCY-)/;
const OUR_RULE = /^-A (INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) .*-j (LOCALCLUSTER-|KUBE-ROUTER-)/;
/** kube-router's ipsets (pkg/controllers/netpol, v2.1.0). */
const OUR_IPSET = /^(KUBE-SRC-|KUBE-DST-|KUBE-ROUTER-|kube-router-)/;
const TABLES = ["filter", "mangle"] as const;

interface State {
    processes: { name: string; pid: number }[];
    pods: LocalPod[];
    /** The outside namespace's stand-in addresses. */
    outside: string[];
    /** Which dataplane runs, or why none does. */
    dataplane?: Dataplane;
    dataplaneProblem?: string;
}

function readState(): State | undefined {
    return fs.existsSync(STATE_FILE) ? (JSON.parse(fs.readFileSync(STATE_FILE, "utf8")) as State) : undefined;
}

function writeState(s: State): void {
    fs.writeFileSync(STATE_FILE, JSON.stringify(s, null, 2));
}

function ipsets(): string[] {
    return attempt("ipset", ["list", "-n"])
        .stdout.split("\n")
        .filter((s) => OUR_IPSET.test(s));
}

function netnsList(): string[] {
    return attempt("ip", ["netns", "list"])
        .stdout.split("\n")
        .map((l) => l.split(" ")[0]!)
        .filter((n) => n.startsWith(NETNS_PREFIX));
}

/** Interfaces of ours: the pods' veths (as recorded), the outside veth, temporary names. */
function ourLinks(state: State | undefined): string[] {
    const veths = new Set((state?.pods ?? []).map((p) => p.veth));
    return attempt("ip", ["-o", "link", "show"])
        .stdout.split("\n")
        .map((l) => l.split(": ")[1]?.split("@")[0] ?? "")
        .filter((l) => veths.has(l) || l.startsWith("lctmp") || l === OUTSIDE.veth);
}

/** What a run left on this machine: the things down removes. Empty when the machine is clean. */
export function leftovers(): string[] {
    const found: string[] = [];
    const state = readState();
    for (const p of state?.processes ?? []) if (isAlive(p.pid)) found.push(`process ${p.name} (pid ${p.pid})`);
    found.push(...netnsList().map((n) => `network namespace ${n}`));
    found.push(...ourLinks(state).map((l) => `interface ${l}`));
    const routes = attempt("ip", ["route", "show"]).stdout.split("\n");
    found.push(...routes.filter((r) => r.startsWith("10.244.") || r.includes(` dev ${OUTSIDE.veth}`)).map((r) => `route ${r.trim()}`));
    for (const table of TABLES) {
        const rules = attempt("iptables", ["-t", table, "-S"]).stdout.split("\n");
        found.push(...rules.filter((l) => OUR_CHAIN.test(l)).map((c) => `iptables chain ${table}/${c.slice(3)}`));
        found.push(...rules.filter((l) => OUR_RULE.test(l)).map((r) => `iptables rule ${table}: ${r}`));
    }
    found.push(...ipsets().map((s) => `ipset ${s}`));
    if (attempt("nft", ["list", "table", ...DATAPLANE_TABLE]).code === 0) found.push(`nftables table ${DATAPLANE_TABLE.join(" ")}`);
    if (fs.existsSync(STATE_FILE) && found.length === 0) found.push(`state file ${STATE_FILE}`);
    return found;
}

function checkPortFree(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", (e: NodeJS.ErrnoException) =>
            reject(
                new ClusterError(
                    e.code === "EADDRINUSE"
                        ? `port ${host}:${port} is in use: stop what holds it (ss -ltnp 'sport = :${port}') and run up again`
                        : `cannot listen on ${host}:${port}: ${e.message}`,
                ),
            ),
        );
        server.listen(port, host, () => server.close(() => resolve()));
    });
}

/** Self-signed CA, the API server's serving certificate, the admin client certificate, the service-account key pair. */
function certificates(): void {
    const dir = path.join(RUN_DIR, "pki");
    fs.mkdirSync(dir, { recursive: true });
    const f = (n: string) => path.join(dir, n);
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    run("openssl", ["req", "-x509", ...ec, "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", "3", "-subj", "/CN=local-cluster-ca"]);
    const sign = (name: string, subject: string, ext: string) => {
        run("openssl", ["req", ...ec, "-keyout", f(`${name}.key`), "-out", f(`${name}.csr`), "-subj", subject]);
        fs.writeFileSync(f(`${name}.ext`), ext);
        run("openssl", [
            "x509",
            "-req",
            "-in",
            f(`${name}.csr`),
            "-CA",
            f("ca.crt"),
            "-CAkey",
            f("ca.key"),
            "-CAcreateserial",
            "-days",
            "3",
            "-out",
            f(`${name}.crt`),
            "-extfile",
            f(`${name}.ext`),
        ]);
    };
    sign(
        "apiserver",
        "/CN=kube-apiserver",
        `subjectAltName=IP:${ADDRESSES.apiServer},IP:127.0.0.1,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\n`,
    );
    sign("admin", "/O=system:masters/CN=local-cluster-admin", "extendedKeyUsage=clientAuth\n");
    run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", f("sa.key")]);
    run("openssl", ["pkey", "-in", f("sa.key"), "-pubout", "-out", f("sa.pub")]);
    const b64 = (n: string) => fs.readFileSync(f(n)).toString("base64");
    fs.writeFileSync(
        KUBECONFIG,
        JSON.stringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: [
                {
                    name: "local",
                    cluster: {
                        server: `https://${ADDRESSES.apiServer}:${ADDRESSES.apiServerPort}`,
                        "certificate-authority-data": b64("ca.crt"),
                    },
                },
            ],
            users: [{ name: "admin", user: { "client-certificate-data": b64("admin.crt"), "client-key-data": b64("admin.key") } }],
            contexts: [{ name: "local", context: { cluster: "local", user: "admin" } }],
            "current-context": "local",
        }),
    );
}

function start(state: State, name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
    const log = fs.openSync(path.join(RUN_DIR, `${name}.log`), "w");
    const child = spawn(command, args, { detached: true, stdio: ["ignore", log, log], env });
    fs.closeSync(log);
    if (child.pid === undefined) throw new ClusterError(`${name} did not start (${command})`);
    child.unref();
    state.processes.push({ name, pid: child.pid });
    writeState(state);
    return child.pid;
}

function tail(name: string): string {
    const file = path.join(RUN_DIR, `${name}.log`);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").slice(-3).join(" | ") : "";
}

/** An HTTP GET answered 200 (from the outside namespace when `netns` is given). */
function httpOk(url: string, options: { tls?: boolean; netns?: string } = {}): boolean {
    const pki = (n: string) => path.join(RUN_DIR, "pki", n);
    const tls = options.tls ? ["--cacert", pki("ca.crt"), "--cert", pki("admin.crt"), "--key", pki("admin.key")] : [];
    const curl = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", ...tls, url];
    const r = options.netns ? attempt("ip", ["netns", "exec", options.netns, ...curl]) : attempt(curl[0]!, curl.slice(1));
    return r.stdout.trim() === "200";
}

export function kubectl(b: Binaries, args: readonly string[], input?: string): string {
    return run(b.kubectl, ["--kubeconfig", KUBECONFIG, ...args], { input });
}

/** The Node the pods are bound to, and the dataplane's ServiceAccount with read access to what it enforces. */
function clusterObjects(): string {
    const rbac = "rbac.authorization.k8s.io";
    return JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: [
            {
                apiVersion: "v1",
                kind: "Node",
                metadata: { name: NODE_NAME, labels: { "kubernetes.io/hostname": NODE_NAME, "kubernetes.io/os": "linux" } },
                spec: { podCIDR: ADDRESSES.podCidr, podCIDRs: [ADDRESSES.podCidr] },
            },
            { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "kube-network-policies", namespace: "kube-system" } },
            {
                apiVersion: `${rbac}/v1`,
                kind: "ClusterRole",
                metadata: { name: "kube-network-policies" },
                // What its informers read (cmd/main.go, v0.8.0): pods, namespaces, NetworkPolicies, nodes.
                rules: [
                    { apiGroups: [""], resources: ["pods", "namespaces", "nodes"], verbs: ["get", "list", "watch"] },
                    { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get", "list", "watch"] },
                ],
            },
            {
                apiVersion: `${rbac}/v1`,
                kind: "ClusterRoleBinding",
                metadata: { name: "kube-network-policies" },
                roleRef: { apiGroup: rbac, kind: "ClusterRole", name: "kube-network-policies" },
                subjects: [{ kind: "ServiceAccount", name: "kube-network-policies", namespace: "kube-system" }],
            },
        ],
    });
}

/** Starts the cluster; the API server half comes up even when the dataplane cannot (then `dataplaneProblem` says why, in one line). */
export async function up(log: (line: string) => void): Promise<{ dataplaneProblem?: string }> {
    const b = binaries();
    if (!isBuilt(b)) throw new ClusterError(`the binaries are not built (${b.dir}): run npm run cluster -- build`);
    for (const tool of ["ip", "iptables", "ipset", "nft", "openssl", "curl", "unshare"])
        if (attempt("sh", ["-c", `command -v ${tool}`]).code !== 0)
            throw new ClusterError(`${tool} is missing: apt-get install -y iptables ipset nftables iproute2 openssl curl util-linux`);
    const left = leftovers();
    if (left.length > 0)
        throw new ClusterError(
            `leftovers from an earlier run (${left.slice(0, 3).join(", ")}${left.length > 3 ? `, … ${left.length} in all` : ""}): run npm run cluster -- down`,
        );
    const clash = attempt("ip", ["route", "get", ADDRESSES.apiServer]).stdout;
    if (!clash.includes(" via "))
        throw new ClusterError(
            `${ADDRESSES.apiServer} is on a network of this machine already (${clash.trim()}): the local cluster needs 172.30.0.2 and 10.244.0.0/16 free`,
        );
    await checkPortFree("127.0.0.1", ADDRESSES.dataplaneMetricsPort);
    await checkPortFree("0.0.0.0", ADDRESSES.kubeRouterHealthPort);
    fs.rmSync(RUN_DIR, { recursive: true, force: true });
    fs.mkdirSync(RUN_DIR, { recursive: true });
    const state: State = {
        processes: [],
        pods: [],
        outside: [],
    };
    writeState(state);

    // The outside namespace holds the API server's address; the host forwards between it and the pods.
    const outside = outsideNamespace();
    for (const args of outside.ip) run("ip", args);
    for (const [file, value] of outside.sysctls) fs.writeFileSync(file, value);
    run("iptables", ["-t", "mangle", "-N", GUARD_CHAIN]);
    for (const rule of guardRules()) run("iptables", ["-t", "mangle", ...rule]);
    run("iptables", ["-t", "mangle", "-I", "FORWARD", "1", "-j", GUARD_CHAIN]);
    certificates();

    const inOutside = (command: string) => ["netns", "exec", OUTSIDE.netns, command];
    const etcdUrl = `http://127.0.0.1:${ADDRESSES.etcdClientPort}`;
    start(state, "etcd", "ip", [
        ...inOutside(b.etcd),
        "--name=local",
        `--data-dir=${path.join(RUN_DIR, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${ADDRESSES.etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${ADDRESSES.etcdPeerPort}`,
        `--initial-cluster=local=http://127.0.0.1:${ADDRESSES.etcdPeerPort}`,
        "--unsafe-no-fsync",
        "--log-level=warn",
    ]);
    await waitFor(`etcd's /health (${tail("etcd")})`, 30_000, () => httpOk(`${etcdUrl}/health`, { netns: OUTSIDE.netns }));
    log("etcd is healthy");

    const pki = (n: string) => path.join(RUN_DIR, "pki", n);
    start(state, "kube-apiserver", "ip", [
        ...inOutside(b.kubeApiserver),
        `--etcd-servers=${etcdUrl}`,
        `--bind-address=${ADDRESSES.apiServer}`,
        `--advertise-address=${ADDRESSES.apiServer}`,
        `--secure-port=${ADDRESSES.apiServerPort}`,
        `--tls-cert-file=${pki("apiserver.crt")}`,
        `--tls-private-key-file=${pki("apiserver.key")}`,
        `--client-ca-file=${pki("ca.crt")}`,
        `--service-account-key-file=${pki("sa.pub")}`,
        `--service-account-signing-key-file=${pki("sa.key")}`,
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-cluster-ip-range=10.96.0.0/16",
        "--authorization-mode=Node,RBAC",
        // The defaults keep ValidatingAdmissionPolicy and PodSecurity on; NodeRestriction is added as kubeadm does.
        "--enable-admission-plugins=NodeRestriction",
        "--allow-privileged=false",
        "--profiling=false",
        `--cert-dir=${pki("")}`,
    ]);
    await waitFor(
        `kube-apiserver's /readyz (${tail("kube-apiserver")})`,
        90_000,
        () => httpOk(`https://${ADDRESSES.apiServer}:${ADDRESSES.apiServerPort}/readyz`, { tls: true }),
        500,
    );
    log("kube-apiserver is ready");

    kubectl(b, ["apply", "--server-side", "-f", "-"], clusterObjects());
    let knpProblem: string | undefined;
    try {
        nfqueueSupported();
    } catch (e) {
        if (!(e instanceof ClusterError)) throw e;
        knpProblem = e.message;
        log(`${KNP} cannot run here: ${knpProblem}; the dataplane is ${KUBE_ROUTER}`);
    }
    const dataplane: Dataplane = knpProblem ? "kube-router" : "kube-network-policies";
    try {
        await (dataplane === "kube-router" ? startKubeRouter(state, b) : startDataplane(state, b));
        state.dataplane = dataplane;
        writeState(state);
        log(`the dataplane is ready: ${dataplaneName(dataplane)}`);
        return {};
    } catch (e) {
        if (!(e instanceof ClusterError)) throw e;
        // The API server half stays up; the dataplane is stopped and its rules removed.
        const dp = state.processes.find((p) => p.name === dataplane);
        if (dp && isAlive(dp.pid)) process.kill(-dp.pid, "SIGKILL");
        attempt("nft", ["delete", "table", ...DATAPLANE_TABLE]);
        const problem = `the dataplane (${dataplaneName(dataplane)}) did not start: ${e.message}${knpProblem ? `; ${KNP}: ${knpProblem}` : ""}`;
        state.dataplaneProblem = problem;
        writeState(state);
        log(problem);
        return { dataplaneProblem: problem };
    }
}

export function dataplaneName(d: Dataplane): string {
    return d === "kube-router" ? KUBE_ROUTER : KNP;
}

/** Which dataplane runs now (the suite waits on it), if any. */
export function runningDataplane(): Dataplane | undefined {
    return readState()?.dataplane;
}

/**
 * kube-router with only its network policy controller (--run-firewall; router, service proxy and
 * CNI off), for this Node. It finds the node's address in the Node's status (InternalIP), which no
 * kubelet writes here: the host's address on the outside veth. Ready when /healthz answers and its
 * chains exist.
 */
async function startKubeRouter(state: State, b: Binaries): Promise<void> {
    const status = {
        status: {
            addresses: [
                { type: "InternalIP", address: ADDRESSES.hostOnOutside },
                { type: "Hostname", address: NODE_NAME },
            ],
        },
    };
    kubectl(b, ["patch", "node", NODE_NAME, "--subresource=status", "--type=merge", "-p", JSON.stringify(status)]);
    run("iptables", ["-t", "mangle", "-N", NO_REJECT_CHAIN]);
    for (const rule of noRejectRules()) run("iptables", ["-t", "mangle", ...rule]);
    run("iptables", ["-t", "mangle", "-I", "OUTPUT", "1", "-j", NO_REJECT_CHAIN]);
    run("iptables", ["-t", "mangle", "-N", HOST_PORTS_CHAIN]);
    for (const rule of hostPortRules()) run("iptables", ["-t", "mangle", ...rule]);
    run("iptables", ["-t", "mangle", "-I", "INPUT", "1", "-j", HOST_PORTS_CHAIN]);
    start(state, "kube-router", b.kubeRouter, [
        `--kubeconfig=${KUBECONFIG}`,
        `--hostname-override=${NODE_NAME}`,
        "--run-firewall=true",
        "--run-router=false",
        "--run-service-proxy=false",
        "--enable-cni=false",
        `--health-port=${ADDRESSES.kubeRouterHealthPort}`,
        "--service-cluster-ip-range=10.96.0.0/16",
        "--v=1",
    ]);
    await waitFor(
        `kube-router (http://127.0.0.1:${ADDRESSES.kubeRouterHealthPort}/healthz and its iptables chains; ${tail("kube-router")})`,
        60_000,
        () => {
            const dp = readState()!.processes.find((p) => p.name === "kube-router")!;
            if (!isAlive(dp.pid)) throw new ClusterError(`kube-router exited: ${tail("kube-router")}`);
            return (
                httpOk(`http://127.0.0.1:${ADDRESSES.kubeRouterHealthPort}/healthz`) &&
                attempt("iptables", ["-S", "KUBE-ROUTER-FORWARD"]).code === 0
            );
        },
        500,
    );
}

/**
 * kube-network-policies sends each new connection of a policed pod to user space with nftables'
 * `queue` statement (pkg/networkpolicy/controller.go, v0.8.0); a kernel without it (nft_queue)
 * refuses the whole table. Asked of the kernel first, in a table of our own, so the reason is exact.
 */
function nfqueueSupported(): void {
    const table = ["inet", "lc-queue-check"];
    const steps = [
        ["add", "table", ...table],
        ["add", "chain", ...table, "c", "{ type filter hook postrouting priority 95; }"],
        ["add", "rule", ...table, "c", "queue", "num", "100"],
    ];
    try {
        for (const step of steps) {
            const r = attempt("nft", step);
            if (r.code !== 0)
                throw new ClusterError(
                    `this kernel has no nftables queue statement, which kube-network-policies needs: \`nft ${step.join(" ")}\` failed: ${r.stderr.trim().split("\n")[0]}`,
                );
        }
    } finally {
        attempt("nft", ["delete", "table", ...table]);
    }
}

/** Starts kube-network-policies and waits until it is ready. */
async function startDataplane(state: State, b: Binaries): Promise<void> {
    const pki = (n: string) => path.join(RUN_DIR, "pki", n);
    nfqueueSupported();
    // The dataplane: kube-network-policies reads only the in-cluster configuration (rest.InClusterConfig,
    // cmd/main.go v0.8.0), so it gets a ServiceAccount token and the CA in a mount namespace of its own.
    const secrets = path.join(RUN_DIR, "serviceaccount");
    fs.mkdirSync(secrets, { recursive: true });
    fs.writeFileSync(
        path.join(secrets, "token"),
        kubectl(b, ["create", "token", "kube-network-policies", "-n", "kube-system", "--duration=48h"]).trim(),
    );
    fs.copyFileSync(pki("ca.crt"), path.join(secrets, "ca.crt"));
    const mountAndRun =
        'mount -t tmpfs tmpfs /run && mkdir -p /run/secrets/kubernetes.io/serviceaccount && cp "$0/token" "$0/ca.crt" /run/secrets/kubernetes.io/serviceaccount/ && shift && exec "$@"';
    start(
        state,
        "kube-network-policies",
        "unshare",
        [
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            mountAndRun,
            secrets,
            "-",
            b.dataplane,
            `--hostname-override=${NODE_NAME}`,
            "--disable-nri",
            "--fail-open=false",
            `--metrics-bind-address=127.0.0.1:${ADDRESSES.dataplaneMetricsPort}`,
            "--v=2",
        ],
        { ...process.env, KUBERNETES_SERVICE_HOST: ADDRESSES.apiServer, KUBERNETES_SERVICE_PORT: String(ADDRESSES.apiServerPort) },
    );
    // Ready: its metrics server answers and it has written its nftables table (after its informers synced).
    await waitFor(
        `kube-network-policies (its metrics on 127.0.0.1:${ADDRESSES.dataplaneMetricsPort} and its nftables table; ${tail("kube-network-policies")})`,
        60_000,
        () => {
            const dp = readState()!.processes.find((p) => p.name === "kube-network-policies")!;
            if (!isAlive(dp.pid)) throw new ClusterError(`kube-network-policies exited: ${tail("kube-network-policies")}`);
            return (
                httpOk(`http://127.0.0.1:${ADDRESSES.dataplaneMetricsPort}/metrics`) &&
                attempt("nft", ["list", "table", ...DATAPLANE_TABLE]).code === 0
            );
        },
        500,
    );
}

export async function addPods(pods: readonly LocalPod[]): Promise<void> {
    const state = readState();
    if (!state) throw new ClusterError("the local cluster is not up: run npm run cluster -- up");
    const responder = path.join(__dirname, "responder.cjs");
    const waits: Promise<void>[] = [];
    for (const p of pods) {
        state.pods.push(p);
        writeState(state);
        const w = podWiring(p);
        for (const args of w.ip) run("ip", args);
        for (const [file, value] of w.sysctls) fs.writeFileSync(file, value);
        const out = path.join(RUN_DIR, `pod-${p.netns}.log`);
        const fd = fs.openSync(out, "w");
        const child = spawn(
            "ip",
            ["netns", "exec", p.netns, process.execPath, responder, "--tcp", p.tcp.join(","), "--udp", p.udp.join(",")],
            { detached: true, stdio: ["ignore", fd, fd] },
        );
        fs.closeSync(fd);
        child.unref();
        state.processes.push({ name: `responder ${p.namespace}/${p.name}`, pid: child.pid! });
        writeState(state);
        waits.push(
            waitFor(
                `the responder of ${p.namespace}/${p.name} (${out})`,
                30_000,
                () => fs.readFileSync(out, "utf8").includes("ready"),
                100,
            ),
        );
    }
    await Promise.all(waits);
}

/** Gives the outside namespace these stand-in addresses (those it lacks). */
export function addOutside(addresses: readonly string[]): void {
    const state = readState();
    if (!state) throw new ClusterError("the local cluster is not up: run npm run cluster -- up");
    const fresh = [...new Set(addresses)].filter((a) => !state.outside.includes(a) && a !== ADDRESSES.apiServer).sort();
    if (fresh.length === 0) return;
    state.outside.push(...fresh);
    writeState(state);
    for (const args of outsideAddresses(fresh)) run("ip", args);
}

/** Removes everything up and the pods created; safe to run again and after a killed run. */
export function down(log: (line: string) => void): void {
    const state = readState();
    for (const p of [...(state?.processes ?? [])].reverse()) {
        if (!isAlive(p.pid)) continue;
        try {
            process.kill(-p.pid, "SIGKILL");
        } catch {
            try {
                process.kill(p.pid, "SIGKILL");
            } catch {
                /* gone already */
            }
        }
    }
    for (const n of netnsList()) attempt("ip", ["netns", "delete", n]);
    for (const l of ourLinks(state)) attempt("ip", ["link", "delete", l]);
    // Ours and kube-router's: first the rules in built-in chains that jump into them, then the
    // chains; iptables-restore reads the quoted comments kube-router puts on its rules.
    for (const table of TABLES) {
        const rules = attempt("iptables", ["-t", table, "-S"]).stdout.split("\n");
        const chains = rules.filter((r) => OUR_CHAIN.test(r)).map((r) => r.slice(3));
        const jumps = rules.filter((r) => OUR_RULE.test(r)).map((r) => r.replace(/^-A /, "-D "));
        if (chains.length === 0 && jumps.length === 0) continue;
        const script = [`*${table}`, ...jumps, ...chains.map((c) => `-F ${c}`), ...chains.map((c) => `-X ${c}`), "COMMIT", ""].join("\n");
        const r = attempt("iptables-restore", ["--noflush"], script);
        if (r.code !== 0) log(`iptables-restore (${table}): ${r.stderr.trim()}`);
    }
    for (const set of ipsets()) attempt("ipset", ["destroy", set]);
    // kube-network-policies deletes its table when stopped gracefully; killed, it leaves it.
    attempt("nft", ["delete", "table", ...DATAPLANE_TABLE]);
    if (fs.existsSync(STATE_FILE)) fs.rmSync(STATE_FILE);
    const left = leftovers();
    if (left.length > 0) throw new ClusterError(`down left ${left.length} things behind: ${left.join(", ")}`);
    log("down: nothing left");
}

export function status(): string[] {
    const state = readState();
    const blocked = felixBlocked();
    const lines = [`dataplane: ${state?.dataplane ? dataplaneName(state.dataplane) : "none"}${blocked ? `; ${blocked}` : ""}`];
    if (!state) return [...lines, "not up"];
    return [
        ...lines,
        ...state.processes
            .filter((p) => !p.name.startsWith("responder"))
            .map((p) => `${p.name}: ${isAlive(p.pid) ? `running (pid ${p.pid})` : "not running"}`),
        ...(state.dataplaneProblem ? [state.dataplaneProblem] : []),
        `pods wired: ${state.pods.length}`,
        `KUBECONFIG=${KUBECONFIG}`,
    ];
}

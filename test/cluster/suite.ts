/**
 * The cluster suite (`npm run test:cluster`; .ci/run runs it after `npm test`): the kind stack's
 * manifests and representative pods on the local cluster (docs/local-cluster.md), every probe of
 * the plan run inside its source pod's network namespace through a real dataplane (kube-network-policies) and
 * judged by verify's judge, three mutations observed on the dataplane and predicted by the engine,
 * drift read from the real server, and a clean `down`. Prints one line per check (`ok` / `not
 * ok`), `N passed, N failed`, and last:
 *   cluster: N probes, N agree with the engine, M of M mutations seen
 * Exits 0 only when every check passed (every probe agrees, every mutation is seen).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { parse } from "yaml";
import { StackConfig, formatProblem, parseStackConfig, projectConfigValues } from "../../config/schema";
import { ROUTE_POLICY, SERVICE_POLICY, tenantGuardrails } from "../../compiler/admission";
import { MANAGED_BY_LABELS, ZONE_LABEL } from "../../compiler/generate";
import { READ_ALL_GROUP, namespaceTenancy, readAllRbac, teamGroup } from "../../compiler/tenancy";
import { CLUSTER_DNS } from "../../compiler/intent";
import { gatewayListenerPorts } from "../../compiler/platform";
import { planSnapshot } from "../../compiler/planSnapshot";
import { ReachabilityModel } from "../../engine/evaluate";
import { NetworkPolicy } from "../../engine/k8s";
import { Snapshot } from "../../engine/snapshot";
import { LiveCluster, readLiveList } from "../../live/cluster";
import { StackExpectation, stackExpectation } from "../../live/expected";
import { ProbeResult, complete, judgeResults, renderJudgement } from "../../live/judge";
import { readCluster } from "../../live/kubectl";
import { PlannedProbe, ProbePlan, expectsVerdict, probePlan } from "../../live/probePlan";
import { batchesBySource, probeArguments, probeTargets, readProbeLog } from "../../live/runner";
import { REPRESENTATIVE_LABEL, representativePods, standInGatewayService } from "../../live/workloads";
import {
    ADDRESSES,
    ChangedProbe,
    LocalPod,
    atPorts,
    NODE_NAME,
    calicoVethName,
    changedProbes,
    corrupted,
    judgeMutation,
    netnsName,
    podAddress,
    summaryLine,
} from "../../live/local/plan";
import { readStackFileAt } from "../../offline/stackFile";
import { Binaries, build, felixBlocked } from "../../localCluster/build";
import { selectorMatches } from "../../engine/selectors";
import {
    dataplaneName,
    runningDataplane,
    DATAPLANE_TABLE,
    KUBECONFIG,
    addOutside,
    addPods,
    down,
    kubectl,
    leftovers,
    up,
} from "../../localCluster/cluster";
import { ClusterError, attemptAsync, run, waitFor } from "../../localCluster/host";

const PROJECT_DIR = path.resolve(__dirname, "..", "..");
const STACK_FILE = path.join(PROJECT_DIR, "live", "kind", "Pulumi.kind.yaml");
/** Per probe: a dropped packet is a timeout after this long. */
const PROBE_TIMEOUT_MS = 1500;
/** How long a mutation may take to reach the dataplane (it follows the API server through its informers). */
const MUTATION_DEADLINE_MS = 30_000;
/** Not a pullable image: no kubelet runs these pods, the harness serves their ports. */
const NO_IMAGE = "local-cluster.invalid/responder:none@sha256:0000000000000000000000000000000000000000000000000000000000000000";

let passed = 0;
let failed = 0;
function check(name: string, ok: boolean, detail = ""): boolean {
    if (ok) passed++;
    else failed++;
    process.stdout.write(`${ok ? "ok" : "not ok"} - ${name}${detail ? `: ${detail}` : ""}\n`);
    return ok;
}
const log = (line: string) => process.stdout.write(`# ${line}\n`);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function loadStack(): { config: StackConfig; expected: StackExpectation } {
    const file = readStackFileAt(PROJECT_DIR, STACK_FILE);
    const parsed = parseStackConfig(projectConfigValues(file.config));
    if (!parsed.ok) throw new ClusterError(`${STACK_FILE}: ${parsed.problems.map(formatProblem).join("; ")}`);
    return { config: parsed.config, expected: stackExpectation(parsed.config) };
}

/**
 * The tenancy and guardrail objects index.ts gives the cluster, from the same pure functions: each
 * business namespace's team Role and RoleBinding, the read-all ClusterRole of the CI preview
 * role, and the ValidatingAdmissionPolicies with their bindings. (out/kind/ holds only the
 * manifests `kubectl apply` takes in the kind job: namespaces, policies and the Gateway.)
 */
function tenancyObjects(config: StackConfig, expected: StackExpectation): Record<string, unknown>[] {
    const guardrails = tenantGuardrails({
        businessNamespaceLabels: { [ZONE_LABEL]: "business" },
        routeHostnames: config.routeHostnames,
        labels: MANAGED_BY_LABELS,
    });
    const teams = expected.namespaces.flatMap((n) => {
        const ns = config.network.namespaces.find((x) => x.name === n.metadata.name);
        const role = expected.intent.namespaces.some((x) => x.name === n.metadata.name) ? "business" : "tools";
        const t = namespaceTenancy(
            { name: n.metadata.name, role, team: ns?.team },
            config.tenancy,
            config.cluster.kubernetesVersion,
            MANAGED_BY_LABELS,
        );
        return [t.role, t.roleBinding].filter((o) => o !== undefined);
    });
    const readAll = readAllRbac(MANAGED_BY_LABELS);
    return [...guardrails.policies, ...guardrails.bindings, ...teams, readAll.role, readAll.binding] as unknown as Record<
        string,
        unknown
    >[];
}

/** A request as someone else (kubectl --as/--as-group): its exit code and output. */
function asUser(b: Binaries, user: string, group: string, args: readonly string[], input?: string): { code: number; output: string } {
    const r = spawnSync(b.kubectl, ["--kubeconfig", KUBECONFIG, "--as", user, "--as-group", group, ...args], { input, encoding: "utf8" });
    return { code: r.status ?? 1, output: `${r.stdout}${r.stderr}`.trim() };
}

/** The suite's own scratch folder (the plan's manifests, the server's List): removed at its end. */
const SCRATCH = fs.mkdtempSync(path.join(os.tmpdir(), "local-cluster-suite-"));

/** The kind stack's manifests, as `npm run plan` writes them (in apply order). */
function planManifests(): string {
    const outDir = path.join(SCRATCH, "plan");
    run(process.execPath, ["--require", "tsx/cjs", path.join(PROJECT_DIR, "scripts", "plan.ts"), STACK_FILE, "--out-dir", outDir], {
        cwd: PROJECT_DIR,
    });
    return path.join(outDir, "kind");
}

async function liveCluster(): Promise<LiveCluster> {
    const read = readLiveList("the local cluster", await readCluster({ kubeconfig: KUBECONFIG, timeoutMs: 30_000 }));
    if (!read.ok) throw new ClusterError(read.problems.join("; "));
    return read.cluster;
}

function planOf(snapshot: Snapshot, expected: StackExpectation, cluster: LiveCluster): ProbePlan {
    return probePlan(snapshot, {
        intent: expected.intent,
        managedNamespaces: expected.namespaces.map((n) => n.metadata.name),
        apiServer: cluster.apiServer,
        maxProbes: 3000,
    });
}

/** Runs probes from each source's network namespace, four sources at once. */
async function runProbes(
    probes: readonly PlannedProbe[],
    cluster: LiveCluster,
    pods: ReadonlyMap<string, LocalPod>,
): Promise<ProbeResult[]> {
    const ips = new Map(cluster.pods.filter((p) => p.ip).map((p) => [`${p.namespace}/${p.name}`, p.ip!]));
    const batches = batchesBySource(probes);
    const results: ProbeResult[] = [];
    const probeScript = path.join(PROJECT_DIR, "localCluster", "probe.cjs");
    let next = 0;
    const worker = async () => {
        while (next < batches.length) {
            const batch = batches[next++]!;
            const pod = pods.get(`${batch.namespace}/${batch.pod}`);
            if (!pod) throw new ClusterError(`no network namespace for source ${batch.namespace}/${batch.pod}`);
            const args = probeArguments(batch.probes, probeTargets(batch.probes, ips));
            const r = await attemptAsync(
                "ip",
                ["netns", "exec", pod.netns, process.execPath, probeScript, String(PROBE_TIMEOUT_MS), "128", ...args],
                120_000,
            );
            results.push(...readProbeLog(r.stdout, batch.probes), ...batch.notRunnable);
        }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    return results;
}

/**
 * Waits until the dataplane has every pod a policy selects in its set of policed pods
 * (kube-network-policies' nftables set podips-v4) and its table stops changing for 2 s.
 */
async function dataplaneSettled(cluster: LiveCluster): Promise<void> {
    const policed = cluster.snapshot.pods
        .filter((pod) =>
            cluster.snapshot.policies.some(
                (p) => p.metadata.namespace === pod.namespace && selectorMatches(p.spec.podSelector, pod.labels),
            ),
        )
        .map((p) => p.ip);
    const kubeRouter = runningDataplane() === "kube-router";
    // kube-router: one KUBE-POD-FW-<hash> chain per policed pod; kube-network-policies: its set of policed pods.
    const read = () =>
        kubeRouter
            ? spawnSync("iptables-save", ["-t", "filter"], { encoding: "utf8" })
                  .stdout.split("\n")
                  .filter((l) => !l.startsWith("#"))
                  .join("\n")
                  .replace(/\[\d+:\d+\]/g, "")
            : spawnSync("nft", ["list", "table", ...DATAPLANE_TABLE], { encoding: "utf8" }).stdout;
    const complete = (rules: string) =>
        kubeRouter
            ? (rules.match(/^:KUBE-POD-FW-/gm) ?? []).length >= policed.length
            : policed.every((ip) => new RegExp(`[ {,]${ip.replace(/\./g, "\\.")}[ },\n]`).test(rules));
    let last = "";
    let stableSince = Date.now();
    await waitFor(`the dataplane to police all ${policed.length} pods that policies select`, 60_000, () => {
        const rules = read();
        if (!complete(rules)) return false;
        if (rules !== last) {
            last = rules;
            stableSince = Date.now();
            return false;
        }
        return Date.now() - stableSince >= 2000;
    });
}

/** The pods of the plan's snapshot, plus a stand-in for CoreDNS (labels k8s-app=kube-dns) that answers DNS. */
function podsToCreate(snapshot: Snapshot): { manifests: Record<string, unknown>[]; local: LocalPod[] } {
    const list = representativePods(snapshot, NO_IMAGE) as { items: Record<string, unknown>[] };
    const dns = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
            name: "coredns-local",
            namespace: CLUSTER_DNS.namespace,
            labels: { ...CLUSTER_DNS.podLabels, [REPRESENTATIVE_LABEL]: "true" },
        },
        spec: {
            automountServiceAccountToken: false,
            containers: [
                {
                    name: "coredns",
                    image: NO_IMAGE,
                    ports: [
                        { containerPort: 53, protocol: "UDP" },
                        { containerPort: 53, protocol: "TCP" },
                    ],
                },
            ],
        },
    };
    interface PodManifest {
        metadata: { name: string; namespace: string };
        spec: { containers: { ports?: { containerPort: number; protocol: string }[] }[] } & Record<string, unknown>;
    }
    const manifests = ([...list.items, dns] as unknown as PodManifest[]).map((m) => ({ ...m, spec: { ...m.spec, nodeName: NODE_NAME } }));
    const local = manifests.map((m, i): LocalPod => {
        const ports = m.spec.containers[0]!.ports ?? [];
        return {
            namespace: m.metadata.namespace,
            name: m.metadata.name,
            ip: podAddress(i),
            netns: netnsName(m.metadata.namespace, m.metadata.name),
            veth: calicoVethName(m.metadata.namespace, m.metadata.name),
            tcp: ports.filter((p) => p.protocol === "TCP").map((p) => p.containerPort),
            udp: ports.filter((p) => p.protocol === "UDP").map((p) => p.containerPort),
        };
    });
    return { manifests: manifests as unknown as Record<string, unknown>[], local };
}

/** Creates the pods (each namespace's default ServiceAccount first: no controller-manager makes it) and writes their status as a kubelet would. */
async function createPods(manifests: readonly Record<string, unknown>[], local: readonly LocalPod[]): Promise<void> {
    const b = build(log).binaries;
    const namespaces = [...new Set(local.map((p) => p.namespace))];
    const accounts = namespaces.map((ns) => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: ns } }));
    kubectl(b, ["apply", "--server-side", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: accounts }));
    kubectl(b, ["create", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: manifests }));
    const now = new Date().toISOString();
    let next = 0;
    const worker = async () => {
        while (next < local.length) {
            const p = local[next++]!;
            const status = {
                status: {
                    phase: "Running",
                    podIP: p.ip,
                    podIPs: [{ ip: p.ip }],
                    // The Node's InternalIP: kube-router polices the pods whose hostIP is its node's (pkg/controllers/netpol/pod.go, v2.1.0).
                    hostIP: ADDRESSES.hostOnOutside,
                    startTime: now,
                    conditions: [{ type: "Ready", status: "True", lastTransitionTime: now }],
                },
            };
            const r = await attemptAsync(
                b.kubectl,
                [
                    "--kubeconfig",
                    KUBECONFIG,
                    "patch",
                    "pod",
                    p.name,
                    "-n",
                    p.namespace,
                    "--subresource=status",
                    "--type=merge",
                    "-p",
                    JSON.stringify(status),
                ],
                30_000,
            );
            if (r.code !== 0) throw new ClusterError(`writing the status of ${p.namespace}/${p.name} failed: ${r.stderr.trim()}`);
        }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
}

interface Mutation {
    readonly name: string;
    /** The policy as changed, or undefined to delete it. */
    readonly change: (p: NetworkPolicy) => NetworkPolicy | undefined;
    /** Whether the mutation applies to this policy. */
    readonly fits: (p: NetworkPolicy) => boolean;
    /** Probes beyond the plans' that the change is about (the widened ports). */
    readonly extra: (p: NetworkPolicy, planned: readonly PlannedProbe[]) => PlannedProbe[];
}

/**
 * The first numeric TCP egress port without endPort (the one "widen a port" widens). An egress
 * port, because every namespace of the stack limits egress by port too: widening an ingress port
 * alone changes nothing while the sources' egress still names the old port.
 */
function widenedPort(p: NetworkPolicy): number | undefined {
    for (const r of p.spec.egress ?? [])
        for (const pp of r.ports ?? [])
            if (typeof pp.port === "number" && pp.endPort === undefined && (pp.protocol ?? "TCP") === "TCP") return pp.port;
    return undefined;
}

const MUTATIONS: readonly Mutation[] = [
    {
        name: "delete an allow policy",
        fits: (p) => (p.spec.ingress ?? []).some((r) => (r.from ?? []).length > 0),
        change: () => undefined,
        extra: () => [],
    },
    {
        name: "widen a port",
        fits: (p) => widenedPort(p) !== undefined,
        extra: (p, planned) => atPorts(planned, [widenedPort(p)! + 1, widenedPort(p)! + 100]),
        change: (p) => {
            const port = widenedPort(p)!;
            let done = false;
            const egress = (p.spec.egress ?? []).map((r) => ({
                ...r,
                ports: (r.ports ?? []).map((pp) => {
                    if (done || pp.port !== port || pp.endPort !== undefined) return pp;
                    done = true;
                    return { ...pp, endPort: port + 100 };
                }),
            }));
            return { ...p, spec: { ...p.spec, egress } };
        },
    },
    {
        name: "change an ipBlock",
        fits: (p) => (p.spec.egress ?? []).some((r) => (r.to ?? []).some((peer) => peer.ipBlock?.cidr === "172.30.0.2/32")),
        change: (p) => ({
            ...p,
            spec: {
                ...p.spec,
                egress: (p.spec.egress ?? []).map((r) => ({
                    ...r,
                    to: (r.to ?? []).map((peer) =>
                        peer.ipBlock?.cidr === "172.30.0.2/32" ? { ipBlock: { cidr: "172.30.0.3/32" } } : peer,
                    ),
                })),
            },
        }),
        extra: () => [],
    },
];

/** The first policy (by namespace and name) whose mutation the engine says changes some probe of the plan. */
function chooseTarget(
    m: Mutation,
    snapshot: Snapshot,
    expected: StackExpectation,
    cluster: LiveCluster,
): { policy: NetworkPolicy; changed: number } | undefined {
    const before = new ReachabilityModel(snapshot);
    const beforePlan = planOf(snapshot, expected, cluster).probes;
    const candidates = snapshot.policies
        .filter((p) => expected.namespaces.some((n) => n.metadata.name === p.metadata.namespace) && m.fits(p))
        .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
    for (const policy of candidates) {
        const changedPolicy = m.change(policy);
        const policies = snapshot.policies.flatMap((p) => (p === policy ? (changedPolicy ? [changedPolicy] : []) : [p]));
        const mutated = { ...snapshot, policies };
        const after = planOf(mutated, expected, cluster).probes;
        const plans = [beforePlan, after, m.extra(policy, after)];
        const changed = changedProbes(before, new ReachabilityModel(mutated), plans).filter((c) => expectsVerdict(c.probe));
        if (changed.length > 0) return { policy, changed: changed.length };
    }
    return undefined;
}

function policyObject(p: NetworkPolicy): Record<string, unknown> {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: p.metadata.name, namespace: p.metadata.namespace },
        spec: p.spec,
    };
}

/** `netpol verify --live` on a List read from the server: its exit code and output. */
function driftCheck(listFile: string): { code: number; output: string } {
    const r = spawnSync(
        process.execPath,
        ["--require", "tsx/cjs", path.join(PROJECT_DIR, "scripts", "netpol.ts"), "verify", "--stack", STACK_FILE, "--live", listFile],
        {
            encoding: "utf8",
            cwd: PROJECT_DIR,
        },
    );
    return { code: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
}

async function main(): Promise<number> {
    const started = Date.now();
    let probesJudged = 0;
    let agree = 0;
    let mutationsSeen = 0;
    try {
        const built = build(log);
        log(`binaries: ${built.binaries.dir} (${built.seconds} s)`);
        process.env["PATH"] = `${built.binaries.dir}:${process.env["PATH"] ?? ""}`;
        const left = leftovers();
        if (!check("the machine holds no leftovers of an earlier run", left.length === 0, left.slice(0, 5).join(", ")))
            throw new ClusterError("leftovers from an earlier run: run npm run cluster -- down");
        const upStarted = Date.now();
        const { dataplaneProblem } = await up(log);
        check(
            dataplaneProblem
                ? "up: etcd and kube-apiserver ready"
                : `up: etcd, kube-apiserver and the dataplane ready (${dataplaneName(runningDataplane()!)})`,
            true,
            seconds(upStarted),
        );
        const blocked = felixBlocked();
        if (blocked) log(blocked);
        const b = built.binaries;

        const manifestsDir = planManifests();
        const files = fs
            .readdirSync(manifestsDir)
            .filter((f) => f.endsWith(".yaml"))
            .sort();
        const objects = files.flatMap((f) =>
            fs
                .readFileSync(path.join(manifestsDir, f), "utf8")
                .split(/^---$/m)
                .filter((d) => parse(d) !== null),
        );
        kubectl(b, ["apply", "--server-side", "-f", b.gatewayCrds]);
        kubectl(b, ["wait", "--for=condition=Established", "--timeout=60s", "crd/gateways.gateway.networking.k8s.io"]);
        const applied = run(b.kubectl, ["--kubeconfig", KUBECONFIG, "apply", "--server-side", "-f", manifestsDir]).trim().split("\n");
        check(
            `out/kind/ applied server-side: every manifest accepted (CRDs first)`,
            applied.length === objects.length,
            `${applied.length} of ${objects.length} objects`,
        );

        const { config, expected } = loadStack();
        const planned = planSnapshot("stack kind", expected.intent, expected.namespaces, expected.policies);
        const { manifests, local } = podsToCreate(planned);
        const podsStarted = Date.now();
        await createPods(manifests, local);
        const byRef = new Map(local.map((p) => [`${p.namespace}/${p.name}`, p]));
        let cluster = await liveCluster();
        if (dataplaneProblem) check("the dataplane runs (the probes and mutations need it)", false, dataplaneProblem);
        else {
            await addPods(local);
            await dataplaneSettled(await liveCluster());
            check(`${local.length} pods created, wired, and policed by the dataplane`, true, seconds(podsStarted));

            // The baseline: every probe of the plan, judged.
            cluster = await liveCluster();
            const plan = planOf(cluster.snapshot, expected, cluster);
            addOutside(plan.probes.flatMap((p) => (typeof p.to === "string" ? [] : p.to.ip === "172.30.0.2" ? [] : [p.to.ip])));
            const probesStarted = Date.now();
            const results = await runProbes(plan.probes, cluster, byRef);
            const summary = judgeResults(new ReachabilityModel(cluster.snapshot), plan.probes, results);
            process.stdout.write(
                `${renderJudgement(summary)
                    .split("\n")
                    .map((l) => `# ${l}`)
                    .join("\n")}\n`,
            );
            probesJudged = summary.judged.filter((j) => j.judgement !== "inconclusive").length;
            agree = summary.counts.agrees;
            check(
                `every probe's real outcome equals the engine's verdict (${plan.probes.length} planned, ${seconds(probesStarted)})`,
                summary.counts.disagrees === 0 && summary.counts.unconfirmed === 0 && complete(summary) && agree === probesJudged,
                `${agree} of ${probesJudged} agree, ${summary.counts.disagrees} disagree, ${summary.counts.unconfirmed} unconfirmed`,
            );
        }

        // Drift from the real server: none right after apply (server defaults are not drift).
        // The gateway's Service as `netpol workloads` prints it for kind (no NGF here makes it).
        kubectl(
            b,
            ["create", "-f", "-"],
            JSON.stringify(standInGatewayService(expected.gatewayService, gatewayListenerPorts(config.gateway.tls !== undefined))),
        );
        const listFile = path.join(SCRATCH, "live.json");
        fs.writeFileSync(listFile, kubectl(b, ["get", "namespaces,pods,networkpolicies,endpointslices,services", "-A", "-o", "json"]));
        const clean = driftCheck(listFile);
        check(
            "verify --live on the server's List: no drift right after apply",
            clean.code === 0,
            clean.code === 0 ? "" : clean.output.split("\n").slice(0, 5).join(" | "),
        );

        // Real admission and RBAC: as a tenant (impersonated), the guardrails and the team Role decide.
        kubectl(
            b,
            ["apply", "--server-side", "-f", "-"],
            JSON.stringify({ apiVersion: "v1", kind: "List", items: tenancyObjects(config, expected) }),
        );
        const tenantNs = config.network.namespaces.find((n) => n.team !== undefined && (config.routeHostnames[n.name] ?? []).length === 0);
        if (check("a business namespace with a team and no granted hostname to act in as its tenant", tenantNs !== undefined)) {
            const ns = tenantNs!.name;
            const tenant = (args: readonly string[], input?: string) =>
                asUser(b, "tenant@example.com", teamGroup(tenantNs!.team!), args, input);
            const service = (type: string) =>
                JSON.stringify({
                    apiVersion: "v1",
                    kind: "Service",
                    metadata: { name: `probe-${type.toLowerCase()}`, namespace: ns },
                    spec: { type, selector: { app: "web" }, ports: [{ port: 80 }] },
                });
            const clusterIp = tenant(["create", "--dry-run=server", "-f", "-"], service("ClusterIP"));
            check(
                `as tenant of ${ns}: a ClusterIP Service is accepted (the refusals below are the guardrails, not a missing grant)`,
                clusterIp.code === 0,
                clusterIp.output,
            );
            // The API server loads a new ValidatingAdmissionPolicy asynchronously: the refusal is awaited (30 s at most).
            const refused = async (attempt: () => { code: number; output: string }, policyName: string) => {
                let last = attempt();
                await waitFor(`${policyName} to be in force`, 30_000, () => {
                    last = attempt();
                    return last.code !== 0 && last.output.includes(policyName);
                }).catch(() => undefined);
                return last;
            };
            const lb = await refused(() => tenant(["create", "--dry-run=server", "-f", "-"], service("LoadBalancer")), SERVICE_POLICY);
            check(
                `as tenant of ${ns}: a LoadBalancer Service is refused by the ValidatingAdmissionPolicy`,
                lb.code !== 0 && lb.output.includes(SERVICE_POLICY),
                lb.output,
            );
            const route = JSON.stringify({
                apiVersion: "gateway.networking.k8s.io/v1",
                kind: "HTTPRoute",
                metadata: { name: "probe-route", namespace: ns },
                spec: { hostnames: ["unclaimed.example.com"], rules: [{ backendRefs: [{ name: "web", port: 80 }] }] },
            });
            const routed = await refused(() => tenant(["create", "--dry-run=server", "-f", "-"], route), ROUTE_POLICY);
            check(
                `as tenant of ${ns}: an HTTPRoute on an unclaimed hostname is refused`,
                routed.code !== 0 && routed.output.includes(ROUTE_POLICY),
                routed.output,
            );
            const policy = expected.policies.find((p) => p.metadata.namespace === ns)!;
            const deleted = tenant(["delete", "networkpolicy", policy.metadata.name, "-n", ns, "--dry-run=server"]);
            check(
                `as tenant of ${ns}: deleting NetworkPolicy ${policy.metadata.name} is forbidden`,
                deleted.code !== 0 && /forbidden/i.test(deleted.output),
                deleted.output,
            );
        }
        const preview = asUser(b, "ci-preview", READ_ALL_GROUP, ["auth", "can-i", "get", "secrets", "--all-namespaces"]);
        const previewReads = asUser(b, "ci-preview", READ_ALL_GROUP, [
            "auth",
            "can-i",
            "list",
            "networkpolicies.networking.k8s.io",
            "--all-namespaces",
        ]);
        check(
            "the CI preview role cannot read a Secret (kubectl auth can-i --as), and can list NetworkPolicies",
            preview.output === "no" && previewReads.output === "yes",
            `secrets: ${preview.output}; networkpolicies: ${previewReads.output}`,
        );

        // Mutations: each changes the cluster, the engine predicts the changed probes, the dataplane must show them.
        for (const m of dataplaneProblem ? [] : MUTATIONS) {
            const t = Date.now();
            const snapshot = cluster.snapshot;
            const target = chooseTarget(m, snapshot, expected, cluster);
            if (!check(`mutation "${m.name}": a policy whose change the engine says changes some probe`, target !== undefined)) continue;
            const changedPolicy = m.change(target!.policy);
            const ref = `${target!.policy.metadata.namespace}/${target!.policy.metadata.name}`;
            if (changedPolicy) kubectl(b, ["replace", "-f", "-"], JSON.stringify(policyObject(changedPolicy)));
            else kubectl(b, ["delete", "networkpolicy", target!.policy.metadata.name, "-n", target!.policy.metadata.namespace]);
            const after = await liveCluster();
            const afterPlan = planOf(after.snapshot, expected, after).probes;
            const plans = [planOf(snapshot, expected, cluster).probes, afterPlan, m.extra(target!.policy, afterPlan)];
            const changed: ChangedProbe[] = changedProbes(
                new ReachabilityModel(snapshot),
                new ReachabilityModel(after.snapshot),
                plans,
            ).filter((c) => expectsVerdict(c.probe));
            // An address outside the cluster that a changed probe goes to answers from the outside stand-in.
            addOutside(changed.flatMap((c) => (typeof c.probe.to === "string" || c.probe.to.ip === "172.30.0.2" ? [] : [c.probe.to.ip])));
            let verdict = judgeMutation(changed, []);
            let lastResults: ProbeResult[] = [];
            await waitFor(
                `the dataplane to show "${m.name}"`,
                MUTATION_DEADLINE_MS,
                async () => {
                    lastResults = await runProbes(
                        changed.map((c) => c.probe),
                        after,
                        byRef,
                    );
                    verdict = judgeMutation(changed, lastResults);
                    return verdict.seen;
                },
                500,
            ).catch(() => undefined);
            const mutationSeen = check(
                `mutation "${m.name}" (${ref}): ${verdict.changed} changed probes seen on the dataplane as the engine predicts`,
                verdict.seen,
                `${seconds(t)}${
                    verdict.missed.length
                        ? `; missed: ${verdict.missed
                              .slice(0, 3)
                              .map((x) => `${x.key} predicted ${x.predicted ? "allowed" : "denied"}, was ${x.outcome}`)
                              .join("; ")}`
                        : ""
                }`,
            );
            // The test of the test: the same observations against the prediction turned upside down must fail.
            const corrupt = judgeMutation(corrupted(changed), lastResults);
            check(
                `mutation "${m.name}": a corrupted prediction is caught`,
                !corrupt.seen && changed.length > 0,
                `${corrupt.missed.length} of ${changed.length} missed`,
            );
            if (m.name === "widen a port") {
                fs.writeFileSync(
                    listFile,
                    kubectl(b, ["get", "namespaces,pods,networkpolicies,endpointslices,services", "-A", "-o", "json"]),
                );
                const drift = driftCheck(listFile);
                check(
                    `verify --live names the policy edited by hand (${ref})`,
                    drift.code === 1 && drift.output.includes(target!.policy.metadata.name),
                    drift.output.split("\n").slice(0, 2).join(" | "),
                );
            }
            // Back to the stack's policy; the next mutation starts from the cluster as it is.
            kubectl(b, ["apply", "--server-side", "--force-conflicts", "-f", "-"], JSON.stringify(policyObject(target!.policy)));
            cluster = await liveCluster();
            // The same probes must go back to the engine's verdicts before the mutation: each flip is
            // observed both ways, so a dataplane that already behaved as predicted after the change
            // (a port it let through anyway) fails here.
            const restored: ChangedProbe[] = changed.map((c) => ({ ...c, probe: { ...c.probe, allowed: c.before } }));
            let undone = judgeMutation(restored, []);
            const current = cluster;
            await waitFor(
                `the dataplane to undo "${m.name}"`,
                MUTATION_DEADLINE_MS,
                async () => {
                    undone = judgeMutation(
                        restored,
                        await runProbes(
                            restored.map((c) => c.probe),
                            current,
                            byRef,
                        ),
                    );
                    return undone.seen;
                },
                500,
            ).catch(() => undefined);
            const undoneSeen = check(
                `mutation "${m.name}" undone: the ${undone.changed} probes back to the engine's verdicts before it`,
                undone.seen,
                undone.missed
                    .slice(0, 3)
                    .map((x) => `${x.key} predicted ${x.predicted ? "allowed" : "denied"}, was ${x.outcome}`)
                    .join("; "),
            );
            if (mutationSeen && undoneSeen) mutationsSeen++;
        }
        fs.rmSync(listFile, { force: true });
    } catch (e) {
        if (!(e instanceof ClusterError)) throw e;
        check("the suite ran to its end", false, e.message);
    } finally {
        try {
            if (process.env["LOCAL_CLUSTER_KEEP"] === "1")
                throw new ClusterError("LOCAL_CLUSTER_KEEP=1: the cluster is left up for a look (npm run cluster -- down removes it)");
            down(log);
            check("down: every process, namespace, veth, route, iptables chain and nftables table removed", leftovers().length === 0);
        } catch (e) {
            check("down: every process, namespace, veth, route, iptables chain and nftables table removed", false, (e as Error).message);
        }
    }
    fs.rmSync(SCRATCH, { recursive: true, force: true });
    log(`suite took ${seconds(started)}`);
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
    process.stdout.write(`${summaryLine(probesJudged, agree, mutationsSeen, MUTATIONS.length)}\n`);
    return failed === 0 && probesJudged > 0 && agree === probesJudged && mutationsSeen === MUTATIONS.length ? 0 : 1;
}

if (process.getuid?.() !== 0) {
    fs.rmSync(SCRATCH, { recursive: true, force: true });
    process.stdout.write("not ok - the cluster suite needs root (network namespaces, iptables)\n0 passed, 1 failed\n");
    process.exitCode = 1;
} else
    main().then(
        (code) => (process.exitCode = code),
        (e: unknown) => {
            process.stdout.write(`not ok - internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
            fs.rmSync(SCRATCH, { recursive: true, force: true });
            try {
                down(log);
            } catch {
                /* reported above */
            }
            process.stdout.write(`${passed} passed, ${failed + 1} failed\n`);
            process.exitCode = 1;
        },
    );

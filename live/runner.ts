/**
 * The probe runner's pure half: the containers and pods it asks for, the kubectl commands it
 * runs, the shell script each probe container runs, and how their output and kubectl's errors
 * are read. live/kubectl.ts only spawns these commands; nothing here touches a cluster.
 *
 * Each source pod gets one probe container, so every probe leaves from the source's own network
 * identity (its address, its labels, its policies):
 * - `ephemeral` (default): an ephemeral container added to a running source pod through the
 *   `pods/ephemeralcontainers` subresource (the RBAC verb is `patch`). It runs the script and
 *   exits; an exited ephemeral container stays in the pod's spec until the pod is replaced (the
 *   API has no way to remove one: https://kubernetes.io/docs/concepts/workloads/pods/ephemeral-containers/).
 * - `pods`: a probe pod in the source's namespace with the source's labels that policies select
 *   on (so the same policies select it; it gets an address from the same pod range, and no
 *   controller adopts it), plus `k8s-platform/netpol-probe: <run>`
 *   to find it for cleanup, and a readiness probe that never succeeds, so no Service sends it
 *   traffic; deleted when it has run.
 * Both meet Pod Security `restricted` (non-root, no privilege escalation, every capability
 * dropped, RuntimeDefault seccomp; https://kubernetes.io/docs/concepts/security/pod-security-standards/),
 * which every managed namespace accepts whatever its level.
 */
import { PlannedProbe, expectsVerdict } from "./probePlan";
import { Outcome, ProbeResult } from "./judge";
import { isObject } from "./cluster";

/**
 * agnhost, the Kubernetes e2e suite's network test image: `/agnhost connect` tells a refused
 * connection (REFUSED) from a dropped one (TIMEOUT) (kubernetes test/images/agnhost/connect/connect.go),
 * `porter` serves the ports named in its environment, and the image carries sh and dig
 * (bind-tools; test/images/agnhost/Dockerfile, Alpine based). Version 2.53; digest of its
 * multi-architecture index as registry.k8s.io serves it (sha256:99c6b4bb…, as pinned by several
 * public e2e setups; verify with `crane digest registry.k8s.io/e2e-test-images/agnhost:2.53`).
 */
export const AGNHOST_IMAGE =
    "registry.k8s.io/e2e-test-images/agnhost:2.53@sha256:99c6b4bb4a1e1df3f0b3752168c89358794d02258ebebc26bf21c29399011a85";

/** The label that marks the probe pods of one run, so cleanup finds every one of them. */
export const PROBE_RUN_LABEL = "k8s-platform/netpol-probe";

export type RunnerMode = "ephemeral" | "pods";

export interface RunnerSettings {
    readonly mode: RunnerMode;
    /** Seconds each probe waits for a connection or a reply. */
    readonly timeoutSeconds: number;
    /** Probes one container runs at once. */
    readonly parallel: number;
    /** Short unique id of this run (names the containers and pods). */
    readonly runId: string;
    readonly image: string;
}

/** What one source pod's container runs: the probes it can run, and those it cannot (inconclusive without sending). */
export interface SourceBatch {
    readonly namespace: string;
    readonly pod: string;
    readonly probes: readonly PlannedProbe[];
    readonly notRunnable: readonly ProbeResult[];
}

/**
 * The plan's probes grouped by source pod. A UDP probe is run only towards CoreDNS (a DNS query,
 * which gets a reply when it gets through); other UDP and every SCTP probe expects no answer, so
 * it is `inconclusive` without being sent.
 */
export function batchesBySource(probes: readonly PlannedProbe[]): SourceBatch[] {
    const batches = new Map<string, { probes: PlannedProbe[]; notRunnable: ProbeResult[] }>();
    for (const p of probes) {
        const from = String(p.from);
        const b = batches.get(from) ?? batches.set(from, { probes: [], notRunnable: [] }).get(from)!;
        if (expectsVerdict(p)) b.probes.push(p);
        else b.notRunnable.push({ probe: p, outcome: "inconclusive", detail: `${p.protocol} without a reply to expect is not probed` });
    }
    return [...batches.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([from, b]) => {
            const [namespace, pod] = from.split("/") as [string, string];
            return { namespace, pod, ...b };
        });
}

/**
 * The probe script, the same for every source: it takes one argument per probe,
 * `<T|U>,<address>,<port>`, runs `parallel` of them at a time and prints one line per probe,
 * `netpol-probe <index> <exit code> <message>`. The probes travel as arguments, so the script
 * (which stays in the pod's spec with an ephemeral container) is a few hundred bytes.
 */
export function probeScript(
    settings: Pick<RunnerSettings, "timeoutSeconds" | "parallel">,
    tools = { agnhost: "/agnhost", dig: "dig" },
): string {
    const t = settings.timeoutSeconds;
    return [
        "i=0",
        'for probe in "$@"; do',
        "  (",
        "    IFS=,; set -- $probe",
        '    case "$2" in *:*) target="[$2]:$3" ;; *) target="$2:$3" ;; esac',
        // dig exits 0 on any reply (NXDOMAIN included), 9 when no server answered.
        `    if [ "$1" = U ]; then out=$(${tools.dig} +time=${t} +tries=1 +notcp -p "$3" "@$2" kubernetes.default.svc.cluster.local 2>&1 >/dev/null)`,
        `    else out=$(${tools.agnhost} connect --timeout=${t}s --protocol=tcp "$target" 2>&1 >/dev/null); fi`,
        "    code=$?",
        `    echo "netpol-probe $i $code $(printf %s "$out" | tr '\\n' ' ' | head -c 200)"`,
        "  ) &",
        "  i=$((i + 1))",
        `  if [ $((i % ${settings.parallel})) -eq 0 ]; then wait; fi`,
        "done",
        "wait",
        "echo netpol-probe done",
    ].join("\n");
}

/** The script's arguments: one `<T|U>,<address>,<port>` per probe, in plan order. */
export function probeArguments(probes: readonly PlannedProbe[], targets: readonly string[]): string[] {
    return probes.map((p, i) => `${p.protocol === "UDP" ? "U" : "T"},${targets[i]!},${p.port}`);
}

/** The address each probe goes to: a pod's IP from the plan's snapshot, or the outside address. */
export function probeTargets(probes: readonly PlannedProbe[], podIps: ReadonlyMap<string, string>): string[] {
    return probes.map((p) => {
        if (typeof p.to !== "string") return p.to.ip;
        const ip = podIps.get(p.to);
        if (!ip) throw new Error(`no address for pod ${p.to}`);
        return ip;
    });
}

/** Restricted-level security context (Pod Security Standards, "Restricted"). */
const RESTRICTED_CONTAINER = {
    runAsNonRoot: true,
    runAsUser: 65534,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

export function containerName(settings: RunnerSettings): string {
    return `netpol-probe-${settings.runId}`;
}

/** The strategic merge patch that adds the ephemeral probe container (the merge key of ephemeralContainers is `name`). */
export function ephemeralContainerPatch(args: readonly string[], settings: RunnerSettings): Record<string, unknown> {
    return {
        spec: {
            ephemeralContainers: [
                {
                    name: containerName(settings),
                    image: settings.image,
                    imagePullPolicy: "IfNotPresent",
                    command: ["/bin/sh", "-c", probeScript(settings), "netpol-probe", ...args],
                    securityContext: RESTRICTED_CONTAINER,
                    terminationMessagePolicy: "FallbackToLogsOnError",
                },
            ],
        },
    };
}

/** A probe pod with the source's labels, in its namespace; never ready, never restarted. */
export function probePodManifest(
    source: { namespace: string; name: string; labels: Readonly<Record<string, string>> },
    args: readonly string[],
    settings: RunnerSettings,
): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
            name: probePodName(source.name, settings),
            namespace: source.namespace,
            labels: { ...source.labels, [PROBE_RUN_LABEL]: settings.runId },
        },
        spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 1,
            securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
                {
                    name: "probe",
                    image: settings.image,
                    imagePullPolicy: "IfNotPresent",
                    command: ["/bin/sh", "-c", probeScript(settings), "netpol-probe", ...args],
                    // Never ready: a Service that selects the source's labels never sends it traffic.
                    readinessProbe: { exec: { command: ["/bin/false"] }, periodSeconds: 60 },
                    securityContext: RESTRICTED_CONTAINER,
                    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
                },
            ],
        },
    };
}

/** Pod names are DNS labels: at most 63 characters. */
export function probePodName(source: string, settings: RunnerSettings): string {
    const suffix = `-probe-${settings.runId}`;
    return `${source.slice(0, 63 - suffix.length).replace(/-+$/, "")}${suffix}`;
}

// ---------------------------------------------------------------------------------------------
// kubectl command lines

export interface KubectlCall {
    readonly args: readonly string[];
    /** Text for stdin (`-f -`). */
    readonly input?: string;
}

export function listCall(): KubectlCall {
    return { args: ["get", "namespaces,pods,networkpolicies,endpointslices,services", "--all-namespaces", "--output", "json"] };
}

export function addEphemeralCall(batch: { namespace: string; pod: string }, patch: Record<string, unknown>): KubectlCall {
    return {
        args: [
            "patch",
            "pod",
            batch.pod,
            "--namespace",
            batch.namespace,
            "--subresource",
            "ephemeralcontainers",
            "--type",
            "strategic",
            "--patch",
            JSON.stringify(patch),
        ],
    };
}

export function createPodCall(manifest: Record<string, unknown>): KubectlCall {
    return { args: ["create", "--filename", "-", "--output", "name"], input: JSON.stringify(manifest) };
}

export function getPodCall(namespace: string, pod: string): KubectlCall {
    return { args: ["get", "pod", pod, "--namespace", namespace, "--output", "json"] };
}

export function logsCall(namespace: string, pod: string, container: string): KubectlCall {
    return { args: ["logs", pod, "--namespace", namespace, "--container", container] };
}

/** Deletes every probe pod of this run, in every namespace, without waiting on graceful shutdown. */
export function cleanupCall(settings: RunnerSettings): KubectlCall {
    return {
        args: [
            "delete",
            "pods",
            "--all-namespaces",
            "--selector",
            `${PROBE_RUN_LABEL}=${settings.runId}`,
            "--ignore-not-found",
            "--wait=false",
            "--grace-period",
            "1",
        ],
    };
}

/** One RBAC permission the run needs, as `kubectl auth can-i` asks it. */
export interface Permission {
    readonly verb: string;
    readonly resource: string;
    /** Namespaced permissions are asked in each namespace they are used in. */
    readonly namespace?: string;
}

/** Exactly what a verify needs: reading the cluster, then per mode the probe container's verbs. */
export function requiredPermissions(mode: RunnerMode | undefined, namespaces: readonly string[]): Permission[] {
    const read: Permission[] = [
        { verb: "list", resource: "namespaces" },
        { verb: "list", resource: "pods" },
        { verb: "list", resource: "networkpolicies.networking.k8s.io" },
        { verb: "list", resource: "endpointslices.discovery.k8s.io" },
        // The gateway's data plane Service (its client ranges); read with the rest, cluster-wide.
        { verb: "list", resource: "services" },
    ];
    if (mode === undefined) return read;
    const each = (verb: string, resource: string) => namespaces.map((namespace) => ({ verb, resource, namespace }));
    const run =
        mode === "ephemeral"
            ? [...each("patch", "pods/ephemeralcontainers"), ...each("get", "pods"), ...each("get", "pods/log")]
            : [...each("create", "pods"), ...each("get", "pods"), ...each("get", "pods/log"), ...each("delete", "pods")];
    return [...read, ...run];
}

export function canICall(p: Permission): KubectlCall {
    // Without a namespace the List is read across all namespaces, so the permission must hold in all of them.
    return { args: ["auth", "can-i", p.verb, p.resource, ...(p.namespace ? ["--namespace", p.namespace] : ["--all-namespaces"])] };
}

// ---------------------------------------------------------------------------------------------
// Reading what came back

/** Reads a probe container's log: one outcome per probe; a probe without a line is inconclusive. */
export function readProbeLog(log: string, probes: readonly PlannedProbe[]): ProbeResult[] {
    const lines = new Map<number, { code: number; message: string }>();
    for (const line of log.split("\n")) {
        const m = /^netpol-probe (\d+) (\d+) ?(.*)$/.exec(line.trim());
        if (m) lines.set(Number(m[1]), { code: Number(m[2]), message: m[3]!.trim() });
    }
    return probes.map((probe, i) => {
        const line = lines.get(i);
        if (!line) return { probe, outcome: "inconclusive", detail: "no result: the probe container ended before this probe reported" };
        const { outcome, detail } = classifyProbe(probe.protocol === "UDP" ? "dig" : "connect", line.code, line.message);
        return { probe, outcome, ...(detail ? { detail } : {}) };
    });
}

/**
 * agnhost connect: exit 0 connected; otherwise its message starts with REFUSED, TIMEOUT, DNS,
 * OTHER (e.g. no route to host) or UNKNOWN. dig: exit 0 on a reply, 9 when no server answered.
 */
export function classifyProbe(tool: "connect" | "dig", code: number, message: string): { outcome: Outcome; detail?: string } {
    if (code === 0) return { outcome: "connected" };
    if (tool === "dig") return code === 9 ? { outcome: "timeout" } : { outcome: "inconclusive", detail: `dig exited ${code}: ${message}` };
    if (message.startsWith("REFUSED")) return { outcome: "refused" };
    if (message.startsWith("TIMEOUT")) return { outcome: "timeout" };
    return { outcome: "inconclusive", detail: message || `exit code ${code}` };
}

/** Where a probe container stands, from its pod's JSON. */
export type ContainerState =
    | { readonly kind: "pending" }
    | { readonly kind: "running" }
    | { readonly kind: "done"; readonly exitCode: number }
    | { readonly kind: "failed"; readonly reason: string; readonly message: string };

/** Reasons a container never starts; ErrImagePull and ImagePullBackOff are the image that cannot be pulled. */
const STUCK = [
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
];

export function containerState(pod: unknown, container: string, ephemeral: boolean): ContainerState {
    const status = isObject(pod) && isObject(pod["status"]) ? pod["status"] : {};
    const list = status[ephemeral ? "ephemeralContainerStatuses" : "containerStatuses"];
    const entry = (Array.isArray(list) ? list : []).filter(isObject).find((s) => s["name"] === container);
    if (!entry || !isObject(entry["state"])) return { kind: "pending" };
    const state = entry["state"];
    if (isObject(state["terminated"])) return { kind: "done", exitCode: Number(state["terminated"]["exitCode"] ?? 0) };
    if (isObject(state["running"])) return { kind: "running" };
    const waiting = isObject(state["waiting"]) ? state["waiting"] : {};
    const reason = String(waiting["reason"] ?? "");
    if (STUCK.includes(reason)) return { kind: "failed", reason, message: String(waiting["message"] ?? "") };
    return { kind: "pending" };
}

/** A kubectl failure, classified so the user is told what to fix. */
export type KubectlProblem =
    | { readonly kind: "unreachable"; readonly message: string }
    | { readonly kind: "forbidden"; readonly verb: string; readonly resource: string; readonly message: string }
    | { readonly kind: "pod-security"; readonly message: string }
    | { readonly kind: "other"; readonly message: string };

export function classifyKubectlError(stderr: string): KubectlProblem {
    const text = stderr.trim();
    // apiserver's Forbidden status: `User "x" cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "n"`.
    const forbidden = /cannot (\w+) resource "([^"]+)"(?: in API group "([^"]*)")?/.exec(text);
    if (forbidden) {
        const group = forbidden[3] ? `.${forbidden[3]}` : "";
        const resource = forbidden[2]!.includes("/") ? forbidden[2]! : `${forbidden[2]}${group}`;
        return { kind: "forbidden", verb: forbidden[1]!, resource, message: text };
    }
    if (/violates PodSecurity/.test(text)) return { kind: "pod-security", message: text };
    if (
        /Unable to connect to the server|connection refused|no such host|i\/o timeout|The connection to the server .* was refused|no configuration has been provided|invalid configuration|couldn't get current server API group list|error loading config file/.test(
            text,
        )
    )
        return { kind: "unreachable", message: text };
    return { kind: "other", message: text };
}

export function describeKubectlProblem(p: KubectlProblem): string {
    switch (p.kind) {
        case "unreachable":
            return `cannot reach the Kubernetes API (check KUBECONFIG or --kubeconfig, e.g. pulumi stack output kubeconfig --show-secrets > kubeconfig.json): ${lastLine(p.message)}`;
        case "forbidden":
            return `RBAC forbids it: the verify needs "${p.verb}" on "${p.resource}" (docs/live-verification.md): ${lastLine(p.message)}`;
        case "pod-security":
            return `Pod Security refused the probe container: ${lastLine(p.message)}`;
        case "other":
            return `kubectl failed: ${lastLine(p.message)}`;
        default: {
            const never: never = p;
            return String(never);
        }
    }
}

/** kubectl's last line is its conclusion; client-go's logged retries come before it. */
function lastLine(text: string): string {
    return (
        text
            .split("\n")
            .filter((l) => l.trim() !== "")
            .pop() ?? ""
    );
}

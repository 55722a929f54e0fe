/**
 * The thin effectful layer of the live checks: it spawns kubectl with the calls live/runner.ts
 * builds, bounds every call and every wait by a timeout, runs source batches with bounded
 * concurrency, draws a progress bar on stderr when it is a terminal, and deletes every probe pod
 * it created (also when interrupted). It never creates, changes or deletes a NetworkPolicy.
 */
import { spawn } from "child_process";
import { LivePod } from "./cluster";
import { ProbeResult } from "./judge";
import {
    KubectlCall,
    Permission,
    RunnerSettings,
    SourceBatch,
    addEphemeralCall,
    canICall,
    classifyKubectlError,
    cleanupCall,
    containerName,
    containerState,
    createPodCall,
    describeKubectlProblem,
    ephemeralContainerPatch,
    getPodCall,
    listCall,
    logsCall,
    probeArguments,
    probePodManifest,
    probePodName,
    probeTargets,
    readProbeLog,
} from "./runner";

/** A failure that stops the run: printed as is, exit 2. */
export class LiveError extends Error {}

export interface KubectlOptions {
    readonly kubeconfig?: string;
    /** Per call. */
    readonly timeoutMs: number;
}

export function kubectl(call: KubectlCall, options: KubectlOptions): Promise<{ code: number; stdout: string; stderr: string }> {
    const args = [
        ...(options.kubeconfig ? ["--kubeconfig", options.kubeconfig] : []),
        `--request-timeout=${Math.ceil(options.timeoutMs / 1000)}s`,
        ...call.args,
    ];
    return new Promise((resolve, reject) => {
        const child = spawn("kubectl", args, { stdio: [call.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs + 5000);
        child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", (e: NodeJS.ErrnoException) =>
            reject(new LiveError(e.code === "ENOENT" ? "kubectl is not installed or not on PATH" : `kubectl: ${e.message}`)),
        );
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({
                code: code ?? 1,
                stdout,
                stderr: code === null ? `${stderr}\nkubectl timed out after ${options.timeoutMs} ms` : stderr,
            });
        });
        if (child.stdin) {
            // kubectl may exit before reading its input (a refused connection): that is its answer, not ours to report.
            child.stdin.on("error", () => undefined);
            child.stdin.end(call.input);
        }
    });
}

/** Runs a call; a failure becomes a LiveError that says what to fix. */
export async function kubectlOk(call: KubectlCall, options: KubectlOptions): Promise<string> {
    const r = await kubectl(call, options);
    if (r.code !== 0) throw new LiveError(describeKubectlProblem(classifyKubectlError(r.stderr)));
    return r.stdout;
}

/** `kubectl get namespaces,pods,networkpolicies,endpointslices,services -A -o json`, parsed. */
export async function readCluster(options: KubectlOptions): Promise<unknown> {
    const text = await kubectlOk(listCall(), options);
    try {
        return JSON.parse(text) as unknown;
    } catch {
        throw new LiveError("kubectl get ... -o json did not print JSON");
    }
}

/** Asks `kubectl auth can-i` for each permission; every one missing is named with its verb and resource. */
export async function checkPermissions(permissions: readonly Permission[], options: KubectlOptions): Promise<void> {
    const missing: string[] = [];
    await pool(permissions, 8, async (p) => {
        const r = await kubectl(canICall(p), options);
        if (r.stdout.trim() === "yes") return;
        if (r.stdout.trim() !== "no") throw new LiveError(describeKubectlProblem(classifyKubectlError(r.stderr)));
        missing.push(`${p.verb} ${p.resource}${p.namespace ? ` in namespace ${p.namespace}` : " (cluster-wide)"}`);
    });
    if (missing.length > 0)
        throw new LiveError(
            `RBAC forbids what the verify needs (docs/live-verification.md):\n${missing
                .sort()
                .map((m) => `  - ${m}`)
                .join("\n")}`,
        );
}

export interface RunOptions extends KubectlOptions {
    /** Source pods probed at once. */
    readonly concurrency: number;
    /** Per source: how long its probe container may take to start and finish. */
    readonly containerDeadlineMs: number;
    readonly progress: (done: number, total: number, probes: number) => void;
    /**
     * The labels a probe pod takes from its source (`--mode pods`): only the keys the policies'
     * selectors mention, so it is judged as the source is, and no controller adopts it (a
     * ReplicaSet's selector holds pod-template-hash, which no policy names).
     */
    readonly probePodLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/**
 * Runs every batch from its source pod and returns every result. A fatal problem (RBAC, Pod
 * Security, an image that cannot be pulled, the API gone) stops the run; probe pods are deleted
 * whatever happens.
 */
export async function runBatches(
    batches: readonly SourceBatch[],
    pods: ReadonlyMap<string, LivePod>,
    podIps: ReadonlyMap<string, string>,
    settings: RunnerSettings,
    options: RunOptions,
): Promise<ProbeResult[]> {
    const results: ProbeResult[] = [];
    let done = 0;
    let probed = 0;
    const cleanup = () => (settings.mode === "pods" ? kubectl(cleanupCall(settings), options).then(() => undefined) : Promise.resolve());
    const onSignal = () => {
        void cleanup().finally(() => process.exit(130));
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
        await pool(batches, options.concurrency, async (batch) => {
            results.push(...batch.notRunnable);
            if (batch.probes.length > 0) {
                const args = probeArguments(batch.probes, probeTargets(batch.probes, podIps));
                const log = await runOne(batch, args, pods.get(`${batch.namespace}/${batch.pod}`), settings, options);
                results.push(...readProbeLog(log, batch.probes));
            }
            done++;
            probed += batch.probes.length + batch.notRunnable.length;
            options.progress(done, batches.length, probed);
        });
    } finally {
        process.removeListener("SIGINT", onSignal);
        process.removeListener("SIGTERM", onSignal);
        await cleanup();
    }
    return results;
}

async function runOne(
    batch: SourceBatch,
    args: readonly string[],
    source: LivePod | undefined,
    settings: RunnerSettings,
    options: RunOptions,
): Promise<string> {
    if (!source || source.phase !== "Running") throw new LiveError(`source pod ${batch.namespace}/${batch.pod} is not running`);
    const ephemeral = settings.mode === "ephemeral";
    const container = ephemeral ? containerName(settings) : "probe";
    const pod = ephemeral ? batch.pod : probePodName(batch.pod, settings);
    if (ephemeral) {
        if (source.containers.includes(container))
            throw new LiveError(`${batch.namespace}/${batch.pod} already has a container ${container}`);
        await kubectlOk(addEphemeralCall(batch, ephemeralContainerPatch(args, settings)), options);
    } else {
        const labels = options.probePodLabels.get(`${batch.namespace}/${batch.pod}`) ?? {};
        await kubectlOk(createPodCall(probePodManifest({ ...source, labels }, args, settings)), options);
    }
    const deadline = Date.now() + options.containerDeadlineMs;
    for (;;) {
        const state = containerState(JSON.parse(await kubectlOk(getPodCall(batch.namespace, pod), options)), container, ephemeral);
        if (state.kind === "done") break;
        if (state.kind === "failed")
            throw new LiveError(
                `the probe container in ${batch.namespace}/${pod} cannot start: ${state.reason}${state.message ? `: ${state.message}` : ""} (image ${settings.image})`,
            );
        if (Date.now() > deadline)
            throw new LiveError(
                `the probe container in ${batch.namespace}/${pod} did not finish within ${options.containerDeadlineMs / 1000} s`,
            );
        await new Promise((r) => setTimeout(r, 1000));
    }
    return kubectlOk(logsCall(batch.namespace, pod, container), options);
}

/** Runs `work` over `items`, at most `size` at once; the first failure stops new work and is rethrown. */
async function pool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    let failure: unknown;
    const worker = async () => {
        while (failure === undefined && next < items.length) {
            const item = items[next++]!;
            try {
                await work(item);
            } catch (e) {
                failure ??= e;
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
    if (failure !== undefined) throw failure;
}

/** A one-line progress bar on stderr, only when stderr is a terminal. */
export function progressBar(stream: NodeJS.WriteStream): (done: number, total: number, probes: number) => void {
    if (!stream.isTTY) return () => undefined;
    return (done, total, probes) => {
        const width = 30;
        const filled = Math.round((done / Math.max(total, 1)) * width);
        stream.write(
            `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} sources, ${probes} probes${done === total ? "\n" : ""}`,
        );
    };
}

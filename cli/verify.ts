/**
 * `netpol verify`: the live cluster against what a stack compiles: drift, probes run from the
 * cluster's own pods, and each result judged by the engine; or the promotion gate (--evidence).
 * live/ holds the logic; this file reads files and flags and writes output. Exit codes: 0 no
 * drift and no disagreement, 1 drift or a disagreement, 2 a usage or input error.
 */
import * as fs from "fs";
import * as path from "path";
import { StackConfig } from "../config/schema";
import { VerifyEvidence, judgeVerification } from "../delivery/promotion";
import { ReachabilityModel } from "../engine/evaluate";
import { FullMatrix } from "../engine/matrix";
import { Snapshot } from "../engine/snapshot";
import { isObject, readLiveList } from "../live/cluster";
import { driftOf, renderDrift } from "../live/drift";
import { StackExpectation, stackExpectation } from "../live/expected";
import { JudgementSummary, complete, judgeResults, parseResults, renderJudgement, resultLine } from "../live/judge";
import { LiveError, checkPermissions, progressBar, readCluster, runBatches } from "../live/kubectl";
import { PlanError, ProbePlan } from "../live/probePlan";
import { AGNHOST_IMAGE, RunnerMode, batchesBySource, requiredPermissions } from "../live/runner";
import { FlagSpec, Io, ParsedCommand, RUN, UsageError, choice, exitCodeOf, fileFlag, positive, requireFlag } from "./args";
import { STACK_HELP, loadStack, readFile, readLive } from "./input";
import { planFor } from "./probes";

/** The default bound: a running nonprod plans 19,499 probes; 3,000 of them run in about a minute (docs/live-verification.md). */
export const DEFAULT_MAX_PROBES = 3000;

export const VERIFY_USAGE = `usage: ${RUN} verify --stack <stack> [options]                 drift, probes and judge against the cluster
       ${RUN} verify --stack <stack> --live <file|->          drift only, on a recorded List
       ${RUN} verify --stack <stack> --live <file> --results <results.jsonl>
                                                              drift and the judge on recorded results (no cluster)
       ${RUN} verify --stack <stack> --evidence <report.json> the promotion's verify rule for <stack>
Checks a running cluster against what the stack compiles:
  drift   the NetworkPolicies and namespace labels of the namespaces the stack manages, compared by meaning
          (server defaults filled in, key order, managedFields and annotations ignored), and the gateway's
          data plane Service (its client ranges as a set, load balancer class and scheme)
  probes  a plan covering every (source class, destination class, port class) once, plus DNS, the API
          server, each egress range and the gateway, run from each source pod's own network identity
  judge   every outcome against the engine's verdict; each disagreement with the policies behind it
<file>: kubectl get namespaces,pods,networkpolicies,endpointslices,services -A -o json ("-": stdin)
${STACK_HELP}
options:
  --kubeconfig <file>      the cluster (default: $KUBECONFIG, else ~/.kube/config); e.g. from
                           pulumi stack output kubeconfig --show-secrets > kubeconfig.json
  --mode ephemeral|pods    ephemeral (default): an ephemeral container in a running source pod (needs patch on
                           pods/ephemeralcontainers; it stays in the pod's spec until the pod is replaced);
                           pods: a probe pod with the source's labels in its namespace, deleted afterwards
  --max-probes <n>         bound on the plan (default ${DEFAULT_MAX_PROBES}); see docs/live-verification.md for the sampling
  --concurrency <n>        source pods probed at once (default 8)
  --parallel <n>           probes one container runs at once (default 32)
  --timeout <seconds>      per probe: connect or reply (default 2)
  --image <ref@sha256:..>  the probe image (default ${AGNHOST_IMAGE})
  --out <results.jsonl>    write every probe's outcome (the form --results reads)
  --report <report.json>   write the report: drift, counts, disagreements, digests (the promotion's evidence)
outcomes: connected / refused (it got through), timeout (dropped), inconclusive (no verdict: UDP without a reply)
exit codes: 0 no drift and no disagreement, 1 drift or a disagreement (or, with --evidence, the promotion refused),
            2 usage or input error (nothing is left running)`;

export const VERIFY_FLAGS: Record<string, FlagSpec> = {
    stack: { type: "string" },
    live: { type: "string" },
    results: { type: "string" },
    evidence: { type: "string" },
    kubeconfig: { type: "string" },
    mode: { type: "string" },
    "max-probes": { type: "string" },
    concurrency: { type: "string" },
    parallel: { type: "string" },
    timeout: { type: "string" },
    image: { type: "string" },
    out: { type: "string" },
    report: { type: "string" },
};

export function verifyCommand(c: ParsedCommand, io: Io): number {
    if (c.positionals.length > 0) throw new UsageError(`verify takes no arguments, only flags\n\n${VERIFY_USAGE}`);
    const stack = requireFlag(c, "stack", VERIFY_USAGE);
    const config = loadStack(stack);
    // Where the results and the report go is checked first: not after minutes of probing.
    for (const name of ["out", "report"]) writableFile(fileFlag(c, name), name);
    const expected = stackExpectation(config);
    const evidence = fileFlag(c, "evidence");
    if (evidence !== undefined) return evidenceCommand(config, expected, evidence, io);
    const live = fileFlag(c, "live");
    const results = fileFlag(c, "results");
    if (results !== undefined && live === undefined)
        throw new UsageError(`--results needs --live: the List the probes were planned on\n\n${VERIFY_USAGE}`);
    if (live !== undefined) {
        const cluster = readLive(live);
        const drift = driftOf(expected, cluster);
        io.stdout(`${renderDrift(drift)}\n`);
        let judged: JudgementSummary | undefined;
        let plan: ProbePlan | undefined;
        if (results !== undefined) {
            plan = planFor(cluster.snapshot, expected, cluster, undefined);
            const parsed = parseResults(results, readFile(results), plan.probes);
            if (!parsed.ok)
                throw new UsageError(`${results} does not hold results of this plan:\n${parsed.problems.map((p) => `  ${p}`).join("\n")}`);
            judged = judgeResults(new ReachabilityModel(cluster.snapshot), plan.probes, parsed.results);
            io.stdout(`${renderJudgement(judged)}\n`);
        }
        return finish(c, stack, expected, drift.length, plan, judged, io, "recorded");
    }
    // The live cluster: asynchronous; the process's exit code is set when it is done.
    void liveVerify(c, stack, expected, io).then(
        (code) => void (process.exitCode = code),
        (e: unknown) =>
            void (process.exitCode =
                e instanceof LiveError || e instanceof PlanError ? (io.stderr(`${e.message}\n`), 2) : exitCodeOf(e, io)),
    );
    return 0;
}

async function liveVerify(c: ParsedCommand, stack: string, expected: StackExpectation, io: Io): Promise<number> {
    const mode = choice(c.flags["mode"], "--mode", ["ephemeral", "pods"] as RunnerMode[], "ephemeral");
    const maxProbes = positive(c, "max-probes", DEFAULT_MAX_PROBES);
    const concurrency = positive(c, "concurrency", 8);
    const parallel = positive(c, "parallel", 32);
    const timeoutSeconds = positive(c, "timeout", 2);
    const image = (c.flags["image"] as string | undefined) ?? AGNHOST_IMAGE;
    if (!/@sha256:[0-9a-f]{64}$/.test(image)) throw new UsageError(`--image ${image}: pin the image by digest (name@sha256:...)`);
    const kubeconfig = fileFlag(c, "kubeconfig");
    if (kubeconfig !== undefined && !fs.existsSync(kubeconfig)) throw new UsageError(`--kubeconfig ${kubeconfig}: no such file`);
    const options = { ...(kubeconfig ? { kubeconfig } : {}), timeoutMs: 30_000 };

    await checkPermissions(requiredPermissions(undefined, []), options);
    const listed = readLiveList("the cluster", await readCluster(options));
    if (!listed.ok) throw new LiveError(listed.problems.join("\n"));
    const cluster = listed.cluster;
    const drift = driftOf(expected, cluster);
    io.stdout(`${renderDrift(drift)}\n`);

    const plan = planFor(cluster.snapshot, expected, cluster, maxProbes);
    const batches = batchesBySource(plan.probes);
    await checkPermissions(requiredPermissions(mode, [...new Set(batches.map((b) => b.namespace))].sort()), options);
    const runId = Date.now().toString(36).slice(-6);
    io.stderr(
        `probing: ${plan.probes.length} probes${plan.probes.length < plan.total ? ` (sampled from ${plan.total})` : ""} from ${batches.length} source pods, run ${runId}, mode ${mode}\n`,
    );
    const started = Date.now();
    const results = await runBatches(
        batches,
        new Map(cluster.pods.map((p) => [`${p.namespace}/${p.name}`, p])),
        new Map(cluster.snapshot.pods.map((p) => [`${p.namespace}/${p.name}`, p.ip])),
        { mode, timeoutSeconds, parallel, runId, image },
        {
            ...options,
            concurrency,
            containerDeadlineMs: 120_000 + timeoutSeconds * 1000 * Math.ceil(plan.probes.length / Math.max(batches.length, 1) / parallel),
            progress: progressBar(process.stderr),
            probePodLabels: selectedLabels(cluster.snapshot),
        },
    );
    io.stderr(`probed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    if (mode === "ephemeral")
        io.stderr(
            `left behind: an exited ephemeral container netpol-probe-${runId} in each of the ${batches.filter((b) => b.probes.length > 0).length} source pods; it stays in the pod's spec until the pod is replaced\n`,
        );
    else io.stderr(`left behind: nothing; the probe pods of run ${runId} were deleted\n`);
    const out = fileFlag(c, "out");
    if (out !== undefined) fs.writeFileSync(out, results.map((r) => `${resultLine(r)}\n`).join(""));
    const judged = judgeResults(new ReachabilityModel(cluster.snapshot), plan.probes, results);
    io.stdout(`${renderJudgement(judged)}\n`);
    return finish(c, stack, expected, drift.length, plan, judged, io, "live");
}

function finish(
    c: ParsedCommand,
    stack: string,
    expected: StackExpectation,
    drift: number,
    plan: ProbePlan | undefined,
    judged: JudgementSummary | undefined,
    io: Io,
    source: "live" | "recorded",
): number {
    const disagreements = judged?.counts.disagrees ?? 0;
    // A verify that probed nothing proves nothing: no running pod in the managed namespaces.
    const emptyPlan = plan !== undefined && plan.probes.length === 0;
    if (emptyPlan) io.stdout("probes: none planned: no running pod in the namespaces the stack manages\n");
    // Nor does one with results missing, or TCP/DNS probes that gave no verdict (live/judge.ts complete).
    const incomplete = judged !== undefined && !complete(judged);
    if (incomplete)
        io.stdout(
            `probes: incomplete: ${judged.notRun} planned probes have no result and ${judged.silent} TCP or DNS probes gave no verdict\n`,
        );
    const passed = drift === 0 && disagreements === 0 && !emptyPlan && !incomplete;
    const report = fileFlag(c, "report");
    if (report !== undefined) {
        const body = {
            stack: stackName(stack),
            promotionDigest: expected.promotionDigest,
            networkPolicyDigest: expected.networkPolicyDigest,
            passed,
            probed: judged !== undefined,
            // Recorded results (--results) judge a run that happened elsewhere: no promotion evidence.
            source,
            at: new Date().toISOString(),
            drift,
            ...(plan ? { plan: { probes: plan.probes.length, total: plan.total, maxProbes: plan.maxProbes ?? null } } : {}),
            ...(judged
                ? {
                      counts: judged.counts,
                      notRun: judged.notRun,
                      disagreements: judged.judged
                          .filter((j) => j.judgement === "disagrees")
                          .map((j) => ({ ...j.probe, outcome: j.outcome, policies: j.policies })),
                  }
                : {}),
        };
        fs.writeFileSync(report, `${JSON.stringify(body, null, 2)}\n`);
    }
    io.stdout(`verify: ${passed ? "passed" : "FAILED"} (${drift} drift, ${disagreements} disagreement${disagreements === 1 ? "" : "s"})\n`);
    return passed ? 0 : 1;
}

/** Prod's promotion: a passing verify of the earlier stack for this stack's policy set, or the override. */
function evidenceCommand(config: StackConfig, expected: StackExpectation, file: string, io: Io): number {
    let evidence: VerifyEvidence | undefined;
    if (fs.existsSync(file)) {
        let value: unknown;
        try {
            value = JSON.parse(readFile(file));
        } catch {
            throw new UsageError(`${file} is not JSON: give the report netpol verify --report wrote`);
        }
        if (
            !isObject(value) ||
            typeof value["promotionDigest"] !== "string" ||
            typeof value["passed"] !== "boolean" ||
            typeof value["stack"] !== "string"
        )
            throw new UsageError(`${file} is not a verify report (needs stack, promotionDigest and passed)`);
        if (value["probed"] !== true)
            throw new UsageError(`${file} is a drift-only report: the promotion needs a verify that ran the probes`);
        evidence = {
            stack: value["stack"],
            promotionDigest: value["promotionDigest"],
            passed: value["passed"],
            live: value["source"] === "live",
        };
    }
    const verdict = judgeVerification(config.promotion, expected.promotionDigest, evidence);
    if (verdict.kind === "not-configured") {
        io.stdout("verify gate: not configured for this stack (no k8s-platform:promotion)\n");
        return 0;
    }
    io.stdout(`${verdict.message}\n`);
    return verdict.kind === "blocked" ? 1 : 0;
}

/** Each pod's labels restricted to the keys policies select on: its class's labels (engine/matrix.ts). */
function selectedLabels(snapshot: Snapshot): Map<string, Readonly<Record<string, string>>> {
    const matrix = new FullMatrix(snapshot);
    return new Map(snapshot.pods.map((p) => [`${p.namespace}/${p.name}`, matrix.classOf(p).labels]));
}

/** An output file that can be written: its folder exists and is writable (a usage error, exit 2, otherwise). */
function writableFile(file: string | undefined, flag: string): void {
    if (file === undefined) return;
    try {
        fs.accessSync(path.dirname(file), fs.constants.W_OK);
        if (fs.existsSync(file)) {
            if (fs.statSync(file).isDirectory()) throw new Error("a folder");
            fs.accessSync(file, fs.constants.W_OK);
        }
    } catch {
        throw new UsageError(`--${flag} ${file}: cannot be written (no such folder, a folder, or no permission)`);
    }
}

function stackName(stack: string): string {
    return /Pulumi\.(.+)\.yaml$/.exec(path.basename(stack))?.[1] ?? stack;
}

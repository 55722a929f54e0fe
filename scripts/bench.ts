/**
 * `npm run bench [-- --json]`: the full matrix on synthetic clusters, fast engine against the
 * simple evaluator where that one finishes in reasonable time; then the plan workloads: the whole
 * offline plan (`npm run plan`, mocked Pulumi program included) of the shipped stacks and of
 * generated stacks of 100, 300 and 1,000 business namespaces, and the intent check alone on the
 * same stacks. Each workload runs in a process of its own so that its peak memory is its own.
 * `--engine` or `--plan` runs one half only. A script, not a timed test.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkIntent } from "../compiler/intentCheck";
import { parseStackConfig, projectConfigValues } from "../config/schema";
import { generatedStackFile, generatedStackYaml } from "../offline/generatedStack";
import { readStackFile } from "../offline/stackFile";
import { allPolicies, compileIntent } from "../compiler/generate";
import { NetworkIntent } from "../compiler/intent";
import { GATEWAY_POD_LABELS, platformTraffic } from "../compiler/platform";
import { ReachabilityModel } from "../engine/evaluate";
import { NetworkPolicy } from "../engine/k8s";
import { FullMatrix } from "../engine/matrix";
import { Pod, Snapshot } from "../engine/snapshot";
import { UsageError, choice, execute, parseCommand } from "../cli/args";

// Arguments first: --help and mistakes end the process before any workload runs.
const BENCH_USAGE = `usage: npm run bench [-- --output table|json] [--engine | --plan]
Times the full matrix on synthetic clusters (each workload in a process of its own), the fast
engine against the simple evaluator where that one finishes in reasonable time; then the whole
offline plan and the intent check alone on the shipped stacks and generated stacks of 100, 300 and
1,000 namespaces, with their peak memory, against the targets. Plans and generated stack files are
written into a temporary folder that is removed afterwards; out/ is left as it was.
  --output, -o json   the results as JSON instead of a table (--json does the same)
  --engine            the engine workloads only
  --plan              the plan workloads only
  --workload <index>  run one engine workload in this process (used by the benchmark itself)
  --check <stack>     run the intent check of one plan workload in this process (likewise)
exit codes: 0 measured, 2 usage error`;
let asJson = false;
const benchExit = execute(() => {
    const { positionals, flags } = parseCommand(
        process.argv.slice(2),
        {
            json: { type: "boolean" },
            output: { type: "string", short: "o" },
            engine: { type: "boolean" },
            plan: { type: "boolean" },
            workload: { type: "string" },
            check: { type: "string" },
        },
        BENCH_USAGE,
    );
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
    asJson = flags["json"] === true || choice(flags["output"], "--output", ["table", "json"], "table") === "json";
    return -1;
});
if (benchExit >= 0) process.exit(benchExit);

interface Result {
    name: string;
    pods: number;
    classes: number;
    policies: number;
    ms: number;
    simpleMs: number | null;
    peakRssMiB: number;
}

interface Workload {
    readonly name: string;
    /** Whether to time the simple evaluator too (only where it finishes in seconds). */
    readonly simple: boolean;
    build(): Snapshot;
}

const WORKLOADS: Workload[] = [
    { name: "mission (13 namespaces x 12+ pods)", simple: true, build: mission },
    {
        name: "200 namespaces x 50 pods x 2,000 policies",
        simple: false,
        build: () => synthetic({ namespaces: 200, podsPerNamespace: 50, policiesPerNamespace: 10, uniqueLabels: false }),
    },
    {
        name: "10,000 pods, every label set unique",
        simple: false,
        build: () => synthetic({ namespaces: 100, podsPerNamespace: 100, policiesPerNamespace: 10, uniqueLabels: true }),
    },
    {
        name: "100,000 pods",
        simple: false,
        build: () => synthetic({ namespaces: 1000, podsPerNamespace: 100, policiesPerNamespace: 10, uniqueLabels: false }),
    },
];

/** The product's own topology: twelve business namespaces and tools, policies from the real generator. */
function mission(): Snapshot {
    const apps = ["web", "api", "worker", "db"];
    const names = [
        "storefront",
        "catalog",
        "search",
        "cart",
        "checkout",
        "payments",
        "orders",
        "inventory",
        "shipping",
        "customers",
        "notifications",
        "analytics",
    ];
    const intent: NetworkIntent = {
        appLabel: "app",
        defaultDenyEgress: true,
        toolsNamespace: "tools",
        addresses: { podCidrs: ["10.40.0.0/19", "10.40.32.0/19"], controlPlaneCidrs: ["10.40.208.0/28", "10.40.208.16/28"] },
        gatewayClients: { cidrs: [{ cidr: "0.0.0.0/0", except: [] }], includesPods: false },
        platform: platformTraffic("tools", true),
        egressDestinations: [],
        egress: [],
        podCredentials: { podIdentityAgent: false, stsCidrs: [] },
        namespaces: names.map((name) => ({ name, team: name, apps, webPorts: [{ protocol: "TCP", port: 8080 }] })),
        flows: names.slice(1).map((name, i) => ({
            from: { namespace: names[i]!, app: "api" },
            to: { namespace: name, app: "api" },
            ports: [{ protocol: "TCP", port: 8080 }],
        })),
        cidrSources: [
            {
                name: "office",
                to: { namespace: "analytics", app: "web" },
                cidrs: [{ cidr: "10.100.0.0/16", except: [] }],
                ports: [{ protocol: "TCP", port: 8080 }],
                includesPods: false,
            },
        ],
    };
    const plans = compileIntent(intent);
    const pods: Pod[] = [];
    let ip = 10;
    const add = (namespace: string, name: string, labels: Record<string, string>, ports: Pod["ports"]) =>
        pods.push({ namespace, name, labels, ip: `10.40.${ip >> 8}.${ip++ & 255}`, ports });
    for (const ns of names)
        for (const app of apps)
            for (let r = 0; r < 3; r++)
                add(ns, `${app}-${r}`, { app, "pod-template-hash": `${app}${r}` }, [{ name: "http", port: 8080, protocol: "TCP" }]);
    for (let r = 0; r < 2; r++)
        add("tools", `gateway-${r}`, { ...GATEWAY_POD_LABELS }, [
            { name: "port-80", port: 80, protocol: "TCP" },
            { name: "port-443", port: 443, protocol: "TCP" },
        ]);
    for (let r = 0; r < 2; r++)
        add("kube-system", `coredns-${r}`, { "k8s-app": "kube-dns" }, [
            { name: "dns", port: 53, protocol: "UDP" },
            { name: "dns-tcp", port: 53, protocol: "TCP" },
        ]);
    const namespaces = Object.fromEntries([
        ...plans.map((p) => [p.namespace.metadata.name, { ...(p.namespace.metadata.labels ?? {}) }]),
        ["kube-system", { "kubernetes.io/metadata.name": "kube-system" }],
    ]);
    return { namespaces, pods, policies: allPolicies(plans) };
}

/**
 * A large cluster: 10 apps per namespace (replicas share labels, as a Deployment's pods do),
 * policies per namespace: default deny both ways, same namespace, DNS, flows from other
 * namespaces (namespaceSelector AND podSelector), an ipBlock source and a named-port rule.
 */
function synthetic(o: { namespaces: number; podsPerNamespace: number; policiesPerNamespace: number; uniqueLabels: boolean }): Snapshot {
    let seed = 42;
    const random = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
    };
    const namespaces: Record<string, Record<string, string>> = { "kube-system": { "kubernetes.io/metadata.name": "kube-system" } };
    const pods: Pod[] = [];
    const policies: NetworkPolicy[] = [];
    const np = (namespace: string, name: string, spec: NetworkPolicy["spec"]): NetworkPolicy => ({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name, namespace },
        spec,
    });
    const peer = (ns: string, app: string) => ({
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
        podSelector: { matchLabels: { app } },
    });
    pods.push({
        namespace: "kube-system",
        name: "coredns",
        labels: { "k8s-app": "kube-dns" },
        ip: "10.255.0.2",
        ports: [{ name: "dns", port: 53, protocol: "UDP" }],
    });
    for (let n = 0; n < o.namespaces; n++) {
        const ns = `ns-${n}`;
        namespaces[ns] = { "kubernetes.io/metadata.name": ns, team: `team-${n % 20}` };
        for (let p = 0; p < o.podsPerNamespace; p++) {
            const app = `app-${p % 10}`;
            const id = n * o.podsPerNamespace + p;
            pods.push({
                namespace: ns,
                name: `${app}-${p}`,
                labels: o.uniqueLabels ? { app, tier: `t${p % 3}`, "pod-id": `pod-${id}` } : { app, tier: `t${p % 3}` },
                ip: `10.${(id >> 16) & 255}.${(id >> 8) & 255}.${id & 255}`,
                ports: [
                    { name: "http", port: 8080, protocol: "TCP" },
                    { name: "metrics", port: 9090, protocol: "TCP" },
                ],
            });
        }
        const own: NetworkPolicy[] = [
            np(ns, "default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
            np(ns, "same-namespace", {
                podSelector: {},
                ingress: [{ from: [{ podSelector: {} }] }],
                egress: [{ to: [{ podSelector: {} }] }],
            }),
            np(ns, "dns", {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [
                            {
                                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                            },
                        ],
                        ports: [{ protocol: "UDP", port: 53 }],
                    },
                ],
            }),
            np(ns, "from-office", {
                podSelector: { matchLabels: { app: "app-0" } },
                ingress: [{ from: [{ ipBlock: { cidr: "172.16.0.0/12", except: ["172.16.5.0/24"] } }], ports: [{ port: 8080 }] }],
            }),
            ...(o.uniqueLabels
                ? // Quarantine one pod by its unique label: the key is now referenced, so every pod is a class of its own.
                  [
                      np(ns, "quarantine", {
                          podSelector: { matchLabels: { "pod-id": `pod-${n * o.podsPerNamespace}` } },
                          policyTypes: ["Ingress", "Egress"],
                      }),
                  ]
                : []),
            np(ns, "metrics", {
                podSelector: {},
                ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "team-0" } } }], ports: [{ port: "metrics" }] }],
            }),
        ];
        // The rest: flows with other namespaces, every other one as the egress half at this end.
        for (let f = own.length; f < o.policiesPerNamespace; f++) {
            const other = `ns-${random(o.namespaces)}`;
            const mine = `app-${random(10)}`;
            const theirs = `app-${random(10)}`;
            own.push(
                f % 2 === 0
                    ? np(ns, `from-${other}-${theirs}-${f}`, {
                          podSelector: { matchLabels: { app: mine } },
                          ingress: [{ from: [peer(other, theirs)], ports: [{ port: 8080, endPort: 8090 }] }],
                      })
                    : np(ns, `to-${other}-${theirs}-${f}`, {
                          podSelector: { matchLabels: { app: mine } },
                          policyTypes: ["Egress"],
                          egress: [{ to: [peer(other, theirs)], ports: [{ port: 8080 }] }],
                      }),
            );
        }
        policies.push(...own);
    }
    return { namespaces, pods, policies };
}

function runOne(w: Workload): Result {
    const snapshot = w.build();
    const started = process.hrtime.bigint();
    const stats = new FullMatrix(snapshot).stats();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    let simpleMs: number | null = null;
    if (w.simple) {
        const t = process.hrtime.bigint();
        const model = new ReachabilityModel(snapshot);
        let allowed = 0;
        for (const to of snapshot.pods)
            for (const port of to.ports)
                for (const from of snapshot.pods)
                    if (
                        from !== to &&
                        model.evaluate({
                            from: { kind: "pod", pod: from },
                            to: { kind: "pod", pod: to },
                            port: port.port,
                            protocol: port.protocol,
                        }).allowed
                    )
                        allowed++;
        simpleMs = Number(process.hrtime.bigint() - t) / 1e6;
        if (allowed !== stats.allowed)
            throw new Error(`${w.name}: the fast matrix allows ${stats.allowed}, the simple evaluator ${allowed}`);
    }
    return {
        name: w.name,
        pods: stats.pods,
        classes: stats.classes,
        policies: stats.policies,
        ms: round(ms),
        simpleMs: simpleMs === null ? null : round(simpleMs),
        peakRssMiB: round(process.resourceUsage().maxRSS / 1024),
    };
}

function round(n: number): number {
    return Math.round(n * 10) / 10;
}

const PROJECT_DIR = path.resolve(__dirname, "..");
const PLAN_STACKS: readonly (string | number)[] = ["nonprod", "prod", 100, 300, 1000];

interface PlanResult {
    name: string;
    namespaces: number;
    /** The whole `npm run plan` process: mocked program, manifests, intent check, views. */
    planMs: number;
    planPeakRssMiB: number;
    planExit: number;
    /** The intent check alone (in a process of its own): world, matrix, intent, mismatches. */
    checkMs: number;
    checkPeakRssMiB: number;
    connections: number;
    asked: number;
    mismatches: number;
}

function planStackName(stack: string | number): string {
    return typeof stack === "number" ? `generated-${stack}` : stack;
}

/** The intent check alone on one stack, in this process: `--check <stack>`. */
function runCheck(stack: string | number): Omit<PlanResult, "name" | "planMs" | "planPeakRssMiB" | "planExit"> {
    const file = typeof stack === "number" ? generatedStackFile(PROJECT_DIR, stack) : readStackFile(PROJECT_DIR, stack);
    const parsed = parseStackConfig(projectConfigValues(file.config));
    if (!parsed.ok) throw new Error(`${planStackName(stack)}: the stack config is invalid`);
    const intent = parsed.config.network;
    const plans = compileIntent(intent);
    const started = process.hrtime.bigint();
    const check = checkIntent(
        intent,
        plans.map((p) => p.namespace),
        allPolicies(plans),
    );
    const checkMs = Number(process.hrtime.bigint() - started) / 1e6;
    return {
        namespaces: intent.namespaces.length,
        checkMs: round(checkMs),
        checkPeakRssMiB: round(process.resourceUsage().maxRSS / 1024),
        connections: check.checked,
        asked: check.asked,
        mismatches: check.mismatches.length,
    };
}

/** The whole plan as `npm run plan` runs it, in a child process whose peak RSS it reports. */
function runPlan(stack: string | number, dir: string): { ms: number; peakRssMiB: number; exit: number } {
    let arg = String(stack);
    if (typeof stack === "number") {
        arg = path.join(dir, `Pulumi.${planStackName(stack)}.yaml`);
        fs.writeFileSync(arg, generatedStackYaml(PROJECT_DIR, stack));
    }
    const started = process.hrtime.bigint();
    const child = spawnSync(
        process.execPath,
        // Into the benchmark's temporary folder: the user's out/ stays as it was.
        ["--require", "tsx/cjs", "-r", path.join(__dirname, "peakRss.ts"), path.join(__dirname, "plan.ts"), arg, "--out-dir", dir],
        { cwd: PROJECT_DIR, encoding: "utf8", maxBuffer: 1 << 30 },
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const peak = /peak-rss-kib (\d+)/.exec(child.stderr ?? "");
    if (!peak) throw new Error(`plan of ${arg} reported no peak memory: ${child.stderr}`);
    return { ms: round(ms), peakRssMiB: round(Number(peak[1]) / 1024), exit: child.status ?? -1 };
}

function planResults(): PlanResult[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-plan-"));
    try {
        return PLAN_STACKS.map((stack) => {
            const check = JSON.parse(
                execFileSync(process.execPath, [...process.execArgv, __filename, "--check", String(stack)], {
                    encoding: "utf8",
                    maxBuffer: 1 << 20,
                }),
            ) as ReturnType<typeof runCheck>;
            const plan = runPlan(stack, dir);
            return {
                name: typeof stack === "number" ? `plan of ${stack.toLocaleString("en")} generated namespaces` : `plan of ${stack}`,
                ...check,
                planMs: plan.ms,
                planPeakRssMiB: plan.peakRssMiB,
                planExit: plan.exit,
            };
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The targets, judged against the nonprod plan of the same run. */
function planTargets(results: readonly PlanResult[]): { target: string; met: boolean }[] {
    const nonprod = results.find((r) => r.name === "plan of nonprod");
    const big = results.find((r) => r.namespaces === 1000 && r.name.includes("generated"));
    if (!nonprod || !big) return [];
    return [
        {
            target: `1,000 namespaces: whole plan ${round(big.planMs / 1000)} s < 10 x nonprod's ${round(nonprod.planMs / 1000)} s`,
            met: big.planMs < 10 * nonprod.planMs,
        },
        { target: `1,000 namespaces: whole plan peak ${big.planPeakRssMiB} MiB < 2,048 MiB`, met: big.planPeakRssMiB < 2048 },
        { target: "every plan exits 0 (intent check passed)", met: results.every((r) => r.planExit === 0 && r.mismatches === 0) },
    ];
}

function table(rows: string[][]): string {
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    return `${rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")).join("\n")}\n`;
}

function main(argv: string[]): void {
    const only = argv.indexOf("--workload");
    if (only >= 0) {
        process.stdout.write(JSON.stringify(runOne(WORKLOADS[Number(argv[only + 1])]!)));
        return;
    }
    const check = argv.indexOf("--check");
    if (check >= 0) {
        const stack = argv[check + 1]!;
        process.stdout.write(JSON.stringify(runCheck(/^\d+$/.test(stack) ? Number(stack) : stack)));
        return;
    }
    const engine = argv.includes("--plan")
        ? []
        : WORKLOADS.map(
              (_, i) =>
                  JSON.parse(
                      execFileSync(process.execPath, [...process.execArgv, __filename, "--workload", String(i)], {
                          encoding: "utf8",
                          maxBuffer: 1 << 20,
                      }),
                  ) as Result,
          );
    const plans = argv.includes("--engine") ? [] : planResults();
    const targets = planTargets(plans);
    if (asJson) {
        process.stdout.write(`${JSON.stringify({ machine: machine(), engine, plans, targets })}\n`);
        return;
    }
    process.stdout.write(`${machine()}\n\n`);
    if (engine.length > 0) {
        const rows = [["workload", "pods", "classes", "policies", "full matrix ms", "simple ms", "speed-up", "peak RSS MiB"]];
        for (const r of engine)
            rows.push([
                r.name,
                String(r.pods),
                String(r.classes),
                String(r.policies),
                String(r.ms),
                r.simpleMs === null ? "-" : String(r.simpleMs),
                r.simpleMs === null ? "-" : `${round(r.simpleMs / Math.max(r.ms, 0.1))}x`,
                String(r.peakRssMiB),
            ]);
        process.stdout.write(table(rows));
    }
    if (plans.length > 0) {
        const rows = [
            ["plan workload", "namespaces", "plan s", "plan peak MiB", "check s", "check peak MiB", "connections", "asked", "mismatches"],
        ];
        for (const r of plans)
            rows.push([
                r.name,
                String(r.namespaces),
                String(round(r.planMs / 1000)),
                String(r.planPeakRssMiB),
                String(round(r.checkMs / 1000)),
                String(r.checkPeakRssMiB),
                r.connections.toLocaleString("en"),
                r.asked.toLocaleString("en"),
                String(r.mismatches),
            ]);
        process.stdout.write(`${engine.length > 0 ? "\n" : ""}${table(rows)}`);
        for (const t of targets) process.stdout.write(`${t.met ? "met" : "NOT MET"}: ${t.target}\n`);
    }
}

function machine(): string {
    return `${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, ${round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${os
        .loadavg()
        .map((l) => round(l))
        .join(" ")}`;
}

main(process.argv.slice(2));

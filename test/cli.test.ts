import { strict as assert } from "assert";
import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import { stringify } from "yaml";
import { Io } from "../cli/args";
import { firstJsonProblem, stackSnapshot } from "../cli/input";
import { netpol } from "../cli/netpol";
import { PROJECT_DIR, stackIntent } from "./harness";

/** The netpol command line in this process: exit code and what it wrote. */
function run(...argv: string[]): { code: number; stdout: string; stderr: string } {
    let stdout = "";
    let stderr = "";
    const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
    const code = netpol(argv, io);
    return { code, stdout, stderr };
}

/** A script as a process, the way a person or CI runs it. */
function spawn(script: string, ...argv: string[]) {
    return spawnSync(process.execPath, ["--require", "tsx/cjs", path.join("scripts", script), ...argv], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
    });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "netpol-cli-"));
// Every file file() made goes with the folder once this file's tests have run.
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
function file(name: string, content: unknown): string {
    const target = path.join(tmp, name);
    fs.writeFileSync(target, typeof content === "string" ? content : JSON.stringify(content, null, 2));
    return target;
}

interface Ran {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Starts a script as a process without waiting: the few process tests run side by side. */
function start(file: string, ...argv: string[]): Promise<Ran> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            ["--require", "tsx/cjs", file, ...argv],
            { cwd: PROJECT_DIR, encoding: "utf8" },
            (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
        );
    });
}

describe("command-line conventions", () => {
    const helps = ["netpol.ts", "plan.ts", "bench.ts", "previewGate.ts"];
    const unknown = ["plan.ts", "bench.ts"];
    let ran: { help: Ran[]; unknown: Ran[]; bin: Ran };
    before(async () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8"));
        const [help, flags, bin] = await Promise.all([
            Promise.all(helps.map((script) => start(path.join("scripts", script), "--help"))),
            Promise.all(unknown.map((script) => start(path.join("scripts", script), "--dry-run"))),
            start(pkg.bin["k8s-platform-netpol"], "explain", "--help"),
        ]);
        ran = { help, unknown: flags, bin };
    });

    helps.forEach((script, i) => {
        it(`prints usage and exits 0 for ${script} --help`, () => {
            const r = ran.help[i]!;
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stdout, /^usage: /);
            assert.match(r.stdout, /exit codes: 0 /);
            assert.equal(r.stderr, "");
        });
    });

    for (const sub of ["evaluate", "explain", "can-i", "diff"]) {
        it(`prints usage and exits 0 for netpol ${sub} --help, naming its exit codes`, () => {
            const r = run(sub, "--help");
            assert.equal(r.code, 0);
            assert.ok(r.stdout.startsWith(`usage: npm run --silent netpol -- ${sub} `), r.stdout);
            assert.match(r.stdout, /\nexit codes: 0 /);
        });
    }

    it("refuses an unknown flag by name with exit 2, in every script", () => {
        const r = run("can-i", "a/b", "c/d", "80", "--stack", "nonprod", "--verbose");
        assert.equal(r.code, 2);
        assert.ok(r.stderr.startsWith("unknown flag --verbose\n\nusage: "), r.stderr);
        unknown.forEach((script, i) => {
            assert.equal(ran.unknown[i]!.status, 2, script);
            assert.ok(ran.unknown[i]!.stderr.startsWith("unknown flag --dry-run\n"), ran.unknown[i]!.stderr);
        });
    });

    it("says which flag lacks its value and which command is unknown", () => {
        assert.equal(run("evaluate", "--format").stderr.split("\n")[0], "--format needs a value");
        assert.equal(run("evaluate", "x.json", "--format", "xml").stderr, "--format is one of text, json, not xml\n");
        assert.equal(run("evaulate").stderr.split("\n")[0], "unknown command evaulate");
    });

    it("runs as npx k8s-platform-netpol through the package's bin entry", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8"));
        assert.deepEqual(pkg.bin, { "k8s-platform-netpol": "scripts/k8s-platform-netpol.cjs" });
        assert.equal(ran.bin.status, 0, ran.bin.stderr);
        assert.match(ran.bin.stdout, /^usage: npm run --silent netpol -- explain /);
    });
});

for (const stack of ["nonprod", "prod"]) {
    describe(`netpol can-i on stack ${stack}`, () => {
        const intent = stackIntent(stack);
        const { snapshot } = stackSnapshot(stack);
        // Parties are found in the world the plan builds, never by names fixed in code.
        // nginx is the gateway's data plane, the platform workload that forwards to the web pods.
        const nginx = snapshot.pods.find((p) => p.namespace === intent.toolsNamespace && p.name === intent.platform.gateway)!;
        const webNamespace = intent.namespaces.find((n) => n.apps.includes("web"))!;
        const web = `${webNamespace.name}/web`;
        const webPort = String(webNamespace.webPorts[0]!.port);
        const flow = intent.flows.find((f) => typeof f.ports[0]!.port === "number")!;
        const flowPort = f(flow.ports[0]!.port as number);
        const linked = (a: string, b: string) =>
            intent.flows.some((x) => [x.from.namespace, x.to.namespace].sort().join() === [a, b].sort().join());
        const [ns1, ns2] = (() => {
            for (const a of intent.namespaces)
                for (const b of intent.namespaces)
                    if (a !== b && a.apps.includes("api") && b.apps.includes("api") && !linked(a.name, b.name)) return [a, b];
            throw new Error("every pair of namespaces is linked by a flow");
        })();

        function f(n: number): string {
            return String(n);
        }

        it("finds nginx in the world the plan builds", () => {
            assert.ok(nginx, `no nginx pod in ${intent.toolsNamespace}`);
        });

        it("answers yes (exit 0) for nginx to a web pod on its web port, naming the policies and intent entries", () => {
            const r = run("can-i", `${nginx.namespace}/${nginx.name}`, web, webPort, "--stack", stack);
            assert.equal(r.code, 0, r.stdout);
            const lines = r.stdout.split("\n");
            assert.equal(lines[0], "yes");
            assert.equal(
                lines[1],
                `${nginx.namespace}/${nginx.name} -> ${web} on ${webPort}/TCP: pod ${nginx.namespace}/${nginx.name} -> pod ${web}`,
            );
            assert.ok(
                lines.includes(
                    `    - ${webNamespace.name}/web-from-gateway (intent: the gateway forwards requests to every business namespace's web pods)`,
                ),
                r.stdout,
            );
        });

        it("answers the web pod's call to nginx on 443 by the egress rules the intent gives it", () => {
            const r = run("can-i", web, `${nginx.namespace}/${nginx.name}`, "443", "--stack", stack);
            assert.equal(r.code, 0, r.stdout);
            assert.equal(r.stdout.split("\n")[0], "yes");
        });

        it(`answers no (exit 1) for ${ns1.name}/api from ${ns2.name}/api, two namespaces no flow links`, () => {
            const r = run("can-i", `${ns2.name}/api`, `${ns1.name}/api`, flowPort, "--stack", stack);
            assert.equal(r.code, 1, r.stdout);
            assert.equal(r.stdout.split("\n")[0], "no");
            assert.ok(r.stdout.includes(`    - ${ns1.name}/default-deny (intent: deny all ingress`), r.stdout);
            assert.ok(r.stdout.includes("Rule by rule:"));
        });

        it("answers yes for a declared flow on its port and no on another port, TCP by default", () => {
            const from = `${flow.from.namespace}/${flow.from.app}`;
            const to = `${flow.to.namespace}/${flow.to.app}`;
            const yes = run("can-i", from, to, flowPort, "--stack", stack);
            assert.equal(yes.code, 0, yes.stdout);
            assert.ok(yes.stdout.includes(`(intent: ${from} calls ${to} on `), yes.stdout);
            const no = run("can-i", from, to, `${Number(flowPort) + 1}/tcp`, "--stack", stack);
            assert.equal(no.code, 1);
            assert.equal(no.stdout.split("\n")[1], `${from} -> ${to} on ${Number(flowPort) + 1}/TCP: pod ${from} -> pod ${to}`);
        });
    });
}

describe("netpol can-i on any snapshot", () => {
    const kubectl = path.join(PROJECT_DIR, "test", "fixtures", "kubectl", "get-namespaces-pods-networkpolicies.json");

    it("reads kubectl output with managedFields, status and server defaults, resolving namespace/app to its pods", () => {
        const r = run("can-i", "other/client", "shop/web", "8080", "--snapshot", kubectl);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(
            r.stdout,
            [
                "yes",
                "other/client -> shop/web on 8080/TCP: pod other/client -> pod shop/web-7d4b9c8f6d-x2x9q (app=web)",
                "  egress allowed: no policy isolates it",
                "  ingress allowed by:",
                "    - shop/web-from-other-client (intent: other/client calls shop/web on 8080/TCP)",
                "",
            ].join("\n"),
        );
        assert.equal(run("can-i", "other/client", "shop/web", "9090", "--snapshot", kubectl).code, 1);
    });

    it("gives JSON to scripts, with the verdict of every pod pair", () => {
        const r = run("can-i", "203.0.113.5", "shop/web", "8080", "--snapshot", kubectl, "--format", "json");
        assert.equal(r.code, 1);
        const out = JSON.parse(r.stdout);
        assert.equal(out.allowed, false);
        assert.deepEqual(out.policies.ingress, [
            { policy: "shop/web-from-other-client", intent: "other/client calls shop/web on 8080/TCP" },
        ]);
        assert.equal(out.verdicts.length, 1);
    });

    it("names what a party could have meant when it resolves to nothing", () => {
        const r = run("can-i", "shop/api", "shop/web", "80", "--snapshot", kubectl);
        assert.equal(r.code, 2);
        assert.equal(r.stderr, "no pod or app api in namespace shop (apps: web; pods: web-7d4b9c8f6d-x2x9q)\n");
    });

    it("reads the plan's output directory, manifests and snapshot.json together", () => {
        const dir = path.join(tmp, "plan-out");
        fs.mkdirSync(dir);
        const { snapshot } = stackSnapshot("nonprod");
        fs.writeFileSync(path.join(dir, "snapshot.json"), JSON.stringify(snapshot));
        // Manifests repeat the policies of snapshot.json, as the plan writes them: read once.
        const ns = snapshot.policies.filter((p) => p.metadata.namespace === "payments");
        fs.writeFileSync(path.join(dir, "payments.yaml"), ns.map((p) => stringify(p)).join("---\n"));
        const flow = stackIntent("nonprod").flows.find((x) => x.to.namespace === "payments")!;
        const r = run(
            "can-i",
            `${flow.from.namespace}/${flow.from.app}`,
            `payments/${flow.to.app}`,
            String(flow.ports[0]!.port),
            "--snapshot",
            dir,
        );
        assert.equal(r.code, 0, r.stderr + r.stdout);
    });

    it("exits 1 from diff --exit-code only when connectivity changed, and --all lists every row", () => {
        const examples = path.join(PROJECT_DIR, "test", "fixtures", "netpol");
        const before = path.join(examples, "default-deny-ingress.json");
        const raw = JSON.parse(fs.readFileSync(before, "utf8"));
        const after = file("no-policies.json", { ...raw, probes: undefined, policies: [] });
        const withoutProbes = file("default-deny-no-probes.json", { ...raw, probes: undefined });
        assert.equal(run("diff", withoutProbes, withoutProbes, "--exit-code").code, 0);
        const changed = run("diff", withoutProbes, after, "--exit-code", "--all");
        assert.equal(changed.code, 1);
        assert.equal(changed.stdout.split("\n")[0], `Connectivity change ${withoutProbes} → ${after}: +24 connection(s) gained, -0 lost.`);
        // Every port of ns-1's pods opens (four port classes: 80, 8080 and the other TCP and UDP ports), six pairs.
        assert.equal(changed.stdout.split("\n").filter((l) => l.startsWith("  + ")).length, 6);
        assert.equal(run("diff", withoutProbes, after).code, 0, "without --exit-code a change is not a failure");
    });

    it("points a stack file given as a snapshot to --stack", () => {
        const r = run("evaluate", path.join(PROJECT_DIR, "Pulumi.prod.yaml"));
        assert.equal(r.code, 2);
        assert.equal(
            r.stderr,
            `${path.join(PROJECT_DIR, "Pulumi.prod.yaml")} is a stack file, not a snapshot: give --stack prod to judge what it compiles to\n`,
        );
    });
});

describe("the snapshot reader refuses what the API server refuses, and reads what it reads", () => {
    const base = {
        namespaces: { a: { "kubernetes.io/metadata.name": "a" } },
        pods: [{ namespace: "a", name: "web", labels: { app: "web" }, ip: "10.0.0.1", ports: [{ port: 80 }] }],
    };
    const policy = (spec: object) => ({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "p", namespace: "a" },
        spec,
    });

    it("refuses a label value with a space in a selector, by path", () => {
        const f = file("space.json", { ...base, policies: [policy({ podSelector: { matchLabels: { app: "my app" } } })] });
        const r = spawn("netpol.ts", "evaluate", f);
        assert.equal(r.status, 2);
        assert.equal(r.stdout, "");
        assert.equal(
            r.stderr,
            `${f} is not a valid snapshot:\n  policies[0].spec.podSelector.matchLabels.app: "my app" is not a valid label value: at most 63 characters: letters, digits, '-', '_' or '.', beginning and ending with a letter or digit (no spaces)\n`,
        );
        const expression = run(
            "evaluate",
            file("space-expr.json", {
                ...base,
                policies: [policy({ podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["web", "b c"] }] } })],
            }),
        );
        assert.match(
            expression.stderr,
            /^ {2}policies\[0\]\.spec\.podSelector\.matchExpressions\[0\]\.values\[1\]: "b c" is not a valid label value: /m,
        );
    });

    it("refuses an except equal to its own cidr", () => {
        const f = file("except.json", {
            ...base,
            policies: [policy({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/16", except: ["10.0.0.0/16"] } }] }] })],
        });
        const r = run("evaluate", f);
        assert.equal(r.code, 2);
        assert.equal(
            r.stderr,
            `${f} is not a valid snapshot:\n  policies[0].spec.ingress[0].from[0].ipBlock.except[0]: 10.0.0.0/16 covers all of 10.0.0.0/16: an except range must be a strict subset of its cidr\n`,
        );
    });

    it("treats null as absent where Kubernetes does: matchLabels: null selects every pod", () => {
        const f = file(
            "null.yaml",
            stringify({ ...base, policies: [policy({ podSelector: { matchLabels: null }, ingress: null, policyTypes: ["Ingress"] })] }),
        );
        const r = run("explain", f, "203.0.113.1", "a/web", "80");
        assert.equal(r.code, 1, r.stderr);
        assert.equal(r.stdout.split("\n")[0], "203.0.113.1 -> a/web on 80/TCP: DENIED");
        assert.match(r.stdout, /a\/p selects \{\} \(everything\) and has no ingress rules: it only isolates\./);
    });

    it("says a malformed JSON file is neither valid JSON nor YAML, with the position", () => {
        const f = file("broken.json", '{\n  "namespaces": {},\n  "pods": [,]\n}\n');
        const r = spawn("netpol.ts", "evaluate", f);
        assert.equal(r.status, 2);
        assert.equal(r.stderr, `${f} is neither valid JSON nor YAML: JSON error at line 3, column 12: expected a value, found ","\n`);
    });

    it("finds no problem in any valid JSON text, and the first one in JSON cut short", () => {
        fc.assert(
            fc.property(fc.json(), (text) => {
                assert.equal(firstJsonProblem(text), undefined);
                const cut = text.slice(0, -1);
                let valid = true;
                try {
                    JSON.parse(cut);
                } catch {
                    valid = false;
                }
                assert.equal(firstJsonProblem(cut) === undefined, valid, cut);
            }),
            { numRuns: 300 },
        );
    });
});

/** The smallest cluster that shows a change of ipBlock: one namespace, one api pod, one egress policy. */
function ipBlockSnapshot(block: { cidr: string; except?: string[] }, extraPods: object[] = []) {
    return {
        namespaces: { shop: {} },
        pods: [{ namespace: "shop", name: "api-1", labels: { app: "api" }, ip: "10.40.0.10", ports: [{ port: 8080 }] }, ...extraPods],
        policies: [
            {
                apiVersion: "networking.k8s.io/v1",
                kind: "NetworkPolicy",
                metadata: { name: "api-egress", namespace: "shop" },
                spec: {
                    podSelector: { matchLabels: { app: "api" } },
                    policyTypes: ["Egress"],
                    egress: [{ to: [{ ipBlock: block }], ports: [{ port: 443 }] }],
                },
            },
        ],
    };
}

describe("netpol on what a real cluster holds (issue 19)", () => {
    it("diffs two snapshots that differ in one ipBlock cidr, naming the outside range and the pods, exit 1 with --exit-code", () => {
        const before = file("cidr-before.json", ipBlockSnapshot({ cidr: "203.0.113.0/24" }));
        const after = file("cidr-after.json", ipBlockSnapshot({ cidr: "203.0.113.0/25" }));
        const r = run("diff", before, after, "--exit-code");
        assert.equal(r.code, 1, r.stderr);
        assert.equal(
            r.stdout,
            [
                `Connectivity change ${before} → ${after}: +0 connection(s) gained, -1 lost.`,
                "",
                "Lost:",
                "  - shop/api -> 203.0.113.0/24 (outside)  443/TCP",
                "",
            ].join("\n"),
        );
        assert.equal(run("diff", before, before, "--exit-code").code, 0);
    });

    it("diffs an except added to an ipBlock as the except range's connections lost", () => {
        const before = file("except-before.json", ipBlockSnapshot({ cidr: "203.0.113.0/24" }));
        const after = file("except-after.json", ipBlockSnapshot({ cidr: "203.0.113.0/24", except: ["203.0.113.128/25"] }));
        const r = run("diff", before, after, "--exit-code", "-o", "json");
        assert.equal(r.code, 1, r.stderr);
        const d = JSON.parse(r.stdout);
        assert.deepEqual(d.lost, [
            {
                from: { namespace: "shop", app: "api" },
                to: { namespace: "(outside)", app: "203.0.113.128/25 (outside)" },
                ports: ["443/TCP"],
                pairs: 1,
            },
        ]);
        assert.deepEqual(d.gained, []);
    });

    it("diffs two folders of manifests that differ in one ipBlock the same way", () => {
        const folder = (name: string, cidr: string) => {
            const dir = path.join(tmp, name);
            fs.mkdirSync(dir);
            const s = ipBlockSnapshot({ cidr });
            fs.writeFileSync(
                path.join(dir, "shop.yaml"),
                [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } }, ...s.policies].map((d) => stringify(d)).join("---\n"),
            );
            fs.writeFileSync(
                path.join(dir, "pods.json"),
                JSON.stringify({
                    kind: "List",
                    items: [
                        {
                            kind: "Pod",
                            metadata: { namespace: "shop", name: "api-1", labels: { app: "api" } },
                            spec: { containers: [{ ports: [{ containerPort: 8080 }] }] },
                            status: { phase: "Running", podIP: "10.40.0.10" },
                        },
                    ],
                }),
            );
            return dir;
        };
        const [before, after] = [folder("manifests-before", "198.51.100.0/24"), folder("manifests-after", "198.51.100.0/23")];
        const r = run("diff", before, after, "--exit-code");
        assert.equal(r.code, 1, r.stderr);
        assert.deepEqual(r.stdout.split("\n").slice(2, 4), ["Gained:", "  + shop/api -> 198.51.100.0/23 (outside)  443/TCP"]);
    });

    it("answers can-i for a pod's address exactly as for the pod's name, and says which pod it took", () => {
        const kubectl = path.join(PROJECT_DIR, "test", "fixtures", "kubectl", "get-namespaces-pods-networkpolicies.json");
        const byName = run("can-i", kubectl, "other/client", "shop/web-7d4b9c8f6d-x2x9q", "8080");
        const byAddress = run("can-i", "10.40.2.44", "shop/web-7d4b9c8f6d-x2x9q", "8080", "--snapshot", kubectl);
        assert.equal(byAddress.code, byName.code);
        assert.equal(byAddress.code, 0);
        const lines = byAddress.stdout.split("\n");
        assert.equal(
            lines[1],
            "10.40.2.44 -> shop/web-7d4b9c8f6d-x2x9q on 8080/TCP: 10.40.2.44 = other/client -> pod shop/web-7d4b9c8f6d-x2x9q",
        );
        assert.deepEqual([lines[0], ...lines.slice(2)], [byName.stdout.split("\n")[0], ...byName.stdout.split("\n").slice(2)]);
        const denied = [run("can-i", kubectl, "10.40.2.44", "shop/web", "9090"), run("can-i", kubectl, "other/client", "shop/web", "9090")];
        assert.deepEqual(
            denied.map((d) => [d.code, d.stdout.split("\n").slice(2).join("\n")]),
            [
                [1, denied[1]!.stdout.split("\n").slice(2).join("\n")],
                [1, denied[1]!.stdout.split("\n").slice(2).join("\n")],
            ],
        );
    });

    it("warns when an address in the pod range is held by no pod, and judges a host-network pod as its node's address", () => {
        const f = file("ranges.json", {
            ...ipBlockSnapshot({ cidr: "10.40.0.0/16" }, [
                { namespace: "shop", name: "agent", labels: {}, ip: "10.40.9.9", hostNetwork: true },
            ]),
            podCidrs: ["10.40.0.0/19"],
        });
        const free = run("can-i", f, "shop/api", "10.40.0.77", "443");
        assert.equal(free.code, 0);
        assert.equal(
            free.stderr,
            "warning: 10.40.0.77 is in the pod range 10.40.0.0/19, but no pod of the input holds it: judged as an address outside the cluster\n",
        );
        const host = run("can-i", f, "shop/api", "shop/agent", "443");
        assert.equal(host.code, 0, host.stderr);
        assert.match(
            host.stdout.split("\n")[1]!,
            /shop\/agent \(host network: judged as its node's address 10\.40\.9\.9; Calico applies no pod policy to it\)$/,
        );
    });

    it("answers as if a Succeeded pod were not there, and says so", () => {
        const done = { namespace: "shop", name: "api-old", labels: { app: "api" }, ip: "10.40.0.11", phase: "Succeeded" };
        const withDone = file("succeeded.json", ipBlockSnapshot({ cidr: "203.0.113.0/24" }, [done]));
        const without = file("live-only.json", ipBlockSnapshot({ cidr: "203.0.113.0/24" }));
        const a = run("can-i", withDone, "shop/api", "203.0.113.9", "443");
        const b = run("can-i", without, "shop/api", "203.0.113.9", "443");
        assert.deepEqual([a.code, a.stdout], [b.code, b.stdout]);
        assert.equal(
            a.stderr,
            `note: ${withDone}: 1 pod left out of the judgement: 1 finished (phase Succeeded or Failed: shop/api-old); such pods send and receive nothing.\n`,
        );
        assert.equal(b.stderr, "");
        const named = run("can-i", withDone, "shop/api-old", "203.0.113.9", "443");
        assert.equal(named.code, 2);
        assert.match(named.stderr, /pod shop\/api-old is left out of the judgement: it has finished \(phase Succeeded\)\n$/);
    });

    it("refuses an empty file with exit 2, naming it and what is wrong; warns of an input without pods", () => {
        const empty = file("empty.yaml", "\n# nothing here\n");
        const r = run("evaluate", empty);
        assert.equal(r.code, 2);
        assert.equal(
            r.stderr,
            `${empty} is empty (no JSON or YAML document in it): expected a snapshot (engine/SNAPSHOT.md), Kubernetes manifests or kubectl get -o json output\n`,
        );
        const podless = file("podless.json", { namespaces: { shop: {} }, pods: [], policies: [] });
        const p = run("evaluate", podless);
        assert.equal(p.code, 0);
        assert.equal(p.stderr, `warning: ${podless} holds no live pods: every answer is about addresses only\n`);
    });
});

describe("one grammar for every command (issue 20)", () => {
    const kubectl = path.join(PROJECT_DIR, "test", "fixtures", "kubectl", "get-namespaces-pods-networkpolicies.json");

    it("takes can-i's input first, as evaluate and explain do, and keeps --snapshot working", () => {
        const positional = run("can-i", kubectl, "other/client", "shop/web", "8080");
        const flagged = run("can-i", "other/client", "shop/web", "8080", "--snapshot", kubectl);
        assert.equal(positional.code, 0, positional.stderr);
        assert.equal(positional.stdout, flagged.stdout);
        assert.equal(run("can-i", kubectl, "other/client", "shop/web", "8080", "--snapshot", kubectl).code, 2);
        assert.match(
            run("can-i", "other/client", "shop/web", "8080").stderr,
            /^can-i needs its input: can-i <input> <from> <to> <port>, or --stack <stack>/,
        );
    });

    it("takes -o / --output with the same values everywhere; --format and table keep working", () => {
        const a = run("evaluate", kubectl, "-o", "json");
        assert.equal(a.stdout, run("evaluate", kubectl, "--format", "json").stdout);
        assert.equal(run("evaluate", kubectl, "--output", "table").stdout, run("evaluate", kubectl).stdout);
        assert.equal(run("explain", kubectl, "other/client", "shop/web", "8080", "-o", "json").code, 0);
        const both = run("evaluate", kubectl, "-o", "json", "--format", "text");
        assert.equal(both.code, 2);
        assert.equal(both.stderr, "--output json and --format text disagree; give one (--format is the older spelling)\n");
    });

    it("suggests the namespace, app or pod a mistyped name meant", () => {
        assert.equal(
            run("can-i", kubectl, "othr/client", "shop/web", "80").stderr,
            "no namespace othr in the snapshot (namespaces: shop, other); did you mean other?\n",
        );
        assert.equal(
            run("can-i", kubectl, "other/client", "shop/wbe", "80").stderr,
            "no pod or app wbe in namespace shop (apps: web; pods: web-7d4b9c8f6d-x2x9q); did you mean web?\n",
        );
    });

    it("explains an app with replicas by one pod per group its policies tell apart, naming the pods it stands for", () => {
        const raw = JSON.parse(fs.readFileSync(kubectl, "utf8"));
        const web = raw.items.find(
            (i: { kind: string; metadata: { namespace?: string } }) => i.kind === "Pod" && i.metadata.namespace === "shop",
        );
        const replica = {
            ...web,
            metadata: { ...web.metadata, name: "web-7d4b9c8f6d-abcde" },
            status: { ...web.status, podIP: "10.40.1.32" },
        };
        const f = file("replicas.json", { ...raw, items: [...raw.items, replica] });
        const r = run("explain", f, "other/client", "shop/web", "8080");
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.stdout.split("\n").slice(0, 3), [
            "other/client -> shop/web: pod other/client -> 2 pods shop/web-7d4b9c8f6d-abcde, shop/web-7d4b9c8f6d-x2x9q (app=web)",
            "shop/web-7d4b9c8f6d-abcde stands for 2 pods that no policy tells apart: shop/web-7d4b9c8f6d-abcde, shop/web-7d4b9c8f6d-x2x9q",
            "other/client -> shop/web-7d4b9c8f6d-abcde on 8080/TCP: ALLOWED",
        ]);
    });

    it("reads a relative path from where the user ran npm run, and ends quietly when the reader closes the pipe", () => {
        const sub = spawnSync(
            "npm",
            ["run", "--silent", "netpol", "--", "evaluate", path.join("fixtures", "kubectl", "get-namespaces-pods-networkpolicies.json")],
            {
                cwd: path.join(PROJECT_DIR, "test"),
                encoding: "utf8",
            },
        );
        assert.equal(sub.status, 0, sub.stderr);
        assert.match(sub.stdout, /\n1 connections: 1 allowed, 0 denied\n$/);
        const piped = spawnSync(
            "bash",
            ["-c", "set -o pipefail; node --require tsx/cjs scripts/netpol.ts evaluate --stack nonprod -o json | head -1"],
            {
                cwd: PROJECT_DIR,
                encoding: "utf8",
            },
        );
        assert.equal(piped.stdout, "{\n");
        assert.equal(piped.stderr, "");
        assert.equal(piped.status, 0);
    });

    it("says a port given as a word is a port name, and that a number is needed", () => {
        const r = run("can-i", kubectl, "other/client", "shop/web", "http");
        assert.equal(r.code, 2);
        assert.match(r.stderr, /^http is a port name; give the port's number/);
        assert.equal(
            run("can-i", kubectl, "other/client", "shop/web", "70000").stderr,
            "70000 is not <port>[/<protocol>], a number from 1 to 65535, e.g. 8080 or 53/UDP\n",
        );
    });

    it("exits 2 for a missing stack file as for an unknown stack", () => {
        const missing = spawn("plan.ts", "no-such-dir/Pulumi.nope.yaml");
        assert.equal(missing.status, 2);
        assert.equal(missing.stderr, "no stack file no-such-dir/Pulumi.nope.yaml: no such file\n");
        assert.equal(run("evaluate", "--stack", "nope").code, 2);
        assert.equal(run("evaluate", "--stack", "prd").stderr, "no stack prd: known stacks are nonprod, prod; did you mean prod?\n");
        assert.equal(run("diff", "no-such.yaml", "Pulumi.nonprod.yaml").code, 2);
    });
});

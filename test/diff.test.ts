import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { connectivityOf, podAppDescriber } from "../engine/connectivity";
import { diffConnectivity, renderDiffMarkdown, renderDiffText } from "../engine/diff";
import { diffIntents } from "../compiler/intentDiff";
import { evaluateSnapshot } from "../engine/report";
import { parseSnapshot } from "../engine/snapshot";
import * as os from "os";
import { Io } from "../cli/args";
import { netpol } from "../cli/netpol";
import { PROJECT_DIR, stackIntent } from "./harness";
import { compiledExport } from "../scripts/exportCompiled";
import { diffCompiled, renderCompiledText } from "../cli/compiledDiff";
import { diffInputs } from "../cli/diff";
import { outsideAddresses } from "../engine/outside";
import { NetworkPolicy } from "../engine/k8s";

const row = (r: { from: { namespace: string; app: string }; to: { namespace: string; app: string }; ports: readonly string[] }) =>
    `${r.from.namespace}/${r.from.app} -> ${r.to.namespace}/${r.to.app} ${r.ports.join(",")}`;

describe("the connectivity diff", () => {
    const nonprod = stackIntent("nonprod");

    it("finds no change between an intent and itself, and says so in Markdown", () => {
        const d = diffIntents(nonprod, nonprod);
        assert.deepEqual([d.gained, d.lost], [[], []]);
        assert.equal(renderDiffText("nonprod", d), "nonprod: no connectivity change.");
        assert.match(renderDiffMarkdown("nonprod", d), /No connectivity change\./);
    });

    it("shows a new flow as exactly one gained app pair on its port", () => {
        const after = {
            ...nonprod,
            flows: [
                ...nonprod.flows,
                {
                    from: { namespace: "orders", app: "worker" },
                    to: { namespace: "payments", app: "api" },
                    ports: [{ protocol: "TCP" as const, port: 8443 }],
                },
            ],
        };
        const d = diffIntents(nonprod, after);
        assert.deepEqual(d.gained.map(row), ["orders/worker -> payments/api 8443/TCP"]);
        assert.deepEqual(d.lost, []);
        assert.equal(d.gainedConnections, 1);
        const text = renderDiffText("nonprod", d);
        assert.equal(
            text,
            ["nonprod: +1 connection(s) gained, -0 lost.", "", "Gained:", "  + orders/worker -> payments/api  8443/TCP"].join("\n"),
        );
    });

    it("shows a removed flow as lost, and a new port on an existing flow as gained on that port only", () => {
        const withoutSearch = {
            ...nonprod,
            flows: nonprod.flows.filter((f) => !(f.from.app === "indexer" && f.to.namespace === "catalog")),
        };
        assert.deepEqual(diffIntents(nonprod, withoutSearch).lost.map(row), ["search/indexer -> catalog/api 8080/TCP"]);
        const widened = {
            ...nonprod,
            flows: nonprod.flows.map((f) =>
                f.from.app === "indexer" ? { ...f, ports: [...f.ports, { protocol: "TCP" as const, port: 9200 }] } : f,
            ),
        };
        const d = diffIntents(nonprod, widened);
        assert.deepEqual(d.gained.map(row), ["search/indexer -> catalog/api 9200/TCP"]);
        assert.deepEqual(d.lost, []);
    });

    it("renders Markdown with a Mermaid graph of namespace changes, green for gained and red for lost", () => {
        const after = {
            ...nonprod,
            flows: [
                ...nonprod.flows.filter((f) => f.from.app !== "indexer"),
                {
                    from: { namespace: "orders", app: "worker" },
                    to: { namespace: "payments", app: "api" },
                    ports: [{ protocol: "TCP" as const, port: 8443 }],
                },
            ],
        };
        const md = renderDiffMarkdown("Connectivity change nonprod", diffIntents(nonprod, after));
        assert.ok(md.includes("```mermaid\ngraph LR\n"));
        assert.ok(md.includes('n0["orders"] -->|"+ 8443/TCP"| n1["payments"]'));
        assert.ok(md.includes('n2["search"] -->|"− 8080/TCP"| n3["catalog"]'));
        assert.ok(md.includes("linkStyle 0 stroke:#2da44e"));
        assert.ok(md.includes("linkStyle 1 stroke:#cf222e"));
        assert.ok(md.includes("| ➕ gained | `orders/worker` | `payments/api` | 8443/TCP |"));
        assert.ok(md.includes("| ➖ lost | `search/indexer` | `catalog/api` | 8080/TCP |"));
    });

    it("stays under 60,000 characters and caps its rows for a very large change", () => {
        const big = {
            ...nonprod,
            namespaces: Array.from({ length: 40 }, (_, i) => ({
                name: `team-${i}`,
                team: "t",
                apps: ["web", "api", "worker"],
                webPorts: [{ protocol: "TCP" as const, port: 8080 }],
            })),
            flows: [],
            cidrSources: [],
        };
        const d = diffIntents({ ...big, defaultDenyEgress: false }, big);
        assert.ok(d.lost.length > 300, `only ${d.lost.length} rows`);
        const md = renderDiffMarkdown("big", d);
        assert.ok(md.length <= 60000, `${md.length} characters`);
        assert.match(md, /_… and \d+ more app pair\(s\)/);
        assert.match(md, /more\["… \d+ more namespace pairs"\]/);
    });

    it("compares two snapshots pod by pod", () => {
        const file = path.join(PROJECT_DIR, "test", "fixtures", "netpol", "default-deny-ingress.json");
        const raw = JSON.parse(fs.readFileSync(file, "utf8"));
        delete raw.probes;
        const connectivity = (policies: unknown[]) => {
            const parsed = parseSnapshot({ ...raw, policies });
            assert.ok(parsed.ok);
            return connectivityOf(
                evaluateSnapshot(parsed.ok ? parsed.snapshot : (undefined as never)).verdicts.map((v) => v.verdict),
                podAppDescriber("app"),
            );
        };
        const d = diffConnectivity(connectivity(raw.policies), connectivity([]));
        assert.deepEqual(d.gained.map(row), [
            "ns-1/api -> ns-1/web 80/TCP",
            "ns-1/web -> ns-1/api 8080/TCP",
            "ns-2/client -> ns-1/api 8080/TCP",
            "ns-2/client -> ns-1/web 80/TCP",
            "ns-2/other -> ns-1/api 8080/TCP",
            "ns-2/other -> ns-1/web 80/TCP",
        ]);
        assert.deepEqual(d.lost, []);
    });

    it("names the policy that decided a row, and every policy behind it on request", () => {
        const before = compiledExport(PROJECT_DIR, "nonprod");
        const after = { ...before, policies: before.policies.filter((p) => p.metadata.name !== "from-checkout.api-to-api") };
        const d = diffCompiled(before, after);
        const i = d.lost.findIndex((r) => row(r) === "checkout/api -> payments/api 8443/TCP");
        assert.ok(i >= 0, d.lost.map(row).join("\n"));
        assert.deepEqual(d.lostCauses[i]!.decidedBy, ["payments/from-checkout.api-to-api"]);
        const text = renderCompiledText("t", d, 200).split("\n");
        const at = text.indexOf("  - checkout/api -> payments/api  8443/TCP");
        assert.deepEqual(text.slice(at + 1, at + 3), [
            '      was allowed by: payments/from-checkout.api-to-api ("checkout/api calls payments/api on 8443/TCP") (+1 more unchanged policy; --all-policies lists them)',
            '      now denied by: payments/default-deny ("deny all ingress and egress not allowed by another policy") (+2 more unchanged policies; --all-policies lists them)',
        ]);
        const every = renderCompiledText("t", d, 200, true).split("\n");
        assert.match(
            every[at + 2]!,
            /^ {6}now denied by: payments\/default-deny \(.*\), payments\/allow-same-namespace \(.*\), payments\/from-cidr\.psp-callbacks-to-api \(.*\)$/,
        );
    });

    it("judges two inputs against one outside address per range their ipBlocks distinguish", () => {
        const egress = (cidr: string, except: string[] = []): NetworkPolicy => ({
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name: "out", namespace: "a" },
            spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr, except } }] }] },
        });
        assert.deepEqual(
            outsideAddresses([egress("10.0.0.0/8", ["10.40.0.0/16"]), egress("203.0.113.0/24")], ["10.0.0.1"], ["10.40.0.0/16"]),
            [
                { range: "10.0.0.0/8", ip: "10.0.0.2", label: "10.0.0.0/8 (outside)" },
                { range: "10.40.0.0/16", ip: "10.40.0.1", label: "10.40.0.0/16 (outside)" },
                { range: "203.0.113.0/24", ip: "203.0.113.77", label: "203.0.113.0/24 (outside)" },
                { ip: "198.51.100.77", label: "other IPv4 addresses (outside)" },
            ],
        );
        const snapshot = (policy: NetworkPolicy) => {
            const parsed = parseSnapshot({
                namespaces: { a: {} },
                pods: [{ namespace: "a", name: "p", labels: { app: "p" }, ip: "10.40.0.9" }],
                policies: [policy],
            });
            assert.ok(parsed.ok);
            return parsed.ok ? parsed.snapshot : (undefined as never);
        };
        // Widening 203.0.113.0/24 to /23 gains the new half; the other addresses stay denied.
        const d = diffInputs(snapshot(egress("203.0.113.0/24")), snapshot(egress("203.0.112.0/23")));
        assert.deepEqual(d.gained.map(row), ["a/p -> (outside)/203.0.112.0/23 (outside) 1-65535/TCP,1-65535/UDP"]);
        assert.deepEqual(d.lost, []);
    });

    it("resolves a named port against both sides' pods: http moving from 80 to 8080 behind an ipBlock peer is lost on 80, gained on 8080", () => {
        const snapshot = (port: number) => {
            const parsed = parseSnapshot({
                namespaces: { a: {} },
                pods: [{ namespace: "a", name: "web", labels: { app: "web" }, ip: "10.40.0.9", ports: [{ name: "http", port }] }],
                policies: [
                    {
                        apiVersion: "networking.k8s.io/v1",
                        kind: "NetworkPolicy",
                        metadata: { name: "in", namespace: "a" },
                        spec: {
                            podSelector: {},
                            policyTypes: ["Ingress"],
                            ingress: [{ from: [{ ipBlock: { cidr: "203.0.113.0/24" } }], ports: [{ port: "http" }] }],
                        },
                    },
                ],
            });
            assert.ok(parsed.ok, JSON.stringify(parsed));
            return parsed.ok ? parsed.snapshot : (undefined as never);
        };
        const d = diffInputs(snapshot(80), snapshot(8080));
        assert.deepEqual(d.gained.map(row), ["(outside)/203.0.113.0/24 (outside) -> a/web 8080/TCP"]);
        assert.deepEqual(d.lost.map(row), ["(outside)/203.0.113.0/24 (outside) -> a/web 80/TCP"]);
    });

    it("shows a rule widened to a range, and a protocol swapped, between two pods as the port classes gained and lost", () => {
        const snapshot = (ports: object[]) => {
            const parsed = parseSnapshot({
                namespaces: { a: {}, b: {} },
                pods: [
                    { namespace: "a", name: "web", labels: { app: "web" }, ip: "10.40.0.9", ports: [{ port: 80 }] },
                    { namespace: "b", name: "client", labels: { app: "client" }, ip: "10.40.0.10", ports: [] },
                ],
                policies: [
                    {
                        apiVersion: "networking.k8s.io/v1",
                        kind: "NetworkPolicy",
                        metadata: { name: "in", namespace: "a" },
                        spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: {} }], ports }] },
                    },
                ],
            });
            assert.ok(parsed.ok, JSON.stringify(parsed));
            return parsed.ok ? parsed.snapshot : (undefined as never);
        };
        const into = (rows: string[]) => rows.filter((r) => r.startsWith("b/client -> a/web"));
        const widened = diffInputs(snapshot([{ port: 80 }]), snapshot([{ port: 80, endPort: 9000 }]));
        assert.deepEqual(into(widened.gained.map(row)), ["b/client -> a/web 81-9000/TCP"]);
        assert.deepEqual(widened.lost.map(row), []);
        const swapped = diffInputs(snapshot([{ port: 80 }]), snapshot([{ port: 80, protocol: "UDP" }]));
        assert.deepEqual(into(swapped.gained.map(row)), ["b/client -> a/web 80/UDP"]);
        assert.deepEqual(into(swapped.lost.map(row)), ["b/client -> a/web 80/TCP"]);
    });

    it("compares a stack at two git refs from the command line", () => {
        const out = execFileSync(
            "npm",
            ["run", "--silent", "netpol", "--", "diff", "--stack", "nonprod", ".", ".", "--format", "markdown"],
            { cwd: PROJECT_DIR, encoding: "utf8" },
        );
        assert.match(out, /No connectivity change/);
        const files = execFileSync("npm", ["run", "--silent", "netpol", "--", "diff", "Pulumi.nonprod.yaml", "Pulumi.prod.yaml"], {
            cwd: PROJECT_DIR,
            encoding: "utf8",
        });
        assert.match(files, /^Connectivity change Pulumi\.nonprod\.yaml → Pulumi\.prod\.yaml: \+\d+ connection\(s\) gained, -\d+ lost\./);
        assert.match(files, /\+ psp-callbacks 198\.51\.100\.0\/24 -> payments\/api +8443\/TCP/);
    });

    it("builds each git ref with its own code: a commit that changes the generator shows its gained connections and their policy", function () {
        this.timeout(180000);
        const git = (cwd: string, ...args: string[]) =>
            execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], { cwd, encoding: "utf8" }).trim();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "generator-change-"));
        try {
            git(PROJECT_DIR, "worktree", "add", "--detach", "--quiet", dir, "HEAD");
            // The changed generator adds one policy that admits every source to payments/api.
            const generator = path.join(dir, "compiler", "generate.ts");
            const source = fs.readFileSync(generator, "utf8").replace("export function allPolicies(", "function allPoliciesAsWritten(");
            fs.writeFileSync(
                generator,
                `${source}
export function allPolicies(plans: readonly NamespacePolicies[]): readonly NetworkPolicy[] {
    const open: NetworkPolicy = {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "open-api", namespace: "payments", annotations: { [INTENT_ANNOTATION]: "a test opens payments/api to everyone" } },
        spec: { podSelector: { matchLabels: { app: "api" } }, ingress: [{}] },
    };
    return [...allPoliciesAsWritten(plans), open];
}
`,
            );
            git(dir, "commit", "--quiet", "--all", "--message", "open payments/api");
            const commit = git(dir, "rev-parse", "HEAD");
            let stdout = "";
            let stderr = "";
            const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
            const code = netpol(["diff", "--stack", "nonprod", "HEAD", commit, "--format", "json", "--exit-code"], io);
            assert.equal(code, 1, stderr);
            const d = JSON.parse(stdout);
            assert.equal(d.after.commit, commit);
            assert.deepEqual(d.lost, []);
            assert.ok(d.gained.length > 0);
            for (const [i, row] of (d.gained as { to: { namespace: string; app: string } }[]).entries()) {
                assert.deepEqual(row.to, { namespace: "payments", app: "api" });
                const policies = (d.gainedCauses[i].admittedBy as { policy: string }[]).map((c) => c.policy);
                assert.ok(policies.includes("payments/open-api"), policies.join());
            }
            // From outside the cluster only the changed policy is involved: there is no egress side.
            const outside = (d.gained as { from: { namespace: string } }[]).findIndex((r) => r.from.namespace === "(outside)");
            assert.ok(outside >= 0, JSON.stringify(d.gained));
            assert.deepEqual(d.gainedCauses[outside].admittedBy, [
                { policy: "payments/open-api", intent: "a test opens payments/api to everyone" },
            ]);
            // The same commits again, as text: built once per process.
            stdout = "";
            assert.equal(netpol(["diff", "--stack", "nonprod", "HEAD", commit], io), 0);
            const text = stdout;
            assert.match(text, /^Connectivity change nonprod@HEAD → nonprod@[0-9a-f]{40}: \+\d+ connection\(s\) gained, -0 lost\./);
            assert.match(text, /\n {6}now allowed by: payments\/open-api \("a test opens payments\/api to everyone"\)\n/);
        } finally {
            execFileSync("git", ["worktree", "remove", "--force", dir], { cwd: PROJECT_DIR });
        }
    });
});

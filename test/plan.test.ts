import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { manifestFiles } from "../offline/manifests";
import { Namespace, NetworkPolicy } from "../engine/k8s";
import { PROJECT_DIR } from "./harness";

interface Manifest {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
    spec: { podSelector?: object; policyTypes?: string[] };
}

/** Every document of a YAML file, as parsed. */
function documents(file: string): Manifest[] {
    return parseAllDocuments(fs.readFileSync(file, "utf8")).map((d) => d.toJS() as Manifest);
}

/** The working tree's out/, as `npm test` found it: names and modification times. */
function outState(): string {
    const out = path.join(PROJECT_DIR, "out");
    if (!fs.existsSync(out)) return "(no out/)";
    return (fs.readdirSync(out, { recursive: true }) as string[])
        .sort()
        .map((f) => `${f} ${fs.statSync(path.join(out, f)).mtimeMs}`)
        .join("\n");
}

const outBefore = outState();

for (const stack of ["nonprod", "prod"]) {
    describe(`npm run plan -- ${stack}`, () => {
        let stdout: string;
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `plan-${stack}-`));
        const manifests = path.join(outDir, stack);
        const engineFiles = path.join(outDir, `${stack}.netpol`);
        before(() => {
            stdout = execFileSync("npm", ["run", "--silent", "plan", "--", stack, "--out-dir", outDir], {
                cwd: PROJECT_DIR,
                encoding: "utf8",
            });
        });
        after(() => fs.rmSync(outDir, { recursive: true, force: true }));

        it("says plainly that the plan is offline", () => {
            assert.match(stdout, /The Pulumi engine was mocked: nothing was sent to AWS or to a cluster/);
        });

        it("lists one cluster, Calico, 15 namespaces and their policies in the resource tree", () => {
            assert.match(stdout, /^\s+1 {2}eks:index:Cluster$/m);
            assert.match(stdout, /^\s+1 {2}k8s-platform:calico:Calico$/m);
            assert.match(stdout, /^\s+15 {2}kubernetes:core\/v1:Namespace$/m);
            assert.match(stdout, /^├─ k8s-platform:namespace:SegmentedNamespace\s+ns-payments$/m);
            assert.match(stdout, /│ {2}├─ kubernetes:networking\.k8s\.io\/v1:NetworkPolicy\s+ns-payments-allow-same-namespace$/m);
        });

        it("lists the Gateway API CRDs, the NGINX Gateway Fabric release and the Gateway, and no ingress-nginx", () => {
            assert.match(stdout, /^[├└]─ k8s-platform:gateway:NginxGateway\s+gateway$/m);
            assert.match(stdout, /kubernetes:yaml\/v2:ConfigFile\s+gateway-gateway-api-crds$/m);
            assert.match(stdout, /kubernetes:helm\.sh\/v3:Release\s+gateway-chart$/m);
            assert.match(stdout, /kubernetes:gateway\.networking\.k8s\.io\/v1:Gateway\s+gateway-shared$/m);
            assert.doesNotMatch(stdout, /ingress-nginx/);
        });

        it("lists cert-manager, the issuer, the AWS Load Balancer Controller and their Pod Identity roles", () => {
            assert.match(stdout, /^├─ k8s-platform:edge:CertManager\s+cert-manager$/m);
            assert.match(stdout, /^│ {2}├─ aws:iam\/role:Role\s+cert-manager-route53$/m);
            assert.match(stdout, /^│ {2}├─ aws:eks\/podIdentityAssociation:PodIdentityAssociation\s+cert-manager-route53$/m);
            assert.match(stdout, /^│ {2}├─ kubernetes:helm\.sh\/v4:Chart\s+cert-manager-chart$/m);
            assert.match(stdout, /^│ {2}└─ kubernetes:cert-manager\.io\/v1:ClusterIssuer\s+cert-manager-issuer$/m);
            assert.match(stdout, /^├─ k8s-platform:edge:LoadBalancerController\s+lb-controller$/m);
            assert.match(stdout, /^│ {2}├─ aws:iam\/role:Role\s+lb-controller-role$/m);
            assert.match(stdout, /^│ {2}├─ aws:eks\/podIdentityAssociation:PodIdentityAssociation\s+lb-controller-role$/m);
            assert.match(stdout, /^│ {2}└─ kubernetes:helm\.sh\/v4:Chart\s+lb-controller-chart$/m);
            // The hostnames' alias records to the NLB, last.
            assert.match(stdout, /^└─ k8s-platform:edge:GatewayDns\s+dns$/m);
            assert.match(stdout, /^ {3}└─ aws:route53\/record:Record\s+dns-www\.\S*shop\.example\.com$/m);
        });

        it("holds the edge's pods in the plan's snapshot with the labels their charts set", () => {
            const snapshot = JSON.parse(fs.readFileSync(path.join(engineFiles, "snapshot.json"), "utf8")) as {
                pods: { namespace: string; name: string; labels: Record<string, string> }[];
            };
            const labels = (namespace: string, name: string) =>
                snapshot.pods.find((p) => p.namespace === namespace && p.name === name)?.labels;
            const certManager = (name: string, component: string) => ({
                app: name,
                "app.kubernetes.io/name": name,
                "app.kubernetes.io/instance": "cert-manager",
                "app.kubernetes.io/component": component,
            });
            assert.deepEqual(labels("cert-manager", "cert-manager"), certManager("cert-manager", "controller"));
            assert.deepEqual(labels("cert-manager", "cert-manager-webhook"), certManager("webhook", "webhook"));
            assert.deepEqual(labels("cert-manager", "cert-manager-cainjector"), certManager("cainjector", "cainjector"));
            assert.deepEqual(labels("aws-load-balancer-controller", "lb-controller"), {
                "app.kubernetes.io/name": "aws-load-balancer-controller",
                "app.kubernetes.io/instance": "aws-load-balancer-controller",
            });
        });

        it("proves the policies against the intent and prints the namespace matrix", () => {
            assert.match(stdout, /Intent check passed: every one of the \d+ connections is allowed exactly when the intent allows it\./);
            assert.match(stdout, /^from \\ to +analytics +aws-load-balancer-controller +cart +catalog +cert-manager +checkout/m);
            assert.match(stdout, /^checkout +· +· +· +· +· +6\/6 +1\/6 /m);
        });

        it("writes the engine's files beside the manifests, in <stack>.netpol/, and no intent-check.json when the check passes", () => {
            assert.deepEqual(fs.readdirSync(engineFiles).sort(), ["connectivity.html", "snapshot.json"]);
            assert.deepEqual(fs.readdirSync(outDir).sort(), [stack, `${stack}.netpol`]);
            assert.match(stdout, new RegExp(`^Wrote .*${stack}\\.netpol/snapshot\\.json `, "m"));
        });

        it("writes only Kubernetes manifests, every document with apiVersion and kind, in apply order", () => {
            const files = fs.readdirSync(manifests).sort();
            assert.deepEqual(files, [
                "00-namespaces.yaml",
                ...[
                    "analytics",
                    "aws-load-balancer-controller",
                    "cart",
                    "catalog",
                    "cert-manager",
                    "checkout",
                    "customers",
                    "inventory",
                    "notifications",
                    "orders",
                    "payments",
                    "search",
                    "shipping",
                    "storefront",
                    "tools",
                ].map((ns) => `10-${ns}.yaml`),
                "20-tools-gateway.yaml",
            ]);
            for (const file of files)
                for (const [i, doc] of documents(path.join(manifests, file)).entries()) {
                    assert.equal(typeof doc.apiVersion, "string", `${file} document ${i + 1} has no apiVersion`);
                    assert.equal(typeof doc.kind, "string", `${file} document ${i + 1} has no kind`);
                    assert.ok(doc.metadata.name, `${file} document ${i + 1} has no name`);
                }
            const namespaces = documents(path.join(manifests, "00-namespaces.yaml"));
            assert.equal(namespaces.length, 15);
            assert.ok(namespaces.every((d) => d.apiVersion === "v1" && d.kind === "Namespace"));
            let policies = 0;
            for (const file of files.filter((f) => f.startsWith("10-"))) {
                const namespace = file.slice(3, -".yaml".length);
                const docs = documents(path.join(manifests, file));
                for (const doc of docs) {
                    assert.deepEqual(
                        [doc.apiVersion, doc.kind, doc.metadata.namespace],
                        ["networking.k8s.io/v1", "NetworkPolicy", namespace],
                    );
                    assert.match(doc.metadata.name, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
                    assert.ok(doc.spec.podSelector !== undefined && Array.isArray(doc.spec.policyTypes));
                }
                // The isolation is applied after the allows, as the program orders them.
                assert.equal(docs[docs.length - 1]!.metadata.name, "default-deny", file);
                policies += docs.length;
            }
            const counted = Number(/Wrote 15 namespaces, (\d+) NetworkPolicies and 1 Gateway to .* in apply order/.exec(stdout)?.[1]);
            assert.equal(policies, counted);
            const gateway = fs.readFileSync(path.join(manifests, "20-tools-gateway.yaml"), "utf8");
            assert.match(gateway, /^# .*Gateway API CRDs/);
            assert.match(
                gateway,
                /^# {3}kubectl apply --server-side -f https:\/\/github\.com\/kubernetes-sigs\/gateway-api\/releases\/download\/v1\.5\.1\/standard-install\.yaml$/m,
            );
            assert.deepEqual(
                documents(path.join(manifests, "20-tools-gateway.yaml")).map((d) => [
                    d.apiVersion,
                    d.kind,
                    d.metadata.namespace,
                    d.metadata.name,
                ]),
                [["gateway.networking.k8s.io/v1", "Gateway", "tools", "shared"]],
            );
        });

        it("is read back by netpol from the manifest folder, an edited policy taking effect, with the pods of <stack>.netpol/snapshot.json", () => {
            const canI = () =>
                spawnSync(
                    "npm",
                    ["run", "--silent", "netpol", "--", "can-i", "checkout/api", "payments/api", "8443", "--snapshot", manifests],
                    {
                        cwd: PROJECT_DIR,
                        encoding: "utf8",
                    },
                );
            const before = canI();
            assert.equal(before.status, 0, before.stderr);
            assert.match(before.stdout, /^ {4}- payments\/from-checkout\.api-to-api /m);
            assert.equal(
                before.stderr,
                `${manifests}: namespaces and policies from its manifests; pods from ${path.join(engineFiles, "snapshot.json")}\n`,
            );
            // The same folder named from a subfolder of the project, with a trailing "/.": the same pods.
            const fromTest = spawnSync(
                "npm",
                [
                    "run",
                    "--silent",
                    "netpol",
                    "--",
                    "can-i",
                    `${path.relative(path.join(PROJECT_DIR, "test"), manifests)}/.`,
                    "checkout/api",
                    "payments/api",
                    "8443",
                ],
                { cwd: path.join(PROJECT_DIR, "test"), encoding: "utf8" },
            );
            assert.equal(fromTest.status, 0, fromTest.stderr);
            assert.match(fromTest.stderr, new RegExp(`pods from ${path.join(engineFiles, "snapshot.json").replace(/[.]/g, "\\.")}`));
            // Edit the flow's ingress half: admit only a port the caller does not use.
            const file = path.join(manifests, "10-payments.yaml");
            const text = fs.readFileSync(file, "utf8");
            const start = text.indexOf("name: from-checkout.api-to-api");
            const end = text.indexOf("---", start);
            assert.ok(start > 0 && end > start);
            const edited = text.slice(0, start) + text.slice(start, end).replace(/port: 8443/, "port: 9443") + text.slice(end);
            assert.notEqual(edited, text);
            fs.writeFileSync(file, edited);
            const after = canI();
            assert.equal(after.status, 1, after.stderr);
            assert.match(after.stdout, /^no\n/);
            assert.match(
                after.stdout,
                /ingress denied: no rule admits it, isolated by:\n(?: {4}- .*\n)*? {4}- payments\/from-checkout\.api-to-api /,
            );
        });
    });
}

describe("npm run plan -- <path>", () => {
    it("refuses a stack file whose name is no stack name, and replaces no folder outside its output", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-name-"));
        try {
            fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.nonprod.yaml"), path.join(dir, "Pulumi....yaml"));
            fs.mkdirSync(path.join(dir, "out"));
            fs.writeFileSync(path.join(dir, "precious"), "keep");
            const r = spawnSync(
                "npm",
                ["run", "--silent", "plan", "--", path.join(dir, "Pulumi....yaml"), "--out-dir", path.join(dir, "out")],
                {
                    cwd: PROJECT_DIR,
                    encoding: "utf8",
                },
            );
            assert.equal(r.status, 2, r.stderr);
            assert.match(r.stderr, /"\.\." is not a stack name/);
            assert.equal(fs.readFileSync(path.join(dir, "precious"), "utf8"), "keep");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("npm run plan -- --generated <count>", () => {
    it("plans a generated stack of that many business namespaces into the folder given", () => {
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-generated-"));
        try {
            const stdout = execFileSync("npm", ["run", "--silent", "plan", "--", "--generated", "2", "--out-dir", outDir], {
                cwd: PROJECT_DIR,
                encoding: "utf8",
            });
            assert.match(stdout, /^Offline plan of stack generated-2 /m);
            assert.match(stdout, /Intent check passed/);
            assert.deepEqual(
                documents(path.join(outDir, "generated-2", "00-namespaces.yaml")).map((d) => d.metadata.name),
                ["aws-load-balancer-controller", "cert-manager", "ns-0000", "ns-0001", "tools"],
            );
            assert.ok(fs.existsSync(path.join(outDir, "generated-2.netpol", "connectivity.html")));
        } finally {
            fs.rmSync(outDir, { recursive: true, force: true });
        }
    });

    it("refuses a count that is not a number of namespaces, with exit 2", () => {
        const run = spawnSync("npm", ["run", "--silent", "plan", "--", "--generated", "many"], { cwd: PROJECT_DIR, encoding: "utf8" });
        assert.equal(run.status, 2);
        assert.match(run.stderr, /^--generated takes a number of namespaces \(1 to 99999\), not many\n/);
    });
});

describe("the plan's manifest files", () => {
    const ns = (name: string): Namespace => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
    const policy = (namespace: string, name: string): NetworkPolicy => ({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { namespace, name },
        spec: { podSelector: {} },
    });

    it("puts namespaces first, each namespace's default-deny after its allows, and custom kinds last under their CRD note", () => {
        const files = manifestFiles(
            [ns("b"), ns("a"), ns("empty")],
            [policy("a", "default-deny"), policy("a", "allow-x"), policy("b", "allow-y")],
            [{ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: "a" } }],
            (kind) => `${kind} needs\nits CRD`,
        );
        assert.deepEqual(
            files.map((f) => f.name),
            ["00-namespaces.yaml", "10-b.yaml", "10-a.yaml", "20-a-widget.yaml"],
        );
        const names = (text: string) => parseAllDocuments(text).map((d) => (d.toJS() as Manifest).metadata.name);
        assert.deepEqual(names(files[0]!.text), ["b", "a", "empty"]);
        assert.deepEqual(names(files[2]!.text), ["allow-x", "default-deny"]);
        assert.ok(files[3]!.text.startsWith("# Widget needs\n# its CRD\napiVersion: example.com/v1\nkind: Widget\n"), files[3]!.text);
    });
});

describe("the plan tests", () => {
    it("leave the working tree's out/ as they found it", () => {
        assert.equal(outState(), outBefore);
    });
});

describe("the placeholder checklist (docs/real-path.md)", () => {
    const readme = fs.readFileSync(path.join(PROJECT_DIR, "docs", "real-path.md"), "utf8");
    const start = readme.indexOf("### What to replace: the placeholder checklist");
    const checklist = readme.slice(start, readme.indexOf("\n## ", start));
    const files = ["Pulumi.nonprod.yaml", "Pulumi.prod.yaml", "policy/config/nonprod.json", "policy/config/prod.json"].map((f) =>
        fs.readFileSync(path.join(PROJECT_DIR, f), "utf8"),
    );

    it("names every account ID, documentation address range, region and cluster name the shipped files hold", () => {
        assert.ok(start > 0, "no checklist section");
        const wanted = new Set<string>();
        for (const text of files) {
            for (const m of text.matchAll(/arn:aws:iam::(\d{12}):role\/([\w-]+)/g)) wanted.add(m[1]!).add(m[2]!);
            // RFC 5737's documentation ranges: nothing routes them, so each is a placeholder.
            for (const m of text.matchAll(/\b(?:192\.0\.2|198\.51\.100|203\.0\.113)\.\d+\/\d+/g)) wanted.add(m[0]);
            for (const m of text.matchAll(/^ {2}aws:region: (\S+)$/gm)) wanted.add(m[1]!);
            for (const m of text.matchAll(/^ {4}name: (\S+)$/gm)) wanted.add(m[1]!);
            for (const m of text.matchAll(/certificateSecret: (\S+)/g)) wanted.add(m[1]!);
            for (const m of text.matchAll(/after: (\S+)\/k8s-platform\//g)) wanted.add(m[1]!);
        }
        assert.ok(wanted.size >= 15, [...wanted].join(" "));
        const missing = [...wanted].filter(
            (v) => !checklist.includes(`\`${v}\``) && !checklist.includes(` ${v}\``) && !checklist.includes(`\`${v} `),
        );
        assert.deepEqual(missing, []);
    });
});

import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { PROJECT_DIR } from "./harness";

interface Manifest {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
    spec: { podSelector?: object; policyTypes?: string[] };
}

for (const stack of ["nonprod", "prod"]) {
    describe(`npm run plan -- ${stack}`, () => {
        let stdout: string;
        before(() => {
            stdout = execFileSync("npm", ["run", "--silent", "plan", "--", stack], { cwd: PROJECT_DIR, encoding: "utf8" });
        });

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
            assert.match(stdout, /^└─ k8s-platform:edge:LoadBalancerController\s+lb-controller$/m);
            assert.match(stdout, /^ {3}├─ aws:iam\/role:Role\s+lb-controller-role$/m);
            assert.match(stdout, /^ {3}├─ aws:eks\/podIdentityAssociation:PodIdentityAssociation\s+lb-controller-role$/m);
            assert.match(stdout, /^ {3}└─ kubernetes:helm\.sh\/v4:Chart\s+lb-controller-chart$/m);
        });

        it("holds the edge's pods in the plan's snapshot with the labels their charts set", () => {
            const snapshot = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "out", stack, "snapshot.json"), "utf8")) as {
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
            assert.ok(fs.existsSync(path.join(PROJECT_DIR, "out", stack, "connectivity.html")));
        });

        it("writes manifests that parse as Kubernetes objects, one file per namespace with the namespace first", () => {
            const dir = path.join(PROJECT_DIR, "out", stack);
            const files = fs
                .readdirSync(dir)
                .filter((f) => f.endsWith(".yaml"))
                .sort();
            assert.equal(files.length, 15);
            let policies = 0;
            let gateways = 0;
            for (const file of files) {
                const docs = parseAllDocuments(fs.readFileSync(path.join(dir, file), "utf8")).map((d) => d.toJS() as Manifest);
                const namespace = file.replace(/\.yaml$/, "");
                assert.deepEqual([docs[0]!.apiVersion, docs[0]!.kind, docs[0]!.metadata.name], ["v1", "Namespace", namespace]);
                for (const doc of docs.slice(1)) {
                    if (doc.kind === "Gateway") {
                        assert.deepEqual(
                            [doc.apiVersion, doc.metadata.namespace, doc.metadata.name],
                            ["gateway.networking.k8s.io/v1", "tools", "shared"],
                        );
                        gateways++;
                        continue;
                    }
                    assert.equal(doc.apiVersion, "networking.k8s.io/v1");
                    assert.equal(doc.kind, "NetworkPolicy");
                    assert.equal(doc.metadata.namespace, namespace);
                    assert.match(doc.metadata.name, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
                    assert.ok(doc.spec.podSelector !== undefined && Array.isArray(doc.spec.policyTypes));
                    policies++;
                }
            }
            const counted = Number(/Wrote 15 namespaces, (\d+) NetworkPolicies and 1 Gateway/.exec(stdout)?.[1]);
            assert.equal(policies, counted);
            assert.equal(gateways, 1);
        });
    });
}

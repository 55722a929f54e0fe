import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { formatGate, guardedChanges, typeFromUrn } from "../delivery/previewGate";
import { PROJECT_DIR } from "./harness";

const FIXTURE = path.join(PROJECT_DIR, "test", "fixtures", "preview-prod-replaces-namespace.json");

describe("the prod preview gate", () => {
    it("names the namespace being replaced and the KMS key being deleted, once each, and nothing else", () => {
        const result = guardedChanges(JSON.parse(fs.readFileSync(FIXTURE, "utf8")));
        assert.ok(result.ok);
        assert.deepEqual(result.ok && result.changes.map((c) => `${c.op} ${c.type} ${c.name}`), [
            "create-replacement kubernetes:core/v1:Namespace ns-payments",
            "delete aws:kms/key:Key platform-secrets",
        ]);
    });

    it("passes a preview that only creates, updates and deletes policies", () => {
        const result = guardedChanges({
            steps: [
                { op: "update", urn: "urn:pulumi:prod::k8s-platform::pulumi:providers:kubernetes::platform-k8s" },
                {
                    op: "delete",
                    urn: "urn:pulumi:prod::k8s-platform::k8s-platform:namespace:SegmentedNamespace$kubernetes:networking.k8s.io/v1:NetworkPolicy::ns-a-x",
                },
                {
                    op: "create",
                    urn: "urn:pulumi:prod::k8s-platform::k8s-platform:namespace:SegmentedNamespace$kubernetes:core/v1:Namespace::ns-new",
                },
            ],
        });
        assert.equal(formatGate(result), "preview gate: passed; none of the 3 steps replaces or deletes a guarded resource.");
    });

    it("reads the resource type from the URN when the step has no state", () => {
        assert.equal(
            typeFromUrn("urn:pulumi:prod::k8s-platform::k8s-platform:cluster:PlatformCluster$pulumi:providers:kubernetes::platform-k8s"),
            "pulumi:providers:kubernetes",
        );
        const result = guardedChanges({
            steps: [
                {
                    op: "replace",
                    urn: "urn:pulumi:prod::k8s-platform::k8s-platform:cluster:PlatformCluster$pulumi:providers:kubernetes::platform-k8s",
                },
            ],
        });
        assert.ok(result.ok && result.changes.length === 1);
    });

    it("refuses input that is not a preview", () => {
        assert.equal(
            formatGate(guardedChanges({ resources: [] })),
            "preview gate: not the output of `pulumi preview --json`: no steps list",
        );
    });

    it("fails from the command line with the resources named", () => {
        const run = spawnSync("npm", ["run", "--silent", "preview-gate", "--", FIXTURE], { cwd: PROJECT_DIR, encoding: "utf8" });
        assert.equal(run.status, 1);
        assert.equal(
            run.stdout,
            [
                "preview gate: FAILED; 2 guarded resource(s) would be replaced or deleted:",
                "  create-replacement kubernetes:core/v1:Namespace ns-payments: would remove a namespace and every workload in it",
                "  delete aws:kms/key:Key platform-secrets: would remove the KMS key of the cluster's secrets",
                "Change the program so these resources are kept, or run the deletion by hand with a reviewed plan.",
                "",
            ].join("\n"),
        );
    });
});

describe("the prod preview gate and the gateway's load balancer", () => {
    const urn =
        "urn:pulumi:prod::k8s-platform::k8s-platform:gateway:NginxGateway$kubernetes:gateway.networking.k8s.io/v1:Gateway::gateway-shared";
    const gateway = (scheme: string, intended = false) => ({
        type: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
        inputs: {
            metadata: { annotations: intended ? { "k8s-platform/load-balancer-replacement": "intended" } : {} },
            spec: { infrastructure: { annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": scheme } } },
        },
    });

    it("refuses a scheme change, which replaces the NLB, naming the Gateway and the config key that allows it", () => {
        const result = guardedChanges({
            steps: [{ op: "update", urn, oldState: gateway("internal"), newState: gateway("internet-facing") }],
        });
        assert.ok(result.ok);
        assert.deepEqual(result.ok && result.changes.map((c) => `${c.op} ${c.name}`), ["update gateway-shared"]);
        const text = formatGate(result);
        assert.match(
            text,
            /update kubernetes:gateway\.networking\.k8s\.io\/v1:Gateway gateway-shared: would remove the gateway's NLB \(its scheme changes/,
        );
        assert.match(text, /set gateway\.replaceLoadBalancer: true for that update/);
    });

    it("passes a scheme change the config says is intended, and any Gateway update that keeps the scheme", () => {
        for (const steps of [
            [{ op: "update", urn, oldState: gateway("internal"), newState: gateway("internet-facing", true) }],
            [{ op: "update", urn, oldState: gateway("internal"), newState: gateway("internal") }],
            [{ op: "create", urn, newState: gateway("internal") }],
        ]) {
            const result = guardedChanges({ steps });
            assert.ok(result.ok && result.changes.length === 0, JSON.stringify(steps));
        }
    });
});

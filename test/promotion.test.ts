import { strict as assert } from "assert";
import { describePromotion, judgePromotion } from "../delivery/promotion";
import { promotionDigest } from "../compiler/digest";
import { ofType, runStack, runStackExpectingFailure, stackConfig, stackIntent } from "./harness";

const NONPROD = "organization/k8s-platform/nonprod";

describe("the promotion digest", () => {
    it("is the same for the real nonprod and prod stacks, whose structure is the same", () => {
        assert.equal(promotionDigest(stackIntent("prod")), promotionDigest(stackIntent("nonprod")));
        assert.match(promotionDigest(stackIntent("prod")), /^sha256:[0-9a-f]{64}$/);
    });

    it("ignores environment values (address ranges) and changes with a flow's port or the egress-deny switch", () => {
        const base = stackIntent("nonprod");
        const digest = promotionDigest(base);
        const moveAddresses = {
            ...base,
            addresses: { podCidrs: ["10.99.0.0/19"], controlPlaneCidrs: ["10.99.208.0/28"] },
            egressDestinations: base.egressDestinations.map((d) => ({ ...d, cidrs: [{ cidr: "192.0.2.0/28", except: [] }] })),
        };
        assert.equal(promotionDigest(moveAddresses), digest);
        assert.notEqual(promotionDigest({ ...base, defaultDenyEgress: false }), digest);
        const moved = {
            ...base,
            flows: base.flows.map((f, i) => (i === 0 ? { ...f, ports: [{ protocol: "TCP" as const, port: 8081 }] } : f)),
        };
        assert.notEqual(promotionDigest(moved), digest);
    });
});

describe("the promotion gate", () => {
    it("decides by digest, preview and override", () => {
        const config = { after: NONPROD, override: false };
        assert.equal(judgePromotion(undefined, "a", undefined, false).kind, "not-configured");
        assert.equal(judgePromotion(config, "a", "a", false).kind, "passed");
        assert.equal(judgePromotion(config, "a", "b", true).kind, "warned");
        assert.equal(judgePromotion(config, "a", "b", false).kind, "blocked");
        assert.equal(judgePromotion({ ...config, override: true, reason: "incident 42" }, "a", "b", false).kind, "overridden");
        assert.equal(
            describePromotion(judgePromotion(config, "sha256:new", "sha256:old", false)),
            `promotion gate: refused: this stack's network policy set sha256:new has not run in ${NONPROD}, which runs sha256:old. To proceed, deploy the change to ${NONPROD} first, or set k8s-platform:promotion.override with a reason.`,
        );
    });

    it("lets prod apply the policy set nonprod runs", async () => {
        const run = await runStack("prod");
        assert.match(
            String(run.outputs["promotionGate"]),
            /^promotion gate: passed; organization\/k8s-platform\/nonprod runs the same network policy set \(sha256:/,
        );
        assert.equal(run.outputs["promotionDigest"], promotionDigest(stackIntent("nonprod")));
        assert.equal(ofType(run, "pulumi:pulumi:StackReference").length, 1);
    });

    it("refuses a prod-only change: an egress grant that nonprod's stack file does not have", async () => {
        const config = stackConfig("prod") as Record<string, { egress: unknown[] }>;
        config["k8s-platform:network"]!.egress.push({ from: "analytics/etl", to: "internet-https" });
        const failure = await runStackExpectingFailure("prod", config);
        assert.match(
            failure.message,
            /promotion gate: refused: this stack's network policy set sha256:[0-9a-f]{64} has not run in organization\/k8s-platform\/nonprod/,
        );
        assert.deepEqual(
            failure.registrations.map((r) => r.type),
            ["pulumi:pulumi:StackReference"],
        );
    });

    it("refuses `pulumi up` of a set nonprod has not run, naming both digests, before any resource", async () => {
        const failure = await runStackExpectingFailure("prod", stackConfig("prod"), {
            stackOutputs: { [NONPROD]: { promotionDigest: "sha256:older" } },
        });
        assert.match(
            failure.message,
            /promotion gate: refused: this stack's network policy set sha256:[0-9a-f]{64} has not run in organization\/k8s-platform\/nonprod, which runs sha256:older\./,
        );
        assert.deepEqual(
            failure.registrations.map((r) => r.type),
            ["pulumi:pulumi:StackReference"],
        );
    });

    it("refuses when nonprod exports no digest at all", async () => {
        const failure = await runStackExpectingFailure("prod", stackConfig("prod"), { stackOutputs: {} });
        assert.match(failure.message, /which runs no policy set digest/);
    });

    it("only warns in a preview, so the pull request still shows its diff", async () => {
        const run = await runStack("prod", stackConfig("prod"), {
            preview: true,
            stackOutputs: { [NONPROD]: { promotionDigest: "sha256:older" } },
        });
        assert.ok(run.log.some((l) => l.startsWith("warning: promotion gate:") && l.includes("`pulumi up` will refuse it")));
        assert.ok(ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").length > 50);
    });

    it("applies under an override with a reason, and says so in the output and the log", async () => {
        const config = stackConfig("prod");
        config["k8s-platform:promotion"] = { after: NONPROD, override: true, reason: "incident 4711: payment provider moved" };
        const run = await runStack("prod", config, { stackOutputs: { [NONPROD]: { promotionDigest: "sha256:older" } } });
        assert.match(String(run.outputs["promotionGate"]), /^promotion gate: OVERRIDDEN \(incident 4711: payment provider moved\)/);
        assert.ok(run.log.some((l) => l.startsWith("warning: promotion gate: OVERRIDDEN")));
    });

    it("refuses an override without a reason as a config problem", async () => {
        const config = stackConfig("prod");
        config["k8s-platform:promotion"] = { after: NONPROD, override: true };
        const failure = await runStackExpectingFailure("prod", config);
        assert.match(failure.message, /k8s-platform:promotion\.reason: \(not set\): an override needs a reason/);
        assert.equal(failure.registrations.length, 0);
    });

    it("is not configured for nonprod, which reads no other stack", async () => {
        const run = await runStack("nonprod");
        assert.equal(run.outputs["promotionGate"], "promotion gate: not configured for this stack");
        assert.equal(ofType(run, "pulumi:pulumi:StackReference").length, 0);
        assert.match(String(run.outputs["networkPolicyDigest"]), /^sha256:[0-9a-f]{64}$/);
    });
});

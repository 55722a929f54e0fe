import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
    ACCESS_WAIT_ATTEMPTS,
    ACCESS_WAIT_DELAY_MS,
    AccessProbeResult,
    defaultAccessProbe,
    kubeconfigAfterAccess,
    kubectlCanIProbe,
    waitForClusterAccess,
} from "../components/clusterAccess";

const PRINCIPAL = "arn:aws:iam::123456789012:role/github-deploy";

/** A probe answering from a script, counting its calls, and a sleep recording its delays. */
function scripted(answers: AccessProbeResult[]): { probe: () => Promise<AccessProbeResult>; calls: () => number; slept: number[] } {
    let calls = 0;
    const slept: number[] = [];
    return {
        probe: async () => answers[Math.min(calls++, answers.length - 1)]!,
        calls: () => calls,
        slept,
    };
}

const refused: AccessProbeResult = { ok: false, reason: "error: You must be logged in to the server (Unauthorized)" };

describe("waitForClusterAccess", () => {
    it("returns once the probe admits the deployer on the 3rd attempt, having slept twice", async () => {
        const s = scripted([refused, refused, { ok: true }]);
        await waitForClusterAccess({
            clusterName: "nonprod",
            principalArn: PRINCIPAL,
            probe: s.probe,
            attempts: 30,
            delayMs: 5000,
            sleep: async (ms) => void s.slept.push(ms),
        });
        assert.equal(s.calls(), 3);
        assert.deepEqual(s.slept, [5000, 5000]);
    });

    it("gives up after the bound, naming the cluster, the principal, the attempts and the last answer", async () => {
        const s = scripted([{ ok: false, reason: "no" }, refused]);
        await assert.rejects(
            waitForClusterAccess({
                clusterName: "nonprod",
                principalArn: PRINCIPAL,
                probe: s.probe,
                attempts: 4,
                delayMs: 10,
                sleep: async (ms) => void s.slept.push(ms),
            }),
            {
                message:
                    `cluster nonprod: the deployer ${PRINCIPAL} was not admitted after 4 attempts ` +
                    "(last answer: error: You must be logged in to the server (Unauthorized)). Check the deployer's access entry " +
                    "on the cluster and its AmazonEKSClusterAdminPolicy association " +
                    `(\`aws eks list-associated-access-policies --cluster-name nonprod --principal-arn ${PRINCIPAL}\`); see docs/first-run.md.`,
            },
        );
        assert.equal(s.calls(), 4);
        // No sleep after the last attempt.
        assert.deepEqual(s.slept, [10, 10, 10]);
    });

    it("stops at once when the probe itself fails (kubectl missing)", async () => {
        let calls = 0;
        await assert.rejects(
            waitForClusterAccess({
                clusterName: "nonprod",
                principalArn: PRINCIPAL,
                probe: async () => {
                    calls++;
                    throw new Error("kubectl is not installed");
                },
                attempts: 30,
                delayMs: 5000,
                sleep: async () => assert.fail("no sleep after a failed probe"),
            }),
            /kubectl is not installed/,
        );
        assert.equal(calls, 1);
    });

    it("is bounded at 30 attempts 5 s apart (about two and a half minutes)", () => {
        assert.equal(ACCESS_WAIT_ATTEMPTS, 30);
        assert.equal(ACCESS_WAIT_DELAY_MS, 5000);
    });
});

/** The value of an Output, or its failure (Output.promise is the SDK's own, internal, accessor). */
function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as unknown as { promise(): Promise<T> }).promise();
}

async function mockRun(preview: boolean): Promise<void> {
    await pulumi.runtime.setMocks(
        { newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: (a) => a.inputs },
        "k8s-platform",
        "nonprod",
        preview,
    );
}

describe("kubeconfigAfterAccess (the provider's kubeconfig)", () => {
    const kubeconfig = '{"apiVersion":"v1","kind":"Config"}';

    it("never resolves to the kubeconfig in an `up` whose probe keeps refusing: the wait's error surfaces", async () => {
        await mockRun(false);
        const s = scripted([refused]);
        const out = kubeconfigAfterAccess({
            kubeconfig: pulumi.output(kubeconfig),
            clusterName: pulumi.output("nonprod"),
            principalArn: PRINCIPAL,
            access: [],
            probe: async (k) => {
                assert.equal(k, kubeconfig);
                return s.probe();
            },
            attempts: 3,
            delayMs: 1,
            sleep: async (ms) => void s.slept.push(ms),
        });
        await assert.rejects(
            valueOf(out),
            /^Error: cluster nonprod: the deployer .* was not admitted after 3 attempts \(last answer: error: You must be logged in/,
        );
        assert.equal(s.calls(), 3);
    });

    it("resolves to the kubeconfig in an `up` once the probe admits the deployer", async () => {
        await mockRun(false);
        const s = scripted([refused, { ok: true }]);
        const out = kubeconfigAfterAccess({
            kubeconfig: pulumi.output(kubeconfig),
            clusterName: "nonprod",
            principalArn: PRINCIPAL,
            access: [],
            probe: () => s.probe(),
            sleep: async (ms) => void s.slept.push(ms),
        });
        assert.equal(await valueOf(out), kubeconfig);
        assert.equal(s.calls(), 2);
        assert.deepEqual(s.slept, [ACCESS_WAIT_DELAY_MS]);
    });

    it("never calls the cluster in a preview", async () => {
        await mockRun(true);
        const out = kubeconfigAfterAccess({
            kubeconfig: pulumi.output(kubeconfig),
            clusterName: "nonprod",
            principalArn: PRINCIPAL,
            access: [],
            probe: async () => assert.fail("a preview never probes"),
        });
        assert.equal(await valueOf(out), kubeconfig);
    });

    it("has no default probe under the test mocks (their clusters do not exist)", async () => {
        await mockRun(false);
        assert.equal(defaultAccessProbe(), undefined);
    });
});

describe("kubectlCanIProbe", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "access-probe-test-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** A kubectl that records its arguments and the kubeconfig's mode, then answers as told. */
    function fakeKubectl(answer: string, exitCode: number): string {
        const file = path.join(dir, "kubectl");
        fs.writeFileSync(
            file,
            `#!/bin/sh\necho "$@" > "${dir}/args"\nstat -c %a "$2" > "${dir}/mode"\ncp "$2" "${dir}/seen"\necho ${answer}\nexit ${exitCode}\n`,
            { mode: 0o755 },
        );
        return file;
    }

    it("admits on exit 0 and 'yes', from a 0600 kubeconfig it removes afterwards", async () => {
        const result = await kubectlCanIProbe({ kubectl: fakeKubectl("yes", 0) })("kubeconfig-text");
        assert.deepEqual(result, { ok: true });
        const args = fs.readFileSync(path.join(dir, "args"), "utf8").trim().split(" ");
        assert.deepEqual(args.slice(2), ["auth", "can-i", "*", "*", "--all-namespaces"]);
        assert.equal(fs.readFileSync(path.join(dir, "mode"), "utf8").trim(), "600");
        assert.equal(fs.readFileSync(path.join(dir, "seen"), "utf8"), "kubeconfig-text");
        assert.equal(fs.existsSync(args[1]!), false);
    });

    it("refuses on 'no' with its answer as the reason", async () => {
        assert.deepEqual(await kubectlCanIProbe({ kubectl: fakeKubectl("no", 1) })("k"), { ok: false, reason: "no" });
    });

    it("says kubectl is missing when it is not there", async () => {
        await assert.rejects(kubectlCanIProbe({ kubectl: path.join(dir, "no-kubectl") })("k"), /is not installed or not on PATH/);
    });
});

/**
 * The wait between the deployer's access entry being created and the Kubernetes provider's first
 * call. EKS answers CreateAccessEntry and AssociateAccessPolicy before the API server
 * authenticates and authorizes the principal (the EKS User Guide, "Grant IAM users access to
 * Kubernetes with EKS access entries", gives no bound; in practice seconds), so on a first `up`
 * the provider could be refused (401/403) right after they exist. The provider's kubeconfig
 * resolves only once the deployer is answered, or the run fails with what to check.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";

/** What one question to the cluster answered. */
export type AccessProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Asks the cluster, with the given kubeconfig, whether its principal is admitted as cluster admin. */
export type ClusterAccessProbe = (kubeconfig: string) => Promise<AccessProbeResult>;

/**
 * 30 attempts 5 s apart: about two and a half minutes, far past the few seconds an access entry
 * takes to be effective, and short enough that a wrong principal or a missing policy association
 * fails the run instead of hanging it.
 */
export const ACCESS_WAIT_ATTEMPTS = 30;
export const ACCESS_WAIT_DELAY_MS = 5000;
/** One `kubectl auth can-i`, token exchange (`aws eks get-token`) included. */
export const ACCESS_PROBE_TIMEOUT_MS = 30_000;

export interface ClusterAccessWait {
    readonly clusterName: string;
    /** The deployer's principal, for the message when the wait gives up. */
    readonly principalArn: string;
    readonly probe: () => Promise<AccessProbeResult>;
    readonly attempts: number;
    readonly delayMs: number;
    readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Calls `probe` until it answers ok, at most `attempts` times with `delayMs` between; then throws,
 * naming the cluster, the principal, the attempts and the last answer. An error the probe throws
 * (kubectl missing) is no answer: it stops the wait at once.
 */
export async function waitForClusterAccess(wait: ClusterAccessWait): Promise<void> {
    let last = "no attempt made";
    for (let attempt = 1; attempt <= wait.attempts; attempt++) {
        const result = await wait.probe();
        if (result.ok) return;
        last = result.reason;
        if (attempt < wait.attempts) await wait.sleep(wait.delayMs);
    }
    throw new Error(
        `cluster ${wait.clusterName}: the deployer ${wait.principalArn} was not admitted after ${wait.attempts} attempts ` +
            `(last answer: ${last}). Check the deployer's access entry on the cluster and its AmazonEKSClusterAdminPolicy ` +
            `association (\`aws eks list-associated-access-policies --cluster-name ${wait.clusterName} --principal-arn ${wait.principalArn}\`); ` +
            `see docs/first-run.md.`,
    );
}

export interface KubectlProbeOptions {
    /** The kubectl to run; by default the one on PATH. */
    readonly kubectl?: string;
    readonly timeoutMs?: number;
}

/**
 * `kubectl auth can-i '*' '*' --all-namespaces` with the cluster's kubeconfig, whose exec plugin
 * (`aws eks get-token`) authenticates as the deployer: "yes" with exit 0 is cluster admin. The
 * kubeconfig is written to a file only kubectl reads (0600), removed as soon as kubectl ends.
 */
export function kubectlCanIProbe(options: KubectlProbeOptions = {}): ClusterAccessProbe {
    const kubectl = options.kubectl ?? "kubectl";
    const timeout = options.timeoutMs ?? ACCESS_PROBE_TIMEOUT_MS;
    return async (kubeconfig) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cluster-access-"));
        const file = path.join(dir, "kubeconfig");
        try {
            fs.writeFileSync(file, kubeconfig, { mode: 0o600 });
            return await new Promise<AccessProbeResult>((resolve, reject) => {
                execFile(
                    kubectl,
                    ["--kubeconfig", file, "auth", "can-i", "*", "*", "--all-namespaces"],
                    { timeout, encoding: "utf8" },
                    (error, stdout, stderr) => {
                        if ((error as NodeJS.ErrnoException | null)?.code === "ENOENT") {
                            reject(
                                new Error(
                                    `kubectl (${kubectl}) is not installed or not on PATH: the deploy waits with it for the deployer's ` +
                                        "cluster access (the runners need it for the live verify too, docs/live-verification.md)",
                                ),
                            );
                            return;
                        }
                        const answer = stdout.trim();
                        if (!error && answer === "yes") resolve({ ok: true });
                        else if (error?.killed) resolve({ ok: false, reason: `kubectl timed out after ${timeout} ms` });
                        else
                            resolve({
                                ok: false,
                                reason: [answer, stderr.trim()].filter((s) => s !== "").join("; ") || `exit ${String(error?.code)}`,
                            });
                    },
                );
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    };
}

/**
 * The probe a run uses unless told another: none under pulumi.runtime.setMocks (the offline plan
 * and the tests, whose clusters do not exist), kubectl otherwise.
 */
export function defaultAccessProbe(): ClusterAccessProbe | undefined {
    return pulumi.runtime.getMonitor() instanceof MockMonitor ? undefined : kubectlCanIProbe();
}

export interface KubeconfigAfterAccessArgs {
    readonly kubeconfig: pulumi.Output<string>;
    readonly clusterName: pulumi.Input<string>;
    readonly principalArn: string;
    /** The access entry and its policy associations: their URNs resolve once they exist. */
    readonly access: readonly pulumi.Resource[];
    /** Undefined: no wait (a run under mocks). */
    readonly probe: ClusterAccessProbe | undefined;
    readonly attempts?: number;
    readonly delayMs?: number;
    readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * The kubeconfig once the access resources exist and, in a `pulumi up` (not a preview, which
 * never calls the cluster), once the probe admits the deployer.
 */
export function kubeconfigAfterAccess(args: KubeconfigAfterAccessArgs): pulumi.Output<string> {
    return pulumi
        .all([args.kubeconfig, args.clusterName, pulumi.all(args.access.map((r) => r.urn))])
        .apply(async ([kubeconfig, clusterName]) => {
            const probe = args.probe;
            if (probe && !pulumi.runtime.isDryRun()) {
                await waitForClusterAccess({
                    clusterName,
                    principalArn: args.principalArn,
                    probe: () => probe(kubeconfig),
                    attempts: args.attempts ?? ACCESS_WAIT_ATTEMPTS,
                    delayMs: args.delayMs ?? ACCESS_WAIT_DELAY_MS,
                    sleep: args.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
                });
            }
            return kubeconfig;
        });
}

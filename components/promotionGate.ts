import * as pulumi from "@pulumi/pulumi";
import { formatLocatedProblem } from "../config/load";
import {
    KubernetesVersionVerdict,
    PromotionConfig,
    PromotionVerdict,
    describePromotion,
    judgeKubernetesVersion,
    judgePromotion,
} from "../delivery/promotion";

/** Name of the stack output that carries the promotion digest. */
export const PROMOTION_DIGEST_OUTPUT = "promotionDigest";
/** Name of the stack output that carries the Kubernetes minor version the stack runs. */
export const KUBERNETES_VERSION_OUTPUT = "kubernetesVersion";

/**
 * Reads the earlier stack's deployed promotion digest and Kubernetes version, and applies the gate
 * before anything else is registered: a refused update stops here, so no policy of an untried set
 * and no untried Kubernetes version reaches the cluster.
 */
export async function enforcePromotion(
    config: PromotionConfig | undefined,
    ours: string,
    kubernetesVersion: string,
): Promise<PromotionVerdict> {
    let theirs: string | undefined;
    let theirVersion: string | undefined;
    if (config) {
        const earlier = new pulumi.StackReference(config.after);
        theirs = await stringOutput(earlier, PROMOTION_DIGEST_OUTPUT);
        theirVersion = await stringOutput(earlier, KUBERNETES_VERSION_OUTPUT);
    }
    const preview = pulumi.runtime.isDryRun();
    const verdict = judgePromotion(config, ours, theirs, preview);
    const version = judgeKubernetesVersion(config, kubernetesVersion, theirVersion, preview);
    const message = describePromotion(verdict);
    const versionMessage = versionProblem(version, kubernetesVersion);
    const refusals = [verdict.kind === "blocked" ? message : undefined, version.kind === "blocked" ? versionMessage : undefined];
    if (refusals.some((r) => r !== undefined)) throw new pulumi.RunError(refusals.filter((r) => r !== undefined).join("\n"));
    if (verdict.kind === "warned" || verdict.kind === "overridden") await pulumi.log.warn(message);
    else await pulumi.log.info(message);
    if (versionMessage !== undefined) await pulumi.log.warn(versionMessage);
    return verdict;
}

async function stringOutput(stack: pulumi.StackReference, name: string): Promise<string | undefined> {
    const details = await stack.getOutputDetails(name);
    const value = details.value ?? details.secretValue;
    return typeof value === "string" ? value : undefined;
}

/** The version rule's finding, worded as a problem of the key it is about. */
function versionProblem(verdict: KubernetesVersionVerdict, ours: string): string | undefined {
    if (!("message" in verdict)) return undefined;
    return `promotion gate: ${formatLocatedProblem({
        path: "k8s-platform:cluster.kubernetesVersion",
        keys: ["cluster", "kubernetesVersion"],
        value: ours,
        message: verdict.message,
    })}`;
}

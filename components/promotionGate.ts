import * as pulumi from "@pulumi/pulumi";
import { PromotionConfig, PromotionVerdict, describePromotion, judgePromotion } from "../delivery/promotion";

/** Name of the stack output that carries the promotion digest. */
export const PROMOTION_DIGEST_OUTPUT = "promotionDigest";

/**
 * Reads the earlier stack's deployed promotion digest and applies the gate before anything else is
 * registered: a refused update stops here, so no policy of an untried set reaches the cluster.
 */
export async function enforcePromotion(config: PromotionConfig | undefined, ours: string): Promise<PromotionVerdict> {
    let theirs: string | undefined;
    if (config) {
        const earlier = new pulumi.StackReference(config.after);
        const details = await earlier.getOutputDetails(PROMOTION_DIGEST_OUTPUT);
        const value = details.value ?? details.secretValue;
        theirs = typeof value === "string" ? value : undefined;
    }
    const verdict = judgePromotion(config, ours, theirs, pulumi.runtime.isDryRun());
    const message = describePromotion(verdict);
    if (verdict.kind === "blocked") throw new pulumi.RunError(message);
    if (verdict.kind === "warned" || verdict.kind === "overridden") await pulumi.log.warn(message);
    else await pulumi.log.info(message);
    return verdict;
}

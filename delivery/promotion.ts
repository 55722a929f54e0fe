/**
 * The promotion gate's decision, pure: prod applies a policy set only after nonprod has run it.
 * The shell (components/promotionGate.ts) reads nonprod's deployed digest and acts on the verdict.
 */

export interface PromotionConfig {
    /** Fully qualified stack that must have run the policy set first (`organization/k8s-platform/nonprod`). */
    readonly after: string;
    /** Emergency switch: apply anyway. Needs a reason, which the output shows. */
    readonly override: boolean;
    readonly reason?: string;
}

export type PromotionVerdict =
    | { readonly kind: "not-configured" }
    | { readonly kind: "passed"; readonly digest: string; readonly after: string }
    | {
          readonly kind: "overridden";
          readonly ours: string;
          readonly theirs: string | undefined;
          readonly after: string;
          readonly reason: string;
      }
    | { readonly kind: "warned"; readonly ours: string; readonly theirs: string | undefined; readonly after: string }
    | { readonly kind: "blocked"; readonly ours: string; readonly theirs: string | undefined; readonly after: string };

/**
 * `theirs` is the digest the earlier stack exported (undefined when it exported none). A preview
 * only warns, so a pull request still shows its diff; an update is blocked unless overridden.
 */
export function judgePromotion(
    config: PromotionConfig | undefined,
    ours: string,
    theirs: string | undefined,
    preview: boolean,
): PromotionVerdict {
    if (!config) return { kind: "not-configured" };
    if (theirs === ours) return { kind: "passed", digest: ours, after: config.after };
    if (config.override) return { kind: "overridden", ours, theirs, after: config.after, reason: config.reason ?? "" };
    return preview ? { kind: "warned", ours, theirs, after: config.after } : { kind: "blocked", ours, theirs, after: config.after };
}

export function describePromotion(v: PromotionVerdict): string {
    switch (v.kind) {
        case "not-configured":
            return "promotion gate: not configured for this stack";
        case "passed":
            return `promotion gate: passed; ${v.after} runs the same network policy set (${v.digest})`;
        case "overridden":
            return `promotion gate: OVERRIDDEN (${v.reason}); this stack's network policy set ${v.ours} is applied although ${v.after} runs ${v.theirs ?? "no policy set digest"}`;
        case "warned":
        case "blocked": {
            const what = `this stack's network policy set ${v.ours} has not run in ${v.after}, which runs ${v.theirs ?? "no policy set digest"}`;
            const fix = `deploy the change to ${v.after} first, or set k8s-platform:promotion.override with a reason`;
            return v.kind === "warned"
                ? `promotion gate: ${what}; \`pulumi up\` will refuse it (${fix})`
                : `promotion gate: refused: ${what}. To proceed, ${fix}.`;
        }
        default: {
            const never: never = v;
            return String(never);
        }
    }
}

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

/** What the Kubernetes-version rule of the gate decided; `message` is set unless it passed. */
export type KubernetesVersionVerdict =
    { readonly kind: "not-configured" | "passed" } | { readonly kind: "warned" | "blocked" | "overridden"; readonly message: string };

/**
 * The gate's second rule: a stack never runs a newer Kubernetes minor version than the stack it is
 * promoted from (prod never runs what nonprod has not). An older one is fine: nonprod upgrades
 * first. `theirs` is the earlier stack's exported kubernetesVersion (undefined when it exported
 * none). Like the digest rule, a preview only warns, and the override lets an update through.
 */
export function judgeKubernetesVersion(
    config: PromotionConfig | undefined,
    ours: string,
    theirs: string | undefined,
    preview: boolean,
): KubernetesVersionVerdict {
    if (!config) return { kind: "not-configured" };
    const [our, their] = [minorOf(ours), theirs === undefined ? undefined : minorOf(theirs)];
    if (our !== undefined && their !== undefined && our <= their) return { kind: "passed" };
    const what =
        their === undefined
            ? `cannot be compared: ${config.after} exports no kubernetesVersion`
            : `is newer than ${theirs}, which ${config.after} runs; a stack never runs a Kubernetes version the stack it is promoted from has not`;
    const fix = `upgrade ${config.after} first, or set k8s-platform:promotion.override with a reason`;
    if (config.override) return { kind: "overridden", message: `${what} (OVERRIDDEN: ${config.reason ?? ""})` };
    return preview
        ? { kind: "warned", message: `${what}; \`pulumi up\` will refuse it (${fix})` }
        : { kind: "blocked", message: `${what} (${fix})` };
}

/** The minor of a Kubernetes version such as `1.33`, or undefined. */
function minorOf(version: string): number | undefined {
    const m = /^1\.(\d+)$/.exec(version);
    return m ? Number(m[1]) : undefined;
}

/**
 * The evidence a verify of the earlier stack leaves (`netpol verify --report`, kept by the deploy
 * workflow as an artifact): which stack, which policy set (its promotion digest), and whether the
 * live cluster showed no drift and no disagreement with the engine.
 */
export interface VerifyEvidence {
    readonly stack: string;
    readonly promotionDigest: string;
    readonly passed: boolean;
    /** Probed in the cluster; false for a report judged on recorded results (`--results`). */
    readonly live: boolean;
}

export type VerificationVerdict =
    | { readonly kind: "not-configured" }
    | { readonly kind: "passed"; readonly message: string }
    | { readonly kind: "overridden"; readonly message: string }
    | { readonly kind: "blocked"; readonly message: string };

/**
 * The gate's third rule: a stack applies a policy set only after a verify of the earlier stack
 * passed for that same set (same promotion digest). `evidence` is undefined when there is none.
 * The override with a reason lets it through, as for the digest rule.
 */
export function judgeVerification(
    config: PromotionConfig | undefined,
    ours: string,
    evidence: VerifyEvidence | undefined,
): VerificationVerdict {
    if (!config) return { kind: "not-configured" };
    // The report's stack is the short name (nonprod); `after` is the full one (organization/k8s-platform/nonprod).
    const afterStack = config.after.split("/").pop();
    const problem =
        evidence === undefined
            ? `no verify report of ${config.after}`
            : evidence.stack !== afterStack
              ? `the verify report is of stack ${evidence.stack}, not of ${config.after}, which must go first`
              : !evidence.live
                ? `the verify of ${evidence.stack} judged recorded results (--results), not a run in the cluster`
                : evidence.promotionDigest !== ours
                  ? `the verify of ${evidence.stack} judged the policy set ${evidence.promotionDigest}, not this stack's ${ours}`
                  : !evidence.passed
                    ? `the verify of ${evidence.stack} for the policy set ${ours} did not pass (drift or a disagreement with the engine)`
                    : undefined;
    if (problem === undefined)
        return { kind: "passed", message: `verify gate: passed; ${evidence!.stack} was verified live with the policy set ${ours}` };
    if (config.override) return { kind: "overridden", message: `verify gate: OVERRIDDEN (${config.reason ?? ""}): ${problem}` };
    return {
        kind: "blocked",
        message: `verify gate: refused: ${problem}. Verify ${config.after} first (netpol verify --report), or set k8s-platform:promotion.override with a reason.`,
    };
}

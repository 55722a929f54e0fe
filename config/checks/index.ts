/**
 * Semantic checks over a config of the right shape: what the values mean together (references
 * between keys, address ranges, Kubernetes naming rules, production guardrails). Pure; collects
 * every problem instead of throwing, and builds the network intent on the way. One module per
 * section holds its rules; this file runs the sections in the order their problems are reported.
 */
import { NetworkIntent } from "../../compiler/intent";
import { TenancySettings } from "../../compiler/tenancy";
import { ConfigProblem } from "../problems";
import { accountRules } from "./accounts";
import { CheckContext, CheckedSections } from "./context";
import { hostnameGrants } from "./edge";
import { clusterRules } from "./cluster";
import { networkIntent } from "./networkIntent";
import { promotionRules } from "./promotion";
import { tenancySettings } from "./tenancy";
import { versionRules } from "./versions";

export { CheckedSections, cmp } from "./context";
export { hostnameCovers } from "./edge";

/** What the checks found, and what they built when the sections were valid. */
export interface CheckResults {
    readonly problems: ConfigProblem[];
    readonly warnings: ConfigProblem[];
    readonly tenancy: TenancySettings | undefined;
    readonly network: NetworkIntent | undefined;
    readonly routeHostnames: Record<string, string[]> | undefined;
}

/** Semantic checks over the sections of the right shape; collects problems instead of throwing. */
export class Checker {
    private readonly ctx: CheckContext;

    /** `today` (YYYY-MM-DD) judges the Kubernetes version against the EKS support calendar. */
    constructor(raw: CheckedSections, today: string) {
        this.ctx = new CheckContext(raw, today);
    }

    /** Runs every section's rules, in this order (the order problems are reported in). */
    run(): CheckResults {
        const ctx = this.ctx;
        clusterRules(ctx);
        const tenancy = tenancySettings(ctx);
        versionRules(ctx);
        const network = networkIntent(ctx);
        const routeHostnames = hostnameGrants(ctx);
        accounts(ctx);
        promotionRules(ctx);
        return { problems: ctx.problems, warnings: ctx.warnings, tenancy, network, routeHostnames };
    }
}

/** The rules of accounts.ts: overlapping hostname grants, the stack's account, the endpoint's runners. */
function accounts(ctx: CheckContext): void {
    const found = accountRules(ctx.raw);
    ctx.problems.push(...found.problems);
    ctx.warnings.push(...found.warnings);
}

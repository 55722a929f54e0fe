/**
 * Promotion: an override of the promotion gate needs its reason.
 */
import { CheckContext } from "./context";

export function promotionRules(ctx: CheckContext): void {
    const p = ctx.raw.promotion;
    if (p?.override && !p.reason?.trim()) {
        ctx.problem(
            ["promotion", "reason"],
            p.reason,
            "an override needs a reason, which the deployment shows",
            'e.g. "incident 1234: hotfix egress to the payment provider"',
        );
    }
}

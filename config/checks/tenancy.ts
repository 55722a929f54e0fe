/**
 * Tenancy: node and tenant credentials (metadata hop limit, access entries' teams and policies),
 * Pod Security levels, quotas and limit ranges.
 */
import { CLUSTER_WRITE_POLICIES, PSA_LEVELS, PsaLevel, TenancySettings, isQuantity } from "../../compiler/tenancy";
import { suggest } from "../problems";
import { CheckContext, cmp } from "./context";

/**
 * Node and tenant credentials: the metadata hop limit, who is platform, which team an access
 * entry belongs to; then the namespaces' Pod Security levels, quotas and limits. Returns the
 * tenancy settings, undefined when they are invalid.
 */
export function tenancySettings(ctx: CheckContext): TenancySettings | undefined {
    const before = ctx.problems.length;
    const c = ctx.raw.cluster;
    const t = ctx.raw.tenancy;
    // Each needs the cluster, the teams of the network section and the tenancy section.
    if (!c || !t || !ctx.raw.network) return undefined;
    if (c.nodeGroup.metadataHopLimit > 1)
        ctx.problem(
            ["cluster", "nodeGroup", "metadataHopLimit"],
            c.nodeGroup.metadataHopLimit,
            "lets pods reach the instance metadata service and the node role's credentials",
            "set 1, as the EKS best practices guide asks (IMDSv2 with a hop limit of 1)",
        );
    const teams = ctx.teams();
    const names = new Set<string>();
    c.accessEntries.forEach((e, i) => {
        const at = ["cluster", "accessEntries", i];
        if (names.has(e.name)) ctx.problem([...at, "name"], e.name, "is declared twice", "one entry per principal");
        names.add(e.name);
        if (e.team !== undefined && !teams.includes(e.team))
            ctx.problem(
                [...at, "team"],
                e.team,
                "owns no namespace in network.namespaces",
                suggest(e.team, teams) ?? `teams: ${teams.join(", ")}`,
            );
        if (e.team !== undefined && e.platform)
            ctx.problem([...at, "platform"], e.platform, "a platform principal belongs to no team", "use one entry for each role");
        if (e.accessPolicy && (CLUSTER_WRITE_POLICIES as readonly string[]).includes(e.accessPolicy) && !e.platform) {
            const say = ctx.production ? ctx.problem.bind(ctx) : ctx.warn.bind(ctx);
            say(
                [...at, "accessPolicy"],
                e.accessPolicy,
                "grants cluster-wide write access to a principal not declared platform: it could delete any namespace's default-deny",
                "give a team `team: <name>` (its own namespaces only), or declare platform administrators with `platform: true`",
            );
        }
    });

    const level = (kind: "business" | "tools"): PsaLevel | undefined => {
        const value = t.podSecurity[kind];
        if (!(PSA_LEVELS as readonly string[]).includes(value)) {
            ctx.problem(
                ["tenancy", "podSecurity", kind],
                value,
                `is not a Pod Security level (${PSA_LEVELS.join(", ")})`,
                suggest(value, PSA_LEVELS) ?? "use restricted where the pods allow it, baseline otherwise",
            );
            return undefined;
        }
        if (value === "privileged") {
            ctx.problem(
                ["tenancy", "podSecurity", kind],
                value,
                "lets pods run privileged and use the host's namespaces; the platform enforces baseline at least",
                "restricted, or baseline",
            );
            return undefined;
        }
        return value as PsaLevel;
    };
    const business = level("business");
    const tools = level("tools");
    const quantities = (values: Record<string, string | number> | undefined, path: string[]) => {
        if (!values) return undefined;
        const out: Record<string, string> = {};
        for (const key of Object.keys(values).sort(cmp)) {
            const text = String(values[key]);
            if (!isQuantity(text))
                ctx.problem(
                    [...path, key],
                    values[key],
                    "is not a Kubernetes quantity",
                    "e.g. 500m or 2 for CPU, 512Mi or 4Gi for memory, 50 for a count",
                );
            out[key] = text;
        }
        return out;
    };
    const quota = quantities(t.quota, ["tenancy", "quota"]);
    const limitRange = t.limitRange
        ? Object.fromEntries(
              (["default", "defaultRequest", "max"] as const)
                  .filter((k) => t.limitRange![k] !== undefined)
                  .map((k) => [k, quantities(t.limitRange![k], ["tenancy", "limitRange", k])!]),
          )
        : undefined;
    if (ctx.problems.length > before || !business || !tools) return undefined;
    return { podSecurity: { business, tools }, ...(quota ? { quota } : {}), ...(limitRange ? { limitRange } : {}) };
}

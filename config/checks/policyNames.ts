/**
 * Policy name collisions: two entries of the network section that would compile to one
 * Kubernetes name or one Pulumi URN.
 */
import { NetworkIntent, appRefString } from "../../compiler/intent";
import { compileIntent } from "../../compiler/generate";
import { keyPath } from "../problems";
import { CheckContext, CheckedSections } from "./context";

/**
 * Two children that would get one name: two policies of one name in a namespace (one
 * Kubernetes object for two entries), or two policies of different namespaces whose Pulumi
 * names meet. Each namespace's component is `ns-<namespace>` and names its policies
 * `ns-<namespace>-<policy>` (index.ts, components/segmentedNamespace.ts); children of one type
 * under components of one type share a URN when their names are equal, whichever component
 * is their parent (https://www.pulumi.com/docs/iac/concepts/resources/names/#urns), so
 * namespace `shop` with app `api-from-web` and namespace `shop-from-api` with app `web`, both
 * calling payments/api, would register `ns-shop-from-api-from-web-to-payments.api` twice.
 * Refused before anything is registered, with the key paths of both entries.
 */
export function collisions(ctx: CheckContext, intent: NetworkIntent, plans: ReturnType<typeof compileIntent>): void {
    const net = ctx.raw.network!;
    const seen = new Map<string, { namespace: string; policy: string }>();
    for (const plan of plans) {
        const namespace = plan.namespace.metadata.name;
        const names = new Set<string>();
        for (const p of plan.allows) {
            const policy = p.metadata.name;
            // Kept in step with index.ts (`ns-${name}`) and SegmentedNamespace (`${name}-${policy}`).
            const pulumiName = `ns-${namespace}-${policy}`;
            const earlier = names.has(policy) ? { namespace, policy } : seen.get(pulumiName);
            names.add(policy);
            if (!earlier) {
                seen.set(pulumiName, { namespace, policy });
                continue;
            }
            const here = originsOf(ctx, intent, net, namespace, policy);
            const there = originsOf(ctx, intent, net, earlier.namespace, earlier.policy);
            const [first, ...others] = [...new Set([...there, ...here].map((path) => JSON.stringify(path)))].map(
                (text) => JSON.parse(text) as (string | number)[],
            );
            const what =
                earlier.namespace === namespace
                    ? `compile to two policies named ${namespace}/${policy}`
                    : `compile to policies ${earlier.namespace}/${earlier.policy} and ${namespace}/${policy}, both registered as ${pulumiName} (one Pulumi URN)`;
            ctx.problem(
                first!,
                pulumiName,
                `this entry and ${others.map((o) => keyPath(o)).join(" and ") || "another"} ${what}`,
                "rename one of the apps, namespaces, CIDR sources or destinations involved",
            );
        }
    }
}

/**
 * The key paths of the entries behind a policy: the flows, CIDR sources and egress grants
 * without which the namespace would have one policy of that name fewer (the generator
 * decides, compiled again without each candidate), else the namespace's own entry.
 */
export function originsOf(
    ctx: CheckContext,
    intent: NetworkIntent,
    net: NonNullable<CheckedSections["network"]>,
    namespace: string,
    policy: string,
): (string | number)[][] {
    const count = (i: NetworkIntent) =>
        compileIntent(i)
            .filter((p) => p.namespace.metadata.name === namespace)
            .flatMap((p) => p.allows)
            .filter((p) => p.metadata.name === policy).length;
    const whole = count(intent);
    const paths: (string | number)[][] = [];
    intent.flows.forEach((f, k) => {
        if (f.from.namespace !== namespace && f.to.namespace !== namespace) return;
        if (count({ ...intent, flows: intent.flows.filter((_, j) => j !== k) }) >= whole) return;
        net.flows.forEach((r, i) => r.from === appRefString(f.from) && r.to === appRefString(f.to) && paths.push(["network", "flows", i]));
    });
    intent.cidrSources.forEach((c, k) => {
        if (c.to.namespace !== namespace) return;
        if (count({ ...intent, cidrSources: intent.cidrSources.filter((_, j) => j !== k) }) >= whole) return;
        net.cidrSources.forEach((r, i) => r.name === c.name && paths.push(["network", "cidrSources", i]));
    });
    intent.egress.forEach((g, k) => {
        if (g.from.namespace !== namespace) return;
        if (count({ ...intent, egress: intent.egress.filter((_, j) => j !== k) }) >= whole) return;
        const listed = (value: string | readonly string[], item: string) =>
            typeof value === "string" ? value === item : value.includes(item);
        net.egress.forEach((r, i) => listed(r.from, appRefString(g.from)) && listed(r.to, g.to) && paths.push(["network", "egress", i]));
    });
    if (paths.length === 0) net.namespaces.forEach((n, i) => n.name === namespace && paths.push(["network", "namespaces", i]));
    return paths;
}

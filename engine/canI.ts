/**
 * `can-i`: parties named as people name them, resolved against a snapshot, and one answer for
 * every pod behind each name. A party is `namespace/pod`, `namespace/app` (every pod whose app
 * label has that value), or an address outside the cluster.
 */
import { parseIp } from "./cidr";
import { Protocol } from "./k8s";
import { ReachabilityModel, Verdict } from "./evaluate";
import { PartyRef, Snapshot } from "./snapshot";

export type Resolution =
    | { readonly ok: true; readonly refs: readonly PartyRef[]; readonly description: string }
    | { readonly ok: false; readonly message: string };

/** Label keys tried, in order, when a name is not a pod's: the stack's app label first. */
export const DEFAULT_APP_LABELS: readonly string[] = ["app", "app.kubernetes.io/name"];

export function resolveParty(text: string, snapshot: Snapshot, appLabels: readonly string[] = DEFAULT_APP_LABELS): Resolution {
    if (parseIp(text)) return { ok: true, refs: [{ ip: text }], description: `address ${text}` };
    const match = /^([^/]+)\/([^/]+)$/.exec(text);
    if (!match) return { ok: false, message: `${JSON.stringify(text)} is not namespace/app, namespace/pod or an IP address` };
    const [, namespace, name] = match as unknown as [string, string, string];
    if (!(namespace in snapshot.namespaces))
        return { ok: false, message: `no namespace ${namespace} in the snapshot (namespaces: ${list(Object.keys(snapshot.namespaces))})` };
    const inNamespace = snapshot.pods.filter((p) => p.namespace === namespace);
    const pod = inNamespace.find((p) => p.name === name);
    if (pod) return { ok: true, refs: [`${namespace}/${name}`], description: `pod ${namespace}/${name}` };
    for (const label of appLabels) {
        const pods = inNamespace.filter((p) => p.labels[label] === name).sort((a, b) => (a.name < b.name ? -1 : 1));
        if (pods.length > 0)
            return {
                ok: true,
                refs: pods.map((p) => `${p.namespace}/${p.name}`),
                description: `${pods.length === 1 ? "pod" : `${pods.length} pods`} ${list(pods.map((p) => `${p.namespace}/${p.name}`))} (${label}=${name})`,
            };
    }
    const apps = [...new Set(inNamespace.flatMap((p) => appLabels.map((l) => p.labels[l]).filter((v): v is string => v !== undefined)))];
    return {
        ok: false,
        message: `no pod or app ${name} in namespace ${namespace} (apps: ${list(apps.sort())}; pods: ${list(inNamespace.map((p) => p.name).sort())})`,
    };
}

export interface CanIAnswer {
    /** True when every pair of pods behind the two names may connect. */
    readonly allowed: boolean;
    /** One verdict per ordered pair of distinct parties, denied ones first. */
    readonly verdicts: readonly Verdict[];
}

export function canI(
    model: ReachabilityModel,
    from: readonly PartyRef[],
    to: readonly PartyRef[],
    port: number,
    protocol: Protocol,
): CanIAnswer {
    const verdicts: Verdict[] = [];
    for (const a of from)
        for (const b of to) {
            if (typeof a === "string" && a === b) continue;
            verdicts.push(model.evaluate({ from: model.party(a), to: model.party(b), port, protocol }));
        }
    const sorted = [...verdicts.filter((v) => !v.allowed), ...verdicts.filter((v) => v.allowed)];
    return { allowed: verdicts.length > 0 && verdicts.every((v) => v.allowed), verdicts: sorted };
}

function list(items: readonly string[]): string {
    if (items.length === 0) return "none";
    return items.length > 12 ? `${items.slice(0, 12).join(", ")}, … ${items.length - 12} more` : items.join(", ");
}

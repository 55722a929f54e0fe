/**
 * `can-i`: parties named as people name them, resolved against a snapshot, and one answer for
 * every pod behind each name. A party is `namespace/pod`, `namespace/app` (every pod whose app
 * label has that value), or an address: the pod that holds it, else an address outside the pods.
 */
import { blockContainsIp, parseIp, requireCidr } from "./cidr";
import { Protocol } from "./k8s";
import { ReachabilityModel, Verdict } from "./evaluate";
import { LeftOutPod, PartyRef, Snapshot } from "./snapshot";

export type Resolution =
    | {
          readonly ok: true;
          readonly refs: readonly PartyRef[];
          readonly description: string;
          /** Something the answer should be read with (an address in the pod range that no pod holds). */
          readonly warning?: string;
      }
    | {
          readonly ok: false;
          readonly message: string;
          /** The unknown word and what it could have been, for a did-you-mean. */
          readonly unknown?: { readonly word: string; readonly candidates: readonly string[] };
      };

/** Label keys tried, in order, when a name is not a pod's: the stack's app label first. */
export const DEFAULT_APP_LABELS: readonly string[] = ["app", "app.kubernetes.io/name"];

/** How a party's text is read, for the help of can-i and explain. */
export const PARTY_HELP = `<from>/<to>: namespace/app (every pod with that app label), namespace/pod, or an IP address.
  An address is read as the pod that holds it in the input (the answer says which pod it took);
  a host-network pod's address is its node's, judged as an address outside the pods (as Calico
  sees host traffic); any other address is outside the cluster, with a warning when it lies in a
  pod or node range of the input that no pod holds. Finished pods (Succeeded, Failed) and pods
  without an address are left out.`;

export function resolveParty(text: string, snapshot: Snapshot, appLabels: readonly string[] = DEFAULT_APP_LABELS): Resolution {
    if (parseIp(text)) return resolveAddress(text, snapshot);
    const match = /^([^/]+)\/([^/]+)$/.exec(text);
    if (!match) return { ok: false, message: `${JSON.stringify(text)} is not namespace/app, namespace/pod or an IP address` };
    const [, namespace, name] = match as unknown as [string, string, string];
    if (!(namespace in snapshot.namespaces))
        return {
            ok: false,
            message: `no namespace ${namespace} in the snapshot (namespaces: ${list(Object.keys(snapshot.namespaces))})`,
            unknown: { word: namespace, candidates: Object.keys(snapshot.namespaces) },
        };
    const inNamespace = snapshot.pods.filter((p) => p.namespace === namespace);
    const pod = inNamespace.find((p) => p.name === name);
    if (pod) return { ok: true, refs: [`${namespace}/${name}`], description: `pod ${namespace}/${name}` };
    const host = (snapshot.hostNetworkPods ?? []).find((h) => h.pod === text);
    if (host)
        return {
            ok: true,
            refs: [{ ip: host.ip }],
            description: `${text} (host network: judged as its node's address ${host.ip}; Calico applies no pod policy to it)`,
        };
    const left = (snapshot.leftOut ?? []).find((p) => p.pod === text);
    if (left) return { ok: false, message: `pod ${text} is left out of the judgement: ${leftOutReason(left)}` };
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
    const names = inNamespace.map((p) => p.name);
    return {
        ok: false,
        message: `no pod or app ${name} in namespace ${namespace} (apps: ${list(apps.sort())}; pods: ${list([...names].sort())})`,
        unknown: { word: name, candidates: [...apps, ...names] },
    };
}

/**
 * An address: the pod of the input that holds it, else a host-network pod's node (an address
 * outside the pods), else an address outside the cluster, with a warning when a pod or node
 * range of the input holds it (no pod has it: a pod that has gone, or a mistyped address).
 */
function resolveAddress(text: string, snapshot: Snapshot): Resolution {
    const ip = parseIp(text)!;
    const same = (other: string) => {
        const o = parseIp(other);
        return o !== undefined && o.family === ip.family && o.value === ip.value;
    };
    const holders = snapshot.pods.filter((p) => same(p.ip));
    if (holders.length > 0) {
        const pod = holders[0]!;
        const key = `${pod.namespace}/${pod.name}`;
        return {
            ok: true,
            refs: [key],
            description: `${text} = ${key}`,
            ...(holders.length > 1
                ? {
                      warning: `${text} is held by ${holders.length} pods (${list(holders.map((p) => `${p.namespace}/${p.name}`))}); took ${key}`,
                  }
                : {}),
        };
    }
    const hosts = (snapshot.hostNetworkPods ?? []).filter((h) => same(h.ip));
    if (hosts.length > 0)
        return {
            ok: true,
            refs: [{ ip: text }],
            description: `${text} = a node's address (host-network pods ${list(hosts.map((h) => h.pod))}; no pod policy applies to them)`,
        };
    if ((snapshot.nodeIps ?? []).some(same)) return { ok: true, refs: [{ ip: text }], description: `${text} = a node's address` };
    const range = [
        ...(snapshot.podCidrs ?? []).map((c) => ["pod", c] as const),
        ...(snapshot.nodeCidrs ?? []).map((c) => ["node", c] as const),
    ].find(([, c]) => blockContainsIp(requireCidr(c), ip));
    const left = (snapshot.leftOut ?? []).length;
    return {
        ok: true,
        refs: [{ ip: text }],
        description: `address ${text} (outside the cluster)`,
        ...(range
            ? {
                  warning: `${text} is in the ${range[0]} range ${range[1]}, but no pod of the input holds it${left > 0 ? ` (${left} left-out pod(s) are not judged)` : ""}: judged as an address outside the cluster`,
              }
            : {}),
    };
}

function leftOutReason(p: LeftOutPod): string {
    return p.reason === "finished" ? `it has finished (phase ${p.phase ?? "Succeeded or Failed"})` : "it has no address yet";
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

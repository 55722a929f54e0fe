/**
 * The reachability engine: whether a connection is allowed under a set of NetworkPolicies, with
 * the policies behind the verdict. Kubernetes semantics, cited where a corner case is decided
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/); where Kubernetes
 * leaves a choice to the implementation, Calico's behaviour is followed and said so.
 */
import { CidrBlock, IpAddress, blockContainsIp, parseIp, requireCidr } from "./cidr";
import { Labels, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, PolicyType, Protocol, qualifiedName } from "./k8s";
import { selectorMatches } from "./selectors";
import { PartyRef, Pod, Snapshot } from "./snapshot";

export type Party = { readonly kind: "pod"; readonly pod: Pod } | { readonly kind: "external"; readonly ip: string };

export interface Connection {
    readonly from: Party;
    readonly to: Party;
    readonly port: number;
    readonly protocol: Protocol;
}

/** How one rule of a selecting policy fared against the connection. */
export interface RuleOutcome {
    readonly policy: string;
    readonly ruleIndex: number;
    /** Index of the first peer that matched; -1 when none did; "any" when the rule has no peers. */
    readonly peer: number | "any";
    readonly portMatched: boolean;
}

export type DirectionReason =
    | "outside-cluster" // a party outside the cluster has no policies of its own
    | "self" // a pod can always reach itself
    | "not-isolated" // no policy selects the pod for this direction
    | "admitted" // a rule of a selecting policy admits the connection
    | "no-rule-admits"; // selected, and no rule admits it

export interface DirectionVerdict {
    readonly allowed: boolean;
    readonly isolated: boolean;
    readonly reason: DirectionReason;
    /** Policies (`namespace/name`) with a rule that admits the connection. */
    readonly allowedBy: readonly string[];
    /** Policies that select the pod for this direction. */
    readonly isolatedBy: readonly string[];
    readonly rules: readonly RuleOutcome[];
}

export interface Verdict {
    readonly connection: Connection;
    readonly allowed: boolean;
    readonly egress: DirectionVerdict;
    readonly ingress: DirectionVerdict;
}

interface IndexedPolicy {
    readonly id: string;
    readonly policy: NetworkPolicy;
    readonly types: readonly PolicyType[];
}

/** A snapshot indexed for evaluation: pods by key, policies by namespace, CIDRs parsed once. */
export class ReachabilityModel {
    private readonly pods = new Map<string, Pod>();
    private readonly policiesByNamespace = new Map<string, IndexedPolicy[]>();
    private readonly cidrs = new Map<string, CidrBlock>();
    private readonly ips = new Map<string, IpAddress | undefined>();

    constructor(readonly snapshot: Snapshot) {
        for (const pod of snapshot.pods) this.pods.set(`${pod.namespace}/${pod.name}`, pod);
        for (const policy of snapshot.policies) {
            const list = this.policiesByNamespace.get(policy.metadata.namespace) ?? [];
            list.push({ id: qualifiedName(policy), policy, types: effectivePolicyTypes(policy) });
            this.policiesByNamespace.set(policy.metadata.namespace, list);
        }
    }

    /**
     * The party a reference names. An address that a pod of the snapshot holds is that pod: its
     * traffic comes from the pod, and the pod's policies apply (a probe's `{ "ip": ... }` too).
     */
    party(ref: PartyRef): Party {
        if (typeof ref !== "string") {
            const holder = this.podAt(ref.ip);
            return holder ? { kind: "pod", pod: holder } : { kind: "external", ip: ref.ip };
        }
        const pod = this.pods.get(ref);
        if (!pod) throw new Error(`no pod ${ref}`);
        return { kind: "pod", pod };
    }

    evaluate(connection: Connection): Verdict {
        const { from, to } = connection;
        if (from.kind === "pod" && to.kind === "pod" && from.pod === to.pod) {
            // "a pod cannot block access to itself" (NetworkPolicy docs).
            const self: DirectionVerdict = { allowed: true, isolated: false, reason: "self", allowedBy: [], isolatedBy: [], rules: [] };
            return { connection, allowed: true, egress: self, ingress: self };
        }
        const egress = from.kind === "pod" ? this.direction("Egress", from.pod, to, connection) : outside();
        const ingress = to.kind === "pod" ? this.direction("Ingress", to.pod, from, connection) : outside();
        return { connection, allowed: egress.allowed && ingress.allowed, egress, ingress };
    }

    /** Judges one half: `subject` is the pod whose policies apply, `peer` the other party. */
    private direction(type: PolicyType, subject: Pod, peer: Party, c: Connection): DirectionVerdict {
        const selecting = (this.policiesByNamespace.get(subject.namespace) ?? []).filter(
            (p) => p.types.includes(type) && selectorMatches(p.policy.spec.podSelector, subject.labels),
        );
        if (selecting.length === 0)
            return { allowed: true, isolated: false, reason: "not-isolated", allowedBy: [], isolatedBy: [], rules: [] };
        // Named ports resolve against the destination pod: the subject for ingress, the peer for egress.
        const destination = type === "Ingress" ? subject : peer.kind === "pod" ? peer.pod : undefined;
        const rules: RuleOutcome[] = [];
        const allowedBy: string[] = [];
        for (const p of selecting) {
            const list = (type === "Ingress" ? p.policy.spec.ingress : p.policy.spec.egress) ?? [];
            list.forEach((rule, ruleIndex) => {
                const peers =
                    (type === "Ingress"
                        ? (rule as { from?: readonly NetworkPolicyPeer[] }).from
                        : (rule as { to?: readonly NetworkPolicyPeer[] }).to) ?? [];
                // An empty or absent peer list matches every party; likewise ports.
                const peerIndex =
                    peers.length === 0 ? "any" : peers.findIndex((x) => this.peerMatches(x, p.policy.metadata.namespace, peer));
                const portMatched = (rule.ports ?? []).length === 0 || (rule.ports ?? []).some((x) => portMatches(x, c, destination));
                rules.push({ policy: p.id, ruleIndex, peer: peerIndex, portMatched });
                if (peerIndex !== -1 && portMatched && !allowedBy.includes(p.id)) allowedBy.push(p.id);
            });
        }
        return {
            allowed: allowedBy.length > 0,
            isolated: true,
            reason: allowedBy.length > 0 ? "admitted" : "no-rule-admits",
            allowedBy,
            isolatedBy: selecting.map((p) => p.id),
            rules,
        };
    }

    /**
     * One peer. podSelector alone: pods of the policy's own namespace. namespaceSelector alone:
     * every pod of the selected namespaces. Both in one peer: pods matching both (AND). ipBlock:
     * any address in the range minus `except`; Calico matches pod addresses too, so a pod whose
     * IP falls in the block matches (Kubernetes leaves this to the implementation).
     */
    peerMatches(peer: NetworkPolicyPeer, policyNamespace: string, party: Party): boolean {
        if (peer.ipBlock) {
            const ip = this.ip(party.kind === "pod" ? party.pod.ip : party.ip);
            if (!ip || !blockContainsIp(this.cidr(peer.ipBlock.cidr), ip)) return false;
            return !(peer.ipBlock.except ?? []).some((e) => blockContainsIp(this.cidr(e), ip));
        }
        if (party.kind !== "pod") return false; // selectors only ever select pods
        const pod = party.pod;
        if (peer.namespaceSelector) {
            const nsLabels: Labels = this.snapshot.namespaces[pod.namespace] ?? {};
            if (!selectorMatches(peer.namespaceSelector, nsLabels)) return false;
        } else if (pod.namespace !== policyNamespace) {
            return false;
        }
        return peer.podSelector ? selectorMatches(peer.podSelector, pod.labels) : true;
    }

    private podsByIp?: Map<string, Pod>;

    /** The first pod holding the address (compared as addresses: `::1` is `0:0::1`). */
    private podAt(text: string): Pod | undefined {
        if (!this.podsByIp) {
            this.podsByIp = new Map();
            for (const pod of this.snapshot.pods) {
                const ip = this.ip(pod.ip);
                const key = ip ? `${ip.family}/${ip.value}` : pod.ip;
                if (!this.podsByIp.has(key)) this.podsByIp.set(key, pod);
            }
        }
        const ip = this.ip(text);
        return this.podsByIp.get(ip ? `${ip.family}/${ip.value}` : text);
    }

    private cidr(text: string): CidrBlock {
        let block = this.cidrs.get(text);
        if (!block) this.cidrs.set(text, (block = requireCidr(text)));
        return block;
    }

    private ip(text: string): IpAddress | undefined {
        if (!this.ips.has(text)) this.ips.set(text, parseIp(text));
        return this.ips.get(text);
    }
}

/**
 * policyTypes as the API server defaults them: Ingress always, Egress when the policy has
 * egress rules (`len(spec.egress) > 0`; `egress: []` adds nothing). An explicit list wins.
 */
export function effectivePolicyTypes(policy: NetworkPolicy): readonly PolicyType[] {
    if (policy.spec.policyTypes && policy.spec.policyTypes.length > 0) return policy.spec.policyTypes;
    return (policy.spec.egress ?? []).length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
}

/** A port entry: protocol (TCP by default), then no port (all), a number, a range or a name. */
function portMatches(entry: NetworkPolicyPort, c: Connection, destination: Pod | undefined): boolean {
    if ((entry.protocol ?? "TCP") !== c.protocol) return false;
    if (entry.port === undefined) return true;
    if (typeof entry.port === "number")
        return entry.endPort !== undefined ? c.port >= entry.port && c.port <= entry.endPort : c.port === entry.port;
    // A named port matches the destination pod's container port of that name and protocol.
    return (
        destination !== undefined && destination.ports.some((p) => p.name === entry.port && p.protocol === c.protocol && p.port === c.port)
    );
}

function outside(): DirectionVerdict {
    return { allowed: true, isolated: false, reason: "outside-cluster", allowedBy: [], isolatedBy: [], rules: [] };
}

export function partyName(party: Party): string {
    return party.kind === "pod" ? `${party.pod.namespace}/${party.pod.name}` : party.ip;
}

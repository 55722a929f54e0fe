/**
 * Digests of a policy set. `policySetDigest` fingerprints exactly the objects a stack applies;
 * `promotionDigest` fingerprints what a promotion carries from nonprod to prod: the namespaces,
 * apps, flows, egress grants, CIDR-source targets and ports, the platform's workloads and the
 * egress-deny switch, and the generator's output for them, with the values that differ between
 * environments by design (address ranges) held fixed.
 */
import { createHash } from "crypto";
import { allPolicies, compileIntent } from "./generate";
import { NetworkIntent } from "./intent";
import { Namespace, NetworkPolicy } from "../engine/k8s";

export function policySetDigest(namespaces: readonly Namespace[], policies: readonly NetworkPolicy[]): string {
    const key = (o: Namespace | NetworkPolicy) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    const objects = [...namespaces, ...policies].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    return `sha256:${createHash("sha256").update(canonicalJson(objects)).digest("hex")}`;
}

/** Stand-in range for environment-specific addresses (TEST-NET-1, RFC 5737). */
const PLACEHOLDER_RANGE = "192.0.2.0/24";
/** Stand-in for the pod ranges (TEST-NET-2): outside the placeholder above, so no except is written. */
const PLACEHOLDER_POD_RANGE = "198.51.100.0/24";
const placeholder = { cidr: PLACEHOLDER_RANGE, except: [] };

export function promotionDigest(intent: NetworkIntent): string {
    const normalized: NetworkIntent = {
        ...intent,
        addresses: { podCidrs: [PLACEHOLDER_POD_RANGE], controlPlaneCidrs: [PLACEHOLDER_RANGE] },
        gatewayClients: { ...intent.gatewayClients, cidrs: [placeholder] },
        cidrSources: intent.cidrSources.map((s) => ({ ...s, cidrs: [placeholder] })),
        egressDestinations: intent.egressDestinations.map((d) => ({ ...d, cidrs: [placeholder] })),
        podCredentials: { ...intent.podCredentials, stsCidrs: intent.podCredentials.stsCidrs.length > 0 ? [PLACEHOLDER_RANGE] : [] },
        platform: {
            ...intent.platform,
            outside: intent.platform.outside.map((o) => ({ ...o, rule: { ...o.rule, cidrs: [placeholder] } })),
        },
    };
    const plans = compileIntent(normalized);
    return policySetDigest(
        plans.map((p) => p.namespace),
        allPolicies(plans),
    );
}

/** JSON with object keys sorted, so equal objects always give equal text. */
export function canonicalJson(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>)
            .filter(([, v]) => v !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
    }
    return JSON.stringify(value);
}

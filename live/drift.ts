/**
 * Drift: the live NetworkPolicies and namespace labels of the namespaces a stack manages, against
 * what the stack compiles, compared by meaning. Both sides are brought to one canonical form
 * first: the API server's defaults filled in (`policyTypes` from the rules, `protocol: TCP` on a
 * port; https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/),
 * `null` read as absent, an empty peer or port list read as "every" (as the API defines), rules,
 * peers, ports and selector requirements compared as sets, and everything outside the spec
 * (managedFields, annotations, status) ignored. With the stack's gateway, also the edge firewall
 * the cluster shows: the shared Gateway's data plane Service (NGF makes it from the chart values;
 * the AWS Load Balancer Controller writes the NLB security group's inbound rules from its
 * `loadBalancerSourceRanges`, one per range and listener port, pkg/service/model_build_managed_sg.go,
 * v3.5.0), its ranges compared as sets of networks. `pulumi preview --refresh` cannot see them:
 * the Service is NGF's, inside a Helm release the drift job excludes. Pure.
 */
import { describeSelector } from "../engine/selectors";
import { LabelSelector, NAMESPACE_NAME_LABEL, Namespace, NetworkPolicy, PolicyType } from "../engine/k8s";
import { formatCidr, isCidrError, parseCidr } from "../engine/cidr";
import { isObject } from "./cluster";

export type DriftItem =
    | { readonly kind: "missing-namespace"; readonly namespace: string }
    | { readonly kind: "namespace-labels"; readonly namespace: string; readonly differences: readonly string[] }
    | { readonly kind: "missing-policy"; readonly policy: string }
    | { readonly kind: "extra-policy"; readonly policy: string }
    | { readonly kind: "changed-policy"; readonly policy: string; readonly differences: readonly string[] }
    | { readonly kind: "missing-service"; readonly service: string }
    | { readonly kind: "changed-service"; readonly service: string; readonly differences: readonly string[] }
    | { readonly kind: "extra-service"; readonly service: string };

export interface LiveState {
    readonly namespaceLabels: Readonly<Record<string, Readonly<Record<string, string>>>>;
    readonly policies: readonly unknown[];
    /** Every Service as listed; absent: the List holds none. */
    readonly services?: readonly unknown[];
}

/** The shared Gateway's data plane Service as the stack sets it up (live/expected.ts). */
export interface GatewayServiceExpectation {
    readonly namespace: string;
    /** `GATEWAY_SERVICE_NAME` (compiler/platform.ts). */
    readonly name: string;
    readonly type: "LoadBalancer";
    /** `gatewayClientRanges`: what the chart values hand NGF for the Service. */
    readonly loadBalancerSourceRanges: readonly string[];
    readonly loadBalancerClass: string;
    /** The annotations whose value the stack decides and that change who gets in (the scheme). */
    readonly annotations: Readonly<Record<string, string>>;
}

/** Every difference, namespaces first, then policies by `namespace/name`, then the gateway's Service. */
export function driftOf(
    expected: { namespaces: readonly Namespace[]; policies: readonly NetworkPolicy[]; gatewayService?: GatewayServiceExpectation },
    live: LiveState,
): DriftItem[] {
    const items: DriftItem[] = [];
    const managed = new Set(expected.namespaces.map((n) => n.metadata.name));
    for (const ns of [...expected.namespaces].sort((a, b) => cmp(a.metadata.name, b.metadata.name))) {
        const name = ns.metadata.name;
        const labels = live.namespaceLabels[name];
        if (labels === undefined) {
            items.push({ kind: "missing-namespace", namespace: name });
            continue;
        }
        const want = ns.metadata.labels ?? {};
        const differences: string[] = [];
        for (const [k, v] of Object.entries(want).sort(([a], [b]) => cmp(a, b))) {
            if (labels[k] === undefined) differences.push(`label ${k}=${v} is missing`);
            else if (labels[k] !== v) differences.push(`label ${k} is ${labels[k]}, the stack sets ${v}`);
        }
        // A label the stack does not set can still make a namespaceSelector match; the API server's own name label is expected.
        for (const [k, v] of Object.entries(labels).sort(([a], [b]) => cmp(a, b)))
            if (want[k] === undefined && k !== NAMESPACE_NAME_LABEL) differences.push(`label ${k}=${v} is not set by the stack`);
        if (differences.length > 0) items.push({ kind: "namespace-labels", namespace: name, differences });
    }

    const want = new Map(expected.policies.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, canonicalPolicy(p.spec)]));
    const have = new Map<string, CanonicalPolicy>();
    for (const raw of live.policies) {
        if (!isObject(raw) || !isObject(raw["metadata"])) continue;
        const namespace = String(raw["metadata"]["namespace"]);
        if (!managed.has(namespace)) continue;
        have.set(`${namespace}/${String(raw["metadata"]["name"])}`, canonicalPolicy(withoutNulls(raw["spec"])));
    }
    for (const id of [...new Set([...want.keys(), ...have.keys()])].sort(cmp)) {
        const [w, h] = [want.get(id), have.get(id)];
        if (!h) items.push({ kind: "missing-policy", policy: id });
        else if (!w) items.push({ kind: "extra-policy", policy: id });
        else {
            const differences = policyDifferences(w, h);
            if (differences.length > 0) items.push({ kind: "changed-policy", policy: id, differences });
        }
    }
    if (expected.gatewayService) items.push(...gatewayServiceDrift(expected.gatewayService, live.services ?? []));
    return items;
}

/**
 * The gateway's data plane Service against the stack: missing, or with client ranges added or
 * removed (as sets of networks, in any order or spelling: `10.0.0.1/8` is `10.0.0.0/8`), another
 * `loadBalancerClass`, type or scheme annotation; and any other LoadBalancer Service in its
 * namespace, a way in from outside whose ranges no config sets.
 */
export function gatewayServiceDrift(want: GatewayServiceExpectation, services: readonly unknown[]): DriftItem[] {
    const inNamespace = services.filter(
        (s): s is Record<string, unknown> & { metadata: Record<string, unknown> } =>
            isObject(s) && isObject(s["metadata"]) && s["metadata"]["namespace"] === want.namespace,
    );
    const id = `${want.namespace}/${want.name}`;
    const items: DriftItem[] = [];
    const found = inNamespace.find((s) => s.metadata["name"] === want.name);
    if (!found) items.push({ kind: "missing-service", service: id });
    else {
        const differences = gatewayServiceDifferences(want, found);
        if (differences.length > 0) items.push({ kind: "changed-service", service: id, differences });
    }
    const others = inNamespace
        .filter((s) => s.metadata["name"] !== want.name && isObject(s["spec"]) && s["spec"]["type"] === "LoadBalancer")
        .map((s) => `${want.namespace}/${String(s.metadata["name"])}`)
        .sort(cmp);
    for (const service of others) items.push({ kind: "extra-service", service });
    return items;
}

/**
 * The Service annotation the controller reads client ranges from when the spec has none
 * (pkg/annotations/constants.go SvcLBSuffixSourceRanges under controllers/service/service_controller.go
 * serviceAnnotationPrefix, v3.5.0).
 */
export const SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges";

function gatewayServiceDifferences(want: GatewayServiceExpectation, service: Record<string, unknown>): string[] {
    const spec = isObject(service["spec"]) ? service["spec"] : {};
    const meta = isObject(service["metadata"]) ? service["metadata"] : {};
    const annotations = isObject(meta["annotations"]) ? meta["annotations"] : {};
    const out: string[] = [];
    const shown = (v: unknown) => (typeof v === "string" ? v : "not set");
    if (spec["type"] !== want.type) out.push(`type is ${shown(spec["type"])}, the stack sets ${want.type}`);
    if (spec["loadBalancerClass"] !== want.loadBalancerClass)
        out.push(`loadBalancerClass is ${shown(spec["loadBalancerClass"])}, the stack sets ${want.loadBalancerClass}`);
    for (const [key, value] of Object.entries(want.annotations).sort(([a], [b]) => cmp(a, b))) {
        if (annotations[key] === undefined) out.push(`annotation ${key}=${value} is missing`);
        else if (annotations[key] !== value) out.push(`annotation ${key} is ${shown(annotations[key])}, the stack sets ${value}`);
    }
    const inSpec = Array.isArray(spec["loadBalancerSourceRanges"]) ? spec["loadBalancerSourceRanges"] : [];
    // Without spec ranges the controller takes the annotation's, and without those every address
    // (pkg/service/model_build_managed_sg.go buildCIDRsFromSourceRanges, v3.5.0).
    const annotated = typeof annotations[SOURCE_RANGES_ANNOTATION] === "string" ? annotations[SOURCE_RANGES_ANNOTATION].split(",") : [];
    const effective = inSpec.length > 0 ? inSpec : annotated.map((r) => r.trim()).filter((r) => r !== "");
    const live = [...new Set(effective.map(cidrText))];
    const wanted = [...new Set(want.loadBalancerSourceRanges.map(cidrText))];
    if (inSpec.length === 0 && live.length > 0)
        out.push(`loadBalancerSourceRanges is empty: the load balancer takes its ranges from annotation ${SOURCE_RANGES_ANNOTATION}`);
    if (live.length === 0 && wanted.length > 0)
        out.push(`loadBalancerSourceRanges is empty: the load balancer admits every address, the stack admits ${wanted.length} ranges`);
    else {
        for (const r of wanted.filter((r) => !live.includes(r)).sort(cmp)) out.push(`loadBalancerSourceRanges: ${r} is missing`);
        for (const r of live.filter((r) => !wanted.includes(r)).sort(cmp))
            out.push(`loadBalancerSourceRanges: ${r} is not in the stack (admitted by the load balancer, not by config)`);
    }
    return out;
}

export function renderDrift(items: readonly DriftItem[]): string {
    if (items.length === 0) return "drift: none; the live policies, namespace labels and gateway Service are what the stack compiles";
    const lines = [`drift: ${items.length} difference${items.length === 1 ? "" : "s"} between the cluster and the stack`];
    for (const item of items) {
        switch (item.kind) {
            case "missing-namespace":
                lines.push(`  namespace ${item.namespace}: missing from the cluster`);
                break;
            case "namespace-labels":
                lines.push(`  namespace ${item.namespace}:`, ...item.differences.map((d) => `    - ${d}`));
                break;
            case "missing-policy":
                lines.push(`  policy ${item.policy}: missing from the cluster`);
                break;
            case "extra-policy":
                lines.push(`  policy ${item.policy}: in the cluster, not in the stack`);
                break;
            case "changed-policy":
                lines.push(`  policy ${item.policy}: changed`, ...item.differences.map((d) => `    - ${d}`));
                break;
            case "missing-service":
                lines.push(
                    `  service ${item.service}: missing from the cluster (the gateway's data plane Service, whose client ranges are the load balancer's firewall)`,
                );
                break;
            case "changed-service":
                lines.push(`  service ${item.service}: changed`, ...item.differences.map((d) => `    - ${d}`));
                break;
            case "extra-service":
                lines.push(
                    `  service ${item.service}: a LoadBalancer Service in the cluster, not in the stack (its client ranges are not config's)`,
                );
                break;
            default: {
                const never: never = item;
                lines.push(String(never));
            }
        }
    }
    return lines.join("\n");
}

interface CanonicalPolicy {
    readonly podSelector: string;
    readonly policyTypes: readonly PolicyType[];
    /** Canonical rule texts, sorted, each once. */
    readonly ingress: readonly string[];
    readonly egress: readonly string[];
}

function canonicalPolicy(spec: unknown): CanonicalPolicy {
    const s = isObject(spec) ? spec : {};
    const ingress = Array.isArray(s["ingress"]) ? s["ingress"] : [];
    const egress = Array.isArray(s["egress"]) ? s["egress"] : [];
    const declared = Array.isArray(s["policyTypes"]) ? (s["policyTypes"] as PolicyType[]) : [];
    // The API server's defaulting (networking/v1 SetDefaults_NetworkPolicySpec): Ingress always, Egress when there are egress rules.
    const types: PolicyType[] =
        declared.length > 0 ? [...new Set(declared)].sort() : egress.length > 0 ? ["Egress", "Ingress"] : ["Ingress"];
    const rules = (list: unknown[], peersKey: "from" | "to") => [...new Set(list.map((r) => canonicalRule(r, peersKey)))].sort(cmp);
    return {
        podSelector: selectorText(s["podSelector"]),
        policyTypes: types,
        // Rules of a direction the policy does not isolate have no effect.
        ingress: types.includes("Ingress") ? rules(ingress, "from") : [],
        egress: types.includes("Egress") ? rules(egress, "to") : [],
    };
}

function canonicalRule(rule: unknown, peersKey: "from" | "to"): string {
    const r = isObject(rule) ? rule : {};
    const peers = Array.isArray(r[peersKey]) ? (r[peersKey] as unknown[]) : [];
    const ports = Array.isArray(r["ports"]) ? (r["ports"] as unknown[]) : [];
    const peersText = peers.length === 0 ? "every peer" : [...new Set(peers.map(peerText))].sort(cmp).join(" | ");
    const portsText = ports.length === 0 ? "every port" : [...new Set(ports.map(portText))].sort(cmp).join(", ");
    return `${peersKey} ${peersText} on ${portsText}`;
}

function peerText(peer: unknown): string {
    const p = isObject(peer) ? peer : {};
    if (isObject(p["ipBlock"])) {
        const except = Array.isArray(p["ipBlock"]["except"]) ? p["ipBlock"]["except"].map((e) => cidrText(e)).sort(cmp) : [];
        return `ipBlock ${cidrText(p["ipBlock"]["cidr"])}${except.length > 0 ? ` except ${except.join(", ")}` : ""}`;
    }
    const parts = [
        p["namespaceSelector"] !== undefined ? `namespaces ${selectorText(p["namespaceSelector"])}` : undefined,
        p["podSelector"] !== undefined ? `pods ${selectorText(p["podSelector"])}` : undefined,
    ].filter((x) => x !== undefined);
    return parts.join(" and ");
}

function portText(port: unknown): string {
    const p = isObject(port) ? port : {};
    const protocol = typeof p["protocol"] === "string" ? p["protocol"] : "TCP";
    if (p["port"] === undefined) return `every port/${protocol}`;
    return `${String(p["port"])}${p["endPort"] !== undefined ? `-${String(p["endPort"])}` : ""}/${protocol}`;
}

function cidrText(value: unknown): string {
    const block = typeof value === "string" ? parseCidr(value) : { error: "" };
    return isCidrError(block) ? String(value) : formatCidr(block);
}

/** A selector as sorted text: `{}` and an absent matchLabels alike, requirement values as sets. */
function selectorText(selector: unknown): string {
    const s = isObject(selector) ? selector : {};
    const matchLabels = isObject(s["matchLabels"]) ? (s["matchLabels"] as Record<string, string>) : {};
    const expressions = (Array.isArray(s["matchExpressions"]) ? s["matchExpressions"] : []).filter(isObject).map((e) => ({
        key: String(e["key"]),
        operator: e["operator"] as "In" | "NotIn" | "Exists" | "DoesNotExist",
        values: Array.isArray(e["values"]) ? [...new Set(e["values"].map(String))].sort(cmp) : [],
    }));
    const sorted: LabelSelector = {
        matchLabels: Object.fromEntries(Object.entries(matchLabels).sort(([a], [b]) => cmp(a, b))),
        matchExpressions: expressions.sort((a, b) =>
            cmp(`${a.key} ${a.operator} ${a.values.join(",")}`, `${b.key} ${b.operator} ${b.values.join(",")}`),
        ),
    };
    return describeSelector(sorted);
}

function policyDifferences(want: CanonicalPolicy, have: CanonicalPolicy): string[] {
    const out: string[] = [];
    if (want.podSelector !== have.podSelector) out.push(`podSelector is ${have.podSelector}, the stack selects ${want.podSelector}`);
    if (want.policyTypes.join() !== have.policyTypes.join())
        out.push(`policyTypes are ${have.policyTypes.join(", ")}, the stack sets ${want.policyTypes.join(", ")}`);
    for (const direction of ["ingress", "egress"] as const) {
        for (const rule of want[direction]) if (!have[direction].includes(rule)) out.push(`${direction} rule missing: ${rule}`);
        for (const rule of have[direction]) if (!want[direction].includes(rule)) out.push(`${direction} rule not in the stack: ${rule}`);
    }
    return out;
}

/** `null` is absent, as the API server decodes it. */
function withoutNulls(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(withoutNulls);
    if (!isObject(value)) return value;
    return Object.fromEntries(Object.entries(value).flatMap(([k, x]) => (x === null ? [] : [[k, withoutNulls(x)]])));
}

function cmp(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

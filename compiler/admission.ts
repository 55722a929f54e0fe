/**
 * Tenant guardrails as admission policy, pure: ValidatingAdmissionPolicies and their bindings
 * (admissionregistration.k8s.io/v1, GA in Kubernetes 1.30: the API server evaluates them itself,
 * no webhook or controller; kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/).
 * Two doors past the gateway are closed in business namespaces: Services that open a port on
 * every node or a load balancer of their own (type NodePort or LoadBalancer) or claim external
 * addresses (externalIPs), and HTTPRoutes that claim a hostname config did not grant their
 * namespace (one team taking another's host on the shared Gateway).
 *
 * The platform's own objects are exempt by scope: the bindings select only namespaces labelled
 * `network-zone: business`, which tenants cannot relabel (their Role grants nothing on
 * Namespaces); the gateway's own Service and routes live in tools.
 *
 * The rules are standard CEL plus the variables and `request`/`object` bindings the API server
 * provides; no Kubernetes CEL extension library (strings, lists, sets) is used, so the tests
 * evaluate these very expressions with a standard CEL evaluator (@bufbuild/cel).
 */

export const POLICY_API_VERSION = "admissionregistration.k8s.io/v1";
/** Name of the policy on Services and of its binding. */
export const SERVICE_POLICY = "k8s-platform-tenant-services";
/** Name of the policy on HTTPRoutes and of its binding. */
export const ROUTE_POLICY = "k8s-platform-route-hostnames";

export interface Validation {
    readonly expression: string;
    readonly message?: string;
    readonly messageExpression?: string;
    readonly reason?: "Forbidden" | "Invalid";
}
export interface Variable {
    readonly name: string;
    readonly expression: string;
}
interface Meta {
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
}
export interface ValidatingAdmissionPolicy {
    readonly apiVersion: typeof POLICY_API_VERSION;
    readonly kind: "ValidatingAdmissionPolicy";
    readonly metadata: Meta;
    readonly spec: {
        readonly failurePolicy: "Fail";
        readonly matchConstraints: {
            readonly resourceRules: readonly {
                readonly apiGroups: readonly string[];
                readonly apiVersions: readonly string[];
                readonly operations: readonly string[];
                readonly resources: readonly string[];
            }[];
        };
        readonly variables?: readonly Variable[];
        readonly validations: readonly Validation[];
    };
}
export interface ValidatingAdmissionPolicyBinding {
    readonly apiVersion: typeof POLICY_API_VERSION;
    readonly kind: "ValidatingAdmissionPolicyBinding";
    readonly metadata: Meta;
    readonly spec: {
        readonly policyName: string;
        readonly validationActions: readonly ["Deny"];
        readonly matchResources: { readonly namespaceSelector: { readonly matchLabels: Readonly<Record<string, string>> } };
    };
}

export interface AdmissionArgs {
    /** Labels every business namespace carries and no other does (`network-zone: business`). */
    readonly businessNamespaceLabels: Readonly<Record<string, string>>;
    /** Hostnames each namespace's HTTPRoutes may claim (network.namespaces[].hostnames). */
    readonly routeHostnames: Readonly<Record<string, readonly string[]>>;
    /** Labels of the platform's own objects. */
    readonly labels: Readonly<Record<string, string>>;
}

export interface TenantGuardrails {
    readonly policies: readonly ValidatingAdmissionPolicy[];
    readonly bindings: readonly ValidatingAdmissionPolicyBinding[];
}

/** A CEL string literal (JSON's escaping is valid CEL for these characters). */
function celString(text: string): string {
    return JSON.stringify(text);
}

function celList(items: readonly string[]): string {
    return `[${items.map(celString).join(", ")}]`;
}

/** `{"ns": [...], ...}`, keys sorted, so the generated policy is stable. */
function celMap(entries: Readonly<Record<string, readonly string[]>>): string {
    const keys = Object.keys(entries).sort();
    return `{${keys.map((k) => `${celString(k)}: ${celList(entries[k]!)}`).join(", ")}}`;
}

/**
 * Services: no NodePort or LoadBalancer (each opens a way in beside the gateway, whose load
 * balancer alone carries the client ranges), no externalIPs (the node proxies traffic for any
 * address a Service claims, CVE-2020-8554; Kubernetes 1.36 deprecates the field). The API
 * server defaults `spec.type` before validating admission runs, so an absent type is ClusterIP.
 */
export function servicePolicy(labels: Readonly<Record<string, string>>): ValidatingAdmissionPolicy {
    return {
        apiVersion: POLICY_API_VERSION,
        kind: "ValidatingAdmissionPolicy",
        metadata: { name: SERVICE_POLICY, labels },
        spec: {
            failurePolicy: "Fail",
            matchConstraints: {
                resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["services"] }],
            },
            validations: [
                {
                    expression: "!has(object.spec.type) || (object.spec.type != 'LoadBalancer' && object.spec.type != 'NodePort')",
                    message:
                        "Services of type LoadBalancer or NodePort are not allowed in business namespaces: traffic comes in through the shared Gateway (an HTTPRoute)",
                    reason: "Forbidden",
                },
                {
                    expression: "!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0",
                    message: "Services may not claim externalIPs in business namespaces: traffic comes in through the shared Gateway",
                    reason: "Forbidden",
                },
            ],
        },
    };
}

/**
 * HTTPRoutes: every hostname must be granted to the route's namespace, exactly or under a granted
 * wildcard (`*.shop.example.com` covers `api.shop.example.com` and `*.eu.shop.example.com`: a
 * Gateway API wildcard matches one or more labels in front of its suffix, HTTPRoute
 * spec.hostnames). A route without hostnames takes every hostname of the listener, so it is
 * refused too. A hostname another namespace's grant covers is refused as well, naming that
 * namespace: a wildcard grant must never let one team take another's host. The grants are
 * generated into the policy itself (no params object to keep in step).
 */
export function routePolicy(
    routeHostnames: Readonly<Record<string, readonly string[]>>,
    labels: Readonly<Record<string, string>>,
): ValidatingAdmissionPolicy {
    const exact: Record<string, string[]> = {};
    const suffixes: Record<string, string[]> = {};
    for (const [ns, hostnames] of Object.entries(routeHostnames)) {
        exact[ns] = [...hostnames].sort();
        // `*.shop.example.com` -> `.shop.example.com`: endsWith is standard CEL.
        suffixes[ns] = hostnames
            .filter((h) => h.startsWith("*."))
            .map((h) => h.slice(1))
            .sort();
    }
    return {
        apiVersion: POLICY_API_VERSION,
        kind: "ValidatingAdmissionPolicy",
        metadata: { name: ROUTE_POLICY, labels },
        spec: {
            failurePolicy: "Fail",
            matchConstraints: {
                resourceRules: [
                    {
                        apiGroups: ["gateway.networking.k8s.io"],
                        apiVersions: ["*"],
                        operations: ["CREATE", "UPDATE"],
                        resources: ["httproutes"],
                    },
                ],
            },
            variables: [
                { name: "exactGrants", expression: celMap(exact) },
                { name: "suffixGrants", expression: celMap(suffixes) },
                { name: "exact", expression: "request.namespace in variables.exactGrants ? variables.exactGrants[request.namespace] : []" },
                {
                    name: "suffixes",
                    expression: "request.namespace in variables.suffixGrants ? variables.suffixGrants[request.namespace] : []",
                },
                // The other namespaces whose grants cover one of the route's hostnames. Config
                // refuses overlapping grants (config/checks/accounts.ts); this keeps a hostname
                // another namespace holds out of reach even where a grant overlapped it.
                {
                    name: "heldElsewhere",
                    expression:
                        "!has(object.spec.hostnames) ? [] : variables.exactGrants.filter(ns, ns != request.namespace && object.spec.hostnames.exists(h, h in variables.exactGrants[ns] || variables.suffixGrants[ns].exists(s, h.endsWith(s))))",
                },
            ],
            validations: [
                {
                    expression: "has(object.spec.hostnames) && size(object.spec.hostnames) > 0",
                    messageExpression:
                        "'an HTTPRoute in ' + request.namespace + ' must name its hostnames: without them it takes every hostname of the shared Gateway'",
                    reason: "Forbidden",
                },
                {
                    expression:
                        "!has(object.spec.hostnames) || object.spec.hostnames.all(h, h in variables.exact || variables.suffixes.exists(s, h.endsWith(s)))",
                    messageExpression:
                        "'namespace ' + request.namespace + ' may claim only the hostnames that network.namespaces[].hostnames grants it'",
                    reason: "Forbidden",
                },
                {
                    expression: "size(variables.heldElsewhere) == 0",
                    messageExpression:
                        "'namespace ' + request.namespace + ' may not claim a hostname granted to namespace ' + variables.heldElsewhere[0]",
                    reason: "Forbidden",
                },
            ],
        },
    };
}

function binding(policyName: string, args: AdmissionArgs): ValidatingAdmissionPolicyBinding {
    return {
        apiVersion: POLICY_API_VERSION,
        kind: "ValidatingAdmissionPolicyBinding",
        metadata: { name: policyName, labels: args.labels },
        spec: {
            policyName,
            validationActions: ["Deny"],
            matchResources: { namespaceSelector: { matchLabels: { ...args.businessNamespaceLabels } } },
        },
    };
}

/** Both policies, each with its binding to the business namespaces. */
export function tenantGuardrails(args: AdmissionArgs): TenantGuardrails {
    const policies = [servicePolicy(args.labels), routePolicy(args.routeHostnames, args.labels)];
    return { policies, bindings: policies.map((p) => binding(p.metadata.name, args)) };
}

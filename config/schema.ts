/**
 * The stack configuration: its shape (zod), its meaning (semantic checks of our own) and its
 * typed, normalized form. Pure: `parseStackConfig` takes the raw values of the stack's config keys
 * and returns either the typed config or every problem found, each with its key path. Nothing is
 * registered before this has passed, so a typo never reaches a cluster.
 */
import { NetworkIntent } from "../compiler/intent";
import { PROJECT, RawConfig, configSchema } from "./shape";
import { z } from "zod";
import { distance } from "fastest-levenshtein";
import { ConfigProblem, shapeProblems, valueAt } from "./problems";
import { CheckedSections, Checker, cmp } from "./checks";
import { TenancySettings } from "../compiler/tenancy";
import { isoDay } from "./kubernetes";
import { AcmeIssuer, DataPlaneSettings } from "../compiler/platform";
import { resolveCertManagerWebhookReplicas, resolveDataPlane } from "./checks/edgeOperations";

export { PROJECT, configSchema } from "./shape";
export type { ConfigProblem } from "./problems";
export { formatProblem, formatValue } from "./problems";

// ---------------------------------------------------------------------------------------------
// Typed result

export type ClusterConfig = Omit<RawConfig["cluster"], "accessEntries" | "logTypes"> & {
    readonly accessEntries: RawConfig["cluster"]["accessEntries"];
    readonly logTypes: RawConfig["cluster"]["logTypes"];
};

export interface StackConfig {
    readonly environment: RawConfig["environment"];
    /** The AWS account the stack's credentials must belong to (absent only outside production). */
    readonly accountId?: string;
    readonly cluster: ClusterConfig;
    readonly calico: RawConfig["calico"];
    /** The gateway's install settings; its client ranges and the edge's egress are in `network`. */
    readonly gateway: Omit<
        RawConfig["gateway"],
        "sourceCidrs" | "acknowledgeAnyAddress" | "egress" | "tls" | "dataPlane" | "certManager"
    > & {
        readonly tls?: GatewayTlsConfig;
        readonly dataPlane: DataPlaneSettings;
        readonly certManager: { readonly chartVersion: string; readonly webhookReplicas: number };
    };
    readonly tenancy: TenancySettings;
    readonly network: NetworkIntent;
    readonly promotion?: RawConfig["promotion"];
    /** Hostnames each namespace's HTTPRoutes may claim (network.namespaces[].hostnames), sorted. */
    readonly routeHostnames: Readonly<Record<string, readonly string[]>>;
}

/** HTTPS as configured, the issuer resolved: Let's Encrypt production in production, staging elsewhere. */
export type GatewayTlsConfig = Omit<NonNullable<RawConfig["gateway"]["tls"]>, "issuer"> & { readonly issuer: AcmeIssuer };

export type ConfigResult =
    | { readonly ok: true; readonly config: StackConfig; readonly warnings: readonly ConfigProblem[] }
    | { readonly ok: false; readonly problems: readonly ConfigProblem[]; readonly warnings: readonly ConfigProblem[] };

// ---------------------------------------------------------------------------------------------
// Parsing

/**
 * The project's keys from config as the Pulumi engine passes it (`project:key` -> string, objects
 * as JSON text), prefix removed and objects parsed: the input of `parseStackConfig`.
 */
export function projectConfigValues(config: Readonly<Record<string, string>>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
        if (!key.startsWith(`${PROJECT}:`)) continue;
        try {
            raw[key.slice(PROJECT.length + 1)] = JSON.parse(value);
        } catch {
            raw[key.slice(PROJECT.length + 1)] = value; // a plain string such as `production`
        }
    }
    return raw;
}

/**
 * Config keys whose namespace is a near miss of the project's (`k8s-platfrom:promotion`): Pulumi
 * passes every namespace through (providers read theirs, such as `aws:region`), so a misspelt
 * prefix is silently ignored, which could drop prod's promotion gate. Warned, not refused: the
 * key may belong to something else; other providers' namespaces are far from ours and stay quiet.
 */
export function misspeltProjectKeys(config: Readonly<Record<string, string>>): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    for (const [key, text] of Object.entries(config)) {
        const colon = key.indexOf(":");
        if (colon < 0) continue;
        const namespace = key.slice(0, colon);
        if (namespace === PROJECT || namespace.length > 2 * PROJECT.length) continue;
        if (namespace.toLowerCase() !== PROJECT.toLowerCase() && distance(namespace, PROJECT) > 3) continue;
        const fixed = `${PROJECT}:${key.slice(colon + 1)}`;
        problems.push({
            path: key,
            value: parseValue(text),
            message: `is not read: ${namespace} is not the project's name, ${PROJECT}`,
            hint: config[fixed] === undefined ? `did you mean ${fixed}?` : `did you mean ${fixed}, which is also set?`,
        });
    }
    return problems;
}

function parseValue(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/**
 * Validates the raw values of the project's config keys (`{ network: {...}, cluster: {...} }`,
 * keys without the project prefix) and returns the typed config, or every problem at once.
 *
 * Each top-level section is shaped on its own, and the semantic checks run on every section
 * whose shape is right, so a typo in `cluster` and a reserved namespace name in `network` are
 * reported together. A section whose only shape problems are unknown keys is checked without
 * them (the unknown keys are still reported).
 */
export function parseStackConfig(raw: Readonly<Record<string, unknown>>, today: string = isoDay(new Date())): ConfigResult {
    const problems: ConfigProblem[] = [];
    const sections: Record<string, unknown> = {};
    const shape = configSchema.shape as Record<string, z.ZodType>;
    const unknown = Object.keys(raw).filter((key) => !(key in shape));
    if (unknown.length > 0)
        problems.push(...shapeProblems({ code: "unrecognized_keys", keys: unknown, path: [], message: "", input: raw }, raw));
    for (const [key, schema] of Object.entries(shape)) {
        const parsed = parseSection(schema, raw[key]);
        problems.push(...parsed.issues.flatMap((issue) => shapeProblems({ ...issue, path: [key, ...issue.path] }, raw)));
        if (parsed.ok) sections[key] = parsed.data;
    }
    const checked = sections as CheckedSections;
    const checks = new Checker(checked, today).run();
    const { tenancy, network, routeHostnames } = checks;
    problems.push(...checks.problems);
    const { environment, accountId, cluster: c, calico, gateway, promotion } = checked;
    if (problems.length > 0 || !network || !routeHostnames || !tenancy || !environment || !c || !calico || !gateway) {
        return { ok: false, problems, warnings: checks.warnings };
    }
    return {
        ok: true,
        warnings: checks.warnings,
        config: {
            environment,
            ...(accountId !== undefined ? { accountId } : {}),
            cluster: {
                ...c,
                accessEntries: [...c.accessEntries].sort((a, b) => cmp(a.name, b.name)),
                logTypes: [...new Set(c.logTypes)].sort(),
                endpoint: {
                    ...c.endpoint,
                    publicAccessCidrs: [...c.endpoint.publicAccessCidrs].sort(),
                    privateAccessCidrs: [...c.endpoint.privateAccessCidrs].sort(),
                },
            },
            calico,
            gateway: {
                chartVersion: gateway.chartVersion,
                gatewayApiVersion: gateway.gatewayApiVersion,
                internal: gateway.internal,
                replaceLoadBalancer: gateway.replaceLoadBalancer,
                certManager: {
                    chartVersion: gateway.certManager.chartVersion,
                    webhookReplicas: resolveCertManagerWebhookReplicas(gateway.certManager, environment),
                },
                dataPlane: resolveDataPlane(gateway.dataPlane, environment),
                loadBalancerController: gateway.loadBalancerController,
                ...(gateway.tls
                    ? {
                          tls: {
                              ...gateway.tls,
                              issuer: gateway.tls.issuer ?? (environment === "production" ? "letsencrypt" : "letsencrypt-staging"),
                          },
                      }
                    : {}),
            },
            tenancy,
            network,
            ...(promotion ? { promotion } : {}),
            routeHostnames,
        },
    };
}

/** One section's shape: its issues, and its value when it can be checked (unknown keys dropped). */
function parseSection(schema: z.ZodType, value: unknown): { ok: boolean; data?: unknown; issues: z.core.$ZodIssue[] } {
    const first = schema.safeParse(value);
    if (first.success) return { ok: true, data: first.data, issues: [] };
    const issues = first.error.issues;
    if (!issues.every((i) => i.code === "unrecognized_keys")) return { ok: false, issues };
    const stripped = structuredClone(value);
    for (const issue of issues) {
        const holder = valueAt(stripped, issue.path as (string | number)[]) as Record<string, unknown>;
        for (const key of issue.keys) delete holder[key];
    }
    const second = schema.safeParse(stripped);
    return second.success ? { ok: true, data: second.data, issues } : { ok: false, issues };
}

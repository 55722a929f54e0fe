/**
 * The stack configuration: its shape (zod), its meaning (semantic checks of our own) and its
 * typed, normalized form. Pure: `parseStackConfig` takes the raw values of the stack's config keys
 * and returns either the typed config or every problem found, each with its key path. Nothing is
 * registered before this has passed, so a typo never reaches a cluster.
 */
import { NetworkIntent } from "../compiler/intent";
import { PROJECT, RawConfig, configSchema } from "./shape";
import { ConfigProblem, shapeProblems } from "./problems";
import { Checker, cmp } from "./checks";
import { TenancySettings } from "../compiler/tenancy";

export { PROJECT, configSchema } from "./shape";
export type { ConfigProblem } from "./problems";
export { formatProblem } from "./problems";

// ---------------------------------------------------------------------------------------------
// Typed result

export type ClusterConfig = Omit<RawConfig["cluster"], "accessEntries" | "logTypes"> & {
    readonly accessEntries: RawConfig["cluster"]["accessEntries"];
    readonly logTypes: RawConfig["cluster"]["logTypes"];
};

export interface StackConfig {
    readonly environment: RawConfig["environment"];
    readonly cluster: ClusterConfig;
    readonly calico: RawConfig["calico"];
    /** The gateway's install settings; its client ranges are in `network.gatewayClients`. */
    readonly gateway: Omit<RawConfig["gateway"], "sourceCidrs" | "acknowledgeAnyAddress">;
    readonly tenancy: TenancySettings;
    readonly network: NetworkIntent;
    readonly promotion?: RawConfig["promotion"];
}

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
 * Validates the raw values of the project's config keys (`{ network: {...}, cluster: {...} }`,
 * keys without the project prefix) and returns the typed config, or every problem at once.
 */
export function parseStackConfig(raw: Readonly<Record<string, unknown>>): ConfigResult {
    const shape = configSchema.safeParse(raw);
    if (!shape.success) {
        return { ok: false, problems: shape.error.issues.flatMap((i) => shapeProblems(i, raw)), warnings: [] };
    }
    const checker = new Checker(shape.data);
    const network = checker.network();
    checker.cluster();
    const tenancy = checker.tenancy();
    checker.versions();
    checker.promotion();
    const problems = checker.problems;
    if (problems.length > 0 || !network || !tenancy) return { ok: false, problems, warnings: checker.warnings };
    const c = shape.data.cluster;
    return {
        ok: true,
        warnings: checker.warnings,
        config: {
            environment: shape.data.environment,
            cluster: {
                ...c,
                accessEntries: [...c.accessEntries].sort((a, b) => cmp(a.name, b.name)),
                logTypes: [...new Set(c.logTypes)].sort(),
                endpoint: { ...c.endpoint, publicAccessCidrs: [...c.endpoint.publicAccessCidrs].sort() },
            },
            calico: shape.data.calico,
            gateway: {
                chartVersion: shape.data.gateway.chartVersion,
                gatewayApiVersion: shape.data.gateway.gatewayApiVersion,
                internal: shape.data.gateway.internal,
                ...(shape.data.gateway.tls ? { tls: shape.data.gateway.tls } : {}),
            },
            tenancy,
            network,
            ...(shape.data.promotion ? { promotion: shape.data.promotion } : {}),
        },
    };
}

/**
 * The stack configuration: its shape (zod), its meaning (semantic checks of our own) and its
 * typed, normalized form. Pure: `parseStackConfig` takes the raw values of the stack's config keys
 * and returns either the typed config or every problem found, each with its key path. Nothing is
 * registered before this has passed, so a typo never reaches a cluster.
 */
import { z } from "zod";
import { closest, distance } from "fastest-levenshtein";
import { CidrBlock, blockContainsBlock, blocksOverlap, coversWholeFamily, formatCidr, isCidrError, parseCidr } from "../netpol/cidr";
import { PROTOCOLS, Protocol } from "../netpol/k8s";
import { AppRef, CidrRange, CidrSource, Flow, NetworkIntent, PortSpec, TOOLS_NAMESPACE, ingressNginxIntent } from "../netpol/intent";
import { comparePorts, mergeFlows, portString } from "../netpol/generate";

/** The Pulumi project name, which prefixes every config key (`k8s-platform:network`). */
export const PROJECT = "k8s-platform";

// ---------------------------------------------------------------------------------------------
// Shape

const port = z.preprocess(
    (v) => (typeof v === "number" || (typeof v === "string" && v !== "") ? { port: v } : v),
    z.strictObject({
        port: z.union([z.number(), z.string()]),
        protocol: z.string().optional(),
        endPort: z.number().optional(),
    }),
);
const ports = z.array(port);
const cidrEntry = z.preprocess(
    (v) => (typeof v === "string" ? { cidr: v } : v),
    z.strictObject({ cidr: z.string(), except: z.array(z.string()).default([]) }),
);

const clusterSchema = z.strictObject({
    /** EKS cluster name; also the physical name, so kubeconfig contexts are stable. */
    name: z.string(),
    kubernetesVersion: z.string(),
    ipFamily: z.enum(["ipv4", "ipv6"]).default("ipv4"),
    vpc: z.strictObject({
        cidr: z.string(),
        availabilityZones: z.number().int().min(2).max(6).default(2),
        natGateways: z.enum(["Single", "OnePerAz"]).default("Single"),
        existing: z
            .strictObject({
                vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, "expected a VPC ID such as vpc-0a1b2c3d"),
                privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, "expected a subnet ID")).min(2),
                publicSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, "expected a subnet ID")).min(2),
            })
            .optional(),
    }),
    endpoint: z.strictObject({
        privateAccess: z.boolean(),
        publicAccess: z.boolean(),
        publicAccessCidrs: z.array(z.string()).default([]),
    }),
    logTypes: z.array(z.enum(["api", "audit", "authenticator", "controllerManager", "scheduler"])).default([]),
    secretsEncryption: z.boolean().default(false),
    deletionProtection: z.boolean().default(false),
    /** Pulumi `protect` on the cluster and the namespaces: a destroy must first be unprotected. */
    protect: z.boolean().default(false),
    nodeGroup: z.strictObject({
        instanceTypes: z.array(z.string()).min(1),
        minSize: z.number().int().min(1),
        desiredSize: z.number().int().min(1),
        maxSize: z.number().int().min(1),
        diskSizeGiB: z.number().int().min(20).default(50),
        capacityType: z.enum(["ON_DEMAND", "SPOT"]).default("ON_DEMAND"),
    }),
    accessEntries: z
        .array(
            z.strictObject({
                name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "expected a lowercase name such as platform-admins"),
                principalArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/, "expected an IAM role or user ARN"),
                accessPolicy: z.enum(["AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy", "AmazonEKSViewPolicy"]),
            }),
        )
        .default([]),
    tags: z.record(z.string(), z.string()).default({}),
});

const calicoSchema = z.strictObject({
    /** Version of both Calico charts (crd.projectcalico.org.v1 and tigera-operator). */
    version: z.string(),
});

const ingressNginxSchema = z.strictObject({
    chartVersion: z.string(),
    /** Client ranges admitted to nginx on 80/443 (the NLB preserves client addresses). */
    sourceCidrs: z.array(z.string()).min(1),
    /** An internal (VPC-only) load balancer instead of an internet-facing one. */
    internal: z.boolean().default(false),
});

const networkSchema = z.strictObject({
    defaultDenyEgress: z.boolean(),
    appLabel: z.string().default("app"),
    webPorts: ports.min(1),
    namespaces: z.array(
        z.strictObject({
            name: z.string(),
            team: z.string(),
            apps: z.array(z.string()).min(1),
            webPorts: ports.min(1).optional(),
        }),
    ),
    flows: z.array(z.strictObject({ from: z.string(), to: z.string(), ports: ports.optional() })).default([]),
    cidrSources: z
        .array(z.strictObject({ name: z.string(), to: z.string(), cidrs: z.array(cidrEntry).min(1), ports: ports.optional() }))
        .default([]),
});

const promotionSchema = z.strictObject({
    /** The stack that must have run a policy set before this one applies it. */
    after: z.string().regex(/^[^/\s]+\/[^/\s]+\/[^/\s]+$/, "expected organization/project/stack"),
    override: z.boolean().default(false),
    reason: z.string().optional(),
});

/** Every config key of the project, with its schema. */
export const configSchema = z.strictObject({
    /** `production` turns on the guardrails that protect a live environment. */
    environment: z.enum(["production", "non-production"]),
    cluster: clusterSchema,
    calico: calicoSchema,
    ingressNginx: ingressNginxSchema,
    network: networkSchema,
    /** Promotion gate: set on stacks that apply only what an earlier stack has run. */
    promotion: promotionSchema.optional(),
});

type RawConfig = z.infer<typeof configSchema>;

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
    readonly ingressNginx: RawConfig["ingressNginx"];
    readonly network: NetworkIntent;
    readonly promotion?: RawConfig["promotion"];
}

export interface ConfigProblem {
    /** Project-qualified key path, as `pulumi config set --path` takes it. */
    readonly path: string;
    readonly value: unknown;
    readonly message: string;
    readonly hint?: string;
}

export type ConfigResult =
    | { readonly ok: true; readonly config: StackConfig; readonly warnings: readonly ConfigProblem[] }
    | { readonly ok: false; readonly problems: readonly ConfigProblem[]; readonly warnings: readonly ConfigProblem[] };

export function formatProblem(p: ConfigProblem): string {
    const value = p.value === undefined ? "(not set)" : JSON.stringify(p.value);
    return `${p.path}: ${value}: ${p.message}${p.hint ? ` (${p.hint})` : ""}`;
}

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
    checker.versions();
    checker.promotion();
    const problems = checker.problems;
    if (problems.length > 0 || !network) return { ok: false, problems, warnings: checker.warnings };
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
            ingressNginx: { ...shape.data.ingressNginx, sourceCidrs: [...shape.data.ingressNginx.sourceCidrs].sort() },
            network,
            ...(shape.data.promotion ? { promotion: shape.data.promotion } : {}),
        },
    };
}

function shapeProblems(issue: z.core.$ZodIssue, raw: unknown): ConfigProblem[] {
    const path = [...issue.path] as (string | number)[];
    const value = valueAt(raw, path);
    switch (issue.code) {
        case "unrecognized_keys":
            return issue.keys.map((key) => {
                const known = knownKeysAt(configSchema, path);
                const guess = known.length > 0 ? closest(key, known) : undefined;
                return {
                    path: keyPath([...path, key]),
                    value: valueAt(raw, [...path, key]),
                    message: "unknown key",
                    hint: guess && distance(key, guess) <= 3 ? `did you mean ${guess}?` : `known keys: ${known.join(", ")}`,
                };
            });
        case "invalid_type":
            if (value === undefined) {
                return [
                    {
                        path: keyPath(path),
                        value,
                        message: "is required",
                        hint: `pulumi config set --path '${keyPath(path)}' <${issue.expected}>`,
                    },
                ];
            }
            return [
                {
                    path: keyPath(path),
                    value,
                    message: `expected a ${issue.expected}, got ${describe(value)}`,
                    hint: typeHint(issue.expected, value),
                },
            ];
        case "invalid_value":
            return [
                {
                    path: keyPath(path),
                    value,
                    message: `is not one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`,
                    hint: suggest(value, issue.values.map(String)),
                },
            ];
        default:
            return [{ path: keyPath(path), value, message: issue.message }];
    }
}

function typeHint(expected: string, value: unknown): string | undefined {
    if (expected === "boolean" && typeof value === "string") return "write true or false without quotes";
    if (expected === "number" && typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value)))
        return "write the number without quotes";
    return undefined;
}

/** The keys the schema knows for the object at `path`, for did-you-mean hints on typos. */
function knownKeysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
    let node: unknown = schema;
    for (const segment of path) {
        node = unwrap(node);
        const def = (node as { _zod: { def: Record<string, unknown> } })._zod.def;
        if (def.type === "object") node = (def.shape as Record<string, unknown>)[String(segment)];
        else if (def.type === "array") node = def.element;
        else if (def.type === "record") node = def.valueType;
        else return [];
        if (!node) return [];
    }
    const def = (unwrap(node) as { _zod: { def: Record<string, unknown> } })._zod.def;
    return def.type === "object" ? Object.keys(def.shape as object) : [];
}

function unwrap(node: unknown): unknown {
    let current = node as { _zod: { def: Record<string, unknown> } };
    for (;;) {
        const def = current._zod.def;
        if (def.type === "optional" || def.type === "default") current = def.innerType as typeof current;
        else if (def.type === "pipe") current = def.out as typeof current;
        else return current;
    }
}

/** Semantic checks over a config of the right shape; collects problems instead of throwing. */
class Checker {
    readonly problems: ConfigProblem[] = [];
    readonly warnings: ConfigProblem[] = [];
    private readonly production: boolean;
    private readonly ipFamily: 4 | 6;

    constructor(private readonly raw: RawConfig) {
        this.production = raw.environment === "production";
        this.ipFamily = raw.cluster.ipFamily === "ipv6" ? 6 : 4;
    }

    private problem(path: (string | number)[], value: unknown, message: string, hint?: string): void {
        this.problems.push({ path: keyPath(path), value, message, ...(hint ? { hint } : {}) });
    }

    private warn(path: (string | number)[], value: unknown, message: string, hint?: string): void {
        this.warnings.push({ path: keyPath(path), value, message, ...(hint ? { hint } : {}) });
    }

    /** Checks the network section and builds the intent from it; undefined when it is invalid. */
    network(): NetworkIntent | undefined {
        const net = this.raw.network;
        const before = this.problems.length;
        if (!isQualifiedLabelKey(net.appLabel))
            this.problem(["network", "appLabel"], net.appLabel, "is not a valid label key", "e.g. app or app.kubernetes.io/name");

        const appsByNamespace = new Map<string, string[]>();
        net.namespaces.forEach((ns, i) => {
            const at = ["network", "namespaces", i];
            const nameProblem = namespaceNameProblem(ns.name);
            if (nameProblem) this.problem([...at, "name"], ns.name, nameProblem.message, nameProblem.hint);
            else if (appsByNamespace.has(ns.name)) this.problem([...at, "name"], ns.name, "is declared twice", "merge the two entries");
            if (!isLabelValue(ns.team) || ns.team === "")
                this.problem([...at, "team"], ns.team, "is not a valid label value", LABEL_VALUE_HINT);
            const seen = new Set<string>();
            ns.apps.forEach((app, j) => {
                if (!isLabelValue(app) || app === "") this.problem([...at, "apps", j], app, "is not a valid label value", LABEL_VALUE_HINT);
                else if (seen.has(app)) this.problem([...at, "apps", j], app, "is listed twice");
                seen.add(app);
            });
            if (!appsByNamespace.has(ns.name)) appsByNamespace.set(ns.name, ns.apps);
        });

        const refs = (text: string, path: (string | number)[]): AppRef | undefined => this.appRef(text, path, appsByNamespace);
        const webPorts = this.ports(net.webPorts, ["network", "webPorts"]);
        const namespaces = net.namespaces.map((ns, i) => ({
            name: ns.name,
            team: ns.team,
            apps: [...ns.apps].sort(cmp),
            webPorts: ns.webPorts ? this.ports(ns.webPorts, ["network", "namespaces", i, "webPorts"]) : webPorts,
        }));

        const flows: Flow[] = [];
        const flowKeys = new Map<string, number>();
        net.flows.forEach((f, i) => {
            const at = ["network", "flows", i];
            const from = refs(f.from, [...at, "from"]);
            const to = refs(f.to, [...at, "to"]);
            if (f.ports === undefined || f.ports.length === 0) {
                if (this.production)
                    this.problem(
                        [...at, "ports"],
                        f.ports,
                        "a production flow must name its ports",
                        "list the ports the destination serves, e.g. [8080]",
                    );
            }
            const flowPorts = this.ports(f.ports ?? [], [...at, "ports"]);
            if (!from || !to) return;
            if (from.namespace === to.namespace) {
                this.warn(
                    at,
                    f,
                    `${f.from} -> ${f.to} stays inside namespace ${from.namespace}, which allow-same-namespace already admits`,
                    "remove the flow",
                );
            }
            const key = `${f.from}>${f.to}>${flowPorts.map(portString).join(",")}`;
            const first = flowKeys.get(key);
            if (first !== undefined) this.warn(at, f, `repeats network.flows[${first}]`, "the duplicate is ignored");
            else flowKeys.set(key, i);
            flows.push({ from, to, ports: flowPorts });
        });

        const cidrSources: CidrSource[] = [];
        const sourceNames = new Set<string>();
        net.cidrSources.forEach((s, i) => {
            const at = ["network", "cidrSources", i];
            if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s.name) || s.name.length > 40) {
                this.problem(
                    [...at, "name"],
                    s.name,
                    "is not a short lowercase name (DNS-1123 label, at most 40 characters)",
                    "e.g. office-vpn",
                );
            } else if (sourceNames.has(s.name)) this.problem([...at, "name"], s.name, "is declared twice");
            sourceNames.add(s.name);
            const to = refs(s.to, [...at, "to"]);
            const sourcePorts = this.ports(s.ports ?? [], [...at, "ports"]);
            if ((s.ports === undefined || s.ports.length === 0) && this.production) {
                this.problem([...at, "ports"], s.ports, "a production CIDR source must name its ports", "e.g. [443]");
            }
            const cidrs = s.cidrs.map((c, j) => this.cidrRange(c, [...at, "cidrs", j]));
            if (cidrs.some((c) => !c) || !to) return;
            const blocks = cidrs.map((c) => c!.block);
            this.warnOverlaps(blocks, [...at, "cidrs"]);
            if (this.production && coversWholeFamily(blocks, this.ipFamily)) {
                this.problem(
                    [...at, "cidrs"],
                    s.cidrs.map((c) => c.cidr),
                    "together these ranges admit every address, which production allows only into the nginx pods of tools",
                    "list the partner or office ranges instead",
                );
            }
            cidrSources.push({
                name: s.name,
                to,
                cidrs: cidrs.map((c) => c!.range).sort((a, b) => cmp(a.cidr, b.cidr)),
                ports: sourcePorts,
            });
        });

        const sourceBlocks = this.raw.ingressNginx.sourceCidrs.map((c, i) => this.cidr(c, ["ingressNginx", "sourceCidrs", i]));
        const vpcBlock = this.cidr(this.raw.cluster.vpc.cidr, ["cluster", "vpc", "cidr"], 4);
        if (sourceBlocks.every((b) => b)) this.warnOverlaps(sourceBlocks as CidrBlock[], ["ingressNginx", "sourceCidrs"]);

        if (this.problems.length > before || !vpcBlock) return undefined;
        return {
            appLabel: net.appLabel,
            defaultDenyEgress: net.defaultDenyEgress,
            namespaces: namespaces.sort((a, b) => cmp(a.name, b.name)),
            toolsNamespace: TOOLS_NAMESPACE,
            ingressNginx: ingressNginxIntent((sourceBlocks as CidrBlock[]).map(formatCidr).sort(cmp)),
            // The EKS control plane reaches pods (webhooks) and is reached (API) through ENIs in
            // the cluster's subnets, so the VPC range stands for it.
            controlPlaneCidrs: [formatCidr(vpcBlock)],
            flows: [...mergeFlows(flows)],
            cidrSources: cidrSources.sort((a, b) => cmp(a.name, b.name)),
        };
    }

    cluster(): void {
        const c = this.raw.cluster;
        if (!/^[a-zA-Z][-a-zA-Z0-9]{0,99}$/.test(c.name))
            this.problem(
                ["cluster", "name"],
                c.name,
                "is not a valid EKS cluster name",
                "letters, digits and dashes, starting with a letter",
            );
        if (!/^1\.\d{2}$/.test(c.kubernetesVersion))
            this.problem(["cluster", "kubernetesVersion"], c.kubernetesVersion, "is not a Kubernetes minor version", 'quote it: "1.33"');
        if (c.ipFamily === "ipv6")
            this.problem(["cluster", "ipFamily"], c.ipFamily, "IPv6 clusters are not supported by this program yet", "use ipv4");
        const n = c.nodeGroup;
        if (!(n.minSize <= n.desiredSize && n.desiredSize <= n.maxSize)) {
            this.problem(
                ["cluster", "nodeGroup", "desiredSize"],
                n.desiredSize,
                `must lie between minSize (${n.minSize}) and maxSize (${n.maxSize})`,
            );
        }
        if (c.vpc.existing && c.vpc.existing.privateSubnetIds.some((id) => c.vpc.existing!.publicSubnetIds.includes(id))) {
            this.problem(
                ["cluster", "vpc", "existing", "privateSubnetIds"],
                c.vpc.existing.privateSubnetIds,
                "shares subnets with publicSubnetIds",
                "nodes belong in private subnets only",
            );
        }
        const e = c.endpoint;
        if (!e.privateAccess && !e.publicAccess) {
            this.problem(["cluster", "endpoint"], e, "the API endpoint would be reachable from nowhere", "set privateAccess: true");
        }
        const blocks = e.publicAccessCidrs.map((cidr, i) => this.cidr(cidr, ["cluster", "endpoint", "publicAccessCidrs", i], 4));
        if (e.publicAccess && this.production && blocks.every((b) => b)) {
            // EKS treats an empty list as 0.0.0.0/0.
            const open = e.publicAccessCidrs.length === 0 || coversWholeFamily(blocks as CidrBlock[], 4);
            if (open)
                this.problem(
                    ["cluster", "endpoint", "publicAccessCidrs"],
                    e.publicAccessCidrs,
                    "a production API endpoint must not be open to 0.0.0.0/0",
                    "list the office and CI ranges, or set publicAccess: false",
                );
        }
    }

    promotion(): void {
        const p = this.raw.promotion;
        if (p?.override && !p.reason?.trim()) {
            this.problem(
                ["promotion", "reason"],
                p.reason,
                "an override needs a reason, which the deployment shows",
                'e.g. "incident 1234: hotfix egress to the payment provider"',
            );
        }
    }

    versions(): void {
        if (!this.production) return;
        const pinned = /^v?\d+\.\d+\.\d+$/;
        if (!pinned.test(this.raw.calico.version))
            this.problem(["calico", "version"], this.raw.calico.version, "production pins an exact Calico version", "e.g. v3.32.2");
        if (!pinned.test(this.raw.ingressNginx.chartVersion))
            this.problem(
                ["ingressNginx", "chartVersion"],
                this.raw.ingressNginx.chartVersion,
                "production pins an exact chart version",
                "e.g. 4.13.3",
            );
    }

    private appRef(text: string, path: (string | number)[], apps: ReadonlyMap<string, readonly string[]>): AppRef | undefined {
        const parts = text.split("/");
        if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
            this.problem(path, text, "is not namespace/app", "e.g. checkout/api");
            return undefined;
        }
        const [namespace, app] = parts as [string, string];
        const known = apps.get(namespace);
        if (!known) {
            this.problem(path, text, `names unknown namespace ${namespace}`, suggest(namespace, [...apps.keys()]));
            return undefined;
        }
        if (!known.includes(app)) {
            this.problem(
                path,
                text,
                `names app ${app}, which namespace ${namespace} does not run`,
                suggest(app, known) ?? `its apps: ${known.join(", ")}`,
            );
            return undefined;
        }
        return { namespace, app };
    }

    private ports(entries: readonly z.infer<typeof port>[], path: (string | number)[]): PortSpec[] {
        const result: PortSpec[] = [];
        entries.forEach((p, i) => {
            const at = [...path, i];
            let ok = true;
            const protocol = p.protocol ?? "TCP";
            if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
                const right = PROTOCOLS.find((x) => x === protocol.toUpperCase());
                this.problem(
                    [...at, "protocol"],
                    protocol,
                    `is not a protocol NetworkPolicy knows (${PROTOCOLS.join(", ")})`,
                    right ? `protocols are case-sensitive: write ${right}` : undefined,
                );
                ok = false;
            }
            if (typeof p.port === "number") {
                if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
                    this.problem([...at, "port"], p.port, "is not a whole number from 1 to 65535");
                    ok = false;
                }
            } else if (!isNamedPort(p.port)) {
                this.problem(
                    [...at, "port"],
                    p.port,
                    "is not a valid named port",
                    "at most 15 lowercase letters, digits and single dashes, with at least one letter (IANA_SVC_NAME)",
                );
                ok = false;
            }
            if (p.endPort !== undefined) {
                if (typeof p.port === "string") {
                    this.problem([...at, "endPort"], p.endPort, "cannot go with a named port", "use a numeric port to open a range");
                    ok = false;
                } else if (!Number.isInteger(p.endPort) || p.endPort < 1 || p.endPort > 65535) {
                    this.problem([...at, "endPort"], p.endPort, "is not a whole number from 1 to 65535");
                    ok = false;
                } else if (p.endPort < p.port) {
                    this.problem([...at, "endPort"], p.endPort, `is below port ${p.port}`);
                    ok = false;
                }
            }
            if (ok)
                result.push(
                    p.endPort !== undefined && p.endPort !== p.port
                        ? { protocol: protocol as Protocol, port: p.port, endPort: p.endPort }
                        : { protocol: protocol as Protocol, port: p.port },
                );
        });
        const unique = new Map(result.map((p) => [portString(p), p]));
        return [...unique.values()].sort(comparePorts);
    }

    private cidr(text: string, path: (string | number)[], family: 4 | 6 = this.ipFamily): CidrBlock | undefined {
        const block = parseCidr(text);
        if (isCidrError(block)) {
            this.problem(path, text, block.error, "e.g. 10.0.0.0/16");
            return undefined;
        }
        if (!block.canonical) {
            this.problem(path, text, "has host bits set", `did you mean ${formatCidr(block)}?`);
            return undefined;
        }
        if (block.family !== family) {
            this.problem(path, text, `is an IPv${block.family} range on an IPv${family} cluster`);
            return undefined;
        }
        return block;
    }

    private cidrRange(
        entry: { cidr: string; except: string[] },
        path: (string | number)[],
    ): { block: CidrBlock; range: CidrRange } | undefined {
        const block = this.cidr(entry.cidr, [...path, "cidr"]);
        const except = entry.except.map((e, k) => {
            const inner = this.cidr(e, [...path, "except", k]);
            if (inner && block && !(blockContainsBlock(block, inner) && inner.prefix > block.prefix)) {
                this.problem(
                    [...path, "except", k],
                    e,
                    `is not inside ${entry.cidr}`,
                    "an except range must be a strict subset of its cidr",
                );
                return undefined;
            }
            return inner;
        });
        if (!block || except.some((e) => !e)) return undefined;
        return { block, range: { cidr: formatCidr(block), except: (except as CidrBlock[]).map(formatCidr).sort(cmp) } };
    }

    private warnOverlaps(blocks: readonly CidrBlock[], path: (string | number)[]): void {
        for (let i = 0; i < blocks.length; i++) {
            for (let j = i + 1; j < blocks.length; j++) {
                if (blocksOverlap(blocks[i]!, blocks[j]!)) {
                    this.warn(
                        [...path, j],
                        formatCidr(blocks[j]!),
                        `overlaps ${formatCidr(blocks[i]!)} at index ${i}`,
                        "one range is enough",
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Kubernetes name and label rules (k8s.io/apimachinery/pkg/util/validation)

const RESERVED_NAMESPACES = ["default", "tigera-operator", TOOLS_NAMESPACE];
const RESERVED_PREFIXES = ["kube-", "calico-"];
const LABEL_VALUE_HINT = "at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

function namespaceNameProblem(name: string): { message: string; hint?: string } | undefined {
    if (name.length === 0) return { message: "is empty" };
    if (name.length > 63) return { message: `is ${name.length} characters long; namespace names have at most 63` };
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
        const fixed = name
            .toLowerCase()
            .replace(/[^a-z0-9-]/g, "-")
            .replace(/^-+|-+$/g, "");
        return {
            message: "is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)",
            hint: fixed ? `e.g. ${fixed}` : undefined,
        };
    }
    if (name === TOOLS_NAMESPACE)
        return { message: "is the platform's own tools namespace, not a business namespace", hint: "pick another name" };
    if (RESERVED_NAMESPACES.includes(name) || RESERVED_PREFIXES.some((p) => name.startsWith(p))) {
        return { message: "is reserved for Kubernetes, Calico or the platform", hint: "pick another name" };
    }
    return undefined;
}

function isLabelValue(value: string): boolean {
    return value.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value);
}

function isQualifiedLabelKey(key: string): boolean {
    const parts = key.split("/");
    if (parts.length > 2) return false;
    const name = parts[parts.length - 1]!;
    const prefixOk =
        parts.length === 1 ||
        (parts[0]!.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(parts[0]!));
    return prefixOk && name.length > 0 && isLabelValue(name);
}

/** IANA_SVC_NAME, the rule for named container ports. */
function isNamedPort(name: string): boolean {
    return name.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && /[a-z]/.test(name) && !name.includes("--");
}

// ---------------------------------------------------------------------------------------------
// Helpers

function suggest(value: unknown, candidates: readonly string[]): string | undefined {
    if (typeof value !== "string" || candidates.length === 0) return undefined;
    const guess = closest(value, [...candidates]);
    return distance(value, guess) <= Math.max(2, Math.floor(value.length / 3)) ? `did you mean ${guess}?` : undefined;
}

function keyPath(path: readonly (string | number)[]): string {
    return path.reduce<string>(
        (acc, seg, i) => (typeof seg === "number" ? `${acc}[${seg}]` : i === 0 ? `${PROJECT}:${seg}` : `${acc}.${seg}`),
        "",
    );
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
    let node = root;
    for (const seg of path) {
        if (node === null || typeof node !== "object") return undefined;
        node = (node as Record<string, unknown>)[seg as string];
    }
    return node;
}

function describe(value: unknown): string {
    if (Array.isArray(value)) return "a list";
    if (value === null) return "null";
    return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function cmp(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Semantic checks over a config of the right shape: what the values mean together (references
 * between keys, address ranges, Kubernetes naming rules, production guardrails). Pure; collects
 * every problem instead of throwing, and builds the network intent on the way.
 */
import { z } from "zod";
import { CidrBlock, blockContainsBlock, blocksOverlap, coversWholeFamily, formatCidr, isCidrError, parseCidr } from "../engine/cidr";
import { PROTOCOLS, Protocol } from "../engine/k8s";
import { AppRef, CidrRange, CidrSource, Flow, NetworkIntent, PortSpec, TOOLS_NAMESPACE, ingressNginxIntent } from "../compiler/intent";
import { comparePorts, mergeFlows, portString } from "../compiler/generate";
import { CLUSTER_WRITE_POLICIES, PSA_LEVELS, PsaLevel, TenancySettings, isQuantity } from "../compiler/tenancy";
import { RawConfig, port } from "./shape";
import { ConfigProblem, keyPath, suggest } from "./problems";

/** Semantic checks over a config of the right shape; collects problems instead of throwing. */
export class Checker {
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

    /**
     * Node and tenant credentials: the metadata hop limit, who is platform, which team an access
     * entry belongs to; then the namespaces' Pod Security levels, quotas and limits. Returns the
     * tenancy settings, undefined when they are invalid.
     */
    tenancy(): TenancySettings | undefined {
        const before = this.problems.length;
        const c = this.raw.cluster;
        if (c.nodeGroup.metadataHopLimit > 1)
            this.problem(
                ["cluster", "nodeGroup", "metadataHopLimit"],
                c.nodeGroup.metadataHopLimit,
                "lets pods reach the instance metadata service and the node role's credentials",
                "set 1, as the EKS best practices guide asks (IMDSv2 with a hop limit of 1)",
            );
        const teams = [...new Set(this.raw.network.namespaces.map((ns) => ns.team))].sort(cmp);
        const names = new Set<string>();
        c.accessEntries.forEach((e, i) => {
            const at = ["cluster", "accessEntries", i];
            if (names.has(e.name)) this.problem([...at, "name"], e.name, "is declared twice", "one entry per principal");
            names.add(e.name);
            if (e.team !== undefined && !teams.includes(e.team))
                this.problem(
                    [...at, "team"],
                    e.team,
                    "owns no namespace in network.namespaces",
                    suggest(e.team, teams) ?? `teams: ${teams.join(", ")}`,
                );
            if (e.team !== undefined && e.platform)
                this.problem([...at, "platform"], e.platform, "a platform principal belongs to no team", "use one entry for each role");
            if (e.accessPolicy && (CLUSTER_WRITE_POLICIES as readonly string[]).includes(e.accessPolicy) && !e.platform) {
                const say = this.production ? this.problem.bind(this) : this.warn.bind(this);
                say(
                    [...at, "accessPolicy"],
                    e.accessPolicy,
                    "grants cluster-wide write access to a principal not declared platform: it could delete any namespace's default-deny",
                    "give a team `team: <name>` (its own namespaces only), or declare platform administrators with `platform: true`",
                );
            }
        });

        const t = this.raw.tenancy;
        const level = (kind: "business" | "tools"): PsaLevel | undefined => {
            const value = t.podSecurity[kind];
            if (!(PSA_LEVELS as readonly string[]).includes(value)) {
                this.problem(
                    ["tenancy", "podSecurity", kind],
                    value,
                    `is not a Pod Security level (${PSA_LEVELS.join(", ")})`,
                    suggest(value, PSA_LEVELS) ?? "use restricted where the pods allow it, baseline otherwise",
                );
                return undefined;
            }
            if (value === "privileged") {
                this.problem(
                    ["tenancy", "podSecurity", kind],
                    value,
                    "lets pods run privileged and use the host's namespaces; the platform enforces baseline at least",
                    "restricted, or baseline",
                );
                return undefined;
            }
            return value as PsaLevel;
        };
        const business = level("business");
        const tools = level("tools");
        const quantities = (values: Record<string, string | number> | undefined, path: string[]) => {
            if (!values) return undefined;
            const out: Record<string, string> = {};
            for (const key of Object.keys(values).sort(cmp)) {
                const text = String(values[key]);
                if (!isQuantity(text))
                    this.problem(
                        [...path, key],
                        values[key],
                        "is not a Kubernetes quantity",
                        "e.g. 500m or 2 for CPU, 512Mi or 4Gi for memory, 50 for a count",
                    );
                out[key] = text;
            }
            return out;
        };
        const quota = quantities(t.quota, ["tenancy", "quota"]);
        const limitRange = t.limitRange
            ? Object.fromEntries(
                  (["default", "defaultRequest", "max"] as const)
                      .filter((k) => t.limitRange![k] !== undefined)
                      .map((k) => [k, quantities(t.limitRange![k], ["tenancy", "limitRange", k])!]),
              )
            : undefined;
        if (this.problems.length > before || !business || !tools) return undefined;
        return { podSecurity: { business, tools }, ...(quota ? { quota } : {}), ...(limitRange ? { limitRange } : {}) };
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

export function cmp(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

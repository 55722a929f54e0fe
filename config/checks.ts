/**
 * Semantic checks over a config of the right shape: what the values mean together (references
 * between keys, address ranges, Kubernetes naming rules, production guardrails). Pure; collects
 * every problem instead of throwing, and builds the network intent on the way.
 */
import { z } from "zod";
import {
    CidrBlock,
    blockContainsBlock,
    blockContainsIp,
    blocksOverlap,
    coversWholeFamily,
    formatCidr,
    isCidrError,
    parseCidr,
    parseIp,
    requireCidr,
} from "../engine/cidr";
import { PROTOCOLS, Protocol } from "../engine/k8s";
import {
    ALL_APPS,
    AddressRule,
    AppRef,
    CidrRange,
    CidrSource,
    ClusterAddresses,
    EgressDestination,
    EgressGrant,
    Flow,
    INSTANCE_METADATA_IP,
    NetworkIntent,
    PortSpec,
    TOOLS_NAMESPACE,
    appRefString,
} from "../compiler/intent";
import { MAX_VPC_PREFIX, subnetLayout } from "../compiler/subnets";
import {
    CERT_MANAGER_CHART_EXAMPLE,
    CERT_MANAGER_NAMESPACE,
    EdgeTraffic,
    GATEWAY_API_EXAMPLE,
    GATEWAY_CHART_EXAMPLE,
    LB_CONTROLLER_CHART_EXAMPLE,
    LB_CONTROLLER_NAMESPACE,
    gatewayListenerPorts,
    httpsListeners,
    platformTraffic,
} from "../compiler/platform";
import { ALL_APPS_NAME, comparePorts, compileIntent, gatewayClientBlocks, mergeFlows, portString } from "../compiler/generate";
import { exactRanges } from "../compiler/addressSet";
import { CLUSTER_WRITE_POLICIES, PSA_LEVELS, PsaLevel, TenancySettings, isQuantity } from "../compiler/tenancy";
import { RawConfig, port } from "./shape";
import { edgeOperationChecks } from "./checks/edgeOperations";
import { ConfigProblem, keyPath, shorten, suggest } from "./problems";
import { compareVersions, formatVersion, parseVersion, parseVersionSpec } from "./versions";
import { accountRules } from "./checks/accounts";
import { CHARTS_CHECKED_UP_TO, EKS_VERSIONS, compareMinor, isMinorVersion, newestInStandardSupport, versionSupport } from "./kubernetes";

/**
 * The sections of the config whose shape is right; a section with a wrong shape is absent, and
 * the checks that need it are skipped, so its shape problems and every other section's semantic
 * problems are reported together.
 */
export type CheckedSections = Partial<RawConfig>;

/** Semantic checks over the sections of the right shape; collects problems instead of throwing. */
export class Checker {
    readonly problems: ConfigProblem[] = [];
    readonly warnings: ConfigProblem[] = [];
    private readonly production: boolean;
    private readonly ipFamily: 4 | 6;

    /** `today` (YYYY-MM-DD) judges the Kubernetes version against the EKS support calendar. */
    constructor(
        private readonly raw: CheckedSections,
        private readonly today: string,
    ) {
        this.production = raw.environment === "production";
        // IPv6 is refused (cluster()), so ranges are judged as IPv4: one wrong ipFamily is one
        // problem, not one more per address range.
        this.ipFamily = 4;
    }

    private problem(path: (string | number)[], value: unknown, message: string, hint?: string): void {
        this.problems.push({ path: keyPath(path), keys: path, value, message, ...(hint ? { hint } : {}) });
    }

    private warn(path: (string | number)[], value: unknown, message: string, hint?: string): void {
        this.warnings.push({ path: keyPath(path), keys: path, value, message, ...(hint ? { hint } : {}) });
    }

    /** Checks the network section and builds the intent from it; undefined when it is invalid. */
    network(): NetworkIntent | undefined {
        const net = this.raw.network;
        if (!net) return undefined;
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
                // Apps name policies too (`from-checkout.api-to-api`), so they follow the stricter DNS-1123 label rule.
                if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(app) || app.length > 63)
                    this.problem(
                        [...at, "apps", j],
                        app,
                        "is not a DNS-1123 label (lowercase letters, digits and '-'), which policy names built from it need",
                        "e.g. image-resizer",
                    );
                else if (app.includes("-to-"))
                    this.problem(
                        [...at, "apps", j],
                        app,
                        "contains -to-, which policy names use between source and destination",
                        "rename it",
                    );
                else if (seen.has(app)) this.problem([...at, "apps", j], app, "is listed twice");
                else if (app === ALL_APPS_NAME)
                    this.problem(
                        [...at, "apps", j],
                        app,
                        `is reserved: policy names say ${ALL_APPS_NAME} for every app of a namespace (ns/*)`,
                        "pick another name",
                    );
                seen.add(app);
            });
            if (!appsByNamespace.has(ns.name)) appsByNamespace.set(ns.name, ns.apps);
        });

        const refs = (text: string, path: (string | number)[], wholeNamespace = true): AppRef | undefined =>
            this.appRef(text, path, appsByNamespace, wholeNamespace);
        const webPorts = this.ports(net.webPorts, ["network", "webPorts"]);
        const namespaces = net.namespaces.map((ns, i) => ({
            name: ns.name,
            team: ns.team,
            apps: [...ns.apps].sort(cmp),
            webPorts: ns.webPorts ? this.ports(ns.webPorts, ["network", "namespaces", i, "webPorts"]) : webPorts,
        }));
        const addresses = this.addresses();

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
                else
                    this.warn(
                        [...at, "ports"],
                        f.ports,
                        "a flow without ports admits every port, which production refuses",
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
            this.shortName(s.name, [...at, "name"], sourceNames);
            const to = refs(s.to, [...at, "to"]);
            const sourcePorts = this.ports(s.ports ?? [], [...at, "ports"]);
            if (s.ports === undefined || s.ports.length === 0) {
                if (this.production) this.problem([...at, "ports"], s.ports, "a production CIDR source must name its ports", "e.g. [443]");
                else
                    this.warn(
                        [...at, "ports"],
                        s.ports,
                        "a CIDR source without ports admits every port, which production refuses",
                        "e.g. [443]",
                    );
            }
            const rule = this.addressRule(s, at, addresses);
            if (!rule || !to) return;
            cidrSources.push({ name: s.name, to, ports: sourcePorts, ...rule });
        });

        const egressDestinations: EgressDestination[] = [];
        const destinationNames = new Set<string>();
        net.egressDestinations.forEach((d, i) => {
            const at = ["network", "egressDestinations", i];
            this.shortName(d.name, [...at, "name"], destinationNames);
            const destinationPorts = this.ports(d.ports ?? [], [...at, "ports"]);
            (d.ports ?? []).forEach((p, j) => {
                if (typeof p.port === "string")
                    this.problem(
                        [...at, "ports", j, "port"],
                        p.port,
                        "is a named port, which resolves on a destination pod and matches nothing outside the cluster",
                        "give the port number",
                    );
            });
            if ((d.ports === undefined || d.ports.length === 0) && this.production) {
                this.problem([...at, "ports"], d.ports, "a production egress destination must name its ports", "e.g. [443]");
            }
            const rule = this.addressRule(d, at, addresses);
            if (!rule) return;
            d.cidrs.forEach((c, j) =>
                this.refuseInstanceMetadata(
                    { cidr: c.cidr, except: c.except },
                    [...at, "cidrs", j],
                    `except ${INSTANCE_METADATA_IP}/32, or all of 169.254.0.0/16`,
                ),
            );
            egressDestinations.push({ name: d.name, ports: destinationPorts, ...rule });
        });

        const egress: EgressGrant[] = [];
        const used = new Set<string>();
        net.egress.forEach((g, i) => {
            const at = ["network", "egress", i];
            const from = this.appRefList(g.from, [...at, "from"], appsByNamespace);
            const to = g.to.filter((name, j) => {
                used.add(name);
                if (destinationNames.has(name)) return true;
                this.problem(
                    [...at, "to", ...(g.to.length > 1 ? [j] : [])],
                    name,
                    "names no declared egress destination",
                    suggest(name, [...destinationNames]) ?? "declare it under network.egressDestinations",
                );
                return false;
            });
            for (const ref of from) for (const name of to) egress.push({ from: ref, to: name });
        });
        net.egressDestinations.forEach((d, i) => {
            if (destinationNames.has(d.name) && !used.has(d.name))
                this.warn(
                    ["network", "egressDestinations", i, "name"],
                    d.name,
                    "is declared but no app may reach it",
                    "grant it under network.egress, or remove it",
                );
        });

        const stsCidrs = net.podCredentials.stsCidrs.map((c, i) => this.cidr(c, ["network", "podCredentials", "stsCidrs", i]));
        stsCidrs.forEach((b, i) => {
            if (b)
                this.refuseInstanceMetadata(
                    { cidr: formatCidr(b), except: [] },
                    ["network", "podCredentials", "stsCidrs", i],
                    "list the subnets of the STS interface endpoint",
                );
        });

        const gateway = this.raw.gateway;
        if (!gateway) return undefined;
        const gatewayClients = this.addressRule(
            { cidrs: gateway.sourceCidrs, includesPods: false, acknowledgeAnyAddress: gateway.acknowledgeAnyAddress },
            ["gateway"],
            addresses,
            "sourceCidrs",
        );
        const edge = this.edge(addresses);

        if (this.problems.length > before || !addresses || !gatewayClients || !edge) return undefined;
        const intent: NetworkIntent = {
            appLabel: net.appLabel,
            defaultDenyEgress: net.defaultDenyEgress,
            namespaces: namespaces.sort((a, b) => cmp(a.name, b.name)),
            toolsNamespace: TOOLS_NAMESPACE,
            addresses,
            gatewayClients,
            platform: platformTraffic(TOOLS_NAMESPACE, gateway.tls !== undefined, edge, this.raw.cluster?.vpc.existing?.apiServerPort),
            flows: [...mergeFlows(flows)],
            cidrSources: cidrSources.sort((a, b) => cmp(a.name, b.name)),
            egressDestinations: egressDestinations.sort((a, b) => cmp(a.name, b.name)),
            egress: uniqueGrants(egress),
            podCredentials: {
                podIdentityAgent: net.podCredentials.podIdentityAgent,
                stsCidrs: (stsCidrs.filter((b) => b) as CidrBlock[]).map(formatCidr).sort(cmp),
            },
        };
        this.securityGroupRules(intent);
        // Names are built from namespaces, apps and entry names; two entries must never meet in one.
        this.collisions(intent, compileIntent(intent));
        return this.problems.length > before ? undefined : intent;
    }

    /**
     * Two children that would get one name: two policies of one name in a namespace (one
     * Kubernetes object for two entries), or two policies of different namespaces whose Pulumi
     * names meet. Each namespace's component is `ns-<namespace>` and names its policies
     * `ns-<namespace>-<policy>` (index.ts, components/segmentedNamespace.ts); children of one type
     * under components of one type share a URN when their names are equal, whichever component
     * is their parent (https://www.pulumi.com/docs/iac/concepts/resources/names/#urns), so
     * namespace `shop` with app `api-from-web` and namespace `shop-from-api` with app `web`, both
     * calling payments/api, would register `ns-shop-from-api-from-web-to-payments.api` twice.
     * Refused before anything is registered, with the key paths of both entries.
     */
    private collisions(intent: NetworkIntent, plans: ReturnType<typeof compileIntent>): void {
        const net = this.raw.network!;
        const seen = new Map<string, { namespace: string; policy: string }>();
        for (const plan of plans) {
            const namespace = plan.namespace.metadata.name;
            const names = new Set<string>();
            for (const p of plan.allows) {
                const policy = p.metadata.name;
                // Kept in step with index.ts (`ns-${name}`) and SegmentedNamespace (`${name}-${policy}`).
                const pulumiName = `ns-${namespace}-${policy}`;
                const earlier = names.has(policy) ? { namespace, policy } : seen.get(pulumiName);
                names.add(policy);
                if (!earlier) {
                    seen.set(pulumiName, { namespace, policy });
                    continue;
                }
                const here = this.originsOf(intent, net, namespace, policy);
                const there = this.originsOf(intent, net, earlier.namespace, earlier.policy);
                const [first, ...others] = [...new Set([...there, ...here].map((path) => JSON.stringify(path)))].map(
                    (text) => JSON.parse(text) as (string | number)[],
                );
                const what =
                    earlier.namespace === namespace
                        ? `compile to two policies named ${namespace}/${policy}`
                        : `compile to policies ${earlier.namespace}/${earlier.policy} and ${namespace}/${policy}, both registered as ${pulumiName} (one Pulumi URN)`;
                this.problem(
                    first!,
                    pulumiName,
                    `this entry and ${others.map((o) => keyPath(o)).join(" and ") || "another"} ${what}`,
                    "rename one of the apps, namespaces, CIDR sources or destinations involved",
                );
            }
        }
    }

    /**
     * The key paths of the entries behind a policy: the flows, CIDR sources and egress grants
     * without which the namespace would have one policy of that name fewer (the generator
     * decides, compiled again without each candidate), else the namespace's own entry.
     */
    private originsOf(
        intent: NetworkIntent,
        net: NonNullable<CheckedSections["network"]>,
        namespace: string,
        policy: string,
    ): (string | number)[][] {
        const count = (i: NetworkIntent) =>
            compileIntent(i)
                .filter((p) => p.namespace.metadata.name === namespace)
                .flatMap((p) => p.allows)
                .filter((p) => p.metadata.name === policy).length;
        const whole = count(intent);
        const paths: (string | number)[][] = [];
        intent.flows.forEach((f, k) => {
            if (f.from.namespace !== namespace && f.to.namespace !== namespace) return;
            if (count({ ...intent, flows: intent.flows.filter((_, j) => j !== k) }) >= whole) return;
            net.flows.forEach(
                (r, i) => r.from === appRefString(f.from) && r.to === appRefString(f.to) && paths.push(["network", "flows", i]),
            );
        });
        intent.cidrSources.forEach((c, k) => {
            if (c.to.namespace !== namespace) return;
            if (count({ ...intent, cidrSources: intent.cidrSources.filter((_, j) => j !== k) }) >= whole) return;
            net.cidrSources.forEach((r, i) => r.name === c.name && paths.push(["network", "cidrSources", i]));
        });
        intent.egress.forEach((g, k) => {
            if (g.from.namespace !== namespace) return;
            if (count({ ...intent, egress: intent.egress.filter((_, j) => j !== k) }) >= whole) return;
            const listed = (value: string | readonly string[], item: string) =>
                typeof value === "string" ? value === item : value.includes(item);
            net.egress.forEach(
                (r, i) => listed(r.from, appRefString(g.from)) && listed(r.to, g.to) && paths.push(["network", "egress", i]),
            );
        });
        if (paths.length === 0) net.namespaces.forEach((n, i) => n.name === namespace && paths.push(["network", "namespaces", i]));
        return paths;
    }

    /**
     * The edge's places outside the cluster: the ACME server and the AWS APIs (config's ranges,
     * pod ranges excepted, never the instance metadata address), and the load balancer's subnets,
     * where its health checks come from: the layout's public subnets, or with an existing VPC
     * `gateway.loadBalancerController.subnetCidrs`; they must hold no pod address.
     */
    private edge(addresses: ClusterAddresses | undefined): EdgeTraffic | undefined {
        const gateway = this.raw.gateway!;
        const egress = (key: "acme" | "awsApis") => {
            const at = ["gateway", "egress", key];
            const entry = gateway.egress[key];
            const rule = this.addressRule({ ...entry, includesPods: false }, at, addresses);
            rule?.cidrs.forEach((c, j) =>
                this.refuseInstanceMetadata(c, [...at, "cidrs", j], "except 169.254.0.0/16 (link-local), as the stack files do"),
            );
            return rule;
        };
        const acme = egress("acme");
        const awsApis = egress("awsApis");
        const vpc = this.raw.cluster?.vpc;
        const lbAt = ["gateway", "loadBalancerController", "subnetCidrs"];
        let subnets: string[] | undefined;
        if (gateway.loadBalancerController.subnetCidrs) {
            const blocks = gateway.loadBalancerController.subnetCidrs.map((c, i) => this.cidr(c, [...lbAt, i], 4));
            if (blocks.every((b) => b)) subnets = (blocks as CidrBlock[]).map(formatCidr);
        } else if (vpc?.existing) {
            this.problem(
                lbAt,
                undefined,
                "an existing VPC needs the ranges of the load balancer's (public) subnets: its health checks come from there",
                "the CIDRs of cluster.vpc.existing.publicSubnetIds",
            );
        } else if (vpc && addresses) {
            const block = parseCidr(vpc.cidr);
            if (!isCidrError(block)) subnets = [...subnetLayout(formatCidr(block), vpc.availabilityZones).public];
        }
        if (subnets && addresses) {
            const pods = addresses.podCidrs.map((p) => requireCidr(p));
            subnets.forEach((c, i) => {
                if (pods.some((p) => blocksOverlap(p, requireCidr(c))))
                    this.problem(
                        [...lbAt, i],
                        c,
                        "overlaps the pod ranges: an address rule for the load balancer would admit pods",
                        "list the public subnets' ranges",
                    );
            });
        }
        if (!acme || !awsApis || !subnets) return undefined;
        const tls = gateway.tls;
        return {
            issuing: tls !== undefined && tls.certificateSecret === undefined,
            acme,
            awsApis,
            loadBalancerSubnets: { cidrs: subnets.sort(cmp).map((cidr) => ({ cidr, except: [] })), includesPods: false },
        };
    }

    /**
     * The load balancer controller writes one frontend security group rule per client range and
     * listener port (pkg/service/model_build_managed_sg.go, v3.5.0); past the account's quota of
     * inbound rules per group the NLB is never reconciled.
     */
    private securityGroupRules(intent: NetworkIntent): void {
        const gateway = this.raw.gateway!;
        const ranges = exactRanges(gatewayClientBlocks(intent)).length;
        const ports = gatewayListenerPorts(gateway.tls !== undefined).length;
        const quota = gateway.loadBalancerController.securityGroupRuleQuota;
        if (ranges * ports > quota)
            this.problem(
                ["gateway", "sourceCidrs"],
                gateway.sourceCidrs.map((c) => c.cidr),
                `need ${ranges} plain ranges (excepts and pod ranges taken out) x ${ports} listener ports = ${ranges * ports} security group rules, over the quota of ${quota}`,
                "fewer or aligned ranges and excepts, or raise the AWS quota and gateway.loadBalancerController.securityGroupRuleQuota",
            );
    }

    /**
     * The cluster's own address ranges: computed from the VPC range by the subnet layout the
     * cluster component creates, or, for an existing VPC, as configured.
     */
    private addresses(): ClusterAddresses | undefined {
        if (!this.raw.cluster) return undefined;
        const vpc = this.raw.cluster.vpc;
        if (vpc.existing) {
            const existing = vpc.existing;
            const ranges = (key: "podCidrs" | "controlPlaneCidrs") =>
                existing[key].map((c, i) => this.cidr(c, ["cluster", "vpc", "existing", key, i], 4));
            const pods = ranges("podCidrs");
            const controlPlane = ranges("controlPlaneCidrs");
            if ([...pods, ...controlPlane].some((b) => !b)) return undefined;
            const podBlocks = pods as CidrBlock[];
            (controlPlane as CidrBlock[]).forEach((b, i) => {
                if (podBlocks.some((p) => blocksOverlap(p, b)))
                    this.problem(
                        ["cluster", "vpc", "existing", "controlPlaneCidrs", i],
                        formatCidr(b),
                        "overlaps the pod ranges",
                        "the control plane needs subnets no pod can have an address in (EKS: dedicated /28 subnets)",
                    );
            });
            return {
                podCidrs: podBlocks.map(formatCidr).sort(cmp),
                controlPlaneCidrs: (controlPlane as CidrBlock[]).map(formatCidr).sort(cmp),
            };
        }
        const block = this.cidr(vpc.cidr, ["cluster", "vpc", "cidr"], 4);
        if (!block) return undefined;
        if (block.prefix > MAX_VPC_PREFIX) {
            this.problem(
                ["cluster", "vpc", "cidr"],
                vpc.cidr,
                `is too small for the subnet layout (nodes, public and control-plane subnets in ${vpc.availabilityZones} zones)`,
                `use a /${MAX_VPC_PREFIX} or larger, e.g. 10.40.0.0/16`,
            );
            return undefined;
        }
        const layout = subnetLayout(formatCidr(block), vpc.availabilityZones);
        return { podCidrs: [...layout.nodes], controlPlaneCidrs: [...layout.controlPlane] };
    }

    /**
     * The ranges of a CIDR source, an egress destination or the gateway's clients. A range inside
     * the pod ranges would only ever match pods, so it must say `includesPods`; a range covering
     * every address needs `acknowledgeAnyAddress` in production (outside it, a warning).
     */
    private addressRule(
        entry: { cidrs: { cidr: string; except: string[] }[]; includesPods: boolean; acknowledgeAnyAddress: boolean },
        at: (string | number)[],
        addresses: ClusterAddresses | undefined,
        key = "cidrs",
    ): AddressRule | undefined {
        const ranges = entry.cidrs.map((c, j) => this.cidrRange(c, [...at, key, j]));
        if (ranges.some((c) => !c)) return undefined;
        const blocks = ranges.map((c) => c!.block);
        this.warnOverlaps(blocks, [...at, key]);
        if (coversWholeFamily(blocks, this.ipFamily) && !entry.acknowledgeAnyAddress) {
            const say = this.production ? this.problem.bind(this) : this.warn.bind(this);
            say(
                [...at, key],
                entry.cidrs.map((c) => c.cidr),
                "together these ranges cover every address",
                "set acknowledgeAnyAddress: true if that is meant, or list the partner or office ranges",
            );
        }
        if (addresses && !entry.includesPods) {
            const pods = addresses.podCidrs.map((p) => requireCidr(p));
            blocks.forEach((b, j) => {
                const inside = pods.find((p) => blockContainsBlock(p, b));
                if (inside)
                    this.problem(
                        [...at, key, j],
                        entry.cidrs[j]!.cidr,
                        `lies inside the pod range ${formatCidr(inside)}, so it would admit only pods`,
                        "name the pods with a flow instead, or set includesPods: true",
                    );
            });
        }
        return {
            cidrs: ranges.map((c) => c!.range).sort((a, b) => cmp(a.cidr, b.cidr)),
            includesPods: entry.includesPods,
        };
    }

    /** The instance metadata service hands out the node's credentials: no pod may reach it. */
    private refuseInstanceMetadata(range: CidrRange, at: (string | number)[], hint: string): void {
        const metadata = parseIp(INSTANCE_METADATA_IP)!;
        const covers =
            blockContainsIp(requireCidr(range.cidr), metadata) && !range.except.some((e) => blockContainsIp(requireCidr(e), metadata));
        if (covers)
            this.problem(at, range.cidr, `covers the instance metadata address ${INSTANCE_METADATA_IP}, which no pod may reach`, hint);
    }

    /** A short lowercase name, unique among its kind. */
    private shortName(name: string, path: (string | number)[], seen: Set<string>): void {
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 40) {
            this.problem(path, name, "is not a short lowercase name (DNS-1123 label, at most 40 characters)", "e.g. office-vpn");
        } else if (seen.has(name)) this.problem(path, name, "is declared twice", "merge the two entries or rename one");
        seen.add(name);
    }

    /** `ns/app`, `ns/*` or a list of them; `*` may not stand beside app names of its namespace. */
    private appRefList(texts: readonly string[], path: (string | number)[], apps: ReadonlyMap<string, readonly string[]>): AppRef[] {
        const refs: AppRef[] = [];
        texts.forEach((text, j) => {
            const ref = this.appRef(text, texts.length > 1 ? [...path, j] : path, apps, true);
            if (ref) refs.push(ref);
        });
        for (const ref of refs) {
            if (ref.app === ALL_APPS && refs.some((r) => r.namespace === ref.namespace && r.app !== ALL_APPS)) {
                this.problem(
                    path,
                    texts,
                    `mixes ${ref.namespace}/* with apps of ${ref.namespace}`,
                    `${ref.namespace}/* already names every app; keep one`,
                );
                return [];
            }
        }
        return refs;
    }

    cluster(): void {
        const c = this.raw.cluster;
        if (!c) return;
        if (!/^[a-zA-Z][-a-zA-Z0-9]{0,99}$/.test(c.name))
            this.problem(
                ["cluster", "name"],
                c.name,
                "is not a valid EKS cluster name",
                "letters, digits and dashes, starting with a letter",
            );
        this.kubernetesVersion(c.kubernetesVersion, c.upgradePolicy);
        if (c.ipFamily === "ipv6")
            this.problem(["cluster", "ipFamily"], c.ipFamily, "IPv6 clusters are not supported by this program yet", "use ipv4");
        const n = c.nodeGroup;
        // Each bound is reported on the key that breaks it: maxSize below minSize is maxSize's
        // problem, whatever desiredSize says.
        if (n.maxSize < n.minSize) {
            this.problem(["cluster", "nodeGroup", "maxSize"], n.maxSize, `is below minSize (${n.minSize})`);
        } else if (!(n.minSize <= n.desiredSize && n.desiredSize <= n.maxSize)) {
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
        this.endpoint(c.endpoint);
        this.deployer(c.accessEntries);
        this.permissionsBoundary(c.permissionsBoundaryArn);
    }

    /**
     * The bootstrap's deploy role may create a role, or give one permissions, only with the
     * permissions boundary `platform-boundary` (bootstrap/policies.ts), so every role of the stack
     * carries it; without it the first `up` stops at the first role.
     */
    private permissionsBoundary(arn: string | undefined): void {
        const at = ["cluster", "permissionsBoundaryArn"];
        if (arn === undefined)
            this.warn(
                at,
                undefined,
                "is not set: the bootstrap's deploy role creates roles only with its permissions boundary, so `pulumi up` with that role fails at the first IAM role",
                "the bootstrap's output permissionsBoundaryArn, e.g. arn:aws:iam::111122223333:policy/platform-boundary",
            );
        else if (!/^arn:aws(-[a-z]+)*:iam::\d{12}:policy\/[\w+=,.@/-]+$/.test(arn))
            this.problem(at, arn, "is not the ARN of an IAM policy", "arn:aws:iam::<account>:policy/platform-boundary");
    }

    /**
     * The version against the EKS calendar (config/kubernetes.ts): a version EKS does not offer
     * is refused; one past the end of standard support is warned with the date, and the warning
     * says what `upgradePolicy` does then (EKS User Guide, "Cluster upgrade policy": EXTENDED
     * bills extended support, STANDARD upgrades the cluster at the end of standard support).
     */
    private kubernetesVersion(version: string, policy: "STANDARD" | "EXTENDED"): void {
        const at = ["cluster", "kubernetesVersion"];
        // The upgrade target: the newest minor in standard support that the pinned charts were
        // checked against (a newer one would plan with the warning below).
        const inStandard = newestInStandardSupport(this.today);
        const newest =
            inStandard !== undefined &&
            compareMinor(inStandard, CHARTS_CHECKED_UP_TO) > 0 &&
            versionSupport(CHARTS_CHECKED_UP_TO, this.today).kind === "standard"
                ? CHARTS_CHECKED_UP_TO
                : inStandard;
        if (!isMinorVersion(version)) {
            this.problem(at, version, "is not a Kubernetes minor version such as 1.35", `quote it: "${newest ?? "1.35"}"`);
            return;
        }
        const support = versionSupport(version, this.today);
        if (support.kind !== "unknown" && compareMinor(version, CHARTS_CHECKED_UP_TO) > 0)
            this.warn(
                at,
                version,
                `is newer than ${CHARTS_CHECKED_UP_TO}, the newest version the pinned Calico, NGINX Gateway Fabric and EKS add-ons were checked against`,
                "check their support for it, then raise CHARTS_CHECKED_UP_TO in config/kubernetes.ts",
            );
        switch (support.kind) {
            case "unknown":
                this.problem(
                    at,
                    version,
                    "is not a version EKS offers (config/kubernetes.ts, from the EKS release calendar)",
                    `one of ${EKS_VERSIONS.map((v) => v.minor).join(", ")}`,
                );
                return;
            case "ended":
                this.problem(
                    at,
                    version,
                    `left EKS extended support on ${support.version.endOfExtendedSupport}: EKS upgrades such a cluster itself`,
                    `upgrade one minor version at a time, nonprod first, to ${newest ?? "a supported version"}`,
                );
                return;
            case "extended":
                this.warn(
                    at,
                    version,
                    `left EKS standard support on ${support.version.endOfStandardSupport}` +
                        (policy === "EXTENDED"
                            ? `: the cluster bills extended support until ${support.version.endOfExtendedSupport}`
                            : ": with upgradePolicy STANDARD, EKS upgrades the cluster itself"),
                    `upgrade one minor version at a time, nonprod first, to ${newest ?? "a supported version"} (README, Kubernetes versions)`,
                );
                return;
            case "standard":
                return;
            default: {
                const never: never = support;
                throw new Error(`unknown support ${JSON.stringify(never)}`);
            }
        }
    }

    /**
     * Exactly one entry is the deployer, and it is a platform cluster admin: EKS's own creator
     * admin (bootstrapClusterCreatorAdminPermissions) is turned off, so this entry is the only way
     * the update itself reaches the cluster, and the one place that says who can.
     */
    private deployer(entries: RawConfig["cluster"]["accessEntries"]): void {
        const deployers = entries.map((e, i) => ({ e, i })).filter(({ e }) => e.deployer);
        if (deployers.length === 0) {
            this.problem(
                ["cluster", "accessEntries"],
                entries.map((e) => e.name),
                "no entry is the deployer: with EKS's creator admin turned off, `pulumi up` could not reach the cluster it creates",
                "add the deploy role: { name: ci-deploy, principalArn: <AWS_DEPLOY_ROLE_ARN>, accessPolicy: AmazonEKSClusterAdminPolicy, platform: true, deployer: true }",
            );
            return;
        }
        for (const { e, i } of deployers.slice(1))
            this.problem(
                ["cluster", "accessEntries", i, "deployer"],
                e.deployer,
                `${deployers[0]!.e.name} is already the deployer`,
                "one deploy role per stack",
            );
        const { e, i } = deployers[0]!;
        if (e.accessPolicy !== "AmazonEKSClusterAdminPolicy" || !e.platform)
            this.problem(
                ["cluster", "accessEntries", i],
                e.name,
                "the deployer applies cluster-scoped objects (CRDs, ClusterRoles, admission policies) and needs AmazonEKSClusterAdminPolicy as a platform principal",
                "accessPolicy: AmazonEKSClusterAdminPolicy, platform: true",
            );
    }

    /**
     * The API endpoint (EKS User Guide, "Cluster API server endpoint" and "Configure network
     * access to cluster API server endpoint", docs.aws.amazon.com/eks/latest/userguide/, read
     * 2026-11): public access can be limited to CIDR blocks that "cannot include reserved
     * addresses"; an empty list means every address; with private access off, nodes reach the
     * API through the public endpoint, from their NAT gateway's address, so "your public access
     * endpoint CIDR sources must include the egress sources from your VPC".
     */
    /** A list whose entries must each appear once: the later ones are refused with their index. */
    private noRepeats(at: (string | number)[], values: readonly string[], why: string): void {
        values.forEach((v, i) => {
            const first = values.indexOf(v);
            if (first < i) this.problem([...at, i], v, `is listed twice (first at ${first}): ${why}`, "list it once");
        });
    }

    private endpoint(e: RawConfig["cluster"]["endpoint"]): void {
        const at = ["cluster", "endpoint"];
        if (!e.privateAccess && !e.publicAccess) {
            this.problem(at, e, "the API endpoint would be reachable from nowhere", "set privateAccess: true");
        }
        const privateBlocks = e.privateAccessCidrs.map((cidr, i) => this.cidr(cidr, [...at, "privateAccessCidrs", i], 4));
        if (e.privateAccessCidrs.length > 0 && !e.privateAccess)
            this.problem(
                [...at, "privateAccessCidrs"],
                e.privateAccessCidrs,
                "has no meaning while privateAccess is false: these ranges reach the API through the private endpoint",
                "set privateAccess: true, or list public addresses under publicAccessCidrs",
            );
        this.noRepeats(
            [...at, "privateAccessCidrs"],
            e.privateAccessCidrs,
            "each range is one security group rule, and a rule given twice is one Pulumi name",
        );
        // Each range is one inbound rule on the control plane's security group, which also holds
        // pulumi-eks's rule from the node security group (4.3.0 clusterIngressRule); AWS admits
        // 60 inbound rules per security group by default (Amazon VPC User Guide, "Amazon VPC
        // quotas", security groups), the same quota gateway.loadBalancerController.securityGroupRuleQuota names.
        const apiRuleRoom = (this.raw.gateway?.loadBalancerController.securityGroupRuleQuota ?? 60) - 1;
        if (e.privateAccessCidrs.length > apiRuleRoom)
            this.problem(
                [...at, "privateAccessCidrs"],
                e.privateAccessCidrs,
                `${e.privateAccessCidrs.length} ranges need as many inbound rules on the control plane's security group, which has room for ${apiRuleRoom} (the quota less pulumi-eks's own rule)`,
                "aggregate the ranges, or raise the AWS quota and gateway.loadBalancerController.securityGroupRuleQuota",
            );
        if (privateBlocks.every((b) => b) && privateBlocks.length > 0 && coversWholeFamily(privateBlocks as CidrBlock[], 4))
            this.problem(
                [...at, "privateAccessCidrs"],
                e.privateAccessCidrs,
                "together these ranges cover every address: the API's security group would admit anyone who reaches the VPC",
                "list the runner, transit and VPN ranges",
            );
        const blocks = e.publicAccessCidrs.map((cidr, i) => this.cidr(cidr, [...at, "publicAccessCidrs", i], 4));
        this.noRepeats([...at, "publicAccessCidrs"], e.publicAccessCidrs, "EKS takes each range once");
        if (!e.publicAccess && e.publicAccessCidrs.length > 0) {
            // The sweep of issue 12 saw `pulumi up` fail on this in pulumi-eks (4.3.0); before, the
            // list was silently ignored (pulumi/pulumi-eks#1436). Either way it is a mistake.
            this.problem(
                [...at, "publicAccessCidrs"],
                e.publicAccessCidrs,
                "has no meaning while publicAccess is false, and the update would fail",
                "remove publicAccessCidrs, or set publicAccess: true",
            );
            return;
        }
        if (!e.publicAccess) return;
        blocks.forEach((block, i) => {
            const reserved = block && RESERVED_RANGES.find((r) => blockContainsBlock(r.block, block));
            if (reserved)
                this.problem(
                    [...at, "publicAccessCidrs", i],
                    e.publicAccessCidrs[i],
                    `is inside ${formatCidr(reserved.block)} (${reserved.what}), which EKS refuses for the public endpoint: no such address reaches it from the internet`,
                    "VPC addresses reach the API through privateAccess: true; list public addresses here",
                );
        });
        if (!blocks.every((b) => b)) return;
        // EKS treats an empty list as 0.0.0.0/0.
        const open = e.publicAccessCidrs.length === 0 || coversWholeFamily(blocks as CidrBlock[], 4);
        if (open && this.production)
            this.problem(
                [...at, "publicAccessCidrs"],
                e.publicAccessCidrs,
                "a production API endpoint must not be open to 0.0.0.0/0",
                "list the office and CI ranges, or set publicAccess: false",
            );
        if (!open && !e.privateAccess)
            this.problem(
                [...at, "privateAccess"],
                e.privateAccess,
                "with the public endpoint limited to publicAccessCidrs, nodes in the private subnets could not reach the API and would never join",
                "set privateAccess: true",
            );
    }

    /**
     * Node and tenant credentials: the metadata hop limit, who is platform, which team an access
     * entry belongs to; then the namespaces' Pod Security levels, quotas and limits. Returns the
     * tenancy settings, undefined when they are invalid.
     */
    tenancy(): TenancySettings | undefined {
        const before = this.problems.length;
        const c = this.raw.cluster;
        const t = this.raw.tenancy;
        // Each needs the cluster, the teams of the network section and the tenancy section.
        if (!c || !t || !this.raw.network) return undefined;
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

    /**
     * The hostnames each business namespace's HTTPRoutes may claim (network.namespaces[].hostnames),
     * for the admission policy of compiler/admission.ts. A hostname is a Gateway API Hostname
     * (gateway.networking.k8s.io/v1 HTTPRoute spec.hostnames: a DNS subdomain, lowercase, with an
     * optional `*.` wildcard label in front); no hostname is granted to two namespaces, or one team
     * could serve the other's traffic.
     */
    hostnameGrants(): Record<string, string[]> | undefined {
        const net = this.raw.network;
        if (!net) return undefined;
        const before = this.problems.length;
        const owner = new Map<string, string>();
        const grants: Record<string, string[]> = {};
        net.namespaces.forEach((ns, i) => {
            const granted = new Set<string>();
            ns.hostnames.forEach((h, j) => {
                const at = ["network", "namespaces", i, "hostnames", j];
                if (!isGatewayHostname(h)) {
                    this.problem(
                        at,
                        h,
                        "is not a hostname an HTTPRoute can claim",
                        "lowercase DNS name such as shop.example.com, or *.shop.example.com",
                    );
                    return;
                }
                const first = owner.get(h);
                if (first !== undefined && first !== ns.name) {
                    this.problem(at, h, `is already granted to namespace ${first}`, "a hostname belongs to one namespace");
                    return;
                }
                owner.set(h, ns.name);
                granted.add(h);
            });
            grants[ns.name] = [...granted].sort(cmp);
        });
        if (this.problems.length > before) return undefined;
        this.hostnamesServed(grants);
        return grants;
    }

    /**
     * With cert-manager issuing (gateway.tls.hostnames), every hostname a namespace may claim has an
     * HTTPS listener (and so a certificate) whose hostname covers it: otherwise the team's route
     * attaches to no HTTPS listener (Gateway API: a route attaches where its hostnames intersect
     * the listener's) and the name is served by nothing. A listener no namespace may use is a
     * certificate issued for nobody: a warning.
     */
    private hostnamesServed(grants: Record<string, string[]>): void {
        const tls = this.raw.gateway?.tls;
        if (!tls || tls.certificateSecret !== undefined || tls.hostnames.length === 0) return;
        const net = this.raw.network!;
        net.namespaces.forEach((ns, i) =>
            ns.hostnames.forEach((h, j) => {
                if (!tls.hostnames.some((listener) => hostnameCovers(listener, h)))
                    this.problem(
                        ["network", "namespaces", i, "hostnames", j],
                        h,
                        "has no HTTPS listener on the shared Gateway: no certificate is issued for it and no route can claim it",
                        `add it (or a *. wildcard over it) to gateway.tls.hostnames: ${tls.hostnames.join(", ")}`,
                    );
            }),
        );
        const granted = Object.values(grants).flat();
        tls.hostnames.forEach((listener, i) => {
            if (!granted.some((h) => hostnameCovers(listener, h)))
                this.warn(
                    ["gateway", "tls", "hostnames", i],
                    listener,
                    "is granted to no namespace (network.namespaces[].hostnames): its certificate serves no route",
                    "grant it to the namespace that serves it, or drop it",
                );
        });
    }

    /** The rules of config/checks/accounts.ts: overlapping hostname grants, the stack's account, the endpoint's runners. */
    accounts(): void {
        const found = accountRules(this.raw);
        this.problems.push(...found.problems);
        this.warnings.push(...found.warnings);
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
        if (this.raw.calico)
            this.chartVersion(["calico", "version"], this.raw.calico.version, {
                product: "Calico",
                example: "v3.32.2",
                // The releases attach crd.projectcalico.org.v1-<version>.tgz from v3.32 on
                // (github.com/projectcalico/calico releases v3.32.2-v3.32.4); v3.31.7 ships only
                // tigera-operator-v3.31.7.tgz, whose CRDs components/calico.ts does not install.
                minimum: "v3.32.0",
                minimumReason:
                    "the first Calico release whose CRDs ship as their own chart (crd.projectcalico.org.v1), which this program installs",
            });
        const gateway = this.raw.gateway;
        if (!gateway) return;
        this.chartVersion(["gateway", "chartVersion"], gateway.chartVersion, { example: GATEWAY_CHART_EXAMPLE });
        // A release download URL takes no range: exact everywhere.
        if (!/^v\d+\.\d+\.\d+$/.test(gateway.gatewayApiVersion))
            this.problem(
                ["gateway", "gatewayApiVersion"],
                gateway.gatewayApiVersion,
                "is not an exact Gateway API release",
                `e.g. ${GATEWAY_API_EXAMPLE}`,
            );
        if (this.production && !gateway.tls)
            this.problem(
                ["gateway", "tls"],
                undefined,
                "production serves HTTPS: the gateway needs its certificate",
                "tls: { hostnames: [shop.example.com], hostedZoneId: Z0123456789ABCDEFGHIJ }",
            );
        this.chartVersion(["gateway", "certManager", "chartVersion"], gateway.certManager.chartVersion, {
            example: CERT_MANAGER_CHART_EXAMPLE,
        });
        this.chartVersion(["gateway", "loadBalancerController", "chartVersion"], gateway.loadBalancerController.chartVersion, {
            example: LB_CONTROLLER_CHART_EXAMPLE,
            // docs.aws.amazon.com/eks/latest/userguide/aws-load-balancer-controller.html: 2.7.2 or later.
            minimum: "2.7.2",
            minimumReason: "the oldest AWS recommends on EKS",
        });
        this.gatewayTls();
        const edge = edgeOperationChecks(gateway, this.raw.environment);
        this.problems.push(...edge.problems);
        this.warnings.push(...edge.warnings);
    }

    /**
     * The HTTPS listeners: hostnames that a certificate can name, each once; either the user's
     * own Secret or cert-manager issuing through Route 53 (then the hosted zone is required); in
     * production no staging issuer, whose certificates no browser trusts.
     */
    private gatewayTls(): void {
        const tls = this.raw.gateway?.tls;
        if (!tls) return;
        const at = ["gateway", "tls"];
        const seen = new Set<string>();
        tls.hostnames.forEach((h, i) => {
            if (!/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(h) || h.length > 253)
                this.problem(
                    [...at, "hostnames", i],
                    h,
                    "is not a DNS name a certificate can hold",
                    "e.g. shop.example.com or *.shop.example.com",
                );
            else if (seen.has(h)) this.problem([...at, "hostnames", i], h, "is listed twice");
            seen.add(h);
        });
        if (tls.certificateSecret !== undefined) {
            if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(tls.certificateSecret))
                this.problem([...at, "certificateSecret"], tls.certificateSecret, "is not a Secret name", "e.g. shop-tls");
            for (const key of ["issuer", "hostedZoneId", "email"] as const)
                if (tls[key] !== undefined)
                    this.problem(
                        [...at, key],
                        tls[key],
                        "is for cert-manager issuing, but certificateSecret names your own certificate",
                        "keep one of the two",
                    );
            return;
        }
        if (tls.hostnames.length === 0)
            this.problem(
                [...at, "hostnames"],
                [],
                "cert-manager issues one certificate per hostname: name at least one, or bring your own certificateSecret",
                "hostnames: [shop.example.com]",
            );
        if (tls.hostedZoneId === undefined)
            this.problem(
                [...at, "hostedZoneId"],
                undefined,
                "cert-manager answers the DNS-01 challenges in this Route 53 zone, and its role may write only there",
                "the hosted zone ID of the hostnames, e.g. Z0123456789ABCDEFGHIJ",
            );
        else if (!/^Z[A-Z0-9]{1,32}$/.test(tls.hostedZoneId))
            this.problem([...at, "hostedZoneId"], tls.hostedZoneId, "is not a Route 53 hosted zone ID", "e.g. Z0123456789ABCDEFGHIJ");
        if (this.production && tls.issuer === "letsencrypt-staging")
            this.problem([...at, "issuer"], tls.issuer, "issues certificates no browser trusts", "letsencrypt (the default in production)");
        // One Secret per listener name: two hostnames must not spell the same name.
        const names = httpsListeners({ hostnames: [...seen] }).map((l) => l.name);
        if (new Set(names).size !== names.length)
            this.problem([...at, "hostnames"], tls.hostnames, "two hostnames give the same listener name", "drop one of them");
    }

    /**
     * A Helm chart version key, for any chart: an exact SemVer, or outside production a
     * constraint Helm resolves (`~3.32.0`); production pins it exactly. With `minimum`, no version
     * the key admits may be older.
     */
    chartVersion(
        path: (string | number)[],
        text: string,
        chart: { readonly example: string; readonly product?: string; readonly minimum?: string; readonly minimumReason?: string },
    ): void {
        const spec = parseVersionSpec(text);
        const what = chart.product ? `${chart.product} version` : "chart version";
        if (!spec) {
            this.problem(
                path,
                text,
                `is not a ${what}`,
                this.production
                    ? `an exact SemVer, e.g. ${chart.example}`
                    : `a SemVer such as ${chart.example}, or a range such as ~${chart.example.replace(/^v/, "")}`,
            );
            return;
        }
        if (spec.kind === "range" && this.production) {
            this.problem(path, text, `production pins an exact ${what}`, `e.g. ${chart.example}`);
            return;
        }
        const minimum = chart.minimum ? parseVersion(chart.minimum) : undefined;
        if (!minimum) return;
        const lowest = spec.kind === "exact" ? spec.version : spec.lowest;
        if (lowest === undefined || compareVersions(lowest, minimum) < 0) {
            const older = spec.kind === "exact" ? "is older than" : `admits ${lowest ? formatVersion(lowest) : "versions"} older than`;
            this.problem(
                path,
                text,
                `${older} ${chart.minimum}, ${chart.minimumReason ?? "the oldest this program supports"}`,
                `e.g. ${chart.example}`,
            );
        }
    }

    private appRef(
        text: string,
        path: (string | number)[],
        apps: ReadonlyMap<string, readonly string[]>,
        wholeNamespace = false,
    ): AppRef | undefined {
        const parts = text.split("/");
        if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
            this.problem(
                path,
                text,
                "is not namespace/app",
                wholeNamespace ? "e.g. checkout/api, or checkout/* for every app" : "e.g. checkout/api",
            );
            return undefined;
        }
        const [namespace, app] = parts as [string, string];
        const known = apps.get(namespace);
        if (!known) {
            this.problem(path, text, `names unknown namespace ${shorten(namespace)}`, suggest(namespace, [...apps.keys()]));
            return undefined;
        }
        if (app === ALL_APPS && wholeNamespace) return { namespace, app };
        if (!known.includes(app)) {
            this.problem(
                path,
                text,
                `names app ${shorten(app)}, which namespace ${namespace} does not run`,
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
            // Some of parseCidr's errors carry their own example; one is enough.
            this.problem(path, text, shorten(block.error), block.error.includes("e.g.") ? undefined : "e.g. 10.0.0.0/16");
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
                    `is not inside ${shorten(entry.cidr)}`,
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

/**
 * IPv4 ranges that never reach a public endpoint from the internet, which EKS refuses in
 * publicAccessCidrs ("reserved addresses", EKS User Guide). The documentation ranges of RFC 5737
 * are left out on purpose: the stack files use them as stand-ins for public addresses.
 */
const RESERVED_RANGES = [
    { cidr: "0.0.0.0/8", what: '"this network", RFC 1122' },
    { cidr: "10.0.0.0/8", what: "private, RFC 1918" },
    { cidr: "100.64.0.0/10", what: "carrier-grade NAT, RFC 6598" },
    { cidr: "127.0.0.0/8", what: "loopback, RFC 1122" },
    { cidr: "169.254.0.0/16", what: "link-local, RFC 3927" },
    { cidr: "172.16.0.0/12", what: "private, RFC 1918" },
    { cidr: "192.168.0.0/16", what: "private, RFC 1918" },
    { cidr: "224.0.0.0/4", what: "multicast, RFC 5771" },
    { cidr: "240.0.0.0/4", what: "reserved, RFC 1112" },
].map((r) => ({ block: requireCidr(r.cidr), what: r.what }));

// ---------------------------------------------------------------------------------------------
// Kubernetes name and label rules (k8s.io/apimachinery/pkg/util/validation)

/** `cidr` and `dest` too: policy names say `from-cidr.<source>` and `to-dest.<destination>`. */
const RESERVED_NAMESPACES = [
    "default",
    "tigera-operator",
    TOOLS_NAMESPACE,
    CERT_MANAGER_NAMESPACE,
    LB_CONTROLLER_NAMESPACE,
    "cidr",
    "dest",
];
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

/** gateway.networking.k8s.io/v1 Hostname: at most 253 characters, DNS labels, an optional leading `*.`; no IP address. */
/**
 * A listener hostname covers a route hostname when they are equal, or the listener's `*.` wildcard
 * stands for one or more labels in front of its suffix (Gateway API v1 Listener.hostname: `*.example.com`
 * matches `foo.example.com` and `foo.bar.example.com`, not `example.com`); a wildcard route hostname
 * is covered by a listener wildcard of the same or a shorter suffix.
 */
export function hostnameCovers(listener: string, route: string): boolean {
    if (listener === route) return true;
    if (!listener.startsWith("*.")) return false;
    const suffix = listener.slice(1);
    const name = route.startsWith("*.") ? route.slice(2) : route;
    return name.endsWith(suffix) && name.length > suffix.length;
}

function isGatewayHostname(text: string): boolean {
    return (
        text.length <= 253 &&
        /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(text) &&
        !/^[0-9.]+$/.test(text) &&
        text.split(".").every((label) => label.length <= 63)
    );
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

/** One grant per (app, destination), sorted. */
function uniqueGrants(grants: readonly EgressGrant[]): EgressGrant[] {
    const byKey = new Map(grants.map((g) => [`${g.from.namespace}/${g.from.app}>${g.to}`, g]));
    return [...byKey.entries()].sort(([a], [b]) => cmp(a, b)).map(([, g]) => g);
}

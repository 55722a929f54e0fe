/**
 * The network section (network intent): namespaces and their apps, flows, CIDR sources, egress
 * destinations and grants, pod credentials; builds the NetworkIntent the compiler takes.
 */
import { CidrBlock, formatCidr } from "../../engine/cidr";
import {
    AppRef,
    CidrSource,
    EgressDestination,
    EgressGrant,
    Flow,
    INSTANCE_METADATA_IP,
    NetworkIntent,
    TOOLS_NAMESPACE,
} from "../../compiler/intent";
import { platformTraffic } from "../../compiler/platform";
import { ALL_APPS_NAME, compileIntent, mergeFlows, portString } from "../../compiler/generate";
import { suggest } from "../problems";
import { CheckContext, cmp } from "./context";
import { clusterAddresses, addressRule, refuseInstanceMetadata, cidrBlock } from "./addressRanges";
import { edgeTraffic, securityGroupRules } from "./edge";
import { LABEL_VALUE_HINT, namespaceNameProblem, isLabelValue, isQualifiedLabelKey } from "./names";
import { shortName, appRefList, appRef, ports } from "./networkEntries";
import { collisions } from "./policyNames";

/** Checks the network section and builds the intent from it; undefined when it is invalid. */
export function networkIntent(ctx: CheckContext): NetworkIntent | undefined {
    const net = ctx.raw.network;
    if (!net) return undefined;
    const before = ctx.problems.length;
    if (!isQualifiedLabelKey(net.appLabel))
        ctx.problem(["network", "appLabel"], net.appLabel, "is not a valid label key", "e.g. app or app.kubernetes.io/name");

    const appsByNamespace = new Map<string, string[]>();
    net.namespaces.forEach((ns, i) => {
        const at = ["network", "namespaces", i];
        const nameProblem = namespaceNameProblem(ns.name);
        if (nameProblem) ctx.problem([...at, "name"], ns.name, nameProblem.message, nameProblem.hint);
        else if (appsByNamespace.has(ns.name)) ctx.problem([...at, "name"], ns.name, "is declared twice", "merge the two entries");
        if (!isLabelValue(ns.team) || ns.team === "") ctx.problem([...at, "team"], ns.team, "is not a valid label value", LABEL_VALUE_HINT);
        const seen = new Set<string>();
        ns.apps.forEach((app, j) => {
            // Apps name policies too (`from-checkout.api-to-api`), so they follow the stricter DNS-1123 label rule.
            if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(app) || app.length > 63)
                ctx.problem(
                    [...at, "apps", j],
                    app,
                    "is not a DNS-1123 label (lowercase letters, digits and '-'), which policy names built from it need",
                    "e.g. image-resizer",
                );
            else if (app.includes("-to-"))
                ctx.problem([...at, "apps", j], app, "contains -to-, which policy names use between source and destination", "rename it");
            else if (seen.has(app)) ctx.problem([...at, "apps", j], app, "is listed twice");
            else if (app === ALL_APPS_NAME)
                ctx.problem(
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
        appRef(ctx, text, path, appsByNamespace, wholeNamespace);
    const webPorts = ports(ctx, net.webPorts, ["network", "webPorts"]);
    const namespaces = net.namespaces.map((ns, i) => ({
        name: ns.name,
        team: ns.team,
        apps: [...ns.apps].sort(cmp),
        webPorts: ns.webPorts ? ports(ctx, ns.webPorts, ["network", "namespaces", i, "webPorts"]) : webPorts,
    }));
    const addresses = clusterAddresses(ctx);

    const flows: Flow[] = [];
    const flowKeys = new Map<string, number>();
    net.flows.forEach((f, i) => {
        const at = ["network", "flows", i];
        const from = refs(f.from, [...at, "from"]);
        const to = refs(f.to, [...at, "to"]);
        if (f.ports === undefined || f.ports.length === 0) {
            if (ctx.production)
                ctx.problem(
                    [...at, "ports"],
                    f.ports,
                    "a production flow must name its ports",
                    "list the ports the destination serves, e.g. [8080]",
                );
            else
                ctx.warn(
                    [...at, "ports"],
                    f.ports,
                    "a flow without ports admits every port, which production refuses",
                    "list the ports the destination serves, e.g. [8080]",
                );
        }
        const flowPorts = ports(ctx, f.ports ?? [], [...at, "ports"]);
        if (!from || !to) return;
        if (from.namespace === to.namespace) {
            ctx.warn(
                at,
                f,
                `${f.from} -> ${f.to} stays inside namespace ${from.namespace}, which allow-same-namespace already admits`,
                "remove the flow",
            );
        }
        const key = `${f.from}>${f.to}>${flowPorts.map(portString).join(",")}`;
        const first = flowKeys.get(key);
        if (first !== undefined) ctx.warn(at, f, `repeats network.flows[${first}]`, "the duplicate is ignored");
        else flowKeys.set(key, i);
        flows.push({ from, to, ports: flowPorts });
    });

    const cidrSources: CidrSource[] = [];
    const sourceNames = new Set<string>();
    net.cidrSources.forEach((s, i) => {
        const at = ["network", "cidrSources", i];
        shortName(ctx, s.name, [...at, "name"], sourceNames);
        const to = refs(s.to, [...at, "to"]);
        const sourcePorts = ports(ctx, s.ports ?? [], [...at, "ports"]);
        if (s.ports === undefined || s.ports.length === 0) {
            if (ctx.production) ctx.problem([...at, "ports"], s.ports, "a production CIDR source must name its ports", "e.g. [443]");
            else
                ctx.warn(
                    [...at, "ports"],
                    s.ports,
                    "a CIDR source without ports admits every port, which production refuses",
                    "e.g. [443]",
                );
        }
        const rule = addressRule(ctx, s, at, addresses);
        if (!rule || !to) return;
        cidrSources.push({ name: s.name, to, ports: sourcePorts, ...rule });
    });

    const egressDestinations: EgressDestination[] = [];
    const destinationNames = new Set<string>();
    net.egressDestinations.forEach((d, i) => {
        const at = ["network", "egressDestinations", i];
        shortName(ctx, d.name, [...at, "name"], destinationNames);
        const destinationPorts = ports(ctx, d.ports ?? [], [...at, "ports"]);
        (d.ports ?? []).forEach((p, j) => {
            if (typeof p.port === "string")
                ctx.problem(
                    [...at, "ports", j, "port"],
                    p.port,
                    "is a named port, which resolves on a destination pod and matches nothing outside the cluster",
                    "give the port number",
                );
        });
        if ((d.ports === undefined || d.ports.length === 0) && ctx.production) {
            ctx.problem([...at, "ports"], d.ports, "a production egress destination must name its ports", "e.g. [443]");
        }
        const rule = addressRule(ctx, d, at, addresses);
        if (!rule) return;
        d.cidrs.forEach((c, j) =>
            refuseInstanceMetadata(
                ctx,
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
        const from = appRefList(ctx, g.from, [...at, "from"], appsByNamespace);
        const to = g.to.filter((name, j) => {
            used.add(name);
            if (destinationNames.has(name)) return true;
            ctx.problem(
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
            ctx.warn(
                ["network", "egressDestinations", i, "name"],
                d.name,
                "is declared but no app may reach it",
                "grant it under network.egress, or remove it",
            );
    });

    const stsCidrs = net.podCredentials.stsCidrs.map((c, i) => cidrBlock(ctx, c, ["network", "podCredentials", "stsCidrs", i]));
    stsCidrs.forEach((b, i) => {
        if (b)
            refuseInstanceMetadata(
                ctx,
                { cidr: formatCidr(b), except: [] },
                ["network", "podCredentials", "stsCidrs", i],
                "list the subnets of the STS interface endpoint",
            );
    });

    const gateway = ctx.raw.gateway;
    if (!gateway) return undefined;
    const gatewayClients = addressRule(
        ctx,
        { cidrs: gateway.sourceCidrs, includesPods: false, acknowledgeAnyAddress: gateway.acknowledgeAnyAddress },
        ["gateway"],
        addresses,
        "sourceCidrs",
    );
    const edge = edgeTraffic(ctx, addresses);

    if (ctx.problems.length > before || !addresses || !gatewayClients || !edge) return undefined;
    const intent: NetworkIntent = {
        appLabel: net.appLabel,
        defaultDenyEgress: net.defaultDenyEgress,
        namespaces: namespaces.sort((a, b) => cmp(a.name, b.name)),
        toolsNamespace: TOOLS_NAMESPACE,
        addresses,
        gatewayClients,
        platform: platformTraffic(TOOLS_NAMESPACE, gateway.tls !== undefined, edge, ctx.raw.cluster?.vpc.existing?.apiServerPort),
        flows: [...mergeFlows(flows)],
        cidrSources: cidrSources.sort((a, b) => cmp(a.name, b.name)),
        egressDestinations: egressDestinations.sort((a, b) => cmp(a.name, b.name)),
        egress: uniqueGrants(egress),
        podCredentials: {
            podIdentityAgent: net.podCredentials.podIdentityAgent,
            stsCidrs: (stsCidrs.filter((b) => b) as CidrBlock[]).map(formatCidr).sort(cmp),
        },
    };
    securityGroupRules(ctx, intent);
    // Names are built from namespaces, apps and entry names; two entries must never meet in one.
    collisions(ctx, intent, compileIntent(intent));
    return ctx.problems.length > before ? undefined : intent;
}

/** One grant per (app, destination), sorted. */
export function uniqueGrants(grants: readonly EgressGrant[]): EgressGrant[] {
    const byKey = new Map(grants.map((g) => [`${g.from.namespace}/${g.from.app}>${g.to}`, g]));
    return [...byKey.entries()].sort(([a], [b]) => cmp(a, b)).map(([, g]) => g);
}

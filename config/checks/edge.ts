/**
 * The edge: the gateway's traffic outside the cluster and its security group rules, the hostnames
 * each namespace's routes may claim, and the HTTPS listeners (gateway.tls).
 */
import { CidrBlock, blocksOverlap, formatCidr, isCidrError, parseCidr, requireCidr } from "../../engine/cidr";
import { ClusterAddresses, NetworkIntent } from "../../compiler/intent";
import { subnetLayout } from "../../compiler/subnets";
import { EdgeTraffic, gatewayListenerPorts, httpsListeners } from "../../compiler/platform";
import { gatewayClientBlocks } from "../../compiler/generate";
import { exactRanges } from "../../compiler/addressSet";
import { CheckContext, cmp } from "./context";
import { addressRule, refuseInstanceMetadata, cidrBlock } from "./addressRanges";

/**
 * The edge's places outside the cluster: the ACME server and the AWS APIs (config's ranges,
 * pod ranges excepted, never the instance metadata address), and the load balancer's subnets,
 * where its health checks come from: the layout's public subnets, or with an existing VPC
 * `gateway.loadBalancerController.subnetCidrs`; they must hold no pod address.
 */
export function edgeTraffic(ctx: CheckContext, addresses: ClusterAddresses | undefined): EdgeTraffic | undefined {
    const gateway = ctx.raw.gateway!;
    const egress = (key: "acme" | "awsApis") => {
        const at = ["gateway", "egress", key];
        const entry = gateway.egress[key];
        const rule = addressRule(ctx, { ...entry, includesPods: false }, at, addresses);
        rule?.cidrs.forEach((c, j) =>
            refuseInstanceMetadata(ctx, c, [...at, "cidrs", j], "except 169.254.0.0/16 (link-local), as the stack files do"),
        );
        return rule;
    };
    const acme = egress("acme");
    const awsApis = egress("awsApis");
    const vpc = ctx.raw.cluster?.vpc;
    const lbAt = ["gateway", "loadBalancerController", "subnetCidrs"];
    let subnets: string[] | undefined;
    if (gateway.loadBalancerController.subnetCidrs) {
        const blocks = gateway.loadBalancerController.subnetCidrs.map((c, i) => cidrBlock(ctx, c, [...lbAt, i], 4));
        if (blocks.every((b) => b)) subnets = (blocks as CidrBlock[]).map(formatCidr);
    } else if (vpc?.existing) {
        ctx.problem(
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
                ctx.problem(
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
export function securityGroupRules(ctx: CheckContext, intent: NetworkIntent): void {
    const gateway = ctx.raw.gateway!;
    const ranges = exactRanges(gatewayClientBlocks(intent)).length;
    const ports = gatewayListenerPorts(gateway.tls !== undefined).length;
    const quota = gateway.loadBalancerController.securityGroupRuleQuota;
    if (ranges * ports > quota)
        ctx.problem(
            ["gateway", "sourceCidrs"],
            gateway.sourceCidrs.map((c) => c.cidr),
            `need ${ranges} plain ranges (excepts and pod ranges taken out) x ${ports} listener ports = ${ranges * ports} security group rules, over the quota of ${quota}`,
            "fewer or aligned ranges and excepts, or raise the AWS quota and gateway.loadBalancerController.securityGroupRuleQuota",
        );
}

/**
 * The hostnames each business namespace's HTTPRoutes may claim (network.namespaces[].hostnames),
 * for the admission policy of compiler/admission.ts. A hostname is a Gateway API Hostname
 * (gateway.networking.k8s.io/v1 HTTPRoute spec.hostnames: a DNS subdomain, lowercase, with an
 * optional `*.` wildcard label in front); no hostname is granted to two namespaces, or one team
 * could serve the other's traffic.
 */
export function hostnameGrants(ctx: CheckContext): Record<string, string[]> | undefined {
    const net = ctx.raw.network;
    if (!net) return undefined;
    const before = ctx.problems.length;
    const owner = new Map<string, string>();
    const grants: Record<string, string[]> = {};
    net.namespaces.forEach((ns, i) => {
        const granted = new Set<string>();
        ns.hostnames.forEach((h, j) => {
            const at = ["network", "namespaces", i, "hostnames", j];
            if (!isGatewayHostname(h)) {
                ctx.problem(
                    at,
                    h,
                    "is not a hostname an HTTPRoute can claim",
                    "lowercase DNS name such as shop.example.com, or *.shop.example.com",
                );
                return;
            }
            const first = owner.get(h);
            if (first !== undefined && first !== ns.name) {
                ctx.problem(at, h, `is already granted to namespace ${first}`, "a hostname belongs to one namespace");
                return;
            }
            owner.set(h, ns.name);
            granted.add(h);
        });
        grants[ns.name] = [...granted].sort(cmp);
    });
    if (ctx.problems.length > before) return undefined;
    hostnamesServed(ctx, grants);
    return grants;
}

/**
 * With cert-manager issuing (gateway.tls.hostnames), every hostname a namespace may claim has an
 * HTTPS listener (and so a certificate) whose hostname covers it: otherwise the team's route
 * attaches to no HTTPS listener (Gateway API: a route attaches where its hostnames intersect
 * the listener's) and the name is served by nothing. A listener no namespace may use is a
 * certificate issued for nobody: a warning.
 */
export function hostnamesServed(ctx: CheckContext, grants: Record<string, string[]>): void {
    const tls = ctx.raw.gateway?.tls;
    if (!tls || tls.certificateSecret !== undefined || tls.hostnames.length === 0) return;
    const net = ctx.raw.network!;
    net.namespaces.forEach((ns, i) =>
        ns.hostnames.forEach((h, j) => {
            if (!tls.hostnames.some((listener) => hostnameCovers(listener, h)))
                ctx.problem(
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
            ctx.warn(
                ["gateway", "tls", "hostnames", i],
                listener,
                "is granted to no namespace (network.namespaces[].hostnames): its certificate serves no route",
                "grant it to the namespace that serves it, or drop it",
            );
    });
}

/**
 * The HTTPS listeners: hostnames that a certificate can name, each once; either the user's
 * own Secret or cert-manager issuing through Route 53 (then the hosted zone is required); in
 * production no staging issuer, whose certificates no browser trusts.
 */
export function gatewayTls(ctx: CheckContext): void {
    const tls = ctx.raw.gateway?.tls;
    if (!tls) return;
    const at = ["gateway", "tls"];
    const seen = new Set<string>();
    tls.hostnames.forEach((h, i) => {
        if (!/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(h) || h.length > 253)
            ctx.problem(
                [...at, "hostnames", i],
                h,
                "is not a DNS name a certificate can hold",
                "e.g. shop.example.com or *.shop.example.com",
            );
        else if (seen.has(h)) ctx.problem([...at, "hostnames", i], h, "is listed twice");
        seen.add(h);
    });
    if (tls.certificateSecret !== undefined) {
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(tls.certificateSecret))
            ctx.problem([...at, "certificateSecret"], tls.certificateSecret, "is not a Secret name", "e.g. shop-tls");
        for (const key of ["issuer", "hostedZoneId", "email"] as const)
            if (tls[key] !== undefined)
                ctx.problem(
                    [...at, key],
                    tls[key],
                    "is for cert-manager issuing, but certificateSecret names your own certificate",
                    "keep one of the two",
                );
        return;
    }
    if (tls.hostnames.length === 0)
        ctx.problem(
            [...at, "hostnames"],
            [],
            "cert-manager issues one certificate per hostname: name at least one, or bring your own certificateSecret",
            "hostnames: [shop.example.com]",
        );
    if (tls.hostedZoneId === undefined)
        ctx.problem(
            [...at, "hostedZoneId"],
            undefined,
            "cert-manager answers the DNS-01 challenges in this Route 53 zone, and its role may write only there",
            "the hosted zone ID of the hostnames, e.g. Z0123456789ABCDEFGHIJ",
        );
    else if (!/^Z[A-Z0-9]{1,32}$/.test(tls.hostedZoneId))
        ctx.problem([...at, "hostedZoneId"], tls.hostedZoneId, "is not a Route 53 hosted zone ID", "e.g. Z0123456789ABCDEFGHIJ");
    if (ctx.production && tls.issuer === "letsencrypt-staging")
        ctx.problem([...at, "issuer"], tls.issuer, "issues certificates no browser trusts", "letsencrypt (the default in production)");
    // One Secret per listener name: two hostnames must not spell the same name.
    const names = httpsListeners({ hostnames: [...seen] }).map((l) => l.name);
    if (new Set(names).size !== names.length)
        ctx.problem([...at, "hostnames"], tls.hostnames, "two hostnames give the same listener name", "drop one of them");
}

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

/** gateway.networking.k8s.io/v1 Hostname: at most 253 characters, DNS labels, an optional leading `*.`; no IP address. */
export function isGatewayHostname(text: string): boolean {
    return (
        text.length <= 253 &&
        /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(text) &&
        !/^[0-9.]+$/.test(text) &&
        text.split(".").every((label) => label.length <= 63)
    );
}

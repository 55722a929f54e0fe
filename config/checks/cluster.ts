/**
 * The cluster section: its name, node group bounds, subnets, API endpoint, access entries'
 * deployer and the permissions boundary.
 */
import { CidrBlock, blockContainsBlock, coversWholeFamily, formatCidr, requireCidr } from "../../engine/cidr";
import { RawConfig } from "../shape";
import { CheckContext } from "./context";
import { cidrBlock } from "./addressRanges";
import { kubernetesVersion } from "./versions";

export function clusterRules(ctx: CheckContext): void {
    const c = ctx.raw.cluster;
    if (!c) return;
    if (!/^[a-zA-Z][-a-zA-Z0-9]{0,99}$/.test(c.name))
        ctx.problem(["cluster", "name"], c.name, "is not a valid EKS cluster name", "letters, digits and dashes, starting with a letter");
    kubernetesVersion(ctx, c.kubernetesVersion, c.upgradePolicy);
    if (c.ipFamily === "ipv6")
        ctx.problem(["cluster", "ipFamily"], c.ipFamily, "IPv6 clusters are not supported by this program yet", "use ipv4");
    const n = c.nodeGroup;
    // Each bound is reported on the key that breaks it: maxSize below minSize is maxSize's
    // problem, whatever desiredSize says.
    if (n.maxSize < n.minSize) {
        ctx.problem(["cluster", "nodeGroup", "maxSize"], n.maxSize, `is below minSize (${n.minSize})`);
    } else if (!(n.minSize <= n.desiredSize && n.desiredSize <= n.maxSize)) {
        ctx.problem(
            ["cluster", "nodeGroup", "desiredSize"],
            n.desiredSize,
            `must lie between minSize (${n.minSize}) and maxSize (${n.maxSize})`,
        );
    }
    if (c.vpc.existing && c.vpc.existing.privateSubnetIds.some((id) => c.vpc.existing!.publicSubnetIds.includes(id))) {
        ctx.problem(
            ["cluster", "vpc", "existing", "privateSubnetIds"],
            c.vpc.existing.privateSubnetIds,
            "shares subnets with publicSubnetIds",
            "nodes belong in private subnets only",
        );
    }
    apiEndpoint(ctx, c.endpoint);
    deployer(ctx, c.accessEntries);
    permissionsBoundary(ctx, c.permissionsBoundaryArn);
}

/**
 * The bootstrap's deploy role may create a role, or give one permissions, only with the
 * permissions boundary `platform-boundary` (bootstrap/policies.ts), so every role of the stack
 * carries it; without it the first `up` stops at the first role.
 */
export function permissionsBoundary(ctx: CheckContext, arn: string | undefined): void {
    const at = ["cluster", "permissionsBoundaryArn"];
    if (arn === undefined)
        ctx.warn(
            at,
            undefined,
            "is not set: the bootstrap's deploy role creates roles only with its permissions boundary, so `pulumi up` with that role fails at the first IAM role",
            "the bootstrap's output permissionsBoundaryArn, e.g. arn:aws:iam::111122223333:policy/platform-boundary",
        );
    else if (!/^arn:aws(-[a-z]+)*:iam::\d{12}:policy\/[\w+=,.@/-]+$/.test(arn))
        ctx.problem(at, arn, "is not the ARN of an IAM policy", "arn:aws:iam::<account>:policy/platform-boundary");
}

/**
 * Exactly one entry is the deployer, and it is a platform cluster admin: EKS's own creator
 * admin (bootstrapClusterCreatorAdminPermissions) is turned off, so this entry is the only way
 * the update itself reaches the cluster, and the one place that says who can.
 */
export function deployer(ctx: CheckContext, entries: RawConfig["cluster"]["accessEntries"]): void {
    const deployers = entries.map((e, i) => ({ e, i })).filter(({ e }) => e.deployer);
    if (deployers.length === 0) {
        ctx.problem(
            ["cluster", "accessEntries"],
            entries.map((e) => e.name),
            "no entry is the deployer: with EKS's creator admin turned off, `pulumi up` could not reach the cluster it creates",
            "add the deploy role: { name: ci-deploy, principalArn: <AWS_DEPLOY_ROLE_ARN>, accessPolicy: AmazonEKSClusterAdminPolicy, platform: true, deployer: true }",
        );
        return;
    }
    for (const { e, i } of deployers.slice(1))
        ctx.problem(
            ["cluster", "accessEntries", i, "deployer"],
            e.deployer,
            `${deployers[0]!.e.name} is already the deployer`,
            "one deploy role per stack",
        );
    const { e, i } = deployers[0]!;
    if (e.accessPolicy !== "AmazonEKSClusterAdminPolicy" || !e.platform)
        ctx.problem(
            ["cluster", "accessEntries", i],
            e.name,
            "the deployer applies cluster-scoped objects (CRDs, ClusterRoles, admission policies) and needs AmazonEKSClusterAdminPolicy as a platform principal",
            "accessPolicy: AmazonEKSClusterAdminPolicy, platform: true",
        );
}

/** A list whose entries must each appear once: the later ones are refused with their index. */
export function noRepeats(ctx: CheckContext, at: (string | number)[], values: readonly string[], why: string): void {
    values.forEach((v, i) => {
        const first = values.indexOf(v);
        if (first < i) ctx.problem([...at, i], v, `is listed twice (first at ${first}): ${why}`, "list it once");
    });
}

/**
 * The API endpoint (EKS User Guide, "Cluster API server endpoint" and "Configure network
 * access to cluster API server endpoint", docs.aws.amazon.com/eks/latest/userguide/, read
 * 2026-11): public access can be limited to CIDR blocks that "cannot include reserved
 * addresses"; an empty list means every address; with private access off, nodes reach the
 * API through the public endpoint, from their NAT gateway's address, so "your public access
 * endpoint CIDR sources must include the egress sources from your VPC".
 */
export function apiEndpoint(ctx: CheckContext, e: RawConfig["cluster"]["endpoint"]): void {
    const at = ["cluster", "endpoint"];
    if (!e.privateAccess && !e.publicAccess) {
        ctx.problem(at, e, "the API endpoint would be reachable from nowhere", "set privateAccess: true");
    }
    const privateBlocks = e.privateAccessCidrs.map((cidr, i) => cidrBlock(ctx, cidr, [...at, "privateAccessCidrs", i], 4));
    if (e.privateAccessCidrs.length > 0 && !e.privateAccess)
        ctx.problem(
            [...at, "privateAccessCidrs"],
            e.privateAccessCidrs,
            "has no meaning while privateAccess is false: these ranges reach the API through the private endpoint",
            "set privateAccess: true, or list public addresses under publicAccessCidrs",
        );
    noRepeats(
        ctx,
        [...at, "privateAccessCidrs"],
        e.privateAccessCidrs,
        "each range is one security group rule, and a rule given twice is one Pulumi name",
    );
    // Each range is one inbound rule on the control plane's security group, which also holds
    // pulumi-eks's rule from the node security group (4.3.0 clusterIngressRule); AWS admits
    // 60 inbound rules per security group by default (Amazon VPC User Guide, "Amazon VPC
    // quotas", security groups), the same quota gateway.loadBalancerController.securityGroupRuleQuota names.
    const apiRuleRoom = (ctx.raw.gateway?.loadBalancerController.securityGroupRuleQuota ?? 60) - 1;
    if (e.privateAccessCidrs.length > apiRuleRoom)
        ctx.problem(
            [...at, "privateAccessCidrs"],
            e.privateAccessCidrs,
            `${e.privateAccessCidrs.length} ranges need as many inbound rules on the control plane's security group, which has room for ${apiRuleRoom} (the quota less pulumi-eks's own rule)`,
            "aggregate the ranges, or raise the AWS quota and gateway.loadBalancerController.securityGroupRuleQuota",
        );
    if (privateBlocks.every((b) => b) && privateBlocks.length > 0 && coversWholeFamily(privateBlocks as CidrBlock[], 4))
        ctx.problem(
            [...at, "privateAccessCidrs"],
            e.privateAccessCidrs,
            "together these ranges cover every address: the API's security group would admit anyone who reaches the VPC",
            "list the runner, transit and VPN ranges",
        );
    const blocks = e.publicAccessCidrs.map((cidr, i) => cidrBlock(ctx, cidr, [...at, "publicAccessCidrs", i], 4));
    noRepeats(ctx, [...at, "publicAccessCidrs"], e.publicAccessCidrs, "EKS takes each range once");
    if (!e.publicAccess && e.publicAccessCidrs.length > 0) {
        // The sweep of issue 12 saw `pulumi up` fail on this in pulumi-eks (4.3.0); before, the
        // list was silently ignored (pulumi/pulumi-eks#1436). Either way it is a mistake.
        ctx.problem(
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
            ctx.problem(
                [...at, "publicAccessCidrs", i],
                e.publicAccessCidrs[i],
                `is inside ${formatCidr(reserved.block)} (${reserved.what}), which EKS refuses for the public endpoint: no such address reaches it from the internet`,
                "VPC addresses reach the API through privateAccess: true; list public addresses here",
            );
    });
    if (!blocks.every((b) => b)) return;
    // EKS treats an empty list as 0.0.0.0/0.
    const open = e.publicAccessCidrs.length === 0 || coversWholeFamily(blocks as CidrBlock[], 4);
    if (open && ctx.production)
        ctx.problem(
            [...at, "publicAccessCidrs"],
            e.publicAccessCidrs,
            "a production API endpoint must not be open to 0.0.0.0/0",
            "list the office and CI ranges, or set publicAccess: false",
        );
    if (!open && !e.privateAccess)
        ctx.problem(
            [...at, "privateAccess"],
            e.privateAccess,
            "with the public endpoint limited to publicAccessCidrs, nodes in the private subnets could not reach the API and would never join",
            "set privateAccess: true",
        );
}

/**
 * IPv4 ranges that never reach a public endpoint from the internet, which EKS refuses in
 * publicAccessCidrs ("reserved addresses", EKS User Guide). The documentation ranges of RFC 5737
 * are left out on purpose: the stack files use them as stand-ins for public addresses.
 */
export const RESERVED_RANGES = [
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

/**
 * Address ranges: the cluster's own ranges (pods, control plane), CIDR parsing, address rules of
 * sources and destinations, and the instance metadata address no pod may reach.
 */
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
} from "../../engine/cidr";
import { AddressRule, CidrRange, ClusterAddresses, INSTANCE_METADATA_IP } from "../../compiler/intent";
import { MAX_VPC_PREFIX, subnetLayout } from "../../compiler/subnets";
import { shorten } from "../problems";
import { CheckContext, cmp } from "./context";

/**
 * The cluster's own address ranges: computed from the VPC range by the subnet layout the
 * cluster component creates, or, for an existing VPC, as configured.
 */
export function clusterAddresses(ctx: CheckContext): ClusterAddresses | undefined {
    if (!ctx.raw.cluster) return undefined;
    const vpc = ctx.raw.cluster.vpc;
    if (vpc.existing) {
        const existing = vpc.existing;
        const ranges = (key: "podCidrs" | "controlPlaneCidrs") =>
            existing[key].map((c, i) => cidrBlock(ctx, c, ["cluster", "vpc", "existing", key, i], 4));
        const pods = ranges("podCidrs");
        const controlPlane = ranges("controlPlaneCidrs");
        if ([...pods, ...controlPlane].some((b) => !b)) return undefined;
        const podBlocks = pods as CidrBlock[];
        (controlPlane as CidrBlock[]).forEach((b, i) => {
            if (podBlocks.some((p) => blocksOverlap(p, b)))
                ctx.problem(
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
    const block = cidrBlock(ctx, vpc.cidr, ["cluster", "vpc", "cidr"], 4);
    if (!block) return undefined;
    if (block.prefix > MAX_VPC_PREFIX) {
        ctx.problem(
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
export function addressRule(
    ctx: CheckContext,
    entry: { cidrs: { cidr: string; except: string[] }[]; includesPods: boolean; acknowledgeAnyAddress: boolean },
    at: (string | number)[],
    addresses: ClusterAddresses | undefined,
    key = "cidrs",
): AddressRule | undefined {
    const ranges = entry.cidrs.map((c, j) => cidrRange(ctx, c, [...at, key, j]));
    if (ranges.some((c) => !c)) return undefined;
    const blocks = ranges.map((c) => c!.block);
    warnOverlaps(ctx, blocks, [...at, key]);
    if (coversWholeFamily(blocks, ctx.ipFamily) && !entry.acknowledgeAnyAddress) {
        const say = ctx.production ? ctx.problem.bind(ctx) : ctx.warn.bind(ctx);
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
                ctx.problem(
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
export function refuseInstanceMetadata(ctx: CheckContext, range: CidrRange, at: (string | number)[], hint: string): void {
    const metadata = parseIp(INSTANCE_METADATA_IP)!;
    const covers =
        blockContainsIp(requireCidr(range.cidr), metadata) && !range.except.some((e) => blockContainsIp(requireCidr(e), metadata));
    if (covers) ctx.problem(at, range.cidr, `covers the instance metadata address ${INSTANCE_METADATA_IP}, which no pod may reach`, hint);
}

export function cidrBlock(ctx: CheckContext, text: string, path: (string | number)[], family: 4 | 6 = ctx.ipFamily): CidrBlock | undefined {
    const block = parseCidr(text);
    if (isCidrError(block)) {
        // Some of parseCidr's errors carry their own example; one is enough.
        ctx.problem(path, text, shorten(block.error), block.error.includes("e.g.") ? undefined : "e.g. 10.0.0.0/16");
        return undefined;
    }
    if (!block.canonical) {
        ctx.problem(path, text, "has host bits set", `did you mean ${formatCidr(block)}?`);
        return undefined;
    }
    if (block.family !== family) {
        ctx.problem(path, text, `is an IPv${block.family} range on an IPv${family} cluster`);
        return undefined;
    }
    return block;
}

export function cidrRange(
    ctx: CheckContext,
    entry: { cidr: string; except: string[] },
    path: (string | number)[],
): { block: CidrBlock; range: CidrRange } | undefined {
    const block = cidrBlock(ctx, entry.cidr, [...path, "cidr"]);
    const except = entry.except.map((e, k) => {
        const inner = cidrBlock(ctx, e, [...path, "except", k]);
        if (inner && block && !(blockContainsBlock(block, inner) && inner.prefix > block.prefix)) {
            ctx.problem(
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

export function warnOverlaps(ctx: CheckContext, blocks: readonly CidrBlock[], path: (string | number)[]): void {
    for (let i = 0; i < blocks.length; i++) {
        for (let j = i + 1; j < blocks.length; j++) {
            if (blocksOverlap(blocks[i]!, blocks[j]!)) {
                ctx.warn([...path, j], formatCidr(blocks[j]!), `overlaps ${formatCidr(blocks[i]!)} at index ${i}`, "one range is enough");
            }
        }
    }
}

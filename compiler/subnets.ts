/**
 * The VPC's subnet layout, computed once from the VPC range and the number of availability zones.
 * The cluster component creates exactly these subnets, and the intent takes its address ranges
 * from the same layout, so the policies' address rules and the network agree by construction.
 *
 * Of a VPC range /p (p at most 20), per availability zone:
 * - `nodes`: /p+3 (an eighth of the VPC; six zones fill three quarters): nodes and, with the
 *   Amazon VPC CNI, every pod address.
 * - `public`: /p+8 (a /24 in a /16; /26 at the smallest) from the fourth quarter: load balancers
 *   and NAT gateways.
 * - `controlPlane`: a /28 from the last eighth: the EKS control plane's network interfaces only,
 *   so that "the API server" is an address range no pod can hold. EKS asks for at least six free
 *   addresses per subnet and recommends dedicated /28 subnets (EKS user guide, "network
 *   requirements"; EKS best practices, "subnets").
 */
import { CidrBlock, formatIp, requireCidr } from "../engine/cidr";

export interface SubnetLayout {
    readonly nodes: readonly string[];
    readonly public: readonly string[];
    readonly controlPlane: readonly string[];
}

/** The smallest VPC the layout fits: the control-plane subnets need /28s. */
export const MAX_VPC_PREFIX = 20;
export const MAX_AVAILABILITY_ZONES = 6;

export function subnetLayout(vpcCidr: string, availabilityZones: number): SubnetLayout {
    const vpc = requireCidr(vpcCidr);
    if (vpc.family !== 4 || vpc.prefix > MAX_VPC_PREFIX)
        throw new Error(`${vpcCidr}: the subnet layout needs an IPv4 range of /${MAX_VPC_PREFIX} or larger`);
    if (availabilityZones < 1 || availabilityZones > MAX_AVAILABILITY_ZONES)
        throw new Error(`${availabilityZones} availability zones: 1 to ${MAX_AVAILABILITY_ZONES}`);
    const size = vpc.last - vpc.first + 1n;
    const zones = [...Array(availabilityZones).keys()].map(BigInt);
    const block = (offset: bigint, prefix: number) => subnet(vpc, offset, prefix);
    const nodes = zones.map((z) => block((size / 8n) * z, vpc.prefix + 3));
    const publicStart = (size * 3n) / 4n;
    const publicPrefix = Math.min(vpc.prefix + 8, 26);
    const publics = zones.map((z) => block(publicStart + (1n << BigInt(32 - publicPrefix)) * z, publicPrefix));
    const controlPlaneStart = (size * 7n) / 8n;
    const controlPlane = zones.map((z) => block(controlPlaneStart + 16n * z, 28));
    return { nodes, public: publics, controlPlane };
}

function subnet(vpc: CidrBlock, offset: bigint, prefix: number): string {
    return `${formatIp({ family: 4, value: vpc.first + offset })}/${prefix}`;
}

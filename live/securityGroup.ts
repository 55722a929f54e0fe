/**
 * The NLB's frontend security group against config, pure: what `aws ec2 describe-security-groups`
 * lists for the group the AWS Load Balancer Controller manages for the gateway's data plane
 * Service, compared with the client ranges the stack compiles (`gatewayClientRanges`) times the
 * listener ports. The controller writes one inbound rule per Service port and range: protocol
 * the port's, lower case, from and to the port, one range each (pkg/service/model_build_managed_sg.go
 * buildManagedSecurityGroupIngressPermissions, v3.5.0); the Service's ports are the Gateway's
 * listener ports (NGF internal/controller/provisioner/objects.go buildServicePorts, v2.6.7; the
 * readiness port is not exposed). EC2 lists rules of one protocol and port together, so rules are
 * compared one source at a time. A rule added in the console (another range, a prefix list,
 * another security group) is what `pulumi preview --refresh` cannot see: neither the group nor
 * the NLB is a resource of the stack.
 */
import { PortSpec } from "../compiler/intent";
import { formatCidr, isCidrError, parseCidr } from "../engine/cidr";

/**
 * The controller's tags on the group it manages for a Service (pkg/deploy/tracking/provider.go:
 * `elbv2.k8s.aws/cluster`, `service.k8s.aws/stack: <namespace>/<name>`, `service.k8s.aws/resource`;
 * model_build_managed_sg.go resourceIDManagedSecurityGroup, v3.5.0), as `--filters` for the CLI.
 */
export function managedSecurityGroupFilters(clusterName: string, namespace: string, service: string): string[] {
    return [
        `Name=tag:elbv2.k8s.aws/cluster,Values=${clusterName}`,
        `Name=tag:service.k8s.aws/stack,Values=${namespace}/${service}`,
        "Name=tag:service.k8s.aws/resource,Values=ManagedLBSecurityGroup",
    ];
}

export interface ListedSecurityGroup {
    readonly groupId: string;
    /** One text per inbound rule and source: `tcp 443 from 10.0.0.0/8`. */
    readonly inbound: readonly string[];
}

export type SecurityGroupFinding =
    | { readonly kind: "not-one-group"; readonly groupIds: readonly string[] }
    | { readonly kind: "extra-rule"; readonly groupId: string; readonly rule: string }
    | { readonly kind: "missing-rule"; readonly groupId: string; readonly rule: string };

/** `describe-security-groups` output (`{"SecurityGroups": [...]}`), or why it is not one. */
export function listedSecurityGroups(output: unknown): ListedSecurityGroup[] | string {
    const groups = (output as { SecurityGroups?: unknown } | null)?.SecurityGroups;
    if (!Array.isArray(groups) || !groups.every((g) => isRecord(g) && typeof g["GroupId"] === "string"))
        return 'expected the output of `aws ec2 describe-security-groups --output json`: {"SecurityGroups": [{"GroupId": "sg-...", "IpPermissions": [...]}]}';
    return groups.map((g: Record<string, unknown>) => ({
        groupId: g["GroupId"] as string,
        inbound: [...new Set((Array.isArray(g["IpPermissions"]) ? g["IpPermissions"] : []).filter(isRecord).flatMap(ruleTexts))].sort(),
    }));
}

/** The inbound rules the controller writes for these ranges and listener ports, as `listedSecurityGroups` spells them. */
export function expectedInbound(ranges: readonly string[], listeners: readonly PortSpec[]): string[] {
    return [...new Set(listeners.flatMap((l) => ranges.map((r) => `${l.protocol.toLowerCase()} ${l.port} from ${cidrText(r)}`)))].sort();
}

export function securityGroupDrift(expected: readonly string[], groups: readonly ListedSecurityGroup[]): SecurityGroupFinding[] {
    if (groups.length !== 1) return [{ kind: "not-one-group", groupIds: groups.map((g) => g.groupId).sort() }];
    const { groupId, inbound } = groups[0]!;
    return [
        ...inbound.filter((r) => !expected.includes(r)).map((rule): SecurityGroupFinding => ({ kind: "extra-rule", groupId, rule })),
        ...expected.filter((r) => !inbound.includes(r)).map((rule): SecurityGroupFinding => ({ kind: "missing-rule", groupId, rule })),
    ];
}

export function formatSecurityGroupDrift(findings: readonly SecurityGroupFinding[], expected: number): string {
    if (findings.length === 0) return `load balancer security group: its ${expected} inbound rules are the client ranges x listener ports`;
    return findings
        .map((f) => {
            switch (f.kind) {
                case "not-one-group":
                    return f.groupIds.length === 0
                        ? "load balancer security group: none found with the controller's tags (no NLB, or the tags were changed)"
                        : `load balancer security group: ${f.groupIds.length} found with the controller's tags (${f.groupIds.join(", ")}), expected one`;
                case "extra-rule":
                    return `load balancer security group ${f.groupId}: inbound ${f.rule} is not from config (added outside the stack)`;
                case "missing-rule":
                    return `load balancer security group ${f.groupId}: inbound ${f.rule} is missing`;
                default: {
                    const never: never = f;
                    return String(never);
                }
            }
        })
        .join("\n");
}

/** One text per source of an IpPermission (EC2 API IpPermission: IpRanges, Ipv6Ranges, PrefixListIds, UserIdGroupPairs). */
function ruleTexts(p: Record<string, unknown>): string[] {
    const protocol = String(p["IpProtocol"]);
    const ports =
        protocol === "-1"
            ? "every port"
            : p["FromPort"] === p["ToPort"]
              ? String(p["FromPort"])
              : `${String(p["FromPort"])}-${String(p["ToPort"])}`;
    const head = protocol === "-1" ? "all traffic" : `${protocol} ${ports}`;
    const list = (key: string) => (Array.isArray(p[key]) ? p[key].filter(isRecord) : []);
    return [
        ...list("IpRanges").map((r) => `${head} from ${cidrText(r["CidrIp"])}`),
        ...list("Ipv6Ranges").map((r) => `${head} from ${cidrText(r["CidrIpv6"])}`),
        ...list("PrefixListIds").map((r) => `${head} from prefix list ${String(r["PrefixListId"])}`),
        ...list("UserIdGroupPairs").map((r) => `${head} from security group ${String(r["GroupId"])}`),
    ];
}

function cidrText(value: unknown): string {
    const block = typeof value === "string" ? parseCidr(value) : { error: "" };
    return isCidrError(block) ? String(value) : formatCidr(block);
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

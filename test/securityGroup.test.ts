import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { gatewayClientRanges } from "../compiler/generate";
import {
    ListedSecurityGroup,
    expectedInbound,
    formatSecurityGroupDrift,
    listedSecurityGroups,
    managedSecurityGroupFilters,
    securityGroupDrift,
} from "../live/securityGroup";
import { loadStack } from "../cli/input";
import { PROJECT_DIR } from "./harness";
import { Document, evaluate } from "../bootstrap/iamEvaluator";
import { previewPolicy } from "../bootstrap/policies";

/** One group as `aws ec2 describe-security-groups --output json` prints it: rules of one port listed together. */
function described(groupId: string, permissions: Record<string, unknown>[]): Record<string, unknown> {
    return { GroupId: groupId, GroupName: "k8s-tools-sharedng-0123456789", IpPermissions: permissions, IpPermissionsEgress: [] };
}
const tcp = (port: number, cidrs: string[], extra: Record<string, unknown> = {}) => ({
    IpProtocol: "tcp",
    FromPort: port,
    ToPort: port,
    IpRanges: cidrs.map((CidrIp) => ({ CidrIp })),
    Ipv6Ranges: [],
    PrefixListIds: [],
    UserIdGroupPairs: [],
    ...extra,
});
const http = [{ protocol: "TCP" as const, port: 80 }];
const https = [...http, { protocol: "TCP" as const, port: 443 }];

describe("the load balancer's security group against config (live/securityGroup.ts)", () => {
    it("finds the rules the controller writes, one per range and listener port, whatever the order", () => {
        const expected = expectedInbound(["203.0.113.0/24", "10.0.0.0/8"], https);
        assert.deepEqual(expected, [
            "tcp 443 from 10.0.0.0/8",
            "tcp 443 from 203.0.113.0/24",
            "tcp 80 from 10.0.0.0/8",
            "tcp 80 from 203.0.113.0/24",
        ]);
        const groups = listedSecurityGroups({
            SecurityGroups: [described("sg-0abc", [tcp(443, ["203.0.113.0/24", "10.0.0.0/8"]), tcp(80, ["10.0.0.0/8", "203.0.113.0/24"])])],
        });
        assert.ok(Array.isArray(groups));
        assert.deepEqual(securityGroupDrift(expected, groups), []);
        assert.equal(
            formatSecurityGroupDrift([], expected.length),
            "load balancer security group: its 4 inbound rules are the client ranges x listener ports",
        );
    });

    it("names a range added by hand, another source added by hand, and a rule removed", () => {
        const expected = expectedInbound(["10.0.0.0/8", "203.0.113.0/24"], http);
        const groups = listedSecurityGroups({
            SecurityGroups: [
                described("sg-0abc", [
                    tcp(80, ["10.0.0.0/8", "198.51.100.0/24"]),
                    tcp(22, [], { UserIdGroupPairs: [{ GroupId: "sg-0bastion", UserId: "111122223333" }] }),
                ]),
            ],
        }) as ListedSecurityGroup[];
        const findings = securityGroupDrift(expected, groups);
        assert.deepEqual(findings, [
            { kind: "extra-rule", groupId: "sg-0abc", rule: "tcp 22 from security group sg-0bastion" },
            { kind: "extra-rule", groupId: "sg-0abc", rule: "tcp 80 from 198.51.100.0/24" },
            { kind: "missing-rule", groupId: "sg-0abc", rule: "tcp 80 from 203.0.113.0/24" },
        ]);
        assert.equal(
            formatSecurityGroupDrift(findings, expected.length),
            [
                "load balancer security group sg-0abc: inbound tcp 22 from security group sg-0bastion is not from config (added outside the stack)",
                "load balancer security group sg-0abc: inbound tcp 80 from 198.51.100.0/24 is not from config (added outside the stack)",
                "load balancer security group sg-0abc: inbound tcp 80 from 203.0.113.0/24 is missing",
            ].join("\n"),
        );
    });

    it("names a rule that opens every protocol, and refuses to judge none or two groups", () => {
        const expected = expectedInbound(["10.0.0.0/8"], http);
        const open = listedSecurityGroups({
            SecurityGroups: [described("sg-0abc", [tcp(80, ["10.0.0.0/8"]), { IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }])],
        }) as ListedSecurityGroup[];
        assert.deepEqual(securityGroupDrift(expected, open), [
            { kind: "extra-rule", groupId: "sg-0abc", rule: "all traffic from 0.0.0.0/0" },
        ]);
        assert.deepEqual(securityGroupDrift(expected, []), [{ kind: "not-one-group", groupIds: [] }]);
        assert.match(formatSecurityGroupDrift(securityGroupDrift(expected, []), 1), /none found with the controller's tags/);
        const two = [...open, { groupId: "sg-0def", inbound: [] }];
        assert.equal(
            formatSecurityGroupDrift(securityGroupDrift(expected, two), 1),
            "load balancer security group: 2 found with the controller's tags (sg-0abc, sg-0def), expected one",
        );
    });

    it("reads only describe-security-groups output, and finds the group by the controller's tags", () => {
        assert.match(String(listedSecurityGroups({ accessEntries: [] })), /aws ec2 describe-security-groups/);
        assert.deepEqual(managedSecurityGroupFilters("platform-eksCluster-1a2b", "tools", "shared-nginx"), [
            "Name=tag:elbv2.k8s.aws/cluster,Values=platform-eksCluster-1a2b",
            "Name=tag:service.k8s.aws/stack,Values=tools/shared-nginx",
            "Name=tag:service.k8s.aws/resource,Values=ManagedLBSecurityGroup",
        ]);
    });

    it("lets the drift job's preview role list the security groups, and change none", () => {
        const names = {
            stack: "prod" as const,
            accounts: { nonprod: "111122223333", prod: "444455556666" },
            region: "eu-west-1",
            bucketArn: "arn:aws:s3:::acme-k8s-platform-state",
            keyArn: "arn:aws:kms:eu-west-1:444455556666:key/prod-state",
            nonprodKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/nonprod-state",
            hostedZoneIds: ["Z0123456789ABC"],
        };
        const preview = (action: string) =>
            evaluate(
                { principal: "arn:aws:iam::444455556666:role/github-preview", action, resource: "*" },
                { identity: [previewPolicy(names) as unknown as Document] },
            ).kind;
        assert.equal(preview("ec2:DescribeSecurityGroups"), "allowed");
        assert.equal(preview("ec2:AuthorizeSecurityGroupIngress"), "denied");
        assert.equal(preview("ec2:RevokeSecurityGroupIngress"), "denied");
    });

    it("npm run edge-drift: exit 0 on nonprod's rules, 1 naming a hand-added range, 2 on other input", () => {
        const nonprod = loadStack("nonprod");
        const ranges = gatewayClientRanges(nonprod.network);
        // nonprod's gateway has TLS: HTTP and HTTPS listeners.
        assert.ok(nonprod.gateway.tls !== undefined);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-drift-"));
        try {
            const run = (output: unknown) => {
                const file = path.join(dir, "security-groups.json");
                fs.writeFileSync(file, JSON.stringify(output));
                return spawnSync(
                    process.execPath,
                    ["--require", "tsx/cjs", path.join(PROJECT_DIR, "scripts", "edgeDrift.ts"), "nonprod", file],
                    {
                        cwd: PROJECT_DIR,
                        encoding: "utf8",
                    },
                );
            };
            const clean = run({ SecurityGroups: [described("sg-0abc", [tcp(80, ranges), tcp(443, [...ranges].reverse())])] });
            assert.equal(clean.status, 0, clean.stderr);
            assert.equal(
                clean.stdout,
                `load balancer security group: its ${ranges.length * 2} inbound rules are the client ranges x listener ports\n`,
            );
            const added = run({ SecurityGroups: [described("sg-0abc", [tcp(80, ranges), tcp(443, [...ranges, "198.51.100.0/24"])])] });
            assert.equal(added.status, 1);
            assert.equal(
                added.stdout,
                "load balancer security group sg-0abc: inbound tcp 443 from 198.51.100.0/24 is not from config (added outside the stack)\n",
            );
            assert.equal(run({ accessEntries: [] }).status, 2);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

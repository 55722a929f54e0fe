/**
 * `npm run --silent edge-drift -- <stack> <security-groups.json>`: compares the output of
 * `aws ec2 describe-security-groups --filters <the controller's tags> --output json` (the NLB's
 * frontend group) with the stack file's gateway client ranges x listener ports, and fails (exit 1)
 * on a rule added outside the stack, a rule missing, or not exactly one such group.
 */
import { expectedInbound, formatSecurityGroupDrift, listedSecurityGroups, securityGroupDrift } from "../live/securityGroup";
import { gatewayClientRanges } from "../compiler/generate";
import { gatewayListenerPorts } from "../compiler/platform";
import { awsDriftCommand } from "../cli/awsDrift";

const USAGE = `usage: npm run --silent edge-drift -- <stack> <security-groups.json>
Compares \`aws ec2 describe-security-groups --output json\` (the NLB's group, found by the load balancer
controller's tags) with Pulumi.<stack>.yaml's gateway client ranges x listener ports.
exit codes: 0 as config says, 1 a rule added outside the stack or one missing, 2 usage error or unreadable input`;

process.exitCode = awsDriftCommand("edge drift", USAGE, (config, output) => {
    const groups = listedSecurityGroups(output);
    if (typeof groups === "string") return groups;
    // The same ranges the program hands the chart, on the Gateway's listener ports.
    const expected = expectedInbound(gatewayClientRanges(config.network), gatewayListenerPorts(config.gateway.tls !== undefined));
    const findings = securityGroupDrift(expected, groups);
    return { report: formatSecurityGroupDrift(findings, expected.length), drifted: findings.length > 0 };
});

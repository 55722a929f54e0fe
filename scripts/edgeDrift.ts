/**
 * `npm run --silent edge-drift -- <stack> <security-groups.json>`: compares the output of
 * `aws ec2 describe-security-groups --filters <the controller's tags> --output json` (the NLB's
 * frontend group) with the stack file's gateway client ranges x listener ports, and fails (exit 1)
 * on a rule added outside the stack, a rule missing, or not exactly one such group.
 */
import * as fs from "fs";
import * as path from "path";
import { expectedInbound, formatSecurityGroupDrift, listedSecurityGroups, securityGroupDrift } from "../live/securityGroup";
import { gatewayClientRanges } from "../compiler/generate";
import { gatewayListenerPorts } from "../compiler/platform";
import { formatProblem, parseStackConfig, projectConfigValues } from "../config/schema";
import { readStackFile } from "../offline/stackFile";
import { UsageError, execute, parseCommand, userPath } from "../cli/args";

const USAGE = `usage: npm run --silent edge-drift -- <stack> <security-groups.json>
Compares \`aws ec2 describe-security-groups --output json\` (the NLB's group, found by the load balancer
controller's tags) with Pulumi.<stack>.yaml's gateway client ranges x listener ports.
exit codes: 0 as config says, 1 a rule added outside the stack or one missing, 2 usage error or unreadable input`;

process.exitCode = execute((io) => {
    const { positionals } = parseCommand(process.argv.slice(2), {}, USAGE);
    const [stack, file] = positionals;
    if (!stack || !file || positionals.length > 2) throw new UsageError(USAGE);
    const parsed = parseStackConfig(projectConfigValues(readStackFile(path.resolve(__dirname, ".."), stack).config));
    if (!parsed.ok) throw new UsageError(`Pulumi.${stack}.yaml is invalid:\n${parsed.problems.map(formatProblem).join("\n")}`);
    let output: unknown;
    try {
        output = JSON.parse(fs.readFileSync(userPath(file), "utf8"));
    } catch (e) {
        throw new UsageError(`edge drift: cannot read ${file} as JSON: ${(e as Error).message}`);
    }
    const groups = listedSecurityGroups(output);
    if (typeof groups === "string") throw new UsageError(`edge drift: ${file}: ${groups}`);
    const config = parsed.config;
    // The same ranges the program hands the chart, on the Gateway's listener ports.
    const expected = expectedInbound(gatewayClientRanges(config.network), gatewayListenerPorts(config.gateway.tls !== undefined));
    const findings = securityGroupDrift(expected, groups);
    io.stdout(`${formatSecurityGroupDrift(findings, expected.length)}\n`);
    return findings.length > 0 ? 1 : 0;
});

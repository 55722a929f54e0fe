/**
 * `npm run --silent access-drift -- <stack> <entries.json>`: compares the output of
 * `aws eks list-access-entries --output json` with the stack file's cluster.accessEntries, and
 * fails (exit 1) on an entry added outside the stack or a declared one that is missing.
 */
import { accessEntryDrift, formatAccessEntryDrift, listedEntries } from "../live/accessEntries";
import { accountOf } from "../bootstrap/iamEvaluator";
import { awsDriftCommand } from "../cli/awsDrift";

const USAGE = `usage: npm run --silent access-drift -- <stack> <entries.json>
Compares \`aws eks list-access-entries --output json\` with Pulumi.<stack>.yaml's cluster.accessEntries.
exit codes: 0 as declared, 1 an entry added outside the stack or a declared one missing, 2 usage error or unreadable input`;

process.exitCode = awsDriftCommand("access drift", USAGE, (config, output) => {
    const listed = listedEntries(output);
    if (typeof listed === "string") return listed;
    const declared = config.cluster.accessEntries;
    const account = config.accountId ?? accountOf(declared.find((e) => e.deployer)!.principalArn)!;
    const findings = accessEntryDrift(declared, account, listed);
    return { report: formatAccessEntryDrift(findings), drifted: findings.length > 0 };
});

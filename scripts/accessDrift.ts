/**
 * `npm run --silent access-drift -- <stack> <entries.json>`: compares the output of
 * `aws eks list-access-entries --output json` with the stack file's cluster.accessEntries, and
 * fails (exit 1) on an entry added outside the stack or a declared one that is missing.
 */
import * as fs from "fs";
import * as path from "path";
import { accessEntryDrift, formatAccessEntryDrift, listedEntries } from "../live/accessEntries";
import { accountOf } from "../bootstrap/iamEvaluator";
import { formatProblem, parseStackConfig, projectConfigValues } from "../config/schema";
import { readStackFile } from "../offline/stackFile";
import { UsageError, execute, parseCommand, userPath } from "../cli/args";

const USAGE = `usage: npm run --silent access-drift -- <stack> <entries.json>
Compares \`aws eks list-access-entries --output json\` with Pulumi.<stack>.yaml's cluster.accessEntries.
exit codes: 0 as declared, 1 an entry added outside the stack or a declared one missing, 2 usage error or unreadable input`;

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
        throw new UsageError(`access drift: cannot read ${file} as JSON: ${(e as Error).message}`);
    }
    const listed = listedEntries(output);
    if (typeof listed === "string") throw new UsageError(`access drift: ${file}: ${listed}`);
    const declared = parsed.config.cluster.accessEntries;
    const account = parsed.config.accountId ?? accountOf(declared.find((e) => e.deployer)!.principalArn)!;
    const findings = accessEntryDrift(declared, account, listed);
    io.stdout(`${formatAccessEntryDrift(findings)}\n`);
    return findings.length > 0 ? 1 : 0;
});

/**
 * The frame the AWS drift checks share (`npm run access-drift`, `npm run edge-drift`): `<stack>
 * <aws-cli-output.json>`, the stack file parsed and checked, the AWS CLI's JSON read; the check
 * itself judges the two. Exit codes: 0 as the stack says, 1 drift, 2 a usage error or unreadable
 * input.
 */
import * as fs from "fs";
import * as path from "path";
import { StackConfig, formatProblem, parseStackConfig, projectConfigValues } from "../config/schema";
import { readStackFile } from "../offline/stackFile";
import { UsageError, execute, parseCommand, userPath } from "./args";

/** What a drift check made of the stack and the AWS CLI's output: its report and whether anything drifted. */
export interface DriftJudgement {
    readonly report: string;
    readonly drifted: boolean;
}

/**
 * Runs one AWS drift check as a command. `judge` gets the parsed stack and the JSON, and returns
 * a string when the JSON is not what the check reads (a usage error naming the file).
 */
export function awsDriftCommand(
    label: string,
    usage: string,
    judge: (config: StackConfig, output: unknown) => DriftJudgement | string,
    argv: readonly string[] = process.argv.slice(2),
): number {
    return execute((io) => {
        const { positionals } = parseCommand(argv, {}, usage);
        const [stack, file] = positionals;
        if (!stack || !file || positionals.length > 2) throw new UsageError(usage);
        const parsed = parseStackConfig(projectConfigValues(readStackFile(path.resolve(__dirname, ".."), stack).config));
        if (!parsed.ok) throw new UsageError(`Pulumi.${stack}.yaml is invalid:\n${parsed.problems.map(formatProblem).join("\n")}`);
        let output: unknown;
        try {
            output = JSON.parse(fs.readFileSync(userPath(file), "utf8"));
        } catch (e) {
            throw new UsageError(`${label}: cannot read ${file} as JSON: ${(e as Error).message}`);
        }
        const judged = judge(parsed.config, output);
        if (typeof judged === "string") throw new UsageError(`${label}: ${file}: ${judged}`);
        io.stdout(`${judged.report}\n`);
        return judged.drifted ? 1 : 0;
    });
}

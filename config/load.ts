/**
 * The one place the program reads Pulumi config. Every key of the project is handed to the pure
 * `parseStackConfig`; any problem stops the program before a single resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig, formatProblem, parseStackConfig, projectConfigValues } from "./schema";

export function loadStackConfig(): StackConfig {
    const result = parseStackConfig(projectConfigValues(pulumi.runtime.allConfig()));
    for (const warning of result.warnings) void pulumi.log.warn(formatProblem(warning));
    if (!result.ok) {
        const lines = result.problems.map((p) => `  ${formatProblem(p)}`);
        // RunError prints without a stack trace: the message is the whole story.
        throw new pulumi.RunError(
            `Invalid stack configuration (${result.problems.length} problem${result.problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`,
        );
    }
    return result.config;
}

/**
 * The one place the program reads Pulumi config. Every key of the project is handed to the pure
 * `parseStackConfig`; any problem stops the program before a single resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, StackConfig, formatProblem, parseStackConfig } from "./schema";

export function loadStackConfig(): StackConfig {
    const result = parseStackConfig(readProjectConfig());
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

/** Every `k8s-platform:*` key of the stack, objects parsed from the JSON the engine passes. */
function readProjectConfig(): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (!key.startsWith(`${PROJECT}:`)) continue;
        raw[key.slice(PROJECT.length + 1)] = parseValue(value);
    }
    return raw;
}

function parseValue(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value; // a plain string such as `production`
    }
}

/**
 * The one place the program reads Pulumi config. Every key of the project is handed to the pure
 * `parseStackConfig`; any problem stops the program before a single resource is registered. Each
 * problem names the line of the stack file where its key is written, when the file is there and
 * holds the value the program was given.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigProblem, PROJECT, StackConfig, formatProblem, misspeltProjectKeys, parseStackConfig, projectConfigValues } from "./schema";
import { StackSource, readStackSource, sourceLine } from "./source";

/** The project directory, where Pulumi.yaml and the stack files are (this file is in config/). */
const PROJECT_DIR = path.resolve(__dirname, "..");

export function loadStackConfig(): StackConfig {
    const given = pulumi.runtime.allConfig();
    const result = parseStackConfig(projectConfigValues(given));
    const warnings = [...misspeltProjectKeys(given), ...result.warnings];
    const locate = result.ok && warnings.length === 0 ? (p: ConfigProblem) => p : locator(given);
    for (const warning of warnings) void pulumi.log.warn(formatProblem(locate(warning)));
    if (!result.ok) {
        const lines = result.problems.map((p) => `  ${formatProblem(locate(p))}`);
        // RunError prints without a stack trace: the message is the whole story.
        throw new pulumi.RunError(
            `Invalid stack configuration (${result.problems.length} problem${result.problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`,
        );
    }
    return result.config;
}

/** A problem found outside the config check (the promotion gate's), with its line when known. */
export function formatLocatedProblem(problem: ConfigProblem): string {
    return formatProblem(locator(pulumi.runtime.allConfig())(problem));
}

/**
 * Adds to a problem the line of `Pulumi.<stack>.yaml` where its key is written. Without the
 * file (a stackConfigDir elsewhere, a deployment that ships no stack files) or when it cannot be
 * read, problems go without lines.
 */
function locator(given: Readonly<Record<string, string>>): (p: ConfigProblem) => ConfigProblem {
    let source: StackSource;
    try {
        const file = path.join(PROJECT_DIR, `Pulumi.${pulumi.getStack()}.yaml`);
        source = readStackSource(path.basename(file), fs.readFileSync(file));
    } catch {
        return (p) => p;
    }
    return (p) => {
        const [key, rest] = p.keys && p.keys.length > 0 ? [`${PROJECT}:${String(p.keys[0])}`, p.keys.slice(1)] : [p.path, []];
        const line = sourceLine(source, given, key, rest);
        return line === undefined ? p : { ...p, source: { file: source.file, line } };
    };
}

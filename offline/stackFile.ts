/**
 * Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI hands it to a program: every key
 * `namespace:name`, strings as they are, everything else as JSON text. A file that cannot be a
 * stack file (binary data, broken YAML, a list where the mapping belongs) is refused as a whole,
 * by name, with a StackFileError.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { StackFileError, StackSource, readStackSource } from "../config/source";

export { StackFileError } from "../config/source";

export interface StackFile {
    readonly stack: string;
    readonly project: string;
    /** Config as the engine passes it to the language host (PULUMI_CONFIG). */
    readonly config: Readonly<Record<string, string>>;
    /** The file with the positions of its keys. */
    readonly source: StackSource;
}

export function readStackFile(projectDir: string, stack: string): StackFile {
    const project = (parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file))
        throw new StackFileError(`No stack file ${path.basename(file)}: known stacks are ${knownStacks(projectDir).join(", ")}`);
    const source = readStackSource(path.basename(file), fs.readFileSync(file));
    return { stack, project, config: source.config, source };
}

/** A stack file named by its path (`Pulumi.<stack>.yaml` anywhere), for stacks that are not the project's own. */
export function readStackFileAt(projectDir: string, file: string): StackFile {
    const project = (parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
    if (!fs.existsSync(file)) throw new Error(`No stack file ${file}`);
    const stack = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(file))?.[1] ?? path.basename(file, ".yaml");
    if (!isStackName(stack))
        throw new StackFileError(`${path.basename(file)}: "${stack}" is not a stack name (letters, digits, -, _ and ., not . or ..)`);
    const source = readStackSource(path.basename(file), fs.readFileSync(file));
    return { stack, project, config: source.config, source };
}

/** The `config` section of an already parsed stack file, as the engine passes it. */
export function configFromDocument(document: unknown): Record<string, string> {
    const doc = (document ?? {}) as { config?: Record<string, unknown> };
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        if (value !== null && typeof value === "object" && "secure" in value) {
            throw new StackFileError(`${key} is a secret; the offline plan cannot decrypt it (run pulumi preview instead)`);
        }
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return config;
}

/** A Pulumi stack name: letters, digits, `-`, `_` and `.` (Pulumi's rule), and never `.` or `..`, which name folders. */
export function isStackName(name: string): boolean {
    return /^[A-Za-z0-9_.-]{1,100}$/.test(name) && name !== "." && name !== "..";
}

export function knownStacks(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

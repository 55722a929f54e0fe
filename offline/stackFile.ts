/**
 * Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI hands it to a program: every key
 * `namespace:name`, strings as they are, everything else as JSON text.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export interface StackFile {
    readonly stack: string;
    readonly project: string;
    /** Config as the engine passes it to the language host (PULUMI_CONFIG). */
    readonly config: Readonly<Record<string, string>>;
}

export function readStackFile(projectDir: string, stack: string): StackFile {
    const project = (parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file))
        throw new Error(`No stack file ${path.basename(file)}: known stacks are ${knownStacks(projectDir).join(", ")}`);
    return { stack, project, config: configFromYaml(fs.readFileSync(file, "utf8")) };
}

/** A stack file named by its path (`Pulumi.<stack>.yaml` anywhere), for stacks that are not the project's own. */
export function readStackFileAt(projectDir: string, file: string): StackFile {
    const project = (parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
    if (!fs.existsSync(file)) throw new Error(`No stack file ${file}`);
    const stack = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(file))?.[1] ?? path.basename(file, ".yaml");
    return { stack, project, config: configFromYaml(fs.readFileSync(file, "utf8")) };
}

export function configFromYaml(text: string): Record<string, string> {
    return configFromDocument(parse(text));
}

/** The `config` section of a parsed stack file, as the engine passes it. */
export function configFromDocument(document: unknown): Record<string, string> {
    const doc = (document ?? {}) as { config?: Record<string, unknown> };
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        if (value !== null && typeof value === "object" && "secure" in value) {
            throw new Error(`${key} is a secret; the offline plan cannot decrypt it (run pulumi preview instead)`);
        }
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return config;
}

export function knownStacks(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/**
 * Large stacks for the benchmark and the scale tests: the shipped nonprod stack file with its
 * business namespaces replaced by `count` generated ones of three apps each (web, api, worker),
 * a flow from each namespace's api to the next one's, and the CIDR sources pointed at the first.
 */
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { StackFile, configFromDocument } from "./stackFile";

export const GENERATED_APPS = ["web", "api", "worker"] as const;

export function generatedNamespaceName(i: number): string {
    return `ns-${String(i).padStart(4, "0")}`;
}

/** The stack file's document (as parsed YAML) with `count` generated business namespaces. */
export function generatedStackDocument(projectDir: string, count: number): Record<string, unknown> {
    const doc = parse(fs.readFileSync(path.join(projectDir, "Pulumi.nonprod.yaml"), "utf8")) as { config: Record<string, unknown> };
    const network = doc.config["k8s-platform:network"] as Record<string, unknown> & { cidrSources?: Record<string, unknown>[] };
    const names = Array.from({ length: count }, (_, i) => generatedNamespaceName(i));
    const first = names[0]!;
    doc.config["k8s-platform:network"] = {
        ...network,
        namespaces: names.map((name) => ({ name, team: `team-${name.slice(3)}`, apps: [...GENERATED_APPS] })),
        flows: names.slice(1).map((name, i) => ({ from: `${names[i]!}/api`, to: `${name}/api`, ports: [8080] })),
        cidrSources: (network.cidrSources ?? []).map((s, i) => ({ ...s, to: `${first}/${i === 0 ? "api" : "web"}` })),
    };
    return doc;
}

export function generatedStackYaml(projectDir: string, count: number): string {
    return stringify(generatedStackDocument(projectDir, count), { lineWidth: 0 });
}

export function generatedStackFile(projectDir: string, count: number): StackFile {
    const project = (parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
    return { stack: `generated-${count}`, project, config: configFromDocument(generatedStackDocument(projectDir, count)) };
}

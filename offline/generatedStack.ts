/**
 * Large stacks for the benchmark and the scale tests: the shipped nonprod stack file with its
 * business namespaces replaced by `count` generated ones of three apps each (web, api, worker),
 * a flow from each namespace's api to the next one's, and the CIDR sources pointed at the first.
 */
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { readStackSource } from "../config/source";
import { StackFile } from "./stackFile";

export const GENERATED_APPS = ["web", "api", "worker"] as const;

export function generatedNamespaceName(i: number): string {
    return `ns-${String(i).padStart(4, "0")}`;
}

/** The stack file's document (as parsed YAML) with `count` generated business namespaces. */
export function generatedStackDocument(projectDir: string, count: number): Record<string, unknown> {
    const doc = parse(fs.readFileSync(path.join(projectDir, "Pulumi.nonprod.yaml"), "utf8")) as { config: Record<string, unknown> };
    const network = doc.config["k8s-platform:network"] as Record<string, unknown> & {
        cidrSources?: Record<string, unknown>[];
        egressDestinations?: { name: string }[];
    };
    const names = Array.from({ length: count }, (_, i) => generatedNamespaceName(i));
    const first = names[0]!;
    const teamOf = (name: string) => `team-${name.slice(3)}`;
    doc.config["k8s-platform:network"] = {
        ...network,
        namespaces: names.map((name) => ({ name, team: teamOf(name), apps: [...GENERATED_APPS] })),
        flows: names.slice(1).map((name, i) => ({ from: `${names[i]!}/api`, to: `${name}/api`, ports: [8080] })),
        cidrSources: (network.cidrSources ?? []).map((s, i) => ({ ...s, to: `${first}/${i === 0 ? "api" : "web"}` })),
        // Each destination reached by the workers of one namespace, in turn.
        egress: (network.egressDestinations ?? []).map((d, i) => ({ from: `${names[i % count]!}/worker`, to: d.name })),
    };
    // The stack file's team access entries, given to the first generated teams.
    const cluster = doc.config["k8s-platform:cluster"] as { accessEntries?: { team?: string }[] };
    let team = 0;
    cluster.accessEntries = (cluster.accessEntries ?? []).map((e) => (e.team ? { ...e, team: teamOf(names[team++ % count]!) } : e));
    return doc;
}

export function generatedStackYaml(projectDir: string, count: number): string {
    return stringify(generatedStackDocument(projectDir, count), { lineWidth: 0 });
}

export function generatedStackFile(projectDir: string, count: number): StackFile {
    const project = (parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
    const source = readStackSource(`Pulumi.generated-${count}.yaml`, new TextEncoder().encode(generatedStackYaml(projectDir, count)));
    return { stack: `generated-${count}`, project, config: source.config, source };
}

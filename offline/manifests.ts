/**
 * The offline plan's out/<stack>/: the Kubernetes objects the stack applies, as files that
 * `kubectl apply -f out/<stack>/` takes in the right order. kubectl visits a folder's files in
 * lexical order (k8s.io/cli-runtime pkg/resource/visitor.go, ExpandPathsToFileVisitors walks the
 * folder with Go's filepath.Walk, which "walks the files in lexical order") and applies a file's
 * documents in order, so the file names carry the order: the Namespaces first, then each
 * namespace's policies, then the objects of a CustomResourceDefinition the folder does not hold.
 * Nothing else goes in the folder: every document has apiVersion and kind.
 */
import { stringify } from "yaml";
import { Namespace, NetworkPolicy } from "../engine/k8s";
import { Manifest } from "./deployed";

export interface ManifestFile {
    /** The file's name inside out/<stack>/. */
    readonly name: string;
    readonly text: string;
}

/** A policy named so is the namespace's isolation: applied after its allows (see below). */
const DEFAULT_DENY = "default-deny";

/**
 * `00-namespaces.yaml`, one `10-<namespace>.yaml` per namespace with policies, and
 * `20-<namespace>-<kind>.yaml` for each custom kind (the Gateway), headed by a comment naming the
 * CRDs to apply first (`crdNote`). In a namespace's file the `default-deny` policy comes last, as
 * the program registers it after the allows: pods already running never lose traffic the intent
 * allows while the file is applied.
 */
export function manifestFiles(
    namespaces: readonly Namespace[],
    policies: readonly NetworkPolicy[],
    custom: readonly Manifest[],
    crdNote: (kind: string) => string,
): ManifestFile[] {
    const yaml = (objects: readonly object[]) => objects.map((o) => stringify(o, { lineWidth: 0 })).join("---\n");
    const files: ManifestFile[] = [{ name: "00-namespaces.yaml", text: yaml(namespaces) }];
    for (const ns of namespaces) {
        const own = policies.filter((p) => p.metadata.namespace === ns.metadata.name);
        if (own.length === 0) continue;
        const ordered = [...own.filter((p) => p.metadata.name !== DEFAULT_DENY), ...own.filter((p) => p.metadata.name === DEFAULT_DENY)];
        files.push({ name: `10-${ns.metadata.name}.yaml`, text: yaml(ordered) });
    }
    const groups = new Map<string, Manifest[]>();
    for (const m of custom) {
        const key = `20-${m.metadata.namespace ?? "cluster"}-${m.kind.toLowerCase()}.yaml`;
        groups.set(key, [...(groups.get(key) ?? []), m]);
    }
    for (const [name, objects] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const note = crdNote(objects[0]!.kind)
            .split("\n")
            .map((l) => `# ${l}`.trimEnd())
            .join("\n");
        files.push({ name, text: `${note}\n${yaml(objects)}` });
    }
    return files;
}

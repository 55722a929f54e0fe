/** Renders recorded registrations as a preview-like tree with counts. */
import { Registration } from "./mockRuntime";

export function renderResourceTree(stackLabel: string, registrations: readonly Registration[]): string {
    const children = new Map<string | undefined, Registration[]>();
    for (const r of registrations) {
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const rows: [string, string, string][] = [["", "pulumi:pulumi:Stack", stackLabel]];
    const walk = (parent: string | undefined, prefix: string): void => {
        const list = children.get(parent) ?? [];
        list.forEach((r, i) => {
            const last = i === list.length - 1;
            rows.push([`${prefix}${last ? "└─ " : "├─ "}`, r.type, `${r.name}${r.protect ? " (protected)" : ""}`]);
            walk(r.urn, `${prefix}${last ? "   " : "│  "}`);
        });
    };
    walk(undefined, "");
    const width = Math.max(...rows.map(([p, t]) => p.length + t.length)) + 2;
    const lines = rows.map(([p, t, n]) => `${(p + t).padEnd(width)}${n}`);

    const byType = new Map<string, number>();
    for (const r of registrations) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
    const counts = [...byType.entries()]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([t, n]) => `  ${String(n).padStart(4)}  ${t}`);
    return [...lines, "", `Resources: ${registrations.length + 1} to create (stack included)`, ...counts].join("\n");
}

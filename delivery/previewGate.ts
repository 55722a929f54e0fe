/**
 * The prod preview gate: reads `pulumi preview --json` and names every step that would replace or
 * delete a resource whose loss is not recoverable by a re-run: the cluster, its KMS key, a
 * namespace (replacing one deletes every workload in it) or the Kubernetes provider (replacing it
 * replaces everything created through it).
 */

export const GUARDED_TYPES: Readonly<Record<string, string>> = {
    "eks:index:Cluster": "the EKS cluster",
    "aws:eks/cluster:Cluster": "the EKS control plane",
    "aws:kms/key:Key": "the KMS key of the cluster's secrets",
    "kubernetes:core/v1:Namespace": "a namespace and every workload in it",
    "pulumi:providers:kubernetes": "the Kubernetes provider and everything created through it",
};

/** Step operations that remove a resource, now or after its replacement is created. */
const DESTRUCTIVE_OPS = new Set([
    "delete",
    "replace",
    "create-replacement",
    "delete-replaced",
    "import-replacement",
    "read-replacement",
    "discard",
    "discard-replaced",
]);

export interface GuardedChange {
    readonly op: string;
    readonly type: string;
    readonly name: string;
    readonly urn: string;
}

export type GateResult =
    | { readonly ok: true; readonly changes: readonly GuardedChange[]; readonly steps: number }
    | { readonly ok: false; readonly error: string };

interface PreviewStep {
    op?: unknown;
    urn?: unknown;
    oldState?: { type?: unknown };
    newState?: { type?: unknown };
}

export function guardedChanges(preview: unknown): GateResult {
    const steps = (preview as { steps?: unknown } | null)?.steps;
    if (!Array.isArray(steps)) return { ok: false, error: "not the output of `pulumi preview --json`: no steps list" };
    const changes = new Map<string, GuardedChange>();
    for (const step of steps as PreviewStep[]) {
        if (typeof step.op !== "string" || typeof step.urn !== "string" || !DESTRUCTIVE_OPS.has(step.op)) continue;
        const type = String(step.newState?.type ?? step.oldState?.type ?? typeFromUrn(step.urn));
        if (!(type in GUARDED_TYPES)) continue;
        // One line per resource: a replacement shows up as several steps.
        if (!changes.has(step.urn))
            changes.set(step.urn, { op: step.op, type, name: step.urn.split("::").pop() ?? step.urn, urn: step.urn });
    }
    return { ok: true, changes: [...changes.values()], steps: steps.length };
}

/** `urn:pulumi:stack::project::parent$type::name` -> `type`. */
export function typeFromUrn(urn: string): string {
    const parts = urn.split("::");
    return (parts[parts.length - 2] ?? "").split("$").pop() ?? "";
}

export function formatGate(result: GateResult): string {
    if (!result.ok) return `preview gate: ${result.error}`;
    if (result.changes.length === 0)
        return `preview gate: passed; none of the ${result.steps} steps replaces or deletes a guarded resource.`;
    const lines = result.changes.map((c) => `  ${c.op} ${c.type} ${c.name}: would remove ${GUARDED_TYPES[c.type]}`);
    return [
        `preview gate: FAILED; ${result.changes.length} guarded resource(s) would be replaced or deleted:`,
        ...lines,
        "Change the program so these resources are kept, or run the deletion by hand with a reviewed plan.",
    ].join("\n");
}

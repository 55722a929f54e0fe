/**
 * The prod preview gate: reads `pulumi preview --json` and names every step that would replace or
 * delete a resource whose loss is not recoverable by a re-run: the cluster, its KMS key, a
 * namespace (replacing one deletes every workload in it) or the Kubernetes provider (replacing it
 * replaces everything created through it); and every change of the shared Gateway's load
 * balancer scheme, which makes the controller replace the NLB (a new DNS name that every record
 * outside the stack must follow), unless the new Gateway says the replacement is intended
 * (config `gateway.replaceLoadBalancer`).
 */
import { LOAD_BALANCER_REPLACEMENT_ANNOTATION, LOAD_BALANCER_SCHEME_ANNOTATION } from "../compiler/platform";

const GATEWAY_TYPE = "kubernetes:gateway.networking.k8s.io/v1:Gateway";

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

interface PreviewState {
    type?: unknown;
    inputs?: {
        metadata?: { annotations?: Record<string, unknown> };
        spec?: { infrastructure?: { annotations?: Record<string, unknown> } };
    };
}

interface PreviewStep {
    op?: unknown;
    urn?: unknown;
    oldState?: PreviewState;
    newState?: PreviewState;
}

/** What the gate says about a Gateway whose scheme changes without the replacement being intended. */
export const SCHEME_CHANGE = "the gateway's NLB (its scheme changes: a new load balancer with a new DNS name)";

/** The scheme a Gateway step's state asks for, if any. */
function schemeOf(state: PreviewState | undefined): unknown {
    return state?.inputs?.spec?.infrastructure?.annotations?.[LOAD_BALANCER_SCHEME_ANNOTATION];
}

export function guardedChanges(preview: unknown): GateResult {
    const steps = (preview as { steps?: unknown } | null)?.steps;
    if (!Array.isArray(steps)) return { ok: false, error: "not the output of `pulumi preview --json`: no steps list" };
    const changes = new Map<string, GuardedChange>();
    for (const step of steps as PreviewStep[]) {
        if (typeof step.op !== "string" || typeof step.urn !== "string") continue;
        const before = schemeOf(step.oldState);
        if (
            typeFromUrn(step.urn) === GATEWAY_TYPE &&
            before !== undefined &&
            schemeOf(step.newState) !== undefined &&
            before !== schemeOf(step.newState) &&
            step.newState?.inputs?.metadata?.annotations?.[LOAD_BALANCER_REPLACEMENT_ANNOTATION] !== "intended" &&
            !changes.has(step.urn)
        )
            changes.set(step.urn, { op: step.op, type: GATEWAY_TYPE, name: step.urn.split("::").pop() ?? step.urn, urn: step.urn });
        if (!DESTRUCTIVE_OPS.has(step.op)) continue;
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
    const lines = result.changes.map((c) => `  ${c.op} ${c.type} ${c.name}: would remove ${GUARDED_TYPES[c.type] ?? SCHEME_CHANGE}`);
    return [
        `preview gate: FAILED; ${result.changes.length} guarded resource(s) would be replaced or deleted:`,
        ...lines,
        "Change the program so these resources are kept, or run the deletion by hand with a reviewed plan" +
            (result.changes.some((c) => c.type === GATEWAY_TYPE)
                ? "; a new NLB that is intended: set gateway.replaceLoadBalancer: true for that update (docs/edge-operations.md)."
                : "."),
    ].join("\n");
}

/**
 * Access entries against config, pure: what `aws eks list-access-entries` lists for the cluster
 * compared with `cluster.accessEntries`. An entry nobody declared is someone let into the cluster
 * outside the stack (added by hand in the console or CLI), which `pulumi preview --refresh` cannot
 * see: the stack manages its own entries, not the list. EKS makes one entry itself, for the
 * managed node group's role (EKS User Guide, "Grant IAM users access to Kubernetes with EKS
 * access entries": EKS creates the EC2_LINUX entry of a managed node group's role); that role is
 * the stack's own (`platform-*`), so the stack's roles are expected too.
 */
import { PLATFORM_ROLE_PREFIX } from "../bootstrap/policies";

export type AccessEntryFinding =
    | { readonly kind: "outside-stack"; readonly principalArn: string }
    | { readonly kind: "missing"; readonly name: string; readonly principalArn: string };

/** `list-access-entries` output (`{"accessEntries": [arn, ...]}`), or why it is not one. */
export function listedEntries(output: unknown): string[] | string {
    const entries = (output as { accessEntries?: unknown } | null)?.accessEntries;
    if (!Array.isArray(entries) || !entries.every((e) => typeof e === "string"))
        return 'expected the output of `aws eks list-access-entries --output json`: {"accessEntries": ["arn:aws:iam::...", ...]}';
    return entries;
}

export function accessEntryDrift(
    declared: readonly { readonly name: string; readonly principalArn: string }[],
    account: string,
    listed: readonly string[],
): AccessEntryFinding[] {
    const stackRole = (arn: string) => arn.startsWith(`arn:aws:iam::${account}:role/${PLATFORM_ROLE_PREFIX}`);
    const known = new Set(declared.map((d) => d.principalArn));
    const outside = [...new Set(listed)]
        .filter((arn) => !known.has(arn) && !stackRole(arn))
        .sort()
        .map((principalArn): AccessEntryFinding => ({ kind: "outside-stack", principalArn }));
    const missing = declared
        .filter((d) => !listed.includes(d.principalArn))
        .map((d): AccessEntryFinding => ({ kind: "missing", name: d.name, principalArn: d.principalArn }));
    return [...outside, ...missing];
}

export function formatAccessEntryDrift(findings: readonly AccessEntryFinding[]): string {
    if (findings.length === 0) return "access entries: as config declares them";
    return findings
        .map((f) =>
            f.kind === "outside-stack"
                ? `access entry ${f.principalArn}: not in cluster.accessEntries, added outside the stack (remove it, or declare it)`
                : `access entry ${f.name} (${f.principalArn}): declared in cluster.accessEntries, missing from the cluster`,
        )
        .join("\n");
}

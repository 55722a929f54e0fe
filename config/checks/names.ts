/**
 * Kubernetes name and label rules (k8s.io/apimachinery/pkg/util/validation) the sections share.
 */
import { TOOLS_NAMESPACE } from "../../compiler/intent";
import { CERT_MANAGER_NAMESPACE, LB_CONTROLLER_NAMESPACE } from "../../compiler/platform";

// ---------------------------------------------------------------------------------------------
// Kubernetes name and label rules (k8s.io/apimachinery/pkg/util/validation)

/** `cidr` and `dest` too: policy names say `from-cidr.<source>` and `to-dest.<destination>`. */
export const RESERVED_NAMESPACES = [
    "default",
    "tigera-operator",
    TOOLS_NAMESPACE,
    CERT_MANAGER_NAMESPACE,
    LB_CONTROLLER_NAMESPACE,
    "cidr",
    "dest",
];
export const RESERVED_PREFIXES = ["kube-", "calico-"];
export const LABEL_VALUE_HINT = "at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

export function namespaceNameProblem(name: string): { message: string; hint?: string } | undefined {
    if (name.length === 0) return { message: "is empty" };
    if (name.length > 63) return { message: `is ${name.length} characters long; namespace names have at most 63` };
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
        const fixed = name
            .toLowerCase()
            .replace(/[^a-z0-9-]/g, "-")
            .replace(/^-+|-+$/g, "");
        return {
            message: "is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)",
            hint: fixed ? `e.g. ${fixed}` : undefined,
        };
    }
    if (name === TOOLS_NAMESPACE)
        return { message: "is the platform's own tools namespace, not a business namespace", hint: "pick another name" };
    if (RESERVED_NAMESPACES.includes(name) || RESERVED_PREFIXES.some((p) => name.startsWith(p))) {
        return { message: "is reserved for Kubernetes, Calico or the platform", hint: "pick another name" };
    }
    return undefined;
}

export function isLabelValue(value: string): boolean {
    return value.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value);
}

export function isQualifiedLabelKey(key: string): boolean {
    const parts = key.split("/");
    if (parts.length > 2) return false;
    const name = parts[parts.length - 1]!;
    const prefixOk =
        parts.length === 1 ||
        (parts[0]!.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(parts[0]!));
    return prefixOk && name.length > 0 && isLabelValue(name);
}

/** IANA_SVC_NAME, the rule for named container ports. */
export function isNamedPort(name: string): boolean {
    return name.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && /[a-z]/.test(name) && !name.includes("--");
}

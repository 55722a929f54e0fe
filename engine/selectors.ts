/**
 * Label selector matching, as metav1.LabelSelector defines it.
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#resources-that-support-set-based-requirements
 */
import { LabelSelector, LabelSelectorRequirement, Labels } from "./k8s";

/**
 * Whether `labels` satisfy `selector`. An empty selector ({}) matches everything; matchLabels
 * and every matchExpressions requirement are ANDed.
 */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
    for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
        if (labels[key] !== value) return false;
    }
    return (selector.matchExpressions ?? []).every((r) => requirementMatches(r, labels));
}

function requirementMatches(r: LabelSelectorRequirement, labels: Labels): boolean {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.operator) {
        case "In":
            return has && (r.values ?? []).includes(labels[r.key]!);
        case "NotIn":
            // A pod without the key satisfies NotIn (apimachinery labels.Requirement.Matches).
            return !has || !(r.values ?? []).includes(labels[r.key]!);
        case "Exists":
            return has;
        case "DoesNotExist":
            return !has;
        default: {
            const never: never = r.operator;
            throw new Error(`unknown operator ${String(never)}`);
        }
    }
}

export function describeSelector(selector: LabelSelector): string {
    const parts = [
        ...Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
        ...(selector.matchExpressions ?? []).map((r) =>
            r.operator === "Exists"
                ? r.key
                : r.operator === "DoesNotExist"
                  ? `!${r.key}`
                  : `${r.key} ${r.operator === "In" ? "in" : "notin"} (${(r.values ?? []).join(",")})`,
        ),
    ];
    return parts.length === 0 ? "{} (everything)" : `{${parts.join(", ")}}`;
}

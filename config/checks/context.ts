/**
 * What every section's rules share: the sections of the config whose shape is right, the facts
 * read from them once (production or not, the address family), and the sink the rules report
 * problems and warnings into, in the order they run (the order is what the user reads).
 */
import { RawConfig } from "../shape";
import { ConfigProblem, keyPath } from "../problems";

/**
 * The sections of the config whose shape is right; a section with a wrong shape is absent, and
 * the checks that need it are skipped, so its shape problems and every other section's semantic
 * problems are reported together.
 */
export type CheckedSections = Partial<RawConfig>;

/** The checked sections and the problems found so far; each section's rules take it. */
export class CheckContext {
    readonly problems: ConfigProblem[] = [];
    readonly warnings: ConfigProblem[] = [];
    readonly production: boolean;
    readonly ipFamily: 4 | 6;

    /** `today` (YYYY-MM-DD) judges the Kubernetes version against the EKS support calendar. */
    constructor(
        readonly raw: CheckedSections,
        readonly today: string,
    ) {
        this.production = raw.environment === "production";
        // IPv6 is refused (clusterRules), so ranges are judged as IPv4: one wrong ipFamily is one
        // problem, not one more per address range.
        this.ipFamily = 4;
    }

    problem(path: (string | number)[], value: unknown, message: string, hint?: string): void {
        this.problems.push({ path: keyPath(path), keys: path, value, message, ...(hint ? { hint } : {}) });
    }

    warn(path: (string | number)[], value: unknown, message: string, hint?: string): void {
        this.warnings.push({ path: keyPath(path), keys: path, value, message, ...(hint ? { hint } : {}) });
    }

    /** The teams owning the namespaces of network.namespaces, sorted; empty without a network section. */
    teams(): string[] {
        return [...new Set((this.raw.network?.namespaces ?? []).map((ns) => ns.team))].sort(cmp);
    }
}

export function cmp(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

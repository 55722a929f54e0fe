/**
 * Chart versions as Helm reads them, pure. A chart's version is SemVer 2 (Helm's Chart.yaml
 * reference: "version: A SemVer 2 version"), and `helm install --version` also takes a
 * constraint that Helm resolves against the repository's index with Masterminds/semver v3
 * (`~3.32.0`, `^4.13`, `>=1.2 <2`, `1.2.x`, `1.2 - 1.4`, alternatives joined by `||`).
 * https://helm.sh/docs/topics/charts/#charts-and-versioning
 * https://github.com/Masterminds/semver#checking-version-constraints (v3)
 */

export interface Version {
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
    readonly prerelease: string;
}

export type VersionSpec =
    | { readonly kind: "exact"; readonly version: Version }
    /** `lowest` is the lowest version the constraint admits; undefined when it has no lower bound. */
    | { readonly kind: "range"; readonly lowest: Version | undefined };

const IDENT = "[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*";
const EXACT = new RegExp(`^v?(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-(${IDENT}))?(?:\\+${IDENT})?$`);
const PARTIAL = new RegExp(`^v?(\\d+|[xX*])(?:\\.(\\d+|[xX*]))?(?:\\.(\\d+|[xX*]))?(?:-(${IDENT}))?(?:\\+${IDENT})?$`);
const COMPARATOR = /^(!=|>=|=>|<=|=<|~>|[=<>~^])?\s*(\S+)$/;

/** An exact SemVer (`3.32.2`, `v3.32.2`, `1.0.0-rc.1`), or undefined. */
export function parseVersion(text: string): Version | undefined {
    const m = EXACT.exec(text);
    return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: m[4] ?? "" } : undefined;
}

export function compareVersions(a: Version, b: Version): number {
    const byNumber = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
    if (byNumber !== 0) return Math.sign(byNumber);
    // A pre-release sorts before its release (SemVer 2, item 11).
    if (a.prerelease === b.prerelease) return 0;
    if (a.prerelease === "") return 1;
    if (b.prerelease === "") return -1;
    return a.prerelease < b.prerelease ? -1 : 1;
}

export function formatVersion(v: Version): string {
    return `${v.major}.${v.minor}.${v.patch}${v.prerelease ? `-${v.prerelease}` : ""}`;
}

/** An exact version or a constraint Helm accepts; undefined when the text is neither. */
export function parseVersionSpec(text: string): VersionSpec | undefined {
    const trimmed = text.trim();
    if (trimmed === "") return undefined;
    const exact = parseVersion(trimmed);
    if (exact) return { kind: "exact", version: exact };
    let lowest: Version | undefined;
    let unbounded = false;
    for (const alternative of trimmed.split("||")) {
        const set = comparatorSetLowest(alternative.trim());
        if (set === undefined) return undefined;
        if (set === "unbounded") unbounded = true;
        else if (!lowest || compareVersions(set, lowest) < 0) lowest = set;
    }
    return { kind: "range", lowest: unbounded ? undefined : lowest };
}

/** The lowest version one AND-ed set of comparators admits, "unbounded" without a lower bound. */
function comparatorSetLowest(text: string): Version | "unbounded" | undefined {
    if (text === "") return undefined;
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
    if (hyphen) {
        const from = partial(hyphen[1]!);
        return from && partial(hyphen[2]!) ? from.floor : undefined;
    }
    // Comparators are separated by spaces or commas; an operator may be followed by spaces.
    const tokens = text.replace(/(!=|>=|=>|<=|=<|~>|[=<>~^])\s+/g, "$1").split(/[\s,]+/);
    let lowest: Version | undefined;
    for (const token of tokens) {
        const m = COMPARATOR.exec(token);
        const version = m ? partial(m[2]!) : undefined;
        if (!m || !version) return undefined;
        const op = m[1] ?? "=";
        let bound: Version | undefined;
        if (op === ">") bound = version.above;
        else if (op !== "<" && op !== "<=" && op !== "=<" && op !== "!=") bound = version.floor;
        if (bound && (!lowest || compareVersions(bound, lowest) > 0)) lowest = bound;
    }
    return lowest ?? "unbounded";
}

/** A possibly partial version (`3`, `3.32`, `3.32.x`): its lowest member, and the lowest above all its members. */
function partial(text: string): { floor: Version; above: Version } | undefined {
    const m = PARTIAL.exec(text);
    if (!m) return undefined;
    const part = (s: string | undefined) => (s === undefined || /^[xX*]$/.test(s) ? undefined : Number(s));
    const [major, minor, patch] = [part(m[1]), part(m[2]), part(m[3])];
    if (major === undefined) return { floor: v(0, 0, 0), above: v(0, 0, 0) };
    const floor = v(major, minor ?? 0, patch ?? 0, m[4] ?? "");
    if (minor === undefined) return { floor, above: v(major + 1, 0, 0) };
    if (patch === undefined) return { floor, above: v(major, minor + 1, 0) };
    return { floor, above: v(major, minor, patch + 1) };
}

function v(major: number, minor: number, patch: number, prerelease = ""): Version {
    return { major, minor, patch, prerelease };
}

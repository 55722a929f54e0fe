/**
 * Kubernetes versions on EKS, pure: which minor versions EKS offers, until when each is in
 * standard and in extended support, and the EKS add-on versions this program pins for each.
 * Dates are the EKS Kubernetes release calendar (EKS User Guide, "Understand the Kubernetes
 * version lifecycle on EKS", docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html,
 * mirrored at endoflife.date/amazon-eks, read 2026-12-03). Standard support lasts 14 months
 * from the EKS release, extended support 12 more; after that EKS upgrades the cluster itself.
 * Re-read the calendar when adding a version.
 */

export interface EksVersion {
    /** `1.35` */
    readonly minor: string;
    /** When EKS made it available (YYYY-MM-DD). */
    readonly released: string;
    /** Last day of standard support; past it, an EXTENDED cluster bills extended support. */
    readonly endOfStandardSupport: string;
    /** Last day of extended support; past it, EKS upgrades the control plane itself. */
    readonly endOfExtendedSupport: string;
}

export const EKS_VERSIONS: readonly EksVersion[] = [
    { minor: "1.32", released: "2025-01-25", endOfStandardSupport: "2026-03-23", endOfExtendedSupport: "2027-03-23" },
    { minor: "1.33", released: "2025-05-28", endOfStandardSupport: "2026-07-29", endOfExtendedSupport: "2027-07-29" },
    { minor: "1.34", released: "2025-10-06", endOfStandardSupport: "2026-12-02", endOfExtendedSupport: "2027-12-02" },
    { minor: "1.35", released: "2026-01-28", endOfStandardSupport: "2027-03-27", endOfExtendedSupport: "2028-03-27" },
    // EKS release: June 2, 2026; standard support to August 2, 2027 (EKS User Guide, "Review
    // release notes for Kubernetes versions on standard support", Kubernetes 1.36). Not pinned
    // by the stacks yet: the Calico and NGINX Gateway Fabric releases pinned here state no 1.36
    // support in the sources read (see docs/kubernetes-versions.md).
    { minor: "1.36", released: "2026-06-02", endOfStandardSupport: "2027-08-02", endOfExtendedSupport: "2028-08-02" },
];

/**
 * EKS add-on versions pinned per Kubernetes minor: the latest version of the EKS add-on type for
 * that cluster version in the EKS User Guide tables ("Manage CoreDNS for DNS in Amazon EKS
 * clusters", CoreDNS versions; "Manage kube-proxy in Amazon EKS clusters", kube-proxy versions;
 * docs.amazonaws.cn/en_us/eks/latest/userguide/, read 2026-12-03). Add-ons not listed here
 * (vpc-cni, eks-pod-identity-agent, aws-ebs-csi-driver) are created without a version, so EKS
 * installs its default for the cluster's version; their eksbuild versions for 1.35 were not in
 * the sources read, and a guessed one would fail the update.
 */
export const ADDON_VERSIONS: Readonly<Record<string, { readonly coredns: string; readonly kubeProxy: string }>> = {
    "1.33": { coredns: "v1.13.2-eksbuild.4", kubeProxy: "v1.33.10-eksbuild.2" },
    "1.34": { coredns: "v1.13.2-eksbuild.7", kubeProxy: "v1.34.6-eksbuild.2" },
    "1.35": { coredns: "v1.14.2-eksbuild.4", kubeProxy: "v1.35.3-eksbuild.2" },
};

/**
 * The newest Kubernetes version the pinned charts and add-ons were checked against
 * (docs/kubernetes-versions.md): Calico v3.32 (its e2e tests float on the stable Kubernetes and the two
 * before it; 1.35 on its requirements page, github.com/orgs/projectcalico/discussions/11717), NGINX
 * Gateway Fabric 2.x ("1.25+", its README's technical specifications), the add-on pins above.
 * A newer version plans with a warning until these are checked again.
 */
export const CHARTS_CHECKED_UP_TO = "1.35";

/** Compares two minor versions (`1.9` < `1.10`). */
export function compareMinor(a: string, b: string): number {
    const [am, an] = a.split(".").map(Number) as [number, number];
    const [bm, bn] = b.split(".").map(Number) as [number, number];
    return am - bm || an - bn;
}

/** A Kubernetes minor version as EKS names it: `1.35` (no patch, no `v`). */
export function isMinorVersion(text: string): boolean {
    return /^1\.(0|[1-9]\d*)$/.test(text);
}

export type VersionSupport =
    | { readonly kind: "unknown" }
    | { readonly kind: "standard"; readonly version: EksVersion }
    | { readonly kind: "extended"; readonly version: EksVersion }
    | { readonly kind: "ended"; readonly version: EksVersion };

/** Where `minor` stands on `today` (YYYY-MM-DD): a support date is the last day of its phase. */
export function versionSupport(minor: string, today: string): VersionSupport {
    const version = EKS_VERSIONS.find((v) => v.minor === minor);
    if (!version) return { kind: "unknown" };
    if (today <= version.endOfStandardSupport) return { kind: "standard", version };
    if (today <= version.endOfExtendedSupport) return { kind: "extended", version };
    return { kind: "ended", version };
}

/** The newest minor in standard support on `today`. */
export function newestInStandardSupport(today: string): string | undefined {
    const inStandard = EKS_VERSIONS.filter((v) => v.released <= today && today <= v.endOfStandardSupport);
    return inStandard.length > 0 ? inStandard[inStandard.length - 1]!.minor : undefined;
}

/** `YYYY-MM-DD` of a date, in UTC. */
export function isoDay(date: Date): string {
    return date.toISOString().slice(0, 10);
}

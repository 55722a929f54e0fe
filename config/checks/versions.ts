/**
 * Versions: the Kubernetes version against the EKS calendar, and the pinned chart and Gateway API
 * versions (with the production HTTPS guardrails checked beside them).
 */
import {
    CERT_MANAGER_CHART_EXAMPLE,
    GATEWAY_API_EXAMPLE,
    GATEWAY_CHART_EXAMPLE,
    LB_CONTROLLER_CHART_EXAMPLE,
} from "../../compiler/platform";
import { compareVersions, formatVersion, parseVersion, parseVersionSpec } from "../versions";
import { CHARTS_CHECKED_UP_TO, EKS_VERSIONS, compareMinor, isMinorVersion, newestInStandardSupport, versionSupport } from "../kubernetes";
import { CheckContext } from "./context";
import { gatewayTls } from "./edge";
import { edgeOperationChecks } from "./edgeOperations";

export function versionRules(ctx: CheckContext): void {
    if (ctx.raw.calico)
        chartVersion(ctx, ["calico", "version"], ctx.raw.calico.version, {
            product: "Calico",
            example: "v3.32.2",
            // The releases attach crd.projectcalico.org.v1-<version>.tgz from v3.32 on
            // (github.com/projectcalico/calico releases v3.32.2-v3.32.4); v3.31.7 ships only
            // tigera-operator-v3.31.7.tgz, whose CRDs components/calico.ts does not install.
            minimum: "v3.32.0",
            minimumReason:
                "the first Calico release whose CRDs ship as their own chart (crd.projectcalico.org.v1), which this program installs",
        });
    const gateway = ctx.raw.gateway;
    if (!gateway) return;
    chartVersion(ctx, ["gateway", "chartVersion"], gateway.chartVersion, { example: GATEWAY_CHART_EXAMPLE });
    // A release download URL takes no range: exact everywhere.
    if (!/^v\d+\.\d+\.\d+$/.test(gateway.gatewayApiVersion))
        ctx.problem(
            ["gateway", "gatewayApiVersion"],
            gateway.gatewayApiVersion,
            "is not an exact Gateway API release",
            `e.g. ${GATEWAY_API_EXAMPLE}`,
        );
    if (ctx.production && !gateway.tls)
        ctx.problem(
            ["gateway", "tls"],
            undefined,
            "production serves HTTPS: the gateway needs its certificate",
            "tls: { hostnames: [shop.example.com], hostedZoneId: Z0123456789ABCDEFGHIJ }",
        );
    chartVersion(ctx, ["gateway", "certManager", "chartVersion"], gateway.certManager.chartVersion, {
        example: CERT_MANAGER_CHART_EXAMPLE,
    });
    chartVersion(ctx, ["gateway", "loadBalancerController", "chartVersion"], gateway.loadBalancerController.chartVersion, {
        example: LB_CONTROLLER_CHART_EXAMPLE,
        // docs.aws.amazon.com/eks/latest/userguide/aws-load-balancer-controller.html: 2.7.2 or later.
        minimum: "2.7.2",
        minimumReason: "the oldest AWS recommends on EKS",
    });
    gatewayTls(ctx);
    const edge = edgeOperationChecks(gateway, ctx.raw.environment);
    ctx.problems.push(...edge.problems);
    ctx.warnings.push(...edge.warnings);
}

/**
 * The version against the EKS calendar (config/kubernetes.ts): a version EKS does not offer
 * is refused; one past the end of standard support is warned with the date, and the warning
 * says what `upgradePolicy` does then (EKS User Guide, "Cluster upgrade policy": EXTENDED
 * bills extended support, STANDARD upgrades the cluster at the end of standard support).
 */
export function kubernetesVersion(ctx: CheckContext, version: string, policy: "STANDARD" | "EXTENDED"): void {
    const at = ["cluster", "kubernetesVersion"];
    // The upgrade target: the newest minor in standard support that the pinned charts were
    // checked against (a newer one would plan with the warning below).
    const inStandard = newestInStandardSupport(ctx.today);
    const newest =
        inStandard !== undefined &&
        compareMinor(inStandard, CHARTS_CHECKED_UP_TO) > 0 &&
        versionSupport(CHARTS_CHECKED_UP_TO, ctx.today).kind === "standard"
            ? CHARTS_CHECKED_UP_TO
            : inStandard;
    if (!isMinorVersion(version)) {
        ctx.problem(at, version, "is not a Kubernetes minor version such as 1.35", `quote it: "${newest ?? "1.35"}"`);
        return;
    }
    const support = versionSupport(version, ctx.today);
    if (support.kind !== "unknown" && compareMinor(version, CHARTS_CHECKED_UP_TO) > 0)
        ctx.warn(
            at,
            version,
            `is newer than ${CHARTS_CHECKED_UP_TO}, the newest version the pinned Calico, NGINX Gateway Fabric and EKS add-ons were checked against`,
            "check their support for it, then raise CHARTS_CHECKED_UP_TO in config/kubernetes.ts",
        );
    switch (support.kind) {
        case "unknown":
            ctx.problem(
                at,
                version,
                "is not a version EKS offers (config/kubernetes.ts, from the EKS release calendar)",
                `one of ${EKS_VERSIONS.map((v) => v.minor).join(", ")}`,
            );
            return;
        case "ended":
            ctx.problem(
                at,
                version,
                `left EKS extended support on ${support.version.endOfExtendedSupport}: EKS upgrades such a cluster itself`,
                `upgrade one minor version at a time, nonprod first, to ${newest ?? "a supported version"}`,
            );
            return;
        case "extended":
            ctx.warn(
                at,
                version,
                `left EKS standard support on ${support.version.endOfStandardSupport}` +
                    (policy === "EXTENDED"
                        ? `: the cluster bills extended support until ${support.version.endOfExtendedSupport}`
                        : ": with upgradePolicy STANDARD, EKS upgrades the cluster itself"),
                `upgrade one minor version at a time, nonprod first, to ${newest ?? "a supported version"} (docs/kubernetes-versions.md)`,
            );
            return;
        case "standard":
            return;
        default: {
            const never: never = support;
            throw new Error(`unknown support ${JSON.stringify(never)}`);
        }
    }
}

/**
 * A Helm chart version key, for any chart: an exact SemVer, or outside production a
 * constraint Helm resolves (`~3.32.0`); production pins it exactly. With `minimum`, no version
 * the key admits may be older.
 */
export function chartVersion(
    ctx: CheckContext,
    path: (string | number)[],
    text: string,
    chart: { readonly example: string; readonly product?: string; readonly minimum?: string; readonly minimumReason?: string },
): void {
    const spec = parseVersionSpec(text);
    const what = chart.product ? `${chart.product} version` : "chart version";
    if (!spec) {
        ctx.problem(
            path,
            text,
            `is not a ${what}`,
            ctx.production
                ? `an exact SemVer, e.g. ${chart.example}`
                : `a SemVer such as ${chart.example}, or a range such as ~${chart.example.replace(/^v/, "")}`,
        );
        return;
    }
    if (spec.kind === "range" && ctx.production) {
        ctx.problem(path, text, `production pins an exact ${what}`, `e.g. ${chart.example}`);
        return;
    }
    const minimum = chart.minimum ? parseVersion(chart.minimum) : undefined;
    if (!minimum) return;
    const lowest = spec.kind === "exact" ? spec.version : spec.lowest;
    if (lowest === undefined || compareVersions(lowest, minimum) < 0) {
        const older = spec.kind === "exact" ? "is older than" : `admits ${lowest ? formatVersion(lowest) : "versions"} older than`;
        ctx.problem(
            path,
            text,
            `${older} ${chart.minimum}, ${chart.minimumReason ?? "the oldest this program supports"}`,
            `e.g. ${chart.example}`,
        );
    }
}

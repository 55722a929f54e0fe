import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { LB_CONTROLLER_CHART, LB_CONTROLLER_RELEASE, LB_CONTROLLER_SERVICE_ACCOUNT, lbControllerChartValues } from "../compiler/platform";
import { LB_CONTROLLER_POLICY } from "../compiler/lbControllerPolicy";
import { podIdentityRole } from "./podIdentity";

export interface LoadBalancerControllerArgs {
    /** Chart version (https://aws.github.io/eks-charts aws-load-balancer-controller). */
    readonly chartVersion: string;
    /** The managed namespace it runs in. */
    readonly namespace: string;
    readonly clusterName: pulumi.Input<string>;
    /** Given explicitly: pods cannot reach the instance metadata service to look them up. */
    readonly region: string;
    readonly vpcId: pulumi.Input<string>;
    readonly tags: Record<string, string>;
    /** The permissions boundary of the stack's roles (cluster.permissionsBoundaryArn). */
    readonly permissionsBoundary?: string;
    readonly provider: k8s.Provider;
    /** The namespace, its policies and cert-manager (which issues the controller's webhook certificate). */
    readonly after: pulumi.Input<pulumi.Resource>[];
}

/**
 * The AWS Load Balancer Controller: its own role through EKS Pod Identity with the policy AWS
 * publishes for the pinned version, then the chart.
 */
export class LoadBalancerController extends pulumi.ComponentResource {
    /** The chart: its webhook must serve before a Service of type LoadBalancer is created. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: LoadBalancerControllerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k8s-platform:edge:LoadBalancerController", name, {}, opts);
        const children = { parent: this, provider: args.provider };

        // The controller's role, handed to its service account only, before its pods start.
        const identity = podIdentityRole(
            `${name}-role`,
            {
                clusterName: args.clusterName,
                namespace: args.namespace,
                serviceAccount: LB_CONTROLLER_SERVICE_ACCOUNT,
                inlinePolicy: JSON.stringify(LB_CONTROLLER_POLICY),
                permissionsBoundary: args.permissionsBoundary,
                tags: args.tags,
            },
            this,
        );
        // The chart as plain objects (no release Secret); its webhook certificate from cert-manager.
        const chart = new k8s.helm.v4.Chart(
            `${name}-chart`,
            {
                name: LB_CONTROLLER_RELEASE,
                chart: LB_CONTROLLER_CHART.chart,
                version: args.chartVersion,
                repositoryOpts: { repo: LB_CONTROLLER_CHART.repo },
                namespace: args.namespace,
                values: pulumi
                    .all([args.clusterName, args.vpcId])
                    .apply(([clusterName, vpcId]) => lbControllerChartValues({ clusterName, region: args.region, vpcId })),
            },
            { ...children, dependsOn: [...args.after, ...identity.ready] },
        );

        this.ready = [chart];
        this.registerOutputs({});
    }
}

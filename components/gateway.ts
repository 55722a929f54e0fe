import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { NGF_CHART, NGF_RELEASE, gatewayApiCrdsUrl, ngfChartValues } from "../compiler/platform";
import { retainOnDelete } from "./retainOnDelete";

export interface NginxGatewayArgs {
    /** NGINX Gateway Fabric chart version. */
    readonly chartVersion: string;
    /** Gateway API release whose standard-channel CRDs are installed. */
    readonly gatewayApiVersion: string;
    /** Namespace the control plane and the shared Gateway's data plane run in (tools). */
    readonly namespace: string;
    /** Client ranges the load balancer admits (as the tools policies do). */
    readonly clientRanges: readonly string[];
    /** The shared Gateway, as the pure module built it. */
    readonly gateway: Record<string, unknown>;
    readonly provider: k8s.Provider;
    /** The tools namespace and its policies: the chart's hook Job and controller start segmented and allowed. */
    readonly after: pulumi.Input<pulumi.Resource>[];
}

/**
 * NGINX Gateway Fabric in tools: the Gateway API CRDs, the chart (control plane, GatewayClass
 * `nginx`), and the one shared Gateway whose data plane the control plane provisions.
 */
export class NginxGateway extends pulumi.ComponentResource {
    constructor(name: string, args: NginxGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k8s-platform:gateway:NginxGateway", name, {}, opts);
        const children = { parent: this, provider: args.provider };

        // Gateway API CRDs, applied server-side; retained on delete, since deleting a CRD deletes
        // every route of every team with it. The transform reaches each CRD the remote component
        // registers, as for Calico's CRDs.
        const crds = new k8s.yaml.v2.ConfigFile(
            `${name}-gateway-api-crds`,
            { file: gatewayApiCrdsUrl(args.gatewayApiVersion) },
            { ...children, retainOnDelete: true, transforms: [retainOnDelete] },
        );
        // The chart; its pre-install hook Job needs the tools policies to exist already.
        const release = new k8s.helm.v3.Release(
            `${name}-chart`,
            {
                name: NGF_RELEASE,
                chart: NGF_CHART,
                version: args.chartVersion,
                namespace: args.namespace,
                values: ngfChartValues(args.clientRanges),
            },
            { ...children, dependsOn: [crds, ...args.after] },
        );
        // The shared Gateway; business namespaces attach their HTTPRoutes to it.
        new k8s.apiextensions.CustomResource(`${name}-shared`, args.gateway as k8s.apiextensions.CustomResourceArgs, {
            ...children,
            dependsOn: [release],
        });
        this.registerOutputs({});
    }
}

import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    DataPlaneSettings,
    GatewayManifest,
    LOAD_BALANCER_TYPE_ANNOTATION,
    NGF_CHART,
    NGF_RELEASE,
    gatewayApiCrdsUrl,
    ngfCrdsUrl,
    GatewayStatus,
    gatewayAddress,
    gatewayDisruptionBudget,
    ngfChartValues,
} from "../compiler/platform";
import { retainOnDelete } from "./retainOnDelete";

export interface NginxGatewayArgs {
    /** NGINX Gateway Fabric chart version. */
    readonly chartVersion: string;
    /** Gateway API release whose standard-channel CRDs are installed. */
    readonly gatewayApiVersion: string;
    /** Namespace the control plane and the shared Gateway's data plane run in (tools). */
    readonly namespace: string;
    /** Plain client ranges the load balancer admits: exactly the addresses of the tools policies' ipBlocks. */
    readonly clientRanges: readonly string[];
    /** The data plane's replicas, disruption budget and drain (config gateway.dataPlane, resolved). */
    readonly dataPlane: DataPlaneSettings;
    /** Labels our objects carry. */
    readonly labels: Readonly<Record<string, string>>;
    /** The shared Gateway, as the pure module builds it for the load balancer's subnets. */
    readonly gateway: (loadBalancerSubnetIds: readonly string[]) => GatewayManifest;
    /** The subnets the NLB is placed in (known once the VPC is; only the spec waits for them). */
    readonly loadBalancerSubnetIds: pulumi.Input<string[]>;
    readonly provider: k8s.Provider;
    /** The tools namespace and its policies: the chart's hook Job and controller start segmented and allowed. */
    readonly after: pulumi.Input<pulumi.Resource>[];
}

/**
 * NGINX Gateway Fabric in tools: the Gateway API CRDs, the chart (control plane, GatewayClass
 * `nginx`), and, through `serve`, the one shared Gateway whose data plane the control plane
 * provisions. The Gateway is a step of its own because it waits for the edge (the load balancer
 * controller and the certificate issuer), which in turn waits for this component's CRDs.
 */
export class NginxGateway extends pulumi.ComponentResource {
    /** The Gateway API CRDs: cert-manager's Gateway support needs them before it starts. */
    public readonly crds: pulumi.Resource;
    private readonly release: pulumi.Resource;
    private readonly args: NginxGatewayArgs;

    constructor(
        private readonly name: string,
        args: NginxGatewayArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
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
        // NGF's own CRDs, applied server-side at the chart's version, so a chart bump upgrades
        // them (Helm would not: skipCrds below); forced, since Helm's install owned them before;
        // retained on delete like the Gateway API CRDs.
        const ngfCrds = new k8s.yaml.v2.ConfigFile(
            `${name}-ngf-crds`,
            { file: ngfCrdsUrl(args.chartVersion) },
            { ...children, retainOnDelete: true, transforms: [retainOnDelete, forceServerSideApply] },
        );
        // The chart; its pre-install hook Job needs the tools policies to exist already.
        const release = new k8s.helm.v3.Release(
            `${name}-chart`,
            {
                name: NGF_RELEASE,
                chart: NGF_CHART,
                version: args.chartVersion,
                namespace: args.namespace,
                values: ngfChartValues(args.clientRanges, args.dataPlane),
                skipCrds: true,
            },
            { ...children, dependsOn: [crds, ngfCrds, ...args.after] },
        );
        // A drain or a node group update never takes more nginx pods than the budget allows.
        const budget = gatewayDisruptionBudget(args.namespace, args.dataPlane, args.labels);
        if (budget)
            new k8s.policy.v1.PodDisruptionBudget(`${name}-data-plane`, budget as k8s.policy.v1.PodDisruptionBudgetArgs, {
                ...children,
                dependsOn: [...args.after],
            });
        this.crds = crds;
        this.release = release;
        this.args = args;
        this.registerOutputs({});
    }

    /**
     * The shared Gateway; business namespaces attach their HTTPRoutes to it, once the edge it
     * needs (`edge`: the load balancer controller and the issuer) is there. The update waits (its
     * `pulumi.com/waitFor`, gatewayWaitFor) until it is Programmed, has the NLB's address and every
     * HTTPS listener holds its certificate; its delete waits until the NLB is gone, while the
     * controller it depends on still runs (DELETION_PROPAGATION).
     * A new load balancer type means a new Service (the load balancer controller's docs, nlb.md:
     * never change the type annotation of an existing Service), so the Gateway is deleted first
     * and recreated: NGF deletes its data plane Service with it, which removes the in-tree NLB,
     * and provisions a new one that the controller takes.
     */
    serve(edge: pulumi.Resource[]): { gateway: k8s.apiextensions.CustomResource; address: pulumi.Output<string | undefined> } {
        const { args } = this;
        const gateway = new k8s.apiextensions.CustomResource(
            `${this.name}-shared`,
            {
                apiVersion: "gateway.networking.k8s.io/v1",
                kind: "Gateway",
                metadata: args.gateway([]).metadata,
                spec: pulumi.output(args.loadBalancerSubnetIds).apply((ids) => args.gateway(ids).spec),
                // Not sent (undefined): named so that the live object's status is read back as an output.
                status: undefined,
            },
            {
                parent: this,
                provider: args.provider,
                dependsOn: [this.release, ...edge],
                replaceOnChanges: [`spec.infrastructure.annotations["${LOAD_BALANCER_TYPE_ANNOTATION}"]`],
                deleteBeforeReplace: true,
                // The NLB (a few minutes) and the certificates (DNS-01: Route 53 propagation, then
                // Let's Encrypt); on delete, the controller removing the NLB (DELETION_PROPAGATION).
                customTimeouts: { create: "20m", update: "20m", delete: "20m" },
            },
        );
        const status = (gateway as unknown as { status: pulumi.Output<GatewayStatus | undefined> }).status;
        return { gateway, address: status.apply(gatewayAddress) };
    }
}

/**
 * Server-side apply takes the fields another manager (Helm's install) set instead of failing on
 * the conflict (pulumi-kubernetes annotation `pulumi.com/patchForce`, "Server-Side Apply option").
 */
export const forceServerSideApply: pulumi.ResourceTransform = (args) => {
    if (args.type !== "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition") return undefined;
    const metadata = (args.props["metadata"] ?? {}) as { annotations?: Record<string, string> };
    return {
        props: { ...args.props, metadata: { ...metadata, annotations: { ...metadata.annotations, "pulumi.com/patchForce": "true" } } },
        opts: args.opts,
    };
};

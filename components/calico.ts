import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

export const CALICO_CHART_REPO = "https://docs.tigera.io/calico/charts";
export const CALICO_NAMESPACE = "tigera-operator";

export interface CalicoArgs {
    /** Version of both charts; they are released together and must match. */
    readonly version: string;
    /** Provider of the cluster Calico runs in. */
    readonly provider: k8s.Provider;
    /** What must exist first: nodes to run the operator and calico-node on. */
    readonly after: pulumi.Input<pulumi.Resource>[];
}

/**
 * Calico in policy-only mode on the Amazon VPC CNI: the VPC CNI keeps pod networking, Calico
 * enforces NetworkPolicy. https://docs.tigera.io/calico/latest/getting-started/kubernetes/managed-public-cloud/eks
 */
export class Calico extends pulumi.ComponentResource {
    /** Everything a NetworkPolicy must wait for, so no policy is applied without an enforcer. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: CalicoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k8s-platform:calico:Calico", name, {}, opts);
        const children = { parent: this, provider: args.provider };

        // Since Calico 3.32 the CRDs are their own chart and must exist before the operator.
        const crds = new k8s.helm.v3.Release(
            `${name}-crds`,
            {
                name: "calico-crds",
                chart: "crd.projectcalico.org.v1",
                version: args.version,
                repositoryOpts: { repo: CALICO_CHART_REPO },
                namespace: CALICO_NAMESPACE,
                createNamespace: true,
            },
            { ...children, dependsOn: args.after },
        );
        // The operator, configured for EKS with the VPC CNI doing the networking and no BGP.
        const operator = new k8s.helm.v3.Release(
            `${name}-operator`,
            {
                name: "calico",
                chart: "tigera-operator",
                version: args.version,
                repositoryOpts: { repo: CALICO_CHART_REPO },
                namespace: CALICO_NAMESPACE,
                createNamespace: true,
                values: {
                    installation: {
                        kubernetesProvider: "EKS",
                        cni: { type: "AmazonVPC" },
                        calicoNetwork: { bgp: "Disabled" },
                    },
                },
            },
            { ...children, dependsOn: [crds] },
        );

        this.ready = [crds, operator];
        this.registerOutputs({});
    }
}

import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { retainOnDelete } from "./retainOnDelete";

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

/** The Installation's condition that says Calico runs (operator.tigera.io/v1 InstallationStatus.conditions). */
export const CALICO_READY = "condition=Ready";

/**
 * Calico in policy-only mode on the Amazon VPC CNI: the VPC CNI keeps pod networking, Calico
 * enforces NetworkPolicy. https://docs.tigera.io/calico/latest/getting-started/kubernetes/managed-public-cloud/eks
 */
export class Calico extends pulumi.ComponentResource {
    /** Everything a NetworkPolicy must wait for: ends with the Installation reporting Ready, so no policy precedes enforcement. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: CalicoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k8s-platform:calico:Calico", name, {}, opts);
        const children = { parent: this, provider: args.provider };

        // The CRDs (their own chart since Calico 3.32), rendered by helm.v4.Chart and applied as
        // plain objects (the provider applies server-side): no Helm release record, whose Secret
        // would sit near the 1 MiB object limit, and no release whose uninstall deletes the CRDs
        // and with them every Calico resource of the cluster. Kept on delete and on replacement.
        const crds = new k8s.helm.v4.Chart(
            `${name}-crds`,
            {
                chart: "crd.projectcalico.org.v1",
                version: args.version,
                repositoryOpts: { repo: CALICO_CHART_REPO },
            },
            { ...children, dependsOn: args.after, retainOnDelete: true, transforms: [retainOnDelete] },
        );
        // The operator, without the chart's own Installation: we manage that below, so that
        // Pulumi can wait for its status.
        const operator = new k8s.helm.v3.Release(
            `${name}-operator`,
            {
                name: "calico",
                chart: "tigera-operator",
                version: args.version,
                repositoryOpts: { repo: CALICO_CHART_REPO },
                namespace: CALICO_NAMESPACE,
                createNamespace: true,
                values: { installation: { enabled: false } },
            },
            { ...children, dependsOn: [crds] },
        );
        // Configured for EKS with the VPC CNI doing the networking and no BGP. `pulumi.com/waitFor`
        // (pulumi-kubernetes 4.18+, here 4.34.2) holds the update until the operator reports the
        // installation Ready, i.e. calico-node runs and enforces (the condition mirrors TigeraStatus
        // `calico` Available; tigera/operator api/v1 InstallationStatus.Conditions).
        const installation = new k8s.apiextensions.CustomResource(
            `${name}-installation`,
            {
                apiVersion: "operator.tigera.io/v1",
                kind: "Installation",
                metadata: { name: "default", annotations: { "pulumi.com/waitFor": CALICO_READY } },
                spec: { kubernetesProvider: "EKS", cni: { type: "AmazonVPC" }, calicoNetwork: { bgp: "Disabled" } },
            },
            { ...children, dependsOn: [operator], customTimeouts: { create: "20m", update: "20m" } },
        );

        this.ready = [crds, operator, installation];
        this.registerOutputs({});
    }
}

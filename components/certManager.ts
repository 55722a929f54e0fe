import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    AcmeIssuer,
    CERT_MANAGER_CHART,
    CERT_MANAGER_RELEASE,
    CERT_MANAGER_SERVICE_ACCOUNT,
    certManagerChartValues,
    clusterIssuerManifest,
    route53Policy,
    WAIT_FOR,
} from "../compiler/platform";
import { podIdentityRole } from "./podIdentity";
import { retainOnDelete } from "./retainOnDelete";

export interface CertManagerArgs {
    /** cert-manager chart version (https://charts.jetstack.io). */
    readonly chartVersion: string;
    /** Webhook pods (config gateway.certManager.webhookReplicas, resolved); a PDB from 2. */
    readonly webhookReplicas: number;
    /** The managed namespace it runs in (default deny, policies generated from compiler/platform.ts). */
    readonly namespace: string;
    /** The EKS cluster whose Pod Identity hands the Route 53 role to the controller. */
    readonly clusterName: pulumi.Input<string>;
    /** The Let's Encrypt issuer, with DNS-01 in this hosted zone; none when the user brings the certificate. */
    readonly acme?: {
        readonly issuer: AcmeIssuer;
        readonly hostedZoneId: string;
        readonly region: string;
        readonly email?: string;
        /** The listeners' hostnames: the role may write their challenge records only. */
        readonly hostnames: readonly string[];
    };
    readonly labels: Readonly<Record<string, string>>;
    readonly tags: Record<string, string>;
    /** The permissions boundary of the stack's roles (cluster.permissionsBoundaryArn). */
    readonly permissionsBoundary?: string;
    readonly provider: k8s.Provider;
    /** The namespace and its policies: the pods start segmented, with their ways out already allowed. */
    readonly after: pulumi.Input<pulumi.Resource>[];
}

/**
 * cert-manager with its Gateway API support, and the ClusterIssuer that gets the shared Gateway's
 * certificates from Let's Encrypt through DNS-01 on Route 53, with a role that may write only the
 * challenge TXT records of the listeners' hostnames in the configured zone.
 */
export class CertManager extends pulumi.ComponentResource {
    /** What issuing needs: the chart's pods and webhook, and the issuer reporting Ready. */
    public readonly ready: pulumi.Resource[];
    /** The chart alone, its webhooks callable: what a certificate request (the load balancer controller's) needs. */
    public readonly chart: pulumi.Resource;

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k8s-platform:edge:CertManager", name, {}, opts);
        const children = { parent: this, provider: args.provider };

        // The controller's Route 53 role through EKS Pod Identity, before its pods start (a pod
        // started earlier gets no credentials until restarted).
        const identity = args.acme
            ? podIdentityRole(
                  `${name}-route53`,
                  {
                      clusterName: args.clusterName,
                      namespace: args.namespace,
                      serviceAccount: CERT_MANAGER_SERVICE_ACCOUNT,
                      inlinePolicy: JSON.stringify(route53Policy(args.acme.hostedZoneId, args.acme.hostnames)),
                      permissionsBoundary: args.permissionsBoundary,
                      tags: args.tags,
                  },
                  this,
              )
            : undefined;
        // The chart as plain objects (helm.v4.Chart: no release Secret); its CRDs kept on delete,
        // since deleting them deletes every Certificate and issuer of the cluster.
        const chart = new k8s.helm.v4.Chart(
            `${name}-chart`,
            {
                name: CERT_MANAGER_RELEASE,
                chart: CERT_MANAGER_CHART.chart,
                version: args.chartVersion,
                repositoryOpts: { repo: CERT_MANAGER_CHART.repo },
                namespace: args.namespace,
                values: certManagerChartValues(args.webhookReplicas),
            },
            {
                ...children,
                dependsOn: [...args.after, ...(identity?.ready ?? [])],
                transforms: [retainCrds, waitForWebhookCaBundle],
            },
        );
        // The issuer the Gateway names; Ready once its ACME account is registered.
        const issuer = args.acme
            ? new k8s.apiextensions.CustomResource(
                  `${name}-issuer`,
                  clusterIssuerManifest({
                      issuer: args.acme.issuer,
                      hostedZoneId: args.acme.hostedZoneId,
                      region: args.acme.region,
                      ...(args.acme.email !== undefined ? { email: args.acme.email } : {}),
                      labels: args.labels,
                  }) as k8s.apiextensions.CustomResourceArgs,
                  { ...children, dependsOn: [chart], customTimeouts: { create: "10m", update: "10m" } },
              )
            : undefined;

        this.ready = issuer ? [chart, issuer] : [chart];
        this.chart = chart;
        this.registerOutputs({});
    }
}

/**
 * The chart counts as ready only once cainjector has written the CA bundle into its webhook
 * configurations: before that the API server cannot call the webhook (an x509 error), and the
 * ClusterIssuer created right after the chart would fail the first `up`, since pulumi-kubernetes
 * retries only "no matches for kind" errors. cert-manager's own answer is the startupapicheck
 * Job, a Helm post-install hook, which helm.v4.Chart does not run as a hook; this waits on the
 * field instead (`pulumi.com/waitFor` with a JSONPath: until it exists, @pulumi/kubernetes 4.24+).
 */
export const waitForWebhookCaBundle: pulumi.ResourceTransform = (args) =>
    args.type === "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration" ||
    args.type === "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration"
        ? { props: withAnnotation(args.props, WAIT_FOR, "jsonpath={.webhooks[0].clientConfig.caBundle}"), opts: args.opts }
        : undefined;

function withAnnotation(props: Record<string, unknown>, key: string, value: string): Record<string, unknown> {
    const metadata = (props["metadata"] ?? {}) as { annotations?: Record<string, string> };
    return { ...props, metadata: { ...metadata, annotations: { ...metadata.annotations, [key]: value } } };
}

/** Keeps the chart's CRDs when the stack deletes them (Pulumi ignores Helm's resource-policy: keep). */
const retainCrds: pulumi.ResourceTransform = (args) =>
    args.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition" ? retainOnDelete(args) : undefined;

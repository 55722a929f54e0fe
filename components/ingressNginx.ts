import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { IngressNginxIntent } from "../compiler/intent";

export interface IngressNginxArgs {
    readonly chartVersion: string;
    /** Namespace the controller runs in (tools). */
    readonly namespace: string;
    /** The intent the tools namespace's policies were built from: ports and pod labels must agree. */
    readonly intent: IngressNginxIntent;
    /** An internal (VPC-only) load balancer instead of an internet-facing one. */
    readonly internal: boolean;
    readonly provider: k8s.Provider;
    /** The tools namespace and its policies: the controller starts segmented. */
    readonly after: pulumi.Input<pulumi.Resource>[];
}

/** The nginx ingress controller behind an AWS Network Load Balancer. */
export class IngressNginx extends pulumi.ComponentResource {
    constructor(name: string, args: IngressNginxArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k8s-platform:ingress:IngressNginx", name, {}, opts);

        // The chart labels its controller pods app.kubernetes.io/name=ingress-nginx and
        // component=controller, which the tools policies select on.
        new k8s.helm.v3.Release(
            `${name}-chart`,
            {
                name: "ingress-nginx",
                chart: "ingress-nginx",
                version: args.chartVersion,
                repositoryOpts: { repo: "https://kubernetes.github.io/ingress-nginx" },
                namespace: args.namespace,
                values: {
                    controller: {
                        admissionWebhooks: { port: args.intent.webhookPort },
                        service: {
                            // Local keeps the client's address, so ipBlock rules see the real source.
                            externalTrafficPolicy: "Local",
                            annotations: {
                                "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                                "service.beta.kubernetes.io/aws-load-balancer-internal": String(args.internal),
                            },
                        },
                    },
                },
            },
            { parent: this, provider: args.provider, dependsOn: args.after },
        );
        this.registerOutputs({});
    }
}

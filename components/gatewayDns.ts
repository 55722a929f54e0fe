import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { gatewayAliasRecords } from "../compiler/platform";

export interface GatewayDnsArgs {
    /** The Route 53 hosted zone the hostnames lie in (config gateway.tls.hostedZoneId; the config check keeps them in it). */
    readonly hostedZoneId: string;
    /** The listeners' hostnames: each gets an alias record. */
    readonly hostnames: readonly string[];
    /** The NLB's DNS name, from the Gateway's status once its update has waited for it. */
    readonly address: pulumi.Input<string>;
    /** The NLB's region: its canonical hosted zone, which an alias names, depends on it. */
    readonly region: string;
    /** The Gateway: the records follow its address, and go before it on a destroy. */
    readonly gateway: pulumi.Resource;
}

/**
 * Points the gateway's hostnames at its NLB: one Route 53 alias record per hostname, written by
 * the program from the Gateway's address (see docs/edge-operations.md for why records rather than
 * external-dns). A new NLB (a new address) updates the records in the same `pulumi up`; a destroy
 * deletes them before the Gateway. An existing record of the same name is not taken over
 * (`allowOverwrite` false): the update fails naming it.
 */
export class GatewayDns extends pulumi.ComponentResource {
    constructor(name: string, args: GatewayDnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("k8s-platform:edge:GatewayDns", name, {}, opts);
        // The NLB's canonical hosted zone in this region (a table in the provider: ELB service endpoints).
        const nlbZone = aws.lb.getHostedZoneIdOutput({ loadBalancerType: "network", region: args.region }, { parent: this });
        for (const record of gatewayAliasRecords(args.hostnames))
            new aws.route53.Record(
                `${name}-${record.key}`,
                {
                    zoneId: args.hostedZoneId,
                    name: record.name,
                    type: record.type,
                    allowOverwrite: false,
                    aliases: [{ name: args.address, zoneId: nlbZone.id, evaluateTargetHealth: true }],
                },
                { parent: this, dependsOn: [args.gateway] },
            );
        this.registerOutputs({});
    }
}

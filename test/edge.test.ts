import { strict as assert } from "assert";
import { ProgramRun, Registration } from "../offline/mockRuntime";
import { byName, ofType, runStack, stackConfig } from "./harness";
import { addressIntervals, sameAddresses } from "../compiler/addressSet";
import {
    GATEWAY_POD_LABELS,
    LB_CONTROLLER_POD_LABELS,
    SECURITY_GROUP_INBOUND_RULES,
    acmeChallengeRecordNames,
    gatewayAddress,
    gatewayAliasRecords,
} from "../compiler/platform";
import { LB_CONTROLLER_POLICY } from "../compiler/lbControllerPolicy";
import { subnetLayout } from "../compiler/subnets";
import { waitForWebhookCaBundle } from "../components/certManager";

/**
 * An order a destroy may delete the run's resources in: as the Pulumi engine orders it, a resource
 * goes only after everything that depends on it (its `dependsOn` and inputs) and its children.
 * Among resources free to go, the one registered first goes first: the opposite of what a
 * program's order suggests, so only real dependencies can put one deletion before another.
 */
export function deleteOrder(run: ProgramRun): string[] {
    const dependents = new Map<string, Set<string>>(run.registrations.map((r) => [r.urn, new Set<string>()]));
    for (const r of run.registrations) {
        for (const d of r.dependsOn) dependents.get(d)?.add(r.urn);
        if (r.parent) dependents.get(r.parent)?.add(r.urn);
    }
    const deleted = new Set<string>();
    const order: string[] = [];
    const pending = run.registrations.map((r) => r.urn);
    while (pending.length > 0) {
        const next = pending.findIndex((urn) => [...dependents.get(urn)!].every((d) => deleted.has(d)));
        if (next < 0) throw new Error("a dependency cycle");
        const [urn] = pending.splice(next, 1);
        deleted.add(urn!);
        order.push(urn!);
    }
    return order;
}

const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CHART = "kubernetes:helm.sh/v4:Chart";

function policy(run: ProgramRun, namespace: string, name: string): { spec: Record<string, unknown>; reg: Registration } {
    const reg = byName(run, NETPOL, `ns-${namespace}-${name}`);
    return { spec: reg.inputs["spec"] as Record<string, unknown>, reg };
}

type IpBlock = { cidr: string; except?: string[] };
const ipBlocks = (peers: { ipBlock?: IpBlock }[]) => peers.map((p) => p.ipBlock!);

for (const stack of ["nonprod", "prod"]) {
    describe(`the ${stack} stack's edge: certificates and the load balancer`, () => {
        let run: ProgramRun;
        const vpc = (stackConfig(stack)["k8s-platform:cluster"] as { vpc: { cidr: string; availabilityZones: number } }).vpc;
        before(async () => {
            run = await runStack(stack);
        });

        it("installs cert-manager v1.21.1 as plain objects after its namespace's policies, with Gateway API support and the DNS-01 self-check through cluster DNS", () => {
            const chart = byName(run, CHART, "cert-manager-chart");
            assert.deepEqual(
                [chart.inputs["name"], chart.inputs["chart"], chart.inputs["version"], chart.inputs["namespace"]],
                ["cert-manager", "cert-manager", "v1.21.1", "cert-manager"],
            );
            assert.deepEqual(chart.inputs["repositoryOpts"], { repo: "https://charts.jetstack.io" });
            assert.deepEqual(chart.inputs["values"], {
                image: { digest: "sha256:416a2d76870d996460e62bd7f521bf14fa017be9e3e904aab92163a331fcb61a" },
                // Two webhook pods and a budget of one (the production default; nonprod sets nothing: one).
                webhook: {
                    image: { digest: "sha256:d8b3961b51c8c7320633f8208dc46bf88aa13804d0f7cbe48a096b2c523cee42" },
                    ...(stack === "prod"
                        ? { replicaCount: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } }
                        : { replicaCount: 1 }),
                },
                cainjector: { image: { digest: "sha256:ccf6b919ec0500745a47a910118f834f9636d0aac1ff221245cd2557ed8c7c98" } },
                crds: { enabled: true, keep: true },
                config: {
                    apiVersion: "controller.config.cert-manager.io/v1alpha1",
                    kind: "ControllerConfiguration",
                    gatewayAPI: { enabled: true },
                },
                dns01RecursiveNameserversOnly: true,
                startupapicheck: { enabled: false },
            });
            for (const name of ["default-deny", "cert-manager-to-kube-api", "cert-manager-webhook-from-kube-api"])
                assert.ok(chart.dependsOn.includes(policy(run, "cert-manager", name).reg.urn), name);
            // Its Gateway support reads the Gateway API CRDs at start only: they come first.
            assert.ok(chart.dependsOn.includes(byName(run, "kubernetes:yaml/v2:ConfigFile", "gateway-gateway-api-crds").urn));
            // Its CRDs survive the stack: deleting them deletes every certificate.
            const crd = {
                custom: true,
                type: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
                name: "c",
                props: {},
                opts: {},
            };
            const other = { ...crd, type: "kubernetes:apps/v1:Deployment" };
            assert.equal((chart.transforms[0]!(crd) as { opts: { retainOnDelete?: boolean } }).opts.retainOnDelete, true);
            assert.equal(chart.transforms[0]!(other), undefined);
        });

        it("gives cert-manager a Route 53 role through EKS Pod Identity that may upsert and delete only the challenge TXT records of the listeners' hostnames, before its pods start", () => {
            const tls = (stackConfig(stack)["k8s-platform:gateway"] as { tls: { hostedZoneId: string; hostnames: string[] } }).tls;
            const association = byName(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "cert-manager-route53");
            assert.deepEqual([association.inputs["namespace"], association.inputs["serviceAccount"]], ["cert-manager", "cert-manager"]);
            const permissions = JSON.parse(byName(run, "aws:iam/rolePolicy:RolePolicy", "cert-manager-route53").inputs["policy"] as string);
            const domain = stack === "prod" ? "shop.example.com" : "nonprod.shop.example.com";
            assert.deepEqual(
                tls.hostnames,
                ["", "www.", "account.", "analytics."].map((sub) => `${sub}${domain}`),
            );
            // No ListResourceRecordSets: cert-manager v1.21.1's Route 53 solver never calls it.
            assert.deepEqual(permissions.Statement, [
                { Effect: "Allow", Action: "route53:GetChange", Resource: "arn:aws:route53:::change/*" },
                {
                    Effect: "Allow",
                    Action: "route53:ChangeResourceRecordSets",
                    Resource: `arn:aws:route53:::hostedzone/${tls.hostedZoneId}`,
                    Condition: {
                        "ForAllValues:StringEquals": {
                            "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
                            "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE"],
                            "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
                                `_acme-challenge.account.${domain}`,
                                `_acme-challenge.analytics.${domain}`,
                                `_acme-challenge.${domain}`,
                                `_acme-challenge.www.${domain}`,
                            ],
                        },
                    },
                },
            ]);
            assert.ok(byName(run, CHART, "cert-manager-chart").dependsOn.includes(association.urn));
        });

        it("issues from Let's Encrypt (staging outside production) by DNS-01 in the configured zone, and waits for the issuer", () => {
            const zone = (stackConfig(stack)["k8s-platform:gateway"] as { tls: { hostedZoneId: string } }).tls.hostedZoneId;
            const issuer = byName(run, "kubernetes:cert-manager.io/v1:ClusterIssuer", "cert-manager-issuer");
            const name = stack === "prod" ? "letsencrypt" : "letsencrypt-staging";
            const server =
                stack === "prod"
                    ? "https://acme-v02.api.letsencrypt.org/directory"
                    : "https://acme-staging-v02.api.letsencrypt.org/directory";
            assert.deepEqual(issuer.inputs["metadata"], {
                name,
                labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "k8s-platform" },
                annotations: { "pulumi.com/waitFor": "condition=Ready" },
            });
            assert.deepEqual(issuer.inputs["spec"], {
                acme: {
                    server,
                    privateKeySecretRef: { name: `${name}-account-key` },
                    solvers: [{ dns01: { route53: { region: "eu-west-1", hostedZoneID: zone } } }],
                },
            });
            assert.ok(issuer.dependsOn.includes(byName(run, CHART, "cert-manager-chart").urn));
        });

        it("points each listener hostname at the gateway's NLB with a Route 53 alias in the configured zone, after the Gateway, and exports the address", () => {
            const tls = (stackConfig(stack)["k8s-platform:gateway"] as { tls: { hostedZoneId: string; hostnames: string[] } }).tls;
            const gateway = byName(run, "kubernetes:gateway.networking.k8s.io/v1:Gateway", "gateway-shared");
            const address = "k8s-tools-sharedng-0mock-0123456789abcdef.elb.eu-west-1.amazonaws.com";
            const records = ofType(run, "aws:route53/record:Record");
            assert.deepEqual(records.map((r) => r.inputs["name"]).sort(), [...tls.hostnames].sort());
            for (const record of records) {
                assert.equal(record.name, `dns-${record.inputs["name"]}`);
                assert.deepEqual(
                    [record.inputs["zoneId"], record.inputs["type"], record.inputs["allowOverwrite"], record.inputs["aliases"]],
                    [tls.hostedZoneId, "A", false, [{ name: address, zoneId: "Z0MOCKNLBZONE", evaluateTargetHealth: true }]],
                );
                assert.ok(record.dependsOn.includes(gateway.urn));
            }
            assert.equal(run.outputs["gatewayAddress"], address);
            assert.equal(run.outputs["loadBalancerScheme"], stack === "prod" ? "internet-facing" : "internal");
        });

        it("installs the AWS Load Balancer Controller 3.5.0 with region and VPC given, its webhook certificate from cert-manager, and its own role with AWS's policy", () => {
            const chart = byName(run, CHART, "lb-controller-chart");
            assert.deepEqual(
                [chart.inputs["name"], chart.inputs["chart"], chart.inputs["version"], chart.inputs["namespace"]],
                ["aws-load-balancer-controller", "aws-load-balancer-controller", "3.5.0", "aws-load-balancer-controller"],
            );
            assert.deepEqual(chart.inputs["repositoryOpts"], { repo: "https://aws.github.io/eks-charts" });
            assert.deepEqual(chart.inputs["values"], {
                clusterName: `shop-${stack}`,
                region: "eu-west-1",
                vpcId: "vpc-0mock",
                image: { tag: "v3.5.0@sha256:298acdff5a571731276aaea3d5cc450a264e4ad710a5bddf3e518f68a3f9f6cb" },
                serviceAccount: { create: true, name: "aws-load-balancer-controller" },
                enableCertManager: true,
                enableServiceMutatorWebhook: false,
                podDisruptionBudget: { maxUnavailable: 1 },
                // Nothing here uses an ALB, an Ingress or the controller's own Gateway API support.
                createIngressClassResource: false,
                webhookConfig: { disableIngressValidation: true },
                controllerConfig: { featureGates: { ALBGatewayAPI: false, NLBGatewayAPI: false } },
            });
            assert.ok(chart.dependsOn.includes(byName(run, CHART, "cert-manager-chart").urn));
            // Its webhook certificate needs cert-manager, not Let's Encrypt: no wait on the ACME issuer.
            assert.ok(!chart.dependsOn.includes(byName(run, "kubernetes:cert-manager.io/v1:ClusterIssuer", "cert-manager-issuer").urn));
            const association = byName(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "lb-controller-role");
            assert.deepEqual(
                [association.inputs["namespace"], association.inputs["serviceAccount"]],
                ["aws-load-balancer-controller", "aws-load-balancer-controller"],
            );
            assert.ok(chart.dependsOn.includes(association.urn));
            const document = byName(run, "aws:iam/rolePolicy:RolePolicy", "lb-controller-role").inputs["policy"] as string;
            assert.deepEqual(JSON.parse(document), LB_CONTROLLER_POLICY);
            // An inline policy counts against the role's 10,240 characters (IAM user guide, "IAM and AWS STS quotas").
            assert.ok(document.length < 10_240, `${document.length} characters`);
            for (const name of ["lb-controller-to-aws-apis", "lb-controller-to-pod-identity-agent", "lb-controller-from-kube-api"])
                assert.ok(chart.dependsOn.includes(policy(run, "aws-load-balancer-controller", name).reg.urn), name);
            assert.deepEqual(policy(run, "aws-load-balancer-controller", "lb-controller-to-aws-apis").spec["podSelector"], {
                matchLabels: LB_CONTROLLER_POD_LABELS,
            });
        });

        it("has the load balancer admit exactly the addresses the gateway's client policy admits, within the security group quota", () => {
            const release = byName(run, "kubernetes:helm.sh/v3:Release", "gateway-chart");
            const ranges = (release.inputs["values"] as { nginx: { service: { loadBalancerSourceRanges: string[] } } }).nginx.service
                .loadBalancerSourceRanges;
            const clients = policy(run, "tools", "gateway-from-clients").spec;
            const rule = (clients["ingress"] as { from: { ipBlock?: IpBlock }[] }[])[0]!;
            const blocks = ipBlocks(rule.from);
            assert.ok(
                blocks.some((b) => (b.except ?? []).length > 0),
                "the policy excepts something",
            );
            assert.ok(ranges.every((r) => !r.includes("except")));
            assert.equal(
                sameAddresses(
                    ranges.map((cidr) => ({ cidr })),
                    blocks,
                ),
                true,
            );
            // Not only the same union: no plain range overlaps another (one rule per address).
            const total = addressIntervals(ranges.map((cidr) => ({ cidr })));
            const sizes = ranges.reduce((sum, r) => sum + (1n << BigInt(32 - Number(r.split("/")[1]))), 0n);
            assert.equal(
                total.reduce((sum, i) => sum + (i.last - i.first + 1n), 0n),
                sizes,
            );
            assert.ok(ranges.length * 2 <= SECURITY_GROUP_INBOUND_RULES, `${ranges.length} ranges x 2 ports`);
        });

        it("admits the load balancer's health checks into the gateway's pods from its public subnets, on the readiness endpoint's port only", () => {
            const checks = policy(run, "tools", "gateway-from-load-balancer").spec;
            assert.deepEqual(checks["podSelector"], { matchLabels: GATEWAY_POD_LABELS });
            assert.deepEqual(checks["ingress"], [
                {
                    from: subnetLayout(vpc.cidr, vpc.availabilityZones).public.map((cidr) => ({ ipBlock: { cidr } })),
                    ports: [{ protocol: "TCP", port: 8081 }],
                },
            ]);
        });

        it("lets the API server call the edge's webhooks on their serving ports, and no one else", () => {
            const webhook = policy(run, "cert-manager", "cert-manager-webhook-from-kube-api").spec["ingress"] as {
                from: { ipBlock: IpBlock }[];
                ports: unknown[];
            }[];
            assert.deepEqual(webhook[0]!.ports, [{ protocol: "TCP", port: 10250 }]);
            const controller = policy(run, "aws-load-balancer-controller", "lb-controller-from-kube-api").spec["ingress"] as {
                from: { ipBlock: IpBlock }[];
                ports: unknown[];
            }[];
            assert.deepEqual(controller[0]!.ports, [{ protocol: "TCP", port: 9443 }]);
            assert.deepEqual(webhook[0]!.from, controller[0]!.from);
            assert.ok(webhook[0]!.from.every((p) => p.ipBlock.cidr.endsWith("/28")));
        });
    });
}

describe("the DNS-01 challenge records cert-manager may write", () => {
    it("are the hostnames' names under _acme-challenge, a wildcard's under its parent, each once, lowercase", () => {
        assert.deepEqual(acmeChallengeRecordNames(["shop.example.com", "*.shop.example.com", "Api.Example.com"]), [
            "_acme-challenge.api.example.com",
            "_acme-challenge.shop.example.com",
        ]);
    });
});

describe("the gateway's alias records", () => {
    it("are one A record per hostname, a wildcard as a wildcard record keyed without its star, each once, in name order", () => {
        assert.deepEqual(gatewayAliasRecords(["www.shop.example.com", "*.shop.example.com", "www.shop.example.com"]), [
            { key: "wildcard.shop.example.com", name: "*.shop.example.com", type: "A" },
            { key: "www.shop.example.com", name: "www.shop.example.com", type: "A" },
        ]);
    });

    it("take the NLB's name from the Gateway's Hostname address only, none before it has one", () => {
        assert.equal(
            gatewayAddress({
                addresses: [
                    { type: "IPAddress", value: "10.0.0.1" },
                    { type: "Hostname", value: "nlb.example" },
                ],
            }),
            "nlb.example",
        );
        assert.equal(gatewayAddress({ addresses: [] }), undefined);
        assert.equal(gatewayAddress(undefined), undefined);
    });
});

describe("a destroy of the edge", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runStack("nonprod");
    });

    it("deletes the Gateway (foreground: it waits for the NLB's Service) while the load balancer controller, its role and its way out still exist", () => {
        const order = deleteOrder(run);
        const at = (type: string, name: string) => order.indexOf(byName(run, type, name).urn);
        const gateway = at("kubernetes:gateway.networking.k8s.io/v1:Gateway", "gateway-shared");
        const gw = byName(run, "kubernetes:gateway.networking.k8s.io/v1:Gateway", "gateway-shared");
        assert.equal(
            (gw.inputs["metadata"] as { annotations: Record<string, string> }).annotations["pulumi.com/deletionPropagationPolicy"],
            "foreground",
        );
        const after: [string, string][] = [
            [CHART, "lb-controller-chart"],
            ["aws:eks/podIdentityAssociation:PodIdentityAssociation", "lb-controller-role"],
            ["aws:iam/rolePolicy:RolePolicy", "lb-controller-role"],
            ["aws:iam/role:Role", "lb-controller-role"],
            [NETPOL, "ns-aws-load-balancer-controller-lb-controller-to-aws-apis"],
            [NETPOL, "ns-aws-load-balancer-controller-lb-controller-to-pod-identity-agent"],
            [NETPOL, "ns-aws-load-balancer-controller-lb-controller-to-kube-api"],
            [NETPOL, "ns-aws-load-balancer-controller-default-deny"],
            ["kubernetes:core/v1:Namespace", "ns-aws-load-balancer-controller"],
            ["kubernetes:core/v1:Namespace", "ns-tools"],
            ["kubernetes:helm.sh/v3:Release", "gateway-chart"],
            [CHART, "cert-manager-chart"],
            ["kubernetes:operator.tigera.io/v1:Installation", "calico-installation"],
            ["eks:index:Cluster", "platform-eks"],
        ];
        for (const [type, name] of after) assert.ok(gateway < at(type, name), `the Gateway goes before ${name}`);
        // The hostnames' records go first: nothing points at an NLB that is being deleted.
        for (const record of ofType(run, "aws:route53/record:Record")) assert.ok(order.indexOf(record.urn) < gateway, record.name);
    });
});

describe("cert-manager's chart counts as ready once its webhooks can be called", () => {
    const transform = (type: string, props: Record<string, unknown>) =>
        waitForWebhookCaBundle({ type, name: "cert-manager-webhook", props, opts: {}, custom: true }) as
            { props: { metadata: { name: string; annotations: Record<string, string> } } } | undefined;

    it("waits on the CA bundle cainjector writes into each webhook configuration, keeping its annotations", () => {
        for (const kind of ["ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"]) {
            const result = transform(`kubernetes:admissionregistration.k8s.io/v1:${kind}`, {
                metadata: {
                    name: "cert-manager-webhook",
                    annotations: { "cert-manager.io/inject-ca-from-secret": "cert-manager/cert-manager-webhook-ca" },
                },
                webhooks: [{ name: "webhook.cert-manager.io", clientConfig: { service: { name: "cert-manager-webhook" } } }],
            });
            assert.deepEqual(result?.props.metadata, {
                name: "cert-manager-webhook",
                annotations: {
                    "cert-manager.io/inject-ca-from-secret": "cert-manager/cert-manager-webhook-ca",
                    "pulumi.com/waitFor": "jsonpath={.webhooks[0].clientConfig.caBundle}",
                },
            });
        }
    });

    it("leaves every other object of the chart as it is", () => {
        assert.equal(transform("kubernetes:apps/v1:Deployment", { metadata: { name: "cert-manager-webhook" } }), undefined);
    });
});

import { strict as assert } from "assert";
import { CERT_MANAGER_NAMESPACE, GATEWAY_POD_LABELS, LB_CONTROLLER_NAMESPACE } from "../compiler/platform";
import * as pulumi from "@pulumi/pulumi";
import { ProgramRun, Registration } from "../offline/mockRuntime";
import { byName, ofType, runStack, stackConfig } from "./harness";
import { PREVIEW_READ_RULES, TEAM_RULES } from "../compiler/tenancy";
import { PLATFORM_ROLE_PREFIX } from "../components/podIdentity";
import { PLATFORM_ROLE_PREFIX as BOOTSTRAP_ROLE_PREFIX } from "../bootstrap/policies";
import { withPermissionsBoundary, withoutCreatorAdmin } from "../components/cluster";
import { deployedObjects } from "../offline/deployed";

const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const EKS = "eks:index:Cluster";

interface NetworkConfig {
    defaultDenyEgress: boolean;
    namespaces: { name: string; apps: string[]; webPorts?: number[] }[];
    flows: { from: string; to: string; ports: (number | { port: number; protocol: string })[] }[];
    cidrSources: { name: string; to: string; cidrs: (string | { cidr: string; except: string[] })[]; ports: number[] }[];
    webPorts: number[];
}

function policiesIn(run: ProgramRun, namespace: string): Registration[] {
    return ofType(run, NETPOL).filter((r) => (r.inputs["metadata"] as { namespace: string }).namespace === namespace);
}

function policy(run: ProgramRun, namespace: string, name: string): { spec: Record<string, unknown>; reg: Registration } {
    const reg = byName(run, NETPOL, `ns-${namespace}-${name}`);
    assert.equal((reg.inputs["metadata"] as { name: string }).name, name);
    return { spec: reg.inputs["spec"] as Record<string, unknown>, reg };
}

const peer = (ns: string, labels: Record<string, string>) => ({
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
    podSelector: { matchLabels: labels },
});
const GATEWAY = GATEWAY_POD_LABELS;
const tcp = (port: number) => ({ protocol: "TCP", port });
/** The platform's namespaces: tools and the edge's own (cert-manager, the load balancer controller). */
const PLATFORM = ["tools", CERT_MANAGER_NAMESPACE, LB_CONTROLLER_NAMESPACE];

for (const stack of ["nonprod", "prod"]) {
    describe(`the ${stack} stack under mocks`, () => {
        let run: ProgramRun;
        const network = stackConfig(stack)["k8s-platform:network"] as NetworkConfig;
        const business = network.namespaces.map((n) => n.name);

        before(async () => {
            run = await runStack(stack);
        });

        it("creates one EKS cluster with access entries, no default node group and the VPC CNI's policy agent off", () => {
            const clusters = ofType(run, EKS);
            assert.equal(clusters.length, 1);
            const args = clusters[0]!.inputs;
            assert.equal(args["authenticationMode"], "API");
            assert.equal(args["skipDefaultNodeGroup"], true);
            const cni = args["vpcCniOptions"] as Record<string, unknown>;
            assert.equal(cni["enableNetworkPolicy"], false);
            assert.deepEqual(cni["configurationValues"], { env: { ANNOTATE_POD_IP: "true" } });
            assert.equal((args["corednsAddonOptions"] as { enabled: boolean }).enabled, false);
            assert.ok(Object.keys(args["accessEntries"] as object).includes("platform-admins"));
            assert.deepEqual((args["accessEntries"] as Record<string, { accessPolicies: object }>)["platform-admins"]!.accessPolicies, {
                AmazonEKSClusterAdminPolicy: {
                    policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                    accessScope: { type: "cluster" },
                },
            });
        });

        it("runs nodes in a managed node group in private subnets with IMDSv2 required", () => {
            const group = byName(run, "eks:index:ManagedNodeGroup", "platform-nodes");
            assert.deepEqual(group.inputs["subnetIds"], ["subnet-0private-a", "subnet-0private-b"]);
            const template = byName(run, "aws:ec2/launchTemplate:LaunchTemplate", "platform-nodes");
            assert.deepEqual(template.inputs["metadataOptions"], {
                httpEndpoint: "enabled",
                httpTokens: "required",
                httpPutResponseHopLimit: 1,
            });
        });

        it("creates CoreDNS after the node group and lets aws-node patch pods", () => {
            const coredns = byName(run, "aws:eks/addon:Addon", "platform-coredns");
            const nodes = byName(run, "eks:index:ManagedNodeGroup", "platform-nodes");
            assert.ok(coredns.dependsOn.includes(nodes.urn));
            const role = byName(run, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "platform-aws-node-patch-pods");
            assert.deepEqual(role.inputs["rules"], [{ apiGroups: [""], resources: ["pods"], verbs: ["patch"] }]);
            const binding = byName(run, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "platform-aws-node-patch-pods");
            assert.deepEqual(binding.inputs["subjects"], [{ kind: "ServiceAccount", name: "aws-node", namespace: "kube-system" }]);
        });

        it("applies the Calico CRDs from a rendered chart without a release record, kept on delete, after the nodes", () => {
            assert.equal(ofType(run, "kubernetes:helm.sh/v3:Release").filter((r) => r.name === "calico-crds").length, 0);
            const crds = byName(run, "kubernetes:helm.sh/v4:Chart", "calico-crds");
            assert.equal(crds.custom, false, "helm.v4.Chart is a component: its objects are applied one by one");
            assert.deepEqual(
                [crds.inputs["chart"], crds.inputs["version"], (crds.inputs["repositoryOpts"] as { repo: string }).repo],
                ["crd.projectcalico.org.v1", "v3.32.2", "https://docs.tigera.io/calico/charts"],
            );
            assert.equal(crds.retainOnDelete, true);
            // What the engine does to each CRD the chart renders: the chart's transforms run on it.
            const crd = {
                custom: true,
                type: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
                name: "calico-crds:felixconfigurations",
                props: {},
                opts: {},
            };
            const transformed = crds.transforms.reduce<{ opts: pulumi.ResourceOptions }>(
                (acc, t) => (t({ ...crd, opts: acc.opts }) as { opts: pulumi.ResourceOptions }) ?? acc,
                { opts: {} },
            );
            assert.equal(transformed.opts.retainOnDelete, true);
            assert.ok(crds.dependsOn.includes(byName(run, "eks:index:ManagedNodeGroup", "platform-nodes").urn));
        });

        it("installs the operator after the CRDs, and an Installation for EKS with the VPC CNI and no BGP that Pulumi waits on until Ready", () => {
            const crds = byName(run, "kubernetes:helm.sh/v4:Chart", "calico-crds");
            const operator = byName(run, "kubernetes:helm.sh/v3:Release", "calico-operator");
            assert.equal(operator.inputs["chart"], "tigera-operator");
            assert.equal(operator.inputs["version"], "v3.32.2");
            assert.deepEqual(operator.inputs["values"], { installation: { enabled: false } });
            assert.ok(operator.dependsOn.includes(crds.urn));
            const installation = byName(run, "kubernetes:operator.tigera.io/v1:Installation", "calico-installation");
            assert.deepEqual(installation.inputs["metadata"], {
                name: "default",
                annotations: { "pulumi.com/waitFor": "condition=Ready" },
            });
            assert.deepEqual(installation.inputs["spec"], {
                kubernetesProvider: "EKS",
                cni: { type: "AmazonVPC" },
                calicoNetwork: { bgp: "Disabled" },
            });
            assert.ok(installation.dependsOn.includes(operator.urn));
        });

        it("creates the twelve business namespaces, tools and the edge's two namespaces, each with its labels", () => {
            const names = ofType(run, NAMESPACE).map((r) => (r.inputs["metadata"] as { name: string }).name);
            assert.equal(business.length, 12);
            assert.deepEqual(names, [...business, ...PLATFORM].sort());
            for (const r of ofType(run, NAMESPACE)) {
                const meta = r.inputs["metadata"] as { name: string; labels: Record<string, string> };
                assert.equal(meta.labels["kubernetes.io/metadata.name"], meta.name);
            }
        });

        it("labels tools, and only tools, for the load balancer controller's pod readiness gates", () => {
            const gated = ofType(run, NAMESPACE)
                .map((r) => r.inputs["metadata"] as { name: string; labels: Record<string, string> })
                .filter((m) => m.labels["elbv2.k8s.aws/pod-readiness-gate-inject"] === "enabled")
                .map((m) => m.name);
            assert.deepEqual(gated, ["tools"]);
        });

        it("applies every NetworkPolicy after Calico reports Ready, and each default deny after its namespace's allows", () => {
            const installation = byName(run, "kubernetes:operator.tigera.io/v1:Installation", "calico-installation");
            const policies = ofType(run, NETPOL);
            assert.ok(policies.length > 50);
            for (const p of policies) assert.ok(p.dependsOn.includes(installation.urn), `${p.name} does not wait for Calico`);
            for (const ns of [...business, ...PLATFORM]) {
                const deny = policy(run, ns, "default-deny").reg;
                const allows = policiesIn(run, ns).filter((p) => p !== deny);
                assert.ok(allows.length >= 2);
                for (const a of allows) assert.ok(deny.dependsOn.includes(a.urn), `${ns}/default-deny does not wait for ${a.name}`);
            }
        });

        it("gives every business namespace a default deny and the intra-namespace allow", () => {
            const types = network.defaultDenyEgress ? ["Ingress", "Egress"] : ["Ingress"];
            for (const ns of business) {
                assert.deepEqual(policy(run, ns, "default-deny").spec, { podSelector: {}, policyTypes: types });
                assert.deepEqual(policy(run, ns, "allow-same-namespace").spec["ingress"], [{ from: [{ podSelector: {} }] }]);
            }
        });

        it("connects every namespace's web pods with the gateway's data plane in tools, both ways", () => {
            for (const ns of network.namespaces) {
                const ports = (ns.webPorts ?? network.webPorts).map(tcp);
                assert.deepEqual(policy(run, ns.name, "web-from-gateway").spec["ingress"], [{ from: [peer("tools", GATEWAY)], ports }]);
                assert.deepEqual(policy(run, ns.name, "web-to-gateway").spec["egress"], [
                    { to: [peer("tools", GATEWAY)], ports: [tcp(80), tcp(443)] },
                ]);
            }
            const fromWeb = policy(run, "tools", "gateway-from-web").spec["ingress"] as { from: unknown[] }[];
            assert.deepEqual(
                fromWeb[0]!.from,
                [...business].sort().map((ns) => peer(ns, { app: "web" })),
            );
        });

        it("implements every configured flow with its exact selectors and ports", () => {
            assert.ok(network.flows.length >= 10);
            for (const flow of network.flows) {
                const [fromNs, fromApp] = flow.from.split("/") as [string, string];
                const [toNs, toApp] = flow.to.split("/") as [string, string];
                const ports = flow.ports.map((p) => (typeof p === "number" ? tcp(p) : p));
                const ingress = policy(run, toNs, `from-${fromNs}.${fromApp}-to-${toApp}`).spec;
                assert.deepEqual(ingress, {
                    podSelector: { matchLabels: { app: toApp } },
                    policyTypes: ["Ingress"],
                    ingress: [{ from: [peer(fromNs, { app: fromApp })], ports }],
                });
                const egressName = `ns-${fromNs}-from-${fromApp}-to-${toNs}.${toApp}`;
                if (network.defaultDenyEgress) {
                    assert.deepEqual(policy(run, fromNs, `from-${fromApp}-to-${toNs}.${toApp}`).spec["egress"], [
                        { to: [peer(toNs, { app: toApp })], ports },
                    ]);
                } else {
                    assert.equal(
                        ofType(run, NETPOL).find((r) => r.name === egressName),
                        undefined,
                    );
                }
            }
        });

        it("admits each CIDR source with its except ranges", () => {
            for (const source of network.cidrSources) {
                const [ns, app] = source.to.split("/") as [string, string];
                const ingress = policy(run, ns, `from-cidr.${source.name}-to-${app}`).spec["ingress"] as {
                    from: unknown[];
                    ports: unknown[];
                }[];
                assert.deepEqual(
                    ingress[0]!.from,
                    source.cidrs.map((c) => (typeof c === "string" ? { ipBlock: { cidr: c } } : { ipBlock: c })),
                );
                assert.deepEqual(ingress[0]!.ports, source.ports.map(tcp));
            }
        });

        it("never puts a policy in kube-system or Calico's namespaces", () => {
            const namespaces = new Set(ofType(run, NETPOL).map((r) => (r.inputs["metadata"] as { namespace: string }).namespace));
            for (const ns of ["kube-system", "tigera-operator", "calico-system"]) assert.ok(!namespaces.has(ns));
        });

        it("exports the kubeconfig as a secret", () => {
            assert.deepEqual(run.secretOutputs, ["kubeconfig"]);
            assert.equal(JSON.parse(run.outputs["kubeconfig"] as string).kind, "Config");
        });

        it("installs the Gateway API CRDs retained on delete, then NGINX Gateway Fabric after the tools policies, then the shared Gateway", () => {
            const crds = byName(run, "kubernetes:yaml/v2:ConfigFile", "gateway-gateway-api-crds");
            assert.equal(
                crds.inputs["file"],
                "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml",
            );
            assert.equal(crds.retainOnDelete, true);
            // Each CRD the remote component registers gets the transform, so each is kept.
            const crd = {
                custom: true,
                type: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
                name: "httproutes.gateway.networking.k8s.io",
                props: {},
                opts: {},
            };
            const kept = crds.transforms.reduce<{ opts: pulumi.ResourceOptions }>(
                (acc, t) => (t({ ...crd, opts: acc.opts }) as { opts: pulumi.ResourceOptions }) ?? acc,
                { opts: {} },
            );
            assert.equal(kept.opts.retainOnDelete, true);
            const release = byName(run, "kubernetes:helm.sh/v3:Release", "gateway-chart");
            // NGF's own CRDs from the release of the chart's version, server-side, forced over
            // Helm's install, kept on delete; Helm installs none itself (it would never upgrade them).
            const ngfCrds = byName(run, "kubernetes:yaml/v2:ConfigFile", "gateway-ngf-crds");
            assert.equal(ngfCrds.inputs["file"], "https://raw.githubusercontent.com/nginx/nginx-gateway-fabric/v2.6.7/deploy/crds.yaml");
            assert.equal(ngfCrds.retainOnDelete, true);
            const ngfCrd = {
                custom: true,
                type: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
                name: "nginxproxies.gateway.nginx.org",
                props: { metadata: { name: "nginxproxies.gateway.nginx.org" } },
                opts: {},
            };
            const forced = ngfCrds.transforms.map(
                (t) => t(ngfCrd) as unknown as { props: { metadata: { annotations?: Record<string, string> } } },
            );
            assert.ok(forced.some((r) => r?.props.metadata.annotations?.["pulumi.com/patchForce"] === "true"));
            assert.equal(release.inputs["skipCrds"], true);
            assert.ok(release.dependsOn.includes(ngfCrds.urn));
            assert.deepEqual(
                [release.inputs["name"], release.inputs["chart"], release.inputs["version"], release.inputs["namespace"]],
                ["ngf", "oci://ghcr.io/nginx/charts/nginx-gateway-fabric", "2.6.7", "tools"],
            );
            const values = release.inputs["values"] as { nginx: { service: { loadBalancerSourceRanges: string[] } } };
            assert.deepEqual(values, {
                nginxGateway: { gatewayClassName: "nginx", productTelemetry: { enable: false } },
                nginx: {
                    // Two pods spread over the zones, each serving 40 s after it is told to stop
                    // (the NLB's 30 s deregistration delay and 10 s more), then 15 s to quit.
                    replicas: 2,
                    pod: {
                        terminationGracePeriodSeconds: 55,
                        topologySpreadConstraints: [
                            {
                                maxSkew: 1,
                                topologyKey: "topology.kubernetes.io/zone",
                                whenUnsatisfiable: "ScheduleAnyway",
                                labelSelector: { matchLabels: GATEWAY },
                            },
                        ],
                    },
                    container: { lifecycle: { preStop: { sleep: { seconds: 40 } } } },
                    service: {
                        type: "LoadBalancer",
                        externalTrafficPolicy: "Local",
                        loadBalancerClass: "service.k8s.aws/nlb",
                        loadBalancerSourceRanges: values.nginx.service.loadBalancerSourceRanges,
                        // What every Gateway's load balancer shares, on the Service: none of the
                        // Gateway's eight infrastructure annotations, no pod rollout when it changes.
                        patches: [
                            {
                                type: "StrategicMerge",
                                value: {
                                    metadata: {
                                        annotations: {
                                            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
                                            "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes":
                                                "preserve_client_ip.enabled=true,deregistration_delay.timeout_seconds=30",
                                            "service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol": "http",
                                            "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port": "8081",
                                            "service.beta.kubernetes.io/aws-load-balancer-healthcheck-path": "/readyz",
                                        },
                                    },
                                },
                            },
                        ],
                    },
                },
            });
            // A drain never takes both: the budget keeps one nginx pod.
            const budget = byName(run, "kubernetes:policy/v1:PodDisruptionBudget", "gateway-data-plane");
            assert.deepEqual(budget.inputs["metadata"], {
                name: "shared-nginx",
                namespace: "tools",
                labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "k8s-platform" },
            });
            assert.deepEqual(budget.inputs["spec"], { minAvailable: 1, selector: { matchLabels: GATEWAY } });
            // The pre-install hook Job must find its egress to the API already in place.
            for (const name of ["default-deny", "gateway-certs-to-kube-api", "gateway-controller-to-kube-api"])
                assert.ok(release.dependsOn.includes(policy(run, "tools", name).reg.urn), name);
            assert.ok(release.dependsOn.includes(crds.urn));
            const gateway = byName(run, "kubernetes:gateway.networking.k8s.io/v1:Gateway", "gateway-shared");
            assert.ok(gateway.dependsOn.includes(release.urn));
            // After the load balancer controller (its webhook takes the new Service) and the issuer.
            assert.ok(gateway.dependsOn.includes(byName(run, "kubernetes:helm.sh/v4:Chart", "lb-controller-chart").urn));
            assert.ok(gateway.dependsOn.includes(byName(run, "kubernetes:cert-manager.io/v1:ClusterIssuer", "cert-manager-issuer").urn));
            const spec = gateway.inputs["spec"] as {
                gatewayClassName: string;
                listeners: Record<string, unknown>[];
                infrastructure: unknown;
            };
            assert.equal(spec.gatewayClassName, "nginx");
            const onlyBusiness = { namespaces: { from: "Selector", selector: { matchLabels: { "network-zone": "business" } } } };
            const domain = stack === "prod" ? "shop.example.com" : "nonprod.shop.example.com";
            const hostnames = ["", "www.", "account.", "analytics."].map((sub) => `${sub}${domain}`);
            const https = hostnames.map((hostname) => {
                const name = `https-${hostname.replace(/\./g, "-")}`;
                return {
                    name,
                    hostname,
                    port: 443,
                    protocol: "HTTPS",
                    // The Secret cert-manager creates for this listener: nothing else has to.
                    tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: `${name}-tls` }] },
                    allowedRoutes: onlyBusiness,
                };
            });
            assert.deepEqual(spec.listeners, [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: onlyBusiness }, ...https]);
            const issuer = stack === "prod" ? "letsencrypt" : "letsencrypt-staging";
            assert.deepEqual((gateway.inputs["metadata"] as { annotations: Record<string, string> }).annotations, {
                "cert-manager.io/cluster-issuer": issuer,
                "pulumi.com/waitFor": JSON.stringify([
                    "condition=Programmed",
                    // The NLB's DNS name, which NGF copies from the Service only once the controller wrote it.
                    "jsonpath={.status.addresses[?(@.type=='Hostname')].value}",
                    ...https.map(
                        (l) => `jsonpath={.status.listeners[?(@.name=='${l.name}')].conditions[?(@.type=='ResolvedRefs')].status}=True`,
                    ),
                ]),
                "pulumi.com/deletionPropagationPolicy": "foreground",
            });
            // A new load balancer type is a new Service: the Gateway is recreated, never patched.
            assert.deepEqual(gateway.replaceOnChanges, [
                'spec.infrastructure.annotations["service.beta.kubernetes.io/aws-load-balancer-type"]',
            ]);
            assert.equal(gateway.deleteBeforeReplace, true);
            assert.equal(
                ofType(run, "kubernetes:helm.sh/v3:Release").filter((r) => String(r.inputs["chart"]).includes("ingress-nginx")).length,
                0,
            );
        });

        it("lets the chart's hook Job and controller reach the API server's own subnets, and nothing else outside", () => {
            const certs = policy(run, "tools", "gateway-certs-to-kube-api").spec;
            assert.deepEqual(certs["podSelector"], {
                matchLabels: { "batch.kubernetes.io/job-name": "ngf-nginx-gateway-fabric-cert-generator" },
            });
            assert.deepEqual(
                (certs["egress"] as { to: unknown[] }[])[0]!.to,
                cp[stack]!.map((cidr) => ({ ipBlock: { cidr } })),
            );
            const controller = policy(run, "tools", "gateway-controller-to-kube-api").spec;
            assert.deepEqual(controller["podSelector"], {
                matchLabels: { "app.kubernetes.io/instance": "ngf", "app.kubernetes.io/name": "nginx-gateway-fabric" },
            });
        });
    });
}

/** The control-plane subnets of the layout: /28s in the last eighth of the VPC. */
const cp: Record<string, string[]> = {
    nonprod: ["10.40.224.0/28", "10.40.224.16/28"],
    prod: ["10.50.224.0/28", "10.50.224.16/28", "10.50.224.32/28"],
};

describe("the VPC's subnet layout", () => {
    it("creates node, public and control-plane subnets at the ranges the intent uses, and puts the control plane's ENIs in its own", async () => {
        const run = await runStack("prod");
        const vpc = byName(run, "awsx:ec2:Vpc", "platform-vpc").inputs;
        assert.deepEqual(vpc["subnetSpecs"], [
            {
                type: "Private",
                name: "nodes",
                cidrBlocks: ["10.50.0.0/19", "10.50.32.0/19", "10.50.64.0/19"],
                tags: { "kubernetes.io/role/internal-elb": "1" },
            },
            {
                type: "Public",
                name: "public",
                cidrBlocks: ["10.50.192.0/24", "10.50.193.0/24", "10.50.194.0/24"],
                tags: { "kubernetes.io/role/elb": "1" },
            },
            { type: "Isolated", name: "control-plane", cidrBlocks: cp["prod"] },
        ]);
        const eks = ofType(run, EKS)[0]!.inputs;
        assert.deepEqual(eks["subnetIds"], ["subnet-0control-plane-a", "subnet-0control-plane-b"]);
        assert.equal(eks["privateSubnetIds"], undefined);
        assert.deepEqual(byName(run, "eks:index:ManagedNodeGroup", "platform-nodes").inputs["subnetIds"], [
            "subnet-0private-a",
            "subnet-0private-b",
        ]);
    });
});

describe("an existing VPC from config", () => {
    it("builds no VPC and places the cluster and the nodes in the given subnets", async () => {
        const config = stackConfig("nonprod");
        const cluster = config["k8s-platform:cluster"] as { vpc: Record<string, unknown> };
        cluster.vpc = {
            cidr: "10.40.0.0/16",
            existing: {
                vpcId: "vpc-0abc123",
                privateSubnetIds: ["subnet-0a1", "subnet-0b2"],
                publicSubnetIds: ["subnet-0c3", "subnet-0d4"],
                controlPlaneSubnetIds: ["subnet-0e5", "subnet-0f6"],
                podCidrs: ["10.40.0.0/18"],
                controlPlaneCidrs: ["10.40.250.0/28", "10.40.250.16/28"],
            },
        };
        // The load balancer's subnets' ranges: its health checks come from there.
        (config["k8s-platform:gateway"] as { loadBalancerController: Record<string, unknown> }).loadBalancerController.subnetCidrs = [
            "10.40.192.0/24",
            "10.40.193.0/24",
        ];
        const run = await runStack("nonprod", config);
        assert.equal(ofType(run, "awsx:ec2:Vpc").length, 0);
        const eks = ofType(run, EKS)[0]!.inputs;
        assert.deepEqual([eks["vpcId"], eks["subnetIds"]], ["vpc-0abc123", ["subnet-0e5", "subnet-0f6"]]);
        // The address rules follow the configured ranges: the API is the control plane's subnets.
        assert.deepEqual((policy(run, "tools", "gateway-controller-to-kube-api").spec["egress"] as { to: unknown[] }[])[0]!.to, [
            { ipBlock: { cidr: "10.40.250.0/28" } },
            { ipBlock: { cidr: "10.40.250.16/28" } },
        ]);
        assert.deepEqual(byName(run, "eks:index:ManagedNodeGroup", "platform-nodes").inputs["subnetIds"], ["subnet-0a1", "subnet-0b2"]);
        assert.equal(run.outputs["vpcId"], "vpc-0abc123");
    });
});

describe("prod differs from nonprod through config alone", () => {
    let prod: ProgramRun;
    let nonprod: ProgramRun;
    before(async () => {
        prod = await runStack("prod");
        nonprod = await runStack("nonprod");
    });
    const eks = (run: ProgramRun) => ofType(run, EKS)[0]!;

    it("limits prod's public endpoint to listed CIDRs and keeps the private endpoint on", () => {
        const args = eks(prod).inputs;
        assert.equal(args["endpointPrivateAccess"], true);
        assert.deepEqual(args["publicAccessCidrs"], ["198.51.100.16/28", "203.0.113.0/24"]);
    });

    it("turns on every control-plane log type in prod only", () => {
        assert.deepEqual(eks(prod).inputs["enabledClusterLogTypes"], ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
        assert.deepEqual(eks(nonprod).inputs["enabledClusterLogTypes"], ["api", "audit"]);
    });

    it("encrypts secrets with a rotating KMS key in prod only", () => {
        const keys = ofType(prod, "aws:kms/key:Key");
        assert.equal(keys.length, 1);
        assert.equal(keys[0]!.inputs["enableKeyRotation"], true);
        assert.equal(eks(prod).inputs["encryptionConfigKeyArn"], "arn:aws:mock:::platform-secrets");
        assert.equal(ofType(nonprod, "aws:kms/key:Key").length, 0);
        assert.equal(eks(nonprod).inputs["encryptionConfigKeyArn"], undefined);
    });

    it("protects the cluster, the KMS key and every namespace in prod, nothing in nonprod", () => {
        assert.equal(eks(prod).inputs["deletionProtection"], true);
        assert.equal(eks(nonprod).inputs["deletionProtection"], false);
        const protectedIn = (run: ProgramRun) => run.registrations.filter((r) => r.protect).map((r) => r.type);
        assert.deepEqual(protectedIn(prod).sort(), ["aws:kms/key:Key", EKS, ...Array(15).fill(NAMESPACE)].sort());
        assert.deepEqual(protectedIn(nonprod), []);
    });

    it("gives prod a larger on-demand node group over three AZs with a NAT gateway each", () => {
        const group = (run: ProgramRun) => byName(run, "eks:index:ManagedNodeGroup", "platform-nodes").inputs;
        assert.deepEqual(group(prod)["scalingConfig"], { minSize: 3, desiredSize: 6, maxSize: 12 });
        assert.deepEqual(group(nonprod)["scalingConfig"], { minSize: 2, desiredSize: 2, maxSize: 4 });
        assert.equal(group(prod)["capacityType"], "ON_DEMAND");
        const vpc = (run: ProgramRun) => byName(run, "awsx:ec2:Vpc", "platform-vpc").inputs;
        assert.equal(vpc(prod)["numberOfAvailabilityZones"], 3);
        assert.deepEqual(vpc(prod)["natGateways"], { strategy: "OnePerAz" });
        assert.deepEqual(vpc(nonprod)["natGateways"], { strategy: "Single" });
    });

    it("denies egress in both, promoted from nonprod: prod runs the same model", () => {
        for (const run of [nonprod, prod])
            assert.deepEqual((byName(run, NETPOL, "ns-payments-default-deny").inputs["spec"] as { policyTypes: string[] }).policyTypes, [
                "Ingress",
                "Egress",
            ]);
        const names = (run: ProgramRun) => ofType(run, NETPOL).map((r) => r.name);
        assert.deepEqual(names(prod), names(nonprod));
    });

    it("puts the load balancer inside the VPC in nonprod and on the internet in prod, both through the load balancer controller", () => {
        const annotations = (run: ProgramRun) =>
            (
                byName(run, "kubernetes:gateway.networking.k8s.io/v1:Gateway", "gateway-shared").inputs["spec"] as {
                    infrastructure: { annotations: object };
                }
            ).infrastructure.annotations;
        // Three of the eight Gateway API allows: what only the Gateway says about its load balancer.
        const common = {
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-subnets": "subnet-0public-a,subnet-0public-b",
        };
        assert.deepEqual(annotations(nonprod), { ...common, "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" });
        assert.deepEqual(annotations(prod), { ...common, "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" });
    });
});

const RBAC = "kubernetes:rbac.authorization.k8s.io/v1";
const POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";

for (const stack of ["nonprod", "prod"]) {
    describe(`the ${stack} stack keeps node and tenant credentials apart`, () => {
        let run: ProgramRun;
        const network = stackConfig(stack)["k8s-platform:network"] as { namespaces: { name: string; team: string }[] };
        before(async () => {
            run = await runStack(stack);
        });
        const attached = (role: string) =>
            ofType(run, POLICY_ATTACHMENT)
                .filter((a) => a.inputs["role"] === role)
                .map((a) => a.inputs["policyArn"])
                .sort();

        it("leaves AmazonEKS_CNI_Policy off the node role and gives aws-node its own role through EKS Pod Identity", () => {
            assert.deepEqual(attached("platform-nodes"), [
                "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
                "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            ]);
            assert.deepEqual(attached("platform-vpc-cni"), ["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]);
            const trust = JSON.parse(byName(run, "aws:iam/role:Role", "platform-vpc-cni").inputs["assumeRolePolicy"] as string);
            assert.deepEqual(trust.Statement, [
                { Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] },
            ]);
            const association = byName(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "platform-vpc-cni");
            assert.deepEqual(
                [association.inputs["namespace"], association.inputs["serviceAccount"], association.inputs["roleArn"]],
                ["kube-system", "aws-node", "arn:aws:mock:::platform-vpc-cni"],
            );
            const agent = byName(run, "aws:eks/addon:Addon", "platform-pod-identity-agent");
            assert.equal(agent.inputs["addonName"], "eks-pod-identity-agent");
            const nodes = byName(run, "eks:index:ManagedNodeGroup", "platform-nodes");
            assert.ok(
                nodes.dependsOn.includes(association.urn) && nodes.dependsOn.includes(agent.urn),
                "aws-node starts with its own role",
            );
        });

        it("maps teams to Kubernetes groups without an access policy, platform admins to cluster admin, CI preview to read-all", () => {
            const entries = ofType(run, EKS)[0]!.inputs["accessEntries"] as Record<
                string,
                { kubernetesGroups?: string[]; accessPolicies?: Record<string, { accessScope: { type: string } }> }
            >;
            assert.deepEqual(Object.keys(entries["platform-admins"]!.accessPolicies!), ["AmazonEKSClusterAdminPolicy"]);
            assert.deepEqual(entries["ci-preview"], {
                principalArn:
                    stack === "prod" ? "arn:aws:iam::444455556666:role/github-preview" : "arn:aws:iam::111122223333:role/github-preview",
                kubernetesGroups: ["k8s-platform:read-all"],
            });
            assert.deepEqual(entries["payments-developers"]!.kubernetesGroups, ["k8s-platform:team:payments"]);
            assert.equal(entries["payments-developers"]!.accessPolicies, undefined);
            for (const [name, entry] of Object.entries(entries)) {
                const writes = Object.keys(entry.accessPolicies ?? {}).filter((p) => p !== "AmazonEKSViewPolicy");
                if (name !== "platform-admins") assert.deepEqual(writes, [], `${name} holds cluster-wide write`);
            }
        });

        it("lets the preview group read what the stack manages, never a Secret, and write nothing", () => {
            const role = byName(run, `${RBAC}:ClusterRole`, "platform-read-all");
            const rules = role.inputs["rules"] as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
            assert.deepEqual(rules, PREVIEW_READ_RULES);
            for (const rule of rules) {
                assert.deepEqual(rule.verbs, ["get", "list", "watch"]);
                assert.ok(!rule.resources.includes("secrets"), JSON.stringify(rule));
                assert.ok(!rule.apiGroups.includes("*"), JSON.stringify(rule));
                // A wildcard only in groups of custom resources, which hold no Secrets.
                if (rule.resources.includes("*")) assert.ok(!rule.apiGroups.includes(""), JSON.stringify(rule));
            }
            const binding = byName(run, `${RBAC}:ClusterRoleBinding`, "platform-read-all");
            assert.deepEqual(binding.inputs["subjects"], [
                { kind: "Group", name: "k8s-platform:read-all", apiGroup: "rbac.authorization.k8s.io" },
            ]);
            assert.deepEqual(binding.inputs["roleRef"], {
                apiGroup: "rbac.authorization.k8s.io",
                kind: "ClusterRole",
                name: "k8s-platform-read-all",
            });
        });

        it("names every IAM role it creates with the prefix the deploy role may create and pass (bootstrap)", () => {
            assert.equal(PLATFORM_ROLE_PREFIX, BOOTSTRAP_ROLE_PREFIX);
            const roles = ofType(run, "aws:iam/role:Role");
            assert.ok(roles.length >= 5, roles.map((r) => r.name).join(" "));
            // The physical name: the explicit name, the prefix, or (auto-naming) the Pulumi name and a suffix.
            const physical = roles.map((r) => String(r.inputs["name"] ?? r.inputs["namePrefix"] ?? r.name));
            assert.deepEqual(
                physical.filter((n) => !n.startsWith(BOOTSTRAP_ROLE_PREFIX)),
                [],
            );
            assert.ok(
                physical.includes("platform-cert-manager-route53-") && physical.includes("platform-lb-controller-role-"),
                physical.join(" "),
            );
            // Each carries the bootstrap's boundary, without which the deploy role may not create it.
            const boundary = `arn:aws:iam::${stack === "prod" ? "444455556666" : "111122223333"}:policy/platform-boundary`;
            assert.deepEqual(
                roles.map((r) => [r.name, r.inputs["permissionsBoundary"]]),
                roles.map((r) => [r.name, boundary]),
            );
            // pulumi-eks's own roles (the control plane's) get it through a transform on the component.
            assert.equal(ofType(run, EKS)[0]!.transforms.length, 2, "the creator admin off, and the boundary on pulumi-eks's roles");
        });

        it("gives pulumi-eks's own IAM roles the boundary through a transform, and leaves other children alone", () => {
            const transform = withPermissionsBoundary("arn:aws:iam::111122223333:policy/platform-boundary");
            const args = (type: string) => ({
                type,
                name: "platform-eks-eksRole",
                props: { assumeRolePolicy: "{}" },
                opts: {},
                custom: true,
            });
            assert.deepEqual(transform(args("aws:iam/role:Role")), {
                props: { assumeRolePolicy: "{}", permissionsBoundary: "arn:aws:iam::111122223333:policy/platform-boundary" },
                opts: {},
            });
            assert.equal(transform(args("aws:eks/cluster:Cluster")), undefined);
        });

        it("lets the preview group read the kind of every Kubernetes object the stack registers, Secrets aside", () => {
            // kubernetes:<group>/<version>:<Kind> (core: kubernetes:core/v1:Namespace); components and charts aside.
            const groups = new Set(
                run.registrations
                    .map((r) => /^kubernetes:([^:/]+)\/[^:]+:[A-Z]/.exec(r.type)?.[1])
                    .filter((g): g is string => g !== undefined && g !== "helm.sh" && g !== "yaml")
                    .map((g) => (g === "core" ? "" : g)),
            );
            // The edge's ClusterIssuer, the Gateway, Calico's Installation, the guardrails: every group must be readable.
            assert.ok(groups.has("cert-manager.io") && groups.has("gateway.networking.k8s.io"), [...groups].join(" "));
            const unreadable = [...groups].filter((g) => !PREVIEW_READ_RULES.some((rule) => rule.apiGroups.includes(g)));
            assert.deepEqual(unreadable, []);
        });

        it("declares the deploy role's cluster admin as its own access entry, which the provider waits for, and turns EKS's creator admin off", () => {
            const account = stack === "prod" ? "444455556666" : "111122223333";
            const entry = byName(run, "aws:eks/accessEntry:AccessEntry", "platform-access-ci-deploy");
            assert.deepEqual(
                [entry.inputs["principalArn"], entry.inputs["type"]],
                [`arn:aws:iam::${account}:role/github-deploy`, "STANDARD"],
            );
            const admin = byName(
                run,
                "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
                "platform-access-ci-deploy-AmazonEKSClusterAdminPolicy",
            );
            assert.deepEqual(
                [admin.inputs["principalArn"], admin.inputs["policyArn"], admin.inputs["accessScope"]],
                [
                    `arn:aws:iam::${account}:role/github-deploy`,
                    "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                    { type: "cluster" },
                ],
            );
            const provider = byName(run, "pulumi:providers:kubernetes", "platform-k8s");
            assert.ok(
                provider.dependsOn.includes(entry.urn) && provider.dependsOn.includes(admin.urn),
                "the provider waits for the deployer's access",
            );
            const eksCluster = ofType(run, EKS)[0]!;
            assert.equal((eksCluster.inputs["accessEntries"] as Record<string, unknown>)["ci-deploy"], undefined, "one entry, not two");
            assert.ok(eksCluster.transforms.includes(withoutCreatorAdmin));
            // What the transform does to the EKS cluster pulumi-eks creates inside the component.
            const transformed = withoutCreatorAdmin({
                type: "aws:eks/cluster:Cluster",
                name: "platform-eks-eksCluster",
                custom: true,
                props: { accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true }, version: "1.35" },
                opts: {},
            }) as { props: Record<string, unknown> };
            assert.deepEqual(transformed.props, {
                accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
                version: "1.35",
            });
            assert.equal(withoutCreatorAdmin({ type: "aws:iam/role:Role", name: "r", custom: true, props: {}, opts: {} }), undefined);
        });

        it("pins the Kubernetes version, its upgrade policy and add-ons, and the node group's version to the control plane's", () => {
            const eksCluster = ofType(run, EKS)[0]!;
            assert.equal(eksCluster.inputs["version"], "1.35");
            assert.deepEqual(eksCluster.inputs["upgradePolicy"], { supportType: "STANDARD" });
            assert.equal((eksCluster.inputs["kubeProxyAddonOptions"] as { version: string }).version, "v1.35.3-eksbuild.2");
            assert.equal(byName(run, "aws:eks/addon:Addon", "platform-coredns").inputs["addonVersion"], "v1.14.2-eksbuild.4");
            assert.equal(byName(run, "eks:index:ManagedNodeGroup", "platform-nodes").inputs["version"], "1.35");
        });

        it("opens 443 on the control plane's own security group (not the nodes') to exactly the configured private API ranges", () => {
            const rules = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
            const expected = stack === "prod" ? ["10.100.0.0/16", "10.210.0.0/24"] : ["10.100.0.0/16", "10.200.0.0/24"];
            assert.deepEqual(
                rules.map((r) => [
                    r.inputs["securityGroupId"],
                    r.inputs["cidrIpv4"],
                    r.inputs["ipProtocol"],
                    r.inputs["fromPort"],
                    r.inputs["toPort"],
                ]),
                expected.map((cidr) => ["sg-0mockcontrolplane", cidr, "tcp", 443, 443]),
            );
        });

        it("installs the EBS CSI driver with its own Pod Identity role after the nodes, and a default encrypted gp3 StorageClass", () => {
            const addon = byName(run, "aws:eks/addon:Addon", "platform-ebs-csi");
            assert.equal(addon.inputs["addonName"], "aws-ebs-csi-driver");
            const association = byName(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "platform-ebs-csi");
            assert.deepEqual(
                [association.inputs["namespace"], association.inputs["serviceAccount"], association.inputs["roleArn"]],
                ["kube-system", "ebs-csi-controller-sa", "arn:aws:mock:::platform-ebs-csi"],
            );
            const policy = byName(run, POLICY_ATTACHMENT, "platform-ebs-csi-service-role/AmazonEBSCSIDriverPolicy");
            assert.equal(policy.inputs["policyArn"], "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy");
            const nodes = byName(run, "eks:index:ManagedNodeGroup", "platform-nodes");
            assert.ok(addon.dependsOn.includes(nodes.urn) && addon.dependsOn.includes(association.urn));
            const sc = byName(run, "kubernetes:storage.k8s.io/v1:StorageClass", "platform-gp3");
            assert.deepEqual(
                [
                    (sc.inputs["metadata"] as { annotations: Record<string, string> }).annotations,
                    sc.inputs["provisioner"],
                    sc.inputs["parameters"],
                    sc.inputs["volumeBindingMode"],
                ],
                [
                    { "storageclass.kubernetes.io/is-default-class": "true" },
                    "ebs.csi.aws.com",
                    { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
                    "WaitForFirstConsumer",
                ],
            );
        });

        it("registers the tenant guardrails, each binding after its policy and bound to the business namespaces", () => {
            const policies = ofType(run, "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy");
            const bindings = ofType(run, "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding");
            assert.deepEqual(
                policies.map((p) => (p.inputs["metadata"] as { name: string }).name),
                ["k8s-platform-tenant-services", "k8s-platform-route-hostnames"],
            );
            // A team gets its access only once the guardrails are in force.
            for (const team of ofType(run, `${RBAC}:RoleBinding`))
                for (const b of bindings) assert.ok(team.dependsOn.includes(b.urn), `${team.name} before ${b.name}`);
            bindings.forEach((b, i) => {
                assert.ok(b.dependsOn.includes(policies[i]!.urn));
                assert.deepEqual((b.inputs["spec"] as { matchResources: unknown }).matchResources, {
                    namespaceSelector: { matchLabels: { "network-zone": "business" } },
                });
            });
            const routes = JSON.stringify(policies[1]!.inputs["spec"]);
            assert.ok(
                routes.includes(stack === "prod" ? "www.shop.example.com" : "www.nonprod.shop.example.com"),
                "the stack's grants are in the policy",
            );
        });

        it("binds each team's group to a Role in each namespace it owns, and nobody's in tools", () => {
            const bindings = ofType(run, `${RBAC}:RoleBinding`);
            assert.deepEqual(
                bindings.map((b) => (b.inputs["metadata"] as { namespace: string }).namespace).sort(),
                network.namespaces.map((n) => n.name).sort(),
            );
            for (const ns of network.namespaces) {
                const binding = byName(run, `${RBAC}:RoleBinding`, `ns-${ns.name}-team-edit`);
                assert.deepEqual(binding.inputs["subjects"], [
                    { kind: "Group", name: `k8s-platform:team:${ns.team}`, apiGroup: "rbac.authorization.k8s.io" },
                ]);
                assert.deepEqual(binding.inputs["roleRef"], { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "team-edit" });
                const role = byName(run, `${RBAC}:Role`, `ns-${ns.name}-team-edit`);
                assert.deepEqual(role.inputs["rules"], TEAM_RULES);
                assert.equal((role.inputs["metadata"] as { namespace: string }).namespace, ns.name);
            }
            assert.equal(
                ofType(run, `${RBAC}:ClusterRoleBinding`).filter((b) => JSON.stringify(b.inputs).includes("k8s-platform:team:")).length,
                0,
            );
        });

        it("grants teams their workloads, config, Secrets and HTTPRoutes, but not NetworkPolicies, Namespaces, Gateways or RBAC", () => {
            const granted = (group: string, resource: string) =>
                TEAM_RULES.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes("delete"));
            for (const [group, resource] of [
                ["apps", "deployments"],
                ["apps", "statefulsets"],
                ["batch", "jobs"],
                ["batch", "cronjobs"],
                ["", "pods"],
                ["", "services"],
                ["", "configmaps"],
                ["", "secrets"],
                ["", "persistentvolumeclaims"],
                ["autoscaling", "horizontalpodautoscalers"],
                ["gateway.networking.k8s.io", "httproutes"],
            ] as const)
                assert.ok(granted(group, resource), `${group}/${resource}`);
            const all = TEAM_RULES.flatMap((r) => r.resources);
            for (const resource of ["networkpolicies", "namespaces", "gateways", "roles", "rolebindings", "*"])
                assert.ok(!all.includes(resource), resource);
            assert.ok(
                !TEAM_RULES.some((r) => r.apiGroups.includes("networking.k8s.io") || r.apiGroups.includes("*") || r.verbs.includes("*")),
            );
        });

        it("labels every namespace for Pod Security Admission: restricted in business namespaces, baseline in tools, pinned to the cluster version", () => {
            for (const ns of ofType(run, NAMESPACE)) {
                const meta = ns.inputs["metadata"] as { name: string; labels: Record<string, string> };
                const psa = Object.fromEntries(Object.entries(meta.labels).filter(([k]) => k.startsWith("pod-security.kubernetes.io/")));
                assert.deepEqual(psa, {
                    "pod-security.kubernetes.io/enforce": PLATFORM.includes(meta.name) ? "baseline" : "restricted",
                    "pod-security.kubernetes.io/enforce-version": "v1.35",
                    "pod-security.kubernetes.io/audit": "restricted",
                    "pod-security.kubernetes.io/audit-version": "v1.35",
                    "pod-security.kubernetes.io/warn": "restricted",
                    "pod-security.kubernetes.io/warn-version": "v1.35",
                });
                assert.equal(meta.labels["kubernetes.io/metadata.name"], meta.name, "the policies' selector label survives the merge");
            }
        });

        it("writes the Pod Security labels into the namespaces the offline plan's manifests are made of", () => {
            const namespaces = deployedObjects(run.registrations).namespaces;
            assert.equal(namespaces.length, network.namespaces.length + PLATFORM.length);
            for (const ns of namespaces)
                assert.equal(
                    ns.metadata.labels?.["pod-security.kubernetes.io/enforce"],
                    PLATFORM.includes(ns.metadata.name) ? "baseline" : "restricted",
                );
        });

        it("gives every business namespace the configured ResourceQuota and LimitRange, tools neither", () => {
            const tenancy = stackConfig(stack)["k8s-platform:tenancy"] as {
                quota: Record<string, string>;
                limitRange: Record<string, object>;
            };
            const quotas = ofType(run, "kubernetes:core/v1:ResourceQuota");
            const limits = ofType(run, "kubernetes:core/v1:LimitRange");
            assert.equal(quotas.length, network.namespaces.length);
            assert.equal(limits.length, network.namespaces.length);
            const quota = byName(run, "kubernetes:core/v1:ResourceQuota", "ns-payments-team-quota");
            assert.deepEqual(quota.inputs["spec"], { hard: tenancy.quota });
            const limit = byName(run, "kubernetes:core/v1:LimitRange", "ns-payments-container-limits");
            assert.deepEqual(limit.inputs["spec"], { limits: [{ type: "Container", ...tenancy.limitRange }] });
            assert.ok(quota.dependsOn.includes(byName(run, NAMESPACE, "ns-payments").urn));
            assert.equal(quotas.filter((q) => (q.inputs["metadata"] as { namespace: string }).namespace === "tools").length, 0);
        });
    });
}

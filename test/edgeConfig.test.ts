import { strict as assert } from "assert";
import { hostnameCovers } from "../config/checks";
import { formatProblem, parseStackConfig } from "../config/schema";
import { stackConfig } from "./harness";

type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The real stack's config, edited, parsed as the program parses it (keys without the project prefix). */
function parse(stack: string, edit: (gateway: Config, all: Config) => void) {
    const config = structuredClone(stackConfig(stack)) as Config;
    edit(config["k8s-platform:gateway"], config);
    const raw = Object.fromEntries(
        Object.entries(config)
            .filter(([k]) => k.startsWith("k8s-platform:"))
            .map(([k, v]) => [k.slice("k8s-platform:".length), v]),
    );
    const result = parseStackConfig(raw);
    return {
        result,
        problems: result.ok ? [] : result.problems.map(formatProblem),
        warnings: result.warnings.map(formatProblem),
    };
}

describe("the edge's configuration", () => {
    it("resolves the issuer by environment: Let's Encrypt staging in nonprod, production in prod", () => {
        for (const [stack, issuer] of [
            ["nonprod", "letsencrypt-staging"],
            ["prod", "letsencrypt"],
        ] as const) {
            const { result } = parse(stack, () => undefined);
            assert.ok(result.ok);
            assert.equal(result.config.gateway.tls?.issuer, issuer);
            assert.equal(
                result.config.network.platform.outside.find((o) => o.name === "load-balancer")!.rule.cidrs.length,
                stack === "prod" ? 3 : 2,
            );
        }
    });

    const refused: [string, string, (g: Config, all: Config) => void, string][] = [
        [
            "issuing without a hosted zone",
            "nonprod",
            (g) => delete g.tls.hostedZoneId,
            "k8s-platform:gateway.tls.hostedZoneId: (not set): cert-manager answers the DNS-01 challenges in this Route 53 zone, and its role may write only there",
        ],
        [
            "a hosted zone that is no zone ID",
            "nonprod",
            (g) => (g.tls.hostedZoneId = "example.com"),
            'k8s-platform:gateway.tls.hostedZoneId: "example.com": is not a Route 53 hosted zone ID',
        ],
        [
            "a staging issuer in production",
            "prod",
            (g) => (g.tls.issuer = "letsencrypt-staging"),
            'k8s-platform:gateway.tls.issuer: "letsencrypt-staging": issues certificates no browser trusts',
        ],
        [
            "an own certificate beside an issuer",
            "nonprod",
            (g) => (g.tls.certificateSecret = "shop-tls"),
            'k8s-platform:gateway.tls.hostedZoneId: "Z0NONPROD0EXAMPLE0001": is for cert-manager issuing, but certificateSecret names your own certificate',
        ],
        [
            "a hostname a certificate cannot hold",
            "nonprod",
            (g) => (g.tls.hostnames = ["shop_example.com"]),
            'k8s-platform:gateway.tls.hostnames[0]: "shop_example.com": is not a DNS name a certificate can hold',
        ],
        [
            "issuing for no hostname",
            "nonprod",
            (g) => (g.tls.hostnames = []),
            "k8s-platform:gateway.tls.hostnames: []: cert-manager issues one certificate per hostname",
        ],
        [
            "an ACME range holding the instance metadata address",
            "nonprod",
            (g) => (g.egress.acme.cidrs = [{ cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] }]),
            'k8s-platform:gateway.egress.acme.cidrs[0]: "0.0.0.0/0": covers the instance metadata address 169.254.169.254',
        ],
        [
            "an unpinned load balancer controller in prod",
            "prod",
            (g) => (g.loadBalancerController.chartVersion = "~3.5.0"),
            'k8s-platform:gateway.loadBalancerController.chartVersion: "~3.5.0": production pins an exact chart version (e.g. 3.5.0)',
        ],
        [
            "a load balancer controller older than AWS recommends",
            "nonprod",
            (g) => (g.loadBalancerController.chartVersion = "2.6.0"),
            'k8s-platform:gateway.loadBalancerController.chartVersion: "2.6.0": is older than 2.7.2, the oldest AWS recommends on EKS',
        ],
        [
            "client ranges that need more security group rules than the quota",
            "prod",
            (g) => (g.loadBalancerController.securityGroupRuleQuota = 50),
            'k8s-platform:gateway.sourceCidrs: ["0.0.0.0/0"]: need 27 plain ranges (excepts and pod ranges taken out) x 2 listener ports = 54 security group rules, over the quota of 50',
        ],
        [
            "an existing VPC without the load balancer's subnet ranges",
            "nonprod",
            (_g, all) =>
                (all["k8s-platform:cluster"].vpc.existing = {
                    vpcId: "vpc-0abc123",
                    privateSubnetIds: ["subnet-0a1", "subnet-0b2"],
                    publicSubnetIds: ["subnet-0c3", "subnet-0d4"],
                    controlPlaneSubnetIds: ["subnet-0e5", "subnet-0f6"],
                    podCidrs: ["10.40.0.0/18"],
                    controlPlaneCidrs: ["10.40.250.0/28", "10.40.250.16/28"],
                }),
            "k8s-platform:gateway.loadBalancerController.subnetCidrs: (not set): an existing VPC needs the ranges of the load balancer's (public) subnets",
        ],
        [
            "load balancer subnets among the pods",
            "nonprod",
            (g) => (g.loadBalancerController.subnetCidrs = ["10.40.0.0/24"]),
            'k8s-platform:gateway.loadBalancerController.subnetCidrs[0]: "10.40.0.0/24": overlaps the pod ranges',
        ],
        [
            "a hostname a namespace may claim that no HTTPS listener serves",
            "prod",
            (g) => (g.tls.hostnames = ["shop.example.com", "www.shop.example.com", "account.shop.example.com"]),
            'k8s-platform:network.namespaces[11].hostnames[0]: "analytics.shop.example.com": has no HTTPS listener on the shared Gateway',
        ],
        [
            "a business namespace named like the edge's",
            "nonprod",
            (_g, all) => (all["k8s-platform:network"].namespaces[0].name = "cert-manager"),
            'k8s-platform:network.namespaces[0].name: "cert-manager"',
        ],
    ];
    for (const [what, stack, edit, line] of refused) {
        it(`refuses ${what}`, () => {
            const { problems } = parse(stack, edit);
            assert.ok(
                problems.some((p) => p.includes(line)),
                `no problem contains ${line}:\n${problems.join("\n")}`,
            );
        });
    }

    it("takes a wildcard listener for the names under it, and warns about a listener no namespace may use", () => {
        const { result, warnings } = parse(
            "prod",
            (g) => (g.tls.hostnames = ["shop.example.com", "*.shop.example.com", "spare.shop.example.com"]),
        );
        assert.ok(result.ok, result.ok ? "" : result.problems.map(formatProblem).join("\n"));
        assert.deepEqual(
            warnings.filter((w) => w.includes("gateway.tls.hostnames")),
            [
                'k8s-platform:gateway.tls.hostnames[2]: "spare.shop.example.com": is granted to no namespace (network.namespaces[].hostnames): its certificate serves no route (grant it to the namespace that serves it, or drop it)',
            ],
        );
        assert.deepEqual(
            [
                hostnameCovers("*.shop.example.com", "a.b.shop.example.com"),
                hostnameCovers("*.shop.example.com", "*.b.shop.example.com"),
                hostnameCovers("*.shop.example.com", "shop.example.com"),
                hostnameCovers("*.b.shop.example.com", "*.shop.example.com"),
                hostnameCovers("shop.example.com", "www.shop.example.com"),
            ],
            [true, true, false, false, false],
        );
    });

    it("accepts the user's own certificate with hostnames and no issuer, and then grants cert-manager no way out", () => {
        const { result } = parse("prod", (g) => {
            g.tls = { hostnames: ["shop.example.com"], certificateSecret: "shop-prod-tls" };
        });
        assert.ok(result.ok);
        const names = result.config.network.platform.connections
            .filter((c) => c.from.kind === "workload" && c.from.name === "cert-manager")
            .map((c) => (c.to.kind === "outside" || c.to.kind === "workload" ? c.to.name : c.to.kind));
        assert.deepEqual(names, ["kubeApi"]);
    });
});

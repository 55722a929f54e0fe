import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { formatProblem, misspeltProjectKeys, parseStackConfig } from "../config/schema";
import { newestInStandardSupport, versionSupport } from "../config/kubernetes";
import { compareVersions, formatVersion, parseVersion, parseVersionSpec } from "../config/versions";
import { judgeKubernetesVersion } from "../delivery/promotion";
import { localStackOutputs } from "../offline/localStacks";
import { StackFileError, readStackFile } from "../offline/stackFile";
import { PROJECT_DIR, runStack, runStackExpectingFailure, stackConfig } from "./harness";

type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A deep copy of a real stack's config with `edit` applied. */
function edited(stack: string, edit: (c: Config) => void): Config {
    const config = structuredClone(stackConfig(stack)) as Config;
    edit(config);
    return config;
}
const net = (c: Config) => c["k8s-platform:network"];
const cluster = (c: Config) => c["k8s-platform:cluster"];

/** Each case: a broken config, and a line the error must contain. */
const refused: [string, string, (c: Config) => void, string][] = [
    // The gateway (NGINX Gateway Fabric).
    [
        "an unpinned Gateway API release in prod",
        "prod",
        (c) => (c["k8s-platform:gateway"].gatewayApiVersion = "latest"),
        'k8s-platform:gateway.gatewayApiVersion: "latest": is not an exact Gateway API release (e.g. v1.5.1)',
    ],
    [
        "an empty gateway client range in prod",
        "prod",
        (c) => (c["k8s-platform:gateway"].sourceCidrs = []),
        "k8s-platform:gateway.sourceCidrs: []",
    ],
    [
        "a production gateway without its certificate",
        "prod",
        (c) => delete c["k8s-platform:gateway"].tls,
        "k8s-platform:gateway.tls: (not set): production serves HTTPS: the gateway needs its certificate",
    ],
    [
        "a gateway open to every address in prod without saying so",
        "prod",
        (c) => delete c["k8s-platform:gateway"].acknowledgeAnyAddress,
        'k8s-platform:gateway.sourceCidrs: ["0.0.0.0/0"]: together these ranges cover every address',
    ],
    // Egress destinations and address rules.
    [
        "an egress grant to an undeclared destination",
        "nonprod",
        (c) => (net(c).egress[0].to = "orders-dbb"),
        'k8s-platform:network.egress[0].to: "orders-dbb": names no declared egress destination (did you mean orders-db?)',
    ],
    [
        "a destination declared twice",
        "nonprod",
        (c) => (net(c).egressDestinations[1].name = "orders-db"),
        'k8s-platform:network.egressDestinations[1].name: "orders-db": is declared twice',
    ],
    [
        "a destination range with host bits",
        "nonprod",
        (c) => (net(c).egressDestinations[0].cidrs = ["10.60.16.1/24"]),
        'k8s-platform:network.egressDestinations[0].cidrs[0].cidr: "10.60.16.1/24": has host bits set (did you mean 10.60.16.0/24?)',
    ],
    [
        "an except outside its range",
        "nonprod",
        (c) => (net(c).egressDestinations[0].cidrs = [{ cidr: "10.60.16.0/24", except: ["10.60.17.0/25"] }]),
        'k8s-platform:network.egressDestinations[0].cidrs[0].except[0]: "10.60.17.0/25": is not inside 10.60.16.0/24',
    ],
    [
        "a destination that covers the instance metadata address",
        "nonprod",
        (c) => (net(c).egressDestinations[3].cidrs[0].except = ["10.0.0.0/8"]),
        'k8s-platform:network.egressDestinations[3].cidrs[0]: "0.0.0.0/0": covers the instance metadata address 169.254.169.254, which no pod may reach',
    ],
    [
        "STS addresses that cover the instance metadata address",
        "nonprod",
        (c) => (net(c).podCredentials.stsCidrs = ["169.254.0.0/16"]),
        'k8s-platform:network.podCredentials.stsCidrs[0]: "169.254.0.0/16": covers the instance metadata address',
    ],
    [
        "a destination open to every address in prod without saying so",
        "prod",
        (c) => delete net(c).egressDestinations[3].acknowledgeAnyAddress,
        'k8s-platform:network.egressDestinations[3].cidrs: ["0.0.0.0/0"]: together these ranges cover every address',
    ],
    [
        "an egress grant from an unknown namespace",
        "nonprod",
        (c) => (net(c).egress[2].from = "payment/api"),
        'k8s-platform:network.egress[2].from: "payment/api": names unknown namespace payment (did you mean payments?)',
    ],
    [
        "an egress grant from an app the namespace does not run",
        "nonprod",
        (c) => (net(c).egress[2].from = "payments/apii"),
        'k8s-platform:network.egress[2].from: "payments/apii": names app apii, which namespace payments does not run (did you mean api?)',
    ],
    [
        "* mixed with app names in one entry",
        "nonprod",
        (c) => (net(c).egress[0].from = ["orders/*", "orders/api"]),
        'k8s-platform:network.egress[0].from: ["orders/*","orders/api"]: mixes orders/* with apps of orders (orders/* already names every app; keep one)',
    ],
    [
        "a CIDR source inside the pod ranges that does not say it includes pods",
        "nonprod",
        (c) => (net(c).cidrSources[1].cidrs = ["10.40.1.0/24"]),
        'k8s-platform:network.cidrSources[1].cidrs[0]: "10.40.1.0/24": lies inside the pod range 10.40.0.0/19, so it would admit only pods',
    ],
    [
        "an app name that a policy name cannot carry",
        "nonprod",
        (c) => (net(c).namespaces[0].apps[1] = "Image_Resizer"),
        "k8s-platform:network.namespaces[0].apps[1]: \"Image_Resizer\": is not a DNS-1123 label (lowercase letters, digits and '-'), which policy names built from it need",
    ],
    [
        "an app name with -to-, which would make two policy names meet",
        "nonprod",
        (c) => (net(c).namespaces[0].apps[1] = "bff-to-bar"),
        'k8s-platform:network.namespaces[0].apps[1]: "bff-to-bar": contains -to-, which policy names use between source and destination',
    ],
    [
        "a namespace named dest, which policy names use for egress destinations",
        "nonprod",
        (c) => (net(c).namespaces[0].name = "dest"),
        'k8s-platform:network.namespaces[0].name: "dest": is reserved',
    ],
    [
        "a named port on an egress destination",
        "nonprod",
        (c) => (net(c).egressDestinations[2].ports = ["https"]),
        'k8s-platform:network.egressDestinations[2].ports[0].port: "https": is a named port, which resolves on a destination pod and matches nothing outside the cluster',
    ],
    [
        "an app named all, which policy names use for ns/*",
        "nonprod",
        (c) => net(c).namespaces[0].apps.push("all"),
        'k8s-platform:network.namespaces[0].apps[2]: "all": is reserved',
    ],
    [
        "an upper-case namespace name",
        "nonprod",
        (c) => (net(c).namespaces[0].name = "Storefront"),
        'k8s-platform:network.namespaces[0].name: "Storefront": is not a DNS-1123 label',
    ],
    ["an underscore in a namespace name", "nonprod", (c) => (net(c).namespaces[0].name = "store_front"), "(e.g. store-front)"],
    ["a dotted namespace name", "nonprod", (c) => (net(c).namespaces[0].name = "store.front"), '"store.front": is not a DNS-1123 label'],
    ["a trailing dash", "nonprod", (c) => (net(c).namespaces[0].name = "storefront-"), '"storefront-": is not a DNS-1123 label'],
    [
        "a name over 63 characters",
        "nonprod",
        (c) => (net(c).namespaces[0].name = "a".repeat(64)),
        "is 64 characters long; namespace names have at most 63",
    ],
    [
        "an empty namespace name",
        "nonprod",
        (c) => (net(c).namespaces[0].name = ""),
        'k8s-platform:network.namespaces[0].name: "": is empty',
    ],
    [
        "a duplicate namespace",
        "nonprod",
        (c) => (net(c).namespaces[1].name = "storefront"),
        'k8s-platform:network.namespaces[1].name: "storefront": is declared twice',
    ],
    [
        "the default namespace",
        "nonprod",
        (c) => (net(c).namespaces[0].name = "default"),
        '"default": is reserved for Kubernetes, Calico or the platform',
    ],
    ["a kube- namespace", "nonprod", (c) => (net(c).namespaces[0].name = "kube-public"), '"kube-public": is reserved'],
    ["a calico- namespace", "nonprod", (c) => (net(c).namespaces[0].name = "calico-system"), '"calico-system": is reserved'],
    ["tigera-operator", "nonprod", (c) => (net(c).namespaces[0].name = "tigera-operator"), '"tigera-operator": is reserved'],
    ["a business namespace named tools", "nonprod", (c) => (net(c).namespaces[0].name = "tools"), "is the platform's own tools namespace"],
    [
        "a flow to an unknown namespace",
        "nonprod",
        (c) => (net(c).flows[0].to = "catalogue/api"),
        'k8s-platform:network.flows[0].to: "catalogue/api": names unknown namespace catalogue (did you mean catalog?)',
    ],
    [
        "a flow to an unknown app",
        "nonprod",
        (c) => (net(c).flows[0].to = "catalog/apii"),
        "names app apii, which namespace catalog does not run (did you mean api?)",
    ],
    [
        "a CIDR source to an unknown app",
        "nonprod",
        (c) => (net(c).cidrSources[0].to = "payments/ap"),
        "k8s-platform:network.cidrSources[0].to",
    ],
    [
        "an invalid app label value",
        "nonprod",
        (c) => (net(c).namespaces[0].apps[0] = "-web"),
        'k8s-platform:network.namespaces[0].apps[0]: "-web": is not a DNS-1123 label',
    ],
    [
        "an invalid app label key",
        "nonprod",
        (c) => (net(c).appLabel = "app name"),
        'k8s-platform:network.appLabel: "app name": is not a valid label key',
    ],
    [
        "a port of 0",
        "nonprod",
        (c) => (net(c).flows[0].ports = [0]),
        "k8s-platform:network.flows[0].ports[0].port: 0: is not a whole number from 1 to 65535",
    ],
    ["a port above 65535", "nonprod", (c) => (net(c).flows[0].ports = [65536]), "ports[0].port: 65536: is not a whole number"],
    ["a fractional port", "nonprod", (c) => (net(c).flows[0].ports = [80.5]), "ports[0].port: 80.5: is not a whole number"],
    ["an invalid named port", "nonprod", (c) => (net(c).flows[0].ports = ["HTTP_PORT"]), '"HTTP_PORT": is not a valid named port'],
    [
        "endPort below port",
        "nonprod",
        (c) => (net(c).flows[0].ports = [{ port: 9000, endPort: 8000 }]),
        "ports[0].endPort: 8000: is below port 9000",
    ],
    [
        "endPort with a named port",
        "nonprod",
        (c) => (net(c).flows[0].ports = [{ port: "http", endPort: 8000 }]),
        "ports[0].endPort: 8000: cannot go with a named port",
    ],
    [
        "a lower-case protocol",
        "nonprod",
        (c) => (net(c).flows[0].ports = [{ port: 80, protocol: "tcp" }]),
        '"tcp": is not a protocol NetworkPolicy knows (TCP, UDP, SCTP) (protocols are case-sensitive: write TCP)',
    ],
    [
        "an unknown protocol",
        "nonprod",
        (c) => (net(c).flows[0].ports = [{ port: 80, protocol: "ICMP" }]),
        '"ICMP": is not a protocol NetworkPolicy knows',
    ],
    [
        "a CIDR with host bits",
        "nonprod",
        (c) => (net(c).cidrSources[1].cidrs = ["10.0.0.1/24"]),
        'cidrSources[1].cidrs[0].cidr: "10.0.0.1/24": has host bits set (did you mean 10.0.0.0/24?)',
    ],
    ["a /33", "nonprod", (c) => (net(c).cidrSources[1].cidrs = ["10.0.0.0/33"]), '"10.0.0.0/33": prefix /33 is not between /0 and /32'],
    [
        "an octet over 255",
        "nonprod",
        (c) => (net(c).cidrSources[1].cidrs = ["300.1.1.1/24"]),
        '"300.1.1.1/24": 300.1.1.1 is not an IPv4 or IPv6 address',
    ],
    [
        "an except outside its cidr",
        "nonprod",
        (c) => (net(c).cidrSources[0].cidrs = [{ cidr: "192.0.2.0/24", except: ["192.0.3.0/25"] }]),
        'except[0]: "192.0.3.0/25": is not inside 192.0.2.0/24',
    ],
    [
        "IPv6 on an IPv4 cluster",
        "nonprod",
        (c) => (net(c).cidrSources[1].cidrs = ["2001:db8::/32"]),
        '"2001:db8::/32": is an IPv6 range on an IPv4 cluster',
    ],
    [
        "allow-all ingress into an app in prod, split in halves",
        "prod",
        (c) => (net(c).cidrSources[1].cidrs = ["0.0.0.0/1", "128.0.0.0/1"]),
        'k8s-platform:network.cidrSources[1].cidrs: ["0.0.0.0/1","128.0.0.0/1"]: together these ranges cover every address (set acknowledgeAnyAddress: true if that is meant',
    ],
    [
        "a prod flow without ports",
        "prod",
        (c) => delete net(c).flows[0].ports,
        "k8s-platform:network.flows[0].ports: (not set): a production flow must name its ports",
    ],
    [
        "a prod API endpoint open to the world",
        "prod",
        (c) => (cluster(c).endpoint.publicAccessCidrs = ["0.0.0.0/0"]),
        "a production API endpoint must not be open to 0.0.0.0/0",
    ],
    [
        "a prod public endpoint with no CIDRs (EKS opens it to all)",
        "prod",
        (c) => (cluster(c).endpoint.publicAccessCidrs = []),
        "a production API endpoint must not be open to 0.0.0.0/0",
    ],
    [
        "an endpoint reachable from nowhere",
        "prod",
        (c) => Object.assign(cluster(c).endpoint, { privateAccess: false, publicAccess: false }),
        "the API endpoint would be reachable from nowhere",
    ],
    [
        "an unpinned Calico version in prod",
        "prod",
        (c) => (c["k8s-platform:calico"].version = "v3.32.x"),
        'k8s-platform:calico.version: "v3.32.x": production pins an exact Calico version',
    ],
    [
        "an unpinned chart version in prod",
        "prod",
        (c) => (c["k8s-platform:gateway"].chartVersion = "^2.6.0"),
        'k8s-platform:gateway.chartVersion: "^2.6.0": production pins an exact chart version (e.g. 2.6.7)',
    ],
    [
        "a missing required key",
        "nonprod",
        (c) => delete c["k8s-platform:calico"],
        "k8s-platform:calico: (not set): is required (pulumi config set --path 'k8s-platform:calico' <object>)",
    ],
    [
        "a missing nested key",
        "nonprod",
        (c) => delete cluster(c).nodeGroup.minSize,
        "k8s-platform:cluster.nodeGroup.minSize: (not set): is required (pulumi config set --path 'k8s-platform:cluster.nodeGroup.minSize' <number>)",
    ],
    [
        "a quoted boolean",
        "nonprod",
        (c) => (net(c).defaultDenyEgress = "yes"),
        'k8s-platform:network.defaultDenyEgress: "yes": expected true or false, got a string (write true or false without quotes)',
    ],
    [
        "a typo in a key",
        "nonprod",
        (c) => ((net(c).defaultDenyEgres = true), delete net(c).defaultDenyEgress),
        "k8s-platform:network.defaultDenyEgres: true: unknown key (did you mean defaultDenyEgress?)",
    ],
    [
        "desiredSize outside min..max",
        "nonprod",
        (c) => (cluster(c).nodeGroup.desiredSize = 9),
        "must lie between minSize (2) and maxSize (4)",
    ],
];

describe("bad configuration is refused before anything is registered", () => {
    for (const [what, stack, edit, expected] of refused) {
        it(`refuses ${what}`, async () => {
            const failure = await runStackExpectingFailure(stack, edited(stack, edit));
            assert.ok(failure.message.includes(expected), `expected\n  ${expected}\nin\n${failure.message}`);
            assert.equal(failure.registrations.length, 0);
        });
    }

    it("reports every problem at once, each on its own line with its key path, shape and meaning together", async () => {
        const failure = await runStackExpectingFailure(
            "nonprod",
            edited("nonprod", (c) => {
                net(c).namespaces[0].name = "Bad_Name";
                net(c).flows[2].ports = [{ port: 80, protocol: "udp" }];
                cluster(c).nodeGroup.maxSize = "4";
            }),
        );
        const lines = failure.message.split("\n").slice(1);
        assert.match(failure.message, /^Invalid stack configuration \(7 problems\):/);
        assert.equal(
            lines[0],
            '  k8s-platform:cluster.nodeGroup.maxSize: "4": expected a number, got a string (write the number without quotes)',
        );
        assert.ok(lines.some((l) => l.startsWith('  k8s-platform:network.namespaces[0].name: "Bad_Name"')));
        assert.ok(lines.some((l) => l.startsWith('  k8s-platform:network.flows[2].ports[0].protocol: "udp"')));
        assert.equal(failure.registrations.length, 0);
    });
});

describe("legal but suspicious configuration warns and carries on", () => {
    it("warns about a duplicate flow and plans it once", async () => {
        const run = await runStack(
            "nonprod",
            edited("nonprod", (c) => net(c).flows.push({ ...net(c).flows[0] })),
        );
        assert.ok(run.log.some((l) => l.startsWith("warning: k8s-platform:network.flows[13]:") && l.includes("repeats network.flows[0]")));
        assert.equal(run.registrations.filter((r) => r.name === "ns-catalog-from-storefront.bff-to-api").length, 1);
    });

    it("warns about a flow inside one namespace", async () => {
        const run = await runStack(
            "nonprod",
            edited("nonprod", (c) => net(c).flows.push({ from: "orders/worker", to: "orders/api", ports: [8080] })),
        );
        assert.ok(run.log.some((l) => l.includes("stays inside namespace orders, which allow-same-namespace already admits")));
    });

    it("warns about overlapping CIDRs", async () => {
        const run = await runStack(
            "nonprod",
            edited("nonprod", (c) => net(c).cidrSources[1].cidrs.push("10.100.5.0/24")),
        );
        assert.ok(
            run.log.some(
                (l) => l.includes("k8s-platform:network.cidrSources[1].cidrs[1]") && l.includes("overlaps 10.100.0.0/16 at index 0"),
            ),
        );
    });
});

describe("determinism", () => {
    function shuffled<T>(list: T[], seed: number): T[] {
        const copy = [...list];
        let s = seed;
        for (let i = copy.length - 1; i > 0; i--) {
            s = (s * 1103515245 + 12345) % 2 ** 31;
            const j = s % (i + 1);
            [copy[i], copy[j]] = [copy[j]!, copy[i]!];
        }
        return copy;
    }

    it("gives the same resources, names and inputs when every list in the config is reordered", async () => {
        const summary = (run: Awaited<ReturnType<typeof runStack>>) =>
            run.registrations.map((r) => JSON.stringify([r.type, r.name, r.inputs, r.dependsOn.length])).sort();
        const original = await runStack("nonprod");
        for (const seed of [7, 42]) {
            const config = edited("nonprod", (c) => {
                net(c).namespaces = shuffled<Config>(net(c).namespaces, seed).map((ns) => ({ ...ns, apps: shuffled(ns.apps, seed) }));
                net(c).flows = shuffled(net(c).flows, seed);
                net(c).cidrSources = shuffled(net(c).cidrSources, seed);
                c["k8s-platform:gateway"].sourceCidrs = shuffled(c["k8s-platform:gateway"].sourceCidrs, seed);
                net(c).egressDestinations = shuffled(net(c).egressDestinations, seed);
                net(c).egress = shuffled(net(c).egress, seed);
                cluster(c).accessEntries = shuffled(cluster(c).accessEntries, seed);
                cluster(c).endpoint.publicAccessCidrs = shuffled(cluster(c).endpoint.publicAccessCidrs, seed);
            });
            assert.deepEqual(summary(await runStack("nonprod", config)), summary(original));
        }
    });

    it("keeps every port for a nonprod flow without ports that repeats a flow with ports", () => {
        const raw = Object.fromEntries(
            Object.entries(edited("nonprod", (c) => net(c).flows.push({ from: "checkout/api", to: "payments/api" })))
                .filter(([k]) => k.startsWith("k8s-platform:"))
                .map(([k, v]) => [k.slice("k8s-platform:".length), v]),
        );
        const result = parseStackConfig(raw);
        assert.ok(result.ok);
        const flow = result.config.network.flows.find(
            (f) => f.from.app === "api" && f.from.namespace === "checkout" && f.to.namespace === "payments",
        );
        assert.deepEqual(flow?.ports, []);
    });

    it("warns of an egress destination that no app may reach", async () => {
        const run = await runStack(
            "nonprod",
            edited("nonprod", (c) => (net(c).egress = net(c).egress.filter((g: Config) => g.to !== "smtp-relay"))),
        );
        assert.ok(
            run.log.some((l) =>
                l.includes('k8s-platform:network.egressDestinations[1].name: "smtp-relay": is declared but no app may reach it'),
            ),
            run.log.join("\n"),
        );
    });

    it("parses both real stack files without problems or warnings", () => {
        for (const stack of ["nonprod", "prod"]) {
            const raw = Object.fromEntries(
                Object.entries(stackConfig(stack))
                    .filter(([k]) => k.startsWith("k8s-platform:"))
                    .map(([k, v]) => [k.slice("k8s-platform:".length), v]),
            );
            const result = parseStackConfig(raw);
            assert.equal(result.ok, true, JSON.stringify(!result.ok && result.problems));
            assert.deepEqual(result.warnings, []);
        }
    });
});

describe("hardening: credentials, tenancy and Pod Security are refused when unsafe", () => {
    const tenancy = (c: Config) => c["k8s-platform:tenancy"];
    /** The project's keys without their prefix, as parseStackConfig takes them. */
    const projectKeys = (c: Config) =>
        Object.fromEntries(
            Object.entries(c)
                .filter(([k]) => k.startsWith("k8s-platform:"))
                .map(([k, v]) => [k.slice("k8s-platform:".length), v]),
        );
    const cases: [string, string, (c: Config) => void, string][] = [
        [
            "a metadata hop limit above 1",
            "nonprod",
            (c) => (cluster(c).nodeGroup.metadataHopLimit = 2),
            "k8s-platform:cluster.nodeGroup.metadataHopLimit: 2: lets pods reach the instance metadata service and the node role's credentials (set 1, as the EKS best practices guide asks (IMDSv2 with a hop limit of 1))",
        ],
        [
            "cluster-wide edit for a principal not declared platform, in production",
            "prod",
            (c) =>
                cluster(c).accessEntries.push({
                    name: "developers",
                    principalArn: "arn:aws:iam::444455556666:role/developer",
                    accessPolicy: "AmazonEKSEditPolicy",
                }),
            'k8s-platform:cluster.accessEntries[5].accessPolicy: "AmazonEKSEditPolicy": grants cluster-wide write access to a principal not declared platform: it could delete any namespace\'s default-deny (give a team `team: <name>` (its own namespaces only), or declare platform administrators with `platform: true`)',
        ],
        [
            "cluster admin for a principal not declared platform, in production",
            "prod",
            (c) => delete cluster(c).accessEntries[0].platform,
            'k8s-platform:cluster.accessEntries[0].accessPolicy: "AmazonEKSClusterAdminPolicy": grants cluster-wide write access to a principal not declared platform',
        ],
        [
            "a team that owns no namespace",
            "nonprod",
            (c) => (cluster(c).accessEntries[2].team = "chekout"),
            'k8s-platform:cluster.accessEntries[2].team: "chekout": owns no namespace in network.namespaces (did you mean checkout?)',
        ],
        [
            "two access entries with one name",
            "prod",
            (c) =>
                cluster(c).accessEntries.push({
                    name: "on-call",
                    principalArn: "arn:aws:iam::444455556666:role/sre",
                    accessPolicy: "AmazonEKSViewPolicy",
                }),
            'k8s-platform:cluster.accessEntries[5].name: "on-call": is declared twice (one entry per principal)',
        ],
        [
            "a team entry that is also platform",
            "nonprod",
            (c) => (cluster(c).accessEntries[2].platform = true),
            "k8s-platform:cluster.accessEntries[2].platform: true: a platform principal belongs to no team (use one entry for each role)",
        ],
        [
            "a Pod Security level that does not exist",
            "nonprod",
            (c) => (tenancy(c).podSecurity.business = "restricive"),
            'k8s-platform:tenancy.podSecurity.business: "restricive": is not a Pod Security level (privileged, baseline, restricted) (did you mean restricted?)',
        ],
        [
            "a privileged namespace",
            "prod",
            (c) => (tenancy(c).podSecurity.tools = "privileged"),
            'k8s-platform:tenancy.podSecurity.tools: "privileged": lets pods run privileged and use the host\'s namespaces; the platform enforces baseline at least (restricted, or baseline)',
        ],
        [
            "a malformed quota quantity",
            "nonprod",
            (c) => (tenancy(c).quota["requests.memory"] = "16GB"),
            'k8s-platform:tenancy.quota.requests.memory: "16GB": is not a Kubernetes quantity (e.g. 500m or 2 for CPU, 512Mi or 4Gi for memory, 50 for a count)',
        ],
        [
            "a negative limit quantity",
            "nonprod",
            (c) => (tenancy(c).limitRange.max.memory = "-1Gi"),
            'k8s-platform:tenancy.limitRange.max.memory: "-1Gi": is not a Kubernetes quantity',
        ],
    ];
    for (const [what, stack, edit, expected] of cases) {
        it(`refuses ${what}, naming the key`, async () => {
            const failure = await runStackExpectingFailure(stack, edited(stack, edit));
            assert.ok(failure.message.includes(expected), `expected\n  ${expected}\nin\n${failure.message}`);
            assert.equal(failure.registrations.length, 0);
        });
    }

    it("only warns outside production about cluster-wide edit for a principal not declared platform", () => {
        const raw = projectKeys(
            edited("nonprod", (c) =>
                cluster(c).accessEntries.push({
                    name: "developers",
                    principalArn: "arn:aws:iam::111122223333:role/developer",
                    accessPolicy: "AmazonEKSEditPolicy",
                }),
            ),
        );
        const result = parseStackConfig(raw);
        assert.equal(result.ok, true);
        assert.deepEqual(
            result.warnings.map((w) => w.path),
            ["k8s-platform:cluster.accessEntries[5].accessPolicy"],
        );
    });

    it("accepts quantities with every suffix Kubernetes knows, and plain numbers", () => {
        const run = (quota: Record<string, unknown>) => parseStackConfig(projectKeys(edited("nonprod", (c) => (tenancy(c).quota = quota))));
        const good = run({ a: "500m", b: "1.5", c: "2Gi", d: "1e3", e: 10, f: "128974848", g: ".5", h: "1Ei", i: "100k" });
        assert.equal(good.ok, true, JSON.stringify(!good.ok && good.problems));
        const bad = run({ a: "1 Gi", b: "Gi", c: "1GiB", d: "1.2.3" });
        assert.deepEqual(!bad.ok && bad.problems.map((p) => p.path), [
            "k8s-platform:tenancy.quota.a",
            "k8s-platform:tenancy.quota.b",
            "k8s-platform:tenancy.quota.c",
            "k8s-platform:tenancy.quota.d",
        ]);
    });
});

/** The problem lines of a refusal, without the heading and the two-space indent. */
function problemLines(message: string): string[] {
    return message
        .split("\n")
        .slice(1)
        .map((l) => l.replace(/^ {2}/, ""));
}

describe("every bad input is refused well: EKS endpoint, chart versions, every problem at once", () => {
    let prod: { message: string; registrations: readonly unknown[] };
    before(async () => {
        prod = await runStackExpectingFailure(
            "prod",
            edited("prod", (c) => {
                Object.assign(cluster(c).endpoint, { privateAccess: false, publicAccessCidrs: ["10.20.0.0/16", "203.0.113.0/24"] });
                cluster(c).nodeGroup = { ...cluster(c).nodeGroup, minSize: 5, desiredSize: 4, maxSize: 3 };
                cluster(c).name = "x".repeat(5_000_000);
                c["k8s-platform:calico"].version = "v3.31.7";
                c["k8s-platform:gateway"].chartVersion = "latest";
                c["k8s-platform:gateway"].internl = true;
                net(c).namespaces[0].name = "kube-system";
                net(c).cidrSources[1].cidrs = ["10.100.0.0"];
            }),
        );
    });

    it("reports the unknown key and the reserved namespace name together, and registers nothing", () => {
        const lines = problemLines(prod.message);
        assert.ok(lines.includes("k8s-platform:gateway.internl: true: unknown key (did you mean internal?)"));
        assert.ok(
            lines.includes(
                'k8s-platform:network.namespaces[0].name: "kube-system": is reserved for Kubernetes, Calico or the platform (pick another name)',
            ),
        );
        assert.equal(prod.registrations.length, 0);
    });

    it("refuses a private range in publicAccessCidrs, which EKS rejects", () => {
        assert.ok(
            problemLines(prod.message).includes(
                'k8s-platform:cluster.endpoint.publicAccessCidrs[0]: "10.20.0.0/16": is inside 10.0.0.0/8 (private, RFC 1918), which EKS refuses for the public endpoint: no such address reaches it from the internet (VPC addresses reach the API through privateAccess: true; list public addresses here)',
            ),
        );
    });

    it("refuses privateAccess false with a restricted public endpoint, which nodes in private subnets could not join through", () => {
        assert.ok(
            problemLines(prod.message).includes(
                "k8s-platform:cluster.endpoint.privateAccess: false: with the public endpoint limited to publicAccessCidrs, nodes in the private subnets could not reach the API and would never join (set privateAccess: true)",
            ),
        );
    });

    it("reports maxSize below minSize on maxSize, not on desiredSize", () => {
        const lines = problemLines(prod.message);
        assert.ok(lines.includes("k8s-platform:cluster.nodeGroup.maxSize: 3: is below minSize (5)"));
        assert.ok(!lines.some((l) => l.startsWith("k8s-platform:cluster.nodeGroup.desiredSize")));
    });

    it("shortens a 5 MB value to its start and its length", () => {
        assert.ok(
            problemLines(prod.message).includes(
                `k8s-platform:cluster.name: "${"x".repeat(40)}…" (5,000,000 characters): is not a valid EKS cluster name (letters, digits and dashes, starting with a letter)`,
            ),
        );
        assert.ok(prod.message.length < 5000, `${prod.message.length} characters`);
    });

    it("gives a hint once", () => {
        assert.ok(
            problemLines(prod.message).includes(
                'k8s-platform:network.cidrSources[1].cidrs[0].cidr: "10.100.0.0": is not a CIDR (address/prefix, e.g. 10.0.0.0/16)',
            ),
        );
    });

    it("refuses a Calico release whose CRDs do not ship as their own chart, and a chart version that is no version", () => {
        const lines = problemLines(prod.message);
        assert.ok(
            lines.includes(
                'k8s-platform:calico.version: "v3.31.7": is older than v3.32.0, the first Calico release whose CRDs ship as their own chart (crd.projectcalico.org.v1), which this program installs (e.g. v3.32.2)',
            ),
        );
        assert.ok(lines.includes('k8s-platform:gateway.chartVersion: "latest": is not a chart version (an exact SemVer, e.g. 2.6.7)'));
    });

    it("refuses publicAccessCidrs while publicAccess is false, and one unsupported ipFamily is one problem", async () => {
        const failure = await runStackExpectingFailure(
            "prod",
            edited("prod", (c) => {
                cluster(c).endpoint.publicAccess = false;
                cluster(c).ipFamily = "ipv6";
            }),
        );
        assert.deepEqual(problemLines(failure.message), [
            'k8s-platform:cluster.ipFamily: "ipv6": IPv6 clusters are not supported by this program yet (use ipv4)',
            // The list is as Pulumi.prod.yaml writes it, so the problem names its line there.
            'Pulumi.prod.yaml:22: k8s-platform:cluster.endpoint.publicAccessCidrs: ["198.51.100.16/28","203.0.113.0/24"]: has no meaning while publicAccess is false, and the update would fail (remove publicAccessCidrs, or set publicAccess: true)',
        ]);
    });

    it("refuses a version that is not a version in nonprod too, where ranges are allowed", async () => {
        const failure = await runStackExpectingFailure(
            "nonprod",
            edited("nonprod", (c) => {
                c["k8s-platform:calico"].version = "3.32 or so";
                // NGF's own chart version must be exact (its CRDs come from that release); others may be ranges.
                c["k8s-platform:gateway"].loadBalancerController.chartVersion = "~3.5.0";
            }),
        );
        assert.deepEqual(problemLines(failure.message), [
            'k8s-platform:calico.version: "3.32 or so": is not a Calico version (a SemVer such as v3.32.2, or a range such as ~3.32.2)',
        ]);
    });
});

describe("every bad input is refused well: wording a person would write", () => {
    it("words shape problems once, at the key, without the library's wording", async () => {
        const failure = await runStackExpectingFailure(
            "nonprod",
            edited("nonprod", (c) => {
                delete c["k8s-platform:environment"];
                cluster(c).nodeGroup.capacityType = "spot";
                cluster(c).nodeGroup.instanceTypes = [];
                cluster(c).nodeGroup.diskSizeGiB = 50.5;
                cluster(c).vpc.availabilityZones = 7;
                net(c).flows[0].ports = "8080";
                net(c).flows[1].ports = [true];
            }),
        );
        assert.deepEqual(problemLines(failure.message), [
            "k8s-platform:environment: (not set): is required (one of production, non-production)",
            "k8s-platform:cluster.vpc.availabilityZones: 7: must be at most 6",
            "k8s-platform:cluster.nodeGroup.instanceTypes: []: must list at least one entry",
            "k8s-platform:cluster.nodeGroup.diskSizeGiB: 50.5: is not a whole number",
            'k8s-platform:cluster.nodeGroup.capacityType: "spot": is not one of ON_DEMAND, SPOT (did you mean SPOT?)',
            'k8s-platform:network.flows[0].ports: "8080": expected a list, got a string',
            "k8s-platform:network.flows[1].ports[0]: true: is not a port: expected a number, a name or { port, protocol }, got a boolean (e.g. 8080, http or { port: 53, protocol: UDP })",
        ]);
    });
});

describe("every bad input is refused well: the promotion gate compares Kubernetes versions", () => {
    it("refuses prod on a newer kubernetesVersion than nonprod runs, at the key, before any resource", async () => {
        const failure = await runStackExpectingFailure(
            "prod",
            edited("prod", (c) => (cluster(c).kubernetesVersion = "1.36")),
        );
        assert.equal(
            failure.message,
            'promotion gate: k8s-platform:cluster.kubernetesVersion: "1.36": is newer than 1.35, which organization/k8s-platform/nonprod runs; a stack never runs a Kubernetes version the stack it is promoted from has not (upgrade organization/k8s-platform/nonprod first, or set k8s-platform:promotion.override with a reason)',
        );
        assert.deepEqual(
            failure.registrations.map((r) => r.type),
            ["pulumi:pulumi:StackReference"],
        );
    });

    it("warns in a preview, lets an older version or an override through, and cannot compare without the earlier stack's version", () => {
        const gate = { after: "organization/k8s-platform/nonprod", override: false };
        assert.equal(judgeKubernetesVersion(gate, "1.33", "1.33", false).kind, "passed");
        assert.equal(judgeKubernetesVersion(gate, "1.32", "1.33", false).kind, "passed");
        assert.equal(judgeKubernetesVersion(gate, "1.34", "1.33", true).kind, "warned");
        assert.equal(judgeKubernetesVersion({ ...gate, override: true, reason: "CVE" }, "1.34", "1.33", false).kind, "overridden");
        assert.equal(judgeKubernetesVersion(undefined, "1.34", undefined, false).kind, "not-configured");
        assert.deepEqual(judgeKubernetesVersion(gate, "1.33", undefined, false), {
            kind: "blocked",
            message:
                "cannot be compared: organization/k8s-platform/nonprod exports no kubernetesVersion (upgrade organization/k8s-platform/nonprod first, or set k8s-platform:promotion.override with a reason)",
        });
    });

    it("exports the stack's kubernetesVersion for the next stack's gate", async () => {
        assert.equal((await runStack("nonprod")).outputs["kubernetesVersion"], "1.35");
    });
});

describe("every bad input is refused well: nonprod warns where production refuses", () => {
    it("warns about a flow and a CIDR source without ports, a source open to every address, and a misspelt project prefix", async () => {
        const run = await runStack(
            "nonprod",
            edited("nonprod", (c) => {
                delete net(c).flows[0].ports;
                delete net(c).cidrSources[0].ports;
                net(c).cidrSources[0].cidrs = ["0.0.0.0/1", "128.0.0.0/1"];
                c["k8s-platfrom:promotion"] = { after: "organization/k8s-platform/nonprod" };
            }),
        );
        assert.deepEqual(
            run.log.filter((l) => l.startsWith("warning: ")),
            [
                'warning: k8s-platfrom:promotion: {"after":"organization/k8s-platform/nonprod"}: is not read: k8s-platfrom is not the project\'s name, k8s-platform (did you mean k8s-platform:promotion?)',
                "warning: k8s-platform:network.flows[0].ports: (not set): a flow without ports admits every port, which production refuses (list the ports the destination serves, e.g. [8080])",
                "warning: k8s-platform:network.cidrSources[0].ports: (not set): a CIDR source without ports admits every port, which production refuses (e.g. [443])",
                'warning: k8s-platform:network.cidrSources[0].cidrs: ["0.0.0.0/1","128.0.0.0/1"]: together these ranges cover every address (set acknowledgeAnyAddress: true if that is meant, or list the partner or office ranges)',
            ],
        );
    });

    it("keeps other providers' namespaces quiet", () => {
        assert.deepEqual(
            misspeltProjectKeys({ "aws:region": "eu-west-1", "kubernetes:context": "x", "eks:foo": "1", "k8s-platform:x": "1" }),
            [],
        );
        assert.deepEqual(
            misspeltProjectKeys({ "K8s-Platform:network": "{}" }).map((p) => p.hint),
            ["did you mean k8s-platform:network?"],
        );
    });
});

describe("every bad input is refused well: where the key is written, and all of it through a pipe", () => {
    // A stack file of our own, so that the program finds it by its stack name as it finds
    // Pulumi.prod.yaml: prod with a private range on the endpoint and 700 namespaces with bad
    // names, a problem list well over 64 KiB.
    const stack = `badinput-test-${process.pid}`;
    const file = path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`);
    let text: string;
    before(() => {
        const bad = Array.from({ length: 700 }, (_, i) => `      - { name: Bad_Name_${i}, team: t, apps: [web] }`).join("\n");
        text = fs
            .readFileSync(path.join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8")
            .replace("        - 198.51.100.16/28 # CI runners", "        - 10.20.0.0/16 # CI runners")
            .replace("    namespaces:\n", `    namespaces:\n${bad}\n`);
        fs.writeFileSync(file, text);
    });
    after(() => fs.rmSync(file, { force: true }));
    const lineOf = (content: string) => text.split("\n").indexOf(content) + 1;

    it("names the file and the line where each wrong key is written", async () => {
        const failure = await runStackExpectingFailure(stack, stackConfig(stack));
        const lines = problemLines(failure.message);
        assert.equal(lines.length, 701);
        assert.equal(
            lines[0],
            `Pulumi.${stack}.yaml:${lineOf("        - 10.20.0.0/16 # CI runners")}: k8s-platform:cluster.endpoint.publicAccessCidrs[0]: "10.20.0.0/16": is inside 10.0.0.0/8 (private, RFC 1918), which EKS refuses for the public endpoint: no such address reaches it from the internet (VPC addresses reach the API through privateAccess: true; list public addresses here)`,
        );
        assert.equal(
            lines[700],
            `Pulumi.${stack}.yaml:${lineOf("      - { name: Bad_Name_699, team: t, apps: [web] }")}: k8s-platform:network.namespaces[699].name: "Bad_Name_699": is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit) (e.g. bad-name-699)`,
        );
    });

    it("writes the whole problem list to a pipe, then exits 1", () => {
        // Through `cat`, as `npm run plan -- prod | less` would: before the fix, the process
        // exited with the rest of the list still queued, and the pipe got 64 or 128 KiB of it.
        const plan = `"${process.execPath}" --require tsx/cjs scripts/plan.ts ${stack}`;
        const result = spawnSync("bash", ["-c", `set -o pipefail; ${plan} 2>&1 >/dev/null | cat`], {
            cwd: PROJECT_DIR,
            encoding: "utf8",
            timeout: 60_000,
        });
        const output = result.stdout;
        assert.equal(result.status, 1, result.stderr);
        assert.ok(output.length > 64 * 1024, `${output.length} characters`);
        assert.match(output, /^Invalid stack configuration \(701 problems\):\n/);
        assert.equal(output.split("\n").filter((l) => l.startsWith(`  Pulumi.${stack}.yaml:`)).length, 701);
        assert.ok(output.endsWith("(e.g. bad-name-699)\n\nNothing was planned.\n"), output.slice(-300));
    });
});

describe("every bad input is refused well: a stack file wrong as a whole", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfile-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: k8s-platform\n");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const refusal = (content: string | Buffer, stack = "prod") => {
        fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), content);
        try {
            readStackFile(dir, stack);
        } catch (e) {
            assert.ok(e instanceof StackFileError);
            return e.message;
        }
        throw new Error("the stack file was accepted");
    };

    it("names the file and says what is wrong with it as a whole", () => {
        assert.equal(
            refusal("- config\n- more\n"),
            "Pulumi.prod.yaml holds a list, not a mapping: a stack file is a mapping with a config: section of keys such as k8s-platform:network",
        );
        assert.equal(
            refusal("# prod\nconfig:\n  - k8s-platform:environment: production\n"),
            "Pulumi.prod.yaml:3: config holds a list, not a mapping of keys such as k8s-platform:network to their values",
        );
        assert.equal(
            refusal(Buffer.from([0x63, 0x6f, 0x00, 0xff])),
            "Pulumi.prod.yaml holds binary data (a NUL byte at byte 2), not YAML text",
        );
        assert.equal(
            refusal("config:\n  k8s-platform:cluster: { name: x\n  k8s-platform:calico: {}\n"),
            "Pulumi.prod.yaml is not valid YAML:\n  Pulumi.prod.yaml:3:3: Flow map in block collection must be sufficiently indented and end with a }",
        );
    });

    it("says which file the prod plan read for the promotion gate when that one is broken", () => {
        fs.writeFileSync(path.join(dir, "Pulumi.nonprod.yaml"), "config: [1, 2]\n");
        const config = Object.fromEntries(
            Object.entries(stackConfig("prod")).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
        );
        assert.throws(
            () => localStackOutputs(dir, config),
            (e: Error) =>
                e.message ===
                "Pulumi.nonprod.yaml:1: config holds a list, not a mapping of keys such as k8s-platform:network to their values\n(Pulumi.nonprod.yaml was read for the promotion gate (k8s-platform:promotion.after: organization/k8s-platform/nonprod))",
        );
    });
});

describe("chart versions as Helm reads them", () => {
    const lowest = (text: string) => {
        const spec = parseVersionSpec(text);
        if (!spec) return "not a version";
        if (spec.kind === "exact") return `exact ${formatVersion(spec.version)}`;
        return spec.lowest ? `from ${formatVersion(spec.lowest)}` : "unbounded";
    };

    it("reads exact SemVer, constraints with their lowest admitted version, and refuses what is neither", () => {
        assert.deepEqual(
            [
                "v3.32.2",
                "4.13.3",
                "1.0.0-rc.1",
                "~3.32.0",
                "^4.13",
                "v3.32.x",
                ">=3.31 <4",
                ">3.31",
                "3.30 - 3.33",
                "~3.31 || ~3.33",
                "<4",
                "*",
            ].map(lowest),
            [
                "exact 3.32.2",
                "exact 4.13.3",
                "exact 1.0.0-rc.1",
                "from 3.32.0",
                "from 4.13.0",
                "from 3.32.0",
                "from 3.31.0",
                "from 3.32.0",
                "from 3.30.0",
                "from 3.31.0",
                "unbounded",
                "from 0.0.0",
            ],
        );
        assert.deepEqual(["latest", "", "3.32 or so", "v3..2", "=>"].map(lowest), Array(5).fill("not a version"));
    });

    it("orders a pre-release before its release", () => {
        assert.equal(compareVersions(parseVersion("3.32.0-rc.1")!, parseVersion("3.32.0")!), -1);
        assert.equal(compareVersions(parseVersion("v3.32.0")!, parseVersion("3.31.9")!), 1);
    });

    it("lets nonprod take a Calico range from v3.32 on and refuses one that admits older releases", () => {
        const withCalico = (version: string) => {
            const raw = Object.fromEntries(
                Object.entries(stackConfig("nonprod"))
                    .filter(([k]) => k.startsWith("k8s-platform:"))
                    .map(([k, v]) => [k.slice("k8s-platform:".length), v]),
            );
            const result = parseStackConfig({ ...raw, calico: { version } });
            return result.ok ? "ok" : result.problems.map((p) => p.message).join("; ");
        };
        assert.equal(withCalico("~3.32.0"), "ok");
        assert.equal(
            withCalico("^3.30"),
            "admits 3.30.0 older than v3.32.0, the first Calico release whose CRDs ship as their own chart (crd.projectcalico.org.v1), which this program installs",
        );
    });
});

describe("Kubernetes version, API ranges, the deployer and route hostnames", () => {
    const projectKeys = (c: Config) =>
        Object.fromEntries(
            Object.entries(c)
                .filter(([k]) => k.startsWith("k8s-platform:"))
                .map(([k, v]) => [k.slice("k8s-platform:".length), v]),
        );
    const raw = (stack: string, edit: (c: Config) => void) => projectKeys(edited(stack, edit));

    it("pins both stacks to a version in EKS standard support today", () => {
        for (const stack of ["nonprod", "prod"]) {
            const result = parseStackConfig(projectKeys(stackConfig(stack) as Config), "2026-12-03");
            assert.equal(result.ok, true, stack);
            assert.equal(versionSupport(String(cluster(stackConfig(stack) as Config).kubernetesVersion), "2026-12-03").kind, "standard");
            assert.deepEqual(
                result.warnings.filter((w) => w.path.includes("kubernetesVersion")),
                [],
            );
        }
        assert.equal(newestInStandardSupport("2026-12-03"), "1.36");
    });

    it("refuses an API range listed twice, and more private ranges than the control plane's security group holds", () => {
        const twice = parseStackConfig(
            raw("nonprod", (c) => ((cluster(c).endpoint as Config).privateAccessCidrs = ["10.100.0.0/16", "10.100.0.0/16"])),
            "2026-12-03",
        );
        assert.deepEqual(twice.ok ? [] : twice.problems.map((p) => formatProblem(p)), [
            'k8s-platform:cluster.endpoint.privateAccessCidrs[1]: "10.100.0.0/16": is listed twice (first at 0): each range is one security group rule, and a rule given twice is one Pulumi name (list it once)',
        ]);
        const many = parseStackConfig(
            raw(
                "nonprod",
                (c) => ((cluster(c).endpoint as Config).privateAccessCidrs = Array.from({ length: 60 }, (_, i) => `10.100.${i}.0/24`)),
            ),
            "2026-12-03",
        );
        assert.match(
            many.ok ? "" : many.problems.map((p) => formatProblem(p)).join("\n"),
            /privateAccessCidrs: .*60 ranges need as many inbound rules on the control plane's security group, which has room for 59/,
        );
    });

    it("refuses a permissions boundary that is no policy ARN, and warns without one, naming the key", () => {
        const wrong = parseStackConfig(
            raw("prod", (c) => (cluster(c).permissionsBoundaryArn = "platform-boundary")),
            "2026-12-03",
        );
        assert.equal(wrong.ok, false);
        assert.deepEqual(wrong.ok ? [] : wrong.problems.map((p) => formatProblem(p)), [
            'k8s-platform:cluster.permissionsBoundaryArn: "platform-boundary": is not the ARN of an IAM policy (arn:aws:iam::<account>:policy/platform-boundary)',
        ]);
        const missing = parseStackConfig(
            raw("prod", (c) => delete cluster(c).permissionsBoundaryArn),
            "2026-12-03",
        );
        assert.equal(missing.ok, true);
        assert.deepEqual(
            missing.warnings
                .filter((w) => w.path.includes("permissionsBoundaryArn"))
                .map((w) => formatProblem(w).split(":").slice(0, 3).join(":")),
            ["k8s-platform:cluster.permissionsBoundaryArn: (not set)"],
        );
    });

    it("plans 1.33 with a warning naming the date standard support ended and what upgradePolicy does then", () => {
        const result = parseStackConfig(
            raw("nonprod", (c) => (cluster(c).kubernetesVersion = "1.33")),
            "2026-12-03",
        );
        assert.equal(result.ok, true);
        assert.deepEqual(
            result.warnings.filter((w) => w.path.includes("kubernetesVersion")).map((w) => formatProblem(w)),
            [
                'k8s-platform:cluster.kubernetesVersion: "1.33": left EKS standard support on 2026-07-29: with upgradePolicy STANDARD, EKS upgrades the cluster itself (upgrade one minor version at a time, nonprod first, to 1.35 (docs/kubernetes-versions.md))',
            ],
        );
        const extended = parseStackConfig(
            raw("nonprod", (c) => {
                cluster(c).kubernetesVersion = "1.34";
                cluster(c).upgradePolicy = "EXTENDED";
            }),
            "2026-12-03",
        );
        assert.match(
            formatProblem(extended.warnings.find((w) => w.path.includes("kubernetesVersion"))!),
            /left EKS standard support on 2026-12-02: the cluster bills extended support until 2027-12-02/,
        );
    });

    it("warns about a version newer than the pinned charts and add-ons were checked against", () => {
        const result = parseStackConfig(
            raw("nonprod", (c) => (cluster(c).kubernetesVersion = "1.36")),
            "2026-12-03",
        );
        assert.equal(result.ok, true);
        assert.deepEqual(
            result.warnings.filter((w) => w.path.includes("kubernetesVersion")).map((w) => w.message),
            ["is newer than 1.35, the newest version the pinned Calico, NGINX Gateway Fabric and EKS add-ons were checked against"],
        );
    });

    // Judged against today's date: once 1.33 leaves extended support (2027-07-29) this becomes a refusal, and the test says so.
    it("plans nonprod on 1.33 and says in the run's log when standard support ended", async () => {
        const run = await runStack(
            "nonprod",
            edited("nonprod", (c) => (cluster(c).kubernetesVersion = "1.33")),
        );
        const warnings = run.log.filter((l) => l.includes("kubernetesVersion"));
        assert.equal(warnings.length, 1, run.log.join("\n"));
        assert.match(warnings[0]!, /^warning: .*k8s-platform:cluster\.kubernetesVersion: "1\.33": left EKS standard support on 2026-07-29/);
        assert.ok(run.registrations.length > 200, "a warning, not a refusal: the plan goes on");
    });

    it("warns about the stacks' own version once its standard support has ended", () => {
        const result = parseStackConfig(projectKeys(stackConfig("prod") as Config), "2027-03-28");
        assert.deepEqual(
            result.warnings.filter((w) => w.path.includes("kubernetesVersion")).map((w) => w.message),
            ["left EKS standard support on 2027-03-27: with upgradePolicy STANDARD, EKS upgrades the cluster itself"],
        );
    });

    const refusals: [string, (c: Config) => void, string][] = [
        [
            "a malformed version string",
            (c) => (cluster(c).kubernetesVersion = "v1.35.2"),
            'k8s-platform:cluster.kubernetesVersion: "v1.35.2": is not a Kubernetes minor version such as 1.35 (quote it: "1.35")',
        ],
        [
            "a version EKS does not offer",
            (c) => (cluster(c).kubernetesVersion = "1.29"),
            'k8s-platform:cluster.kubernetesVersion: "1.29": is not a version EKS offers',
        ],
        ["an upgradePolicy EKS does not know", (c) => (cluster(c).upgradePolicy = "NEVER"), "k8s-platform:cluster.upgradePolicy"],
        [
            "a malformed API range",
            (c) => (cluster(c).endpoint.privateAccessCidrs = ["10.100.0.0/33"]),
            'k8s-platform:cluster.endpoint.privateAccessCidrs[0]: "10.100.0.0/33"',
        ],
        [
            "a malformed public API range",
            (c) => (cluster(c).endpoint.publicAccessCidrs[0] = "203.0.113.0/2x"),
            'k8s-platform:cluster.endpoint.publicAccessCidrs[0]: "203.0.113.0/2x"',
        ],
        [
            "private API ranges covering every address",
            (c) => (cluster(c).endpoint.privateAccessCidrs = ["0.0.0.0/1", "128.0.0.0/1"]),
            'k8s-platform:cluster.endpoint.privateAccessCidrs: ["0.0.0.0/1","128.0.0.0/1"]: together these ranges cover every address',
        ],
        [
            "a stack without a deployer",
            (c) => (cluster(c).accessEntries = cluster(c).accessEntries.filter((e: Config) => !e["deployer"])),
            "k8s-platform:cluster.accessEntries: ",
        ],
        [
            "a deployer that is not cluster admin",
            (c) => (cluster(c).accessEntries.find((e: Config) => e["deployer"]).accessPolicy = "AmazonEKSViewPolicy"),
            'k8s-platform:cluster.accessEntries[4]: "ci-deploy": the deployer applies cluster-scoped objects',
        ],
        [
            "a hostname that is not one",
            (c) => (net(c).namespaces[0].hostnames = ["Shop_Nonprod"]),
            'k8s-platform:network.namespaces[0].hostnames[0]: "Shop_Nonprod": is not a hostname an HTTPRoute can claim',
        ],
        [
            "one hostname granted to two namespaces",
            (c) => (net(c).namespaces[1].hostnames = ["nonprod.shop.example.com"]),
            'k8s-platform:network.namespaces[1].hostnames[0]: "nonprod.shop.example.com": is already granted to namespace storefront',
        ],
    ];
    for (const [what, edit, expected] of refusals) {
        it(`refuses ${what}, naming the key, before any resource`, () => {
            const result = parseStackConfig(raw("nonprod", edit), "2026-12-03");
            assert.equal(result.ok, false);
            const lines = (result.ok ? [] : result.problems).map((p) => formatProblem(p));
            assert.ok(
                lines.some((l) => l.startsWith(expected)),
                `expected\n  ${expected}\nin\n${lines.join("\n")}`,
            );
        });
    }

    it("hands each namespace its granted hostnames, sorted, and none to a namespace without a grant", () => {
        const result = parseStackConfig(projectKeys(stackConfig("prod") as Config), "2026-12-03");
        assert.ok(result.ok);
        assert.deepEqual(result.config.routeHostnames["storefront"], ["shop.example.com", "www.shop.example.com"]);
        assert.deepEqual(result.config.routeHostnames["cart"], []);
    });
});

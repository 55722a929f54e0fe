import { strict as assert } from "assert";
import * as path from "path";
import { overlappingHostnameGrants, wrongAccount } from "../config/checks/accounts";
import { formatProblem, parseStackConfig, projectConfigValues } from "../config/schema";
import { runProgram } from "../offline/mockRuntime";
import { PROJECT_DIR, runStackExpectingFailure, stackConfig } from "./harness";

type Namespaces = Parameters<typeof overlappingHostnameGrants>[0];
const ns = (name: string, hostnames: string[]): Namespaces[number] => ({ name, team: name, apps: ["web"], hostnames });

const asStrings = (config: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));

/** A stack file's config with `edit` applied, parsed as the program parses it. */
function parseStack(stack: string, edit: (config: Record<string, unknown>) => void) {
    const config = structuredClone(stackConfig(stack));
    edit(config);
    return parseStackConfig(projectConfigValues(asStrings(config)));
}
const parseNonprod = (edit: (config: Record<string, unknown>) => void) => parseStack("nonprod", edit);
const parseProd = (edit: (config: Record<string, unknown>) => void) => parseStack("prod", edit);

describe("config rules on accounts and grants (config/checks/accounts.ts)", () => {
    describe("hostname grants cannot overlap", () => {
        it("refuses a grant covered by another namespace's wildcard, naming both namespaces, on the covered grant's key", () => {
            const problems = overlappingHostnameGrants([
                ns("storefront", ["nonprod.shop.example.com", "*.nonprod.shop.example.com"]),
                ns("customers", ["account.nonprod.shop.example.com"]),
            ]);
            assert.deepEqual(
                problems.map((p) => [p.path, p.value, p.message]),
                [
                    [
                        "k8s-platform:network.namespaces[1].hostnames[0]",
                        "account.nonprod.shop.example.com",
                        "granted to namespace customers, is covered by *.nonprod.shop.example.com, granted to namespace storefront: storefront's routes could claim customers's hostname",
                    ],
                ],
            );
        });

        it("refuses a wildcard under another namespace's wildcard, and a deeper name under one", () => {
            const problems = overlappingHostnameGrants([
                ns("storefront", ["*.shop.example.com"]),
                ns("customers", ["*.eu.shop.example.com"]),
                ns("search", ["a.b.shop.example.com"]),
            ]);
            assert.deepEqual(
                problems.map((p) => p.path),
                ["k8s-platform:network.namespaces[1].hostnames[0]", "k8s-platform:network.namespaces[2].hostnames[0]"],
            );
            assert.match(problems[0]!.message, /covered by \*\.shop\.example\.com, granted to namespace storefront/);
        });

        it("accepts grants that only share a suffix, a wildcard's bare domain, and a namespace's own wildcard over its own name", () => {
            assert.deepEqual(
                overlappingHostnameGrants([
                    ns("storefront", ["shop.example.com", "*.www.shop.example.com", "a.www.shop.example.com"]),
                    ns("customers", ["account.shop.example.com", "www.shop.example.com"]),
                    ns("search", ["*.search.example.com"]),
                    ns("catalog", ["search.example.com", "xsearch.example.com"]),
                ]),
                [],
            );
        });

        it("the nonprod stack file is refused once storefront takes a wildcard over customers' hostname", () => {
            const parsed = parseNonprod((c) => {
                const net = c["k8s-platform:network"] as { namespaces: { name: string; hostnames: string[] }[] };
                net.namespaces.find((n) => n.name === "storefront")!.hostnames.push("*.nonprod.shop.example.com");
                (c["k8s-platform:gateway"] as { tls: { hostnames: string[] } }).tls.hostnames.push("*.nonprod.shop.example.com");
            });
            assert.ok(!parsed.ok);
            const mine = parsed.problems.filter((p) => /is covered by/.test(p.message)).map(formatProblem);
            assert.equal(mine.length, 2, mine.join("\n")); // account. and analytics. are both under the wildcard
            assert.match(mine[0]!, /account\.nonprod\.shop\.example\.com.*namespace customers.*namespace storefront/);
            assert.match(mine[1]!, /analytics\.nonprod\.shop\.example\.com.*namespace analytics.*namespace storefront/);
        });
    });
});

describe("the account guard", () => {
    it("refuses production without its account, and warns elsewhere", () => {
        const prod = parseProd((c) => delete c["k8s-platform:accountId"]);
        assert.ok(!prod.ok);
        assert.deepEqual(
            prod.problems.map((p) => [p.path, p.message]),
            [["k8s-platform:accountId", "production must name its AWS account: every run refuses credentials of another account"]],
        );
        const nonprod = parseNonprod((c) => delete c["k8s-platform:accountId"]);
        assert.ok(nonprod.ok);
        assert.deepEqual(
            nonprod.warnings.filter((w) => w.path === "k8s-platform:accountId").map((w) => w.message),
            ["is not set: nothing stops a run with credentials of another account"],
        );
    });

    it("reads each stack file's account, written unquoted or quoted, and refuses what is no account ID", () => {
        const prod = parseProd(() => undefined);
        assert.ok(prod.ok);
        assert.equal(prod.config.accountId, "444455556666");
        const unquoted = parseStackConfig({ ...projectConfigValues(asStrings(stackConfig("prod"))), accountId: 444455556666 });
        assert.ok(unquoted.ok);
        assert.equal(unquoted.config.accountId, "444455556666");
        const bad = parseProd((c) => (c["k8s-platform:accountId"] = "4444-5555-6666"));
        assert.ok(!bad.ok);
        assert.deepEqual(
            bad.problems.map((p) => [p.path, p.message]),
            [["k8s-platform:accountId", "expected a 12-digit AWS account ID"]],
        );
    });

    it("refuses a boundary or a deployer of another account than the stack's, naming both accounts", () => {
        const parsed = parseProd((c) => {
            const cluster = c["k8s-platform:cluster"] as {
                permissionsBoundaryArn: string;
                accessEntries: { deployer?: boolean; principalArn: string }[];
            };
            cluster.permissionsBoundaryArn = "arn:aws:iam::111122223333:policy/platform-boundary";
            cluster.accessEntries.find((e) => e.deployer)!.principalArn = "arn:aws:iam::111122223333:role/github-deploy";
        });
        assert.ok(!parsed.ok);
        assert.deepEqual(
            parsed.problems.map((p) => p.message.replace(/:.*/, "")),
            [
                "is in account 111122223333, not the stack's account 444455556666 (accountId)",
                "the deployer is in account 111122223333, not the stack's account 444455556666 (accountId)",
            ],
        );
    });

    it("refuses credentials of another account, naming both; accepts the stack's own", () => {
        assert.equal(wrongAccount("444455556666", "444455556666"), undefined);
        assert.equal(wrongAccount(undefined, "444455556666"), undefined);
        const problem = wrongAccount("444455556666", "111122223333", "arn:aws:sts::111122223333:assumed-role/github-deploy/ci")!;
        assert.equal(
            formatProblem(problem),
            `k8s-platform:accountId: "444455556666": the credentials belong to account 111122223333 (arn:aws:sts::111122223333:assumed-role/github-deploy/ci), not to the stack's account 444455556666: refusing to run against another account (assume a role of the stack's account (docs/first-run.md))`,
        );
    });

    it("stops the prod program run with nonprod's credentials before any resource, naming both accounts and the stack file's line", async () => {
        const { message, registrations } = await runStackExpectingFailure("prod", stackConfig("prod"), { callerAccountId: "111122223333" });
        assert.match(
            message,
            /Pulumi\.prod\.yaml:\d+: k8s-platform:accountId: "444455556666": the credentials belong to account 111122223333/,
        );
        assert.deepEqual(registrations, []);
    });

    it("stops the bootstrap with another account's credentials before any resource, naming both accounts", async () => {
        const bootstrap = (callerAccountId?: string) =>
            runProgram({
                project: "k8s-platform-bootstrap",
                stack: "nonprod",
                program: path.join(PROJECT_DIR, "bootstrap", "index.ts"),
                config: {
                    "aws:region": "eu-west-1",
                    "k8s-platform-bootstrap:repository": "acme/k8s-platform",
                    "k8s-platform-bootstrap:stack": "nonprod",
                    "k8s-platform-bootstrap:nonprodAccountId": "111122223333",
                    "k8s-platform-bootstrap:prodAccountId": "444455556666",
                    "k8s-platform-bootstrap:stateBucket": "acme-k8s-platform-state",
                    "k8s-platform-bootstrap:hostedZoneIds": "Z0123456789ABC",
                },
                ...(callerAccountId ? { callerAccountId } : {}),
            });
        await assert.rejects(bootstrap("444455556666"), (e: Error & { registrations?: unknown[] }) => {
            assert.match(
                e.message,
                /k8s-platform-bootstrap:nonprodAccountId: "111122223333": the credentials belong to account 444455556666 \(arn:aws:sts::444455556666:assumed-role\/github-deploy\/mock\), not to nonprod's account 111122223333/,
            );
            assert.deepEqual(e.registrations, []);
            return true;
        });
        assert.ok((await bootstrap()).registrations.length > 0);
    });

    it("refuses a bootstrap without the hosted zones, or with something else, before any resource", async () => {
        const run = (zones: string) =>
            runProgram({
                project: "k8s-platform-bootstrap",
                stack: "nonprod",
                program: path.join(PROJECT_DIR, "bootstrap", "index.ts"),
                config: {
                    "aws:region": "eu-west-1",
                    "k8s-platform-bootstrap:repository": "acme/k8s-platform",
                    "k8s-platform-bootstrap:stack": "nonprod",
                    "k8s-platform-bootstrap:nonprodAccountId": "111122223333",
                    "k8s-platform-bootstrap:prodAccountId": "444455556666",
                    "k8s-platform-bootstrap:stateBucket": "acme-k8s-platform-state",
                    "k8s-platform-bootstrap:hostedZoneIds": zones,
                },
            });
        await assert.rejects(run(" , "), /k8s-platform-bootstrap:hostedZoneIds: name the hosted zones/);
        await assert.rejects(
            run("shop.example.com"),
            /k8s-platform-bootstrap:hostedZoneIds: "shop\.example\.com": expected a Route 53 hosted zone ID/,
        );
        const ok = await run("Z0123456789ABC, Z0AAAABBBBCCCC");
        const boundary = ok.registrations.find((r) => r.type === "aws:iam/policy:Policy")!;
        assert.match(String(boundary.inputs["policy"]), /hostedzone\/Z0123456789ABC.*hostedzone\/Z0AAAABBBBCCCC/);
    });
});

describe("the owner tag the deploy role needs", () => {
    it("refuses stack tags without owner: platform-team, which the deploy role creates and changes EC2 resources and keys by", () => {
        const parsed = parseProd((c) => {
            (c["k8s-platform:cluster"] as { tags: Record<string, string> }).tags["owner"] = "shop";
        });
        assert.ok(!parsed.ok);
        assert.deepEqual(
            parsed.problems.map((p) => [p.path, p.value, p.message]),
            [
                [
                    "k8s-platform:cluster.tags.owner",
                    "shop",
                    "must be platform-team: the deploy role creates and changes EC2 resources and KMS keys only with that tag",
                ],
            ],
        );
    });
});

describe("endpoint access that matches the runners", () => {
    type Endpoint = {
        publicAccess: boolean;
        privateAccess: boolean;
        publicAccessCidrs: string[];
        privateAccessCidrs: string[];
        runners?: string;
        resolverForwarding?: boolean;
    };
    const withEndpoint = (stack: string, edit: (e: Endpoint) => void) =>
        parseStack(stack, (c) => edit((c["k8s-platform:cluster"] as { endpoint: Endpoint }).endpoint));
    const findings = (r: ReturnType<typeof parseStack>) => ({
        problems: r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`),
        warnings: r.warnings.map((w) => `${w.path}: ${w.message}`),
    });

    it("warns that private ranges do nothing while the public endpoint is on, unless their networks forward to the VPC's resolver", () => {
        const r = withEndpoint("nonprod", (e) => delete e.resolverForwarding);
        assert.ok(r.ok);
        assert.deepEqual(findings(r).warnings, [
            "k8s-platform:cluster.endpoint.privateAccessCidrs: reach the private endpoint only if they resolve its name inside the VPC: with publicAccess on, clients outside the VPC resolve it to its public addresses",
        ]);
        // Private only: EKS publishes the private addresses under the public name, peers resolve them.
        const privateOnly = withEndpoint("nonprod", (e) => {
            delete e.resolverForwarding;
            e.publicAccess = false;
            e.publicAccessCidrs = [];
        });
        assert.deepEqual(findings(privateOnly), { problems: [], warnings: [] });
    });

    it("refuses peered runners that would resolve the public endpoint, or that have no private route", () => {
        const r = withEndpoint("prod", (e) => {
            delete e.resolverForwarding;
            e.runners = "peered";
        });
        assert.deepEqual(findings(r).problems, [
            "k8s-platform:cluster.endpoint.privateAccessCidrs: reach the private endpoint only if they resolve its name inside the VPC: with publicAccess on, clients outside the VPC resolve it to its public addresses, so the peered runners' jobs would time out",
        ]);
        const noRange = withEndpoint("prod", (e) => {
            e.runners = "peered";
            e.privateAccessCidrs = [];
        });
        assert.deepEqual(findings(noRange).problems, [
            "k8s-platform:cluster.endpoint.runners: runners in a peered VPC reach the API only through the private endpoint and a rule for their range",
        ]);
        assert.ok(withEndpoint("prod", (e) => (e.runners = "peered")).ok);
    });

    it("refuses GitHub-hosted runners in production and wherever the public endpoint is limited or off", () => {
        assert.deepEqual(findings(withEndpoint("prod", (e) => (e.runners = "github-hosted"))).problems, [
            "k8s-platform:cluster.endpoint.runners: GitHub-hosted runners have no fixed addresses, and a production endpoint must not be open to every address",
        ]);
        assert.deepEqual(findings(withEndpoint("nonprod", (e) => (e.runners = "github-hosted"))).problems, [
            "k8s-platform:cluster.endpoint.runners: GitHub-hosted runners have no fixed addresses: only a public endpoint open to every address (publicAccess: true, no publicAccessCidrs) admits them",
        ]);
        const open = withEndpoint("nonprod", (e) => {
            e.runners = "github-hosted";
            e.publicAccessCidrs = [];
        });
        assert.ok(open.ok);
    });

    it("refuses static-address runners without the public endpoint, and warns when it is open to every address", () => {
        const off = withEndpoint("nonprod", (e) => {
            e.runners = "static-public";
            e.publicAccess = false;
            e.publicAccessCidrs = [];
        });
        assert.deepEqual(findings(off).problems, [
            "k8s-platform:cluster.endpoint.runners: runners outside the VPC reach the API only through the public endpoint",
        ]);
        const open = withEndpoint("nonprod", (e) => {
            e.runners = "static-public";
            e.publicAccessCidrs = [];
        });
        assert.ok(open.ok);
        assert.deepEqual(findings(open).warnings, [
            "k8s-platform:cluster.endpoint.publicAccessCidrs: is empty: the endpoint is open to every address, where the runners' static addresses would do",
        ]);
        assert.deepEqual(findings(withEndpoint("prod", (e) => (e.runners = "static-public"))), { problems: [], warnings: [] });
    });
});

import { strict as assert } from "assert";
import { overlappingHostnameGrants } from "../config/checks/accounts";
import { formatProblem, parseStackConfig, projectConfigValues } from "../config/schema";
import { stackConfig } from "./harness";

type Namespaces = Parameters<typeof overlappingHostnameGrants>[0];
const ns = (name: string, hostnames: string[]): Namespaces[number] => ({ name, team: name, apps: ["web"], hostnames });

/** The nonprod stack file's config with `edit` applied, parsed as the program parses it. */
function parseNonprod(edit: (config: Record<string, unknown>) => void) {
    const config = structuredClone(stackConfig("nonprod"));
    edit(config);
    const asStrings = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    return parseStackConfig(projectConfigValues(asStrings));
}

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

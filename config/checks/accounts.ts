/**
 * Rules about who may hold what across the stack: hostname grants that cannot overlap between
 * namespaces, and the AWS account each stack file names. Small pure functions over the parsed
 * sections, each returning the problems it finds; `Checker.run()` (config/checks/index.ts) runs them.
 */
import { RawConfig } from "../shape";
import { ConfigProblem, keyPath } from "../problems";
import { hostnameCovers } from "./edge";
import { PLATFORM_KEY_OWNER } from "../../bootstrap/policies";

/** What the rules of this file found: problems refuse the stack, warnings are printed. */
export interface RuleFindings {
    readonly problems: ConfigProblem[];
    readonly warnings: ConfigProblem[];
}

function finding(keys: (string | number)[], value: unknown, message: string, hint?: string): ConfigProblem {
    return { path: keyPath(keys), keys, value, message, ...(hint ? { hint } : {}) };
}

/**
 * No namespace's grant may cover another namespace's (network.namespaces[].hostnames): a
 * `*.nonprod.shop.example.com` granted to storefront would let storefront's routes claim
 * `account.nonprod.shop.example.com` granted to customers, and a wildcard under another wildcard
 * (`*.eu.shop.example.com` beneath `*.shop.example.com`) the same for every name below it. A
 * Gateway API wildcard stands for one or more labels in front of its suffix (HTTPRoute
 * spec.hostnames, gateway.networking.k8s.io/v1), the rule `hostnameCovers` applies. The covered
 * grant is the one refused, and the message names both namespaces. Exact repeats are refused by
 * `hostnameGrants` (edge.ts) already ("is already granted to namespace"), so they are left out here.
 */
export function overlappingHostnameGrants(namespaces: RawConfig["network"]["namespaces"]): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    namespaces.forEach((covered, i) =>
        covered.hostnames.forEach((hostname, j) => {
            for (const wider of namespaces) {
                if (wider.name === covered.name) continue;
                const cover = wider.hostnames.find((w) => w !== hostname && hostnameCovers(w, hostname));
                if (cover === undefined) continue;
                problems.push(
                    finding(
                        ["network", "namespaces", i, "hostnames", j],
                        hostname,
                        `granted to namespace ${covered.name}, is covered by ${cover}, granted to namespace ${wider.name}: ${wider.name}'s routes could claim ${covered.name}'s hostname`,
                        `grant ${wider.name} exact hostnames (or a wildcard under which no other namespace holds a name), or move ${hostname} to ${wider.name}`,
                    ),
                );
                return;
            }
        }),
    );
    return problems;
}

/** The account of an IAM or STS ARN (`arn:aws:iam::111122223333:role/x`), undefined for others. */
export function arnAccount(arn: string): string | undefined {
    return /^arn:aws[a-z-]*:(iam|sts)::(\d{12}):/.exec(arn)?.[2];
}

/**
 * Each stack file names its AWS account (`accountId`), which every run compares with the
 * credentials' account before registering anything (`wrongAccount`). Production must name it;
 * elsewhere its absence is warned. The permissions boundary and the deployer are the
 * bootstrap's, made in the stack's own account: one of another account is a copy-paste from the
 * other stack file, and the first `up` would fail on it (the deploy role's conditions name its
 * own account's boundary, bootstrap/policies.ts).
 */
export function stackAccount(raw: Partial<RawConfig>): RuleFindings {
    const problems: ConfigProblem[] = [];
    const warnings: ConfigProblem[] = [];
    const account = raw.accountId;
    // A section of the wrong shape is left out of the checked sections (config/schema.ts), its
    // shape problem already said; an absent optional key is there, undefined.
    if (!("accountId" in raw)) return { problems, warnings };
    if (account === undefined) {
        if (raw.environment === "production")
            problems.push(
                finding(
                    ["accountId"],
                    undefined,
                    "production must name its AWS account: every run refuses credentials of another account",
                    "the 12-digit account the bootstrap ran in, e.g. 444455556666",
                ),
            );
        else if (raw.environment !== undefined)
            warnings.push(
                finding(
                    ["accountId"],
                    undefined,
                    "is not set: nothing stops a run with credentials of another account",
                    "the stack's 12-digit AWS account",
                ),
            );
        return { problems, warnings };
    }
    const c = raw.cluster;
    if (!c) return { problems, warnings };
    const boundary = c.permissionsBoundaryArn !== undefined ? arnAccount(c.permissionsBoundaryArn) : undefined;
    if (boundary !== undefined && boundary !== account)
        problems.push(
            finding(
                ["cluster", "permissionsBoundaryArn"],
                c.permissionsBoundaryArn,
                `is in account ${boundary}, not the stack's account ${account} (accountId): the bootstrap makes the boundary in the stack's own account`,
                `arn:aws:iam::${account}:policy/platform-boundary`,
            ),
        );
    c.accessEntries.forEach((e, i) => {
        const principal = arnAccount(e.principalArn);
        if (e.deployer && principal !== undefined && principal !== account)
            problems.push(
                finding(
                    ["cluster", "accessEntries", i, "principalArn"],
                    e.principalArn,
                    `the deployer is in account ${principal}, not the stack's account ${account} (accountId): the bootstrap's deploy role of this account runs \`pulumi up\``,
                    `arn:aws:iam::${account}:role/github-deploy`,
                ),
            );
    });
    return { problems, warnings };
}

/**
 * The refusal of a run whose credentials belong to another account than the stack file names,
 * naming both; undefined when they agree or the stack names none (STS GetCallerIdentity answers
 * the account of any credentials, and needs no permission: STS API Reference, GetCallerIdentity).
 */
export function wrongAccount(configured: string | undefined, caller: string, callerArn?: string): ConfigProblem | undefined {
    if (configured === undefined || configured === caller) return undefined;
    return finding(
        ["accountId"],
        configured,
        `the credentials belong to account ${caller}${callerArn ? ` (${callerArn})` : ""}, not to the stack's account ${configured}: refusing to run against another account`,
        "assume a role of the stack's account (docs/first-run.md)",
    );
}

/**
 * The bootstrap's deploy role creates EC2 resources and KMS keys only carrying the tag
 * `owner: platform-team` and changes only those that carry it (bootstrap/policies.ts
 * deployPolicy), so the stack's tags, which every resource gets, must say so.
 */
export function ownerTag(raw: Partial<RawConfig>): ConfigProblem[] {
    const tags = raw.cluster?.tags;
    if (!tags || tags["owner"] === PLATFORM_KEY_OWNER) return [];
    return [
        finding(
            ["cluster", "tags", "owner"],
            tags["owner"],
            `must be ${PLATFORM_KEY_OWNER}: the deploy role creates and changes EC2 resources and KMS keys only with that tag`,
            `owner: ${PLATFORM_KEY_OWNER}`,
        ),
    ];
}

/**
 * The endpoint's access mode against the runners that reach it (EKS User Guide, "Cluster API
 * server endpoint"; AWS Knowledge Center, "eks-private-cluster-endpoint-vpc"): with the public
 * endpoint on, the endpoint's name resolves to its public addresses for every client outside the
 * VPC, so a peered VPC or a VPN listed in privateAccessCidrs reaches the private endpoint only
 * when it resolves the name through the VPC's Route 53 Resolver (`resolverForwarding`); with the
 * public endpoint off, EKS publishes the private addresses under the same name and peers resolve
 * them directly. GitHub-hosted runners have no fixed addresses, so only an open public endpoint
 * admits them; larger runners with static addresses need those addresses in publicAccessCidrs;
 * self-hosted runners in a peered VPC need the private endpoint and their range.
 */
export function endpointForRunners(raw: Partial<RawConfig>): RuleFindings {
    const problems: ConfigProblem[] = [];
    const warnings: ConfigProblem[] = [];
    const e = raw.cluster?.endpoint;
    if (!e) return { problems, warnings };
    const at = ["cluster", "endpoint"];
    const production = raw.environment === "production";
    if (e.privateAccessCidrs.length > 0 && e.publicAccess && !e.resolverForwarding) {
        const say = e.runners === "peered" ? problems : warnings;
        say.push(
            finding(
                [...at, "privateAccessCidrs"],
                e.privateAccessCidrs,
                "reach the private endpoint only if they resolve its name inside the VPC: with publicAccess on, clients outside the VPC resolve it to its public addresses" +
                    (e.runners === "peered" ? ", so the peered runners' jobs would time out" : ""),
                "set publicAccess: false (EKS then publishes the private addresses), or forward the name to the VPC's Route 53 Resolver and set resolverForwarding: true",
            ),
        );
    }
    switch (e.runners) {
        case undefined:
            break;
        case "github-hosted":
            if (!e.publicAccess || production || e.publicAccessCidrs.length > 0)
                problems.push(
                    finding(
                        [...at, "runners"],
                        e.runners,
                        production
                            ? "GitHub-hosted runners have no fixed addresses, and a production endpoint must not be open to every address"
                            : "GitHub-hosted runners have no fixed addresses: only a public endpoint open to every address (publicAccess: true, no publicAccessCidrs) admits them",
                        "run the cluster jobs on a larger runner with static addresses (static-public) or a self-hosted runner in a peered VPC (peered)",
                    ),
                );
            break;
        case "static-public":
            if (!e.publicAccess)
                problems.push(
                    finding(
                        [...at, "runners"],
                        e.runners,
                        "runners outside the VPC reach the API only through the public endpoint",
                        "set publicAccess: true and list the runners' addresses in publicAccessCidrs",
                    ),
                );
            else if (e.publicAccessCidrs.length === 0)
                warnings.push(
                    finding(
                        [...at, "publicAccessCidrs"],
                        e.publicAccessCidrs,
                        "is empty: the endpoint is open to every address, where the runners' static addresses would do",
                        "list the runners' static addresses",
                    ),
                );
            break;
        case "peered":
            if (!e.privateAccess || e.privateAccessCidrs.length === 0)
                problems.push(
                    finding(
                        [...at, "runners"],
                        e.runners,
                        "runners in a peered VPC reach the API only through the private endpoint and a rule for their range",
                        "set privateAccess: true and list the runners' VPC range in privateAccessCidrs",
                    ),
                );
            break;
        default: {
            const never: never = e.runners;
            throw new Error(`unknown runners ${String(never)}`);
        }
    }
    return { problems, warnings };
}

/** Every rule of this file over the sections whose shape is right. */
export function accountRules(raw: Partial<RawConfig>): RuleFindings {
    const problems: ConfigProblem[] = [];
    const warnings: ConfigProblem[] = [];
    if (raw.network) problems.push(...overlappingHostnameGrants(raw.network.namespaces));
    problems.push(...ownerTag(raw));
    const endpoint = endpointForRunners(raw);
    problems.push(...endpoint.problems);
    warnings.push(...endpoint.warnings);
    const account = stackAccount(raw);
    problems.push(...account.problems);
    warnings.push(...account.warnings);
    return { problems, warnings };
}

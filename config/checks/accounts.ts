/**
 * Rules about who may hold what across the stack: hostname grants that cannot overlap between
 * namespaces, and the AWS account each stack file names. Small pure functions over the parsed
 * sections, each returning the problems it finds; `Checker.accounts()` (config/checks.ts) runs them.
 */
import { RawConfig } from "../shape";
import { ConfigProblem, keyPath } from "../problems";
import { hostnameCovers } from "../checks";

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
 * `Checker.hostnameGrants` already ("is already granted to namespace"), so they are left out here.
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

/** Every rule of this file over the sections whose shape is right. */
export function accountRules(raw: Partial<RawConfig>): RuleFindings {
    const problems: ConfigProblem[] = [];
    const warnings: ConfigProblem[] = [];
    if (raw.network) problems.push(...overlappingHostnameGrants(raw.network.namespaces));
    return { problems, warnings };
}

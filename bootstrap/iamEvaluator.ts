/**
 * A small IAM policy evaluator, pure: whether a request is allowed by the documents that apply to
 * it, as the AWS IAM User Guide describes ("Policy evaluation logic", "Determining whether a
 * request is allowed or denied within an account", "Cross-account policy evaluation logic",
 * "IAM JSON policy elements: Condition operators"). It covers what the bootstrap's documents use
 * (bootstrap/policies.ts), and refuses to guess at anything else: an operator it does not know
 * throws, so a new document cannot silently evaluate as allowed.
 *
 * - An explicit Deny in any document wins.
 * - Within an account, an Allow in the principal's identity policies or in the resource's policy
 *   (for a principal the resource policy names by ARN) allows, intersected with the principal's
 *   permissions boundary when it has one (an Allow must be in the boundary too).
 * - Across accounts, both the identity policies and the resource policy must allow.
 * - A KMS key is different: the key policy is the primary control (AWS KMS Developer Guide, "Key
 *   policies"); IAM policies count only where the key policy allows the key's own account (its
 *   `root` principal), and otherwise the key policy must name the principal.
 */

export interface Statement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Principal?: unknown;
    readonly Action?: string | readonly string[];
    readonly NotAction?: string | readonly string[];
    readonly Resource?: string | readonly string[];
    readonly NotResource?: string | readonly string[];
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}
export interface Document {
    readonly Version: "2012-10-17";
    readonly Statement: readonly Statement[];
}

/** Request context keys (`aws:RequestTag/owner`, `iam:PassedToService`) with their values; absent keys are absent. */
export type RequestContext = Readonly<Record<string, string | readonly string[]>>;

export interface Request {
    /** The calling principal: a role ARN (`arn:aws:iam::111122223333:role/github-deploy`). */
    readonly principal: string;
    readonly action: string;
    readonly resource: string;
    readonly context?: RequestContext;
}

export interface Policies {
    /** The principal's identity policies (inline and attached). */
    readonly identity: readonly Document[];
    /** The principal's permissions boundary, if it has one. */
    readonly boundary?: Document;
    /** The resource's own policy: a bucket policy, a key policy, a role's trust policy. */
    readonly resourcePolicy?: Document;
    /** `kms` when the resource is a KMS key, whose key policy rules as described above. */
    readonly resourceKind?: "kms";
    /** The account that owns the resource; by default the principal's. */
    readonly resourceAccount?: string;
}

export type Decision = { readonly kind: "allowed"; readonly by: string[] } | { readonly kind: "denied"; readonly reason: string };

/** The account of an IAM or STS ARN. */
export function accountOf(arn: string): string | undefined {
    return /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];
}

const list = (v: string | readonly string[] | undefined): readonly string[] => (v === undefined ? [] : typeof v === "string" ? [v] : v);

/** IAM's wildcards: `*` any run of characters, `?` one; no other character is special. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
    const re = new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
        caseInsensitive ? "is" : "s",
    );
    return re.test(value);
}

/** Action names are case-insensitive (IAM User Guide, "IAM JSON policy elements: Action"). */
function actionMatches(s: Statement, action: string): boolean {
    if (s.Action !== undefined) return list(s.Action).some((a) => wildcardMatch(a, action, true));
    if (s.NotAction !== undefined) return !list(s.NotAction).some((a) => wildcardMatch(a, action, true));
    throw new Error(`statement ${s.Sid ?? "(no Sid)"} has neither Action nor NotAction`);
}

function resourceMatches(s: Statement, resource: string): boolean {
    if (s.Resource !== undefined) return list(s.Resource).some((r) => wildcardMatch(r, resource));
    if (s.NotResource !== undefined) return !list(s.NotResource).some((r) => wildcardMatch(r, resource));
    // A resource policy may leave Resource out only where the resource is implied (a trust policy).
    return true;
}

/** Whether a resource policy's Principal names `principal`: by ARN, by its account's `root`, or `*`. */
function principalMatches(s: Statement, principal: string): { matches: boolean; viaAccount: boolean } {
    if (s.Principal === undefined) return { matches: true, viaAccount: false };
    if (s.Principal === "*") return { matches: true, viaAccount: false };
    const aws = list((s.Principal as { AWS?: string | readonly string[] }).AWS);
    const account = accountOf(principal);
    if (aws.includes(principal)) return { matches: true, viaAccount: false };
    if (account !== undefined && (aws.includes(`arn:aws:iam::${account}:root`) || aws.includes(account)))
        return { matches: true, viaAccount: true };
    return { matches: false, viaAccount: false };
}

type Test = (pattern: string, value: string) => boolean;
const OPERATORS: Readonly<Record<string, Test>> = {
    StringEquals: (p, v) => p === v,
    StringNotEquals: (p, v) => p !== v,
    StringEqualsIgnoreCase: (p, v) => p.toLowerCase() === v.toLowerCase(),
    StringLike: (p, v) => wildcardMatch(p, v),
    StringNotLike: (p, v) => !wildcardMatch(p, v),
    ArnEquals: (p, v) => wildcardMatch(p, v),
    ArnLike: (p, v) => wildcardMatch(p, v),
    ArnNotEquals: (p, v) => !wildcardMatch(p, v),
    ArnNotLike: (p, v) => !wildcardMatch(p, v),
    Bool: (p, v) => p.toLowerCase() === v.toLowerCase(),
};
/** Negated operators hold when no value matches; the others when any value matches. */
const NEGATED = new Set(["StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike"]);

/**
 * One condition block: every operator and every key must hold (AND); a key's values are
 * alternatives (OR; for a negated operator, none may match). A missing key fails the operator,
 * except `...IfExists` (holds), `Null` (tests presence), `ForAllValues:` (holds on an empty set)
 * and a negated operator without a set qualifier (holds: nothing matches). Key names are case-insensitive (IAM User Guide, "Condition element").
 */
export function conditionHolds(condition: Statement["Condition"], context: RequestContext = {}): boolean {
    if (!condition) return true;
    const lookup = (key: string): readonly string[] | undefined => {
        const found = Object.keys(context).find((k) => k.toLowerCase() === key.toLowerCase());
        return found === undefined ? undefined : list(context[found]);
    };
    return Object.entries(condition).every(([rawOperator, block]) =>
        Object.entries(block).every(([key, expected]) => {
            const patterns = list(expected as string | readonly string[]).map(String);
            const values = lookup(key);
            if (rawOperator === "Null") return patterns.every((p) => (p === "true") === (values === undefined));
            const [qualifier, rest] = rawOperator.includes(":") ? (rawOperator.split(":") as [string, string]) : [undefined, rawOperator];
            const ifExists = rest.endsWith("IfExists");
            const operator = ifExists ? rest.slice(0, -"IfExists".length) : rest;
            const test = OPERATORS[operator];
            if (!test) throw new Error(`condition operator ${rawOperator} is not one this evaluator knows`);
            // A negated operator without a set qualifier holds on a missing key (IAM User Guide,
            // "Condition operators": StringNotLike, ArnNotLike ... return true when the key is absent).
            if (values === undefined) return ifExists || qualifier === "ForAllValues" || (qualifier === undefined && NEGATED.has(operator));
            const one = (v: string) => (NEGATED.has(operator) ? patterns.every((p) => test(p, v)) : patterns.some((p) => test(p, v)));
            switch (qualifier) {
                case undefined:
                    if (values.length !== 1) throw new Error(`${key} has several values: use ForAnyValue or ForAllValues`);
                    return one(values[0]!);
                case "ForAnyValue":
                    return values.some(one);
                case "ForAllValues":
                    return values.every(one);
                default:
                    throw new Error(`condition qualifier ${qualifier} is not one this evaluator knows`);
            }
        }),
    );
}

interface Matched {
    readonly allow: string[];
    readonly deny: string[];
    /** Allows that came through the account's `root` principal, for a resource policy. */
    readonly allowViaAccount: string[];
}

function match(doc: Document | undefined, where: string, request: Request, resourcePolicy: boolean): Matched {
    const out: Matched = { allow: [], deny: [], allowViaAccount: [] };
    for (const [i, s] of (doc?.Statement ?? []).entries()) {
        if (!actionMatches(s, request.action) || !resourceMatches(s, request.resource)) continue;
        const principal = resourcePolicy ? principalMatches(s, request.principal) : { matches: true, viaAccount: false };
        if (!principal.matches || !conditionHolds(s.Condition, request.context)) continue;
        const name = `${where}:${s.Sid ?? i}`;
        if (s.Effect === "Deny") out.deny.push(name);
        else if (principal.viaAccount) out.allowViaAccount.push(name);
        else out.allow.push(name);
    }
    return out;
}

/** The decision on `request` under `policies`, with the statements that made it. */
export function evaluate(request: Request, policies: Policies): Decision {
    const context: RequestContext = { "aws:PrincipalArn": request.principal, ...request.context };
    const req = { ...request, context };
    const identity = policies.identity.map((d, i) => match(d, `identity${i}`, req, false));
    const boundary = policies.boundary ? match(policies.boundary, "boundary", req, false) : undefined;
    const resource = policies.resourcePolicy ? match(policies.resourcePolicy, "resource", req, true) : undefined;
    const denies = [...identity.flatMap((m) => m.deny), ...(boundary?.deny ?? []), ...(resource?.deny ?? [])];
    if (denies.length > 0) return { kind: "denied", reason: `explicit deny: ${denies.join(", ")}` };

    const identityAllows = identity.flatMap((m) => m.allow);
    const inBoundary = !boundary || boundary.allow.length > 0;
    const identityAllowed = identityAllows.length > 0 && inBoundary;
    const principalAccount = accountOf(request.principal);
    const resourceAccount = policies.resourceAccount ?? principalAccount;

    if (policies.resourceKind === "kms") {
        if (!resource) throw new Error("a KMS key always has a key policy");
        if (resource.allow.length > 0 && resourceAccount === principalAccount) return { kind: "allowed", by: resource.allow };
        // The key policy lets the principal's account decide through IAM (the root principal).
        if (resource.allowViaAccount.length > 0 && identityAllowed)
            return { kind: "allowed", by: [...resource.allowViaAccount, ...identityAllows] };
        if (resource.allow.length > 0 && identityAllowed) return { kind: "allowed", by: [...resource.allow, ...identityAllows] };
        return {
            kind: "denied",
            reason:
                resource.allow.length + resource.allowViaAccount.length === 0
                    ? "the key policy allows it to nobody the principal is"
                    : "no identity policy allows it (or the boundary does not)",
        };
    }
    if (resourceAccount !== principalAccount) {
        const resourceAllows = resource ? [...resource.allow, ...resource.allowViaAccount] : [];
        if (identityAllowed && resourceAllows.length > 0) return { kind: "allowed", by: [...resourceAllows, ...identityAllows] };
        return {
            kind: "denied",
            reason: !identityAllowed
                ? "no identity policy allows it (or the boundary does not)"
                : "the resource's policy does not admit it",
        };
    }
    if (identityAllowed) return { kind: "allowed", by: identityAllows };
    if (resource && resource.allow.length > 0) return { kind: "allowed", by: resource.allow };
    return {
        kind: "denied",
        reason: identityAllows.length > 0 ? "outside the permissions boundary" : "no policy allows it (implicit deny)",
    };
}

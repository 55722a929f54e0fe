/**
 * What one AWS account needs before the platform's first `pulumi up`, pure: the trust and
 * permission documents of the two roles GitHub Actions assumes, and the names they are known by.
 * bootstrap/index.ts only registers them. One account holds one platform stack (nonprod in one,
 * prod in the other), so each account has its own state bucket, KMS key, OIDC provider and roles,
 * and nothing crosses accounts.
 */

/** GitHub's OIDC issuer (docs.github.com, "Configuring OpenID Connect in Amazon Web Services"). */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience configure-aws-credentials asks for. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

export type PlatformStack = "nonprod" | "prod";

/** The GitHub environment each role is trusted from (README, One-time setup; the workflows' `environment`). */
export function environments(stack: PlatformStack): { readonly preview: string; readonly deploy: string } {
    return { preview: `preview-${stack}`, deploy: stack === "prod" ? "production" : "nonprod" };
}

/** Role names the stack files' access entries name (`arn:aws:iam::<account>:role/github-deploy`). */
export const PREVIEW_ROLE = "github-preview";
export const DEPLOY_ROLE = "github-deploy";
/** Prefix of every IAM role the platform program creates (resource names start with `platform-`). */
export const PLATFORM_ROLE_PREFIX = "platform-";

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly Statement[];
}
interface Statement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Principal?: unknown;
    readonly Action: string | readonly string[];
    readonly Resource?: string | readonly string[];
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/**
 * Trust for one GitHub environment of one repository, and nothing else: the audience must be STS
 * and the subject exactly `repo:<owner>/<name>:environment:<environment>`. With an environment on
 * the job, GitHub's token carries that subject (docs.github.com, "OpenID Connect reference",
 * example subject claims); a pull request's job gets it only for an environment that admits its
 * branch, which is why the deploy environments admit `main` alone.
 */
export function githubTrust(accountId: string, repository: string, environment: string): PolicyDocument {
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) throw new Error(`repository ${repository}: expected owner/name`);
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: `arn:aws:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}` },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
                        [`${GITHUB_OIDC_HOST}:sub`]: `repo:${repository}:environment:${environment}`,
                    },
                },
            },
        ],
    };
}

/** Both accounts: nonprod's stack in one, prod's in the other (the stack files' principalArns). */
export interface Accounts {
    readonly nonprod: string;
    readonly prod: string;
}

export interface StateNames {
    readonly stack: PlatformStack;
    readonly accounts: Accounts;
    readonly region: string;
    /** The one state bucket, in the prod account: both stacks' state, so prod's promotion gate can read nonprod's. */
    readonly bucketArn: string;
    /** This stack's secrets key. */
    readonly keyArn: string;
    /** nonprod's secrets key: prod's roles decrypt nonprod's outputs for the promotion gate. */
    readonly nonprodKeyArn: string;
}

const PROJECT = "k8s-platform";

/**
 * The objects of one stack in a self-managed backend (pulumi/pulumi pkg/backend/diy: checkpoints
 * under `.pulumi/stacks/<org>/<project>/<stack>.json`, with `.bak` and backups, history under
 * `.pulumi/history/...`, the lock objects under `.pulumi/locks/<org>/<project>/<stack>/`).
 */
export function stackObjects(bucketArn: string, stack: PlatformStack): { readonly all: string[]; readonly locks: string } {
    return {
        all: [
            `${bucketArn}/.pulumi/stacks/*/${PROJECT}/${stack}.json*`,
            `${bucketArn}/.pulumi/history/*/${PROJECT}/${stack}/*`,
            `${bucketArn}/.pulumi/backups/*/${PROJECT}/${stack}/*`,
            `${bucketArn}/.pulumi/locks/*/${PROJECT}/${stack}/*`,
        ],
        locks: `${bucketArn}/.pulumi/locks/*/${PROJECT}/${stack}/*`,
    };
}

/** The stacks a role of `stack` reads: its own, and for prod nonprod's too (the promotion gate's StackReference). */
function readableStacks(stack: PlatformStack): PlatformStack[] {
    return stack === "prod" ? ["prod", "nonprod"] : ["nonprod"];
}

/**
 * Reading the state and decrypting it, never writing: a preview takes no lock on a self-managed
 * backend (README, Delivery). The backend's own metadata object is read by every command.
 */
function stateRead(n: StateNames): Statement[] {
    const objects = readableStacks(n.stack).flatMap((s) => stackObjects(n.bucketArn, s).all);
    const keys = n.stack === "prod" ? [n.keyArn, n.nonprodKeyArn] : [n.keyArn];
    return [
        { Sid: "StateList", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: n.bucketArn },
        { Sid: "StateRead", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${n.bucketArn}/.pulumi/meta.yaml`, ...objects] },
        { Sid: "SecretsDecrypt", Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: keys },
    ];
}

/**
 * The preview role: state read and decrypt, the cluster's kubeconfig, and Describe/Get/List on the
 * services the stack manages; no write anywhere. In the cluster it is the `readAll` access entry,
 * which reads no Secret (compiler/tenancy.ts PREVIEW_READ_RULES).
 */
export function previewPolicy(n: StateNames): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            ...stateRead(n),
            {
                Sid: "ReadWhatTheStackManages",
                Effect: "Allow",
                Action: [
                    "ec2:Describe*",
                    "eks:Describe*",
                    "eks:List*",
                    "iam:GetRole",
                    "iam:GetRolePolicy",
                    "iam:GetOpenIDConnectProvider",
                    "iam:ListAttachedRolePolicies",
                    "iam:ListRolePolicies",
                    "kms:DescribeKey",
                    "kms:GetKeyPolicy",
                    "kms:GetKeyRotationStatus",
                    "kms:ListResourceTags",
                    "logs:DescribeLogGroups",
                    "sts:GetCallerIdentity",
                ],
                Resource: "*",
            },
        ],
    };
}

/**
 * The deploy role: its own stack's state objects read and written (checkpoint, history, backups
 * and the lock objects), encrypt and decrypt with its stack's key, and what the platform program
 * creates. EC2 (the VPC, its subnets, NAT gateways, security groups, launch templates) and EKS are
 * granted service-wide, because their resources have no name before they exist; IAM, where a
 * role is a permission, only on roles named `platform-*` (the program's), with PassRole only to
 * EKS, EC2 and Pod Identity; KMS keys only by the `owner` tag the stacks set.
 */
export function deployPolicy(n: StateNames): PolicyDocument {
    const platformRoles = `arn:aws:iam::${n.accounts[n.stack]}:role/${PLATFORM_ROLE_PREFIX}*`;
    return {
        Version: "2012-10-17",
        Statement: [
            ...stateRead(n),
            {
                Sid: "StateWrite",
                Effect: "Allow",
                Action: ["s3:PutObject", "s3:DeleteObject"],
                Resource: stackObjects(n.bucketArn, n.stack).all,
            },
            { Sid: "SecretsEncrypt", Effect: "Allow", Action: ["kms:Encrypt", "kms:GenerateDataKey"], Resource: n.keyArn },
            {
                Sid: "NetworkAndCluster",
                Effect: "Allow",
                Action: ["ec2:*", "eks:*", "autoscaling:Describe*", "ssm:GetParameter", "ssm:GetParameters", "sts:GetCallerIdentity"],
                Resource: "*",
            },
            {
                Sid: "PlatformRoles",
                Effect: "Allow",
                Action: [
                    "iam:CreateRole",
                    "iam:DeleteRole",
                    "iam:GetRole",
                    "iam:TagRole",
                    "iam:UntagRole",
                    "iam:UpdateAssumeRolePolicy",
                    "iam:AttachRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:PutRolePolicy",
                    "iam:DeleteRolePolicy",
                    "iam:GetRolePolicy",
                    "iam:ListAttachedRolePolicies",
                    "iam:ListRolePolicies",
                    "iam:ListInstanceProfilesForRole",
                ],
                Resource: platformRoles,
            },
            {
                Sid: "PassPlatformRolesToEksAndEc2",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: platformRoles,
                Condition: {
                    StringEquals: { "iam:PassedToService": ["eks.amazonaws.com", "ec2.amazonaws.com", "pods.eks.amazonaws.com"] },
                },
            },
            {
                Sid: "ClusterOidcProvider",
                Effect: "Allow",
                Action: [
                    "iam:CreateOpenIDConnectProvider",
                    "iam:DeleteOpenIDConnectProvider",
                    "iam:GetOpenIDConnectProvider",
                    "iam:TagOpenIDConnectProvider",
                ],
                Resource: `arn:aws:iam::${n.accounts[n.stack]}:oidc-provider/oidc.eks.${n.region}.amazonaws.com/*`,
            },
            {
                Sid: "ServiceLinkedRoles",
                Effect: "Allow",
                Action: "iam:CreateServiceLinkedRole",
                Resource: "*",
                Condition: {
                    StringEquals: {
                        "iam:AWSServiceName": ["eks.amazonaws.com", "eks-nodegroup.amazonaws.com", "autoscaling.amazonaws.com"],
                    },
                },
            },
            { Sid: "SecretsEncryptionKeys", Effect: "Allow", Action: ["kms:CreateKey", "kms:TagResource"], Resource: "*" },
            {
                Sid: "ManageOwnKeys",
                Effect: "Allow",
                Action: ["kms:*"],
                Resource: `arn:aws:kms:${n.region}:${n.accounts[n.stack]}:key/*`,
                Condition: { StringEquals: { "aws:ResourceTag/owner": "platform-team" } },
            },
            {
                Sid: "ControlPlaneLogs",
                Effect: "Allow",
                Action: ["logs:*"],
                Resource: `arn:aws:logs:${n.region}:${n.accounts[n.stack]}:log-group:/aws/eks/*`,
            },
        ],
    };
}

function roleArn(account: string, role: string): string {
    return `arn:aws:iam::${account}:role/${role}`;
}

/**
 * The state bucket (prod's account): TLS only (AWS S3 User Guide, "Enforce encryption in
 * transit"), and nonprod's roles, from their own account, on nonprod's objects only: reading
 * for both, writing for the deploy role. The principal is nonprod's account narrowed by role ARN,
 * so the policy is valid before those roles exist.
 */
export function stateBucketPolicy(bucketArn: string, accounts: Accounts): PolicyDocument {
    const nonprod = stackObjects(bucketArn, "nonprod").all;
    const from = (roles: string[]) => ({
        Principal: { AWS: `arn:aws:iam::${accounts.nonprod}:root` },
        Condition: { ArnEquals: { "aws:PrincipalArn": roles.map((r) => roleArn(accounts.nonprod, r)) } },
    });
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "TlsOnly",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                Sid: "NonprodList",
                Effect: "Allow",
                ...from([PREVIEW_ROLE, DEPLOY_ROLE]),
                Action: ["s3:ListBucket", "s3:GetBucketLocation"],
                Resource: bucketArn,
            },
            {
                Sid: "NonprodRead",
                Effect: "Allow",
                ...from([PREVIEW_ROLE, DEPLOY_ROLE]),
                Action: "s3:GetObject",
                Resource: [`${bucketArn}/.pulumi/meta.yaml`, ...nonprod],
            },
            {
                Sid: "NonprodWrite",
                Effect: "Allow",
                ...from([DEPLOY_ROLE]),
                Action: ["s3:PutObject", "s3:DeleteObject"],
                Resource: nonprod,
            },
        ],
    };
}

/**
 * A stack's secrets key: administered by its own account; nonprod's is also decrypted by prod's
 * roles, whose promotion gate reads nonprod's outputs (a StackReference decrypts with the
 * referenced stack's secrets provider). Such a key crosses accounts, so stacks name it by ARN:
 * an alias resolves in the caller's account (AWS KMS Developer Guide, "Using aliases").
 */
export function secretsKeyPolicy(stack: PlatformStack, accounts: Accounts): PolicyDocument {
    const own = accounts[stack];
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${own}:root` }, Action: "kms:*", Resource: "*" },
            ...(stack === "nonprod"
                ? [
                      {
                          Sid: "ProdReadsNonprodOutputs",
                          Effect: "Allow" as const,
                          Principal: { AWS: `arn:aws:iam::${accounts.prod}:root` },
                          Action: ["kms:Decrypt", "kms:DescribeKey"],
                          Resource: "*",
                          Condition: {
                              ArnEquals: { "aws:PrincipalArn": [PREVIEW_ROLE, DEPLOY_ROLE].map((r) => roleArn(accounts.prod, r)) },
                          },
                      },
                  ]
                : []),
        ],
    };
}

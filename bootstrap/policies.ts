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

/** The GitHub environment each role is trusted from (docs/real-path.md, One-time setup; the workflows' `environment`). */
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
export interface Statement {
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

/**
 * The ARN of GitHub's OIDC provider in `accountId`, the only value `existingOidcProviderArn` may
 * take: an account holds one provider per URL (CreateOpenIDConnectProvider fails with
 * EntityAlreadyExists otherwise), and the roles' trust names it by this ARN.
 */
export function checkExistingOidcProviderArn(accountId: string, arn: string): string | undefined {
    const expected = `arn:aws:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
    return arn === expected ? undefined : `"${arn}": expected ${expected}, this account's provider for GitHub Actions`;
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
    /** The Route 53 hosted zones of the stack's hostnames (the bootstrap's `hostedZoneIds`). */
    readonly hostedZoneIds: readonly string[];
}

const PROJECT = "k8s-platform";

/**
 * Where pulumi/pulumi's self-managed ("DIY") backend keeps one stack of the project-scoped layout
 * (meta.yaml version 1, the layout of a bucket first logged into by a current CLI), at v3.248.0,
 * the CLI the workflows pin:
 * - pkg/backend/diy/store.go `projectReferenceStore.StackBasePath`/`HistoryDir`/`BackupDir`:
 *   `filepath.Join(StacksDir|HistoriesDir|BackupsDir, project, stack)`, no organization segment;
 *   the checkpoint is StackBasePath + `.json` (or `.json.gz`/`.json.zst`), and state.go
 *   `backupTarget` keeps the previous one as `.json.bak` (`PULUMI_RETAIN_CHECKPOINTS` adds
 *   `.json.<nanoseconds>`); history is `<stack>-<ns>.history.json` and `.checkpoint.json` under
 *   HistoryDir (state.go `addToHistory`), backups `<stack>.<ns>.json` under BackupDir.
 * - lock.go `stackLockDir(FullyQualifiedName())`: `.pulumi/locks/organization/<project>/<stack>/`,
 *   one `<lockID>.json` per holder; `checkForLock` lists that folder.
 * - state.go `stackPath` finds the checkpoint by listing with the prefix `<StackBasePath>.json`;
 *   `getHistory` lists HistoryDir + `/`. meta.go `readPulumiMeta` reads `.pulumi/meta.yaml` at
 *   every login (written by the first login, the administrator's: docs/real-path.md, One-time setup, step 2).
 * v3.248.0 has no journal folder (`.pulumi/journal/` came later).
 */
export function stackObjects(
    bucketArn: string,
    stack: PlatformStack,
): {
    readonly all: string[];
    readonly checkpoint: string;
    readonly locks: string;
    readonly listPrefixes: string[];
    readonly checkpointPrefix: string;
} {
    const prefixes = {
        checkpoint: `.pulumi/stacks/${PROJECT}/${stack}.json`,
        history: `.pulumi/history/${PROJECT}/${stack}/`,
        backups: `.pulumi/backups/${PROJECT}/${stack}/`,
        locks: `.pulumi/locks/organization/${PROJECT}/${stack}/`,
    };
    return {
        all: Object.values(prefixes).map((p) => `${bucketArn}/${p}*`),
        checkpoint: `${bucketArn}/${prefixes.checkpoint}*`,
        locks: `${bucketArn}/${prefixes.locks}*`,
        listPrefixes: Object.values(prefixes).map((p) => `${p}*`),
        checkpointPrefix: `${prefixes.checkpoint}*`,
    };
}

/** The backend's metadata object, read at every login (pkg/backend/diy/meta.go, v3.248.0). */
export const META_OBJECT = ".pulumi/meta.yaml";

/**
 * What a role of `stack` may read and list: its own stack's objects, and for prod nonprod's
 * checkpoint too (the promotion gate's StackReference reads the checkpoint's outputs, found by
 * listing its prefix: state.go `stackPath`, `getSnapshotStackOutputs`).
 */
function readable(bucketArn: string, stack: PlatformStack): { objects: string[]; prefixes: string[] } {
    const own = stackObjects(bucketArn, stack);
    const nonprod = stackObjects(bucketArn, "nonprod");
    return stack === "prod"
        ? { objects: [...own.all, nonprod.checkpoint], prefixes: [...own.listPrefixes, nonprod.checkpointPrefix] }
        : { objects: own.all, prefixes: own.listPrefixes };
}

/**
 * Reading the state and decrypting it, never writing: a preview takes no lock on a self-managed
 * backend (docs/delivery.md). Listing only under the role's own prefixes (a list without one is
 * refused: `pulumi stack ls` is an administrator's command, not CI's).
 */
function stateRead(n: StateNames): Statement[] {
    const { objects, prefixes } = readable(n.bucketArn, n.stack);
    const keys = n.stack === "prod" ? [n.keyArn, n.nonprodKeyArn] : [n.keyArn];
    return [
        { Sid: "StateLocation", Effect: "Allow", Action: "s3:GetBucketLocation", Resource: n.bucketArn },
        {
            Sid: "StateList",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: n.bucketArn,
            Condition: { StringLike: { "s3:prefix": prefixes } },
        },
        { Sid: "StateRead", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${n.bucketArn}/${META_OBJECT}`, ...objects] },
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

/** The managed policy every role the platform program creates must carry as its permissions boundary. */
export const BOUNDARY_POLICY = "platform-boundary";
export function boundaryArn(accountId: string): string {
    return `arn:aws:iam::${accountId}:policy/${BOUNDARY_POLICY}`;
}

/**
 * The AWS managed policies the platform program attaches, and nothing else the deploy role may
 * attach: components/cluster.ts (the nodes: AmazonEKSWorkerNodePolicy,
 * AmazonEC2ContainerRegistryReadOnly; the VPC CNI's Pod Identity role: AmazonEKS_CNI_Policy; the
 * EBS CSI driver's: service-role/AmazonEBSCSIDriverPolicy) and pulumi-eks v4.3.0's cluster service
 * role (nodejs/eks/cluster/cluster.ts: AmazonEKSClusterPolicy; the auto-mode policies only with
 * `autoMode`, which the program does not enable).
 */
export const PLATFORM_MANAGED_POLICIES = [
    "AmazonEKSClusterPolicy",
    "AmazonEKSWorkerNodePolicy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonEKS_CNI_Policy",
    "service-role/AmazonEBSCSIDriverPolicy",
] as const;

/** The tag value of the keys the deploy role manages (the stacks' `cluster.tags.owner`). */
export const PLATFORM_KEY_OWNER = "platform-team";
/** The bootstrap's own resources: a different owner, so the deploy role's key grants never reach them. */
export const BOOTSTRAP_OWNER = "platform-bootstrap";

/**
 * The permissions boundary of every role the platform program creates: the most any of them may
 * ever do, whatever the deploy role writes into them. The union of what the program's roles need:
 * the EKS cluster role (AmazonEKSClusterPolicy: EC2 network interfaces and security groups, ELB,
 * Auto Scaling, kms:DescribeKey), the nodes (AmazonEKSWorkerNodePolicy,
 * AmazonEC2ContainerRegistryReadOnly, eks-auth for Pod Identity), the VPC CNI (AmazonEKS_CNI_Policy:
 * EC2 ENIs and addresses), the EBS CSI driver (EC2 volumes and snapshots), the load balancer
 * controller (compiler/lbControllerPolicy.ts: EC2, ELB, ACM, WAF, Shield, Cognito reads) and
 * cert-manager's DNS-01 (compiler/platform.ts route53Policy: TXT records in the hosted zone, only
 * the zones the bootstrap is given, `hostedZoneIds`). No
 * IAM beyond service-linked roles and server-certificate reads, no STS, no S3, no KMS beyond
 * describe and grants for AWS resources (EBS volume encryption).
 */
export function platformBoundaryPolicy(hostedZoneIds: readonly string[]): PolicyDocument {
    if (hostedZoneIds.length === 0) throw new Error("hostedZoneIds: name at least one zone, or DNS writes would reach every zone");
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ClusterNodesNetworkAndLoadBalancers",
                Effect: "Allow",
                Action: [
                    "ec2:*",
                    "elasticloadbalancing:*",
                    "autoscaling:Describe*",
                    "autoscaling:UpdateAutoScalingGroup",
                    "eks:Describe*",
                    "eks:List*",
                    "eks-auth:AssumeRoleForPodIdentity",
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:Describe*",
                    "ecr:Get*",
                    "ecr:List*",
                    "acm:DescribeCertificate",
                    "acm:ListCertificates",
                    "cognito-idp:DescribeUserPoolClient",
                    "iam:GetServerCertificate",
                    "iam:ListServerCertificates",
                    "shield:CreateProtection",
                    "shield:DeleteProtection",
                    "shield:DescribeProtection",
                    "shield:GetSubscriptionState",
                    "waf-regional:AssociateWebACL",
                    "waf-regional:DisassociateWebACL",
                    "waf-regional:GetWebACL",
                    "waf-regional:GetWebACLForResource",
                    "wafv2:AssociateWebACL",
                    "wafv2:DisassociateWebACL",
                    "wafv2:GetWebACL",
                    "wafv2:GetWebACLForResource",
                    "kms:DescribeKey",
                ],
                Resource: "*",
            },
            {
                Sid: "EncryptedVolumes",
                Effect: "Allow",
                Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                Resource: "*",
                Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
            },
            {
                Sid: "DnsChallengeRecords",
                Effect: "Allow",
                Action: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:GetChange"],
                // Only the stacks' own zones: a role within the boundary never writes another zone's records.
                Resource: [...hostedZoneIds.map((z) => `arn:aws:route53:::hostedzone/${z}`), "arn:aws:route53:::change/*"],
            },
            {
                Sid: "ServiceLinkedRoles",
                Effect: "Allow",
                Action: "iam:CreateServiceLinkedRole",
                Resource: "*",
                Condition: {
                    StringEquals: {
                        "iam:AWSServiceName": [
                            "eks.amazonaws.com",
                            "eks-nodegroup.amazonaws.com",
                            "autoscaling.amazonaws.com",
                            "elasticloadbalancing.amazonaws.com",
                        ],
                    },
                },
            },
        ],
    };
}

/**
 * The deploy role: its own stack's state objects read and written (checkpoint, history, backups
 * and the lock objects), encrypt and decrypt with its stack's key, and what the platform program
 * creates, each bounded as tightly as the API lets it be:
 * - EC2 by the `owner` tag the stacks set (`cluster.tags.owner`): a resource is created only
 *   carrying it (`aws:RequestTag/owner`) and changed or deleted only when it carries it
 *   (`aws:ResourceTag/owner`), and that tag is put only at creation (`ec2:CreateAction`, EC2 User
 *   Guide, "Grant permission to tag Amazon EC2 resources during creation"), so the VPCs and
 *   instances of anyone else in the account are out of reach. Reads (Describe/Get) are
 *   account-wide: EC2 supports no resource for them.
 * - EKS on this region and account's clusters, no ELB and no Route 53 at all: the load balancer
 *   and the DNS records are the controllers' (their own roles, within the boundary).
 * - IAM only on roles named `platform-*` (the program's); a role is a permission, so those the
 *   deploy role creates or grants to carry the permissions boundary `platform-boundary` (AWS IAM
 *   User Guide, "Permissions boundaries for IAM entities", `iam:PermissionsBoundary`), and it
 *   attaches only the AWS managed policies the program uses (`iam:PolicyARN`). PassRole only to
 *   EKS (the cluster and node roles) and Pod Identity; a managed node group's role is passed to
 *   EKS, never to EC2 (EKS User Guide, "Amazon EKS node IAM role").
 * - KMS: it creates keys carrying the owner tag, and manages a key only where the key policy
 *   names it (components/cluster.ts gives the cluster's key such a policy, platformKeyPolicy): no
 *   IAM statement grants it anything by tag, so tagging a key of someone else's gains it nothing,
 *   and nothing waits for a new tag to take effect (KMS authorizes by tag only after it has
 *   propagated, "ABAC for AWS KMS", up to five minutes).
 * - No `logs:` write: EKS itself writes the control plane's log group; the deploy role cannot
 *   delete it or shorten its retention.
 * The deploy role carries no boundary (IAM cannot make a role's own boundary a condition of its
 * trust), so `DeployRoleDenies` is the equivalent: the explicit denies win over any allow it
 * could write for itself (IAM User Guide, "Policy evaluation logic").
 * No SSM: nothing in the program reads a parameter (the node group has its own launch template
 * without an AMI, so pulumi-eks v4.3.0 looks none up: nodejs/eks/nodes/nodegroup.ts
 * `createMNGCustomLaunchTemplate` runs only without one), the preview role has none either.
 */
/**
 * The Gateway's alias records (components/gatewayDns.ts, one A record per listener hostname): the
 * deploy role writes A records only, and only in the zones the bootstrap names. The provider
 * (pulumi-aws 7.48.0's route53 Record, upstream terraform-provider-aws) reads the zone
 * (GetHostedZone), creates, upserts or deletes the record (ChangeResourceRecordSets), waits for
 * the change (GetChange) and reads the record back (ListResourceRecordSets). The record-type and
 * action condition keys are Route 53's (Service Authorization Reference, Amazon Route 53).
 */
function gatewayAliasRecordStatements(hostedZoneIds: readonly string[]): Statement[] {
    if (hostedZoneIds.length === 0) return [];
    const zones = hostedZoneIds.map((z) => `arn:aws:route53:::hostedzone/${z}`);
    return [
        {
            Sid: "GatewayAliasRecords",
            Effect: "Allow",
            Action: ["route53:ChangeResourceRecordSets"],
            Resource: zones,
            Condition: {
                "ForAllValues:StringEquals": {
                    "route53:ChangeResourceRecordSetsRecordTypes": ["A"],
                    "route53:ChangeResourceRecordSetsActions": ["CREATE", "UPSERT", "DELETE"],
                },
            },
        },
        {
            Sid: "GatewayAliasRecordsRead",
            Effect: "Allow",
            Action: ["route53:GetHostedZone", "route53:ListResourceRecordSets"],
            Resource: zones,
        },
        { Sid: "GatewayAliasRecordsChange", Effect: "Allow", Action: ["route53:GetChange"], Resource: "arn:aws:route53:::change/*" },
    ];
}

export function deployPolicy(n: StateNames): PolicyDocument {
    const account = n.accounts[n.stack];
    const platformRoles = `arn:aws:iam::${account}:role/${PLATFORM_ROLE_PREFIX}*`;
    const withinBoundary = { "iam:PermissionsBoundary": boundaryArn(account) };
    const ownerTagSet = { "ForAnyValue:StringEquals": { "aws:TagKeys": ["owner"] }, Null: { "aws:ResourceTag/owner": "false" } };
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
                Sid: "Read",
                Effect: "Allow",
                Action: [
                    "ec2:Describe*",
                    "ec2:Get*",
                    "eks:Describe*",
                    "eks:List*",
                    "autoscaling:Describe*",
                    "logs:DescribeLogGroups",
                    "sts:GetCallerIdentity",
                ],
                Resource: "*",
            },
            {
                Sid: "NetworkCreatedWithOwner",
                Effect: "Allow",
                Action: ["ec2:*"],
                Resource: "*",
                Condition: { StringEquals: { "aws:RequestTag/owner": PLATFORM_KEY_OWNER } },
            },
            {
                Sid: "NetworkOwned",
                Effect: "Allow",
                Action: ["ec2:*"],
                Resource: "*",
                Condition: { StringEquals: { "aws:ResourceTag/owner": PLATFORM_KEY_OWNER } },
            },
            {
                // The owner tag is put at creation only: no taking over another's VPC by tagging it.
                Sid: "NetworkOwnerOnlyAtCreation",
                Effect: "Deny",
                Action: ["ec2:CreateTags", "ec2:DeleteTags"],
                Resource: "*",
                Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": ["owner"] }, Null: { "ec2:CreateAction": "true" } },
            },
            { Sid: "Cluster", Effect: "Allow", Action: ["eks:*"], Resource: `arn:aws:eks:${n.region}:${account}:*` },
            ...gatewayAliasRecordStatements(n.hostedZoneIds),
            {
                Sid: "PlatformRolesWithinBoundary",
                Effect: "Allow",
                Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy"],
                Resource: platformRoles,
                Condition: { StringEquals: withinBoundary },
            },
            {
                Sid: "PlatformRolesManagedPolicies",
                Effect: "Allow",
                Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
                Resource: platformRoles,
                Condition: {
                    StringEquals: withinBoundary,
                    ArnEquals: { "iam:PolicyARN": PLATFORM_MANAGED_POLICIES.map((p) => `arn:aws:iam::aws:policy/${p}`) },
                },
            },
            {
                // Trust, tags and deletion change no permission of a role bounded as above.
                Sid: "PlatformRoles",
                Effect: "Allow",
                Action: [
                    "iam:DeleteRole",
                    "iam:GetRole",
                    "iam:TagRole",
                    "iam:UntagRole",
                    "iam:UpdateAssumeRolePolicy",
                    "iam:UpdateRoleDescription",
                    "iam:GetRolePolicy",
                    "iam:ListAttachedRolePolicies",
                    "iam:ListRolePolicies",
                    "iam:ListInstanceProfilesForRole",
                ],
                Resource: platformRoles,
            },
            {
                Sid: "BoundaryStays",
                Effect: "Deny",
                Action: [
                    "iam:DeleteRolePermissionsBoundary",
                    "iam:CreatePolicyVersion",
                    "iam:DeletePolicy",
                    "iam:DeletePolicyVersion",
                    "iam:SetDefaultPolicyVersion",
                ],
                Resource: [`arn:aws:iam::${account}:role/*`, boundaryArn(account)],
            },
            {
                Sid: "PassPlatformRolesToEks",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: platformRoles,
                Condition: { StringEquals: { "iam:PassedToService": ["eks.amazonaws.com", "pods.eks.amazonaws.com"] } },
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
                Resource: `arn:aws:iam::${account}:oidc-provider/oidc.eks.${n.region}.amazonaws.com/*`,
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
            {
                // CreateKey with tags also needs kms:TagResource in an IAM policy not limited to
                // particular keys (AWS KMS Developer Guide, "Controlling access to tags"). The
                // key's own policy (platformKeyPolicy) then names this role; nothing here does.
                Sid: "CreatePlatformKeys",
                Effect: "Allow",
                Action: ["kms:CreateKey", "kms:TagResource"],
                Resource: "*",
                Condition: { StringEquals: { "aws:RequestTag/owner": PLATFORM_KEY_OWNER } },
            },
            {
                // An existing key's owner stays: no re-labelling a key, nor releasing one.
                Sid: "KeyOwnerStays",
                Effect: "Deny",
                Action: ["kms:TagResource", "kms:UntagResource"],
                Resource: "*",
                Condition: ownerTagSet,
            },
            {
                Sid: "DeployRoleDenies",
                Effect: "Deny",
                Action: [
                    // No identities of its own making, and no hopping into a role it made.
                    "iam:CreateUser",
                    "iam:CreateAccessKey",
                    "iam:CreateLoginProfile",
                    "iam:CreateInstanceProfile",
                    "iam:AddRoleToInstanceProfile",
                    "sts:AssumeRole",
                    // No copy of anyone's data, no share with another account, no path into a
                    // foreign network: the program creates none of these (components/cluster.ts).
                    "ec2:CreateSnapshot",
                    "ec2:CreateSnapshots",
                    "ec2:CopySnapshot",
                    "ec2:ModifySnapshotAttribute",
                    "ec2:CreateImage",
                    "ec2:CopyImage",
                    "ec2:ModifyImageAttribute",
                    "ec2:ExportImage",
                    "ec2:CreateInstanceExportTask",
                    "ec2:CreateVpcPeeringConnection",
                    "ec2:AcceptVpcPeeringConnection",
                    // The control plane's audit trail stays as EKS writes it.
                    "logs:DeleteLogGroup",
                    "logs:DeleteLogStream",
                    "logs:PutRetentionPolicy",
                    "logs:DeleteRetentionPolicy",
                    "logs:DisassociateKmsKey",
                    // The state bucket and its policy are the bootstrap's.
                    "s3:DeleteBucket",
                    "s3:PutBucketPolicy",
                    "s3:DeleteBucketPolicy",
                    "s3:PutBucketVersioning",
                    "s3:PutLifecycleConfiguration",
                ],
                Resource: "*",
            },
            {
                // Itself, its sibling and the OIDC provider: the bootstrap's, never the program's.
                Sid: "DeployRoleLeavesTheBootstrapAlone",
                Effect: "Deny",
                Action: ["iam:*"],
                Resource: [
                    roleArn(account, DEPLOY_ROLE),
                    roleArn(account, PREVIEW_ROLE),
                    `arn:aws:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}`,
                ],
            },
        ],
    };
}

/**
 * The key policy of a KMS key the platform program creates (the cluster's secrets key): the
 * account administers it through IAM (the default key policy's `root` statement, AWS KMS
 * Developer Guide, "Default key policy"), and the deploy role that creates it is named, so it
 * may manage and use it from the first call on, without any tag-based grant. CreateKey refuses a
 * policy that would lock the caller out of PutKeyPolicy ("BypassPolicyLockoutSafetyCheck"); this
 * one names the caller.
 */
export function platformKeyPolicy(accountId: string, deployRoleArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AccountAdministers",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${accountId}:root` },
                Action: "kms:*",
                Resource: "*",
            },
            { Sid: "DeployRoleManages", Effect: "Allow", Principal: { AWS: deployRoleArn }, Action: "kms:*", Resource: "*" },
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
                Sid: "NonprodLocation",
                Effect: "Allow",
                ...from([PREVIEW_ROLE, DEPLOY_ROLE]),
                Action: "s3:GetBucketLocation",
                Resource: bucketArn,
            },
            {
                Sid: "NonprodList",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${accounts.nonprod}:root` },
                Action: "s3:ListBucket",
                Resource: bucketArn,
                Condition: {
                    ArnEquals: { "aws:PrincipalArn": [PREVIEW_ROLE, DEPLOY_ROLE].map((r) => roleArn(accounts.nonprod, r)) },
                    StringLike: { "s3:prefix": stackObjects(bucketArn, "nonprod").listPrefixes },
                },
            },
            {
                Sid: "NonprodRead",
                Effect: "Allow",
                ...from([PREVIEW_ROLE, DEPLOY_ROLE]),
                Action: "s3:GetObject",
                Resource: [`${bucketArn}/${META_OBJECT}`, ...nonprod],
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

/**
 * One-time setup of one AWS account (README, One-time setup): GitHub's OIDC provider, the stack's
 * secrets key, the preview and deploy roles with exact trust and their permissions, and in prod's
 * account the state bucket both stacks share (prod's promotion gate reads nonprod's outputs).
 * Run once per account with that account's administrator, nonprod first; its outputs are the
 * variables of the stack's GitHub environments. The documents are bootstrap/policies.ts (pure).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import {
    Accounts,
    DEPLOY_ROLE,
    GITHUB_OIDC_AUDIENCE,
    GITHUB_OIDC_HOST,
    PREVIEW_ROLE,
    BOOTSTRAP_OWNER,
    BOUNDARY_POLICY,
    boundaryArn,
    PlatformStack,
    checkExistingOidcProviderArn,
    deployPolicy,
    platformBoundaryPolicy,
    environments,
    githubTrust,
    previewPolicy,
    secretsKeyPolicy,
    stateBucketPolicy,
} from "./policies";

const config = new pulumi.Config();
/** owner/name of the GitHub repository whose workflows assume the roles. */
const repository = config.require("repository");
const stackName = config.require("stack");
if (stackName !== "nonprod" && stackName !== "prod")
    throw new pulumi.RunError(`k8s-platform-bootstrap:stack: "${stackName}": expected nonprod or prod`);
const stack: PlatformStack = stackName;
const accounts: Accounts = { nonprod: config.require("nonprodAccountId"), prod: config.require("prodAccountId") };
for (const [which, id] of Object.entries(accounts))
    if (!/^\d{12}$/.test(id))
        throw new pulumi.RunError(`k8s-platform-bootstrap:${which}AccountId: "${id}": expected a 12-digit AWS account ID`);
/** The Route 53 hosted zones of the stack's hostnames (gateway.tls.hostedZoneId): the only zones a platform role may write. */
const hostedZoneIds = config
    .require("hostedZoneIds")
    .split(",")
    .map((z) => z.trim())
    .filter((z) => z !== "");
for (const z of hostedZoneIds)
    if (!/^Z[A-Z0-9]{1,31}$/.test(z))
        throw new pulumi.RunError(
            `k8s-platform-bootstrap:hostedZoneIds: "${z}": expected a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ`,
        );
if (hostedZoneIds.length === 0)
    throw new pulumi.RunError(`k8s-platform-bootstrap:hostedZoneIds: name the hosted zones of the stack's hostnames, comma-separated`);
/** The shared state bucket's name; it lives in prod's account. */
const bucketName = config.require("stateBucket");
/** (prod) nonprod's key, which prod's roles decrypt: the promotion gate reads nonprod's outputs. */
const nonprodKeyArn = stack === "prod" ? config.get("nonprodSecretsKeyArn") : undefined;
if (stack === "prod" && !/^arn:aws[a-z-]*:kms:/.test(nonprodKeyArn ?? ""))
    throw new pulumi.RunError(
        `k8s-platform-bootstrap:nonprodSecretsKeyArn: "${nonprodKeyArn ?? ""}": expected the ARN of nonprod's key (the nonprod bootstrap's secretsKeyArn output)`,
    );
/** An account whose GitHub OIDC provider exists already (another project's bootstrap made it): its ARN, used as is. */
const existingOidcProviderArn = config.get("existingOidcProviderArn") || undefined;
if (existingOidcProviderArn !== undefined) {
    const problem = checkExistingOidcProviderArn(accounts[stack], existingOidcProviderArn);
    if (problem) throw new pulumi.RunError(`k8s-platform-bootstrap:existingOidcProviderArn: ${problem}`);
}
// Not the platform's owner tag: the deploy role manages KMS keys tagged owner=platform-team, never these.
const tags = { owner: BOOTSTRAP_OWNER, purpose: "k8s-platform-delivery" };

/** The region of the state and the clusters (the platform stacks' aws:region). */
const region = new pulumi.Config("aws").require("region");

export = async () => {
    // Run with this account's administrator credentials (README, One-time setup), and no other:
    // STS GetCallerIdentity answers for any credentials and needs no permission (STS API Reference).
    const accountId = accounts[stack];
    const caller = await aws.getCallerIdentity();
    if (caller.accountId !== accountId)
        throw new pulumi.RunError(
            `k8s-platform-bootstrap:${stack}AccountId: "${accountId}": the credentials belong to account ${caller.accountId} (${caller.arn}), not to ${stack}'s account ${accountId}: refusing to bootstrap another account`,
        );
    const env = environments(stack);
    const bucketArn = `arn:aws:s3:::${bucketName}`;

    // The stack's secrets provider (awskms:///<key ARN>), named by ARN because nonprod's crosses accounts.
    const key = new aws.kms.Key(
        "secrets",
        {
            description: `k8s-platform ${stack}: Pulumi secrets and state encryption`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: JSON.stringify(secretsKeyPolicy(stack, accounts)),
            tags,
        },
        { protect: true },
    );
    new aws.kms.Alias("secrets", { name: `alias/k8s-platform-${stack}`, targetKeyId: key.keyId });

    // Both stacks' state and lock objects, versioned, in prod's account.
    if (stack === "prod") {
        const bucket = new aws.s3.Bucket("state", { bucket: bucketName, tags }, { protect: true });
        new aws.s3.BucketVersioning("state", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
        new aws.s3.BucketServerSideEncryptionConfiguration("state", {
            bucket: bucket.id,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        });
        new aws.s3.BucketPublicAccessBlock("state", {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        new aws.s3.BucketPolicy("state", { bucket: bucket.id, policy: JSON.stringify(stateBucketPolicy(bucketArn, accounts)) });
    }

    // GitHub Actions' tokens; the roles below trust one environment each. One per URL and account.
    const oidc = existingOidcProviderArn
        ? []
        : [
              // Account-wide, other projects may trust it too: switching to existingOidcProviderArn leaves it in place.
              new aws.iam.OpenIdConnectProvider(
                  "github",
                  { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: [GITHUB_OIDC_AUDIENCE], tags },
                  { retainOnDelete: true },
              ),
          ];
    // The most any role the platform program creates may do; the deploy role creates roles only with it.
    const boundary = new aws.iam.Policy("boundary", {
        name: BOUNDARY_POLICY,
        description: "k8s-platform: permissions boundary of every role the platform program creates",
        policy: JSON.stringify(platformBoundaryPolicy(hostedZoneIds)),
        tags,
    });
    const names = key.arn.apply((keyArn) => ({
        stack,
        accounts,
        region,
        bucketArn,
        keyArn,
        nonprodKeyArn: nonprodKeyArn ?? keyArn,
        hostedZoneIds,
    }));
    const role = (name: string, environment: string, policy: pulumi.Output<string>): aws.iam.Role => {
        const r = new aws.iam.Role(
            name,
            { name, assumeRolePolicy: JSON.stringify(githubTrust(accountId, repository, environment)), tags },
            { dependsOn: oidc },
        );
        new aws.iam.RolePolicy(name, { role: r.name, policy });
        return r;
    };
    const preview = role(
        PREVIEW_ROLE,
        env.preview,
        names.apply((n) => JSON.stringify(previewPolicy(n))),
    );
    const deploy = role(
        DEPLOY_ROLE,
        env.deploy,
        names.apply((n) => JSON.stringify(deployPolicy(n))),
    );

    const backend = `s3://${bucketName}?region=${region}`;
    // Not read by the workflows (Pulumi takes the provider from the stack file): the value for
    // `pulumi stack init --secrets-provider` and `pulumi stack change-secrets-provider`.
    const secretsProvider = pulumi.interpolate`awskms:///${key.arn}?region=${region}`;
    const variables = { AWS_REGION: region, PULUMI_BACKEND_URL: backend, PULUMI_SECRETS_PROVIDER: secretsProvider };
    return {
        /** Variables of the `preview-<stack>` GitHub environment. */
        previewEnvironment: { name: env.preview, AWS_ROLE_ARN: preview.arn, ...variables },
        /** Variables of the deploy environment (`nonprod` or `production`). */
        deployEnvironment: { name: env.deploy, AWS_ROLE_ARN: deploy.arn, ...variables },
        /** `pulumi stack init --secrets-provider` of the platform stack: the key by ARN. */
        secretsProvider,
        secretsKeyArn: key.arn,
        /**
         * The permissionsBoundary every role of the platform program must carry (README, One-time
         * setup): the policy's fixed name makes its ARN, the one the deploy role's conditions name.
         */
        permissionsBoundaryArn: boundary.name.apply(() => boundaryArn(accountId)),
    };
};

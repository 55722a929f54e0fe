import { strict as assert } from "assert";
import * as path from "path";
import { ProgramRun, runProgram } from "../offline/mockRuntime";
import {
    DEPLOY_ROLE,
    PREVIEW_ROLE,
    PolicyDocument,
    deployPolicy,
    environments,
    githubTrust,
    previewPolicy,
    secretsKeyPolicy,
    stackObjects,
    stateBucketPolicy,
} from "../bootstrap/policies";
import { PROJECT_DIR, stackConfig } from "./harness";

const accounts = { nonprod: "111122223333", prod: "444455556666" };
const bucketArn = "arn:aws:s3:::acme-k8s-platform-state";
const names = (stack: "nonprod" | "prod") => ({
    stack,
    accounts,
    region: "eu-west-1",
    bucketArn,
    keyArn: `arn:aws:kms:eu-west-1:${accounts[stack]}:key/${stack}`,
    nonprodKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/nonprod",
});
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource?: string | string[]; Condition?: unknown };
const statements = (doc: PolicyDocument) => doc.Statement as unknown as Statement[];
const actions = (doc: PolicyDocument) => statements(doc).flatMap((s) => (s.Effect === "Allow" ? [s.Action].flat() : []));
const resourcesOf = (doc: PolicyDocument, action: string) =>
    statements(doc)
        .filter((s) => s.Effect === "Allow" && [s.Action].flat().includes(action))
        .flatMap((s) => [s.Resource ?? []].flat());

describe("the one-time bootstrap of each account (bootstrap/)", () => {
    it("trusts exactly one GitHub environment of one repository per role, with the STS audience", () => {
        assert.deepEqual(githubTrust("444455556666", "acme/k8s-platform", "production"), {
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Federated: "arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com" },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: {
                        StringEquals: {
                            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                            "token.actions.githubusercontent.com:sub": "repo:acme/k8s-platform:environment:production",
                        },
                    },
                },
            ],
        });
        assert.throws(() => githubTrust("444455556666", "acme/*", "production"), /expected owner\/name/);
    });

    it("names the environments the workflows run in: a preview environment per stack, nonprod and production for deploys", () => {
        assert.deepEqual(environments("nonprod"), { preview: "preview-nonprod", deploy: "nonprod" });
        assert.deepEqual(environments("prod"), { preview: "preview-prod", deploy: "production" });
    });

    it("gives the preview role reads and decrypts only, never a write to the state or anything else", () => {
        for (const stack of ["nonprod", "prod"] as const) {
            const all = actions(previewPolicy(names(stack)));
            for (const a of all)
                assert.match(
                    a,
                    /^(s3:(ListBucket|GetBucketLocation|GetObject)|kms:(Decrypt|Describe\w*|Get\w*|List\w*)|\w+:(Describe|Get|List)\w*\*?)$/,
                    a,
                );
            assert.ok(
                !all.some((a) => /Put|Delete|Create|Update|Encrypt|GenerateDataKey|\*$/.test(a) && !/:(Describe|List)\*$/.test(a)),
                stack,
            );
        }
        // prod reads nonprod's state and key too: its promotion gate reads nonprod's outputs.
        assert.deepEqual(resourcesOf(previewPolicy(names("prod")), "kms:Decrypt"), [names("prod").keyArn, names("prod").nonprodKeyArn]);
        assert.deepEqual(resourcesOf(previewPolicy(names("nonprod")), "kms:Decrypt"), [names("nonprod").keyArn]);
        assert.ok(
            !resourcesOf(previewPolicy(names("nonprod")), "s3:GetObject").some((r) => r.includes("/prod")),
            "nonprod reads no prod state",
        );
    });

    it("lets each deploy role write its own stack's state objects, the lock objects included, and no other stack's", () => {
        const nonprod = resourcesOf(deployPolicy(names("nonprod")), "s3:PutObject");
        assert.deepEqual(nonprod, stackObjects(bucketArn, "nonprod").all);
        assert.ok(nonprod.includes(`${bucketArn}/.pulumi/locks/*/k8s-platform/nonprod/*`));
        assert.deepEqual(resourcesOf(deployPolicy(names("prod")), "s3:PutObject"), stackObjects(bucketArn, "prod").all);
    });

    it("limits the deploy role's IAM to the platform's own roles, passed only to EKS, EC2 and Pod Identity", () => {
        const doc = deployPolicy(names("prod"));
        for (const a of ["iam:CreateRole", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:PassRole"])
            assert.deepEqual(resourcesOf(doc, a), ["arn:aws:iam::444455556666:role/platform-*"], a);
        assert.ok(!actions(doc).includes("iam:*") && !actions(doc).includes("*"));
        const pass = statements(doc).find((s) => s.Sid === "PassPlatformRolesToEksAndEc2")!;
        assert.deepEqual(pass.Condition, {
            StringEquals: { "iam:PassedToService": ["eks.amazonaws.com", "ec2.amazonaws.com", "pods.eks.amazonaws.com"] },
        });
    });

    it("keeps the shared bucket TLS-only and lets nonprod's roles, from their account, at nonprod's objects only", () => {
        const doc = statements(stateBucketPolicy(bucketArn, accounts));
        assert.deepEqual(doc[0]!.Condition, { Bool: { "aws:SecureTransport": "false" } });
        const write = doc.find((s) => s.Sid === "NonprodWrite")!;
        assert.deepEqual(write.Resource, stackObjects(bucketArn, "nonprod").all);
        assert.deepEqual(write.Condition, { ArnEquals: { "aws:PrincipalArn": ["arn:aws:iam::111122223333:role/github-deploy"] } });
        assert.ok(!JSON.stringify(doc).includes("/prod"), "nothing of prod's to nonprod");
    });

    it("lets prod's roles decrypt nonprod's key, by role, and nobody else from outside nonprod's account", () => {
        const cross = statements(secretsKeyPolicy("nonprod", accounts)).find((s) => s.Sid === "ProdReadsNonprodOutputs")!;
        assert.deepEqual(cross.Action, ["kms:Decrypt", "kms:DescribeKey"]);
        assert.deepEqual(cross.Condition, {
            ArnEquals: {
                "aws:PrincipalArn": ["arn:aws:iam::444455556666:role/github-preview", "arn:aws:iam::444455556666:role/github-deploy"],
            },
        });
        assert.equal(statements(secretsKeyPolicy("prod", accounts)).length, 1, "prod's key stays in prod");
    });

    it("names the roles the stack files' access entries use", () => {
        for (const stack of ["nonprod", "prod"] as const) {
            const entries = (stackConfig(stack)["k8s-platform:cluster"] as { accessEntries: { name: string; principalArn: string }[] })
                .accessEntries;
            const arn = (name: string) => entries.find((e) => e.name === name)!.principalArn;
            assert.equal(arn("ci-deploy"), `arn:aws:iam::${accounts[stack]}:role/${DEPLOY_ROLE}`);
            assert.equal(arn("ci-preview"), `arn:aws:iam::${accounts[stack]}:role/${PREVIEW_ROLE}`);
        }
    });

    describe("the bootstrap program under mocks", () => {
        const run = (stack: string, extra: Record<string, string> = {}): Promise<ProgramRun> =>
            runProgram({
                project: "k8s-platform-bootstrap",
                stack,
                program: path.join(PROJECT_DIR, "bootstrap", "index.ts"),
                config: {
                    "aws:region": "eu-west-1",
                    "k8s-platform-bootstrap:repository": "acme/k8s-platform",
                    "k8s-platform-bootstrap:stack": stack,
                    "k8s-platform-bootstrap:nonprodAccountId": accounts.nonprod,
                    "k8s-platform-bootstrap:prodAccountId": accounts.prod,
                    "k8s-platform-bootstrap:stateBucket": "acme-k8s-platform-state",
                    ...extra,
                },
            });
        let prod: ProgramRun;
        let nonprod: ProgramRun;
        before(async () => {
            nonprod = await run("nonprod");
            prod = await run("prod", { "k8s-platform-bootstrap:nonprodSecretsKeyArn": "arn:aws:kms:eu-west-1:111122223333:key/nonprod" });
        });
        const types = (r: ProgramRun) => r.registrations.map((x) => `${x.type}::${x.name}`);

        it("creates in prod's account the state bucket, versioned, private and TLS-only, the key, the OIDC provider and both roles", () => {
            assert.deepEqual(types(prod), [
                "aws:kms/key:Key::secrets",
                "aws:kms/alias:Alias::secrets",
                "aws:s3/bucket:Bucket::state",
                "aws:s3/bucketVersioning:BucketVersioning::state",
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::state",
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::state",
                "aws:s3/bucketPolicy:BucketPolicy::state",
                "aws:iam/openIdConnectProvider:OpenIdConnectProvider::github",
                "aws:iam/role:Role::github-preview",
                "aws:iam/rolePolicy:RolePolicy::github-preview",
                "aws:iam/role:Role::github-deploy",
                "aws:iam/rolePolicy:RolePolicy::github-deploy",
            ]);
            const role = (name: string) => prod.registrations.find((x) => x.type === "aws:iam/role:Role" && x.name === name)!;
            assert.deepEqual(
                JSON.parse(String(role("github-deploy").inputs["assumeRolePolicy"])),
                githubTrust(accounts.prod, "acme/k8s-platform", "production"),
            );
            assert.deepEqual(
                JSON.parse(String(role("github-preview").inputs["assumeRolePolicy"])),
                githubTrust(accounts.prod, "acme/k8s-platform", "preview-prod"),
            );
            const oidc = prod.registrations.find((x) => x.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider")!;
            assert.deepEqual(
                [oidc.inputs["url"], oidc.inputs["clientIdLists"]],
                ["https://token.actions.githubusercontent.com", ["sts.amazonaws.com"]],
            );
            assert.deepEqual(
                prod.registrations.find((x) => x.name === "state" && x.type.includes("Versioning"))!.inputs["versioningConfiguration"],
                { status: "Enabled" },
            );
        });

        it("creates no bucket in nonprod's account, and hands out the variables of each environment", () => {
            assert.ok(!types(nonprod).some((t) => t.startsWith("aws:s3/")));
            assert.deepEqual(nonprod.outputs["previewEnvironment"], {
                name: "preview-nonprod",
                AWS_ROLE_ARN: "arn:aws:mock:::github-preview",
                AWS_REGION: "eu-west-1",
                PULUMI_BACKEND_URL: "s3://acme-k8s-platform-state?region=eu-west-1",
            });
            assert.equal((nonprod.outputs["deployEnvironment"] as { name: string }).name, "nonprod");
            assert.match(String(nonprod.outputs["secretsProvider"]), /^awskms:\/\/\/arn:aws:mock:::secrets\?region=eu-west-1$/);
        });

        it("refuses prod without nonprod's key ARN, naming the key, before any resource", async () => {
            await assert.rejects(run("prod"), (e: Error & { registrations?: unknown[] }) => {
                assert.match(e.message, /k8s-platform-bootstrap:nonprodSecretsKeyArn: "": expected the ARN of nonprod's key/);
                assert.deepEqual(e.registrations, []);
                return true;
            });
        });

        it("refuses a stack that is neither nonprod nor prod, naming the key, before any resource", async () => {
            await assert.rejects(run("staging"), /k8s-platform-bootstrap:stack: "staging": expected nonprod or prod/);
        });
    });
});

import { strict as assert } from "assert";
import * as path from "path";
import { ProgramRun, runProgram } from "../offline/mockRuntime";
import { LB_CONTROLLER_POLICY } from "../compiler/lbControllerPolicy";
import { route53Policy } from "../compiler/platform";
import {
    DEPLOY_ROLE,
    PLATFORM_MANAGED_POLICIES,
    PREVIEW_ROLE,
    PolicyDocument,
    boundaryArn,
    deployPolicy,
    platformBoundaryPolicy,
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
    hostedZoneIds: ["Z0123456789ABC"],
});
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource?: string | string[]; Condition?: unknown };
const statements = (doc: PolicyDocument) => doc.Statement as unknown as Statement[];
const actions = (doc: PolicyDocument) => statements(doc).flatMap((s) => (s.Effect === "Allow" ? [s.Action].flat() : []));
const resourcesOf = (doc: PolicyDocument, action: string) =>
    statements(doc)
        .filter((s) => s.Effect === "Allow" && [s.Action].flat().includes(action))
        .flatMap((s) => [s.Resource ?? []].flat());

/**
 * The keys pulumi/pulumi's self-managed backend writes and lists for one stack, built as v3.248.0
 * builds them (independently of bootstrap/policies.ts): pkg/backend/diy/store.go
 * `projectReferenceStore.StackBasePath`/`HistoryDir`/`BackupDir` (`filepath.Join(dir, project,
 * stack)`), state.go `backupTarget` (`.bak`), `addToHistory`, `backupStack`, `stackPath` (list
 * prefix), lock.go `stackLockDir(FullyQualifiedName())` and `lockPath`, meta.go `pulumiMetaPath`.
 */
function diyKeys(project: string, stack: string) {
    const ns = 1764750000000000000n;
    const base = `.pulumi/stacks/${project}/${stack}`;
    const history = `.pulumi/history/${project}/${stack}`;
    const backups = `.pulumi/backups/${project}/${stack}`;
    const locks = `.pulumi/locks/organization/${project}/${stack}`;
    return {
        meta: ".pulumi/meta.yaml",
        objects: [
            `${base}.json`,
            `${base}.json.bak`,
            `${base}.json.gz`,
            `${history}/${stack}-${ns}.history.json`,
            `${history}/${stack}-${ns}.checkpoint.json`,
            `${backups}/${stack}.${ns}.json`,
            `${locks}/5b1c7f3e-0d7a-4a86-9d55-3a2f1e8c9b10.json`,
        ],
        checkpoint: `${base}.json`,
        listPrefixes: [`${base}.json`, `${history}/`, `${locks}/`],
    };
}

/** IAM's wildcard match (`*` any run, `?` one character), case-sensitive as for ARNs and keys. */
const glob = (pattern: string, value: string) =>
    new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
    ).test(value);
type Context = Record<string, string | string[] | undefined>;
/** The operators the documents here use, on a request context; a missing key fails all but Null. */
function conditionHolds(condition: unknown, context: Context): boolean {
    return Object.entries((condition ?? {}) as Record<string, Record<string, string | string[]>>).every(([op, keys]) =>
        Object.entries(keys).every(([key, want]) => {
            const wants = [want].flat();
            const got = context[key];
            const values = got === undefined ? [] : [got].flat();
            switch (op) {
                case "Null":
                    return (got === undefined) === (wants[0] === "true");
                case "ForAnyValue:StringEquals":
                    return values.some((v) => wants.includes(v));
                case "StringEquals":
                case "ArnEquals":
                case "Bool":
                    return values.length === 1 && wants.includes(values[0]!);
                case "StringLike":
                case "ArnLike":
                    return values.length === 1 && wants.some((w) => glob(w, values[0]!));
                default:
                    throw new Error(`operator ${op} not modelled`);
            }
        }),
    );
}
/** Whether an identity (or resource) policy allows `action` on `resource`: an Allow matches and no Deny. */
function admits(doc: PolicyDocument, action: string, resource: string, context: Context = {}): boolean {
    const matching = statements(doc).filter(
        (s) =>
            [s.Action].flat().some((a) => glob(a, action)) &&
            [s.Resource ?? "*"].flat().some((r) => glob(r, resource)) &&
            conditionHolds(s.Condition, context),
    );
    return matching.some((s) => s.Effect === "Allow") && !matching.some((s) => s.Effect === "Deny");
}

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

    it("admits each role to exactly its own stack's state keys as the backend writes them, prod also to nonprod's checkpoint", () => {
        // The keys themselves, as pulumi v3.248.0 lays them out (no organization segment but in locks).
        assert.deepEqual(diyKeys("k8s-platform", "nonprod").objects.slice(0, 2), [
            ".pulumi/stacks/k8s-platform/nonprod.json",
            ".pulumi/stacks/k8s-platform/nonprod.json.bak",
        ]);
        const arn = (key: string) => `${bucketArn}/${key}`;
        for (const stack of ["nonprod", "prod"] as const) {
            const other = stack === "prod" ? "nonprod" : "prod";
            const own = diyKeys("k8s-platform", stack);
            const theirs = diyKeys("k8s-platform", other);
            const sibling = diyKeys("k8s-platform", `${stack}2`);
            for (const [role, doc] of [
                ["preview", previewPolicy(names(stack))],
                ["deploy", deployPolicy(names(stack))],
            ] as const) {
                const at = `${stack} ${role}`;
                assert.ok(admits(doc, "s3:GetObject", arn(own.meta)), `${at} reads meta.yaml`);
                for (const key of own.objects) {
                    assert.ok(admits(doc, "s3:GetObject", arn(key)), `${at} reads ${key}`);
                    for (const write of ["s3:PutObject", "s3:DeleteObject"])
                        assert.equal(admits(doc, write, arn(key)), role === "deploy", `${at} ${write} ${key}`);
                }
                for (const prefix of own.listPrefixes)
                    assert.ok(admits(doc, "s3:ListBucket", bucketArn, { "s3:prefix": prefix }), `${at} lists ${prefix}`);
                assert.ok(!admits(doc, "s3:ListBucket", bucketArn), `${at} lists nothing without a prefix`);
                assert.ok(!admits(doc, "s3:ListBucket", bucketArn, { "s3:prefix": ".pulumi/stacks/" }), `${at} lists no other stack`);
                for (const key of [...theirs.objects, ...sibling.objects]) {
                    const promotionRead = stack === "prod" && key.startsWith(theirs.checkpoint); // .json, .json.bak, .json.gz
                    assert.equal(admits(doc, "s3:GetObject", arn(key)), promotionRead, `${at} reads ${key}`);
                    assert.ok(!admits(doc, "s3:PutObject", arn(key)), `${at} writes no ${key}`);
                }
                assert.equal(
                    admits(doc, "s3:ListBucket", bucketArn, { "s3:prefix": theirs.listPrefixes[0] }),
                    stack === "prod",
                    `${at} finds nonprod's checkpoint for the promotion gate`,
                );
            }
        }
    });

    it("admits nonprod's roles, through the bucket policy, to nonprod's keys and listings only", () => {
        const doc = stateBucketPolicy(bucketArn, accounts);
        const own = diyKeys("k8s-platform", "nonprod");
        const prod = diyKeys("k8s-platform", "prod");
        for (const role of [PREVIEW_ROLE, DEPLOY_ROLE]) {
            const from = { "aws:PrincipalArn": `arn:aws:iam::${accounts.nonprod}:role/${role}` };
            assert.ok(admits(doc, "s3:GetObject", `${bucketArn}/${own.meta}`, from));
            for (const key of own.objects) {
                assert.ok(admits(doc, "s3:GetObject", `${bucketArn}/${key}`, from), key);
                assert.equal(admits(doc, "s3:PutObject", `${bucketArn}/${key}`, from), role === DEPLOY_ROLE, key);
            }
            for (const prefix of own.listPrefixes) assert.ok(admits(doc, "s3:ListBucket", bucketArn, { ...from, "s3:prefix": prefix }));
            assert.ok(!admits(doc, "s3:ListBucket", bucketArn, from), "no listing of the whole bucket");
            assert.ok(!admits(doc, "s3:ListBucket", bucketArn, { ...from, "s3:prefix": prod.listPrefixes[0] }), "no listing of prod's");
            for (const key of prod.objects) assert.ok(!admits(doc, "s3:GetObject", `${bucketArn}/${key}`, from), key);
        }
        const stranger = { "aws:PrincipalArn": `arn:aws:iam::${accounts.nonprod}:role/someone` };
        assert.ok(!admits(doc, "s3:GetObject", `${bucketArn}/${own.objects[0]}`, stranger));
        assert.ok(!admits(doc, "s3:ListBucket", bucketArn, { ...stranger, "s3:prefix": own.listPrefixes[0] }));
    });

    it("lets the deploy role create and grant to platform roles only within the boundary, with the program's managed policies only", () => {
        const doc = deployPolicy(names("prod"));
        const role = "arn:aws:iam::444455556666:role/platform-cert-manager";
        const boundary = { "iam:PermissionsBoundary": boundaryArn(accounts.prod) };
        assert.equal(boundaryArn(accounts.prod), "arn:aws:iam::444455556666:policy/platform-boundary");
        for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"]) {
            assert.ok(admits(doc, action, role, boundary), action);
            assert.ok(!admits(doc, action, role), `${action} without the boundary`);
            assert.ok(!admits(doc, action, role, { "iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess" }), action);
            assert.ok(!admits(doc, action, "arn:aws:iam::444455556666:role/github-deploy", boundary), `${action} on its own role`);
        }
        // The managed policies the program attaches (components/cluster.ts; pulumi-eks's cluster role).
        assert.deepEqual([...PLATFORM_MANAGED_POLICIES].sort(), [
            "AmazonEC2ContainerRegistryReadOnly",
            "AmazonEKSClusterPolicy",
            "AmazonEKSWorkerNodePolicy",
            "AmazonEKS_CNI_Policy",
            "service-role/AmazonEBSCSIDriverPolicy",
        ]);
        for (const policy of PLATFORM_MANAGED_POLICIES) {
            const arn = { ...boundary, "iam:PolicyARN": `arn:aws:iam::aws:policy/${policy}` };
            assert.ok(admits(doc, "iam:AttachRolePolicy", role, arn), policy);
            assert.ok(!admits(doc, "iam:AttachRolePolicy", role, { "iam:PolicyARN": arn["iam:PolicyARN"] }), `${policy} without boundary`);
        }
        for (const policy of ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"])
            assert.ok(!admits(doc, "iam:AttachRolePolicy", role, { ...boundary, "iam:PolicyARN": `arn:aws:iam::aws:policy/${policy}` }));
        assert.ok(!admits(doc, "iam:DeleteRolePermissionsBoundary", role, boundary));
        for (const action of ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"])
            assert.ok(!admits(doc, action, boundaryArn(accounts.prod)), action);
    });

    it("bounds platform roles to what the program's roles need: no IAM, STS, S3 or key administration", () => {
        const boundary = platformBoundaryPolicy(["Z0123456789ABC"]);
        const needed = [LB_CONTROLLER_POLICY, route53Policy("Z0123456789ABC", ["shop.example.com"])].flatMap((d) =>
            (d as unknown as PolicyDocument).Statement.flatMap((s) => [s.Action].flat()),
        );
        assert.ok(needed.length > 30);
        for (const action of [...needed, "eks-auth:AssumeRoleForPodIdentity", "ec2:AttachVolume", "ecr:BatchGetImage"])
            assert.ok(
                statements(boundary).some((s) => s.Effect === "Allow" && [s.Action].flat().some((a) => glob(a, action))),
                action,
            );
        for (const action of [
            "iam:CreateRole",
            "iam:PutRolePolicy",
            "iam:AttachRolePolicy",
            "iam:PassRole",
            "sts:AssumeRole",
            "s3:GetObject",
            "kms:Decrypt",
            "kms:PutKeyPolicy",
        ])
            assert.ok(!admits(boundary, action, "*", { "kms:GrantIsForAWSResource": "true" }), action);
        assert.ok(admits(boundary, "kms:CreateGrant", "*", { "kms:GrantIsForAWSResource": "true" }));
        assert.ok(!admits(boundary, "kms:CreateGrant", "*"));
    });

    it("lets the deploy role create keys owned by platform-team only, manage none by their tag, and never change a key's owner", () => {
        const doc = deployPolicy(names("nonprod"));
        const key = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c";
        assert.ok(admits(doc, "kms:CreateKey", "*", { "aws:RequestTag/owner": "platform-team", "aws:TagKeys": ["owner", "environment"] }));
        assert.ok(!admits(doc, "kms:CreateKey", "*", { "aws:RequestTag/owner": "platform-bootstrap", "aws:TagKeys": ["owner"] }));
        assert.ok(!admits(doc, "kms:CreateKey", "*"));
        for (const owner of ["platform-team", "platform-bootstrap", "security"]) {
            const onKey = { "aws:ResourceTag/owner": owner };
            assert.ok(
                !admits(doc, "kms:TagResource", key, { ...onKey, "aws:RequestTag/owner": "platform-team", "aws:TagKeys": ["owner"] }),
                owner,
            );
            assert.ok(!admits(doc, "kms:UntagResource", key, { ...onKey, "aws:TagKeys": ["owner"] }), owner);
            // The key policy of the platform's own key names the deploy role (platformKeyPolicy); no IAM grant by tag.
            for (const action of ["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:Decrypt", "kms:CreateGrant"])
                assert.ok(!admits(doc, action, key, onKey), `${action} on a key owned by ${owner}`);
        }
    });

    it("gives neither role SSM: nothing in the program reads a parameter, in a preview or an up", () => {
        for (const stack of ["nonprod", "prod"] as const)
            for (const doc of [previewPolicy(names(stack)), deployPolicy(names(stack))])
                for (const action of ["ssm:GetParameter", "ssm:GetParameters"])
                    assert.ok(
                        !admits(
                            doc,
                            action,
                            "arn:aws:ssm:eu-west-1::parameter/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended/image_id",
                        ),
                    );
    });

    it("limits the deploy role's IAM to the platform's own roles, passed only to EKS and Pod Identity", () => {
        const doc = deployPolicy(names("prod"));
        for (const a of ["iam:CreateRole", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:PassRole"])
            assert.deepEqual(resourcesOf(doc, a), ["arn:aws:iam::444455556666:role/platform-*"], a);
        assert.ok(!actions(doc).includes("iam:*") && !actions(doc).includes("*"));
        const pass = statements(doc).find((s) => s.Sid === "PassPlatformRolesToEks")!;
        assert.deepEqual(pass.Condition, { StringEquals: { "iam:PassedToService": ["eks.amazonaws.com", "pods.eks.amazonaws.com"] } });
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
                    "k8s-platform-bootstrap:hostedZoneIds": "Z0123456789ABC",
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
                "aws:iam/policy:Policy::boundary",
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
                PULUMI_SECRETS_PROVIDER: "awskms:///arn:aws:mock:::secrets?region=eu-west-1",
            });
            assert.equal(
                (nonprod.outputs["deployEnvironment"] as Record<string, string>)["PULUMI_SECRETS_PROVIDER"],
                "awskms:///arn:aws:mock:::secrets?region=eu-west-1",
            );
            assert.equal((nonprod.outputs["deployEnvironment"] as { name: string }).name, "nonprod");
            assert.match(String(nonprod.outputs["secretsProvider"]), /^awskms:\/\/\/arn:aws:mock:::secrets\?region=eu-west-1$/);
        });

        it("creates the permissions boundary platform roles must carry, and tags its own key apart from the platform's keys", () => {
            const boundary = nonprod.registrations.find((x) => x.type === "aws:iam/policy:Policy")!;
            assert.equal(boundary.inputs["name"], "platform-boundary");
            assert.deepEqual(JSON.parse(String(boundary.inputs["policy"])), platformBoundaryPolicy(["Z0123456789ABC"]));
            assert.equal(nonprod.outputs["permissionsBoundaryArn"], "arn:aws:iam::111122223333:policy/platform-boundary");
            const key = nonprod.registrations.find((x) => x.type === "aws:kms/key:Key")!;
            assert.deepEqual(key.inputs["tags"], { owner: "platform-bootstrap", purpose: "k8s-platform-delivery" });
        });

        it("uses an account's existing GitHub OIDC provider by its ARN instead of creating one", async () => {
            const arn = `arn:aws:iam::${accounts.nonprod}:oidc-provider/token.actions.githubusercontent.com`;
            const adopted = await run("nonprod", { "k8s-platform-bootstrap:existingOidcProviderArn": arn });
            assert.ok(!types(adopted).some((t) => t.startsWith("aws:iam/openIdConnectProvider:")));
            const role = adopted.registrations.find((x) => x.type === "aws:iam/role:Role" && x.name === "github-deploy")!;
            assert.deepEqual(JSON.parse(String(role.inputs["assumeRolePolicy"])).Statement[0].Principal, { Federated: arn });
        });

        it("refuses an existing OIDC provider ARN of another account or issuer, naming the key, before any resource", async () => {
            for (const arn of [
                `arn:aws:iam::${accounts.prod}:oidc-provider/token.actions.githubusercontent.com`,
                `arn:aws:iam::${accounts.nonprod}:oidc-provider/gitlab.com`,
            ])
                await assert.rejects(
                    run("nonprod", { "k8s-platform-bootstrap:existingOidcProviderArn": arn }),
                    (e: Error & { registrations?: unknown[] }) => {
                        assert.match(
                            e.message,
                            /k8s-platform-bootstrap:existingOidcProviderArn: ".*": expected arn:aws:iam::111122223333:oidc-provider\/token\.actions\.githubusercontent\.com/,
                        );
                        assert.deepEqual(e.registrations, []);
                        return true;
                    },
                );
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

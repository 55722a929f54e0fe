import { strict as assert } from "assert";
import { Document, Policies, Request, evaluate } from "../bootstrap/iamEvaluator";
import {
    BOUNDARY_POLICY,
    PolicyDocument,
    boundaryArn,
    deployPolicy,
    platformBoundaryPolicy,
    platformKeyPolicy,
    previewPolicy,
    secretsKeyPolicy,
    stackObjects,
    stateBucketPolicy,
} from "../bootstrap/policies";
import { ofType, runStack } from "./harness";

/**
 * The bootstrap's documents evaluated as IAM would (bootstrap/iamEvaluator.ts): the escalations a
 * review found in the deploy role are denied, and the calls of the first `pulumi up` and of
 * `pulumi stack init` stay allowed. The calls are those of the resources the program registers
 * (components/cluster.ts, pulumi-eks 4.3.0) and of pulumi v3.248.0's DIY backend, written down
 * here as IAM authorizes them (action, resource ARN, request context); they are a model of the
 * first `up`, not a CloudTrail recording of one.
 */
const accounts = { nonprod: "111122223333", prod: "444455556666" };
const region = "eu-west-1";
const bucketArn = "arn:aws:s3:::acme-k8s-platform-state";
const keyArn = (stack: "nonprod" | "prod") => `arn:aws:kms:${region}:${accounts[stack]}:key/${stack}-state`;
const names = (stack: "nonprod" | "prod") => ({
    stack,
    accounts,
    region,
    bucketArn,
    keyArn: keyArn(stack),
    nonprodKeyArn: keyArn("nonprod"),
    hostedZoneIds: ["Z0123456789ABC"],
});
const deployRole = (stack: "nonprod" | "prod") => `arn:aws:iam::${accounts[stack]}:role/github-deploy`;
const asDoc = (d: PolicyDocument) => d as unknown as Document;

const prod = accounts.prod;
const PLATFORM_KEY = `arn:aws:kms:${region}:${prod}:key/platform-cluster`;
const FOREIGN_KEY = `arn:aws:kms:${region}:${prod}:key/someone-elses`;
const OWNER = { "aws:RequestTag/owner": "platform-team", "aws:TagKeys": ["owner", "environment"] };
const OWNED = { "aws:ResourceTag/owner": "platform-team" };

/** The policies IAM applies to a request of prod's deploy role on `resource`. */
function policiesFor(stack: "nonprod" | "prod", resource: string): Policies {
    const identity = [asDoc(deployPolicy(names(stack)))];
    if (resource.startsWith(bucketArn))
        return { identity, resourcePolicy: asDoc(stateBucketPolicy(bucketArn, accounts)), resourceAccount: accounts.prod };
    if (resource === keyArn("nonprod") || resource === keyArn("prod")) {
        const keyStack = resource === keyArn("nonprod") ? "nonprod" : "prod";
        return {
            identity,
            resourcePolicy: asDoc(secretsKeyPolicy(keyStack, accounts)),
            resourceKind: "kms",
            resourceAccount: accounts[keyStack],
        };
    }
    if (resource === PLATFORM_KEY)
        return { identity, resourcePolicy: asDoc(platformKeyPolicy(prod, deployRole("prod"))), resourceKind: "kms" };
    if (resource === FOREIGN_KEY)
        // Another team's key with the default key policy: the account's IAM decides.
        return {
            identity,
            resourcePolicy: {
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${prod}:root` }, Action: "kms:*", Resource: "*" }],
            },
            resourceKind: "kms",
        };
    return { identity };
}

type Call = Omit<Request, "principal">;
const call = (action: string, resource: string, context: Request["context"] = {}): Call => ({ action, resource, context });
const decide = (stack: "nonprod" | "prod", c: Call) => evaluate({ principal: deployRole(stack), ...c }, policiesFor(stack, c.resource));

/** What `pulumi up` of a stack writes and reads in its state (pulumi v3.248.0 DIY backend, bootstrap/policies.ts stackObjects). */
function stateCalls(stack: "nonprod" | "prod"): Call[] {
    // Every object below lies under the stack's own prefixes (stackObjects).
    assert.equal(stackObjects(bucketArn, stack).all.length, 4);
    return [
        call("s3:GetObject", `${bucketArn}/.pulumi/meta.yaml`),
        call("s3:ListBucket", bucketArn, { "s3:prefix": `.pulumi/stacks/k8s-platform/${stack}.json` }),
        call("s3:GetObject", `${bucketArn}/.pulumi/stacks/k8s-platform/${stack}.json`),
        call("s3:PutObject", `${bucketArn}/.pulumi/stacks/k8s-platform/${stack}.json`),
        call("s3:PutObject", `${bucketArn}/.pulumi/locks/organization/k8s-platform/${stack}/5b1c7f3e.json`),
        call("s3:DeleteObject", `${bucketArn}/.pulumi/locks/organization/k8s-platform/${stack}/5b1c7f3e.json`),
        call("s3:PutObject", `${bucketArn}/.pulumi/history/k8s-platform/${stack}/${stack}-1764750000000000000.history.json`),
        call("kms:Encrypt", keyArn(stack)),
        call("kms:Decrypt", keyArn(stack)),
    ];
}

const vpc = `arn:aws:ec2:${region}:${prod}:vpc/vpc-0platform`;
const subnet = `arn:aws:ec2:${region}:${prod}:subnet/subnet-0platform`;
const sg = `arn:aws:ec2:${region}:${prod}:security-group/sg-0platform`;
const role = (name: string) => `arn:aws:iam::${prod}:role/${name}`;
const withBoundary = { "iam:PermissionsBoundary": boundaryArn(prod) };

const ZONE = "arn:aws:route53:::hostedzone/Z0123456789ABC";
const ALIAS_RECORD = { "route53:ChangeResourceRecordSetsRecordTypes": ["A"], "route53:ChangeResourceRecordSetsActions": ["CREATE"] };

/** The first `up` of prod, as the deploy role's calls. */
const FIRST_UP: Call[] = [
    ...stateCalls("prod"),
    // The promotion gate reads nonprod's outputs (StackReference): nonprod's checkpoint, decrypted with nonprod's key.
    call("s3:GetObject", `${bucketArn}/.pulumi/stacks/k8s-platform/nonprod.json`),
    call("kms:Decrypt", keyArn("nonprod")),
    call("sts:GetCallerIdentity", "*"),
    // The VPC (awsx 3.9.0), every resource created carrying the stack's tags, owner among them.
    call("ec2:CreateVpc", `arn:aws:ec2:${region}:${prod}:vpc/*`, OWNER),
    call("ec2:CreateTags", `arn:aws:ec2:${region}:${prod}:vpc/*`, { ...OWNER, "ec2:CreateAction": "CreateVpc" }),
    call("ec2:ModifyVpcAttribute", vpc, OWNED),
    call("ec2:CreateSubnet", vpc, { ...OWNER, ...OWNED }),
    call("ec2:CreateSubnet", `arn:aws:ec2:${region}:${prod}:subnet/*`, OWNER),
    call("ec2:CreateInternetGateway", `arn:aws:ec2:${region}:${prod}:internet-gateway/*`, OWNER),
    call("ec2:AttachInternetGateway", vpc, OWNED),
    call("ec2:AllocateAddress", `arn:aws:ec2:${region}:${prod}:elastic-ip/*`, OWNER),
    call("ec2:CreateNatGateway", subnet, { ...OWNER, ...OWNED }),
    call("ec2:CreateRouteTable", vpc, { ...OWNER, ...OWNED }),
    call("ec2:CreateRoute", `arn:aws:ec2:${region}:${prod}:route-table/rtb-0platform`, OWNED),
    call("ec2:AssociateRouteTable", subnet, OWNED),
    call("ec2:CreateSecurityGroup", `arn:aws:ec2:${region}:${prod}:security-group/*`, OWNER),
    call("ec2:AuthorizeSecurityGroupIngress", sg, OWNED),
    call("ec2:RevokeSecurityGroupEgress", sg, OWNED),
    call("ec2:CreateLaunchTemplate", `arn:aws:ec2:${region}:${prod}:launch-template/*`, OWNER),
    call("ec2:DescribeVpcs", "*"),
    call("ec2:DescribeAvailabilityZones", "*"),
    // The cluster's secrets key: created with the owner tag, then managed by its key policy alone.
    call("kms:CreateKey", "*", OWNER),
    call("kms:TagResource", "*", OWNER),
    call("kms:DescribeKey", PLATFORM_KEY),
    call("kms:EnableKeyRotation", PLATFORM_KEY),
    call("kms:GetKeyPolicy", PLATFORM_KEY),
    call("kms:PutKeyPolicy", PLATFORM_KEY),
    call("kms:ListResourceTags", PLATFORM_KEY),
    call("kms:CreateGrant", PLATFORM_KEY),
    // Roles: every one named platform-*, with the boundary, the program's managed policies.
    call("iam:CreateRole", role("platform-eksRole-0a1b2c"), withBoundary),
    call("iam:AttachRolePolicy", role("platform-eksRole-0a1b2c"), {
        ...withBoundary,
        "iam:PolicyARN": "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
    }),
    call("iam:PutRolePolicy", role("platform-cert-manager"), withBoundary),
    call("iam:GetRole", role("platform-nodes")),
    call("iam:PassRole", role("platform-eksRole-0a1b2c"), { "iam:PassedToService": "eks.amazonaws.com" }),
    call("iam:PassRole", role("platform-nodes"), { "iam:PassedToService": "eks.amazonaws.com" }),
    call("iam:PassRole", role("platform-cert-manager"), { "iam:PassedToService": "pods.eks.amazonaws.com" }),
    call("iam:CreateServiceLinkedRole", `arn:aws:iam::${prod}:role/aws-service-role/eks-nodegroup.amazonaws.com/*`, {
        "iam:AWSServiceName": "eks-nodegroup.amazonaws.com",
    }),
    call("iam:CreateOpenIDConnectProvider", `arn:aws:iam::${prod}:oidc-provider/oidc.eks.${region}.amazonaws.com/id/ABC`),
    // The cluster, its access entries, node group, add-ons and Pod Identity associations.
    call("eks:CreateCluster", `arn:aws:eks:${region}:${prod}:cluster/shop-prod`, OWNER),
    call("eks:DescribeCluster", `arn:aws:eks:${region}:${prod}:cluster/shop-prod`),
    call("eks:CreateAccessEntry", `arn:aws:eks:${region}:${prod}:access-entry/shop-prod/role/${prod}/github-deploy/x`),
    call("eks:AssociateAccessPolicy", `arn:aws:eks:${region}:${prod}:access-entry/shop-prod/role/${prod}/github-deploy/x`),
    call("eks:CreateNodegroup", `arn:aws:eks:${region}:${prod}:nodegroup/shop-prod/nodes/x`),
    call("eks:CreateAddon", `arn:aws:eks:${region}:${prod}:addon/shop-prod/coredns/x`),
    call("eks:CreatePodIdentityAssociation", `arn:aws:eks:${region}:${prod}:podidentityassociation/shop-prod/a-1`),
    call("logs:DescribeLogGroups", "*"),
    // The Gateway's alias records (components/gatewayDns.ts): A records in the stack's zone.
    call("route53:GetHostedZone", ZONE),
    call("route53:ChangeResourceRecordSets", ZONE, ALIAS_RECORD),
    call("route53:GetChange", "arn:aws:route53:::change/C0123456789"),
    call("route53:ListResourceRecordSets", ZONE),
];

describe("the deploy role, evaluated (bootstrap/policies.ts through bootstrap/iamEvaluator.ts)", () => {
    it("allows every call of prod's first `pulumi up`", () => {
        const refused = FIRST_UP.map((c) => ({ c, d: decide("prod", c) })).filter(({ d }) => d.kind !== "allowed");
        assert.deepEqual(
            refused.map(({ c, d }) => `${c.action} ${c.resource}: ${d.kind === "denied" ? d.reason : ""}`),
            [],
        );
        assert.ok(FIRST_UP.length > 50);
    });

    it("allows nonprod's `pulumi stack init` and first `up` state calls to nonprod's own deploy role, across accounts into prod's bucket", () => {
        // pulumi stack init --secrets-provider awskms://<nonprod key>: the backend's meta, the new
        // checkpoint written, the data key encrypted with nonprod's key (docs/real-path.md, docs/first-run.md).
        for (const c of [...stateCalls("nonprod"), call("kms:GenerateDataKey", keyArn("nonprod"))])
            assert.equal(decide("nonprod", c).kind, "allowed", `${c.action} ${c.resource}`);
        // Not prod's objects, nor prod's key.
        for (const c of [
            call("s3:PutObject", `${bucketArn}/.pulumi/stacks/k8s-platform/prod.json`),
            call("s3:GetObject", `${bucketArn}/.pulumi/stacks/k8s-platform/prod.json`),
            call("kms:Decrypt", keyArn("prod")),
        ])
            assert.equal(decide("nonprod", c).kind, "denied", `${c.action} ${c.resource}`);
    });

    describe("denies each escalation the review found", () => {
        const denied = (c: Call, why?: RegExp) => {
            const d = decide("prod", c);
            assert.equal(d.kind, "denied", `${c.action} ${c.resource} was allowed`);
            if (why && d.kind === "denied") assert.match(d.reason, why);
        };

        it("takes over no KMS key: tagging another's key is refused or gains nothing, and no key is managed by its tag", () => {
            // Re-labelling a key that has an owner.
            denied(call("kms:TagResource", FOREIGN_KEY, { ...OWNER, "aws:ResourceTag/owner": "security" }), /KeyOwnerStays/);
            denied(call("kms:UntagResource", PLATFORM_KEY, { "aws:TagKeys": ["owner"], ...OWNED }), /KeyOwnerStays/);
            // Even a key that carries the platform's tag (set before, by anyone) grants nothing: only the key policy does.
            for (const action of ["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:Decrypt", "kms:CreateGrant", "kms:DisableKey"])
                denied(call(action, FOREIGN_KEY, OWNED), /no identity policy allows it/);
            // The bootstrap's state key is administered by its account, not by the deploy role.
            for (const action of ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey"])
                denied(call(action, keyArn("prod"), { "aws:ResourceTag/owner": "platform-bootstrap" }));
        });

        it("creates no role outside the boundary, of another name, or with another policy, and leaves the boundary alone", () => {
            denied(call("iam:CreateRole", role("platform-x")));
            denied(call("iam:CreateRole", role("admin"), withBoundary));
            denied(
                call("iam:CreateRole", role("platform-x"), { "iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess" }),
            );
            denied(
                call("iam:AttachRolePolicy", role("platform-x"), {
                    ...withBoundary,
                    "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess",
                }),
            );
            denied(call("iam:DeleteRolePermissionsBoundary", role("platform-x")), /BoundaryStays/);
            for (const action of ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"])
                denied(call(action, `arn:aws:iam::${prod}:policy/${BOUNDARY_POLICY}`), /BoundaryStays/);
        });

        it("never changes its own role, its sibling or the GitHub OIDC provider, and makes no user, key or instance profile", () => {
            for (const action of [
                "iam:PutRolePolicy",
                "iam:AttachRolePolicy",
                "iam:UpdateAssumeRolePolicy",
                "iam:DeleteRolePermissionsBoundary",
            ])
                denied(call(action, deployRole("prod"), withBoundary), /DeployRoleLeavesTheBootstrapAlone|BoundaryStays/);
            denied(call("iam:UpdateAssumeRolePolicy", role("github-preview")), /DeployRoleLeavesTheBootstrapAlone/);
            denied(call("iam:DeleteOpenIDConnectProvider", `arn:aws:iam::${prod}:oidc-provider/token.actions.githubusercontent.com`));
            for (const action of ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:CreateInstanceProfile"])
                denied(call(action, `arn:aws:iam::${prod}:user/x`), /DeployRoleDenies/);
            // No hop into a role it made (whatever that role's trust says).
            denied(call("sts:AssumeRole", role("platform-x")), /DeployRoleDenies/);
        });

        it("passes roles to EKS and Pod Identity only, never to EC2", () => {
            denied(call("iam:PassRole", role("platform-nodes"), { "iam:PassedToService": "ec2.amazonaws.com" }));
            denied(call("iam:PassRole", role("platform-nodes"), { "iam:PassedToService": "lambda.amazonaws.com" }));
            denied(call("iam:PassRole", role("admin"), { "iam:PassedToService": "eks.amazonaws.com" }));
        });

        it("touches no EC2 resource the platform does not own, and takes none over by tagging it", () => {
            const foreignVpc = `arn:aws:ec2:${region}:${prod}:vpc/vpc-0other`;
            const foreignInstance = `arn:aws:ec2:${region}:${prod}:instance/i-0other`;
            denied(call("ec2:DeleteVpc", foreignVpc, { "aws:ResourceTag/owner": "data-team" }));
            denied(call("ec2:TerminateInstances", foreignInstance));
            denied(call("ec2:AuthorizeSecurityGroupIngress", `arn:aws:ec2:${region}:${prod}:security-group/sg-0other`));
            denied(call("ec2:CreateTags", foreignVpc, { ...OWNER }), /NetworkOwnerOnlyAtCreation/);
            denied(call("ec2:DeleteTags", vpc, { "aws:TagKeys": ["owner"], ...OWNED }), /NetworkOwnerOnlyAtCreation/);
            denied(call("ec2:CreateVpc", `arn:aws:ec2:${region}:${prod}:vpc/*`));
            // The request tag is no licence to copy or share someone else's data (review of the change).
            denied(call("ec2:CreateSnapshot", `arn:aws:ec2:${region}:${prod}:volume/vol-0someone`, OWNER), /DeployRoleDenies/);
            denied(call("ec2:ModifySnapshotAttribute", `arn:aws:ec2:${region}:${prod}:snapshot/snap-0new`, OWNED), /DeployRoleDenies/);
            denied(call("ec2:CreateImage", `arn:aws:ec2:${region}:${prod}:instance/i-0other`, OWNER), /DeployRoleDenies/);
            denied(call("ec2:CreateVpcPeeringConnection", `arn:aws:ec2:${region}:${prod}:vpc/vpc-0other`, OWNER), /DeployRoleDenies/);
        });

        // Any A record of those zones, not only the listeners' names: the bootstrap is not told the hostnames.
        it("writes DNS only as A records in the bootstrap's zones, no load balancer, and no cluster outside its account and region", () => {
            const records = (types: string[], actions: string[]) => ({
                "route53:ChangeResourceRecordSetsRecordTypes": types,
                "route53:ChangeResourceRecordSetsActions": actions,
            });
            assert.equal(decide("prod", call("route53:ChangeResourceRecordSets", ZONE, records(["A"], ["UPSERT"]))).kind, "allowed");
            // No TXT (SPF, DMARC, verification, ACME), no NS or MX, nothing in another zone.
            denied(call("route53:ChangeResourceRecordSets", ZONE, records(["TXT"], ["UPSERT"])));
            denied(call("route53:ChangeResourceRecordSets", ZONE, records(["A", "NS"], ["UPSERT"])));
            denied(call("route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z0OTHERZONE", records(["A"], ["CREATE"])));
            denied(call("route53:DeleteHostedZone", ZONE));
            denied(call("elasticloadbalancing:DeleteLoadBalancer", `arn:aws:elasticloadbalancing:${region}:${prod}:loadbalancer/net/x/y`));
            denied(call("eks:DeleteCluster", `arn:aws:eks:us-east-1:${prod}:cluster/other`));
        });

        it("cannot erase or shorten the control plane's audit logs", () => {
            const group = `arn:aws:logs:${region}:${prod}:log-group:/aws/eks/shop-prod/cluster`;
            for (const action of ["logs:DeleteLogGroup", "logs:DeleteLogStream", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy"])
                denied(call(action, group), /DeployRoleDenies/);
        });

        it("writes no other stack's state and changes no bucket setting", () => {
            const nonprodDecide = (c: Call) => decide("nonprod", c);
            assert.equal(nonprodDecide(call("s3:PutObject", `${bucketArn}/.pulumi/stacks/k8s-platform/prod.json`)).kind, "denied");
            denied(call("s3:PutObject", `${bucketArn}/.pulumi/stacks/k8s-platform/nonprod.json`));
            denied(call("s3:PutBucketPolicy", bucketArn), /DeployRoleDenies/);
            denied(call("s3:DeleteBucket", bucketArn), /DeployRoleDenies/);
        });
    });

    it("gives the roles the program creates, within the boundary, no IAM, STS, S3 or key administration", () => {
        const bounded = (action: string, resource = "*") =>
            evaluate(
                { principal: role("platform-cert-manager"), action, resource, context: {} },
                {
                    identity: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }],
                    boundary: asDoc(platformBoundaryPolicy(["Z0123456789ABC"])),
                },
            ).kind;
        for (const action of ["iam:CreateRole", "iam:PassRole", "sts:AssumeRole", "s3:GetObject", "kms:Decrypt", "kms:PutKeyPolicy"])
            assert.equal(bounded(action), "denied", action);
        assert.equal(bounded("ec2:DescribeInstances"), "allowed");
    });

    it("lets a role within the boundary write DNS records only in the zones the bootstrap was given", () => {
        const record = (zone: string) =>
            evaluate(
                {
                    principal: role("platform-cert-manager"),
                    action: "route53:ChangeResourceRecordSets",
                    resource: `arn:aws:route53:::hostedzone/${zone}`,
                },
                {
                    identity: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "route53:*", Resource: "*" }] }],
                    boundary: asDoc(platformBoundaryPolicy(["Z0123456789ABC"])),
                },
            ).kind;
        assert.equal(record("Z0123456789ABC"), "allowed");
        assert.equal(record("ZOTHERTEAMSZONE"), "denied");
        assert.throws(() => platformBoundaryPolicy([]), /name at least one zone/);
    });

    it("leaves the preview role without a single write", () => {
        const preview = (action: string, resource: string) =>
            evaluate(
                { principal: `arn:aws:iam::${prod}:role/github-preview`, action, resource },
                { identity: [asDoc(previewPolicy(names("prod")))] },
            ).kind;
        for (const [action, resource] of [
            ["s3:PutObject", `${bucketArn}/.pulumi/stacks/k8s-platform/prod.json`],
            ["ec2:CreateVpc", "*"],
            ["eks:CreateCluster", `arn:aws:eks:${region}:${prod}:cluster/shop-prod`],
            ["kms:Encrypt", keyArn("prod")],
        ])
            assert.equal(preview(action!, resource!), "denied", action);
    });
});

describe("the cluster's secrets key (components/cluster.ts)", () => {
    it("carries a key policy naming prod's deploy role, so the first `up` manages it without a tag-based grant", async () => {
        const run = await runStack("prod");
        const key = ofType(run, "aws:kms/key:Key");
        assert.equal(key.length, 1);
        assert.deepEqual(JSON.parse(String(key[0]!.inputs["policy"])), platformKeyPolicy(prod, deployRole("prod")));
    });
});

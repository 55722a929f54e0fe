import { strict as assert } from "assert";
import { Document, conditionHolds, evaluate, wildcardMatch } from "../bootstrap/iamEvaluator";

const doc = (...Statement: Document["Statement"]): Document => ({ Version: "2012-10-17", Statement });
const role = "arn:aws:iam::111122223333:role/app";

describe("IAM policy evaluator (bootstrap/iamEvaluator.ts)", () => {
    it("matches IAM wildcards: * any run, ? one character, actions case-insensitively", () => {
        assert.ok(wildcardMatch("arn:aws:s3:::b/.pulumi/stacks/*", "arn:aws:s3:::b/.pulumi/stacks/p/nonprod.json"));
        assert.ok(!wildcardMatch("arn:aws:s3:::b/a?c", "arn:aws:s3:::b/abbc"));
        assert.ok(wildcardMatch("arn:aws:s3:::b/a?c", "arn:aws:s3:::b/abc"));
        assert.ok(!wildcardMatch("role/platform-*", "role/Platform-x"));
        const allowDescribe = doc({ Effect: "Allow", Action: "ec2:describe*", Resource: "*" });
        assert.equal(
            evaluate({ principal: role, action: "ec2:DescribeVpcs", resource: "*" }, { identity: [allowDescribe] }).kind,
            "allowed",
        );
    });

    it("denies by default, and an explicit deny wins over any allow", () => {
        assert.deepEqual(evaluate({ principal: role, action: "s3:GetObject", resource: "arn:aws:s3:::b/k" }, { identity: [] }), {
            kind: "denied",
            reason: "no policy allows it (implicit deny)",
        });
        const both = doc(
            { Sid: "All", Effect: "Allow", Action: "*", Resource: "*" },
            { Sid: "NoDelete", Effect: "Deny", Action: "s3:Delete*", Resource: "*" },
        );
        assert.deepEqual(evaluate({ principal: role, action: "s3:DeleteObject", resource: "arn:aws:s3:::b/k" }, { identity: [both] }), {
            kind: "denied",
            reason: "explicit deny: identity0:NoDelete",
        });
    });

    it("reads NotAction and NotResource as everything but", () => {
        const d = doc({ Effect: "Allow", NotAction: "iam:*", NotResource: "arn:aws:s3:::secret/*", Resource: undefined });
        assert.equal(
            evaluate({ principal: role, action: "s3:GetObject", resource: "arn:aws:s3:::b/k" }, { identity: [d] }).kind,
            "allowed",
        );
        assert.equal(evaluate({ principal: role, action: "iam:CreateRole", resource: "*" }, { identity: [d] }).kind, "denied");
        assert.equal(
            evaluate({ principal: role, action: "s3:GetObject", resource: "arn:aws:s3:::secret/k" }, { identity: [d] }).kind,
            "denied",
        );
    });

    it("applies the condition operators the documents use, a missing key failing all but Null, IfExists, ForAllValues and a plain negated operator", () => {
        const ctx = { "aws:RequestTag/owner": "platform-team", "aws:TagKeys": ["owner", "env"] };
        assert.ok(conditionHolds({ StringEquals: { "aws:RequestTag/owner": ["x", "platform-team"] } }, ctx));
        assert.ok(conditionHolds({ StringLike: { "aws:RequestTag/owner": "platform-*" } }, ctx));
        assert.ok(!conditionHolds({ StringNotEquals: { "aws:RequestTag/owner": "platform-team" } }, ctx));
        assert.ok(conditionHolds({ StringNotEquals: { "aws:RequestTag/owner": ["a", "b"] } }, ctx));
        assert.ok(conditionHolds({ "ForAnyValue:StringEquals": { "aws:TagKeys": ["owner"] } }, ctx));
        assert.ok(!conditionHolds({ "ForAllValues:StringEquals": { "aws:TagKeys": ["owner"] } }, ctx));
        assert.ok(conditionHolds({ "ForAllValues:StringEquals": { "aws:TagKeys": ["owner"] } }, {}));
        assert.ok(conditionHolds({ Null: { "aws:ResourceTag/owner": "true" } }, ctx));
        assert.ok(!conditionHolds({ Null: { "aws:ResourceTag/owner": "false" } }, ctx));
        assert.ok(!conditionHolds({ StringEquals: { "aws:ResourceTag/owner": "platform-team" } }, ctx));
        assert.ok(conditionHolds({ StringEqualsIfExists: { "aws:ResourceTag/owner": "platform-team" } }, ctx));
        // A negated operator on a missing key holds (nothing matches), unless a ForAnyValue set is asked for.
        assert.ok(conditionHolds({ StringNotEquals: { "aws:PrincipalAccount": "123456789012" } }, {}));
        assert.ok(conditionHolds({ ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/x" } }, {}));
        assert.ok(!conditionHolds({ "ForAnyValue:StringNotEquals": { "aws:TagKeys": ["owner"] } }, {}));
        assert.ok(conditionHolds({ ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/app" } }, { "aws:PrincipalArn": role }));
        assert.ok(conditionHolds({ Bool: { "aws:SecureTransport": "false" } }, { "aws:SecureTransport": "false" }));
        // Every key and operator must hold.
        assert.ok(!conditionHolds({ StringEquals: { "aws:RequestTag/owner": "platform-team", "aws:RequestTag/env": "prod" } }, ctx));
        assert.throws(() => conditionHolds({ NumericLessThan: { "aws:MultiFactorAuthAge": "3600" } }, {}), /NumericLessThan is not one/);
    });

    it("intersects identity policies with the permissions boundary", () => {
        const identity = doc({ Effect: "Allow", Action: ["s3:*", "iam:*"], Resource: "*" });
        const boundary = doc({ Effect: "Allow", Action: "s3:*", Resource: "*" });
        assert.equal(
            evaluate({ principal: role, action: "s3:GetObject", resource: "*" }, { identity: [identity], boundary }).kind,
            "allowed",
        );
        assert.deepEqual(evaluate({ principal: role, action: "iam:CreateRole", resource: "*" }, { identity: [identity], boundary }), {
            kind: "denied",
            reason: "outside the permissions boundary",
        });
    });

    it("needs both the identity policy and the resource policy across accounts, either within one", () => {
        const identity = doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" });
        const bucket = doc({
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::111122223333:root" },
            Action: "s3:GetObject",
            Resource: "*",
        });
        const req = { principal: role, action: "s3:GetObject", resource: "arn:aws:s3:::b/k" };
        assert.equal(evaluate(req, { identity: [identity], resourcePolicy: bucket, resourceAccount: "444455556666" }).kind, "allowed");
        assert.equal(evaluate(req, { identity: [], resourcePolicy: bucket, resourceAccount: "444455556666" }).kind, "denied");
        assert.equal(evaluate(req, { identity: [identity], resourceAccount: "444455556666" }).kind, "denied");
        const named = doc({ Effect: "Allow", Principal: { AWS: role }, Action: "s3:GetObject", Resource: "*" });
        assert.equal(evaluate(req, { identity: [], resourcePolicy: named }).kind, "allowed");
    });

    it("lets a KMS key policy rule: IAM counts only where the key policy admits the account, else the key policy must name the principal", () => {
        const iam = doc({ Effect: "Allow", Action: "kms:*", Resource: "*" });
        const key = "arn:aws:kms:eu-west-1:111122223333:key/k";
        const req = { principal: role, action: "kms:Decrypt", resource: key };
        const rootOnly = doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" });
        const someoneElse = doc({
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::111122223333:role/other" },
            Action: "kms:*",
            Resource: "*",
        });
        const namesRole = doc({ Effect: "Allow", Principal: { AWS: role }, Action: "kms:*", Resource: "*" });
        assert.equal(evaluate(req, { identity: [iam], resourcePolicy: rootOnly, resourceKind: "kms" }).kind, "allowed");
        assert.equal(evaluate(req, { identity: [], resourcePolicy: rootOnly, resourceKind: "kms" }).kind, "denied");
        assert.deepEqual(evaluate(req, { identity: [iam], resourcePolicy: someoneElse, resourceKind: "kms" }), {
            kind: "denied",
            reason: "the key policy allows it to nobody the principal is",
        });
        assert.equal(evaluate(req, { identity: [], resourcePolicy: namesRole, resourceKind: "kms" }).kind, "allowed");
    });
});

import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { DEPLOY_ROLE, PREVIEW_ROLE, environments } from "../bootstrap/policies";
import { configSchema } from "../config/shape";
import { PROJECT_DIR } from "./harness";

interface Row {
    readonly step: number;
    readonly who: string;
    readonly where: string;
    readonly role: string;
    readonly what: string;
}

/** The first-run table of docs/first-run.md, row by row. */
function firstRunTable(): Row[] {
    const text = fs.readFileSync(path.join(PROJECT_DIR, "docs", "first-run.md"), "utf8");
    return text
        .split("\n")
        .filter((line) => /^\| \d+ \|/.test(line))
        .map((line) => {
            const [step, who, where, role, what] = line
                .split("|")
                .slice(1, -1)
                .map((cell) => cell.trim());
            return { step: Number(step), who: who!, where: where!, role: role!, what: what! };
        });
}

const workflow = (file: string) =>
    parse(fs.readFileSync(path.join(PROJECT_DIR, ".github", "workflows", file), "utf8")) as {
        jobs: Record<string, { environment?: string; steps: { uses?: string; with?: Record<string, string> }[] }>;
    };

describe("the first run (docs/first-run.md) can be followed with roles that can be had", () => {
    const rows = firstRunTable();

    it("numbers its steps in order and names who, where and which role for each", () => {
        assert.deepEqual(
            rows.map((r) => r.step),
            rows.map((_, i) => i + 1),
        );
        assert.ok(rows.length >= 9);
        for (const r of rows) for (const cell of [r.who, r.where, r.role, r.what]) assert.ok(cell.length > 0, `step ${r.step}`);
    });

    it("runs every step that needs a GitHub role in a workflow job of exactly the environment that role trusts", () => {
        const githubRows = rows.filter((r) => /github-(deploy|preview)/.test(r.role));
        assert.ok(githubRows.length >= 5);
        for (const r of githubRows) {
            const role = /(nonprod|prod)'s `(github-deploy|github-preview)` \(environment `([\w-]+)`\)/.exec(r.role);
            assert.ok(role, `step ${r.step}: ${r.role}`);
            const [, stack, name, environment] = role;
            const expected = name === DEPLOY_ROLE ? environments(stack as "nonprod" | "prod").deploy : `preview-${stack}`;
            assert.equal(environment, expected, `step ${r.step}: ${name} of ${stack} trusts environment ${expected} only`);
            assert.ok([DEPLOY_ROLE, PREVIEW_ROLE].includes(name!));
            const where = /^workflow `([\w.-]+\.yml)`, job `([\w-]+)`$/.exec(r.where);
            assert.ok(where, `step ${r.step}: a GitHub role is had only in a workflow job: ${r.where}`);
            const job = workflow(where[1]!).jobs[where[2]!];
            assert.ok(job, `step ${r.step}: ${where[1]} has no job ${where[2]}`);
            assert.equal(job.environment, environment, `step ${r.step}: ${where[1]} ${where[2]}`);
            assert.ok(
                job.steps.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@")),
                `step ${r.step}: the job assumes the role`,
            );
        }
    });

    it("has no person assume a GitHub role: every other step is an account administrator's, or needs no AWS role", () => {
        for (const r of rows.filter((x) => !/github-(deploy|preview)/.test(x.role)))
            assert.ok(/^(nonprod|prod) account administrator$|^none in AWS$/.test(r.role), `step ${r.step}: ${r.role}`);
    });

    it("creates nonprod's stack before prod's, both before the first up, and deploys nonprod before prod", () => {
        const stepOf = (pattern: RegExp) => rows.find((r) => pattern.test(r.where) || pattern.test(r.what))!.step;
        const initNonprod = stepOf(/stack init organization\/k8s-platform\/nonprod/);
        const initProd = stepOf(/stack init organization\/k8s-platform\/prod/);
        const upNonprod = stepOf(/deploy\.yml`, job `nonprod`/);
        const upProd = stepOf(/deploy\.yml`, job `prod`/);
        assert.ok(
            initNonprod < initProd && initProd < upNonprod && upNonprod < upProd,
            JSON.stringify({ initNonprod, initProd, upNonprod, upProd }),
        );
    });
});

describe("docs/security-accounts.md", () => {
    const text = fs.readFileSync(path.join(PROJECT_DIR, "docs", "security-accounts.md"), "utf8");

    it("gives a row to every runner kind config knows, and to no other", () => {
        const runners = configSchema.shape.cluster.shape.endpoint.shape.runners.unwrap().options;
        const rows = [...text.matchAll(/^\| `([\w-]+)` \| (?!endpoint settings)/gm)].map((m) => m[1]);
        assert.deepEqual(rows, [...runners]);
    });

    it("says what pull-request code can read: both stacks' decrypted state, the cluster without Secrets, and no write", () => {
        const section = text.slice(text.indexOf("## What pull-request code can read"), text.indexOf("## The deploy role"));
        for (const phrase of [
            "`preview-nonprod`",
            "`preview-prod`",
            "`github-preview`",
            "nonprod's key",
            "never a\n  Secret",
            "never from a fork",
        ])
            assert.ok(section.includes(phrase), phrase);
        assert.match(section, /It cannot write anything/);
    });
});

import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { parse } from "yaml";
import { accessEntryDrift, formatAccessEntryDrift, listedEntries } from "../live/accessEntries";
import { PROJECT_DIR, stackConfig } from "./harness";

const declared = [
    { name: "platform-admins", principalArn: "arn:aws:iam::111122223333:role/platform-admin" },
    { name: "ci-deploy", principalArn: "arn:aws:iam::111122223333:role/github-deploy" },
];

describe("access entries against config (live/accessEntries.ts)", () => {
    it("reports an entry added outside the stack and a declared one missing; the stack's own node role is expected", () => {
        const findings = accessEntryDrift(declared, "111122223333", [
            "arn:aws:iam::111122223333:role/platform-admin",
            "arn:aws:iam::111122223333:role/platform-nodes-7f3a2b1",
            "arn:aws:iam::111122223333:role/contractor",
        ]);
        assert.deepEqual(findings, [
            { kind: "outside-stack", principalArn: "arn:aws:iam::111122223333:role/contractor" },
            { kind: "missing", name: "ci-deploy", principalArn: "arn:aws:iam::111122223333:role/github-deploy" },
        ]);
        assert.equal(
            formatAccessEntryDrift(findings),
            [
                "access entry arn:aws:iam::111122223333:role/contractor: not in cluster.accessEntries, added outside the stack (remove it, or declare it)",
                "access entry ci-deploy (arn:aws:iam::111122223333:role/github-deploy): declared in cluster.accessEntries, missing from the cluster",
            ].join("\n"),
        );
        // A platform-* role of another account is no role of this stack.
        assert.deepEqual(accessEntryDrift([], "111122223333", ["arn:aws:iam::444455556666:role/platform-nodes-1"]), [
            { kind: "outside-stack", principalArn: "arn:aws:iam::444455556666:role/platform-nodes-1" },
        ]);
        assert.equal(
            formatAccessEntryDrift(
                accessEntryDrift(
                    declared,
                    "111122223333",
                    declared.map((d) => d.principalArn),
                ),
            ),
            "access entries: as config declares them",
        );
    });

    it("reads only the output of aws eks list-access-entries", () => {
        assert.deepEqual(listedEntries({ accessEntries: ["arn:aws:iam::1:role/a"] }), ["arn:aws:iam::1:role/a"]);
        for (const bad of [null, [], { accessEntries: [1] }, { entries: [] }]) assert.equal(typeof listedEntries(bad), "string");
    });

    it("`npm run access-drift` fails on an entry added by hand to nonprod's cluster, and passes on the declared ones", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "access-drift-"));
        try {
            const entries = (
                stackConfig("nonprod")["k8s-platform:cluster"] as { accessEntries: { principalArn: string }[] }
            ).accessEntries.map((e) => e.principalArn);
            const run = (listed: string[]) => {
                const file = path.join(dir, "entries.json");
                fs.writeFileSync(file, JSON.stringify({ accessEntries: listed }));
                return spawnSync(
                    process.execPath,
                    ["--require", "tsx/cjs", path.join(PROJECT_DIR, "scripts", "accessDrift.ts"), "nonprod", file],
                    {
                        cwd: PROJECT_DIR,
                        encoding: "utf8",
                    },
                );
            };
            const clean = run([...entries, "arn:aws:iam::111122223333:role/platform-nodes-1"]);
            assert.equal(clean.status, 0, clean.stderr);
            assert.equal(clean.stdout, "access entries: as config declares them\n");
            const drifted = run([...entries, "arn:aws:iam::111122223333:role/contractor"]);
            assert.equal(drifted.status, 1, drifted.stderr);
            assert.match(drifted.stdout, /role\/contractor: not in cluster\.accessEntries, added outside the stack/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("drift.yml lists each stack's access entries with the preview role and checks them, even after a drifted preview", () => {
        const wf = parse(fs.readFileSync(path.join(PROJECT_DIR, ".github", "workflows", "drift.yml"), "utf8")) as {
            jobs: Record<string, { steps: { name?: string; if?: string; run?: string }[] }>;
        };
        const step = wf.jobs["drift"]!.steps.find((s) => s.name === "access entries against config")!;
        assert.equal(step.if, "success() || failure()");
        assert.deepEqual(step.run!.trim().split("\n"), [
            'aws eks list-access-entries --cluster-name "$(pulumi stack output clusterName --stack "$STACK")" --output json > access-entries.json',
            'npm run --silent access-drift -- "${{ matrix.stack }}" access-entries.json',
        ]);
    });
});

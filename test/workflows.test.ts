import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { validateWorkflow } from "@action-validator/core";
import { parse } from "yaml";
import { PROJECT_DIR, runStack } from "./harness";
import { TOOLS_NAMESPACE } from "../compiler/intent";
import { GATEWAY_SERVICE_NAME } from "../compiler/platform";
import { managedSecurityGroupFilters } from "../live/securityGroup";

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}
interface Job {
    needs?: string | string[];
    env?: Record<string, string>;
    "runs-on"?: string;
    if?: string;
    environment?: string;
    permissions?: Record<string, string>;
    strategy?: { matrix?: Record<string, unknown> };
    steps: Step[];
    "timeout-minutes"?: number;
}
interface Workflow {
    on: Record<string, unknown>;
    permissions: Record<string, string>;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    env?: Record<string, string>;
    jobs: Record<string, Job>;
}

const DIR = path.join(PROJECT_DIR, ".github", "workflows");
/** The Pulumi CLI every workflow pins: the version of the SDK the program is built with. */
const PULUMI_VERSION = (
    JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { dependencies: Record<string, string> }
).dependencies["@pulumi/pulumi"]!;
const text = (file: string) => fs.readFileSync(path.join(DIR, file), "utf8");
const load = (file: string) => parse(text(file)) as Workflow;
const stepsUsing = (job: Job, action: string) => job.steps.filter((s) => s.uses?.startsWith(`${action}@`));
const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");

/** Inputs of pulumi/actions@v6 (its action.yml); a typo in `with` would be silently ignored. */
const PULUMI_ACTION_INPUTS = new Set([
    "command",
    "stack-name",
    "work-dir",
    "comment-on-pr",
    "comment-on-pr-number",
    "comment-on-summary",
    "github-token",
    "cloud-url",
    "secrets-provider",
    "parallel",
    "message",
    "config-map",
    "expect-no-changes",
    "diff",
    "replace",
    "exclude",
    "exclude-dependents",
    "target",
    "target-dependents",
    "policyPacks",
    "policyPackConfigs",
    "refresh",
    "upsert",
    "remove",
    "edit-pr-comment",
    "color",
    "exclude-protected",
    "plan",
    "suppress-outputs",
    "suppress-progress",
    "always-include-summary",
    "continue-on-error",
    "log-verbosity",
    "log-flow",
    "debug",
    "pulumi-version",
    "pulumi-version-file",
]);

describe("the GitHub workflows", () => {
    const files = ["pull-request.yml", "deploy.yml", "drift.yml", "stack-init.yml"];

    it("are exactly the four expected ones", () => {
        assert.deepEqual(fs.readdirSync(DIR).sort(), [...files].sort());
    });

    for (const file of files) {
        it(`${file} holds no account, organization or role: they are variables of the stack's environment`, () => {
            assert.doesNotMatch(text(file), /\b\d{12}\b/, "an AWS account ID");
            assert.doesNotMatch(text(file), /arn:aws|role\/|organization\//, "a role ARN or a stack's organization");
            for (const [name, job] of Object.entries(load(file).jobs)) {
                if (stepsUsing(job, "aws-actions/configure-aws-credentials").length === 0) continue;
                assert.ok(job.environment, `${file} ${name} assumes a role outside an environment`);
                assert.equal(
                    job.env?.["PULUMI_BACKEND_URL"],
                    "${{ vars.PULUMI_BACKEND_URL }}",
                    `${file} ${name}: the environment's backend`,
                );
                assert.match(job.env?.["STACK"] ?? "", /^\$\{\{ vars\.PULUMI_ORG \}\}\/k8s-platform\//, `${file} ${name}`);
                // A job of one stack runs in that stack's environment; a matrix job in each stack's own.
                const stack = /k8s-platform\/(.+)$/.exec(job.env!["STACK"]!)![1]!;
                if (stack === "${{ matrix.stack }}") assert.match(job.environment!, /\$\{\{ matrix\.stack \}\}/, `${file} ${name}`);
                else
                    assert.ok(
                        ({ nonprod: ["nonprod"], prod: ["preview-prod", "production"] } as Record<string, string[]>)[stack]!.includes(
                            job.environment!,
                        ),
                        `${file} ${name}: ${job.environment} is not ${stack}'s`,
                    );
            }
        });

        it(`${file} pins the Pulumi CLI to the SDK's version wherever it installs one`, () => {
            for (const job of Object.values(load(file).jobs))
                for (const step of [...stepsUsing(job, "pulumi/setup-pulumi"), ...stepsUsing(job, "pulumi/actions")])
                    assert.equal(step.with?.["pulumi-version"], PULUMI_VERSION, JSON.stringify(step));
        });

        it(`${file} passes the GitHub Actions workflow validator`, () => {
            assert.deepEqual(validateWorkflow(text(file)).errors, []);
        });

        it(`${file} uses OIDC role assumption, never stored AWS keys, and grants at most what each job needs`, () => {
            const wf = load(file);
            assert.doesNotMatch(text(file), /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|PULUMI_ACCESS_TOKEN/);
            assert.deepEqual(wf.permissions, { contents: "read" });
            for (const [name, job] of Object.entries(wf.jobs)) {
                assert.ok(job["timeout-minutes"], `${file} ${name} has no timeout`);
                const creds = stepsUsing(job, "aws-actions/configure-aws-credentials");
                for (const c of creds) assert.match(String(c.with?.["role-to-assume"]), /^\$\{\{ vars\.AWS_ROLE_ARN \}\}$/);
                const perms = job.permissions ?? {};
                assert.equal(
                    perms["id-token"] === "write",
                    creds.length > 0,
                    `${file} ${name}: id-token write exactly where AWS is assumed`,
                );
                const writes = Object.entries(perms)
                    .filter(([, v]) => v === "write")
                    .map(([k]) => k);
                for (const w of writes) assert.ok(["id-token", "pull-requests"].includes(w), `${file} ${name} writes ${w}`);
                for (const step of stepsUsing(job, "pulumi/actions")) {
                    for (const key of Object.keys(step.with ?? {}))
                        assert.ok(PULUMI_ACTION_INPUTS.has(key), `${file} ${name}: unknown pulumi/actions input ${key}`);
                }
            }
        });
    }

    for (const file of files) {
        it(`${file} pins every action by the commit of a release, named in a comment`, () => {
            const text = fs.readFileSync(path.join(PROJECT_DIR, ".github", "workflows", file), "utf8");
            const uses = [...text.matchAll(/^\s*(?:- )?uses: (\S+)(.*)$/gm)];
            assert.ok(uses.length > 0);
            for (const [, action, comment] of uses) {
                assert.match(action!, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${file}: ${action} is not pinned by commit`);
                assert.match(comment!, /^ # v\d+\.\d+\.\d+$/, `${file}: ${action} names no release`);
            }
        });

        it(`${file} runs every job that reaches the cluster on the CLUSTER_RUNNER setting, the others on GitHub-hosted runners`, () => {
            for (const [name, job] of Object.entries(load(file).jobs)) {
                const reachesCluster = stepsUsing(job, "aws-actions/configure-aws-credentials").length > 0;
                assert.equal(job["runs-on"], reachesCluster ? "${{ vars.CLUSTER_RUNNER }}" : "ubuntu-latest", `${file} ${name}`);
            }
        });

        it(`${file} runs on the Node.js of .nvmrc (22, which is still supported), as local use does`, () => {
            const versions = Object.values(load(file).jobs).flatMap((j) =>
                stepsUsing(j, "actions/setup-node").map((st) => [st.with?.["node-version-file"], st.with?.["node-version"]]),
            );
            // stack-init.yml runs no program (pulumi stack init reads only Pulumi.yaml): no Node.js at all.
            if (file === "stack-init.yml") return assert.deepEqual(versions, []);
            assert.ok(versions.length > 0);
            assert.deepEqual([...new Set(versions.map((v) => JSON.stringify(v)))], [JSON.stringify([".nvmrc", undefined])]);
            assert.match(fs.readFileSync(path.join(PROJECT_DIR, ".nvmrc"), "utf8"), /^22\.\d+\.\d+\n$/);
        });
    }

    describe("pull-request.yml", () => {
        const wf = load("pull-request.yml");

        it("never runs a fork's pull request on the runner that reaches the clusters", () => {
            for (const [name, job] of Object.entries(wf.jobs))
                if (job["runs-on"] === "${{ vars.CLUSTER_RUNNER }}")
                    assert.equal(job.if, "github.event.pull_request.head.repo.full_name == github.repository", name);
        });

        it("runs on pull requests to main, cancelling superseded runs", () => {
            assert.deepEqual(wf.on, { pull_request: { branches: ["main"] } });
            assert.equal(wf.concurrency?.["cancel-in-progress"], true);
        });

        it("installs with npm ci, runs the tests and both offline plans", () => {
            const checks = wf.jobs["checks"]!;
            assert.match(runs(checks), /^npm ci$/m);
            assert.match(runs(checks), /^npm test$/m);
            assert.match(runs(checks), /npm run --silent plan -- nonprod\nnpm run --silent plan -- prod/);
        });

        it("previews both stacks with a diff and the policy pack, editing one PR comment each", () => {
            const preview = wf.jobs["preview"]!;
            assert.deepEqual(preview.strategy?.matrix?.["stack"], ["nonprod", "prod"]);
            assert.deepEqual(preview.permissions, { contents: "read", "id-token": "write", "pull-requests": "write" });
            const [pulumi] = stepsUsing(preview, "pulumi/actions");
            assert.equal(preview.environment, "preview-${{ matrix.stack }}");
            assert.equal(preview.env?.["STACK"], "${{ vars.PULUMI_ORG }}/k8s-platform/${{ matrix.stack }}");
            assert.deepEqual(pulumi!.with, {
                command: "preview",
                "pulumi-version": PULUMI_VERSION,
                "stack-name": "${{ env.STACK }}",
                diff: true,
                "comment-on-pr": true,
                "edit-pr-comment": true,
                "always-include-summary": true,
                policyPacks: "policy",
                policyPackConfigs: "policy/config/${{ matrix.stack }}.json",
            });
            const gate = preview.steps.find((s) => s.run?.includes("preview-gate"))!;
            assert.equal(gate.if, "matrix.stack == 'prod'");
            assert.match(gate.run!, /pulumi preview --stack "\$STACK" --json > preview\.json/);
        });

        it("never runs pull-request code in a deploy environment: only the read-only preview roles", () => {
            const environments = Object.values(wf.jobs).flatMap((j) => (j.environment ? [j.environment] : []));
            assert.deepEqual(environments, ["preview-${{ matrix.stack }}"]);
        });

        it("posts the connectivity diff of both stacks against the base branch as one sticky comment", () => {
            const job = wf.jobs["connectivity"]!;
            assert.deepEqual(job.permissions, { contents: "read", "pull-requests": "write" });
            assert.equal(stepsUsing(job, "actions/checkout")[0]!.with?.["fetch-depth"], 0);
            const diff = job.steps.find((s) => s.run?.includes("netpol -- diff"))!;
            assert.match(diff.run!, /for stack in nonprod prod/);
            assert.match(diff.run!, /--stack "\$stack" "origin\/\$BASE_REF" HEAD/);
            assert.match(diff.run!, /--format markdown --max-chars 30000/);
            assert.equal(diff.env?.["BASE_REF"], "${{ github.base_ref }}", "the branch name reaches the shell as data, not code");
            const [comment] = stepsUsing(job, "marocchino/sticky-pull-request-comment");
            assert.deepEqual(comment!.with, { header: "connectivity-diff", path: "connectivity.md" });
        });
    });

    describe("deploy.yml", () => {
        const wf = load("deploy.yml");

        it("deploys on merge to main, one run at a time, never cancelled halfway", () => {
            assert.deepEqual(Object.keys(wf.on).sort(), ["push", "workflow_dispatch"]);
            assert.deepEqual(wf.on["push"], { branches: ["main"] });
            assert.deepEqual(wf.concurrency, { group: "deploy", "cancel-in-progress": false });
        });

        it("runs pulumi up on nonprod first, after the tests", () => {
            const job = wf.jobs["nonprod"]!;
            assert.equal(job.needs, "checks");
            assert.equal(job.environment, "nonprod");
            assert.equal(job.env?.["STACK"], "${{ vars.PULUMI_ORG }}/k8s-platform/nonprod");
            assert.deepEqual(stepsUsing(job, "pulumi/actions")[0]!.with?.["command"], "up");
            assert.equal(stepsUsing(job, "pulumi/actions")[0]!.with?.["policyPackConfigs"], "policy/config/nonprod.json");
        });

        it("previews prod only after nonprod succeeded, saving the plan and passing the preview gate", () => {
            const job = wf.jobs["prod-plan"]!;
            assert.equal(job.needs, "nonprod");
            assert.equal(job.environment, "preview-prod", "prod's account, read-only");
            assert.equal(job.env?.["STACK"], "${{ vars.PULUMI_ORG }}/k8s-platform/prod");
            assert.match(runs(job), /pulumi preview --stack "\$STACK" --diff/);
            assert.match(runs(job), /--policy-pack policy --policy-pack-config policy\/config\/prod\.json/);
            assert.match(runs(job), /--save-plan prod-plan\.json --json > preview\.json/);
            assert.match(runs(job), /npm run --silent preview-gate -- preview\.json/);
            assert.equal(stepsUsing(job, "actions/upload-artifact")[0]!.with?.["name"], "prod-plan-${{ github.sha }}");
        });

        it("applies exactly that plan in prod behind the production environment", () => {
            const job = wf.jobs["prod"]!;
            assert.equal(job.needs, "prod-plan");
            assert.equal(job.environment, "production");
            assert.equal(stepsUsing(job, "actions/download-artifact")[0]!.with?.["name"], "prod-plan-${{ github.sha }}");
            assert.equal(job.env?.["STACK"], "${{ vars.PULUMI_ORG }}/k8s-platform/prod");
            assert.match(runs(job), /pulumi up --stack "\$STACK" --yes --skip-preview/);
            assert.match(runs(job), /--plan prod-plan\.json/);
            assert.match(runs(job), /--policy-pack-config policy\/config\/prod\.json/);
            assert.equal(job.if, "${{ !inputs.apply_without_plan }}");
        });

        it("offers a reviewed fallback that applies the same commit without the saved plan, behind the same approval", () => {
            assert.deepEqual(wf.on["workflow_dispatch"], {
                inputs: {
                    apply_without_plan: {
                        description:
                            'Fallback: apply this commit to prod with a fresh preview instead of the saved plan, after the same approval. Only when `pulumi up --plan` failed with "violates plan" (docs/delivery.md).',
                        type: "boolean",
                        default: false,
                    },
                },
            });
            const job = wf.jobs["prod-without-plan"]!;
            assert.equal(job.needs, "prod-plan", "the same commit's preview, gate and policy pack ran first");
            assert.equal(job.environment, "production");
            assert.equal(job.if, "${{ inputs.apply_without_plan }}");
            assert.equal(job.env?.["STACK"], "${{ vars.PULUMI_ORG }}/k8s-platform/prod");
            assert.match(runs(job), /pulumi up --stack "\$STACK" --yes --diff/);
            assert.match(runs(job), /--policy-pack policy --policy-pack-config policy\/config\/prod\.json/);
            assert.doesNotMatch(runs(job), /--plan|--skip-preview/);
        });

        it("sets PULUMI_EXPERIMENTAL only on the steps that save or apply an update plan", () => {
            assert.equal(wf.env?.["PULUMI_EXPERIMENTAL"], undefined);
            const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
            const experimental = steps.filter((st) => st.env?.["PULUMI_EXPERIMENTAL"] === "true").map((st) => st.name ?? "");
            assert.deepEqual(experimental, ["Preview prod, save the update plan", "Apply exactly the previewed plan"]);
            for (const st of steps.filter((x) => /--save-plan|--plan /.test(x.run ?? "")))
                assert.ok(experimental.includes(st.name ?? ""), st.name);
        });
    });

    describe("drift.yml", () => {
        const wf = load("drift.yml");

        it("checks both stacks for drift on a schedule with a preview that refreshes, which takes no lock on the state", () => {
            assert.deepEqual(wf.on["schedule"], [{ cron: "17 5 * * *" }]);
            const job = wf.jobs["drift"]!;
            assert.deepEqual(job.strategy?.matrix?.["stack"], ["nonprod", "prod"]);
            assert.match(runs(job), /^pulumi preview --stack "\$STACK" --refresh --expect-no-changes --diff --non-interactive /m);
            assert.doesNotMatch(runs(job), /pulumi refresh|pulumi up/);
        });

        it("leaves the Helm v3 releases out of the refresh, whose state is Secrets the preview role may not read", () => {
            assert.match(runs(wf.jobs["drift"]!), /--exclude '\*\*helm\.sh\/v3:Release\*\*'$/m);
        });

        it("excludes exactly the two Helm v3 releases, as the CLI matches a URN glob", async () => {
            // pulumi/pulumi pkg/resource/deploy/target.go getMatcher: `**` is `.*`, `*` is `[^:]*`, anchored.
            const glob = /--exclude '([^']+)'/.exec(runs(wf.jobs["drift"]!))![1]!;
            const quote = (t: string) => t.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
            const matcher = new RegExp(
                "^" +
                    glob
                        .split("**")
                        .map((seg) => seg.split("*").map(quote).join("[^:]*"))
                        .join(".*") +
                    "$",
            );
            for (const stack of ["nonprod", "prod"]) {
                const run = await runStack(stack);
                assert.deepEqual(
                    run.registrations.filter((r) => matcher.test(r.urn)).map((r) => r.name),
                    ["calico-operator", "gateway-chart"],
                    stack,
                );
            }
        });

        it("compares the live policies and the gateway's data plane Service with the stack, also when the preview fails", () => {
            const step = wf.jobs["drift"]!.steps.find((st) => /netpol -- verify/.test(st.run ?? ""))!;
            assert.equal(step.if, "success() || failure()");
            assert.match(step.run!, /get namespaces,pods,networkpolicies,endpointslices,services -A -o json > live\.json$/m);
            assert.match(step.run!, /^npm run --silent netpol -- verify --stack "\$\{\{ matrix\.stack \}\}" --live live\.json$/m);
            assert.match(step.run!, /^trap 'rm -f kubeconfig\.json' EXIT$/m);
        });

        it("compares the NLB security group, found by the load balancer controller's tags, with config", () => {
            const step = wf.jobs["drift"]!.steps.find((st) => /edge-drift/.test(st.run ?? ""))!;
            assert.equal(step.if, "success() || failure()");
            const filters = [...step.run!.matchAll(/"(Name=tag:[^"]+)"/g)].map((m) => m[1]);
            assert.deepEqual(filters, managedSecurityGroupFilters("$CLUSTER", TOOLS_NAMESPACE, GATEWAY_SERVICE_NAME));
            assert.match(step.run!, /^npm run --silent edge-drift -- "\$\{\{ matrix\.stack \}\}" security-groups\.json$/m);
        });

        it("runs each stack in its preview environment, with that stack's role, backend and key", () => {
            const job = wf.jobs["drift"]!;
            assert.equal(job.environment, "preview-${{ matrix.stack }}");
            assert.equal(job.env?.["PULUMI_BACKEND_URL"], "${{ vars.PULUMI_BACKEND_URL }}");
            assert.equal(job.env?.["STACK"], "${{ vars.PULUMI_ORG }}/k8s-platform/${{ matrix.stack }}");
        });
    });

    it("gives each stack a policy pack config: mandatory in prod, advisory in nonprod", () => {
        const config = (stack: string) => JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policy", "config", `${stack}.json`), "utf8"));
        assert.equal(config("prod").all, "mandatory");
        assert.equal(config("nonprod").all, "advisory");
    });

    describe("stack-init.yml", () => {
        const wf = load("stack-init.yml");

        it("runs only by hand, one stack per run, never beside a deployment", () => {
            assert.deepEqual(Object.keys(wf.on), ["workflow_dispatch"]);
            const input = (wf.on["workflow_dispatch"] as { inputs: Record<string, { options: string[] }> }).inputs["stack"]!;
            assert.deepEqual(input.options, ["nonprod", "prod"]);
            assert.deepEqual(wf.concurrency, load("deploy.yml").concurrency);
            assert.deepEqual(
                Object.entries(wf.jobs).map(([name, job]) => [name, job.if, job.environment]),
                [
                    ["nonprod", "inputs.stack == 'nonprod'", "nonprod"],
                    ["prod", "inputs.stack == 'prod'", "production"],
                ],
            );
        });

        it("creates each stack with its deploy role and the secrets provider of its environment, and hands back the stack file", () => {
            for (const [stack, job] of Object.entries(wf.jobs)) {
                assert.equal(job.env?.["PULUMI_SECRETS_PROVIDER"], "${{ vars.PULUMI_SECRETS_PROVIDER }}");
                assert.equal(job.env?.["STACK"], `\${{ vars.PULUMI_ORG }}/k8s-platform/${stack}`);
                const lines = runs(job)
                    .split("\n")
                    .map((l) => l.trim())
                    .filter((l) => l !== "");
                assert.deepEqual(lines, [
                    'pulumi login "$PULUMI_BACKEND_URL"',
                    'pulumi stack init "$STACK" --secrets-provider "$PULUMI_SECRETS_PROVIDER" --non-interactive',
                    `git diff -- Pulumi.${stack}.yaml >> "$GITHUB_STEP_SUMMARY"`,
                ]);
                assert.deepEqual(stepsUsing(job, "actions/upload-artifact")[0]!.with?.["path"], `Pulumi.${stack}.yaml`);
            }
        });
    });

    describe("the real path's setup (docs/real-path.md) matches the workflows", () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "docs", "real-path.md"), "utf8");
        const section = (title: string) => {
            const start = readme.indexOf(title);
            assert.ok(start >= 0, title);
            const end = readme.indexOf("\n## ", start + title.length);
            return readme.slice(start, end < 0 ? undefined : end);
        };

        it("installs and runs the policy pack on the real path", () => {
            const real = section("## The real path");
            assert.match(real, /^npm ci --prefix policy/m);
            assert.match(real, /^pulumi preview --diff --policy-pack policy --policy-pack-config policy\/config\/nonprod\.json$/m);
            assert.match(real, /^pulumi up --policy-pack policy --policy-pack-config policy\/config\/nonprod\.json$/m);
        });

        it("names, for every environment a job assumes a role in, the role it holds and the OIDC subject that role trusts", () => {
            const setup = section("### One-time setup");
            for (const file of files) {
                for (const [name, job] of Object.entries(load(file).jobs)) {
                    if (stepsUsing(job, "aws-actions/configure-aws-credentials").length === 0) continue;
                    const environments = job.environment!.includes("${{ matrix.stack }}")
                        ? (job.strategy!.matrix!["stack"] as string[]).map((stack) =>
                              job.environment!.replace("${{ matrix.stack }}", stack),
                          )
                        : [job.environment!];
                    for (const environment of environments) {
                        const row = setup.split("\n").find((line) => line.trimStart().startsWith(`| \`${environment}\` |`));
                        assert.ok(row, `${file} ${name}: environment ${environment} has no row in One-time setup`);
                        assert.ok(row.includes(`repo:<org>/<repo>:environment:${environment}`), `${file} ${name}: ${environment}'s trust`);
                    }
                }
            }
        });

        it("explains both ways to reach the cluster and names the runner variable", () => {
            const setup = section("### One-time setup");
            assert.match(setup, /`CLUSTER_RUNNER`/);
            assert.match(setup, /self-hosted runner inside the cluster's VPC/);
            assert.match(setup, /larger runner[\s\S]*static IP addresses[\s\S]*`cluster\.endpoint\.publicAccessCidrs`/);
        });
    });
    describe("live verification (docs/live-verification.md)", () => {
        const live = fs.readFileSync(path.join(PROJECT_DIR, "docs", "live-verification.md"), "utf8");
        const nonprodConfig = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.nonprod.yaml"), "utf8")) as {
            config: Record<string, Record<string, unknown>>;
        };
        /** Every line a job's steps run, trimmed. */
        const commandLines = (job: Job) =>
            job.steps.flatMap((st) =>
                (st.run ?? "")
                    .split("\n")
                    .map((l) => l.trim())
                    .filter((l) => l !== ""),
            );

        it("pull-request.yml builds kind + Calico at the stacks' pinned versions and runs verify on the kind stack", () => {
            const job = load("pull-request.yml").jobs["live"]!;
            assert.equal(job.needs, "checks");
            assert.deepEqual(job.permissions, { contents: "read" });
            const env = (job as Job & { env: Record<string, string> }).env;
            assert.equal(env["CALICO_VERSION"], nonprodConfig.config["k8s-platform:calico"]!["version"]);
            assert.equal(env["GATEWAY_API_VERSION"], nonprodConfig.config["k8s-platform:gateway"]!["gatewayApiVersion"]);
            // kubectl and the kind node of the stacks' own Kubernetes minor.
            const minor = String(nonprodConfig.config["k8s-platform:cluster"]!["kubernetesVersion"]).replace(".", "\\.");
            assert.match(env["KUBECTL_VERSION"]!, new RegExp(`^v${minor}\\.\\d+$`), "kubectl of the stacks' Kubernetes minor");
            const kind = parse(fs.readFileSync(path.join(PROJECT_DIR, "live", "kind", "cluster.yaml"), "utf8")) as {
                networking: { disableDefaultCNI: boolean; podSubnet: string };
                nodes: { image: string }[];
            };
            assert.equal(kind.networking.disableDefaultCNI, true);
            for (const node of kind.nodes) assert.match(node.image, new RegExp(`^kindest/node:v${minor}\\.\\d+@sha256:[0-9a-f]{64}$`));
            assert.match(runs(job), /npm run --silent netpol -- verify --stack live\/kind\/Pulumi\.kind\.yaml/);
            assert.match(runs(job), /sha256sum --check[\s\S]*sha256sum --check/, "kind and kubectl checksums");
        });

        it("gives every wait of the kind job a time limit, and every step a bound", () => {
            const job = load("pull-request.yml").jobs["live"]!;
            for (const line of commandLines(job).filter((l) => /kubectl wait/.test(l))) assert.match(line, /--timeout=\d+s/, line);
            for (const st of job.steps.filter((x) => x.run && /kind create|kubectl|verify/.test(x.run)))
                assert.ok((st as Step & { "timeout-minutes"?: number })["timeout-minutes"], st.name);
        });

        it("runs only commands docs/live-verification.md gives for the kind job and the nonprod verify", () => {
            const jobs = [
                load("pull-request.yml").jobs["live"]!,
                load("deploy.yml").jobs["nonprod"]!,
                load("deploy.yml").jobs["prod-plan"]!,
            ];
            const lines = jobs
                .flatMap((j) => commandLines(j))
                .filter((l) => /kind|kubectl|docker|curl|sha256sum|sudo install|netpol|pulumi stack output|trap/.test(l));
            assert.ok(lines.length >= 15);
            for (const line of lines) assert.ok(live.includes(line), `docs/live-verification.md lacks: ${line}`);
            const env = (load("pull-request.yml").jobs["live"] as Job & { env: Record<string, string> }).env;
            assert.ok(
                live.includes(
                    `export ${Object.entries(env)
                        .map(([k, v]) => `${k}=${v}`)
                        .join(" ")}`,
                ),
                "docs/live-verification.md pins the same versions",
            );
        });

        it("deploy.yml verifies nonprod right after pulumi up, keeps the report, and gates prod on it", () => {
            const wf = load("deploy.yml");
            const nonprod = wf.jobs["nonprod"]!;
            const up = nonprod.steps.findIndex((st) => st.uses?.startsWith("pulumi/actions@"));
            const verify = nonprod.steps.findIndex((st) => st.run?.includes("netpol -- verify --stack nonprod"));
            assert.ok(verify > up && up >= 0);
            assert.match(nonprod.steps[verify]!.run!, /--report verify-report\.json/);
            const upload = stepsUsing(nonprod, "actions/upload-artifact")[0]!;
            assert.equal(upload.with?.["name"], "verify-nonprod-${{ github.sha }}");
            assert.equal(upload.if, "always()");
            const plan = wf.jobs["prod-plan"]!;
            assert.equal(stepsUsing(plan, "actions/download-artifact")[0]!.with?.["name"], "verify-nonprod-${{ github.sha }}");
            const gate = plan.steps.findIndex(
                (st) => st.run === "npm run --silent netpol -- verify --stack prod --evidence verify-report.json",
            );
            const preview = plan.steps.findIndex((st) => st.run?.includes("--save-plan"));
            assert.ok(gate >= 0 && gate < preview, "the verify gate runs before prod's plan is saved");
        });
    });
});

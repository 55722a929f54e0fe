/**
 * `npm run bench:refs`: how long `netpol diff --stack nonprod <ref> <ref>` takes for two refs
 * whose lock files equal the working tree's (no second install), against one offline plan of
 * nonprod. The budget is 3x the plan; exits 1 above it.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError, execute, parseCommand } from "../cli/args";

const USAGE = `usage: npm run bench:refs [-- --base <ref>] [--json]
Times netpol diff --stack nonprod <base> HEAD (default base: HEAD~1; two commits, two worktrees) against
npm run plan -- nonprod, each in a process of its own; the diff must take under 3x the plan.
exit codes: 0 within budget, 1 over budget, 2 usage error`;

process.exitCode = execute((io) => {
    const { flags, positionals } = parseCommand(process.argv.slice(2), { base: { type: "string" }, json: { type: "boolean" } }, USAGE);
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}\n\n${USAGE}`);
    const base = (flags["base"] as string | undefined) ?? "HEAD~1";
    const projectDir = path.resolve(__dirname, "..");
    const time = (args: string[]) => {
        const start = process.hrtime.bigint();
        execFileSync(process.execPath, ["--require", "tsx/cjs", ...args], { cwd: projectDir, stdio: "ignore" });
        return Number(process.hrtime.bigint() - start) / 1e6;
    };
    // The plan writes into a temporary folder: the user's out/nonprod stays as it was.
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-refs-"));
    let planMs: number;
    try {
        planMs = time(["scripts/plan.ts", "nonprod", "--out-dir", outDir]);
    } finally {
        fs.rmSync(outDir, { recursive: true, force: true });
    }
    const diffMs = time(["scripts/netpol.ts", "diff", "--stack", "nonprod", base, "HEAD"]);
    const ratio = diffMs / planMs;
    const result = { planMs: Math.round(planMs), diffMs: Math.round(diffMs), ratio: Math.round(ratio * 100) / 100, budget: 3 };
    io.stdout(
        flags["json"]
            ? `${JSON.stringify(result)}\n`
            : `plan nonprod: ${result.planMs} ms; diff --stack nonprod ${base} HEAD: ${result.diffMs} ms; ${result.ratio}x the plan (budget 3x)\n`,
    );
    return ratio < 3 ? 0 : 1;
});

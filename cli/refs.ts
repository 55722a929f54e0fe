/**
 * Builds a git ref of this repository with its own code: a temporary `git worktree` of the
 * commit, dependencies installed from the commit's own lock file, and the commit's compiled
 * namespaces, policies and intent world exported as JSON (scripts/exportCompiled.ts, or for
 * older commits cli/legacyExport.ts loading the commit's compiler by path).
 *
 * Installs are reused: a commit whose package-lock.json equals the working tree's uses the
 * working tree's node_modules; any other lock file is installed once (`npm ci`, install scripts
 * off) under node_modules/.cache/k8s-platform/refs/<sha256 of the lock file>/ and reused by every
 * later run with the same lock file. An install takes about 340 MB, so the cache is bounded: after
 * each new install only the REF_CACHE_KEEP most recently used installs stay (`installsToPrune`).
 */
import { execFileSync, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "./args";
import { CompiledExport } from "./compiledDiff";

export interface BuiltRef {
    /** `stack@ref` */
    readonly label: string;
    /** The commit built, or "working tree". */
    readonly commit: string;
    readonly compiled: CompiledExport;
    /** How the commit's dependencies were provided. */
    readonly install: "working tree" | "same lock file" | "cached" | "installed";
}

/**
 * How many installs of other lock files the cache keeps (about 340 MB each); `netpol diff --help`
 * says so. At least 2: the two refs of one diff may each need an install of their own.
 */
export const REF_CACHE_KEEP = 3;

/** Where those installs live, one folder per sha256 of a lock file. */
export function refCacheDir(projectDir: string): string {
    return path.join(projectDir, "node_modules", ".cache", "k8s-platform", "refs");
}

/** A cached install: its lock file's hash and when a diff last used it. */
export interface CachedInstall {
    readonly hash: string;
    readonly lastUsedMs: number;
}

/**
 * The installs to remove so that at most `keep` stay: the least recently used ones. The install
 * in use (`inUse`) always stays, counted among the `keep`. Ties go by hash, so the answer never
 * depends on the order the folder was listed in.
 */
export function installsToPrune(installs: readonly CachedInstall[], keep: number, inUse: string): string[] {
    const others = installs
        .filter((i) => i.hash !== inUse)
        .sort((a, b) => b.lastUsedMs - a.lastUsedMs || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
    const room = Math.max(0, keep - (installs.some((i) => i.hash === inUse) ? 1 : 0));
    return others.slice(room).map((i) => i.hash);
}

/** Exports by commit and stack: a commit's code never changes, so one build serves a process. */
const built = new Map<string, CompiledExport>();

/** The ref "." is the working tree as it is, uncommitted changes included. */
export function buildRef(projectDir: string, stack: string, ref: string): BuiltRef {
    const label = `${stack}@${ref === "." ? "working-tree" : ref}`;
    if (ref === ".")
        return { label, commit: "working tree", compiled: workingTreeExport(projectDir, stack, label), install: "working tree" };
    const commit = git(projectDir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], `${ref} is not a commit, branch or tag here`);
    const known = built.get(`${commit}\u0000${stack}`);
    if (known) return { label, commit, compiled: known, install: "cached" };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-platform-ref-"));
    try {
        git(projectDir, ["worktree", "add", "--detach", "--quiet", dir, commit], `cannot check out ${ref}`);
        if (!fs.existsSync(path.join(dir, `Pulumi.${stack}.yaml`))) throw new UsageError(`${ref} has no Pulumi.${stack}.yaml`);
        const install = provideNodeModules(projectDir, dir);
        const compiled = runExport(projectDir, dir, stack, label);
        built.set(`${commit}\u0000${stack}`, compiled);
        return { label, commit, compiled, install };
    } finally {
        spawnSync("git", ["worktree", "remove", "--force", dir], { cwd: projectDir, stdio: "ignore" });
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The working tree is this process's own code: compiled in-process, no second process. */
function workingTreeExport(projectDir: string, stack: string, label: string): CompiledExport {
    const { compiledExport } = require("../scripts/exportCompiled") as typeof import("../scripts/exportCompiled");
    try {
        return compiledExport(projectDir, stack);
    } catch (e) {
        throw new UsageError(`cannot compile ${label}:\n${(e as Error).message}`);
    }
}

/** Links the worktree's node_modules to an install made from its own lock file. */
function provideNodeModules(projectDir: string, dir: string): BuiltRef["install"] {
    const lock = path.join(dir, "package-lock.json");
    if (!fs.existsSync(lock)) throw new UsageError("that commit has no package-lock.json to install from");
    const hash = sha256(lock);
    if (hash === sha256(path.join(projectDir, "package-lock.json"))) {
        fs.symlinkSync(path.join(projectDir, "node_modules"), path.join(dir, "node_modules"), "dir");
        return "same lock file";
    }
    const cache = path.join(refCacheDir(projectDir), hash);
    const done = path.join(cache, ".installed");
    let install: BuiltRef["install"] = "cached";
    if (!fs.existsSync(done)) {
        install = "installed";
        fs.rmSync(cache, { recursive: true, force: true });
        fs.mkdirSync(cache, { recursive: true });
        for (const f of ["package.json", "package-lock.json"]) fs.copyFileSync(path.join(dir, f), path.join(cache, f));
        process.stderr.write(
            `installing the dependencies of a different package-lock.json once, into ${path.relative(projectDir, cache)} (the ${REF_CACHE_KEEP} most recently used installs are kept)\n`,
        );
        const run = spawnSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], {
            cwd: cache,
            stdio: ["ignore", "ignore", "pipe"],
            encoding: "utf8",
        });
        if (run.status !== 0) throw new UsageError(`npm ci of the ref's lock file failed:\n${run.stderr}`);
        fs.writeFileSync(done, new Date().toISOString());
    }
    // The marker's modification time is the install's last use.
    const now = new Date();
    fs.utimesSync(done, now, now);
    if (install === "installed") pruneInstalls(projectDir, hash);
    fs.symlinkSync(path.join(cache, "node_modules"), path.join(dir, "node_modules"), "dir");
    return install;
}

/** Removes the installs beyond REF_CACHE_KEEP, least recently used first (a half-made one counts from its folder's time). */
function pruneInstalls(projectDir: string, inUse: string): void {
    const root = refCacheDir(projectDir);
    const installs = fs.readdirSync(root, { withFileTypes: true }).flatMap((e) => {
        if (!e.isDirectory()) return [];
        const marker = path.join(root, e.name, ".installed");
        const stat = fs.statSync(fs.existsSync(marker) ? marker : path.join(root, e.name));
        return [{ hash: e.name, lastUsedMs: stat.mtimeMs }];
    });
    for (const hash of installsToPrune(installs, REF_CACHE_KEEP, inUse)) {
        process.stderr.write(`removing the least recently used install ${path.relative(projectDir, path.join(root, hash))}\n`);
        fs.rmSync(path.join(root, hash), { recursive: true, force: true });
    }
}

/** Runs the commit's export with this tree's TypeScript runner (tsx only transpiles). */
function runExport(projectDir: string, dir: string, stack: string, label: string): CompiledExport {
    const own = path.join(dir, "scripts", "exportCompiled.ts");
    const args = fs.existsSync(own) ? [own, stack] : [path.join(__dirname, "legacyExport.ts"), dir, stack];
    const tsx = require.resolve("tsx/cjs", { paths: [projectDir] });
    const run = spawnSync(process.execPath, ["--require", tsx, ...args], {
        cwd: dir,
        encoding: "utf8",
        maxBuffer: 512 * 1024 * 1024,
        stdio: ["ignore", "pipe", "pipe"],
    });
    if (run.status !== 0) throw new UsageError(`cannot compile ${label}:\n${(run.stderr || run.stdout).trim()}`);
    const out = JSON.parse(run.stdout) as CompiledExport;
    if (out.format !== 1) throw new UsageError(`${label} exported format ${String(out.format)}; this tool reads format 1`);
    return out;
}

function git(cwd: string, args: string[], problem: string): string {
    try {
        return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    } catch (e) {
        const stderr = String((e as { stderr?: string }).stderr ?? "").trim();
        throw new UsageError(`${problem}${stderr ? `: ${stderr}` : ""}`);
    }
}

function sha256(file: string): string {
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

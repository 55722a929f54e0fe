/**
 * Tests leave nothing behind (issue 28): the run gets a temporary directory of its own, and its
 * last hook fails when anything a test made is still in it.
 *
 * Loaded by .mocharc.json before any spec file, so every `os.tmpdir()` of a test (Node reads
 * TMPDIR on each call: https://nodejs.org/docs/latest-v20.x/api/os.html#ostmpdir) and every child
 * process (`npm run netpol`, git, chromium: they inherit the environment) writes under it, and
 * other processes writing to the machine's /tmp at the same time cannot make the check pass or
 * fail. The folder is removed at the end, whether the check passed or not.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const outer = os.tmpdir();
const runDir = fs.mkdtempSync(path.join(outer, "k8s-platform-test-"));

// The one entry that is no test's doing: tsx, which runs every TypeScript child process, keeps its
// compile cache in <tmpdir>/tsx-<uid> (tsx 4.23.15 dist/temporary-directory-*.mjs:
// path.join(os.tmpdir(), `tsx-${process.geteuid() ?? os.userInfo().username}`)).
// A link to the outer directory's cache keeps the children's compiles warm; removing the run's
// folder removes the link, never the cache it points to.
const TSX_CACHE = `tsx-${process.geteuid?.() ?? os.userInfo().username}`;
fs.mkdirSync(path.join(outer, TSX_CACHE), { recursive: true });
fs.symlinkSync(path.join(outer, TSX_CACHE), path.join(runDir, TSX_CACHE), "dir");

process.env["TMPDIR"] = runDir;

/** What the run left in its temporary directory: every entry but tsx's cache link. */
export function leftBehind(dir: string = runDir): string[] {
    return fs
        .readdirSync(dir)
        .filter((name) => name !== TSX_CACHE)
        .sort();
}

/**
 * Mocha's global teardown: it runs once every test and every hook (the spec files' own `after`
 * hooks that remove their folders included) has run, and a throw here fails the run (mocha 12
 * lib/mocha.cjs, runAsync: "global teardown failed", one failure more).
 */
export function mochaGlobalTeardown(): void {
    const left = leftBehind();
    process.env["TMPDIR"] = outer;
    fs.rmSync(runDir, { recursive: true, force: true });
    if (left.length > 0)
        throw new Error(
            `the tests left ${left.length} entr${left.length === 1 ? "y" : "ies"} in their temporary directory (removed now): ${left.join(", ")}; ` +
                "remove what a test makes in an after/afterEach hook or a finally",
        );
}

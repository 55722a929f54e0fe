import { strict as assert } from "assert";
import * as path from "path";
import { netpol } from "../cli/netpol";
import { REF_CACHE_KEEP, installsToPrune, refCacheDir } from "../cli/refs";
import { PROJECT_DIR } from "./harness";

describe("the diff's cache of installs (netpol diff --stack)", () => {
    const installs = [
        { hash: "a", lastUsedMs: 400 },
        { hash: "b", lastUsedMs: 100 },
        { hash: "c", lastUsedMs: 300 },
        { hash: "d", lastUsedMs: 200 },
        { hash: "e", lastUsedMs: 500 },
    ];

    it("keeps the most recently used installs and removes the rest, least recently used first", () => {
        assert.deepEqual(installsToPrune(installs, 3, "e"), ["d", "b"]);
    });

    it("always keeps the install in use, even when it is the least recently used", () => {
        assert.deepEqual(installsToPrune(installs, 3, "b"), ["c", "d"]);
        assert.deepEqual(installsToPrune(installs, 1, "b"), ["e", "a", "c", "d"]);
    });

    it("removes nothing while the cache holds no more than the bound", () => {
        assert.deepEqual(installsToPrune(installs.slice(0, 3), 3, "a"), []);
        assert.deepEqual(installsToPrune([], 3, "a"), []);
    });

    it("decides ties by hash, whatever order the folder was listed in", () => {
        const tied = ["z", "y", "x", "w"].map((hash) => ({ hash, lastUsedMs: 1 }));
        assert.deepEqual(installsToPrune(tied, 2, "none"), ["y", "z"]);
        assert.deepEqual(installsToPrune([...tied].reverse(), 2, "none"), ["y", "z"]);
    });

    it("states its location and bound in netpol diff --help", () => {
        let stdout = "";
        const code = netpol(["diff", "--help"], { stdout: (t) => void (stdout += t), stderr: () => undefined });
        assert.equal(code, 0);
        assert.equal(path.relative(PROJECT_DIR, refCacheDir(PROJECT_DIR)), path.join("node_modules", ".cache", "k8s-platform", "refs"));
        assert.match(stdout.replace(/\s+/g, " "), /node_modules\/\.cache\/k8s-platform\/refs\/<sha256 of the lock file>\//);
        assert.match(stdout.replace(/\s+/g, " "), new RegExp(`keeps the ${REF_CACHE_KEEP} most recently used installs`));
    });
});

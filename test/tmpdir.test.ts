import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { leftBehind } from "./support/freshTmpdir";

describe("tests leave nothing in the temporary directory (issue 28)", () => {
    it("runs the tests and their child processes in a temporary directory of the run's own", () => {
        assert.match(path.basename(os.tmpdir()), /^k8s-platform-test-/);
        const child = execFileSync(process.execPath, ["-e", "process.stdout.write(require('os').tmpdir())"], { encoding: "utf8" });
        assert.equal(child, os.tmpdir());
    });

    it("names what a test left there until it is removed", () => {
        const made = fs.mkdtempSync(path.join(os.tmpdir(), "left-"));
        try {
            assert.deepEqual(
                leftBehind().filter((name) => name.startsWith("left-")),
                [path.basename(made)],
            );
        } finally {
            fs.rmSync(made, { recursive: true, force: true });
        }
        assert.deepEqual(
            leftBehind().filter((name) => name.startsWith("left-")),
            [],
        );
    });
});

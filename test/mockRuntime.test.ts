import { strict as assert } from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ProgramRun, runProgram } from "../offline/mockRuntime";

const PROGRAMS = path.join(__dirname, "fixtures", "programs");
const run = (program: string) => runProgram({ project: "p", stack: "s", config: {}, program: path.join(PROGRAMS, program), preview: true });

describe("the mocked engine", () => {
    it("reports what a failing program registered before it threw, even a registration still on its way", async () => {
        const error = await run("failsAfterRegistering.ts").then(
            () => assert.fail("the program should fail"),
            (e: unknown) => e as Error & { registrations: ProgramRun["registrations"] },
        );
        assert.equal(error.message, "network.flows[0].to: no such namespace");
        assert.deepEqual(
            error.registrations.map((r) => [r.name, r.inputs]),
            [
                ["first", { step: 1 }],
                ["second", { after: "first-id" }],
            ],
        );
    });

    it("keeps each of two same-named children with its own parent, inputs and transforms, in the order they were built", async () => {
        const { registrations } = await run("sameNameTwoParents.ts");
        assert.deepEqual(
            registrations.map((r) => [r.type, r.name, r.parent?.split("::").slice(2).join("::"), r.inputs, r.transforms.length]),
            [
                ["test:index:Thing", "slow", undefined, {}, 0],
                ["test:index:HolderA", "one", undefined, {}, 0],
                [
                    "test:index:Thing",
                    "child",
                    "pulumi:pulumi:Stack$test:index:HolderA::one",
                    { owner: "test:index:HolderA", input: "slow-id" },
                    1,
                ],
                ["test:index:HolderB", "two", undefined, {}, 0],
                [
                    "test:index:Thing",
                    "child",
                    "pulumi:pulumi:Stack$test:index:HolderB::two",
                    { owner: "test:index:HolderB", input: "now" },
                    0,
                ],
            ],
        );
    });

    it("runs a program cleanly after a failed one: nothing of the failed run reaches the next", async () => {
        const rejections: unknown[] = [];
        const listener = (reason: unknown) => void rejections.push(reason);
        process.on("unhandledRejection", listener);
        try {
            await run("failsAfterRegistering.ts").catch(() => undefined);
            const { registrations } = await run("sameNameTwoParents.ts");
            await new Promise((resolve) => setTimeout(resolve, 100));
            assert.equal(registrations.length, 5);
            assert.ok(registrations.every((r) => r.urn.startsWith("urn:pulumi:s::p::")));
            // The SDK also rejects the failed stack's outputs with the program's own error (nobody
            // awaits them; scripts/plan.ts reports it once). Anything else would be the failed
            // run's registrations reaching this run's engine.
            assert.deepEqual(
                rejections.map(String).filter((r) => r !== "Error: network.flows[0].to: no such namespace"),
                [],
            );
        } finally {
            process.off("unhandledRejection", listener);
        }
    });

    it("keeps a child whose parent was rebuilt from its URN, under that parent", async () => {
        const { registrations } = await run("childOfRebuiltParent.ts");
        assert.deepEqual(
            registrations.map((r) => [r.name, r.parent?.split("::").slice(2).join("::"), r.inputs]),
            [
                ["original", undefined, {}],
                ["adopted", "pulumi:pulumi:Stack$test:index:Thing::original", { y: 1 }],
            ],
        );
    });

    it("fails on a URN the program registers twice, as the engine would", async () => {
        const error = await run("duplicateUrn.ts").then(
            () => assert.fail("the program should fail"),
            (e: unknown) => e as Error,
        );
        assert.equal(
            error.message,
            "Duplicate resource URN 'urn:pulumi:s::p::test:index:Holder$test:index:Thing::child'; try giving it a unique name",
        );
    });

    it("ignores a Pulumi package the project lists but has not installed, and restores the process after any run", async () => {
        const limit = Error.stackTraceLimit;
        const warn = pulumi.log.warn;
        const { registrations } = await run(path.join("unusedDependency", "index.ts"));
        assert.deepEqual(
            registrations.map((r) => r.name),
            ["only"],
        );
        await run("failsAfterRegistering.ts").catch(() => undefined);
        assert.equal(Error.stackTraceLimit, limit);
        assert.equal(pulumi.log.warn, warn);
    });
});

import { formatProblem, parseStackConfig, projectConfigValues } from "../config/schema";
import { NetworkIntent } from "../compiler/intent";
/** Runs the real program under mocks for a stack file, optionally with config changed. */
import * as path from "path";
import { ProgramRun, Registration, runProgram } from "../offline/mockRuntime";
import { localStackOutputs } from "../offline/localStacks";
import { readStackFile } from "../offline/stackFile";

export const PROJECT_DIR = path.resolve(__dirname, "..");
const PROGRAM = path.join(PROJECT_DIR, "index.ts");

/** The validated network intent of a real stack file. */
export function stackIntent(stack: string): NetworkIntent {
    const parsed = parseStackConfig(projectConfigValues(readStackFile(PROJECT_DIR, stack).config));
    if (!parsed.ok) throw new Error(`Pulumi.${stack}.yaml is invalid: ${parsed.problems.map(formatProblem).join("; ")}`);
    return parsed.config.network;
}

/** The stack file's config keys as plain values (objects parsed), for tests to edit. */
export function stackConfig(stack: string): Record<string, unknown> {
    const file = readStackFile(PROJECT_DIR, stack);
    return Object.fromEntries(Object.entries(file.config).map(([k, v]) => [k, parse(v)]));
}

export interface RunStackOptions {
    /** Run as a preview (dry run). */
    readonly preview?: boolean;
    /** Other stacks' outputs; by default what this commit's stack files would deploy. */
    readonly stackOutputs?: Record<string, Record<string, unknown>>;
    /** The account of the run's credentials; by default the one the stack file names. */
    readonly callerAccountId?: string;
}

/** Runs of the unchanged stack files, shared by the tests that only read them (runs are deterministic). */
const unchangedRuns = new Map<string, Promise<ProgramRun>>();

export async function runStack(stack: string, config?: Record<string, unknown>, options: RunStackOptions = {}): Promise<ProgramRun> {
    if (
        config === undefined &&
        options.preview === undefined &&
        options.stackOutputs === undefined &&
        options.callerAccountId === undefined
    ) {
        let run = unchangedRuns.get(stack);
        if (!run) unchangedRuns.set(stack, (run = runStackOnce(stack, stackConfig(stack), options)));
        return run;
    }
    return runStackOnce(stack, config ?? stackConfig(stack), options);
}

function runStackOnce(stack: string, config: Record<string, unknown>, options: RunStackOptions): Promise<ProgramRun> {
    const asStrings = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    return runProgram({
        project: "k8s-platform",
        stack,
        config: asStrings,
        program: PROGRAM,
        preview: options.preview ?? false,
        stackOutputs: options.stackOutputs ?? localStackOutputs(PROJECT_DIR, asStrings),
        ...(options.callerAccountId !== undefined ? { callerAccountId: options.callerAccountId } : {}),
    });
}

/** Runs a program that must fail; returns its error message and what it registered before. */
export async function runStackExpectingFailure(
    stack: string,
    config: Record<string, unknown>,
    options: RunStackOptions = {},
): Promise<{ message: string; registrations: readonly Registration[] }> {
    try {
        await runStack(stack, config, options);
    } catch (e) {
        const err = e as Error & { registrations?: Registration[] };
        return { message: err.message, registrations: err.registrations ?? [] };
    }
    throw new Error("the program was expected to fail but succeeded");
}

export function ofType(run: ProgramRun, type: string): Registration[] {
    return run.registrations.filter((r) => r.type === type);
}

export function byName(run: ProgramRun, type: string, name: string): Registration {
    const found = run.registrations.find((r) => r.type === type && r.name === name);
    if (!found)
        throw new Error(
            `no ${type} named ${name}; have ${ofType(run, type)
                .map((r) => r.name)
                .join(", ")}`,
        );
    return found;
}

function parse(v: string): unknown {
    try {
        return JSON.parse(v);
    } catch {
        return v;
    }
}

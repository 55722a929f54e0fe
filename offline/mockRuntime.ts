/**
 * Runs the real program in-process with the Pulumi engine mocked: no CLI, no plugins, no cloud.
 * Records every registration with its inputs, parent, dependencies and options, which is what
 * the offline plan prints and what the component tests assert.
 */
import * as pulumi from "@pulumi/pulumi";
import { mockOutputs } from "./mockOutputs";

export interface Registration {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly custom: boolean;
    readonly inputs: Readonly<Record<string, unknown>>;
    /** URN of the parent (the stack for top-level resources). */
    readonly parent: string | undefined;
    /** URNs named in `dependsOn`. */
    readonly dependsOn: readonly string[];
    readonly protect: boolean;
    /** Pulumi `retainOnDelete`: deleting it from the stack leaves it in the cloud or cluster. */
    readonly retainOnDelete: boolean;
    /** The resource's own transforms (children of remote components get them in a real run). */
    readonly transforms: readonly pulumi.ResourceTransform[];
}

export interface ProgramRun {
    readonly registrations: readonly Registration[];
    readonly outputs: Readonly<Record<string, unknown>>;
    /** Names of the stack outputs that are secret. */
    readonly secretOutputs: readonly string[];
    /** What the program logged through pulumi.log (warnings included). */
    readonly log: readonly string[];
}

export interface RunOptions {
    readonly project: string;
    readonly stack: string;
    /** Config as the engine passes it: `project:key` -> string (objects as JSON). */
    readonly config: Readonly<Record<string, string>>;
    /** Absolute path of the program's entry module (index.ts). */
    readonly program: string;
    /** Run as `pulumi preview` (dry run) instead of `pulumi up`. */
    readonly preview?: boolean;
    /** Outputs of other stacks, by fully qualified name, for StackReferences to read. */
    readonly stackOutputs?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/**
 * Runs the program once. Throws what the program throws (a config error, for one); the
 * registrations made before that are in `error.registrations` so callers can check there were none.
 */
export async function runProgram(options: RunOptions): Promise<ProgramRun> {
    const pending: {
        type: string;
        name: string;
        custom: boolean;
        inputs: Record<string, unknown>;
        parent?: pulumi.Resource;
        dependsOn: pulumi.Resource[];
        protect: boolean;
        retainOnDelete: boolean;
        transforms: pulumi.ResourceTransform[];
        resource?: pulumi.Resource;
    }[] = [];
    const created: { type: string; name: string; inputs: Record<string, unknown> }[] = [];
    const log: string[] = [];

    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                created.push({ type: args.type, name: args.name, inputs: args.inputs });
                if (args.type === "pulumi:pulumi:StackReference") {
                    const name = String(args.inputs["name"] ?? args.name);
                    return { id: name, state: { name, outputs: options.stackOutputs?.[name] ?? {}, secretOutputNames: [] } };
                }
                return { id: `${args.name}-id`, state: { ...args.inputs, ...mockOutputs(args.type, args.name, args.inputs) } };
            },
            call: () => ({}),
        },
        options.project,
        options.stack,
        options.preview ?? false,
    );
    pulumi.runtime.setAllConfig({ ...options.config });
    const restoreLog = captureLog(log);
    // The SDK keeps `new Error().stack` on every promise it makes, for a leak report the mocks
    // never print (@pulumi/pulumi 3.248.0 runtime/debuggable.js); under a TypeScript runner each of those
    // stacks is source-mapped. A thousand namespaces make tens of thousands of promises, so the
    // run keeps no frames; the SDK's own source positions (Resource.callsites) set their own
    // limit, and an error the program throws keeps its message.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;

    let outputs: Record<string, unknown> | undefined;
    let programExports: Record<string, unknown> = {};
    let failure: unknown;
    try {
        outputs = await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation((args) => {
                // A resource reference read back from the engine is rebuilt with its URN; it is
                // not a registration.
                if (args.opts.urn) return undefined;
                pending.push({
                    type: args.type,
                    name: args.name,
                    custom: args.resource instanceof pulumi.CustomResource,
                    inputs: args.props as Record<string, unknown>,
                    parent: args.opts.parent,
                    dependsOn: toArray(args.opts.dependsOn),
                    protect: args.opts.protect === true,
                    retainOnDelete: args.opts.retainOnDelete === true,
                    transforms: args.opts.transforms ?? [],
                    resource: args.resource,
                });
                return undefined;
            });
            delete require.cache[require.resolve(options.program)];
            // A program may export its outputs, or a function that returns them (as index.ts does).
            const program = require(options.program) as Record<string, unknown> | (() => Promise<Record<string, unknown>>);
            programExports = typeof program === "function" ? await program() : { ...program };
            return programExports;
        });
    } catch (e) {
        failure = e;
    } finally {
        restoreLog();
        Error.stackTraceLimit = stackTraceLimit;
    }

    const urnOf = async (r: pulumi.Resource | undefined) => (r ? await promiseOf(r.urn) : undefined);
    const registrations: Registration[] = [];
    const createdByKey = new Map<string, (typeof created)[number]>();
    for (const c of created) if (!createdByKey.has(`${c.type}\u0000${c.name}`)) createdByKey.set(`${c.type}\u0000${c.name}`, c);
    for (const p of pending) {
        // A registration whose inputs wait on others reaches the mock late, while this loop awaits.
        const mocked = createdByKey.get(`${p.type}\u0000${p.name}`) ?? created.find((c) => c.type === p.type && c.name === p.name);
        registrations.push({
            type: p.type,
            name: p.name,
            urn: (await urnOf(p.resource)) ?? "",
            custom: p.custom,
            // The engine sees resolved inputs; components' args are what they were given.
            inputs: mocked ? mocked.inputs : await resolveDeep(p.inputs),
            parent: await urnOf(p.parent),
            dependsOn: (await Promise.all(p.dependsOn.map(urnOf))).filter((u): u is string => u !== undefined),
            protect: p.protect,
            retainOnDelete: p.retainOnDelete,
            transforms: p.transforms,
        });
    }
    if (failure !== undefined) {
        throw Object.assign(failure instanceof Error ? failure : new Error(String(failure)), { registrations });
    }
    const secretOutputs: string[] = [];
    for (const [key, value] of Object.entries(programExports)) {
        if (pulumi.Output.isInstance(value) && (await pulumi.isSecret(value))) secretOutputs.push(key);
    }
    return { registrations, outputs: await resolveDeep(outputs ?? {}), secretOutputs, log };
}

function toArray(deps: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource> | undefined): pulumi.Resource[] {
    if (deps === undefined) return [];
    return (Array.isArray(deps) ? deps : [deps]).filter((d): d is pulumi.Resource => pulumi.Resource.isInstance(d));
}

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Resolves Outputs and promises nested anywhere in a value, unwrapping secrets. */
function resolveDeep(value: unknown): Promise<Record<string, unknown>> {
    return promiseOf(pulumi.unsecret(pulumi.output(value as pulumi.Input<Record<string, unknown>>))) as Promise<Record<string, unknown>>;
}

function captureLog(into: string[]): () => void {
    const original = { warn: pulumi.log.warn, info: pulumi.log.info, error: pulumi.log.error };
    pulumi.log.warn = async (msg: string) => void into.push(`warning: ${msg}`);
    pulumi.log.info = async (msg: string) => void into.push(`info: ${msg}`);
    pulumi.log.error = async (msg: string) => void into.push(`error: ${msg}`);
    return () => Object.assign(pulumi.log, original);
}

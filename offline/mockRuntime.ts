/**
 * Runs the real program in-process with the Pulumi engine mocked: no CLI, no plugins, no cloud.
 * Records every registration with its inputs, parent, dependencies and options, which is what
 * the offline plan prints and what the component tests assert.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { mockCall, mockOutputs } from "./mockOutputs";

export interface Registration {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly custom: boolean;
    readonly inputs: Readonly<Record<string, unknown>>;
    /** URN of the parent; undefined for top-level resources (the stack's children). */
    readonly parent: string | undefined;
    /** URNs it depends on, as the engine receives them: `dependsOn` (a component stands for its resources) and where its inputs come from. */
    readonly dependsOn: readonly string[];
    readonly protect: boolean;
    /** Pulumi `retainOnDelete`: deleting it from the stack leaves it in the cloud or cluster. */
    readonly retainOnDelete: boolean;
    /** Pulumi `replaceOnChanges` and `deleteBeforeReplace`: how a change of those properties is applied. */
    readonly replaceOnChanges: readonly string[];
    readonly deleteBeforeReplace: boolean;
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
    /**
     * The AWS account of the credentials the run has (what aws.getCallerIdentity answers); by
     * default the account the stack's config names, so a run is in the right account unless a
     * test says otherwise.
     */
    readonly callerAccountId?: string;
}

/** The provider function that answers which account the credentials belong to (STS GetCallerIdentity). */
export const CALLER_IDENTITY_TOKEN = "aws:index/getCallerIdentity:getCallerIdentity";

/**
 * The account the mocked credentials belong to: the one given, else the one the config names
 * (the platform's `k8s-platform:accountId`, the bootstrap's `<stack>AccountId`), else a fixed
 * example account.
 */
export function mockCallerAccount(options: Pick<RunOptions, "project" | "config" | "callerAccountId">): string {
    const bootstrapStack = options.config[`${options.project}:stack`];
    return (
        options.callerAccountId ??
        options.config[`${options.project}:accountId`] ??
        (bootstrapStack !== undefined ? options.config[`${options.project}:${bootstrapStack}AccountId`] : undefined) ??
        "123456789012"
    );
}

/**
 * Runs the program once. Throws what the program throws (a config error, for one); the
 * registrations made before that are in `error.registrations` so callers can check there were none.
 */
export async function runProgram(options: RunOptions): Promise<ProgramRun> {
    // In the order the program constructs them (what the tree and the tests read in order), each
    // with its place in the tree: its parent's place, its type and its name.
    const constructed: { place: Place; transforms: pulumi.ResourceTransform[] }[] = [];
    const places = new WeakMap<pulumi.Resource, Place | string>();
    const log: string[] = [];

    const engine = new RecordingEngine();
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                engine.inputsReceived(args.inputs as Record<string, unknown>);
                if (args.type === "pulumi:pulumi:StackReference") {
                    const name = String(args.inputs["name"] ?? args.name);
                    return { id: name, state: { name, outputs: options.stackOutputs?.[name] ?? {}, secretOutputNames: [] } };
                }
                return { id: `${args.name}-id`, state: { ...args.inputs, ...mockOutputs(args.type, args.name, args.inputs) } };
            },
            call: (args) => {
                if (args.token !== CALLER_IDENTITY_TOKEN) return mockCall(args.token, args.inputs as Record<string, unknown>);
                const accountId = mockCallerAccount(options);
                return {
                    accountId,
                    arn: `arn:aws:sts::${accountId}:assumed-role/github-deploy/mock`,
                    userId: "AROAMOCK:mock",
                    id: accountId,
                };
            },
        },
        options.project,
        options.stack,
        options.preview ?? false,
    );
    engine.attach();
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
        loadProviderSdks(options.program);
        outputs = await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation((args) => {
                // A resource reference read back from the engine is rebuilt with its URN; it is
                // not a registration, but it may be a parent.
                if (args.opts.urn) {
                    places.set(args.resource, args.opts.urn);
                    return undefined;
                }
                const place = { parent: args.opts.parent && places.get(args.opts.parent), type: args.type, name: args.name };
                places.set(args.resource, place);
                constructed.push({ place, transforms: args.opts.transforms ?? [] });
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
        // The stack's outputs (or the program's error) can come before registrations whose
        // inputs wait on other resources reach the engine; the run ends when the engine has had
        // every one, so that a failed run reports what it registered and leaves nothing running.
        await pulumi.runtime.disconnect().catch(() => undefined);
        restoreLog();
        Error.stackTraceLimit = stackTraceLimit;
    }

    const registrations: Registration[] = [];
    for (const c of constructed) {
        const request = engine.take(c.place);
        if (request) registrations.push({ ...request, transforms: c.transforms });
    }
    // What the engine received that no constructed resource accounts for is still a registration.
    for (const request of engine.untaken()) registrations.push({ ...request, transforms: [] });
    // The engine refuses a second resource with a URN it has (a URN names the parent's type, not
    // the parent): `pulumi preview` would fail here.
    failure ??= engine.duplicates().map((urn) => new Error(`Duplicate resource URN '${urn}'; try giving it a unique name`))[0];
    if (failure !== undefined) {
        throw Object.assign(failure instanceof Error ? failure : new Error(String(failure)), { registrations });
    }
    const secretOutputs: string[] = [];
    for (const [key, value] of Object.entries(programExports)) {
        if (pulumi.Output.isInstance(value) && (await pulumi.isSecret(value))) secretOutputs.push(key);
    }
    return { registrations, outputs: await resolveDeep(outputs ?? {}), secretOutputs, log };
}

/**
 * Loads the Pulumi packages the program's project depends on (@pulumi/aws, awsx, eks,
 * kubernetes: about 900 modules) with source maps off. Under a TypeScript runner Node would read
 * and parse the source map of each, a tenth of a shipped stack's plan; the program's own modules
 * load afterwards with theirs, so its stack traces still point at its TypeScript.
 */
function loadProviderSdks(program: string): void {
    const projectDir = path.dirname(program);
    const manifest = path.join(projectDir, "package.json");
    if (!fs.existsSync(manifest)) return;
    const dependencies = Object.keys((JSON.parse(fs.readFileSync(manifest, "utf8")) as { dependencies?: object }).dependencies ?? {});
    const sourceMaps = process.sourceMapsEnabled;
    process.setSourceMapsEnabled(false);
    try {
        for (const name of dependencies.filter((d) => d.startsWith("@pulumi/"))) {
            let resolved: string;
            try {
                resolved = require.resolve(name, { paths: [projectDir] });
            } catch {
                continue; // not installed: the program will say so if it imports it
            }
            require(resolved);
        }
    } finally {
        process.setSourceMapsEnabled(sourceMaps);
    }
}

/** The engine's side of a registration or a read, as the SDK sends it (@pulumi/pulumi 3.248.0 proto/resource_pb). */
interface ResourceRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getDependenciesList(): string[];
    getCustom?(): boolean;
    getProtect?(): boolean | undefined;
    getRetainondelete?(): boolean | undefined;
    getReplaceonchangesList?(): string[];
    getDeletebeforereplace?(): boolean;
}
type Callback = (error: unknown, response?: { getUrn(): string }) => void;
type MonitorMethod = (request: ResourceRequest, callback: Callback) => unknown;

/** A resource's place in the tree: its parent's place (a URN for a resource rebuilt from one; none for the stack), its type, its name. */
interface Place {
    readonly parent: Place | string | undefined;
    readonly type: string;
    readonly name: string;
}

type Received = Omit<Registration, "transforms">;

/**
 * Records each registration and read as the mocked engine receives it: the URNs of its parent and
 * of everything it depends on (dependsOn expanded, and the resources its inputs come from), its
 * options and its resolved inputs. Read at the monitor, nothing waits on the program's Outputs
 * afterwards and the run holds no resource objects: a thousand namespaces are fifteen thousand
 * of them.
 */
class RecordingEngine {
    private pending: ResourceRequest | undefined;
    private readonly inputs = new Map<ResourceRequest, Record<string, unknown>>();
    /** Each registration by its place in the tree (parent's key, type, name), in the order received. */
    private readonly byKey = new Map<string, Received>();
    /** The tree key of each URN received, for its children's keys. */
    private readonly keyOfUrn = new Map<string, string>();
    private readonly seenTwice: string[] = [];

    /** The mocks' newResource, called by the monitor while it takes `pending` (synchronously, before its first await). */
    inputsReceived(inputs: Record<string, unknown>): void {
        if (this.pending) this.inputs.set(this.pending, inputs);
    }

    attach(): void {
        const monitor = pulumi.runtime.getMonitor() as unknown as Record<"registerResource" | "readResource", MonitorMethod>;
        const wrap =
            (original: MonitorMethod): MonitorMethod =>
            (request, callback) => {
                this.pending = request;
                try {
                    return original.call(monitor, request, (error, response) => {
                        if (!error && response) this.record(request, response.getUrn());
                        callback(error, response);
                    });
                } finally {
                    this.pending = undefined;
                }
            };
        monitor.registerResource = wrap(monitor.registerResource);
        monitor.readResource = wrap(monitor.readResource);
    }

    /** The registration at `place`, once. */
    take(place: Place): Received | undefined {
        const key = this.keyOf(place);
        const received = this.byKey.get(key);
        this.byKey.delete(key);
        return received;
    }

    /** Registrations no `take` asked for (the stack aside). */
    untaken(): Received[] {
        return [...this.byKey.values()].filter((r) => r.type !== "pulumi:pulumi:Stack");
    }

    /** URNs the engine received more than once. */
    duplicates(): readonly string[] {
        return this.seenTwice;
    }

    private keyOf(place: Place | string | undefined): string {
        if (place === undefined) return "";
        if (typeof place === "string") return this.keyOfUrn.get(place) ?? "";
        return treeKey(this.keyOf(place.parent), place.type, place.name);
    }

    private record(request: ResourceRequest, urn: string): void {
        if (this.keyOfUrn.has(urn)) {
            this.seenTwice.push(urn);
            return;
        }
        // A parent is recorded before its children: their requests wait for its URN.
        const parent = ownParent(request.getParent());
        const key = treeKey((parent && this.keyOfUrn.get(parent)) ?? "", request.getType(), request.getName());
        this.keyOfUrn.set(urn, key);
        this.byKey.set(key, {
            type: request.getType(),
            name: request.getName(),
            urn,
            custom: request.getCustom?.() ?? true,
            inputs: this.inputs.get(request) ?? {},
            parent,
            dependsOn: request.getDependenciesList(),
            protect: request.getProtect?.() === true,
            retainOnDelete: request.getRetainondelete?.() === true,
            replaceOnChanges: request.getReplaceonchangesList?.() ?? [],
            deleteBeforeReplace: request.getDeletebeforereplace?.() === true,
        });
        this.inputs.delete(request);
    }
}

/** A resource's key in the tree: its parent's key ("" for the stack), its type and its name. */
function treeKey(parentKey: string, type: string, name: string): string {
    return `${parentKey}\u0001${type}\u0000${name}`;
}

/** The parent's URN, undefined for the stack's own children (the stack is not a registration). */
function ownParent(urn: string): string | undefined {
    return urn === "" || urn.includes("::pulumi:pulumi:Stack::") ? undefined : urn;
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

/**
 * Command-line conventions shared by every script: `--help` prints usage and exits 0, an unknown
 * flag or a missing value is a usage error naming the flag (exit 2), and parsing is Node's own
 * `util.parseArgs` (stable since Node 20; https://nodejs.org/docs/latest-v20.x/api/util.html#utilparseargsconfig).
 */
import { resolve as pathResolve } from "path";
import { parseArgs } from "util";
import { PROTOCOLS, Protocol } from "../engine/k8s";

/** A mistake in how the command was called: printed without a stack trace, exit 2. */
export class UsageError extends Error {}

/** Thrown by `parseCommand` when `--help` is given: the caller prints `usage` and exits 0. */
export class HelpRequested extends Error {
    constructor(readonly usage: string) {
        super(usage);
    }
}

export interface FlagSpec {
    readonly type: "string" | "boolean";
    readonly short?: string;
}

export interface ParsedCommand {
    readonly flags: Readonly<Record<string, string | boolean | undefined>>;
    readonly positionals: readonly string[];
}

/**
 * Parses `argv` against `flags` (plus `--help`/`-h`). Unknown flags and flags without their value
 * become UsageErrors that name the flag and point at `--help`.
 */
export function parseCommand(argv: readonly string[], flags: Readonly<Record<string, FlagSpec>>, usage: string): ParsedCommand {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            options: { ...flags, help: { type: "boolean", short: "h" } },
            allowPositionals: true,
            strict: true,
        });
    } catch (e) {
        throw new UsageError(`${describeParseError(e as Error & { code?: string })}\n\n${usage}`);
    }
    if (parsed.values["help"] === true) throw new HelpRequested(usage);
    const values = parsed.values as Record<string, string | boolean | undefined>;
    return { flags: values, positionals: parsed.positionals };
}

function describeParseError(e: Error & { code?: string }): string {
    const flag = /'(-[^']*)'/.exec(e.message)?.[1];
    switch (e.code) {
        case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
            return `unknown flag ${flag ?? e.message}`;
        case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
            return flag && e.message.includes("argument missing") ? `${flag.split(" ")[0]} needs a value` : e.message;
        default:
            return e.message;
    }
}

/** One of `choices`, or a UsageError naming the flag and the choices. */
export function choice<T extends string>(value: unknown, flag: string, choices: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as T;
    throw new UsageError(`${flag} is one of ${choices.join(", ")}, not ${String(value)}`);
}

/**
 * The output format of a command: `--output`/`-o`, or its older spelling `--format` (kept
 * working); giving both with different values is a usage error. `aliases` maps other accepted
 * spellings to a choice (evaluate's `table` is `text`).
 */
export function outputFormat<T extends string>(
    flags: Readonly<Record<string, string | boolean | undefined>>,
    choices: readonly T[],
    fallback: T,
    aliases: Readonly<Record<string, T>> = {},
): T {
    const output = flags["output"];
    const format = flags["format"];
    if (output !== undefined && format !== undefined && output !== format)
        throw new UsageError(
            `--output ${String(output)} and --format ${String(format)} disagree; give one (--format is the older spelling)`,
        );
    const value = output ?? format;
    if (typeof value === "string" && value in aliases) return aliases[value]!;
    const flag = output !== undefined ? "--output" : "--format";
    return choice(value, flag, choices, fallback);
}

/** The two flags `outputFormat` reads, for a command's flag specs. */
export const OUTPUT_FLAGS: Readonly<Record<string, FlagSpec>> = { output: { type: "string", short: "o" }, format: { type: "string" } };

/**
 * A path as the user meant it: relative to the directory they ran the command from. `npm run`
 * runs scripts in the package's root and says where the user was in INIT_CWD
 * (https://docs.npmjs.com/cli/v10/commands/npm-run-script); outside npm the process's own
 * directory is that place.
 */
export function userPath(given: string, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
    const base = env["npm_lifecycle_event"] !== undefined && env["INIT_CWD"] ? env["INIT_CWD"] : cwd;
    return pathResolve(base, given);
}

/**
 * A closed pipe (`netpol evaluate ... | head -1`) ends the command quietly with exit 0, as the
 * usual Unix tools do: the reader has all it wanted. Node reports the closed pipe as an EPIPE
 * error on the stream (https://nodejs.org/docs/latest-v20.x/api/errors.html#common-system-errors);
 * without a listener it would be thrown with a stack trace.
 */
export function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream = process.stdout, exit: (code: number) => void = process.exit): void {
    stream.on("error", (e: NodeJS.ErrnoException) => {
        if (e.code === "EPIPE") exit(0);
        else throw e;
    });
}

/** Where a command writes; the process's streams, or a buffer in tests. */
export interface Io {
    stdout(text: string): void;
    stderr(text: string): void;
}

export const processIo: Io = {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
};

/**
 * The exit code for an error thrown by a command: usage errors print the message to stderr (2),
 * --help prints usage to stdout (0), anything else is an internal error with its stack (1).
 */
export function exitCodeOf(e: unknown, io: Io): number {
    if (e instanceof HelpRequested) {
        io.stdout(`${e.usage}\n`);
        return 0;
    }
    if (e instanceof UsageError) {
        io.stderr(`${e.message}\n`);
        return 2;
    }
    // Not 1: a script reading `can-i ... || echo denied` must not take a crash for a "no".
    io.stderr(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 3;
}

/** Runs a synchronous command and returns its exit code. */
export function execute(main: (io: Io) => number, io: Io = processIo): number {
    try {
        return main(io);
    } catch (e) {
        return exitCodeOf(e, io);
    }
}

/**
 * Runs an asynchronous command's main as the process. The exit code is set, not forced, so
 * piped output is flushed before the process ends.
 */
export function runMain(main: () => Promise<number>): void {
    main().then(
        (code) => {
            process.exitCode = code;
        },
        (e: unknown) => {
            process.exitCode = exitCodeOf(e, processIo);
        },
    );
}

/** How the help texts spell a command line. */
export const RUN = "npm run --silent netpol --";

/** A file flag's path as the user meant it: from where they ran the command (`-` is standard input). */
export function fileFlag(c: ParsedCommand, name: string): string | undefined {
    const given = c.flags[name] as string | undefined;
    return given === undefined || given === "-" ? given : userPath(given);
}

export function requireFlag(c: ParsedCommand, flag: string, usage: string): string {
    const value = c.flags[flag];
    if (typeof value !== "string") throw new UsageError(`--${flag} is required\n\n${usage}`);
    return value;
}

export function positive(c: ParsedCommand, flag: string, fallback: number): number {
    const value = c.flags[flag];
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} is a whole number of at least 1, not ${String(value)}`);
    return n;
}

/** `<port>[/<protocol>]`; TCP when no protocol is given, as in a NetworkPolicy port. */
export function parsePort(text: string): { port: number; protocol: Protocol } {
    const match = /^(\d{1,5})(?:\/([A-Za-z]+))?$/.exec(text);
    const port = Number(match?.[1]);
    if (/^[a-z][a-z0-9-]*(\/[A-Za-z]+)?$/.test(text))
        throw new UsageError(
            `${text} is a port name; give the port's number (a named port is resolved on the destination pod's container ports, which differ from pod to pod), e.g. 8080 or 53/UDP`,
        );
    if (!match || port < 1 || port > 65535)
        throw new UsageError(`${text} is not <port>[/<protocol>], a number from 1 to 65535, e.g. 8080 or 53/UDP`);
    const protocol = (match[2] ?? "TCP").toUpperCase();
    if (!(PROTOCOLS as readonly string[]).includes(protocol)) throw new UsageError(`${match[2]} is not one of ${PROTOCOLS.join(", ")}`);
    return { port, protocol: protocol as Protocol };
}

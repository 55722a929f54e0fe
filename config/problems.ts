/**
 * Problems found in a stack configuration, as people read them: where the key is written (file
 * and line, when known), the key path as `pulumi config set --path` takes it, the value, what is
 * wrong and a hint. Shape problems from zod are reworded here, so no library wording reaches a
 * person.
 */
import { z } from "zod";
import { closest, distance } from "fastest-levenshtein";
import { PROJECT, configSchema } from "./shape";

export interface ConfigProblem {
    /** Project-qualified key path, as `pulumi config set --path` takes it. */
    readonly path: string;
    readonly value: unknown;
    readonly message: string;
    readonly hint?: string;
    /** The key path as a list (`["cluster", "nodeGroup", "maxSize"]`), to find where it is written. */
    readonly keys?: readonly (string | number)[];
    /** Where the key is written, when the stack file is known (`Pulumi.prod.yaml`, line 12). */
    readonly source?: SourcePosition;
}

export interface SourcePosition {
    readonly file: string;
    /** 1-based. */
    readonly line: number;
}

/** `file:line: key.path: value: what is wrong (hint)`, the form editors and CI annotations read. */
export function formatProblem(p: ConfigProblem): string {
    const where = p.source ? `${p.source.file}:${p.source.line}: ` : "";
    return `${where}${p.path}: ${formatValue(p.value)}: ${p.message}${p.hint ? ` (${p.hint})` : ""}`;
}

/** Values longer than this are shown by their start and their length. */
const LONGEST_VALUE = 200;
const SHOWN_START = 40;

/** A value as JSON, long ones shortened: `"xxxx…" (5,000,000 characters)`. */
export function formatValue(value: unknown): string {
    if (value === undefined) return "(not set)";
    const text = JSON.stringify(value) ?? String(value);
    if (text.length <= LONGEST_VALUE) return text;
    if (typeof value === "string") {
        return `${JSON.stringify(value.slice(0, SHOWN_START)).slice(0, -1)}…" (${count(value.length)} characters)`;
    }
    return `${text.slice(0, SHOWN_START)}… (${count(text.length)} characters of JSON)`;
}

/** Text from the config to quote inside a message, shortened like values. */
export function shorten(text: string): string {
    return text.length <= SHOWN_START * 2 ? text : `${text.slice(0, SHOWN_START)}… (${count(text.length)} characters)`;
}

function count(n: number): string {
    return n.toLocaleString("en-US");
}

/** One zod issue as the problems a person reads; `raw` is the whole config, for the values. */
export function shapeProblems(issue: z.core.$ZodIssue, raw: unknown): ConfigProblem[] {
    const path = [...issue.path] as (string | number)[];
    const value = valueAt(raw, path);
    const at = keyPath(path);
    switch (issue.code) {
        case "unrecognized_keys":
            return issue.keys.map((key) => {
                const known = knownKeysAt(configSchema, path);
                const guess = known.length > 0 && key.length <= 100 ? closest(key, known) : undefined;
                return {
                    path: keyPath([...path, key]),
                    keys: [...path, key],
                    value: valueAt(raw, [...path, key]),
                    message: "unknown key",
                    // A short key is near anything within three edits; a third of its length is the bar.
                    hint:
                        guess && distance(key, guess) <= Math.min(3, Math.ceil(key.length / 3))
                            ? `did you mean ${guess}?`
                            : `known keys: ${known.join(", ")}`,
                };
            });
        case "invalid_type":
            if (value === undefined) return [required(path, `pulumi config set --path '${at}' <${typeName(issue.expected)}>`)];
            if (issue.expected === "int" && typeof value === "number")
                return [{ path: at, keys: path, value, message: "is not a whole number" }];
            if (issue.expected === "object" && isPortEntry(path)) {
                return [
                    {
                        path: at,
                        keys: path,
                        value,
                        message: `is not a port: expected a number, a name or { port, protocol }, got ${describe(value)}`,
                        hint: "e.g. 8080, http or { port: 53, protocol: UDP }",
                    },
                ];
            }
            return [
                {
                    path: at,
                    keys: path,
                    value,
                    message: `expected ${expectedName(issue.expected)}, got ${describe(value)}`,
                    ...optionalHint(typeHint(issue.expected, value)),
                },
            ];
        case "invalid_value": {
            const allowed = issue.values.map(String);
            if (value === undefined) return [required(path, `one of ${allowed.join(", ")}`)];
            return [
                { path: at, keys: path, value, message: `is not one of ${allowed.join(", ")}`, ...optionalHint(suggest(value, allowed)) },
            ];
        }
        case "too_small":
            return [{ path: at, keys: path, value, message: boundMessage("at least", issue.origin, Number(issue.minimum)) }];
        case "too_big":
            return [{ path: at, keys: path, value, message: boundMessage("at most", issue.origin, Number(issue.maximum)) }];
        case "invalid_format":
            // Our schemas give every format check a message of their own (shape.ts).
            return [{ path: at, keys: path, value, message: issue.format === "regex" ? issue.message : `is not a valid ${issue.format}` }];
        case "invalid_union": {
            const expected = [
                ...new Set(issue.errors.flatMap((e) => e.filter((i) => i.code === "invalid_type").map((i) => expectedName(i.expected)))),
            ];
            return [
                {
                    path: at,
                    keys: path,
                    value,
                    message: expected.length > 0 ? `expected ${expected.join(" or ")}, got ${describe(value)}` : "is not valid here",
                },
            ];
        }
        default:
            return [{ path: at, keys: path, value, message: "is not valid here" }];
    }
}

function required(keys: (string | number)[], hint: string): ConfigProblem {
    return { path: keyPath(keys), keys, value: undefined, message: "is required", hint };
}

function optionalHint(hint: string | undefined): { hint?: string } {
    return hint ? { hint } : {};
}

/** `must list at least one entry`, `must be at most 6`. */
function boundMessage(bound: "at least" | "at most", origin: string, limit: number): string {
    if (origin === "array" || origin === "set") {
        return `must list ${bound} ${limit === 1 ? "one entry" : `${limit} entries`}`;
    }
    if (origin === "string") return limit === 1 && bound === "at least" ? "must not be empty" : `must have ${bound} ${limit} characters`;
    return `must be ${bound} ${limit}`;
}

/** Port lists accept bare numbers and names, so their entries get a message of their own. */
function isPortEntry(path: readonly (string | number)[]): boolean {
    const parent = path[path.length - 2];
    return typeof path[path.length - 1] === "number" && (parent === "ports" || parent === "webPorts");
}

const TYPE_NAMES: Record<string, string> = { array: "list", int: "whole number", object: "object", record: "object" };

function typeName(expected: string): string {
    return TYPE_NAMES[expected] ?? expected;
}

function expectedName(expected: string): string {
    if (expected === "boolean") return "true or false";
    const name = typeName(expected);
    return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

function typeHint(expected: string, value: unknown): string | undefined {
    if (expected === "boolean" && typeof value === "string") return "write true or false without quotes";
    if (expected === "number" && typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value)))
        return "write the number without quotes";
    if (expected === "string" && typeof value === "number") return `quote it: "${value}"`;
    return undefined;
}

/** The keys the schema knows for the object at `path`, for did-you-mean hints on typos. */
export function knownKeysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
    let node: unknown = schema;
    for (const segment of path) {
        node = unwrap(node);
        const def = (node as { _zod: { def: Record<string, unknown> } })._zod.def;
        if (def.type === "object") node = (def.shape as Record<string, unknown>)[String(segment)];
        else if (def.type === "array") node = def.element;
        else if (def.type === "record") node = def.valueType;
        else return [];
        if (!node) return [];
    }
    const def = (unwrap(node) as { _zod: { def: Record<string, unknown> } })._zod.def;
    return def.type === "object" ? Object.keys(def.shape as object) : [];
}

function unwrap(node: unknown): unknown {
    let current = node as { _zod: { def: Record<string, unknown> } };
    for (;;) {
        const def = current._zod.def;
        if (def.type === "optional" || def.type === "default") current = def.innerType as typeof current;
        else if (def.type === "pipe") current = def.out as typeof current;
        else return current;
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** A did-you-mean for a value among fixed candidates: the same word in another case first, then a near miss. */
export function suggest(value: unknown, candidates: readonly string[]): string | undefined {
    if (typeof value !== "string" || candidates.length === 0 || value.length > 100) return undefined;
    const sameWord = candidates.find((c) => c.toLowerCase() === value.toLowerCase());
    if (sameWord) return `did you mean ${sameWord}?`;
    const guess = closest(value, [...candidates]);
    return distance(value, guess) <= Math.max(2, Math.floor(value.length / 3)) ? `did you mean ${guess}?` : undefined;
}

export function keyPath(path: readonly (string | number)[]): string {
    return path.reduce<string>(
        (acc, seg, i) => (typeof seg === "number" ? `${acc}[${seg}]` : i === 0 ? `${PROJECT}:${seg}` : `${acc}.${seg}`),
        "",
    );
}

export function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
    let node = root;
    for (const seg of path) {
        if (node === null || typeof node !== "object") return undefined;
        node = (node as Record<string, unknown>)[seg as string];
    }
    return node;
}

export function describe(value: unknown): string {
    if (Array.isArray(value)) return "a list";
    if (value === null) return "null";
    return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

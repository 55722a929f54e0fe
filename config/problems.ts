/**
 * Problems found in a stack configuration, as people read them: the key path as
 * `pulumi config set --path` takes it, the value, what is wrong and a hint.
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
}

export function formatProblem(p: ConfigProblem): string {
    const value = p.value === undefined ? "(not set)" : JSON.stringify(p.value);
    return `${p.path}: ${value}: ${p.message}${p.hint ? ` (${p.hint})` : ""}`;
}

export function shapeProblems(issue: z.core.$ZodIssue, raw: unknown): ConfigProblem[] {
    const path = [...issue.path] as (string | number)[];
    const value = valueAt(raw, path);
    switch (issue.code) {
        case "unrecognized_keys":
            return issue.keys.map((key) => {
                const known = knownKeysAt(configSchema, path);
                const guess = known.length > 0 ? closest(key, known) : undefined;
                return {
                    path: keyPath([...path, key]),
                    value: valueAt(raw, [...path, key]),
                    message: "unknown key",
                    hint: guess && distance(key, guess) <= 3 ? `did you mean ${guess}?` : `known keys: ${known.join(", ")}`,
                };
            });
        case "invalid_type":
            if (value === undefined) {
                return [
                    {
                        path: keyPath(path),
                        value,
                        message: "is required",
                        hint: `pulumi config set --path '${keyPath(path)}' <${issue.expected}>`,
                    },
                ];
            }
            return [
                {
                    path: keyPath(path),
                    value,
                    message: `expected a ${issue.expected}, got ${describe(value)}`,
                    hint: typeHint(issue.expected, value),
                },
            ];
        case "invalid_value":
            return [
                {
                    path: keyPath(path),
                    value,
                    message: `is not one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`,
                    hint: suggest(value, issue.values.map(String)),
                },
            ];
        default:
            return [{ path: keyPath(path), value, message: issue.message }];
    }
}

function typeHint(expected: string, value: unknown): string | undefined {
    if (expected === "boolean" && typeof value === "string") return "write true or false without quotes";
    if (expected === "number" && typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value)))
        return "write the number without quotes";
    return undefined;
}

/** The keys the schema knows for the object at `path`, for did-you-mean hints on typos. */
function knownKeysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
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

export function suggest(value: unknown, candidates: readonly string[]): string | undefined {
    if (typeof value !== "string" || candidates.length === 0) return undefined;
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

/**
 * A stack file (`Pulumi.<stack>.yaml`) as text with positions: its config as the Pulumi engine
 * hands it to a program, and the line where each key is written, so a problem can name
 * `Pulumi.prod.yaml:42`. Pure (bytes in, values out); problems with the file as a whole (binary
 * data, YAML syntax, a list where a mapping belongs) throw a StackFileError naming the file.
 */
import { LineCounter, isMap, isNode, isScalar, isSeq, parseDocument } from "yaml";
import { isDeepStrictEqual } from "util";

export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

export interface StackSource {
    /** The file's name as shown in messages (`Pulumi.prod.yaml`). */
    readonly file: string;
    /** Config as the engine passes it to the language host: `namespace:key` -> string, objects as JSON. */
    readonly config: Readonly<Record<string, string>>;
    /**
     * The line (1-based) where `path` under config key `key` is written, or where its nearest
     * written parent is when the key itself is missing; undefined when the key is not there.
     */
    lineOf(key: string, path: readonly (string | number)[]): number | undefined;
}

/** The most syntax errors listed for one file; the first ones are the ones to fix first. */
const MAX_SYNTAX_ERRORS = 10;

export function readStackSource(file: string, bytes: Uint8Array): StackSource {
    const text = decodeText(file, bytes);
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    const lineAt = (offset: number) => lineCounter.linePos(offset).line;
    if (doc.errors.length > 0) {
        const lines = doc.errors.slice(0, MAX_SYNTAX_ERRORS).map((e) => {
            const { line, col } = lineCounter.linePos(e.pos[0]);
            return `  ${file}:${line}:${col}: ${firstLine(e.message)}`;
        });
        const more = doc.errors.length > MAX_SYNTAX_ERRORS ? [`  ... and ${doc.errors.length - MAX_SYNTAX_ERRORS} more`] : [];
        throw new StackFileError(`${file} is not valid YAML:\n${[...lines, ...more].join("\n")}`);
    }
    const root = doc.contents;
    if (root !== null && !isMap(root)) {
        throw new StackFileError(
            `${file} holds ${kindOf(root)}, not a mapping: a stack file is a mapping with a config: section of keys such as k8s-platform:network`,
        );
    }
    const configNode = root?.get("config", true);
    if (configNode !== undefined && configNode !== null && !(isScalar(configNode) && configNode.value === null) && !isMap(configNode)) {
        const line = configNode.range ? `:${lineAt(configNode.range[0])}` : "";
        throw new StackFileError(
            `${file}${line}: config holds ${kindOf(configNode)}, not a mapping of keys such as k8s-platform:network to their values`,
        );
    }
    const config: Record<string, string> = {};
    if (isMap(configNode)) {
        for (const pair of configNode.items) {
            const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
            const value = isNode(pair.value) ? (pair.value.toJS(doc) as unknown) : pair.value;
            if (value !== null && typeof value === "object" && "secure" in value) {
                throw new StackFileError(
                    `${file}:${lineOfNode(pair.key, lineAt)}: ${key} is a secret; the offline plan cannot decrypt it (run pulumi preview instead)`,
                );
            }
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return { file, config, lineOf: (key, path) => locate(configNode, key, path, lineAt) };
}

/**
 * Where a problem's key is written, if the file holds what the program was given there. Config can
 * also come from elsewhere (a test's edits, `pulumi config` flags, an ESC environment), so a line is
 * named only when the value at that key, or at its nearest written parent, is the one the program
 * read. `given` is the config the program received.
 */
export function sourceLine(
    source: StackSource,
    given: Readonly<Record<string, string>>,
    key: string,
    path: readonly (string | number)[],
): number | undefined {
    if (given[key] === undefined || source.config[key] === undefined) return undefined;
    const fromFile = parseValue(source.config[key]);
    const fromProgram = parseValue(given[key]);
    for (let depth = path.length; depth >= 0; depth--) {
        const prefix = path.slice(0, depth);
        const inFile = valueAt(fromFile, prefix);
        if (inFile === undefined && depth > 0) continue;
        return isDeepStrictEqual(inFile, valueAt(fromProgram, prefix)) ? source.lineOf(key, prefix) : undefined;
    }
    return undefined;
}

function decodeText(file: string, bytes: Uint8Array): string {
    const nul = bytes.indexOf(0);
    if (nul >= 0) throw new StackFileError(`${file} holds binary data (a NUL byte at byte ${nul}), not YAML text`);
    try {
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
        throw new StackFileError(`${file} holds binary data (it is not UTF-8 text), not YAML text`);
    }
}

function locate(
    configNode: unknown,
    key: string,
    path: readonly (string | number)[],
    lineAt: (offset: number) => number,
): number | undefined {
    if (!isMap(configNode)) return undefined;
    let pair = configNode.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (!pair) return undefined;
    let line = lineOfNode(pair.key, lineAt);
    let node: unknown = pair.value;
    for (const segment of path) {
        if (isMap(node)) {
            pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
            if (!pair) break;
            line = lineOfNode(pair.key, lineAt) ?? line;
            node = pair.value;
        } else if (isSeq(node) && typeof segment === "number" && segment < node.items.length) {
            node = node.items[segment];
            line = lineOfNode(node, lineAt) ?? line;
        } else break;
    }
    return line;
}

function lineOfNode(node: unknown, lineAt: (offset: number) => number): number | undefined {
    const range = isNode(node) ? node.range : undefined;
    return range ? lineAt(range[0]) : undefined;
}

function kindOf(node: unknown): string {
    if (isSeq(node)) return "a list";
    if (isScalar(node)) return typeof node.value === "string" ? "a string" : `a ${typeof node.value} value`;
    return "an alias or tag";
}

function firstLine(message: string): string {
    return message.split("\n")[0]!.trim();
}

function parseValue(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
    let node = root;
    for (const seg of path) {
        if (node === null || typeof node !== "object") return undefined;
        node = (node as Record<string, unknown>)[seg as string];
    }
    return node;
}

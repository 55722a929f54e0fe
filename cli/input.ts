/**
 * Reading what the engine is given from disk: a snapshot file (JSON or YAML, one or many
 * documents), a directory of them (a folder of manifests; the plan's out/<stack>/ with the pods of
 * out/<stack>.netpol/snapshot.json), or a stack's
 * compiled intent (`--stack`). A file that parses as neither JSON nor YAML is refused with the
 * position of the problem.
 */
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { allPolicies, compileIntent } from "../compiler/generate";
import { NetworkIntent } from "../compiler/intent";
import { planSnapshot } from "../compiler/planSnapshot";
import { StackConfig, formatProblem, parseStackConfig, projectConfigValues } from "../config/schema";
import { suggest } from "../config/problems";
import { DEFAULT_APP_LABELS, Resolution, resolveParty } from "../engine/canI";
import { Snapshot, SourcedDocument, formatSnapshotError, leftOutSummary, parseSnapshotDocuments } from "../engine/snapshot";
import { LiveCluster, readLiveList } from "../live/cluster";
import { knownStacks, readStackFile, readStackFileAt } from "../offline/stackFile";
import { Io, ParsedCommand, UsageError, userPath } from "./args";

export const PROJECT_DIR = path.resolve(__dirname, "..");

/**
 * Every document of a file or of the JSON/YAML files of a directory (not recursive), in name
 * order. `target` is read from where the user ran the command (`userPath`) and named as given.
 * A file with no document in it (empty, or only comments) is refused: it is never what was meant.
 */
export function readDocuments(target: string): SourcedDocument[] {
    const where = userPath(target);
    let stat;
    try {
        stat = fs.statSync(where);
    } catch {
        throw new UsageError(`cannot read ${target}: no such file or directory`);
    }
    const what = "a snapshot (engine/SNAPSHOT.md), Kubernetes manifests or kubectl get -o json output";
    if (!stat.isDirectory()) {
        const docs = parseDocuments(target, readText(where, target));
        if (docs.length === 0) throw new UsageError(`${target} is empty (no JSON or YAML document in it): expected ${what}`);
        return docs;
    }
    const files = fs
        .readdirSync(where)
        .filter((f) => /\.(json|ya?ml)$/.test(f))
        .sort();
    if (files.length === 0) throw new UsageError(`${target} holds no .json, .yaml or .yml file`);
    const docs = files.flatMap((f) => parseDocuments(f, readText(path.join(where, f), f)));
    if (docs.length === 0) throw new UsageError(`${target} holds only empty files (${files.join(", ")}): expected ${what}`);
    return docs;
}

export function readText(file: string, shownAs: string = file): string {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        throw new UsageError(`cannot read ${shownAs}`);
    }
}

/**
 * JSON first (the exact parser for JSON files), then YAML (multi-document). When both fail, the
 * message gives the position from the parser the file was meant for: JSON when it is named .json
 * or starts with `{` or `[`, YAML otherwise.
 */
export function parseDocuments(source: string, text: string): SourcedDocument[] {
    let jsonError: Error;
    try {
        return [{ source, value: JSON.parse(text) as unknown }];
    } catch (e) {
        jsonError = e as Error;
    }
    const docs = parseAllDocuments(text);
    const list = Array.isArray(docs) ? docs : [docs];
    const yamlError = list.flatMap((d) => d.errors)[0];
    if (!yamlError) {
        const values = list.map((d) => d.toJS({ maxAliasCount: 1000 }) as unknown).filter((v) => v !== null && v !== undefined);
        return values.map((value, i) => ({ source: values.length > 1 ? `${source}#${i + 1}` : source, value }));
    }
    const meantAsJson = source.endsWith(".json") || /^\s*[[{]/.test(text);
    if (meantAsJson) {
        // Node's own message has no position for some errors (V8: `Unexpected token ',', "..." is not valid JSON`).
        const problem = firstJsonProblem(text) ?? { offset: text.length, message: jsonError.message };
        const lines = text.slice(0, problem.offset).split("\n");
        throw new UsageError(
            `${source} is neither valid JSON nor YAML: JSON error at line ${lines.length}, column ${lines[lines.length - 1]!.length + 1}: ${problem.message}`,
        );
    }
    const [line, column] = [yamlError.linePos?.[0].line ?? 1, yamlError.linePos?.[0].col ?? 1];
    throw new UsageError(
        `${source} is neither valid JSON nor YAML: YAML error at line ${line}, column ${column}: ${yamlError.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
    );
}

/** Where JSON text first goes wrong, and what was expected there (RFC 8259 grammar). */
export function firstJsonProblem(text: string): { offset: number; message: string } | undefined {
    let i = 0;
    const fail = (message: string): never => {
        throw { offset: i, message };
    };
    const space = () => {
        while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
    };
    const literal = (word: string) => (text.startsWith(word, i) ? void (i += word.length) : fail(`expected ${word}`));
    const string = () => {
        if (text[i] !== '"') fail("expected a double-quoted string");
        for (i++; i < text.length; i++) {
            const c = text[i]!;
            if (c === '"') return void i++;
            if (c === "\\") {
                i++;
                if (text[i] === "u") {
                    if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail("expected four hex digits after \\u");
                    i += 4;
                } else if (!'"\\/bfnrt'.includes(text[i] ?? "")) fail("invalid escape in a string");
            } else if (c < " ") fail("a control character inside a string (newlines must be written \\n)");
        }
        fail("unterminated string");
    };
    const value = (): void => {
        space();
        const c = text[i];
        if (c === "{") {
            i++;
            space();
            if (text[i] === "}") return void i++;
            for (;;) {
                space();
                string();
                space();
                if (text[i] !== ":") fail("expected ':' after a property name");
                i++;
                value();
                space();
                if (text[i] === ",") {
                    i++;
                    space();
                    if (text[i] === "}") fail("a trailing comma before '}'");
                    continue;
                }
                if (text[i] === "}") return void i++;
                fail("expected ',' or '}' after a property value");
            }
        }
        if (c === "[") {
            i++;
            space();
            if (text[i] === "]") return void i++;
            for (;;) {
                value();
                space();
                if (text[i] === ",") {
                    i++;
                    space();
                    if (text[i] === "]") fail("a trailing comma before ']'");
                    continue;
                }
                if (text[i] === "]") return void i++;
                fail("expected ',' or ']' after a list item");
            }
        }
        if (c === '"') return string();
        if (c === "t") return literal("true");
        if (c === "f") return literal("false");
        if (c === "n") return literal("null");
        const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
        if (number) return void (i += number[0].length);
        fail(i >= text.length ? "unexpected end of the file" : `expected a value, found ${JSON.stringify(c)}`);
    };
    try {
        value();
        space();
        if (i < text.length) fail("unexpected text after the JSON value");
        return undefined;
    } catch (e) {
        if (typeof e === "object" && e !== null && "offset" in e) return e as { offset: number; message: string };
        throw e;
    }
}

/**
 * A snapshot from a file or directory; a stack file is pointed to `--stack`. The plan's manifest
 * folder is read with the pods of its companion snapshot (`planPods`), said on one line to `note`.
 */
export function loadSnapshot(target: string, note: (line: string) => void = (l) => void process.stderr.write(`${l}\n`)): Snapshot {
    const pods = planPods(target);
    if (pods) note(`${target}: namespaces and policies from its manifests; pods from ${pods.source}`);
    const docs = [...(pods ? [pods] : []), ...readDocuments(target)];
    const stackFile = docs.find((d) => isStackFile(d.value));
    if (stackFile) {
        const stack = /Pulumi\.(.+)\.yaml$/.exec(path.basename(target))?.[1] ?? "<stack>";
        throw new UsageError(`${target} is a stack file, not a snapshot: give --stack ${stack} to judge what it compiles to`);
    }
    const result = parseSnapshotDocuments(docs);
    if (!result.ok)
        throw new UsageError(`${target} is not a valid snapshot:\n${result.errors.map((e) => `  ${formatSnapshotError(e)}`).join("\n")}`);
    return result.snapshot;
}

/**
 * The plan writes the manifests of a stack to out/<stack>/ (only what kubectl applies) and its
 * representative pods, in snapshot.json, beside them in out/<stack>.netpol/. Given such a folder,
 * the folder's manifests are the namespaces and policies (an edited policy takes effect) and the
 * companion gives the pods, probes and the namespaces the folder does not hold (kube-system, the
 * outside): one snapshot document without policies, read before the folder so that the folder's
 * Namespace labels win. Undefined for anything else.
 */
export function planPods(target: string): SourcedDocument | undefined {
    // From where the user ran the command, normalised: `../out/nonprod`, `out/nonprod/.` and
    // `out/nonprod/` all name out/nonprod, whose companion is out/nonprod.netpol.
    const folder = path.resolve(userPath(target));
    const companion = path.join(`${folder}.netpol`, "snapshot.json");
    if (!fs.existsSync(companion) || !fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) return undefined;
    const value = parseDocuments(companion, readText(companion))[0]?.value;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    const { name, namespaces, pods, probes } = value as Record<string, unknown>;
    return { source: companion, value: { name, namespaces: namespaces ?? {}, pods: pods ?? [], policies: [], probes } };
}

export function isStackFile(doc: unknown): boolean {
    return typeof doc === "object" && doc !== null && !Array.isArray(doc) && "config" in doc;
}

/** The validated network intent of the working tree's Pulumi.<stack>.yaml. */
export function stackIntent(stack: string): NetworkIntent {
    if (!knownStacks(PROJECT_DIR).includes(stack)) {
        const hint = suggest(stack, knownStacks(PROJECT_DIR));
        throw new UsageError(`no stack ${stack}: known stacks are ${knownStacks(PROJECT_DIR).join(", ")}${hint ? `; ${hint}` : ""}`);
    }
    const parsed = parseStackConfig(projectConfigValues(readStackFile(PROJECT_DIR, stack).config));
    if (!parsed.ok)
        throw new UsageError(
            `Pulumi.${stack}.yaml has an invalid stack configuration:\n${parsed.problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`,
        );
    return parsed.config.network;
}

/** What the plan would deploy for a stack, as the snapshot it writes (compiled in memory). */
export function stackSnapshot(stack: string): { snapshot: Snapshot; appLabel: string } {
    const intent = stackIntent(stack);
    const plans = compileIntent(intent);
    return {
        snapshot: planSnapshot(
            `stack ${stack}`,
            intent,
            plans.map((p) => p.namespace),
            allPolicies(plans),
        ),
        appLabel: intent.appLabel,
    };
}

export const STACK_HELP = `<stack>: a stack of this project (nonprod, prod) or a path to a Pulumi.<name>.yaml (the kind stack: live/kind/Pulumi.kind.yaml)`;

export const SNAPSHOT_HELP = `<input>: a snapshot file (engine/SNAPSHOT.md; JSON or YAML), the plan's out/<stack>.netpol/snapshot.json,
  a directory or file of Kubernetes manifests (multi-document YAML, kind: List; the plan's out/<stack>/
  is read with the pods of out/<stack>.netpol/snapshot.json), or the output of
  kubectl get namespaces,pods,networkpolicies,nodes -A -o json; a relative path is read from where
  you ran the command. Or --stack <stack>: what the plan of Pulumi.<stack>.yaml deploys, compiled in
  memory (one pod per app, platform pods included).
  Finished pods (phase Succeeded or Failed) and pods without an address are left out, with a note
  on stderr saying how many; an input without pods is warned about (every answer is then about
  addresses only); an empty file is refused.`;

/** A stack by name (Pulumi.<stack>.yaml here) or by the path of its stack file, validated. */
export function loadStack(stack: string): StackConfig {
    let file;
    if (stack.endsWith(".yaml")) {
        if (!fs.existsSync(userPath(stack))) throw new UsageError(`no stack file ${stack}`);
        file = readStackFileAt(PROJECT_DIR, userPath(stack));
    } else {
        if (!knownStacks(PROJECT_DIR).includes(stack))
            throw new UsageError(
                `no stack ${stack}: known stacks are ${knownStacks(PROJECT_DIR).join(", ")}, or give a path to a Pulumi.<name>.yaml`,
            );
        file = readStackFile(PROJECT_DIR, stack);
    }
    const parsed = parseStackConfig(projectConfigValues(file.config));
    if (!parsed.ok)
        throw new UsageError(
            `${stack} has an invalid stack configuration:\n${parsed.problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`,
        );
    return parsed.config;
}

/** A recorded List (a file, or stdin for "-"), read as the live cluster. */
export function readLive(target: string): LiveCluster {
    const text = target === "-" ? readStdin() : readFile(target);
    const docs = parseDocuments(target === "-" ? "stdin" : target, text);
    if (docs.length !== 1) throw new UsageError(`${target} holds ${docs.length} documents: give one List (kubectl get ... -o json)`);
    const result = readLiveList(target === "-" ? "stdin" : target, docs[0]!.value);
    if (!result.ok) throw new UsageError(result.problems.join("\n"));
    return result.cluster;
}

function readStdin(): string {
    try {
        return fs.readFileSync(0, "utf8");
    } catch {
        throw new UsageError("cannot read stdin");
    }
}

export function readFile(file: string): string {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        throw new UsageError(`cannot read ${file}`);
    }
}

/**
 * The input from `--stack` or the first positional, and the positionals after it (exactly
 * `count`). A file's left-out pods and a pod-less input are said on stderr.
 */
export function inputOf(
    c: ParsedCommand,
    count: number,
    usage: string,
    io: Io,
): { snapshot: Snapshot; appLabel?: string; rest: readonly string[] } {
    const stack = c.flags["stack"] as string | undefined;
    if (stack !== undefined) {
        if (c.positionals.length !== count) throw new UsageError(`expected ${count} argument(s) after --stack ${stack}\n\n${usage}`);
        return { ...stackSnapshot(stack), rest: c.positionals };
    }
    if (c.positionals.length !== count + 1)
        throw new UsageError(`expected an input${count > 0 ? ` and ${count} more argument(s)` : ""}\n\n${usage}`);
    return { ...loadInput(c.positionals[0]!, io), rest: c.positionals.slice(1) };
}

/** A snapshot from a file or directory, with its notes on stderr (left-out pods, no pods at all). */
export function loadInput(target: string, io: Io): { snapshot: Snapshot } {
    const snapshot = loadSnapshot(target);
    const left = leftOutSummary(snapshot);
    if (left) io.stderr(`note: ${target}: ${left}\n`);
    if (snapshot.pods.length === 0) io.stderr(`warning: ${target} holds no live pods: every answer is about addresses only\n`);
    return { snapshot };
}

export function appLabels(c: ParsedCommand, stackLabel: string | undefined): string[] {
    const given = c.flags["app-label"] as string | undefined;
    return [...new Set([...(given ? [given] : []), ...(stackLabel ? [stackLabel] : []), ...DEFAULT_APP_LABELS])];
}

/** A party resolved, its warning said on stderr; an unknown name gets a did-you-mean. */
export function resolve(text: string, snapshot: Snapshot, labels: readonly string[], io: Io): Resolution & { ok: true } {
    const r = resolveParty(text, snapshot, labels);
    if (!r.ok) {
        const hint = r.unknown && suggest(r.unknown.word, r.unknown.candidates);
        throw new UsageError(hint ? `${r.message}; ${hint}` : r.message);
    }
    if (r.warning) io.stderr(`warning: ${r.warning}\n`);
    return r;
}

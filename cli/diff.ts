/**
 * `netpol diff`: connections gained and lost between two inputs, two stack files, or what two git
 * refs of this repository compile for a stack (cli/refs.ts builds each ref with its own code).
 */
import { diffIntents } from "../compiler/intentDiff";
import { NetworkIntent } from "../compiler/intent";
import { formatProblem, parseStackConfig, projectConfigValues } from "../config/schema";
import { ConnectivityDiff, diffConnectivity, isEmptyDiff, renderDiffMarkdown, renderDiffText } from "../engine/diff";
import { connectivityWithOutside, outsideAddresses } from "../engine/outside";
import { policyPortEntries, portClasses } from "../engine/ports";
import { Snapshot } from "../engine/snapshot";
import { configFromDocument } from "../offline/stackFile";
import { FlagSpec, Io, OUTPUT_FLAGS, ParsedCommand, RUN, UsageError, outputFormat } from "./args";
import { diffCompiled, renderCausesMarkdown, renderCompiledText } from "./compiledDiff";
import { PROJECT_DIR, isStackFile, loadInput, readDocuments } from "./input";
import { buildRef } from "./refs";

export const DIFF_USAGE = `usage: ${RUN} diff <before> <after> [options]
       ${RUN} diff --stack <stack> <git-ref> <git-ref> [options]
Connections gained and lost between two inputs (snapshots, directories of manifests, kubectl
output), two stack files, or what two git refs of this repository compile for a stack. With --stack
each ref is built by its own code in a temporary git worktree (its own install from its lock file,
reused between runs) and both are judged on one world; each row names the policy that decided it
and the intent entry it implements. "." is the working tree.
Both sides are judged against the same outside addresses: one per address range that either side's
ipBlocks distinguish (each cidr and except), named by its range ("203.0.113.0/24 (outside)"), both
ways, on every port range either side's rules distinguish; so an ipBlock added, removed, narrowed
or widened shows as connections gained or lost.
A ref whose package-lock.json differs from the working tree's is installed once into
node_modules/.cache/k8s-platform/refs/<sha256 of the lock file>/ (about 340 MB each); the cache keeps the
3 most recently used installs and removes older ones after each new install.
options:
  -o, --output text|markdown|json   (default text; --format is the older spelling)
  --all-policies                every policy behind each row, not only the one that decided (--stack)
  --title <title>               heading of the text or Markdown
  --max-chars <n>               Markdown size cap, at least 2000 (default 60000)
  --all                         every row in text output (default: the first 200)
  --exit-code                   exit 1 when connectivity changed, like git diff --exit-code
exit codes: 0 no change (or any result without --exit-code), 1 changed with --exit-code, 2 usage or input error`;

export const DIFF_FLAGS: Record<string, FlagSpec> = {
    ...OUTPUT_FLAGS,
    "all-policies": { type: "boolean" },
    title: { type: "string" },
    stack: { type: "string" },
    "max-chars": { type: "string" },
    all: { type: "boolean" },
    "exit-code": { type: "boolean" },
};

/** Connections gained and lost between two inputs, two stack files, or two git refs of a stack. */
export function diffCommand(c: ParsedCommand, io: Io): number {
    const usage = DIFF_USAGE;
    const format = outputFormat(c.flags, ["text", "markdown", "json"], "text");
    const maxChars = Number(c.flags["max-chars"] ?? 60000);
    if (!Number.isInteger(maxChars) || maxChars < 2000) throw new UsageError("--max-chars is a whole number of at least 2000");
    const maxRows = c.flags["all"] === true ? Number.POSITIVE_INFINITY : 200;
    if (c.positionals.length !== 2) throw new UsageError(`diff takes two things to compare\n\n${usage}`);
    const [before, after] = c.positionals as [string, string];
    const stack = c.flags["stack"] as string | undefined;
    const titled = (a: string, b: string) => (c.flags["title"] as string | undefined) ?? `Connectivity change ${a} → ${b}`;
    let changed: boolean;
    let text: string;
    if (stack !== undefined) {
        const [a, b] = [buildRef(PROJECT_DIR, stack, before), buildRef(PROJECT_DIR, stack, after)];
        const d = diffCompiled(a.compiled, b.compiled);
        const title = titled(a.label, b.label);
        const every = c.flags["all-policies"] === true;
        changed = !isEmptyDiff(d);
        text =
            format === "json"
                ? JSON.stringify({ before: { ref: before, commit: a.commit }, after: { ref: after, commit: b.commit }, ...d }, null, 2)
                : format === "markdown"
                  ? [
                        renderDiffMarkdown(title, d, Math.floor(maxChars * 0.6)),
                        renderCausesMarkdown(d, Math.floor(maxChars * 0.4), every),
                    ].join("\n")
                  : renderCompiledText(title, d, maxRows, every);
    } else {
        const docs = [before, after].map((f) => readDocuments(f));
        const kinds = docs.map((d) => (d.length === 1 && isStackFile(d[0]!.value) ? "stack" : "snapshot"));
        if (kinds[0] !== kinds[1]) throw new UsageError(`cannot compare a ${kinds[0]} with a ${kinds[1]}`);
        const d: ConnectivityDiff =
            kinds[0] === "stack"
                ? diffIntents(fileIntent(before, docs[0]![0]!.value), fileIntent(after, docs[1]![0]!.value))
                : diffInputs(loadInput(before, io).snapshot, loadInput(after, io).snapshot);
        const title = titled(before, after);
        changed = !isEmptyDiff(d);
        text =
            format === "json"
                ? JSON.stringify(d, null, 2)
                : format === "markdown"
                  ? renderDiffMarkdown(title, d, maxChars)
                  : renderDiffText(title, d, maxRows);
    }
    io.stdout(`${text}\n`);
    return c.flags["exit-code"] === true && changed ? 1 : 0;
}

function fileIntent(label: string, doc: unknown): NetworkIntent {
    const parsed = parseStackConfig(projectConfigValues(configFromDocument(doc)));
    if (!parsed.ok)
        throw new UsageError(
            `${label} has an invalid stack configuration:\n${parsed.problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`,
        );
    return parsed.config.network;
}

/**
 * Two inputs judged on the same outside parties (one per address range either side's ipBlocks
 * distinguish) and the same port classes (every boundary of either side's rules), beside their
 * own pods and probes.
 */
export function diffInputs(before: Snapshot, after: Snapshot, appLabel = "app"): ConnectivityDiff {
    const policies = [...before.policies, ...after.policies];
    const pods = [...before.pods, ...after.pods];
    const ranges = [before, after].flatMap((s) => [...(s.podCidrs ?? []), ...(s.nodeCidrs ?? [])]);
    const outside = outsideAddresses(policies, [...pods.map((p) => p.ip), ...[before, after].flatMap((s) => s.nodeIps ?? [])], ranges);
    // Named ports resolved against both sides' pods, and every declared container port a class of its
    // own, so a (named) port that moves is judged on its old and its new port on both sides.
    const declared = pods.flatMap((p) => p.ports.map((cp) => ({ port: cp.port, protocol: cp.protocol })));
    const ports = portClasses([...policyPortEntries(policies), ...declared], pods);
    return diffConnectivity(
        connectivityWithOutside(before, outside, ports, appLabel),
        connectivityWithOutside(after, outside, ports, appLabel),
    );
}

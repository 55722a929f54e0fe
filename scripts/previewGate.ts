/**
 * `npm run --silent preview-gate -- preview.json`: fails (exit 1) when a `pulumi preview --json`
 * would replace or delete the cluster, its KMS key, a namespace or the Kubernetes provider.
 */
import * as fs from "fs";
import { formatGate, guardedChanges } from "../delivery/previewGate";
import { OUTPUT_FLAGS, UsageError, endQuietlyOnClosedPipe, execute, outputFormat, parseCommand, userPath } from "../cli/args";

const USAGE = `usage: npm run --silent preview-gate -- <preview.json> [-o text|json]   (--format is the older spelling of -o)
Reads the output of \`pulumi preview --json\` and fails when it would replace or delete the cluster,
its KMS key, a namespace or the Kubernetes provider.
exit codes: 0 passed, 1 a guarded resource would be replaced or deleted, 2 usage error or input that is not a preview`;

endQuietlyOnClosedPipe();
process.exitCode = execute((io) => {
    const { flags, positionals } = parseCommand(process.argv.slice(2), OUTPUT_FLAGS, USAGE);
    const format = outputFormat(flags, ["text", "json"], "text");
    const file = positionals[0];
    if (!file || positionals.length > 1) throw new UsageError(USAGE);
    let preview: unknown;
    try {
        preview = JSON.parse(fs.readFileSync(userPath(file), "utf8"));
    } catch (e) {
        throw new UsageError(`preview gate: cannot read ${file} as JSON: ${(e as Error).message}`);
    }
    const result = guardedChanges(preview);
    io.stdout(`${format === "json" ? JSON.stringify(result, null, 2) : formatGate(result)}\n`);
    return !result.ok ? 2 : result.changes.length > 0 ? 1 : 0;
});

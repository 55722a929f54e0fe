/**
 * `npm run --silent preview-gate -- preview.json`: fails (exit 1) when a `pulumi preview --json`
 * would replace or delete the cluster, its KMS key, a namespace or the Kubernetes provider.
 */
import * as fs from "fs";
import { formatGate, guardedChanges } from "../delivery/previewGate";

const file = process.argv[2];
if (!file) {
    process.stderr.write("usage: npm run --silent preview-gate -- <pulumi preview --json output>\n");
    process.exit(2);
}
let preview: unknown;
try {
    preview = JSON.parse(fs.readFileSync(file, "utf8"));
} catch (e) {
    process.stderr.write(`preview gate: cannot read ${file} as JSON: ${(e as Error).message}\n`);
    process.exit(2);
}
const result = guardedChanges(preview);
process.stdout.write(`${formatGate(result)}\n`);
process.exit(!result.ok ? 2 : result.changes.length > 0 ? 1 : 0);

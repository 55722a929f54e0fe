/**
 * `netpol evaluate`: judges the input's probes, or every ordered pair of pods on each port the
 * destination declares, as a table or JSON.
 */
import { evaluateSnapshot, renderTable, toResult } from "../engine/report";
import { FlagSpec, Io, OUTPUT_FLAGS, ParsedCommand, RUN, outputFormat } from "./args";
import { SNAPSHOT_HELP, inputOf } from "./input";

export const EVALUATE_USAGE = `usage: ${RUN} evaluate <input> [-o text|json]
       ${RUN} evaluate --stack <stack> [-o text|json]
Judges the input's probes, or every ordered pair of pods on each port the destination declares.
-o, --output text|json   (default text, a table; "table" and --format are older spellings)
${SNAPSHOT_HELP}
exit codes: 0 judged, 2 usage or input error`;

export const EVALUATE_FLAGS: Record<string, FlagSpec> = { ...OUTPUT_FLAGS, stack: { type: "string" } };

export function evaluateCommand(c: ParsedCommand, io: Io): number {
    const format = outputFormat(c.flags, ["text", "json"], "text", { table: "text" });
    const { snapshot } = inputOf(c, 0, EVALUATE_USAGE, io);
    const { verdicts } = evaluateSnapshot(snapshot);
    const text =
        format === "json" ? JSON.stringify({ results: verdicts.map((v) => toResult(v.probe, v.verdict)) }, null, 2) : renderTable(verdicts);
    io.stdout(`${text}\n`);
    return 0;
}

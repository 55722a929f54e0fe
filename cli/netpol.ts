/**
 * The reachability engine on the command line (`npm run --silent netpol -- <command>`, or
 * `npx k8s-platform-netpol <command>`; scripts/netpol.ts is the entry point): the list of commands,
 * one module each in this folder. Every command takes --help, its input first (or
 * `--stack <stack>`) and `-o text|json`. Exit codes: 0 yes / no change, 1 no / changed (explain,
 * can-i, diff --exit-code), 2 a usage or input error. A closed pipe ends it quietly with 0.
 */
import { FlagSpec, HelpRequested, Io, ParsedCommand, RUN, UsageError, execute, parseCommand } from "./args";
import { CAN_I_FLAGS, CAN_I_USAGE, canICommand } from "./canI";
import { DIFF_FLAGS, DIFF_USAGE, diffCommand } from "./diff";
import { EVALUATE_FLAGS, EVALUATE_USAGE, evaluateCommand } from "./evaluate";
import { EXPLAIN_FLAGS, EXPLAIN_USAGE, explainCommand } from "./explain";
import { PROBES_FLAGS, PROBES_USAGE, probesCommand } from "./probes";
import { VERIFY_FLAGS, VERIFY_USAGE, verifyCommand } from "./verify";
import { WORKLOADS_FLAGS, WORKLOADS_USAGE, workloadsCommand } from "./workloads";

const USAGE = `usage: ${RUN} <command> [options]   (or: npx k8s-platform-netpol <command> ...)

commands (the input is always the first argument, or --stack <stack>):
  evaluate <input>                               judge every probe (or every pod pair on its ports)
  explain  <input> <from> <to> <port>[/<protocol>]
                                                 one connection, and why
  can-i    <input> <from> <to> <port>[/<protocol>]
                                                 yes or no, with the policies and intent behind it
  diff     <before> <after> | --stack <stack> <git-ref> <git-ref>
                                                 connections gained and lost
  verify   --stack <stack> [--live <file|->] [--results <results.jsonl>]
                                                 the live cluster: drift, probes, judged by the engine
  probes   <snapshot> | --stack <stack> [--live <file|->] -o json
                                                 the probe plan, with the engine's expected verdicts
  workloads --stack <stack>                      representative pods for a test cluster (kind)
  -o, --output text|json (diff: also markdown) on every command; --format is the older spelling.

Run "${RUN} <command> --help" for a command's options.
exit codes: 0 allowed / no change, 1 denied / changed (explain, can-i, diff --exit-code), 2 usage or input error`;

const COMMANDS: Record<string, { usage: string; flags: Record<string, FlagSpec>; run: (c: ParsedCommand, io: Io) => number }> = {
    evaluate: { usage: EVALUATE_USAGE, flags: EVALUATE_FLAGS, run: evaluateCommand },
    explain: { usage: EXPLAIN_USAGE, flags: EXPLAIN_FLAGS, run: explainCommand },
    "can-i": { usage: CAN_I_USAGE, flags: CAN_I_FLAGS, run: canICommand },
    diff: { usage: DIFF_USAGE, flags: DIFF_FLAGS, run: diffCommand },
    verify: { usage: VERIFY_USAGE, flags: VERIFY_FLAGS, run: verifyCommand },
    probes: { usage: PROBES_USAGE, flags: PROBES_FLAGS, run: probesCommand },
    workloads: { usage: WORKLOADS_USAGE, flags: WORKLOADS_FLAGS, run: workloadsCommand },
};

/** The whole command line, in-process: its exit code; output goes to `io`. */
export function netpol(argv: readonly string[], io?: Io): number {
    return execute((out) => main(argv, out), io);
}

function main(argv: readonly string[], io: Io): number {
    const first = argv[0];
    if (first === undefined || first === "--help" || first === "-h" || first === "help") {
        if (first === undefined) throw new UsageError(USAGE);
        throw new HelpRequested(USAGE);
    }
    const command = COMMANDS[first];
    if (!command) throw new UsageError(`unknown command ${first}\n\n${USAGE}`);
    return command.run(parseCommand(argv.slice(1), command.flags, command.usage), io);
}

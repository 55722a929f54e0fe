/**
 * `netpol probes`: the probe plan (live/probePlan.ts) as JSON, each probe with the engine's
 * expected verdict. Exit codes: 0 planned, 2 a usage or input error.
 */
import { planSnapshot } from "../compiler/planSnapshot";
import { Snapshot } from "../engine/snapshot";
import { LiveCluster } from "../live/cluster";
import { StackExpectation, stackExpectation } from "../live/expected";
import { PlanError, ProbePlan, probePlan } from "../live/probePlan";
import { FlagSpec, Io, OUTPUT_FLAGS, ParsedCommand, RUN, UsageError, fileFlag, outputFormat, positive } from "./args";
import { STACK_HELP, loadSnapshot, loadStack, readLive } from "./input";

export const PROBES_USAGE = `usage: ${RUN} probes <snapshot> [-o json] [--max-probes <n>]
       ${RUN} probes --stack <stack> [--live <file|->] [-o json] [--max-probes <n>]
Prints the probe plan as a JSON array: each probe in the snapshot format's shape (from, to as
"namespace/pod" or {"ip": ...}, port, protocol) with allowed, the engine's expected verdict, purpose
(classes, gateway, dns, kube-api, egress) and about. --stack without --live plans on the stack's
plan snapshot (one pod per app); with --live on the live pods of a recorded List.
<snapshot>: a snapshot file, a directory of manifests, or a kubectl List (engine/SNAPSHOT.md)
${STACK_HELP}
options: -o/--output json (also --format json), --max-probes <n> (default: no bound)
exit codes: 0 planned, 2 usage or input error`;

export const PROBES_FLAGS: Record<string, FlagSpec> = {
    stack: { type: "string" },
    live: { type: "string" },
    ...OUTPUT_FLAGS,
    "max-probes": { type: "string" },
};

export function probesCommand(c: ParsedCommand, io: Io): number {
    // JSON is the plan's one form; -o json (or the older --format json) says so explicitly.
    outputFormat(c.flags, ["json"], "json");
    const maxProbes = c.flags["max-probes"] === undefined ? undefined : positive(c, "max-probes", 0);
    const stack = c.flags["stack"] as string | undefined;
    const live = fileFlag(c, "live");
    let plan: ProbePlan;
    if (stack !== undefined) {
        if (c.positionals.length > 0) throw new UsageError(`probes takes a snapshot or --stack, not both\n\n${PROBES_USAGE}`);
        const config = loadStack(stack);
        const expected = stackExpectation(config);
        if (live !== undefined) {
            const cluster = readLive(live);
            plan = planFor(cluster.snapshot, expected, cluster, maxProbes);
        } else {
            const snapshot = planSnapshot(`stack ${stack}`, config.network, expected.namespaces, expected.policies);
            plan = planFor(snapshot, expected, undefined, maxProbes);
        }
    } else {
        if (live !== undefined) throw new UsageError(`--live goes with --stack\n\n${PROBES_USAGE}`);
        if (c.positionals.length !== 1) throw new UsageError(`probes takes one snapshot, or --stack\n\n${PROBES_USAGE}`);
        plan = guardPlan(() => probePlan(loadSnapshot(c.positionals[0]!), maxProbes === undefined ? {} : { maxProbes }));
    }
    io.stdout(`${JSON.stringify(plan.probes, null, 2)}\n`);
    return 0;
}

/** The plan of a stack's pods: its intent's probes first, the managed namespaces' classes sampled. */
export function planFor(
    snapshot: Snapshot,
    expected: StackExpectation,
    cluster: LiveCluster | undefined,
    maxProbes: number | undefined,
): ProbePlan {
    return guardPlan(() =>
        probePlan(snapshot, {
            intent: expected.intent,
            managedNamespaces: expected.namespaces.map((n) => n.metadata.name),
            ...(cluster ? { apiServer: cluster.apiServer } : {}),
            ...(maxProbes !== undefined ? { maxProbes } : {}),
        }),
    );
}

function guardPlan(make: () => ProbePlan): ProbePlan {
    try {
        return make();
    } catch (e) {
        if (e instanceof PlanError) throw new UsageError(e.message);
        throw e;
    }
}

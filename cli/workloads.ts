/**
 * `netpol workloads`: a Kubernetes List of a stack's representative pods for a test cluster
 * (kind): kubectl apply -f -. Exit codes: 0 printed, 2 a usage or input error.
 */
import { planSnapshot } from "../compiler/planSnapshot";
import { stackExpectation } from "../live/expected";
import { AGNHOST_IMAGE } from "../live/runner";
import { representativePods, standInGatewayService } from "../live/workloads";
import { gatewayListenerPorts } from "../compiler/platform";
import { FlagSpec, Io, ParsedCommand, RUN, UsageError, requireFlag } from "./args";
import { STACK_HELP, loadStack } from "./input";

export const WORKLOADS_USAGE = `usage: ${RUN} workloads --stack <stack> [--image <ref@sha256:...>]
Prints a Kubernetes List of the stack's representative pods (one per app and platform workload, with
its labels, serving every TCP port it receives on) and a stand-in for the gateway's data plane Service
(as NGF would make it) for a test cluster: kubectl apply -f -.
${STACK_HELP}
exit codes: 0 printed, 2 usage or input error`;

export const WORKLOADS_FLAGS: Record<string, FlagSpec> = { stack: { type: "string" }, image: { type: "string" } };

export function workloadsCommand(c: ParsedCommand, io: Io): number {
    const stack = requireFlag(c, "stack", WORKLOADS_USAGE);
    if (c.positionals.length > 0) throw new UsageError(`workloads takes no arguments\n\n${WORKLOADS_USAGE}`);
    const image = (c.flags["image"] as string | undefined) ?? AGNHOST_IMAGE;
    if (!/@sha256:[0-9a-f]{64}$/.test(image)) throw new UsageError(`--image ${image}: pin the image by digest (name@sha256:...)`);
    const config = loadStack(stack);
    const expected = stackExpectation(config);
    const snapshot = planSnapshot(`stack ${stack}`, config.network, expected.namespaces, expected.policies);
    const pods = representativePods(snapshot, image) as { items: unknown[] };
    // The gateway's Service too: no NGF makes it on a test cluster, and verify's drift reads it.
    const service = standInGatewayService(expected.gatewayService, gatewayListenerPorts(config.gateway.tls !== undefined));
    io.stdout(`${JSON.stringify({ ...pods, items: [...pods.items, service] }, null, 2)}\n`);
    return 0;
}

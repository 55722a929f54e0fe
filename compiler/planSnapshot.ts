/**
 * The snapshot the offline plan writes beside its manifests (`out/<stack>/snapshot.json`, in the
 * format of engine/SNAPSHOT.md): the namespaces and policies the program deploys, and the intent
 * check's representative pods (one per app, platform pods included) with their labels and the
 * ports they receive on. `netpol evaluate`, `explain` and `can-i` read it like any snapshot.
 */
import { Namespace, NetworkPolicy, Protocol } from "../engine/k8s";
import { effectivePolicyTypes } from "../engine/evaluate";
import { selectorMatches } from "../engine/selectors";
import { ContainerPort, Pod, Snapshot } from "../engine/snapshot";
import { NetworkIntent } from "./intent";
import { intentWorld } from "./world";

export function planSnapshot(
    name: string,
    intent: NetworkIntent,
    namespaces: readonly Namespace[],
    policies: readonly NetworkPolicy[],
): Snapshot {
    const world = intentWorld(intent, namespaces);
    return {
        name,
        namespaces: world.snapshot.namespaces,
        pods: world.snapshot.pods.map((pod) => withReceivingPorts(pod, policies)),
        policies,
        // The node subnets hold the nodes and every pod address (compiler/subnets.ts): an address
        // there that no pod of the snapshot holds is answered with a warning.
        podCidrs: intent.addresses.podCidrs,
        nodeCidrs: intent.addresses.podCidrs,
    };
}

/**
 * A representative pod's container ports: its named ports (from the world) and every numeric
 * port on which an ingress rule of a policy selecting it admits traffic (the start of a range),
 * so that `netpol evaluate` judges each pod on the ports it is meant to serve.
 */
function withReceivingPorts(pod: Pod, policies: readonly NetworkPolicy[]): Pod {
    const ports = new Map<string, ContainerPort>(pod.ports.map((p) => [`${p.port}/${p.protocol}`, p]));
    for (const policy of policies) {
        if (policy.metadata.namespace !== pod.namespace || !effectivePolicyTypes(policy).includes("Ingress")) continue;
        if (!selectorMatches(policy.spec.podSelector, pod.labels)) continue;
        for (const rule of policy.spec.ingress ?? [])
            for (const p of rule.ports ?? []) {
                if (typeof p.port !== "number") continue;
                const protocol: Protocol = p.protocol ?? "TCP";
                if (!ports.has(`${p.port}/${protocol}`)) ports.set(`${p.port}/${protocol}`, { port: p.port, protocol });
            }
    }
    const sorted = [...ports.values()].sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0));
    return { ...pod, ports: sorted };
}

/**
 * Representative workloads for a test cluster (the pull request's kind job): one pod per pod of
 * the plan's snapshot (one per app, the platform's pods), with its labels, listening on every TCP
 * port it is meant to receive on, so a probe that gets through connects. agnhost `porter` serves
 * each port named by a `SERVE_PORT_<port>` variable (kubernetes test/images/agnhost/porter). The
 * pods meet Pod Security `restricted`; a port below 1024 is opened by the safe sysctl
 * `net.ipv4.ip_unprivileged_port_start` (allowed at every level since Kubernetes 1.22:
 * https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/). CoreDNS is left out: the
 * cluster runs its own. Pure.
 */
import { CLUSTER_DNS, PortSpec } from "../compiler/intent";
import { GATEWAY_POD_LABELS } from "../compiler/platform";
import { Snapshot } from "../engine/snapshot";
import { GatewayServiceExpectation } from "./drift";

/** Marks the representative pods, so `kubectl wait` and cleanup select exactly them. */
export const REPRESENTATIVE_LABEL = "k8s-platform/representative";

export function representativePods(snapshot: Snapshot, image: string): Record<string, unknown> {
    const items = snapshot.pods
        .filter((p) => p.namespace !== CLUSTER_DNS.namespace)
        .map((p) => {
            const tcp = p.ports.filter((cp) => cp.protocol === "TCP");
            const lowPort = tcp.some((cp) => cp.port < 1024);
            return {
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: p.name, namespace: p.namespace, labels: { ...p.labels, [REPRESENTATIVE_LABEL]: "true" } },
                spec: {
                    automountServiceAccountToken: false,
                    terminationGracePeriodSeconds: 1,
                    securityContext: {
                        runAsNonRoot: true,
                        runAsUser: 65534,
                        seccompProfile: { type: "RuntimeDefault" },
                        ...(lowPort ? { sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }] } : {}),
                    },
                    containers: [
                        {
                            name: "serve",
                            image,
                            imagePullPolicy: "IfNotPresent",
                            args: ["porter"],
                            env: tcp.map((cp) => ({ name: `SERVE_PORT_${cp.port}`, value: `${p.namespace}/${p.name}` })),
                            ports: tcp.map((cp) => ({ containerPort: cp.port, protocol: "TCP", ...(cp.name ? { name: cp.name } : {}) })),
                            securityContext: {
                                allowPrivilegeEscalation: false,
                                capabilities: { drop: ["ALL"] },
                            },
                            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
                        },
                    ],
                },
            };
        });
    return { apiVersion: "v1", kind: "List", items };
}

/**
 * A stand-in for the gateway's data plane Service, which NGF's control plane makes from the chart
 * values on a real cluster (compiler/platform.ts GATEWAY_SERVICE_NAME) and which no controller
 * makes on a test cluster without NGF: as the stack sets it (type, class, client ranges, scheme),
 * selecting the gateway's pods on the listener ports, so the drift check reads a real API
 * server's Service. No load balancer controller watches a test cluster: it stays pending.
 */
export function standInGatewayService(want: GatewayServiceExpectation, listeners: readonly PortSpec[]): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
            name: want.name,
            namespace: want.namespace,
            labels: { ...GATEWAY_POD_LABELS, [REPRESENTATIVE_LABEL]: "true" },
            annotations: { ...want.annotations },
        },
        spec: {
            type: want.type,
            loadBalancerClass: want.loadBalancerClass,
            loadBalancerSourceRanges: [...want.loadBalancerSourceRanges],
            selector: { ...GATEWAY_POD_LABELS },
            ports: listeners.map((l) => ({ name: `port-${l.port}`, port: l.port, targetPort: l.port, protocol: l.protocol })),
        },
    };
}

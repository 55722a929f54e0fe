/**
 * What a live cluster shows, read from a Kubernetes List (`kubectl get
 * namespaces,pods,networkpolicies,endpointslices,services -A -o json`): the snapshot the engine
 * judges, the raw NetworkPolicies, Services and namespace labels the drift check compares, each pod's phase and
 * containers (the runner needs a running source pod), and the API server's real addresses (the
 * EndpointSlice or Endpoints of `default/kubernetes`). Pure: the kubectl layer hands it parsed JSON.
 */
import { Labels } from "../engine/k8s";
import { Snapshot, formatSnapshotError, parseSnapshotDocuments } from "../engine/snapshot";

export interface LivePod {
    readonly namespace: string;
    readonly name: string;
    readonly labels: Labels;
    readonly ip: string | undefined;
    readonly phase: string;
    readonly hostNetwork: boolean;
    /** Names of the pod's containers and ephemeral containers (a new ephemeral container needs a name of its own). */
    readonly containers: readonly string[];
}

export interface ApiServerEndpoint {
    readonly ip: string;
    readonly port: number;
}

export interface LiveCluster {
    readonly snapshot: Snapshot;
    readonly namespaceLabels: Readonly<Record<string, Labels>>;
    /** Every NetworkPolicy exactly as listed (server defaults and managedFields included). */
    readonly policies: readonly Record<string, unknown>[];
    /** Every Service exactly as listed (the gateway's data plane Service holds the load balancer's client ranges). */
    readonly services: readonly Record<string, unknown>[];
    readonly pods: readonly LivePod[];
    /** Where `kubernetes.default` really leads; empty when the List holds no EndpointSlice or Endpoints for it. */
    readonly apiServer: readonly ApiServerEndpoint[];
}

export type LiveResult =
    { readonly ok: true; readonly cluster: LiveCluster } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Reads a List as kubectl prints it. Anything else (a snapshot file, a single object, a List whose
 * items are not Kubernetes objects) is refused with what is wrong, by path.
 */
export function readLiveList(source: string, value: unknown): LiveResult {
    if (!isObject(value) || typeof value["kind"] !== "string" || !/List$/.test(value["kind"]) || !Array.isArray(value["items"]))
        return {
            ok: false,
            problems: [
                `${source} is not a Kubernetes List (expected {"apiVersion": "v1", "kind": "List", "items": [...]}, as kubectl get ... -o json prints it)`,
            ],
        };
    const items = value["items"] as unknown[];
    const problems: string[] = [];
    items.forEach((item, i) => {
        if (!isObject(item) || typeof item["kind"] !== "string" || typeof item["apiVersion"] !== "string" || !isObject(item["metadata"]))
            problems.push(`${source}: items[${i}]: not a Kubernetes object (needs apiVersion, kind and metadata)`);
        else if (typeof item["metadata"]["name"] !== "string") problems.push(`${source}: items[${i}].metadata.name: is required`);
    });
    if (problems.length > 0) return { ok: false, problems };
    const objects = items as Record<string, unknown>[];
    const parsed = parseSnapshotDocuments([{ source, value }]);
    if (!parsed.ok) return { ok: false, problems: parsed.errors.map((e) => `${source}: ${formatSnapshotError(e)}`) };

    const namespaceLabels: Record<string, Labels> = {};
    const pods: LivePod[] = [];
    const policies: Record<string, unknown>[] = [];
    const services: Record<string, unknown>[] = [];
    const apiServer: ApiServerEndpoint[] = [];
    for (const o of objects) {
        const meta = o["metadata"] as Record<string, unknown>;
        const name = String(meta["name"]);
        switch (o["kind"]) {
            case "Namespace":
                namespaceLabels[name] = (isObject(meta["labels"]) ? meta["labels"] : {}) as Labels;
                break;
            case "NetworkPolicy":
                policies.push(o);
                break;
            case "Pod":
                pods.push(livePod(o));
                break;
            case "Service":
                services.push(o);
                break;
            case "EndpointSlice":
                // The API server's slice: kubernetes.io/service-name=kubernetes in default (discovery.k8s.io/v1).
                if (
                    meta["namespace"] === "default" &&
                    isObject(meta["labels"]) &&
                    meta["labels"]["kubernetes.io/service-name"] === "kubernetes"
                )
                    apiServer.push(...sliceEndpoints(o));
                break;
            case "Endpoints":
                if (meta["namespace"] === "default" && name === "kubernetes") apiServer.push(...legacyEndpoints(o));
                break;
            default:
                break;
        }
    }
    const unique = [...new Map(apiServer.map((e) => [`${e.ip}:${e.port}`, e])).values()];
    return { ok: true, cluster: { snapshot: parsed.snapshot, namespaceLabels, policies, services, pods, apiServer: unique } };
}

function livePod(o: Record<string, unknown>): LivePod {
    const meta = o["metadata"] as Record<string, unknown>;
    const spec = isObject(o["spec"]) ? o["spec"] : {};
    const status = isObject(o["status"]) ? o["status"] : {};
    const names = (list: unknown) => (Array.isArray(list) ? list.filter(isObject).map((c) => String(c["name"])) : []);
    return {
        namespace: String(meta["namespace"] ?? ""),
        name: String(meta["name"]),
        labels: (isObject(meta["labels"]) ? meta["labels"] : {}) as Labels,
        ip: typeof status["podIP"] === "string" ? status["podIP"] : undefined,
        phase: typeof status["phase"] === "string" ? status["phase"] : "Unknown",
        hostNetwork: spec["hostNetwork"] === true,
        containers: [...names(spec["containers"]), ...names(spec["ephemeralContainers"])],
    };
}

function sliceEndpoints(o: Record<string, unknown>): ApiServerEndpoint[] {
    const ports = (Array.isArray(o["ports"]) ? o["ports"] : []).filter(isObject).filter((p) => (p["protocol"] ?? "TCP") === "TCP");
    const addresses = (Array.isArray(o["endpoints"]) ? o["endpoints"] : [])
        .filter(isObject)
        .flatMap((e) => (Array.isArray(e["addresses"]) ? e["addresses"].filter((a): a is string => typeof a === "string") : []));
    return addresses.flatMap((ip) => ports.map((p) => ({ ip, port: Number(p["port"]) })));
}

function legacyEndpoints(o: Record<string, unknown>): ApiServerEndpoint[] {
    return (Array.isArray(o["subsets"]) ? o["subsets"] : []).filter(isObject).flatMap((s) => {
        const ips = (Array.isArray(s["addresses"]) ? s["addresses"] : []).filter(isObject).map((a) => String(a["ip"]));
        const ports = (Array.isArray(s["ports"]) ? s["ports"] : []).filter(isObject).filter((p) => (p["protocol"] ?? "TCP") === "TCP");
        return ips.flatMap((ip) => ports.map((p) => ({ ip, port: Number(p["port"]) })));
    });
}

export function isObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

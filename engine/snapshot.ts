/**
 * The cluster snapshot the reachability engine reads (shared/netpol/SNAPSHOT.md), and its
 * validation: every malformed field is reported by its path, and a snapshot with any problem
 * yields no results at all. Also converts `kubectl get namespaces,pods,networkpolicies -A -o json`.
 */
import { PROTOCOLS, Labels, NetworkPolicy, Protocol } from "./k8s";
import { isCidrError, parseCidr, parseIp } from "./cidr";

export interface ContainerPort {
    readonly name?: string;
    readonly port: number;
    readonly protocol: Protocol;
}

export interface Pod {
    readonly namespace: string;
    readonly name: string;
    readonly labels: Labels;
    readonly ip: string;
    readonly ports: readonly ContainerPort[];
}

/** `namespace/pod`, or an address outside the cluster. */
export type PartyRef = string | { readonly ip: string };

export interface Probe {
    readonly from: PartyRef;
    readonly to: PartyRef;
    readonly port: number;
    readonly protocol: Protocol;
}

export interface Snapshot {
    readonly name?: string;
    readonly namespaces: Readonly<Record<string, Labels>>;
    readonly pods: readonly Pod[];
    readonly policies: readonly NetworkPolicy[];
    readonly probes?: readonly Probe[];
}

export interface SnapshotError {
    readonly path: string;
    readonly message: string;
}

export type SnapshotResult =
    { readonly ok: true; readonly snapshot: Snapshot } | { readonly ok: false; readonly errors: readonly SnapshotError[] };

export function formatSnapshotError(e: SnapshotError): string {
    return `${e.path}: ${e.message}`;
}

/** Validates a parsed snapshot (or a kubectl List) and returns it typed, or every error found. */
export function parseSnapshot(input: unknown): SnapshotResult {
    const v = new Validator();
    const raw = isKubectlList(input) ? fromKubectlList(input, v) : input;
    if (!isObject(raw))
        return { ok: false, errors: [{ path: "(root)", message: "expected an object with namespaces, pods and policies" }] };

    const namespaces: Record<string, Labels> = {};
    if (!isObject(raw["namespaces"])) v.error("namespaces", "expected an object of namespace name -> labels");
    else for (const [name, labels] of Object.entries(raw["namespaces"])) namespaces[name] = v.labels(labels, `namespaces.${name}`);

    const pods: Pod[] = [];
    const podKeys = new Set<string>();
    v.list(raw["pods"], "pods").forEach((p, i) => {
        const at = `pods[${i}]`;
        if (!isObject(p)) return v.error(at, "expected an object");
        const namespace = v.string(p["namespace"], `${at}.namespace`);
        const name = v.string(p["name"], `${at}.name`);
        if (namespace !== undefined && !(namespace in namespaces))
            v.error(`${at}.namespace`, `unknown namespace ${JSON.stringify(namespace)}`);
        const ip = v.string(p["ip"], `${at}.ip`);
        if (ip !== undefined && !parseIp(ip)) v.error(`${at}.ip`, `${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
        const ports = v.list(p["ports"] ?? [], `${at}.ports`).map((cp, j) => v.containerPort(cp, `${at}.ports[${j}]`));
        const key = `${namespace}/${name}`;
        if (podKeys.has(key)) v.error(`${at}.name`, `pod ${key} is listed twice`);
        podKeys.add(key);
        pods.push({
            namespace: namespace ?? "",
            name: name ?? "",
            labels: v.labels(p["labels"] ?? {}, `${at}.labels`),
            ip: ip ?? "",
            ports: ports.filter((x): x is ContainerPort => x !== undefined),
        });
    });

    const policies = v.list(raw["policies"] ?? [], "policies").map((p, i) => v.policy(p, `policies[${i}]`));

    let probes: Probe[] | undefined;
    if (raw["probes"] !== undefined) {
        probes = v.list(raw["probes"], "probes").map((p, i) => {
            const at = `probes[${i}]`;
            if (!isObject(p)) {
                v.error(at, "expected an object");
                return { from: "", to: "", port: 0, protocol: "TCP" as Protocol };
            }
            return {
                from: v.party(p["from"], `${at}.from`, podKeys),
                to: v.party(p["to"], `${at}.to`, podKeys),
                port: v.portNumber(p["port"], `${at}.port`) ?? 0,
                protocol: v.protocol(p["protocol"] ?? "TCP", `${at}.protocol`),
            };
        });
    }
    if (v.errors.length > 0) return { ok: false, errors: v.errors };
    const name = typeof raw["name"] === "string" ? raw["name"] : undefined;
    return {
        ok: true,
        snapshot: { ...(name ? { name } : {}), namespaces, pods, policies: policies as NetworkPolicy[], ...(probes ? { probes } : {}) },
    };
}

class Validator {
    readonly errors: SnapshotError[] = [];

    error(path: string, message: string): void {
        this.errors.push({ path, message });
    }

    list(value: unknown, path: string): unknown[] {
        if (Array.isArray(value)) return value;
        this.error(path, "expected a list");
        return [];
    }

    string(value: unknown, path: string): string | undefined {
        if (typeof value === "string" && value !== "") return value;
        this.error(path, value === undefined ? "is required" : "expected a non-empty string");
        return undefined;
    }

    labels(value: unknown, path: string): Labels {
        if (!isObject(value)) {
            this.error(path, "expected an object of label key -> value");
            return {};
        }
        for (const [k, val] of Object.entries(value)) if (typeof val !== "string") this.error(`${path}.${k}`, "label values are strings");
        return value as Labels;
    }

    protocol(value: unknown, path: string): Protocol {
        if (typeof value === "string" && (PROTOCOLS as readonly string[]).includes(value)) return value as Protocol;
        const right = typeof value === "string" ? PROTOCOLS.find((p) => p === value.toUpperCase()) : undefined;
        this.error(
            path,
            `${JSON.stringify(value)} is not one of ${PROTOCOLS.join(", ")}${right ? ` (protocols are case-sensitive: ${right})` : ""}`,
        );
        return "TCP";
    }

    portNumber(value: unknown, path: string): number | undefined {
        if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535) return value;
        this.error(path, `${JSON.stringify(value)} is not a port number from 1 to 65535`);
        return undefined;
    }

    containerPort(value: unknown, path: string): ContainerPort | undefined {
        if (!isObject(value)) {
            this.error(path, "expected an object with name, port and protocol");
            return undefined;
        }
        const port = this.portNumber(value["port"], `${path}.port`);
        const protocol = this.protocol(value["protocol"] ?? "TCP", `${path}.protocol`);
        const name = value["name"];
        if (name !== undefined && (typeof name !== "string" || !isPortName(name)))
            this.error(`${path}.name`, `${JSON.stringify(name)} is not a valid port name (IANA_SVC_NAME)`);
        if (port === undefined) return undefined;
        return typeof name === "string" ? { name, port, protocol } : { port, protocol };
    }

    party(value: unknown, path: string, pods: ReadonlySet<string>): PartyRef {
        if (typeof value === "string") {
            if (!/^[^/]+\/[^/]+$/.test(value)) this.error(path, `${JSON.stringify(value)} is not namespace/pod`);
            else if (!pods.has(value)) this.error(path, `no pod ${value} in the snapshot`);
            return value;
        }
        if (isObject(value) && typeof value["ip"] === "string") {
            if (!parseIp(value["ip"])) this.error(`${path}.ip`, `${JSON.stringify(value["ip"])} is not an IPv4 or IPv6 address`);
            return { ip: value["ip"] };
        }
        this.error(path, 'expected "namespace/pod" or { "ip": "a.b.c.d" }');
        return "";
    }

    selector(value: unknown, path: string): void {
        if (!isObject(value)) return this.error(path, "expected a label selector object");
        for (const key of Object.keys(value))
            if (key !== "matchLabels" && key !== "matchExpressions") this.error(`${path}.${key}`, "unknown selector field");
        if (value["matchLabels"] !== undefined) this.labels(value["matchLabels"], `${path}.matchLabels`);
        if (value["matchExpressions"] !== undefined) {
            this.list(value["matchExpressions"], `${path}.matchExpressions`).forEach((r, i) => {
                const at = `${path}.matchExpressions[${i}]`;
                if (!isObject(r)) return this.error(at, "expected a requirement object");
                this.string(r["key"], `${at}.key`);
                const op = r["operator"];
                const values = r["values"];
                if (op === "In" || op === "NotIn") {
                    if (!Array.isArray(values) || values.length === 0 || values.some((x) => typeof x !== "string"))
                        this.error(`${at}.values`, `${op} needs a non-empty list of strings`);
                } else if (op === "Exists" || op === "DoesNotExist") {
                    if (values !== undefined && !(Array.isArray(values) && values.length === 0))
                        this.error(`${at}.values`, `${op} takes no values`);
                } else this.error(`${at}.operator`, `${JSON.stringify(op)} is not In, NotIn, Exists or DoesNotExist`);
            });
        }
    }

    policy(value: unknown, path: string): unknown {
        if (!isObject(value)) {
            this.error(path, "expected a NetworkPolicy object");
            return value;
        }
        const meta = value["metadata"];
        if (!isObject(meta)) this.error(`${path}.metadata`, "is required");
        else {
            this.string(meta["name"], `${path}.metadata.name`);
            this.string(meta["namespace"], `${path}.metadata.namespace`);
        }
        const spec = value["spec"];
        if (!isObject(spec)) {
            this.error(`${path}.spec`, "is required");
            return value;
        }
        if (spec["podSelector"] === undefined) this.error(`${path}.spec.podSelector`, "is required (use {} for every pod)");
        else this.selector(spec["podSelector"], `${path}.spec.podSelector`);
        if (spec["policyTypes"] !== undefined) {
            this.list(spec["policyTypes"], `${path}.spec.policyTypes`).forEach((t, i) => {
                if (t !== "Ingress" && t !== "Egress")
                    this.error(`${path}.spec.policyTypes[${i}]`, `${JSON.stringify(t)} is not Ingress or Egress`);
            });
        }
        for (const [direction, peersKey] of [
            ["ingress", "from"],
            ["egress", "to"],
        ] as const) {
            if (spec[direction] === undefined || spec[direction] === null) continue;
            this.list(spec[direction], `${path}.spec.${direction}`).forEach((rule, i) => {
                const at = `${path}.spec.${direction}[${i}]`;
                if (!isObject(rule)) return this.error(at, "expected a rule object");
                if (rule[peersKey] !== undefined && rule[peersKey] !== null) {
                    this.list(rule[peersKey], `${at}.${peersKey}`).forEach((peer, j) => this.peer(peer, `${at}.${peersKey}[${j}]`));
                }
                if (rule["ports"] !== undefined && rule["ports"] !== null) {
                    this.list(rule["ports"], `${at}.ports`).forEach((port, j) => this.policyPort(port, `${at}.ports[${j}]`));
                }
            });
        }
        return value;
    }

    private peer(value: unknown, path: string): void {
        if (!isObject(value)) return this.error(path, "expected a peer object");
        const hasIp = value["ipBlock"] !== undefined;
        if (hasIp && (value["podSelector"] !== undefined || value["namespaceSelector"] !== undefined)) {
            this.error(path, "ipBlock cannot be combined with podSelector or namespaceSelector");
        }
        if (!hasIp && value["podSelector"] === undefined && value["namespaceSelector"] === undefined)
            this.error(path, "a peer needs podSelector, namespaceSelector or ipBlock");
        if (value["podSelector"] !== undefined) this.selector(value["podSelector"], `${path}.podSelector`);
        if (value["namespaceSelector"] !== undefined) this.selector(value["namespaceSelector"], `${path}.namespaceSelector`);
        if (hasIp) {
            const block = value["ipBlock"];
            if (!isObject(block)) return this.error(`${path}.ipBlock`, "expected { cidr, except }");
            const cidr = typeof block["cidr"] === "string" ? parseCidr(block["cidr"]) : { error: "is required" };
            if (isCidrError(cidr)) return this.error(`${path}.ipBlock.cidr`, `${JSON.stringify(block["cidr"])}: ${cidr.error}`);
            if (block["except"] !== undefined) {
                this.list(block["except"], `${path}.ipBlock.except`).forEach((e, k) => {
                    const inner = typeof e === "string" ? parseCidr(e) : { error: "expected a CIDR string" };
                    if (isCidrError(inner)) this.error(`${path}.ipBlock.except[${k}]`, `${JSON.stringify(e)}: ${inner.error}`);
                    else if (inner.family !== cidr.family || inner.first < cidr.first || inner.last > cidr.last)
                        this.error(`${path}.ipBlock.except[${k}]`, `${e} is not inside ${String(block["cidr"])}`);
                });
            }
        }
    }

    private policyPort(value: unknown, path: string): void {
        if (!isObject(value)) return this.error(path, "expected { protocol, port, endPort }");
        if (value["protocol"] !== undefined) this.protocol(value["protocol"], `${path}.protocol`);
        const port = value["port"];
        if (typeof port === "string") {
            if (!isPortName(port)) this.error(`${path}.port`, `${JSON.stringify(port)} is not a valid port name (IANA_SVC_NAME)`);
            if (value["endPort"] !== undefined) this.error(`${path}.endPort`, "cannot go with a named port");
        } else if (port !== undefined) {
            const start = this.portNumber(port, `${path}.port`);
            if (value["endPort"] !== undefined) {
                const end = this.portNumber(value["endPort"], `${path}.endPort`);
                if (start !== undefined && end !== undefined && end < start) this.error(`${path}.endPort`, `${end} is below port ${start}`);
            }
        } else if (value["endPort"] !== undefined) this.error(`${path}.endPort`, "needs a numeric port");
    }
}

/** IANA_SVC_NAME, the rule for named ports. */
function isPortName(name: string): boolean {
    return name.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && /[a-z]/.test(name) && !name.includes("--");
}

function isObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isKubectlList(value: unknown): value is { items: unknown[] } {
    return isObject(value) && value["kind"] === "List" && Array.isArray(value["items"]);
}

/**
 * `kubectl get namespaces,pods,networkpolicies -A -o json` -> snapshot. Pods without an IP yet
 * and host-network pods (which share the node's address; Calico does not apply pod policy to
 * them) are left out.
 */
function fromKubectlList(list: { items: unknown[] }, v: Validator): Record<string, unknown> {
    const namespaces: Record<string, unknown> = {};
    const pods: unknown[] = [];
    const policies: unknown[] = [];
    list.items.forEach((item, i) => {
        if (!isObject(item) || !isObject(item["metadata"])) return v.error(`items[${i}]`, "expected a Kubernetes object");
        const meta = item["metadata"];
        switch (item["kind"]) {
            case "Namespace":
                namespaces[String(meta["name"])] = meta["labels"] ?? {};
                break;
            case "Pod": {
                const spec = isObject(item["spec"]) ? item["spec"] : {};
                const status = isObject(item["status"]) ? item["status"] : {};
                if (spec["hostNetwork"] === true || typeof status["podIP"] !== "string") break;
                const containers = Array.isArray(spec["containers"]) ? spec["containers"] : [];
                pods.push({
                    namespace: meta["namespace"],
                    name: meta["name"],
                    labels: meta["labels"] ?? {},
                    ip: status["podIP"],
                    ports: containers.flatMap((c) =>
                        isObject(c) && Array.isArray(c["ports"])
                            ? c["ports"].filter(isObject).map((p) => ({
                                  ...(p["name"] ? { name: p["name"] } : {}),
                                  port: p["containerPort"],
                                  protocol: p["protocol"] ?? "TCP",
                              }))
                            : [],
                    ),
                });
                break;
            }
            case "NetworkPolicy":
                policies.push(item);
                break;
            default:
                break; // other kinds do not affect reachability
        }
    });
    return { name: "kubectl snapshot", namespaces, pods, policies };
}

/**
 * The cluster snapshot the reachability engine reads (engine/SNAPSHOT.md), and its validation:
 * every malformed field is reported by its path, and a snapshot with any problem yields no
 * results at all. The same reader takes the plan's `snapshot.json`, Kubernetes objects (a
 * directory of manifests, multi-document YAML, `kind: List`) and `kubectl get ... -o json` output
 * with managedFields, status and server-filled defaults: all become one snapshot.
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
    /** Its phase, when the input gives it (a live cluster's Pending pod may already have an address). */
    readonly phase?: string;
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
    /** The live pods, the only ones judged. */
    readonly pods: readonly Pod[];
    readonly policies: readonly NetworkPolicy[];
    readonly probes?: readonly Probe[];
    /** Pods the input holds that are not judged, and why (`leftOutSummary` words them). */
    readonly leftOut?: readonly LeftOutPod[];
    /**
     * Host-network pods: they use their node's address, and Calico applies no pod policy to them
     * (they are host endpoints, not workload endpoints), so they are judged as that address.
     */
    readonly hostNetworkPods?: readonly HostNetworkPod[];
    /** Address ranges of pods and of nodes, when the input says: an address in them that no pod holds gets a warning. */
    readonly podCidrs?: readonly string[];
    readonly nodeCidrs?: readonly string[];
    /** Node addresses (a kubectl dump's Nodes, InternalIP). */
    readonly nodeIps?: readonly string[];
}

/** Why a pod of the input is not judged. */
export type LeftOutReason = "finished" | "no-address";

export interface LeftOutPod {
    /** `namespace/name` */
    readonly pod: string;
    readonly reason: LeftOutReason;
    /** The pod's phase, when the input gives it. */
    readonly phase?: string;
}

export interface HostNetworkPod {
    /** `namespace/name` */
    readonly pod: string;
    /** Its node's address (status.hostIP, which is status.podIP for these pods). */
    readonly ip: string;
}

/** Pods in these phases have ended: their containers are gone and their address may already be another pod's. */
export const FINISHED_PHASES: readonly string[] = ["Succeeded", "Failed"];

/** How many pods of each reason were left out. */
export function leftOutCounts(snapshot: Snapshot): Readonly<Record<LeftOutReason, number>> {
    const counts = { finished: 0, "no-address": 0 };
    for (const p of snapshot.leftOut ?? []) counts[p.reason]++;
    return counts;
}

/**
 * One line saying which pods are not judged and why, or undefined when every pod is: finished
 * pods (phase Succeeded or Failed) and pods without an address yet receive and send nothing.
 */
export function leftOutSummary(snapshot: Snapshot): string | undefined {
    const left = snapshot.leftOut ?? [];
    if (left.length === 0) return undefined;
    const counts = leftOutCounts(snapshot);
    const names = (reason: LeftOutReason) => {
        const list = left.filter((p) => p.reason === reason).map((p) => p.pod);
        return list.length > 3 ? `${list.slice(0, 3).join(", ")}, … ${list.length - 3} more` : list.join(", ");
    };
    const parts = [
        counts.finished > 0 ? `${counts.finished} finished (phase Succeeded or Failed: ${names("finished")})` : undefined,
        counts["no-address"] > 0 ? `${counts["no-address"]} without an address yet (${names("no-address")})` : undefined,
    ].filter((x): x is string => x !== undefined);
    return `${left.length} pod${left.length === 1 ? "" : "s"} left out of the judgement: ${parts.join("; ")}; such pods send and receive nothing.`;
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
    return parseSnapshotDocuments([{ source: "", value: input }]);
}

/** One parsed document and where it came from (a file name, with the document's number when a file holds several). */
export interface SourcedDocument {
    readonly source: string;
    readonly value: unknown;
}

/**
 * Validates one snapshot made of several documents: snapshots in the SNAPSHOT.md format,
 * Kubernetes objects (Namespace, Pod, NetworkPolicy; other kinds do not affect reachability) and
 * Lists of them. Error paths start with the document's source when there is more than one.
 */
export function parseSnapshotDocuments(documents: readonly SourcedDocument[]): SnapshotResult {
    const v = new Validator();
    const docs = documents.map((d) => ({ source: d.source, value: withoutNulls(d.value) }));
    const many = docs.length > 1;
    const at = (source: string, path: string) => (many && source ? `${source}: ${path}` : path);
    const merged: Raw = { namespaces: {}, pods: [], policies: [], extras: [] };
    if (documents.length === 0) v.error("(root)", "is empty: expected a snapshot, Kubernetes manifests or kubectl get -o json output");
    let snapshots = 0;
    for (const { source, value } of docs) {
        if (isKubectlList(value) || isKubernetesObject(value)) {
            const items = isKubectlList(value)
                ? value.items.map((item, i) => ({ item, path: at(source, `items[${i}]`) }))
                : [{ item: value, path: at(source, "(document)") }];
            addKubernetesObjects(items, merged, v);
        } else if (isObject(value) && ("namespaces" in value || "pods" in value || "policies" in value)) {
            snapshots++;
            if (isObject(value["namespaces"])) Object.assign(merged.namespaces, value["namespaces"]);
            else v.error(at(source, "namespaces"), "expected an object of namespace name -> labels");
            v.list(value["pods"], at(source, "pods")).forEach((p, i) => merged.pods.push({ path: at(source, `pods[${i}]`), value: p }));
            v.list(value["policies"] ?? [], at(source, "policies")).forEach((p, i) =>
                merged.policies.push({ path: at(source, `policies[${i}]`), value: p }),
            );
            if (value["probes"] !== undefined) merged.probes = value["probes"];
            if (value["name"] !== undefined) merged.name = value["name"];
            for (const key of ["podCidrs", "nodeCidrs"] as const)
                if (value[key] !== undefined) merged.extras.push({ key, path: at(source, key), value: value[key] });
        } else if (value !== undefined || !many) {
            v.error(at(source, "(root)"), "expected a snapshot with namespaces, pods and policies, Kubernetes objects, or a List of them");
        }
    }
    if (snapshots > 1) v.error("(root)", "more than one document is a snapshot with namespaces, pods and policies; give one");
    if (v.errors.length > 0) return { ok: false, errors: v.errors };
    return build(merged, v);
}

interface Sourced {
    readonly path: string;
    readonly value: unknown;
}

/** The documents gathered into one: pods as written (kubectl's already in the snapshot's shape). */
interface Raw {
    namespaces: Record<string, unknown>;
    pods: Sourced[];
    policies: Sourced[];
    probes?: unknown;
    name?: unknown;
    /** podCidrs and nodeCidrs of snapshot documents. */
    extras: { key: "podCidrs" | "nodeCidrs"; path: string; value: unknown }[];
    nodeIps?: string[];
}

function build(raw: Raw, v: Validator): SnapshotResult {
    const namespaces: Record<string, Labels> = {};
    for (const [name, labels] of Object.entries(raw.namespaces)) namespaces[name] = v.labels(labels, `namespaces.${name}`);

    const pods: Pod[] = [];
    const podKeys = new Set<string>();
    const leftOut: LeftOutPod[] = [];
    const hostNetworkPods: HostNetworkPod[] = [];
    raw.pods.forEach(({ path: at, value: p }) => {
        if (!isObject(p)) return v.error(at, "expected an object");
        const namespace = v.string(p["namespace"], `${at}.namespace`);
        const name = v.string(p["name"], `${at}.name`);
        if (namespace !== undefined && !(namespace in namespaces))
            v.error(`${at}.namespace`, `unknown namespace ${JSON.stringify(namespace)}`);
        const key = `${namespace}/${name}`;
        if (podKeys.has(key)) v.error(`${at}.name`, `pod ${key} is listed twice`);
        podKeys.add(key);
        const phase = p["phase"];
        if (phase !== undefined && (typeof phase !== "string" || !POD_PHASES.includes(phase)))
            v.error(`${at}.phase`, `${JSON.stringify(phase)} is not one of ${POD_PHASES.join(", ")}`);
        if (p["hostNetwork"] !== undefined && typeof p["hostNetwork"] !== "boolean") v.error(`${at}.hostNetwork`, "expected true or false");
        // A finished pod's address is released (and may be another pod's now); a pod without one is not running yet.
        if (typeof phase === "string" && FINISHED_PHASES.includes(phase)) return void leftOut.push({ pod: key, reason: "finished", phase });
        if (p["ip"] === undefined || p["ip"] === "")
            return void leftOut.push({ pod: key, reason: "no-address", ...(typeof phase === "string" ? { phase } : {}) });
        const ip = v.string(p["ip"], `${at}.ip`);
        if (ip !== undefined && !parseIp(ip)) v.error(`${at}.ip`, `${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
        if (p["hostNetwork"] === true) return void hostNetworkPods.push({ pod: key, ip: ip ?? "" });
        const ports = v.list(p["ports"] ?? [], `${at}.ports`).map((cp, j) => v.containerPort(cp, `${at}.ports[${j}]`));
        pods.push({
            namespace: namespace ?? "",
            name: name ?? "",
            labels: v.labels(p["labels"] ?? {}, `${at}.labels`),
            ip: ip ?? "",
            ports: ports.filter((x): x is ContainerPort => x !== undefined),
            ...(typeof phase === "string" ? { phase } : {}),
        });
    });

    const policyKeys = new Map<string, string>();
    const policies = raw.policies.flatMap(({ path, value }) => {
        const policy = v.policy(value, path);
        // The same policy in two files (the plan's manifests beside its snapshot.json) is one policy.
        const key =
            isObject(policy) && isObject(policy["metadata"])
                ? `${String(policy["metadata"]["namespace"])}/${String(policy["metadata"]["name"])}`
                : undefined;
        if (key === undefined) return [policy];
        const seen = policyKeys.get(key);
        const text = JSON.stringify(isObject(policy) ? policy["spec"] : undefined);
        if (seen === undefined) {
            policyKeys.set(key, text);
            return [policy];
        }
        if (seen !== text) v.error(`${path}.metadata.name`, `policy ${key} is given twice with different specs`);
        return [];
    });

    const live = new Set(pods.map((p) => `${p.namespace}/${p.name}`));
    const ranges: { podCidrs?: string[]; nodeCidrs?: string[] } = {};
    for (const { key, path, value } of raw.extras) {
        const list = v.list(value, path).flatMap((c, i) => {
            const block = typeof c === "string" ? parseCidr(c) : { error: "expected a CIDR string" };
            if (isCidrError(block)) {
                v.error(`${path}[${i}]`, `${JSON.stringify(c)}: ${block.error}`);
                return [];
            }
            return [c as string];
        });
        ranges[key] = [...(ranges[key] ?? []), ...list];
    }
    let probes: Probe[] | undefined;
    if (raw.probes !== undefined) {
        probes = v.list(raw.probes, "probes").map((p, i) => {
            const at = `probes[${i}]`;
            if (!isObject(p)) {
                v.error(at, "expected an object");
                return { from: "", to: "", port: 0, protocol: "TCP" as Protocol };
            }
            return {
                from: v.party(p["from"], `${at}.from`, live, leftOut),
                to: v.party(p["to"], `${at}.to`, live, leftOut),
                port: v.portNumber(p["port"], `${at}.port`) ?? 0,
                protocol: v.protocol(p["protocol"] ?? "TCP", `${at}.protocol`),
            };
        });
    }
    if (v.errors.length > 0) return { ok: false, errors: v.errors };
    const name = typeof raw.name === "string" ? raw.name : undefined;
    return {
        ok: true,
        snapshot: {
            ...(name ? { name } : {}),
            namespaces,
            pods,
            policies: policies as NetworkPolicy[],
            ...(probes ? { probes } : {}),
            ...(leftOut.length > 0 ? { leftOut } : {}),
            ...(hostNetworkPods.length > 0 ? { hostNetworkPods } : {}),
            ...(ranges.podCidrs ? { podCidrs: ranges.podCidrs } : {}),
            ...(ranges.nodeCidrs ? { nodeCidrs: ranges.nodeCidrs } : {}),
            ...(raw.nodeIps && raw.nodeIps.length > 0 ? { nodeIps: raw.nodeIps } : {}),
        },
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
        for (const [k, val] of Object.entries(value)) {
            const keyProblem = labelKeyProblem(k);
            if (keyProblem) this.error(`${path}.${k}`, `${JSON.stringify(k)} is not a valid label key: ${keyProblem}`);
            if (typeof val !== "string") this.error(`${path}.${k}`, "label values are strings");
            else if (!isLabelValue(val))
                this.error(`${path}.${k}`, `${JSON.stringify(val)} is not a valid label value: ${LABEL_VALUE_RULE}`);
        }
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

    party(value: unknown, path: string, pods: ReadonlySet<string>, leftOut: readonly LeftOutPod[]): PartyRef {
        if (typeof value === "string") {
            const left = leftOut.find((p) => p.pod === value);
            if (!/^[^/]+\/[^/]+$/.test(value)) this.error(path, `${JSON.stringify(value)} is not namespace/pod`);
            else if (left)
                this.error(
                    path,
                    `pod ${value} is left out: ${left.reason === "finished" ? `it has finished (${left.phase})` : "it has no address yet"}`,
                );
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
                const key = this.string(r["key"], `${at}.key`);
                const keyProblem = key === undefined ? undefined : labelKeyProblem(key);
                if (keyProblem) this.error(`${at}.key`, `${JSON.stringify(key)} is not a valid label key: ${keyProblem}`);
                const op = r["operator"];
                const values = r["values"];
                if (op === "In" || op === "NotIn") {
                    if (!Array.isArray(values) || values.length === 0 || values.some((x) => typeof x !== "string"))
                        this.error(`${at}.values`, `${op} needs a non-empty list of strings`);
                    else
                        values.forEach((x: string, k) => {
                            if (!isLabelValue(x))
                                this.error(`${at}.values[${k}]`, `${JSON.stringify(x)} is not a valid label value: ${LABEL_VALUE_RULE}`);
                        });
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
                    // The API server refuses an except that is not a strict subset of its cidr
                    // (kubernetes pkg/apis/networking/validation ValidateIPBlock, v1.22 and later).
                    else if (inner.first === cidr.first && inner.last === cidr.last)
                        this.error(
                            `${path}.ipBlock.except[${k}]`,
                            `${e} covers all of ${String(block["cidr"])}: an except range must be a strict subset of its cidr`,
                        );
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

/** Pod phases (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase). */
const POD_PHASES: readonly string[] = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];

/** IANA_SVC_NAME, the rule for named ports. */
function isPortName(name: string): boolean {
    return name.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && /[a-z]/.test(name) && !name.includes("--");
}

/**
 * Label syntax as the API server validates it (apimachinery validation.IsQualifiedName and
 * IsValidLabelValue, https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set).
 */
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE_RULE = "at most 63 characters: letters, digits, '-', '_' or '.', beginning and ending with a letter or digit (no spaces)";

function isLabelValue(value: string): boolean {
    return value === "" || (value.length <= 63 && LABEL_NAME.test(value));
}

function labelKeyProblem(key: string): string | undefined {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
        return "the prefix before '/' must be a DNS subdomain such as example.com";
    if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name))
        return "the name must be 1 to 63 characters: letters, digits, '-', '_' or '.', beginning and ending with a letter or digit";
    return undefined;
}

/**
 * Kubernetes decodes `null` as the field's zero value, so an optional field that is null is
 * absent (`podSelector: { matchLabels: null }` selects every pod); Go's encoding/json leaves nil
 * maps, slices and pointers for null. Null list entries stay, and are refused where they appear.
 */
function withoutNulls(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((x) => (x === null ? x : withoutNulls(x)));
    if (!isObject(value)) return value;
    return Object.fromEntries(Object.entries(value).flatMap(([k, x]) => (x === null ? [] : [[k, withoutNulls(x)]])));
}

function isObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isKubectlList(value: unknown): value is { items: unknown[] } {
    return isObject(value) && value["kind"] === "List" && Array.isArray(value["items"]);
}

function isKubernetesObject(value: unknown): value is Record<string, unknown> {
    return isObject(value) && typeof value["kind"] === "string" && isObject(value["metadata"]);
}

/**
 * Kubernetes objects -> the snapshot's namespaces, pods and policies: the plan's manifests, a
 * directory of YAML, or `kubectl get namespaces,pods,networkpolicies -A -o json`. Fields the
 * server fills (managedFields, status, uid, defaults) are read past. A pod's phase and address
 * go with it, so `build` leaves out finished pods and pods without an IP yet (and says so);
 * host-network pods carry their node's address (status.hostIP): Calico applies no pod policy to
 * them, so they are judged as that address. Nodes give their InternalIP addresses.
 */
function addKubernetesObjects(items: readonly { item: unknown; path: string }[], into: Raw, v: Validator): void {
    for (const { item, path } of items) {
        if (!isKubernetesObject(item)) {
            v.error(path, "expected a Kubernetes object with kind and metadata");
            continue;
        }
        const meta = item["metadata"] as Record<string, unknown>;
        switch (item["kind"]) {
            case "Namespace":
                into.namespaces[String(meta["name"])] = meta["labels"] ?? {};
                break;
            case "Pod": {
                const spec = isObject(item["spec"]) ? item["spec"] : {};
                const status = isObject(item["status"]) ? item["status"] : {};
                const containers = Array.isArray(spec["containers"]) ? spec["containers"] : [];
                const hostNetwork = spec["hostNetwork"] === true;
                const ip = hostNetwork ? (status["hostIP"] ?? status["podIP"]) : status["podIP"];
                into.pods.push({
                    path,
                    value: {
                        namespace: meta["namespace"],
                        name: meta["name"],
                        labels: meta["labels"] ?? {},
                        ...(typeof status["phase"] === "string" ? { phase: status["phase"] } : {}),
                        ...(hostNetwork ? { hostNetwork: true } : {}),
                        ...(typeof ip === "string" && ip !== "" ? { ip } : {}),
                        ports: containers.flatMap((c) =>
                            isObject(c) && Array.isArray(c["ports"])
                                ? c["ports"].filter(isObject).map((p) => ({
                                      ...(p["name"] ? { name: p["name"] } : {}),
                                      port: p["containerPort"],
                                      protocol: p["protocol"] ?? "TCP",
                                  }))
                                : [],
                        ),
                    },
                });
                break;
            }
            case "NetworkPolicy":
                into.policies.push({ path, value: item });
                break;
            case "Node": {
                // A node's own addresses: what host-network pods and kubelet probes come from.
                const status = isObject(item["status"]) ? item["status"] : {};
                const addresses = Array.isArray(status["addresses"]) ? status["addresses"] : [];
                for (const a of addresses)
                    if (isObject(a) && a["type"] === "InternalIP" && typeof a["address"] === "string" && parseIp(a["address"]))
                        (into.nodeIps ??= []).push(a["address"]);
                break;
            }
            case "List":
                addKubernetesObjects(
                    (Array.isArray(item["items"]) ? item["items"] : []).map((x, i) => ({ item: x, path: `${path}.items[${i}]` })),
                    into,
                    v,
                );
                break;
            default:
                break; // other kinds do not affect reachability
        }
    }
}

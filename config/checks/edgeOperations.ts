/**
 * Rules for running the edge day to day: the data plane's replicas and disruption budget, how it
 * drains out of the NLB, cert-manager's webhook replicas. Small pure functions over the parsed
 * config, each returning the problems it finds with their key paths; `edgeOperationChecks` runs
 * them all for the Checker (config/checks/versions.ts). The defaults they judge are resolved here too, so
 * the typed config and the rules agree on them.
 */
import { DataPlaneSettings } from "../../compiler/platform";
import { RawConfig } from "../shape";
import { ConfigProblem, keyPath } from "../problems";
import { parseVersion, parseVersionSpec } from "../versions";

type Gateway = RawConfig["gateway"];
type Environment = RawConfig["environment"] | undefined;

/** What the edge's rules found: refusals and warnings. */
export interface EdgeOperationFindings {
    readonly problems: readonly ConfigProblem[];
    readonly warnings: readonly ConfigProblem[];
}

/** The longest deregistration delay an NLB target group takes (Elastic Load Balancing API, TargetGroupAttribute `deregistration_delay.timeout_seconds`: 0-3600). */
export const MAX_DEREGISTRATION_DELAY_SECONDS = 3600;
/** Default margin of the preStop sleep over the deregistration delay: the controller's deregistration call itself takes a few seconds. */
export const DRAIN_MARGIN_SECONDS = 10;

function found(path: (string | number)[], value: unknown, message: string, hint?: string): ConfigProblem {
    return { path: keyPath(path), keys: path, value, message, ...(hint ? { hint } : {}) };
}

const isWhole = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n);

/** Two nginx pods in production, so a rollout, a drain or a Spot reclaim always leaves the NLB a healthy target; one elsewhere. */
export function defaultReplicas(environment: Environment): number {
    return environment === "production" ? 2 : 1;
}

/** The data plane as the program runs it, defaults resolved (valid only once the rules found no problem). */
export function resolveDataPlane(dataPlane: Gateway["dataPlane"], environment: Environment): DataPlaneSettings {
    const replicas = dataPlane.replicas ?? defaultReplicas(environment);
    return {
        replicas,
        minAvailable: dataPlane.minAvailable ?? replicas - 1,
        deregistrationDelaySeconds: dataPlane.deregistrationDelaySeconds,
        drainSeconds: dataPlane.drainSeconds ?? dataPlane.deregistrationDelaySeconds + DRAIN_MARGIN_SECONDS,
    };
}

export function resolveCertManagerWebhookReplicas(certManager: Gateway["certManager"], environment: Environment): number {
    return certManager.webhookReplicas ?? defaultReplicas(environment);
}

/** A replica count is a whole number, at least 1: with none the Gateway serves nothing. */
export function replicaProblems(path: (string | number)[], replicas: number | undefined): ConfigProblem[] {
    if (replicas === undefined || (isWhole(replicas) && replicas >= 1)) return [];
    return [found(path, replicas, "must be a whole number of at least 1", "2, so that a rollout or a drain always leaves one serving")];
}

/**
 * The data plane's PodDisruptionBudget can be satisfied: minAvailable below the replicas (one
 * equal to them lets no pod ever be evicted, so every drain, node group update and Spot
 * rebalance waits forever), and none to ask for with one replica.
 */
export function disruptionBudgetProblems(gateway: Gateway, environment: Environment): ConfigProblem[] {
    const at = ["gateway", "dataPlane", "minAvailable"];
    const { minAvailable } = gateway.dataPlane;
    if (minAvailable === undefined) return [];
    if (!isWhole(minAvailable) || minAvailable < 0)
        return [found(at, minAvailable, "must be a whole number of at least 0", "replicas - 1, e.g. 1 for 2 replicas")];
    const replicas = gateway.dataPlane.replicas ?? defaultReplicas(environment);
    if (!isWhole(replicas) || replicas < 1) return [];
    if (minAvailable >= replicas)
        return [
            found(
                at,
                minAvailable,
                `can never be satisfied with ${replicas} replica${replicas === 1 ? "" : "s"}: no pod could ever be evicted, so every drain and node group update would wait forever`,
                replicas === 1 ? "0 (no budget), or raise gateway.dataPlane.replicas to 2" : `at most ${replicas - 1}`,
            ),
        ];
    return [];
}

/**
 * A terminating nginx keeps serving until the NLB has drained it: the deregistration delay is one
 * an NLB accepts, and the preStop sleep outlasts it (otherwise open connections are cut while
 * the NLB still sends to the target).
 */
export function drainProblems(gateway: Gateway): ConfigProblem[] {
    const { deregistrationDelaySeconds: delay, drainSeconds } = gateway.dataPlane;
    const at = ["gateway", "dataPlane"];
    if (!isWhole(delay) || delay < 0 || delay > MAX_DEREGISTRATION_DELAY_SECONDS)
        return [
            found(
                [...at, "deregistrationDelaySeconds"],
                delay,
                `must be a whole number of seconds from 0 to ${MAX_DEREGISTRATION_DELAY_SECONDS}, what an NLB target group takes`,
                "e.g. 30",
            ),
        ];
    if (drainSeconds === undefined) return [];
    if (!isWhole(drainSeconds) || drainSeconds <= delay)
        return [
            found(
                [...at, "drainSeconds"],
                drainSeconds,
                `must be a whole number of seconds longer than deregistrationDelaySeconds (${delay}): a pod that stops sooner cuts connections the NLB still sends it`,
                `e.g. ${delay + DRAIN_MARGIN_SECONDS}`,
            ),
        ];
    return [];
}

/** Production runs more than one nginx pod: with one, every rollout and drain leaves the NLB without a healthy target. */
export function singleReplicaWarnings(gateway: Gateway, environment: Environment): ConfigProblem[] {
    const replicas = gateway.dataPlane.replicas;
    if (environment !== "production" || replicas !== 1) return [];
    return [
        found(
            ["gateway", "dataPlane", "replicas"],
            replicas,
            "one nginx pod in production: every rollout, drain or node replacement drops the gateway's traffic",
            "2 (the default in production)",
        ),
    ];
}

const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

/**
 * The zone the hostnames resolve in: with cert-manager issuing, `gateway.tls.zoneName` names the
 * domain of `hostedZoneId`, where the program writes each hostname's alias record to the NLB;
 * every hostname lies in it (a name outside could neither be challenged nor pointed there).
 */
export function zoneProblems(gateway: Gateway): ConfigProblem[] {
    const tls = gateway.tls;
    if (!tls) return [];
    const at = ["gateway", "tls"];
    if (tls.certificateSecret !== undefined)
        return tls.zoneName === undefined
            ? []
            : [
                  found(
                      [...at, "zoneName"],
                      tls.zoneName,
                      "is for cert-manager issuing and the hostnames' records, but certificateSecret names your own certificate",
                      "keep one of the two",
                  ),
              ];
    if (tls.zoneName === undefined)
        return [
            found(
                [...at, "zoneName"],
                undefined,
                "the hostnames' alias records to the gateway's load balancer are written in hostedZoneId's zone: name its domain",
                "e.g. shop.example.com",
            ),
        ];
    const zone = tls.zoneName;
    if (!DNS_NAME.test(zone) || zone.length > 253)
        return [
            found([...at, "zoneName"], zone, "is not a DNS domain", "the hosted zone's name without the final dot, e.g. shop.example.com"),
        ];
    const problems: ConfigProblem[] = [];
    tls.hostnames.forEach((hostname, i) => {
        const name = hostname.replace(/^\*\./, "");
        if (name !== zone && !name.endsWith(`.${zone}`))
            problems.push(
                found(
                    [...at, "hostnames", i],
                    hostname,
                    `is outside the hosted zone ${zone}: its DNS-01 challenge and its record cannot be written there`,
                    `a name under ${zone}, or a stack with that name's zone`,
                ),
            );
    });
    return problems;
}

/** A replacement allowed once is not left allowed: the next scheme change should be refused again. */
export function replacementWarnings(gateway: Gateway): ConfigProblem[] {
    if (!gateway.replaceLoadBalancer) return [];
    return [
        found(
            ["gateway", "replaceLoadBalancer"],
            true,
            "lets this update replace the gateway's NLB (a new DNS name): records outside the stack must follow",
            "remove it once the update has run",
        ),
    ];
}

/**
 * NGF's CRDs are applied from its release at the chart's version (compiler/platform.ts ngfCrdsUrl):
 * a range names no release. (Other chart version problems are the version check's.)
 */
export function ngfCrdVersionProblems(gateway: Gateway): ConfigProblem[] {
    const text = gateway.chartVersion;
    if (parseVersion(text) !== undefined || parseVersionSpec(text) === undefined) return [];
    return [
        found(
            ["gateway", "chartVersion"],
            text,
            "is a range, but NGINX Gateway Fabric's CRDs are applied from the release of the exact chart version (Helm never upgrades them)",
            "an exact version, e.g. 2.6.7",
        ),
    ];
}

/** Every rule of this file over the gateway section. */
export function edgeOperationChecks(gateway: Gateway | undefined, environment: Environment): EdgeOperationFindings {
    if (!gateway) return { problems: [], warnings: [] };
    return {
        problems: [
            ...replicaProblems(["gateway", "dataPlane", "replicas"], gateway.dataPlane.replicas),
            ...disruptionBudgetProblems(gateway, environment),
            ...drainProblems(gateway),
            ...replicaProblems(["gateway", "certManager", "webhookReplicas"], gateway.certManager.webhookReplicas),
            ...zoneProblems(gateway),
            ...ngfCrdVersionProblems(gateway),
        ],
        warnings: [...singleReplicaWarnings(gateway, environment), ...replacementWarnings(gateway)],
    };
}

import { strict as assert } from "assert";
import { formatProblem, parseStackConfig } from "../config/schema";
import { disruptionBudgetProblems, drainProblems, replicaProblems, resolveDataPlane } from "../config/checks/edgeOperations";
import * as fs from "fs";
import * as path from "path";
import {
    GATEWAY_ADDRESS_WAIT,
    GATEWAY_INFRASTRUCTURE_ANNOTATION_LIMIT,
    NGF_READINESS_PATH,
    NGF_READINESS_PORT,
    gatewayWaitFor,
    gatewayDisruptionBudget,
    loadBalancerAnnotations,
    sharedGatewayManifest,
} from "../compiler/platform";
import { PROJECT_DIR, stackConfig, stackIntent } from "./harness";
import { READINESS_GATE_LABELS, allPolicies, compileIntent } from "../compiler/generate";
import { planSnapshot } from "../compiler/planSnapshot";
import { checkConnectivity, checkIntent } from "../compiler/intentCheck";
import { renderConnectivityHtml } from "../engine/html";

type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The real stack's config with its gateway section edited, parsed as the program parses it. */
function parse(stack: string, edit: (gateway: Config, all: Config) => void) {
    const config = structuredClone(stackConfig(stack)) as Config;
    edit(config["k8s-platform:gateway"], config);
    const raw = Object.fromEntries(
        Object.entries(config)
            .filter(([k]) => k.startsWith("k8s-platform:"))
            .map(([k, v]) => [k.slice("k8s-platform:".length), v]),
    );
    const result = parseStackConfig(raw);
    return { result, problems: result.ok ? [] : result.problems.map(formatProblem), warnings: result.warnings.map(formatProblem) };
}

describe("the data plane's operations settings", () => {
    it("runs two nginx pods with a budget of one by default in production, one and no budget elsewhere", () => {
        const prod = parse("prod", (g) => delete g.dataPlane);
        assert.ok(prod.result.ok);
        assert.deepEqual(prod.result.config.gateway.dataPlane, {
            replicas: 2,
            minAvailable: 1,
            deregistrationDelaySeconds: 30,
            drainSeconds: 40,
        });
        assert.equal(prod.result.config.gateway.certManager.webhookReplicas, 2);
        const nonprod = parse("nonprod", (g) => delete g.dataPlane);
        assert.ok(nonprod.result.ok);
        assert.deepEqual(nonprod.result.config.gateway.dataPlane, {
            replicas: 1,
            minAvailable: 0,
            deregistrationDelaySeconds: 30,
            drainSeconds: 40,
        });
        assert.equal(nonprod.result.config.gateway.certManager.webhookReplicas, 1);
        assert.equal(gatewayDisruptionBudget("tools", nonprod.result.config.gateway.dataPlane, {}), undefined);
    });

    const refused: [string, string, (g: Config) => void, string][] = [
        [
            "no replicas",
            "nonprod",
            (g) => (g.dataPlane.replicas = 0),
            "k8s-platform:gateway.dataPlane.replicas: 0: must be a whole number of at least 1 (2, so that a rollout or a drain always leaves one serving)",
        ],
        [
            "half a replica",
            "prod",
            (g) => (g.dataPlane.replicas = 1.5),
            "k8s-platform:gateway.dataPlane.replicas: 1.5: must be a whole number of at least 1",
        ],
        [
            "a budget as large as the replicas",
            "prod",
            (g) => (g.dataPlane.minAvailable = 2),
            "k8s-platform:gateway.dataPlane.minAvailable: 2: can never be satisfied with 2 replicas: no pod could ever be evicted, so every drain and node group update would wait forever (at most 1)",
        ],
        [
            "a budget for one replica",
            "nonprod",
            (g) => ((g.dataPlane.replicas = 1), (g.dataPlane.minAvailable = 1)),
            "k8s-platform:gateway.dataPlane.minAvailable: 1: can never be satisfied with 1 replica: no pod could ever be evicted, so every drain and node group update would wait forever (0 (no budget), or raise gateway.dataPlane.replicas to 2)",
        ],
        [
            "a drain shorter than the deregistration delay",
            "prod",
            (g) => (g.dataPlane.drainSeconds = 30),
            "k8s-platform:gateway.dataPlane.drainSeconds: 30: must be a whole number of seconds longer than deregistrationDelaySeconds (30): a pod that stops sooner cuts connections the NLB still sends it (e.g. 40)",
        ],
        [
            "a deregistration delay an NLB refuses",
            "prod",
            (g) => (g.dataPlane.deregistrationDelaySeconds = 4000),
            "k8s-platform:gateway.dataPlane.deregistrationDelaySeconds: 4000: must be a whole number of seconds from 0 to 3600",
        ],
        [
            "a hostname outside the hosted zone",
            "prod",
            (g) => g.tls.hostnames.push("shop.example.org"),
            'k8s-platform:gateway.tls.hostnames[4]: "shop.example.org": is outside the hosted zone shop.example.com: its DNS-01 challenge and its record cannot be written there (a name under shop.example.com, or a stack with that name\'s zone)',
        ],
        [
            "issuing without the zone's domain",
            "nonprod",
            (g) => delete g.tls.zoneName,
            "k8s-platform:gateway.tls.zoneName: (not set): the hostnames' alias records to the gateway's load balancer are written in hostedZoneId's zone: name its domain (e.g. shop.example.com)",
        ],
        [
            "a zone's domain beside your own certificate",
            "nonprod",
            (g) => (g.tls = { certificateSecret: "shop-tls", zoneName: "shop.example.com" }),
            'k8s-platform:gateway.tls.zoneName: "shop.example.com": is for cert-manager issuing and the hostnames\' records, but certificateSecret names your own certificate',
        ],
        [
            "a range for NGF's chart outside production, since its CRDs come from the exact release",
            "nonprod",
            (g) => (g.chartVersion = "~2.6.7"),
            'k8s-platform:gateway.chartVersion: "~2.6.7": is a range, but NGINX Gateway Fabric\'s CRDs are applied from the release of the exact chart version (Helm never upgrades them) (an exact version, e.g. 2.6.7)',
        ],
        [
            "no cert-manager webhook",
            "prod",
            (g) => (g.certManager.webhookReplicas = 0),
            "k8s-platform:gateway.certManager.webhookReplicas: 0: must be a whole number of at least 1",
        ],
    ];
    for (const [what, stack, edit, expected] of refused)
        it(`refuses ${what}, naming the key`, () => {
            const { problems } = parse(stack, edit);
            assert.ok(
                problems.some((p) => p.startsWith(expected)),
                problems.join("\n"),
            );
        });

    it("warns of one nginx pod in production, and not elsewhere", () => {
        const prod = parse("prod", (g) => ((g.dataPlane.replicas = 1), (g.dataPlane.minAvailable = 0)));
        assert.ok(prod.result.ok);
        assert.ok(
            prod.warnings.some((w) =>
                w.startsWith(
                    "k8s-platform:gateway.dataPlane.replicas: 1: one nginx pod in production: every rollout, drain or node replacement drops",
                ),
            ),
            prod.warnings.join("\n"),
        );
        const nonprod = parse("nonprod", (g) => (g.dataPlane.replicas = 1));
        assert.ok(!nonprod.warnings.some((w) => w.includes("dataPlane")));
    });

    it("judges each rule on its own values: the rules are pure functions of the section", () => {
        const gateway = (dataPlane: Config) => ({ ...(stackConfig("prod")["k8s-platform:gateway"] as Config), dataPlane }) as never;
        assert.deepEqual(replicaProblems(["x"], 3), []);
        assert.equal(
            disruptionBudgetProblems(gateway({ replicas: 3, minAvailable: 2, deregistrationDelaySeconds: 30 }), "production").length,
            0,
        );
        assert.equal(
            disruptionBudgetProblems(gateway({ replicas: 3, minAvailable: 3, deregistrationDelaySeconds: 30 }), "production").length,
            1,
        );
        assert.equal(drainProblems(gateway({ deregistrationDelaySeconds: 0, drainSeconds: 1 })).length, 0);
        assert.deepEqual(resolveDataPlane({ replicas: 3, deregistrationDelaySeconds: 60 }, "non-production"), {
            replicas: 3,
            minAvailable: 2,
            deregistrationDelaySeconds: 60,
            drainSeconds: 70,
        });
    });
});

describe("a load balancer replacement", () => {
    it("is said on the Gateway only when config allows it, and config warns until the key is removed", () => {
        const base = {
            toolsNamespace: "tools",
            internal: false,
            loadBalancerSubnetIds: ["subnet-a", "subnet-b"],
            routeNamespaceLabels: {},
            labels: {},
        };
        assert.equal(sharedGatewayManifest(base).metadata.annotations["k8s-platform/load-balancer-replacement"], undefined);
        assert.equal(
            sharedGatewayManifest({ ...base, replaceLoadBalancer: true }).metadata.annotations["k8s-platform/load-balancer-replacement"],
            "intended",
        );
        const { result, warnings } = parse("prod", (g) => (g.replaceLoadBalancer = true));
        assert.ok(result.ok && result.config.gateway.replaceLoadBalancer);
        assert.ok(
            warnings.some((w) =>
                w.startsWith("k8s-platform:gateway.replaceLoadBalancer: true: lets this update replace the gateway's NLB"),
            ),
            warnings.join("\n"),
        );
    });

    it("keeps the Gateway's infrastructure annotations within Gateway API's limit of 8, with room to spare", () => {
        const annotations = loadBalancerAnnotations(true, ["subnet-a", "subnet-b", "subnet-c"]);
        assert.equal(Object.keys(annotations).length, 3);
        assert.ok(Object.keys(annotations).length < GATEWAY_INFRASTRUCTURE_ANNOTATION_LIMIT);
    });
});

describe("the pod readiness gate in the plan", () => {
    it("shows the readiness-gate label on tools in the plan's snapshot and on its page, and on no other namespace", () => {
        const intent = stackIntent("nonprod");
        const plans = compileIntent(intent);
        const [namespaces, policies] = [plans.map((p) => p.namespace), allPolicies(plans)];
        const snapshot = planSnapshot("plan of stack nonprod", intent, namespaces, policies);
        const gated = Object.entries(snapshot.namespaces)
            .filter(([, labels]) => labels["elbv2.k8s.aws/pod-readiness-gate-inject"] === "enabled")
            .map(([name]) => name);
        assert.deepEqual(gated, ["tools"]);
        // The page lists the labels of the namespaces it pins (the gateway's), the gate among them.
        const page = renderConnectivityHtml(
            "nonprod",
            checkConnectivity(checkIntent(intent, namespaces, policies), intent.appLabel),
            [],
            undefined,
            { snapshot, pinned: [intent.toolsNamespace] },
        );
        const table = page.slice(page.indexOf('<table id="namespace-labels">'));
        assert.match(table, /<tr><td>tools<\/td><td>[^\n]*<code>elbv2\.k8s\.aws\/pod-readiness-gate-inject: enabled<\/code>/);
        assert.ok(
            !renderConnectivityHtml("x", checkConnectivity(checkIntent(intent, namespaces, policies), intent.appLabel)).includes(
                "namespace-labels",
            ),
        );
    });
});

describe("docs/edge-operations.md", () => {
    const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "edge-operations.md"), "utf8");

    it("names what the program really sets: the readiness-gate label, the health check, the deletion policy and the replacement annotation", () => {
        const gateway = sharedGatewayManifest({
            toolsNamespace: "tools",
            internal: false,
            replaceLoadBalancer: true,
            loadBalancerSubnetIds: ["subnet-a"],
            routeNamespaceLabels: {},
            labels: {},
        });
        const annotations = gateway.metadata.annotations;
        for (const fact of [
            Object.keys(READINESS_GATE_LABELS)[0]!,
            `${NGF_READINESS_PATH}\` on ${NGF_READINESS_PORT}`,
            `pulumi.com/deletionPropagationPolicy: ${annotations["pulumi.com/deletionPropagationPolicy"]}`,
            `k8s-platform/load-balancer-replacement: ${annotations["k8s-platform/load-balancer-replacement"]}`,
            "service.k8s.aws/resources",
            "gateway.dataPlane.replicas",
            "gateway.tls.zoneName",
        ])
            assert.ok(doc.includes(fact), fact);
    });

    it("says what each of the Gateway's waits means, one row per expression the Gateway waits for", () => {
        const waits = JSON.parse(gatewayWaitFor([{ name: "https-a", secret: "a-tls" }])) as string[];
        assert.deepEqual(waits.slice(0, 2), ["condition=Programmed", GATEWAY_ADDRESS_WAIT]);
        const row = doc.split("\n").find((l) => l.startsWith("| Gateway |"));
        assert.ok(row, "a Gateway row in the table of waits");
        for (const words of ["`Programmed`", "`status.addresses`", "`ResolvedRefs` True"]) assert.ok(row.includes(words), words);
    });
});

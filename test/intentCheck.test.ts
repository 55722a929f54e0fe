import { strict as assert } from "assert";
import fc from "fast-check";
import * as path from "path";
import { renderNamespaceMatrix } from "../engine/connectivity";
import { allPolicies, compileIntent } from "../compiler/generate";
import { AppRef, NetworkIntent, PortSpec } from "../compiler/intent";
import { platformTraffic } from "../compiler/platform";
import {
    checkConnectivity,
    checkIntent,
    checkIntentPairwise,
    formatMismatch,
    formatMismatchGroup,
    groupMismatches,
} from "../compiler/intentCheck";
import { parseStackConfig, projectConfigValues } from "../config/schema";
import { generatedStackFile } from "../offline/generatedStack";
import { estimatePlan, planBudgetProblem } from "../offline/planBudget";
import { NetworkPolicy } from "../engine/k8s";
import { deployedObjects } from "../offline/deployed";
import { localStackOutputs } from "../offline/localStacks";
import { runProgram } from "../offline/mockRuntime";
import { PROJECT_DIR, stackIntent } from "./harness";

/** The intent of a generated stack of `count` business namespaces (offline/generatedStack.ts). */
function generatedIntent(count: number): NetworkIntent {
    const parsed = parseStackConfig(projectConfigValues(generatedStackFile(PROJECT_DIR, count).config));
    if (!parsed.ok) throw new Error(`the generated stack of ${count} namespaces is invalid`);
    return parsed.config.network;
}

function check(intent: NetworkIntent, edit: (policies: NetworkPolicy[]) => NetworkPolicy[] = (p) => p) {
    const plans = compileIntent(intent);
    return checkIntent(
        intent,
        plans.map((p) => p.namespace),
        edit([...allPolicies(plans)]),
    );
}

/**
 * Small random intents: up to four namespaces of up to three apps, flows, CIDR sources, ports of
 * every kind; and sometimes a twin of the first namespace (same apps and web ports), whose pods
 * the class-space check may ask the intent about only once.
 */
function randomIntent(): fc.Arbitrary<NetworkIntent> {
    const names = ["alpha", "beta", "gamma", "delta"];
    const apps = ["web", "api", "worker"];
    const port: fc.Arbitrary<PortSpec> = fc.oneof(
        fc.constantFrom<PortSpec>(
            { protocol: "TCP", port: 8080 },
            { protocol: "TCP", port: 443 },
            { protocol: "UDP", port: 5353 },
            { protocol: "TCP", port: "http" },
        ),
        fc.constant<PortSpec>({ protocol: "TCP", port: 9000, endPort: 9005 }),
    );
    const ports = fc.uniqueArray(port, { maxLength: 2, selector: (p) => `${p.protocol}/${p.port}` });
    return fc
        .record({
            count: fc.integer({ min: 1, max: 4 }),
            twin: fc.boolean(),
            appsOf: fc.array(fc.subarray(apps, { minLength: 1 }), { minLength: 4, maxLength: 4 }),
            webPorts: fc.array(fc.uniqueArray(port, { minLength: 1, maxLength: 2, selector: (p) => `${p.protocol}/${p.port}` }), {
                minLength: 4,
                maxLength: 4,
            }),
            flows: fc.array(fc.record({ from: fc.nat(), to: fc.nat(), ports }), { maxLength: 5 }),
            sources: fc.array(
                fc.record({
                    to: fc.nat(),
                    cidr: fc.constantFrom(
                        { cidr: "192.0.2.0/24", except: ["192.0.2.128/25"], includesPods: false },
                        { cidr: "198.51.100.0/24", except: [], includesPods: false },
                        // Pods of the second pod range as clients: every namespace may reach the source's app.
                        { cidr: "10.40.32.0/19", except: [], includesPods: true },
                    ),
                    ports,
                }),
                { maxLength: 2 },
            ),
            destinations: fc.array(
                fc.record({
                    cidr: fc.constantFrom(
                        { cidr: "10.60.0.0/24", except: [], includesPods: false },
                        { cidr: "10.0.0.0/8", except: [], includesPods: false },
                        { cidr: "10.40.0.0/16", except: [], includesPods: true },
                        // One of the two pod ranges: pods of one app differ by the range they are in.
                        { cidr: "10.40.32.0/19", except: [], includesPods: true },
                        { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"], includesPods: false },
                    ),
                    ports,
                }),
                { maxLength: 3 },
            ),
            grants: fc.array(fc.record({ from: fc.nat(), to: fc.nat() }), { maxLength: 4 }),
            defaultDenyEgress: fc.boolean(),
            clients: fc.constantFrom(["0.0.0.0/0"], ["203.0.113.0/24"], ["10.0.0.0/8"]),
            tls: fc.boolean(),
            podIdentityAgent: fc.boolean(),
            sts: fc.constantFrom([], ["10.40.224.0/24"]),
        })
        .map(
            ({
                count,
                twin,
                appsOf,
                webPorts,
                flows,
                sources,
                destinations,
                grants,
                defaultDenyEgress,
                clients,
                tls,
                podIdentityAgent,
                sts,
            }): NetworkIntent => {
                const namespaces = names.slice(0, count).map((name, i) => ({ name, team: name, apps: appsOf[i]!, webPorts: webPorts[i]! }));
                if (twin) namespaces.push({ ...namespaces[0]!, name: "omega", team: "omega" });
                // Every app, and every namespace as a whole (ns/*).
                const refs: AppRef[] = namespaces.flatMap((n) => [
                    ...n.apps.map((app) => ({ namespace: n.name, app })),
                    { namespace: n.name, app: "*" },
                ]);
                const egressDestinations = destinations.map((d, i) => ({
                    name: `dest-${i}`,
                    cidrs: [{ cidr: d.cidr.cidr, except: d.cidr.except }],
                    includesPods: d.cidr.includesPods,
                    ports: d.ports,
                }));
                return {
                    appLabel: "app",
                    defaultDenyEgress,
                    toolsNamespace: "tools",
                    addresses: {
                        podCidrs: ["10.40.0.0/19", "10.40.32.0/19"],
                        controlPlaneCidrs: ["10.40.208.0/28", "10.40.208.16/28"],
                    },
                    gatewayClients: { cidrs: clients.map((cidr) => ({ cidr, except: [] })), includesPods: false },
                    platform: platformTraffic("tools", tls),
                    namespaces,
                    flows: flows.map((f) => ({ from: refs[f.from % refs.length]!, to: refs[f.to % refs.length]!, ports: f.ports })),
                    cidrSources: sources.map((c, i) => ({
                        name: `source-${i}`,
                        to: refs[c.to % refs.length]!,
                        cidrs: [{ cidr: c.cidr.cidr, except: c.cidr.except }],
                        ports: c.ports,
                        includesPods: c.cidr.includesPods,
                    })),
                    egressDestinations,
                    egress:
                        egressDestinations.length === 0
                            ? []
                            : grants.map((g) => ({
                                  from: refs[g.from % refs.length]!,
                                  to: egressDestinations[g.to % egressDestinations.length]!.name,
                              })),
                    podCredentials: { podIdentityAgent, stsCidrs: sts },
                };
            },
        );
}

describe("the intent check", () => {
    for (const stack of ["nonprod", "prod"]) {
        it(`finds the ${stack} policies allow exactly what the ${stack} intent allows`, () => {
            const result = check(stackIntent(stack));
            assert.deepEqual(result.mismatches.map(formatMismatch), []);
            assert.ok(result.checked > 20000, `only ${result.checked} connections judged`);
        });
    }

    it("reports the extra connections when a flow's namespaceSelector and podSelector are split into two peers (OR)", () => {
        const result = check(stackIntent("prod"), (policies) =>
            policies.map((p) =>
                p.metadata.name === "from-checkout.api-to-api" && p.metadata.namespace === "payments"
                    ? {
                          ...p,
                          spec: {
                              ...p.spec,
                              ingress: [
                                  {
                                      from: [
                                          { namespaceSelector: p.spec.ingress![0]!.from![0]!.namespaceSelector! },
                                          { podSelector: p.spec.ingress![0]!.from![0]!.podSelector! },
                                      ],
                                      ports: p.spec.ingress![0]!.ports!,
                                  },
                              ],
                          },
                      }
                    : p,
            ),
        );
        const lines = result.mismatches.map(formatMismatch);
        assert.deepEqual(lines, [
            "extra ingress: checkout/web -> payments/api on 8443/TCP is allowed by payments/from-checkout.api-to-api, but the intent does not allow it (nothing in the intent admits this into payments/api)",
            "extra ingress: checkout/worker -> payments/api on 8443/TCP is allowed by payments/from-checkout.api-to-api, but the intent does not allow it (nothing in the intent admits this into payments/api)",
        ]);
    });

    it("reports the missing connections when a namespace loses its DNS egress", () => {
        const result = check(stackIntent("nonprod"), (policies) =>
            policies.filter((p) => !(p.metadata.namespace === "cart" && p.metadata.name === "allow-dns-egress")),
        );
        assert.deepEqual(result.mismatches.map(formatMismatch), [
            "missing egress: cart/api -> kube-system/coredns on 53/TCP is denied (isolated by cart/allow-pod-identity-egress, cart/allow-same-namespace, cart/default-deny, cart/from-api-to-checkout.api), but the intent allows it (DNS)",
            "missing egress: cart/api -> kube-system/coredns on 53/UDP is denied (isolated by cart/allow-pod-identity-egress, cart/allow-same-namespace, cart/default-deny, cart/from-api-to-checkout.api), but the intent allows it (DNS)",
            "missing egress: cart/web -> kube-system/coredns on 53/TCP is denied (isolated by cart/allow-pod-identity-egress, cart/allow-same-namespace, cart/default-deny, cart/web-to-gateway), but the intent allows it (DNS)",
            "missing egress: cart/web -> kube-system/coredns on 53/UDP is denied (isolated by cart/allow-pod-identity-egress, cart/allow-same-namespace, cart/default-deny, cart/web-to-gateway), but the intent allows it (DNS)",
        ]);
    });

    it("groups mismatches by namespace pair and policies, with a count and the first examples", () => {
        const result = check(stackIntent("nonprod"), (policies) =>
            policies.filter((p) => !(p.metadata.namespace === "cart" && p.metadata.name === "allow-dns-egress")),
        );
        const groups = groupMismatches(result.mismatches, 1);
        assert.deepEqual(
            groups.map((g) => [g.kind, g.direction, g.from, g.to, g.policies.join(" "), g.count]),
            [
                [
                    "missing",
                    "egress",
                    "cart",
                    "kube-system",
                    "cart/allow-pod-identity-egress cart/allow-same-namespace cart/default-deny cart/from-api-to-checkout.api",
                    2,
                ],
                [
                    "missing",
                    "egress",
                    "cart",
                    "kube-system",
                    "cart/allow-pod-identity-egress cart/allow-same-namespace cart/default-deny cart/web-to-gateway",
                    2,
                ],
            ],
        );
        assert.deepEqual(formatMismatchGroup(groups[0]!), [
            "cart -> kube-system: 2 missing egress (in the intent, but denied); isolated by cart/allow-pod-identity-egress, cart/allow-same-namespace, cart/default-deny, cart/from-api-to-checkout.api",
            `    e.g. ${formatMismatch(result.mismatches[0]!)}`,
        ]);
    });

    it("reports a CIDR source whose except range was dropped", () => {
        const result = check(stackIntent("nonprod"), (policies) =>
            policies.map((p) =>
                p.metadata.name === "from-cidr.psp-callbacks-to-api"
                    ? { ...p, spec: { ...p.spec, ingress: [{ ...p.spec.ingress![0]!, from: [{ ipBlock: { cidr: "192.0.2.0/24" } }] }] } }
                    : p,
            ),
        );
        assert.deepEqual(result.mismatches.map(formatMismatch), [
            "extra ingress: 192.0.2.129 -> payments/api on 8443/TCP is allowed by payments/from-cidr.psp-callbacks-to-api, but the intent does not allow it (nothing in the intent admits this into payments/api)",
        ]);
    });

    /** The flow checkout/api -> payments/api of prod, its ingress half's port entry replaced by `port`. */
    const withFlowPort =
        (port: NetworkPolicy["spec"]["ingress"] extends readonly (infer R)[] | undefined ? R : never) => (policies: NetworkPolicy[]) =>
            policies.map((p) =>
                p.metadata.name === "from-checkout.api-to-api" && p.metadata.namespace === "payments"
                    ? { ...p, spec: { ...p.spec, ingress: [{ ...p.spec.ingress![0]!, ...port }] } }
                    : p,
            );

    it("fails a port widened into a range (8443 -> 8000-9000), naming the range the extra ports stand for", () => {
        const result = check(stackIntent("prod"), withFlowPort({ ports: [{ protocol: "TCP", port: 8000, endPort: 9000 }] }));
        assert.deepEqual(result.mismatches.map(formatMismatch), [
            "extra ingress: checkout/api -> payments/api on 8000/TCP (for ports 8000-8079, 8082-8442, 8444-9000/TCP) is allowed by payments/from-checkout.api-to-api, but the intent does not allow it (nothing in the intent admits this into payments/api)",
            // 8080 and 8081 are classes of their own: the intent names them elsewhere (web ports,
            // the gateway's readiness endpoint).
            "extra ingress: checkout/api -> payments/api on 8080/TCP is allowed by payments/from-checkout.api-to-api, but the intent does not allow it (nothing in the intent admits this into payments/api)",
            "extra ingress: checkout/api -> payments/api on 8081/TCP is allowed by payments/from-checkout.api-to-api, but the intent does not allow it (nothing in the intent admits this into payments/api)",
        ]);
        assert.equal(result.mismatches[0]!.portRange, "8000-8079, 8082-8442, 8444-9000/TCP");
    });

    it("fails a protocol swapped (8443/TCP written as 8443/UDP): missing on TCP, extra on UDP", () => {
        const result = check(stackIntent("prod"), withFlowPort({ ports: [{ protocol: "UDP", port: 8443 }] }));
        assert.deepEqual(
            result.mismatches.map((m) => `${m.kind} ${m.direction} ${m.from} -> ${m.to} ${m.portRange}`),
            ["missing ingress checkout/api -> payments/api 8443/TCP", "extra ingress checkout/api -> payments/api 8443/UDP"],
        );
    });

    it("judges one port per class of ports that the policies and the intent tell apart, both protocols", () => {
        const result = check(stackIntent("nonprod"));
        assert.deepEqual(
            result.world.ports.map((p) => `${p.port}/${p.protocol}`),
            [
                "7/TCP",
                "7/UDP",
                "53/TCP",
                "53/UDP",
                "80/TCP",
                "443/TCP",
                "587/TCP",
                "3000/TCP",
                "5432/TCP",
                "8080/TCP",
                "8081/TCP",
                "8443/TCP",
                "9090/TCP",
                "9443/TCP",
                "10250/TCP",
            ],
        );
        // Every port of both protocols is in exactly one class.
        for (const protocol of ["TCP", "UDP"] as const) {
            const ranges = result.world.portClasses
                .filter((c) => c.protocol === protocol)
                .flatMap((c) => c.ranges)
                .sort((a, b) => a.first - b.first);
            assert.equal(ranges[0]!.first, 1);
            ranges.forEach((r, i) => i > 0 && assert.equal(r.first, ranges[i - 1]!.last + 1));
            assert.equal(ranges[ranges.length - 1]!.last, 65535);
        }
    });

    it("prints the namespace matrix with same-namespace, flow and gateway cells", () => {
        const intent = stackIntent("nonprod");
        const result = check(intent);
        const matrix = renderNamespaceMatrix(checkConnectivity(result, intent.appLabel));
        const row = (ns: string) =>
            matrix
                .split("\n")
                .find((l) => l.startsWith(`${ns} `))!
                .trim()
                .split(/\s+/);
        const header = matrix.split("\n")[0]!.trim().split(/\s+/).slice(3);
        const cell = (from: string, to: string) => row(from)[header.indexOf(to) + 1];
        assert.equal(cell("checkout", "checkout"), "6/6");
        assert.equal(cell("checkout", "payments"), "1/9");
        assert.equal(cell("payments", "checkout"), "·");
        // storefront's 2 apps x the gateway, its controller and the hook Job; only web -> gateway.
        assert.equal(cell("storefront", "tools"), "1/6");
        // 65 outside parties (with the probes just outside each range; the edge's ACME, AWS API and
        // load balancer ranges among them) x payments' 3 apps; the PSP callback range and the
        // probe just below its except reach payments/api.
        assert.equal(cell("(outside)", "payments"), "2/195");
    });

    it("finds no mismatch for any random intent: the generator implements exactly what the intent says", () => {
        const intent = randomIntent();
        fc.assert(
            fc.property(intent, (i) => {
                assert.deepEqual(check(i).mismatches.map(formatMismatch), []);
            }),
            { numRuns: 60 },
        );
    });
    it("finds exactly the mismatches of the pair-by-pair check, in class space, when policies are dropped or added", () => {
        // A broken policy set: one generated policy dropped, and maybe one wide policy added.
        const extraPolicy = (namespace: string, kind: number): NetworkPolicy => ({
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { namespace, name: `added-${kind}` },
            spec: [
                { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP" as const, port: 8080 }] }] },
                {
                    podSelector: { matchLabels: { app: "api" } },
                    ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.40.0.0/16"] } }] }],
                },
                { podSelector: {}, policyTypes: ["Egress" as const], egress: [{ to: [{ ipBlock: { cidr: "10.40.0.0/16" } }] }] },
                { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress" as const, "Egress" as const] },
            ][kind]!,
        });
        const broken = fc.record({ intent: randomIntent(), drop: fc.nat(), add: fc.option(fc.record({ ns: fc.nat(), kind: fc.nat(3) })) });
        let withMismatches = 0;
        fc.assert(
            fc.property(broken, ({ intent, drop, add }) => {
                const plans = compileIntent(intent);
                const namespaces = plans.map((p) => p.namespace);
                const policies = [...allPolicies(plans)];
                policies.splice(drop % policies.length, 1);
                if (add) policies.push(extraPolicy(namespaces[add.ns % namespaces.length]!.metadata.name, add.kind));
                const fast = checkIntent(intent, namespaces, policies).mismatches.map(formatMismatch);
                const reference = checkIntentPairwise(intent, namespaces, policies).mismatches.map(formatMismatch);
                assert.deepEqual(fast, reference);
                if (fast.length > 0) withMismatches++;
            }),
            { numRuns: 30 },
        );
        assert.ok(withMismatches >= 15, `only ${withMismatches} of 30 broken policy sets had mismatches`);
    });

    it("never shares the intent's answer between parties it can tell apart, nor skips a pair an address rule with pods joins", () => {
        const web = [{ protocol: "TCP" as const, port: 8080 }];
        const threeNamespaces = (over: Partial<NetworkIntent>): NetworkIntent => ({
            appLabel: "app",
            defaultDenyEgress: true,
            toolsNamespace: "tools",
            addresses: { podCidrs: ["10.40.0.0/19", "10.40.32.0/19"], controlPlaneCidrs: ["10.40.208.0/28"] },
            gatewayClients: { cidrs: [{ cidr: "0.0.0.0/0", except: [] }], includesPods: false },
            platform: platformTraffic("tools", false),
            // Pods take the two pod ranges in turn: beta/api is in the first, gamma/api in the second.
            namespaces: ["alpha", "beta", "gamma"].map((name) => ({ name, team: name, apps: ["web", "api", "worker"], webPorts: web })),
            flows: [],
            cidrSources: [],
            egressDestinations: [],
            egress: [],
            podCredentials: { podIdentityAgent: false, stsCidrs: [] },
            ...over,
        });
        const cases = [
            // Flows of one shape but to different apps: alpha/api -> beta/api is a flow, alpha/api -> gamma/api is not.
            threeNamespaces({
                flows: [
                    { from: { namespace: "alpha", app: "api" }, to: { namespace: "beta", app: "api" }, ports: web },
                    { from: { namespace: "alpha", app: "api" }, to: { namespace: "gamma", app: "web" }, ports: web },
                ],
            }),
            // Alpha may reach the pods of the second pod range: gamma/api, not beta/api.
            threeNamespaces({
                egressDestinations: [
                    { name: "second-range", cidrs: [{ cidr: "10.40.32.0/19", except: [] }], includesPods: true, ports: [] },
                ],
                egress: [{ from: { namespace: "alpha", app: "*" }, to: "second-range" }],
            }),
            // The pods of the second pod range, whatever their namespace, may reach gamma/api.
            threeNamespaces({
                cidrSources: [
                    {
                        name: "second-range",
                        to: { namespace: "gamma", app: "api" },
                        cidrs: [{ cidr: "10.40.32.0/19", except: [] }],
                        ports: [],
                        includesPods: true,
                    },
                ],
            }),
        ];
        for (const intent of cases) {
            const plans = compileIntent(intent);
            const namespaces = plans.map((p) => p.namespace);
            const policies = [...allPolicies(plans)];
            assert.deepEqual(checkIntent(intent, namespaces, policies).mismatches.map(formatMismatch), []);
            // With the flow's, the grant's or the source's policy dropped, both checks find the same missing halves.
            const dropped = policies.map((p) => p.metadata.name).filter((n) => n.startsWith("from-"));
            assert.ok(dropped.length > 0);
            for (const name of dropped) {
                const broken = policies.filter((p) => p.metadata.name !== name);
                const fast = checkIntent(intent, namespaces, broken).mismatches.map(formatMismatch);
                assert.ok(fast.length > 0, name);
                assert.deepEqual(fast, checkIntentPairwise(intent, namespaces, broken).mismatches.map(formatMismatch), name);
            }
        }
    });

    it("plans a generated stack of 100 namespaces under mocks and proves exactly what the program registers", async () => {
        const file = generatedStackFile(PROJECT_DIR, 100);
        const run = await runProgram({
            project: file.project,
            stack: file.stack,
            config: file.config,
            program: path.join(PROJECT_DIR, "index.ts"),
            preview: true,
            stackOutputs: localStackOutputs(PROJECT_DIR, file.config),
        });
        const { namespaces, policies } = deployedObjects(run.registrations);
        // Per business namespace its component, Namespace, Role, RoleBinding, quota, limits and 8 policies.
        // Plus tools, cert-manager and the load balancer controller's namespace.
        assert.equal(run.registrations.filter((r) => r.type === "k8s-platform:namespace:SegmentedNamespace").length, 103);
        assert.equal(namespaces.length, 103);
        assert.equal(policies.length, 833);
        const result = checkIntent(generatedIntent(100), namespaces, policies);
        assert.deepEqual(result.mismatches, []);
        assert.equal(result.checked, 1_884_344);
        assert.equal(result.asked, 12_572);
    });

    it("proves a generated stack of 300 namespaces in class space, asking the intent as many questions as for 100", () => {
        // The plan's pure part: at this size the mocked program takes most of the time (test above).
        const intent = generatedIntent(300);
        const result = check(intent);
        assert.deepEqual(result.mismatches, []);
        // 900 business pods, the gateway, its controller and hook Job, CoreDNS, cert-manager's
        // controller, webhook and cainjector, the load balancer controller; 65 outside addresses.
        assert.equal(result.parties.length, 900 + 8 + result.world.externals.length);
        assert.equal(result.world.externals.length, 65);
        assert.equal(result.world.ports.length, 14);
        assert.equal(result.checked, (973 * 972 - 65 * 64) * 14);
        assert.equal(result.checked, 13_182_344);
        // Namespaces of the same shape are one class to the intent: what it is asked does not grow
        // with their number (pods and ports of the platform, the first namespace's CIDR sources,
        // the workers with egress grants, the flows' shape).
        assert.equal(result.asked, 12_572);
        assert.equal(result.allowed.length, 4787);
        const matrix = renderNamespaceMatrix(checkConnectivity(result, intent.appLabel));
        assert.equal(
            matrix.split("\n")[0],
            "305 namespaces (more than 40: no grid); 1511 ordered pairs of distinct namespaces have at least one allowed connection.",
        );
    });

    it("refuses up front a stack whose plan would not fit in the heap, naming its size and what to change", () => {
        const estimate = estimatePlan(generatedIntent(1000));
        assert.deepEqual(
            { ...estimate, bytes: Math.round(estimate.bytes / 2 ** 20) },
            { namespaces: 1000, apps: 3000, flows: 999, ports: 19, bytes: 944 },
        );
        assert.equal(planBudgetProblem("generated-1000", "generated-1000", estimate, 1 * 2 ** 30), undefined);
        assert.deepEqual(planBudgetProblem("generated-1000", "big.yaml", estimate, 512 * 2 ** 20)!.split("\n"), [
            "The offline plan of stack generated-1000 would need about 0.9 GiB of memory, more than this Node process may use (0.5 GiB, V8's heap limit):",
            "  1,000 business namespaces, 3,000 apps, 999 flows, about 19 ports judged per connection.",
            "About 417 namespaces fit in this limit. Split network.namespaces across stacks (one cluster each), or give the plan more memory:",
            "  NODE_OPTIONS=--max-old-space-size=1180 npm run plan -- big.yaml   (on a machine with that much free memory)",
        ]);
    });
});

import { strict as assert } from "assert";
import { formatProblem, parseStackConfig, projectConfigValues } from "../config/schema";
import { stackConfig } from "./harness";

type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function problems(edit: (network: Config) => void): string[] {
    const config = structuredClone(stackConfig("nonprod")) as Config;
    edit(config["k8s-platform:network"]);
    const parsed = parseStackConfig(projectConfigValues(config));
    return parsed.ok ? [] : parsed.problems.map(formatProblem);
}

describe("names that collide", () => {
    it("refuses two namespaces' policies that would register one Pulumi name, with both key paths, before anything is registered", () => {
        const lines = problems((n) => {
            n.namespaces.push({ name: "shop", team: "orders", apps: ["api-from-web"] });
            n.namespaces.push({ name: "shop-from-api", team: "orders", apps: ["web"] });
            n.flows.push({ from: "shop/api-from-web", to: "payments/api", ports: [{ port: 8443 }] });
            n.flows.push({ from: "shop-from-api/web", to: "payments/api", ports: [{ port: 8443 }] });
        });
        const flows = stackConfig("nonprod")["k8s-platform:network"] as { flows: unknown[] };
        const [a, b] = [flows.flows.length, flows.flows.length + 1];
        assert.deepEqual(lines, [
            `k8s-platform:network.flows[${a}]: "ns-shop-from-api-from-web-to-payments.api": this entry and k8s-platform:network.flows[${b}] compile to policies shop/from-api-from-web-to-payments.api and shop-from-api/from-web-to-payments.api, both registered as ns-shop-from-api-from-web-to-payments.api (one Pulumi URN) (rename one of the apps, namespaces, CIDR sources or destinations involved)`,
        ]);
    });

    it("accepts the shipped stacks: no two children share a name", () => {
        assert.deepEqual(
            problems(() => undefined),
            [],
        );
    });
});

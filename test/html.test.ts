import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chromium, Browser, Page } from "playwright-core";
import { allPolicies, compileIntent } from "../compiler/generate";
import { portLabels } from "../engine/connectivity";
import { renderConnectivityHtml } from "../engine/html";
import { checkConnectivity, checkIntent } from "../compiler/intentCheck";
import { NetworkIntent } from "../compiler/intent";
import { planSnapshot } from "../compiler/planSnapshot";
import { parseStackConfig, projectConfigValues } from "../config/schema";
import { generatedStackFile } from "../offline/generatedStack";
import { PROJECT_DIR, stackIntent } from "./harness";

/** The page as the plan writes it: the intent check's connectivity, its snapshot, tools pinned. */
function pageHtml(title: string, intent: NetworkIntent): string {
    const plans = compileIntent(intent);
    const [namespaces, policies] = [plans.map((p) => p.namespace), allPolicies(plans)];
    const result = checkIntent(intent, namespaces, policies);
    return renderConnectivityHtml(title, checkConnectivity(result, intent.appLabel), [], undefined, {
        snapshot: planSnapshot(title, intent, namespaces, policies),
        pinned: [intent.toolsNamespace],
    });
}

/** Debian's chromium; .ci/run installs it. Without it the test says so and skips, except in CI. */
const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

describe("the connectivity page in a real headless browser", function () {
    let browser: Browser;
    let page: Page;
    let bigPage: Page;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "connectivity-")), "nonprod.html");
    const bigFile = path.join(path.dirname(file), "generated-100.html");

    before(async function () {
        if (!fs.existsSync(CHROMIUM)) {
            if (process.env["CI"]) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
            console.warn(`    (skipped: no browser at ${CHROMIUM}; apt-get install chromium, or set CHROMIUM_PATH)`);
            this.skip();
        }
        // nonprod, with a port range added to checkout/api -> payments/api (the stack files declare none).
        const shipped = stackIntent("nonprod");
        const intent: NetworkIntent = {
            ...shipped,
            flows: shipped.flows.map((f) =>
                f.from.namespace === "checkout" && f.from.app === "api" && f.to.namespace === "payments" && f.to.app === "api"
                    ? { ...f, ports: [...f.ports, { protocol: "TCP", port: 9200, endPort: 9300 }] }
                    : f,
            ),
        };
        fs.writeFileSync(file, pageHtml("Connectivity of stack nonprod", intent));
        browser = await chromium.launch({
            executablePath: CHROMIUM,
            args: [
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        });
        page = await browser.newPage();
        await page.goto(`file://${file}`);

        // A generated stack of 100 namespaces: too many for the whole matrix.
        const parsed = parseStackConfig(projectConfigValues(generatedStackFile(PROJECT_DIR, 100).config));
        if (!parsed.ok) throw new Error("the generated stack is invalid");
        fs.writeFileSync(bigFile, pageHtml("Connectivity of 100 namespaces", parsed.config.network));
        bigPage = await browser.newPage();
        await bigPage.goto(`file://${bigFile}`);
    });

    after(async () => {
        await browser?.close();
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
    });

    const cell = (from: string, to: string) => page.locator(`#namespaces td[data-from="${from}"][data-to="${to}"]`);

    it("shows the namespace matrix with allowed, partial and denied cells", async () => {
        assert.equal(await page.locator("#namespaces tbody tr").count(), 17);
        assert.equal(await cell("checkout", "checkout").getAttribute("data-state"), "allowed");
        assert.equal(await cell("checkout", "checkout").textContent(), "6/6");
        assert.equal(await cell("checkout", "payments").getAttribute("data-state"), "partial");
        assert.equal(await cell("checkout", "payments").textContent(), "1/9");
        assert.equal(await cell("payments", "checkout").getAttribute("data-state"), "denied");
        assert.equal(await cell("storefront", "tools").getAttribute("data-state"), "partial");
    });

    it("explains what a cell's a/b counts, with a cell of this stack, and what the colours mean", async () => {
        const meaning = (await page.locator("#cell-meaning").textContent())!;
        assert.match(meaning, /^b is the number of ordered pairs of parties judged from the row's namespace to the column's/);
        assert.match(meaning, /and a how many of those pairs are allowed on at least one port\./);
        assert.match(
            meaning,
            / For example, analytics → orders reads 1\/6: 1 of the 6 pairs from a pod of analytics to a pod of orders connect, on 8080\/TCP, 9090\/TCP; the others are denied on every port\./,
        );
        assert.equal(await cell("analytics", "orders").textContent(), "1/6");
        assert.match(
            (await page.locator("#legend").textContent())!,
            /6\/6 every pair judged is allowed on some port; 1\/6 some pairs are;/,
        );
        assert.equal(
            await cell("checkout", "payments").getAttribute("title"),
            "checkout -> payments: 1 of the 9 pairs judged connect, on 8443/TCP, 9200-9300/TCP",
        );
    });

    it("shows a port range as the range and the ports no rule names as other ports, saying why", async () => {
        const ports = (await page.locator("#port-meaning").textContent())!;
        assert.match(
            ports,
            /^Judged: 53\/TCP, 53\/UDP, 80\/TCP, .*8443\/TCP, 9090\/TCP, 9200-9300\/TCP, 9443\/TCP, 10250\/TCP, other TCP ports, other UDP ports\. /,
        );
        assert.doesNotMatch(ports, /\b7\/TCP|9301/);
        assert.match(
            ports,
            /other TCP ports \(and UDP\) stands for every port that no policy rule names: the engine judges one of them \(7\)/,
        );
        await cell("checkout", "checkout").click();
        const app = (from: string, to: string) => page.locator(`#apps td[data-from="${from}"][data-to="${to}"]`);
        assert.equal(await app("checkout/api", "checkout/web").textContent(), "every TCP port every UDP port");
    });

    it("lists the outside parties with their addresses, and draws them by address in the drill-down, one row for identical ones", async () => {
        const rows = await page.locator("#outside-parties tr").allInnerTexts();
        assert.equal(rows.length, 1 + 65);
        assert.ok(rows.includes("control plane\t10.40.224.1"), rows.join("\n"));
        assert.ok(rows.includes("control plane\t10.40.224.17"));
        assert.ok(rows.includes("psp-callbacks 192.0.2.0/24\t192.0.2.77"));
        await cell("tools", "(outside)").click();
        const heads = await page.locator("#apps tr:first-child th").allTextContents();
        assert.equal(new Set(heads).size, heads.length, "a header twice");
        assert.ok(heads.includes("control plane at 10.40.224.1, 10.40.224.17"), heads.join("\n"));
        assert.ok(heads.includes("psp-callbacks 192.0.2.0/24 at 192.0.2.77"));
        assert.equal(
            await page.locator('#behind li[data-from="tools/gateway-controller"][data-to="10.40.224.1"]').textContent(),
            "tools/gateway-controller → control plane at 10.40.224.1, 10.40.224.17 on 443/TCP: egress allowed by tools/gateway-controller-to-kube-api; ingress outside the cluster, no policy",
        );
    });

    it("drills down to the apps of a namespace pair with their allowed ports", async () => {
        await cell("checkout", "payments").click();
        assert.equal(await page.locator("#detail h2").textContent(), "checkout → payments");
        const app = (from: string, to: string) => page.locator(`#apps td[data-from="${from}"][data-to="${to}"]`);
        assert.equal(await app("checkout/api", "payments/api").getAttribute("data-state"), "allowed");
        assert.equal(await app("checkout/api", "payments/api").textContent(), "8443/TCP 9200-9300/TCP");
        assert.equal(await app("checkout/web", "payments/api").getAttribute("data-state"), "denied");
        assert.equal(await app("checkout/worker", "payments/reconciler").getAttribute("data-state"), "denied");
    });

    it("names the policies behind each allowed pair of the drill-down", async () => {
        await cell("checkout", "payments").click();
        assert.deepEqual(await page.locator("#behind li").allTextContents(), [
            "checkout/api → payments/api on 8443/TCP, 9200-9300/TCP: egress allowed by checkout/from-api-to-payments.api; ingress allowed by payments/from-checkout.api-to-api",
        ]);
        await cell("checkout", "checkout").click();
        assert.equal(
            await page.locator('#behind li[data-from="checkout/api"][data-to="checkout/web"]').textContent(),
            "checkout/api → checkout/web on every TCP port, every UDP port: egress allowed by checkout/allow-same-namespace; ingress allowed by checkout/allow-same-namespace",
        );
    });

    const bigCell = (from: string, to: string) => bigPage.locator(`#namespaces td[data-from="${from}"][data-to="${to}"]`);

    it("draws at most 40 namespaces of a stack of 100, tools and the outside among them, and says how many it left out", async () => {
        assert.equal(await bigPage.locator("#namespaces tbody tr").count(), 40);
        assert.equal(await bigPage.locator("#namespaces td").count(), 40 * 40);
        const heads = await bigPage.locator("#namespaces tbody th").allTextContents();
        assert.deepEqual(heads.slice(-3), ["ns-0034", "tools", "(outside)"]);
        assert.equal(
            await bigPage.locator("#shown").textContent(),
            "Showing 40 of 105 namespaces: 38 of the 103 that match, and tools and (outside), always drawn. Narrow the filter, or pick a namespace for its row and column.",
        );
        assert.equal(await bigCell("ns-0000", "tools").textContent(), "1/9");
    });

    it("narrows the matrix to the namespaces the filter box matches", async () => {
        await bigPage.fill("#filter", "ns-005");
        assert.deepEqual(await bigPage.locator("#namespaces tbody th").allTextContents(), [
            "ns-0050",
            "ns-0051",
            "ns-0052",
            "ns-0053",
            "ns-0054",
            "ns-0055",
            "ns-0056",
            "ns-0057",
            "ns-0058",
            "ns-0059",
            "tools",
            "(outside)",
        ]);
        assert.equal(await bigPage.locator("#shown").textContent(), "10 of 105 namespaces, and tools and (outside), always drawn.");
        assert.equal(await bigCell("ns-0050", "ns-0051").getAttribute("data-state"), "partial");
        assert.equal(await bigCell("ns-0050", "ns-0051").textContent(), "1/9");
        assert.equal(await bigCell("ns-0051", "ns-0050").getAttribute("data-state"), "denied");
        await bigPage.fill("#filter", "");
    });

    it("shows a picked namespace's row and column against every namespace, and drills down from there", async () => {
        await bigPage.fill("#pick", "ns-0050");
        await bigPage.dispatchEvent("#pick", "change");
        assert.equal(await bigPage.locator("#namespaces tbody tr").count(), 105);
        assert.equal(await bigCell("ns-0050", "ns-0051").textContent(), "1/9");
        assert.equal(await bigCell("ns-0049", "ns-0050").textContent(), "1/9");
        assert.equal(await bigCell("ns-0050", "ns-0070").getAttribute("data-state"), "denied");
        assert.equal(await bigCell("ns-0050", "kube-system").textContent(), "3/3");
        await bigCell("ns-0049", "ns-0050").click();
        assert.equal(await bigPage.locator("#detail h2").textContent(), "ns-0049 → ns-0050");
        assert.equal(await bigPage.locator('#apps td[data-from="ns-0049/api"][data-to="ns-0050/api"]').textContent(), "8080/TCP");
        await bigPage.click("#unpick");
        assert.equal(await bigPage.locator("#namespaces tbody tr").count(), 40);
    });
});

describe("the ports as the page names them", () => {
    const rule = (ports: { port?: number | string; endPort?: number; protocol?: "TCP" | "UDP" }[]) => ({
        apiVersion: "networking.k8s.io/v1" as const,
        kind: "NetworkPolicy" as const,
        metadata: { name: "p", namespace: "a" },
        spec: { podSelector: {}, ingress: [{ ports }] },
    });

    it("shows a range as the range, a port named alone as itself even inside a range, and the rest as other ports", () => {
        const labels = portLabels(
            ["7/TCP", "7/UDP", "53/UDP", "8000/TCP", "8050/TCP", "8100/TCP", "8101/TCP", "9000/TCP"],
            [rule([{ port: 8000, endPort: 8100 }, { port: 8050 }, { port: 53, protocol: "UDP" }, { port: "metrics" }])],
            [{ namespace: "a", name: "x", labels: {}, ip: "10.0.0.1", ports: [{ name: "metrics", port: 9000, protocol: "TCP" }] }],
        );
        assert.deepEqual(Object.fromEntries(labels), {
            "7/TCP": "other TCP ports",
            "7/UDP": "other UDP ports",
            "53/UDP": "53/UDP",
            "8000/TCP": "8000-8100/TCP",
            "8050/TCP": "8050/TCP",
            "8100/TCP": "8000-8100/TCP",
            "8101/TCP": "other TCP ports",
            "9000/TCP": "9000/TCP",
        });
    });
});

import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chromium, Browser, Page } from "playwright-core";
import { allPolicies, compileIntent } from "../compiler/generate";
import { renderConnectivityHtml } from "../engine/html";
import { checkConnectivity, checkIntent } from "../compiler/intentCheck";
import { parseStackConfig, projectConfigValues } from "../config/schema";
import { generatedStackFile } from "../offline/generatedStack";
import { PROJECT_DIR, stackIntent } from "./harness";

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
        const intent = stackIntent("nonprod");
        const plans = compileIntent(intent);
        const result = checkIntent(
            intent,
            plans.map((p) => p.namespace),
            allPolicies(plans),
        );
        fs.writeFileSync(file, renderConnectivityHtml("Connectivity of stack nonprod", checkConnectivity(result, intent.appLabel)));
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
        const big = parsed.config.network;
        const bigPlans = compileIntent(big);
        const bigResult = checkIntent(
            big,
            bigPlans.map((p) => p.namespace),
            allPolicies(bigPlans),
        );
        fs.writeFileSync(bigFile, renderConnectivityHtml("Connectivity of 100 namespaces", checkConnectivity(bigResult, big.appLabel)));
        bigPage = await browser.newPage();
        await bigPage.goto(`file://${bigFile}`);
    });

    after(async () => {
        await browser?.close();
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

    it("drills down to the apps of a namespace pair with their allowed ports", async () => {
        await cell("checkout", "payments").click();
        assert.equal(await page.locator("#detail h2").textContent(), "checkout → payments");
        const app = (from: string, to: string) => page.locator(`#apps td[data-from="${from}"][data-to="${to}"]`);
        assert.equal(await app("checkout/api", "payments/api").getAttribute("data-state"), "allowed");
        assert.equal(await app("checkout/api", "payments/api").textContent(), "8443/TCP");
        assert.equal(await app("checkout/web", "payments/api").getAttribute("data-state"), "denied");
        assert.equal(await app("checkout/worker", "payments/reconciler").getAttribute("data-state"), "denied");
    });

    const bigCell = (from: string, to: string) => bigPage.locator(`#namespaces td[data-from="${from}"][data-to="${to}"]`);

    it("draws at most 40 namespaces of a stack of 100 and says how many it left out", async () => {
        assert.equal(await bigPage.locator("#namespaces tbody tr").count(), 40);
        assert.equal(await bigPage.locator("#namespaces td").count(), 40 * 40);
        assert.equal(
            await bigPage.locator("#shown").textContent(),
            "Showing 40 of 105 matching namespaces (105 in all): narrow the filter, or pick a namespace for its row and column.",
        );
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
        ]);
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

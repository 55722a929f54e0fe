import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chromium, Browser, Page } from "playwright-core";
import { allPolicies, compileIntent } from "../compiler/generate";
import { renderConnectivityHtml } from "../engine/html";
import { checkConnectivity, checkIntent } from "../compiler/intentCheck";
import { stackIntent } from "./harness";

/** Debian's chromium; .ci/run installs it. Without it the test says so and skips, except in CI. */
const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

describe("the connectivity page in a real headless browser", function () {
    let browser: Browser;
    let page: Page;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "connectivity-")), "nonprod.html");

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
    });

    after(async () => {
        await browser?.close();
    });

    const cell = (from: string, to: string) => page.locator(`#namespaces td[data-from="${from}"][data-to="${to}"]`);

    it("shows the namespace matrix with allowed, partial and denied cells", async () => {
        assert.equal(await page.locator("#namespaces tbody tr").count(), 15);
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
});

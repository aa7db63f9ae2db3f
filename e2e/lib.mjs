// What the browser specs share: the environment crates/server/tests/e2e.rs passes, a
// launched page that records script errors and CSP violations, named steps, checks against
// the API, screenshots, and axe-core (vendored in e2e/vendor) run on the page shown.
//   SWITCHYARD_URL        the server, e.g. http://127.0.0.1:41234
//   SWITCHYARD_KEY        an Owner API key of the demo organization
//   SWITCHYARD_ARTIFACTS  where screenshots go
//   SWITCHYARD_TEST_BROWSER  the Chromium binary (default /usr/bin/chromium)
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const base = need("SWITCHYARD_URL");
export const key = need("SWITCHYARD_KEY");
const artifacts = need("SWITCHYARD_ARTIFACTS");
const executablePath = process.env.SWITCHYARD_TEST_BROWSER || "/usr/bin/chromium";
mkdirSync(artifacts, { recursive: true });

const axeSource = readFileSync(new URL("./vendor/axe-4.14.1.min.js", import.meta.url), "utf8");

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/// An API request with the spec's key; `expect` is the status it must answer.
export async function api(path, init = {}, expect = null) {
  const response = await fetch(`${base}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${init.key || key}`, "content-type": "application/json" },
  });
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (expect !== null) {
    check(response.status === expect, `${path} answered ${response.status}, not ${expect}: ${text}`);
  } else if (!response.ok) {
    throw new Error(`${path} answered ${response.status}: ${text}`);
  }
  return body;
}

/// Runs `spec(page, tools)` in a fresh headless Chromium, then fails on any console error
/// or CSP violation seen meanwhile. Exits non-zero naming the step that failed.
export async function run(name, spec) {
  const started = Date.now();
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const consoleErrors = [];
  page.on("console", (message) => {
    const text = message.text();
    // A refused sign-in or form answers 4xx on purpose; the browser reports every 4xx.
    const expected = /status of (401|403|404|422)/.test(text);
    if (message.type() === "error" && !expected) consoleErrors.push(`${page.url()}: ${text}`);
  });
  page.on("pageerror", (error) => consoleErrors.push(`${page.url()}: ${error.message}`));

  let current = "start";
  const shot = (file, fullPage = true) => page.screenshot({ path: join(artifacts, `${file}.png`), fullPage });
  const tools = {
    async step(title, body) {
      current = title;
      const at = Date.now();
      await body();
      console.log(`ok   ${title} (${Date.now() - at} ms)`);
    },
    shot,
    /// axe-core on the page as shown: no serious or critical violation. Injected through
    /// the DevTools protocol, which the page's Content-Security-Policy does not govern.
    async accessible(label) {
      await page.evaluate(axeSource);
      const result = await page.evaluate(async () => {
        const { violations } = await globalThis.axe.run(document, { resultTypes: ["violations"] });
        return violations
          .filter((v) => v.impact === "serious" || v.impact === "critical")
          .map((v) => {
            const where = v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ");
            return `${v.impact} ${v.id}: ${v.help} (${where}): ${v.nodes[0].failureSummary}`;
          });
      });
      check(result.length === 0, `axe on ${label} (${page.url()}):\n  ${result.join("\n  ")}`);
    },
    async signIn() {
      await page.goto(`${base}/signin`);
      await page.fill("#key", key);
      await page.click("button[type=submit]");
      await page.waitForURL(`${base}/`);
    },
  };
  try {
    await spec(page, tools);
    current = "no script errors or CSP violations";
    check(consoleErrors.length === 0, consoleErrors.join("\n"));
    console.log(`${name} passed in ${Date.now() - started} ms`);
  } catch (error) {
    console.error(`${name} FAILED at "${current}": ${error.stack || error}`);
    await shot(`failure-${name}`).catch(() => {});
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

// The operator's console in a real browser: the dashboard against the API's figures, a use
// case with a hook (received by a local HTTP server), a number bought and routed (a bad sum
// refused), a call dialed with them and followed live over server-sent events without a
// reload, the review queue worked with keyboard shortcuts, an API key created and revoked;
// axe-core and a 375 px phone width on every page. Run by crates/server/tests/e2e.rs.
import { createServer } from "node:http";
import { api, base, check, run } from "./lib.mjs";

// The use case's hook: a local receiver that keeps every webhook it is sent.
const received = [];
const receiver = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => (body += chunk));
  request.on("end", () => {
    received.push(JSON.parse(body || "null"));
    response.writeHead(200).end("ok");
  });
});
await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/hooks/e2e`;

await run("console", async (page, { step, shot, accessible, signIn }) => {
  const org = await api("/org");
  const me = org.members[0].email;
  const pages = []; // every page the walk shows, for the phone-width pass at the end

  /// axe-core, a screenshot, and the page remembered for the phone pass.
  async function looked(name, label, url = page.url()) {
    await accessible(label);
    await shot(name);
    pages.push({ name, url });
  }

  await step("signs in", signIn);

  await step("the dashboard's figures are the API's", async () => {
    await page.getByRole("link", { name: "Dashboard" }).click();
    await page.locator("#dash-totals").waitFor();
    // The demo's calls were all created today: "today" in the organization's time zone.
    await page.selectOption("#dash-period", "today");
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForURL(/period=today/);
    const metric = async (name) =>
      Number(await page.locator(`[data-metric="${name}"]`).first().getAttribute("data-value"));
    // The instants the total counted between, and the same days for GET /usage.
    const total = page.locator('[data-metric="calls_total"]');
    const first = await total.getAttribute("data-from");
    const last = await total.getAttribute("data-to"); // the period's last millisecond
    const calls = await api(`/calls?from=${encodeURIComponent(first)}&to=${encodeURIComponent(last)}&limit=1`);
    const end = new Date(Date.parse(last) + 1).toISOString(); // GET /usage's end is exclusive
    const usage = await api(`/usage?start=${encodeURIComponent(first)}&end=${encodeURIComponent(end)}`);
    const usageCalls = usage.reduce((sum, row) => sum + row.calls, 0);
    const shownCalls = await metric("calls_total");
    check(shownCalls === calls.count, `dashboard says ${shownCalls} calls, GET /calls ${calls.count}`);
    check((await metric("usage_calls")) === usageCalls, `usage ${await metric("usage_calls")}, GET /usage ${JSON.stringify(usage)}`);
    check(shownCalls > 0, "the demo's calls are on the dashboard");
    await accessible("dashboard (today)");
    // The demo's calls span several days: the picture is of the last 30.
    await page.selectOption("#dash-period", "30d");
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForURL(/period=30d/);
    await looked("dashboard", "dashboard (30 days)");
  });

  let useCaseId;
  await step("creates a use case with a hook", async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    await page.locator("#new-use-case").waitFor();
    await looked("settings-use-cases", "use cases");
    await page.click("#new-use-case");
    await page.locator("#use-case-form").waitFor();
    await page.fill("#f-name", "E2E carrier check");
    await page.fill('input[name="hooks[0].url"]', "ftp://not-a-web-address");
    await page.click("#save");
    await page.locator("#f-hooks-0-url-error").waitFor();
    await accessible("use case form with an error");
    await page.fill('input[name="hooks[0].url"]', hookUrl);
    await page.click("#save");
    await page.locator("#notice", { hasText: "Use case created." }).waitFor();
    useCaseId = page.url().match(/use-cases\/([0-9a-f]{24})/)[1];
    const stored = await api(`/use-cases/${useCaseId}`);
    check(stored.name === "E2E carrier check" && stored.hooks[0].url === hookUrl, JSON.stringify(stored));
    await looked("settings-use-case", "use case form");
  });

  await step("the agents' pages", async () => {
    await page.getByRole("link", { name: "Agents" }).click();
    await page.locator("#new-agent").waitFor();
    await looked("settings-agents", "agents");
    await page.click("#new-agent");
    await page.locator("#agent-form").waitFor();
    await accessible("agent form");
  });

  let numberId;
  await step("buys a number and routes it (a bad sum is refused)", async () => {
    await page.getByRole("link", { name: "Numbers" }).click();
    const before = (await api("/numbers")).length;
    await page.fill("#area_code", "415");
    await page.click("#buy-number-button");
    await page.locator("section.number-card").nth(before).waitFor();
    const card = page.locator("section.number-card").last();
    numberId = await card.getAttribute("data-number-id");
    await card.locator(`#use-case-${numberId}`).selectOption(useCaseId);
    await card.locator('select[name="agent_routes[0].id"]').selectOption({ index: 1 });
    const probability = card.locator('input[name="agent_routes[0].probability"]');
    await probability.fill("90");
    await card.locator(`#sum-${numberId}.invalid`, { hasText: "90%" }).waitFor();
    await card.locator("[data-save-routes]").click();
    await page.locator(`#routes-error-${numberId}`, { hasText: "100" }).waitFor();
    await accessible("numbers with a routing error");
    check((await api(`/numbers/${numberId}`)).use_case_config?.id !== useCaseId, "a bad sum was saved");
    const again = page.locator(`section.number-card[data-number-id="${numberId}"]`);
    await again.locator(`#use-case-${numberId}`).selectOption(useCaseId);
    await again.locator('input[name="agent_routes[0].probability"]').fill("100");
    await again.locator(`#sum-${numberId}.ok`, { hasText: "100%" }).waitFor();
    await again.locator("[data-save-routes]").click();
    await page.locator(`#routes-error-${numberId}`).waitFor({ state: "detached" });
    const number = await api(`/numbers/${numberId}`);
    check(number.use_case_config.id === useCaseId, JSON.stringify(number));
    const routes = number.use_case_config.agent_routes;
    check(routes.length === 1 && routes[0].probability === 100, JSON.stringify(number));
    await looked("settings-numbers", "numbers");
  });

  await step("the members and the webhook secret", async () => {
    await page.getByRole("link", { name: "Members" }).click();
    await page.locator(`tr[data-member="${me}"]`).waitFor();
    await looked("settings-members", "members");
    await page.getByRole("link", { name: "Webhook secret" }).click();
    await page.click("#reveal-secret");
    const secret = await page.locator("#webhook-secret").textContent();
    check(secret.trim() === (await api("/org/webhook-secret")).secret, "the revealed secret is not the API's");
    await looked("settings-webhook-secret", "webhook secret", `${base}/settings/webhook-secret`);
  });

  let dialed;
  await step("dials with them and follows the call live, without a reload", async () => {
    await page.getByRole("link", { name: "Dial" }).click();
    await page.locator("#dial-one").waitFor();
    await page.selectOption("#number_id", numberId);
    await page.selectOption("#use_case_id", useCaseId);
    await page.fill("#phone_number", "+14155550177");
    await page.locator("#dial-one").getByRole("button", { name: "Dial" }).click();
    await page.waitForURL(/\/calls\/[0-9a-f]{24}$/);
    dialed = page.url().split("/").pop();
    // A reload or a navigation would drop this mark; server-sent events keep the page.
    await page.evaluate(() => (globalThis.e2eMark = "same page"));
    const seen = [];
    for (const status of ["In progress", "Completed"]) {
      await page.locator("#status", { hasText: status }).waitFor({ timeout: 60_000 });
      seen.push(status);
    }
    await page.locator("#transcript li").first().waitFor();
    check((await page.evaluate(() => globalThis.e2eMark)) === "same page", "the page reloaded");
    const call = await api(`/calls/${dialed}`);
    check(call.status === "Completed" && call.use_case.id === useCaseId, JSON.stringify(call));
    const events = received.filter((hook) => JSON.stringify(hook).includes(dialed));
    check(events.length > 0, `the use case's hook got nothing for ${dialed}: ${JSON.stringify(received)}`);
    await looked("call-live", "call");
  });

  await step("reviews from the queue with the keyboard", async () => {
    // The dialed call was viewed when its page opened: the queue leads elsewhere.
    await page.getByRole("link", { name: "Next unreviewed" }).click();
    await page.waitForURL((url) => /\/calls\/[0-9a-f]{24}/.test(url.pathname) && !url.pathname.endsWith(dialed));
    const first = page.url().match(/calls\/([0-9a-f]{24})/)[1];
    await page.locator("#status").waitFor();
    // `1` toggles ✅: on, unless this member had already given it.
    const was = await page.locator('button[data-emoji="✅"]').getAttribute("aria-pressed");
    const now = was === "true" ? "false" : "true";
    await page.keyboard.press("1");
    await page.locator(`button[data-emoji="✅"][aria-pressed="${now}"]`).waitFor();
    const rated = await api(`/calls/${first}`);
    check(rated.viewed_by.includes(me), `opening it did not mark it viewed: ${rated.viewed_by}`);
    const mine = rated.ratings.some((r) => r.emoji === "✅" && r.email === me);
    check(mine === (now === "true"), JSON.stringify(rated.ratings));
    await page.keyboard.press("?");
    await page.locator("#shortcuts[open]").waitFor();
    await accessible("shortcuts dialog");
    await shot("shortcuts");
    await page.keyboard.press("Escape");
    await page.locator("#shortcuts[open]").waitFor({ state: "detached" });
    // The oldest unviewed call is often the list's last: then only `k` (newer) leads on.

    await page.keyboard.press((await page.locator("a#next-call").count()) ? "j" : "k");
    await page.waitForURL((url) => !url.pathname.endsWith(first));
    const second = page.url();
    await page.getByRole("link", { name: "Next unreviewed" }).click();
    await page.waitForURL((url) => url.href !== second && /\/calls\/[0-9a-f]{24}/.test(url.pathname));
    check(!page.url().includes(first), "the queue offered a call already viewed");
    await looked("queue", "call from the queue");
  });

  await step("creates an API key, sees its secret once, and revokes it", async () => {
    await page.goto(`${base}/settings/keys`);
    await page.fill("#key_email", "e2e-viewer@example.com");
    await page.selectOption("#key_role", "Viewer");
    await page.click("#create-key-button");
    const secret = (await page.locator("#new-key-secret").textContent()).trim();
    check(secret.startsWith("sy_"), `no secret shown: ${secret}`);
    await api("/calls?limit=1", { key: secret }, 200);
    await page.goto(`${base}/settings/keys`);
    check((await page.locator("#new-key-secret").count()) === 0, "the secret is shown again");
    await looked("settings-keys", "API keys");
    await page.locator(`tr[data-key-prefix="${secret.slice(0, 13)}"] [data-revoke]`).click();
    await page.locator(`tr[data-key-prefix="${secret.slice(0, 13)}"]`, { hasText: "revoked" }).waitFor();
    await api("/calls?limit=1", { key: secret }, 401);
  });

  await step("every page fits a 375 px phone", async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    for (const { name, url } of pages) {
      await page.goto(url);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(overflow <= 1, `${name} is ${overflow}px wider than a 375 px screen`);
    }
    await page.goto(`${base}/dashboard`);
    await shot("dashboard-phone", false);
  });
});
receiver.close();

// The review app in a real browser: sign in, filter, review a call (notes, rating, viewed),
// dial a call and a CSV campaign and watch them finish, each step checked through the API;
// axe-core on every page. Run by crates/server/tests/e2e.rs (see lib.mjs).
import { api, base, check, key, run } from "./lib.mjs";

await run("review", async (page, { step, shot, accessible }) => {
  const org = await api("/org");
  const me = org.members[0].email;

  await step("a bad key is refused", async () => {
    await page.goto(`${base}/`);
    check(page.url().includes("/signin"), `not sent to sign in: ${page.url()}`);
    await shot("signin");
    await accessible("sign-in");
    await page.fill("#key", "sy_0123456789_not-a-real-key-at-all");
    await page.click("button[type=submit]");
    const alert = page.getByRole("alert");
    await alert.waitFor();
    check((await alert.textContent()).includes("not valid"), "no error message");
  });

  await step("signs in with the key", async () => {
    await page.fill("#key", key);
    await page.click("button[type=submit]");
    await page.waitForURL(`${base}/`);
    await page.getByRole("heading", { name: "Calls" }).waitFor();
  });

  await step("filters the list by status", async () => {
    // The engine finishes the demo's queued calls meanwhile, so the number of Completed
    // calls only grows: the page's count must lie between the API's before and after.
    const before = (await api("/calls?statuses=Completed&limit=1")).count;
    check(before > 0, "the demo has completed calls");
    await page.selectOption("select[name=statuses]", "Completed");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/statuses=Completed/);
    await page.locator("#summary").waitFor();
    const summary = await page.locator("#summary").textContent();
    const after = (await api("/calls?statuses=Completed&limit=1")).count;
    const shown = Number.parseInt(summary, 10);
    check(
      shown >= before && shown <= after,
      `summary "${summary}" outside the API's counts ${before}..${after}`,
    );
    const badges = await page.locator("#rows .badge").allTextContents();
    check(badges.length > 0 && badges.every((b) => b === "Completed"), `badges: ${badges}`);
    await shot("list");
    await accessible("calls list");
  });

  let callId;
  await step("opens a call, which records the viewer", async () => {
    // The first listed call with a transcript (every finished call has one; checked anyway).
    const ids = await page.locator("#rows tr[data-call-id]").evaluateAll((rows) =>
      rows.map((r) => r.getAttribute("data-call-id")),
    );
    for (const id of ids) {
      const response = await fetch(`${base}/api/v1/calls/${id}/transcript`, {
        headers: { authorization: `Bearer ${key}` },
      });
      if (response.ok) {
        callId = id;
        break;
      }
    }
    check(callId, "no listed call has a transcript");
    const row = page.locator(`#rows tr[data-call-id="${callId}"]`);
    await row.locator("a.call-link").click();
    // The row links to the call under the list's filters (for j/k and the queue).
    await page.waitForURL(`${base}/calls/${callId}?statuses=Completed`);
    await page.locator("#notes-h").waitFor();
    const call = await api(`/calls/${callId}`);
    check(call.viewed_by.includes(me), `viewed_by ${call.viewed_by} lacks ${me}`);
  });

  await step("adds, edits and flags a note", async () => {
    await page.fill("#new-note", "E2E: carrier asked for a callback");
    await page.getByRole("button", { name: "Add note" }).click();
    const note = page.locator("li.note", { hasText: "E2E: carrier" });
    await note.waitFor();
    await note.locator("summary", { hasText: "Edit" }).click();
    await note.locator("textarea").fill("E2E: carrier asked for a callback at 3pm");
    await note.getByRole("button", { name: "Save" }).click();
    const edited = page.locator("li.note", { hasText: "callback at 3pm" });
    await edited.locator(".note-meta", { hasText: "edited" }).waitFor();
    await edited.getByRole("button", { name: "Flag" }).click();
    await page.locator("li.note.flagged", { hasText: "callback at 3pm" }).waitFor();
    const call = await api(`/calls/${callId}`);
    const stored = call.notes.find((n) => n.content === "E2E: carrier asked for a callback at 3pm");
    check(stored && stored.flagged && stored.user_id === me && stored.updated_at, JSON.stringify(call.notes));
  });

  await step("rates the call from the keyboard", async () => {
    await page.locator('button[data-emoji="✅"]').focus();
    await page.keyboard.press("Enter");
    await page.locator('button[data-emoji="✅"][aria-pressed="true"]').waitFor();
    const call = await api(`/calls/${callId}`);
    check(call.ratings.some((r) => r.emoji === "✅" && r.email === me), JSON.stringify(call.ratings));
    await shot("call");
    await accessible("call");
  });

  await step("deletes the note and removes the rating", async () => {
    const note = page.locator("li.note", { hasText: "callback at 3pm" });
    await note.getByRole("button", { name: "Delete" }).click();
    await note.waitFor({ state: "detached" });
    await page.locator('button[data-emoji="✅"]').click();
    await page.locator('button[data-emoji="✅"][aria-pressed="false"]').waitFor();
    const call = await api(`/calls/${callId}`);
    check(!(call.notes || []).some((n) => n.content.includes("callback at 3pm")), "the note is still there");
    check(!call.ratings.some((r) => r.emoji === "✅" && r.email === me), "the rating is still there");
  });

  let dialed;
  await step("dials a call and watches it complete", async () => {
    await page.getByRole("link", { name: "Dial" }).click();
    await page.locator("#dial-one").waitFor();
    await shot("dial");
    await accessible("dial");
    await page.fill("#phone_number", "+14155550123");
    await page.fill("#params", "load_id=LD-E2E");
    await page.locator("#dial-one").getByRole("button", { name: "Dial" }).click();
    await page.waitForURL(/\/calls\/[0-9a-f]{24}$/);
    dialed = page.url().split("/").pop();
    await page.locator("#status", { hasText: "Completed" }).waitFor({ timeout: 60_000 });
    await page.locator(".conversation li").first().waitFor();
    const call = await api(`/calls/${dialed}`);
    check(call.status === "Completed" && call.params.load_id === "LD-E2E", JSON.stringify(call));
    await shot("call-dialed");
  });

  await step("runs a CSV campaign with a preview and progress", async () => {
    await page.goto(`${base}/dial`);
    const csv = "phone_number,load_id\n+14155550124,LD-1\n+15550100001,LD-2\n+14155550126,LD-3\n";
    await page.setInputFiles("#csv_file", { name: "calls.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.waitForFunction(() => document.getElementById("csv").value.includes("LD-3"));
    await page.fill("#campaign_name", "E2E campaign");
    await page.getByRole("button", { name: "Preview" }).click();
    await page.locator("#preview-ok", { hasText: "3 calls ready" }).waitFor();
    await shot("campaign-preview");
    await accessible("campaign preview");
    await page.getByRole("button", { name: "Create 3 calls" }).click();
    await page.waitForURL(/\/campaigns\/[0-9a-f]{24}$/);
    await page.locator("#done", { hasText: "3" }).waitFor({ timeout: 60_000 });
    const campaignId = page.url().split("/").pop();
    const calls = await api(`/calls?campaigns=${campaignId}`);
    check(calls.count === 3, `campaign has ${calls.count} calls`);
    check(calls.calls.some((c) => c.status === "Busy"), "the busy number is not Busy");
    await shot("campaign");
    await accessible("campaign");
  });

  await step("the webhook ledger", async () => {
    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.getByRole("heading", { name: "Webhooks" }).waitFor();
    await accessible("webhooks");
  });

  await step("fits a phone screen", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/`);
    await page.locator("#rows").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `the page is ${overflow}px wider than the screen`);
    await shot("list-phone", false);
    await page.goto(`${base}/calls/${callId}`);
    await shot("call-phone", false);
  });

  await step("signs out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/signin/);
    await page.goto(`${base}/`);
    check(page.url().includes("/signin"), "still signed in after signing out");
  });
});

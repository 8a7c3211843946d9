// pgkit studio in a real browser (Debian's chromium, headless, driven by playwright-core) and
// on the wire: node studio.mjs URL, where URL is the sign-in link `pgkit studio` printed for a
// database holding studio_browser_pgtest.cpp's tables. Each step prints its name; the first
// failure exits 1 naming the step, what was expected and what was found.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import http from "node:http";
import { chromium } from "playwright-core";

const signIn = new URL(process.argv[2]);
// write: every step; read-only: a studio started with --read-only, whose saves the database refuses.
const mode = process.argv[3] || "write";
const port = signIn.port;

// A request as any program could send it, headers exactly as given (node's fetch would not
// let a test set Host).
function raw(path, headers = {}, body = undefined) {
  return new Promise((resolve, reject) => {
    const method = body === undefined ? "GET" : "POST";
    const req = http.request({ host: "127.0.0.1", port, path, headers, method }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

// PGKIT_SCREENSHOTS=DIR: the main views as PNG files there (docs/studio.md's pictures).
const shots = process.env.PGKIT_SCREENSHOTS;
async function screenshot(page, name) {
  if (shots) await page.screenshot({ path: `${shots}/${name}.png` });
}

// The rows of books whose id is `id`, through the API, as another client sees them.
async function booksWithId(id) {
  const where = encodeURIComponent(JSON.stringify({ column: "id", op: "equals", value: id }));
  return JSON.parse((await raw(`/api/rows?schema=public&name=books&where=${where}`, { Cookie: cookie })).body).rows;
}

let current = "";
async function step(name, fn) {
  current = name;
  process.stdout.write(`- ${name}\n`);
  await fn();
}

let cookie;
async function security() {
  await step("without a session the API and the page are refused", async () => {
    assert.equal((await raw("/api/tables")).status, 401);
    assert.equal((await raw("/")).status, 401);
  });
  await step("a wrong token signs nobody in", async () => {
    const r = await raw("/login?token=" + "x".repeat(43));
    assert.equal(r.status, 401);
    assert.equal(r.headers["set-cookie"], undefined);
  });
  await step("the printed token gives an HttpOnly, SameSite=Strict session cookie", async () => {
    const r = await raw(signIn.pathname + signIn.search);
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, "/");
    const set = r.headers["set-cookie"][0];
    assert.match(set, /HttpOnly/);
    assert.match(set, /SameSite=Strict/);
    cookie = set.split(";")[0];
    assert.equal((await raw("/api/tables", { Cookie: cookie })).status, 200);
  });
  await step("another Host is refused, with the session (DNS rebinding)", async () => {
    const r = await raw("/api/tables", { Cookie: cookie, Host: `attacker.example:${port}` });
    assert.equal(r.status, 403);
    assert.match(r.body, /host_not_allowed/);
  });
  await step("another Origin is refused, with the session (a cross-site request)", async () => {
    const r = await raw("/api/tables", { Cookie: cookie, Origin: "http://attacker.example" });
    assert.equal(r.status, 403);
    assert.match(r.body, /origin_not_allowed/);
    assert.equal(r.headers["access-control-allow-origin"], undefined);
    // A page on another port of this host sends no Origin with a GET, but its browser says
    // where the request comes from.
    const sameSite = await raw("/api/tables", { Cookie: cookie, "Sec-Fetch-Site": "same-site" });
    assert.equal(sameSite.status, 403);
  });
  await step("a filter on a column that is not there is refused by name, whatever the text", async () => {
    for (const column of ["nope", "id; DROP TABLE books", 'id" = 1 OR "1']) {
      const where = encodeURIComponent(JSON.stringify({ column, op: "equals", value: "1" }));
      const r = await raw(`/api/rows?schema=public&name=books&where=${where}`, { Cookie: cookie });
      assert.equal(r.status, 400, column);
      assert.match(r.body, /has no column/);
    }
    const r = await raw("/api/rows?schema=public&name=books&where=%7Bbroken", { Cookie: cookie });
    assert.equal(r.status, 400);
    assert.match(r.body, /where is not JSON/);
    // A value the column's type cannot read: the database's message, as the request's mistake.
    const notANumber = encodeURIComponent(JSON.stringify({ column: "id", op: "equals", value: "abc" }));
    const typed = await raw(`/api/rows?schema=public&name=books&where=${notANumber}`, { Cookie: cookie });
    assert.equal(typed.status, 400);
    assert.match(typed.body, /invalid input syntax for type bigint/);
    // An export too: refused before its file starts, not cut short.
    const exported = await raw(`/api/export?schema=public&name=books&where=${notANumber}`, { Cookie: cookie });
    assert.equal(exported.status, 400);
    assert.match(exported.body, /invalid input syntax for type bigint/);
  });
  await step("a large body is taken only in a signed-in save (uploads); any other is refused at 1 MiB", async () => {
    const big = "x".repeat(2 << 20);
    const anonymous = await raw("/api/save", { "Content-Type": "application/json" }, big);
    assert.equal(anonymous.status, 413);
    const signedIn = await raw("/api/save", { Cookie: cookie, "Content-Type": "application/json" }, big);
    assert.equal(signedIn.status, 400, "read whole, then refused as not JSON");
    const elsewhere = await raw("/api/sql", { Cookie: cookie, "Content-Type": "application/json" }, big);
    assert.equal(elsewhere.status, 413);
  });
  await step("a table that is not in the catalog is refused by name", async () => {
    const r = await raw("/api/rows?schema=public&name=pg_authid", { Cookie: cookie });
    assert.equal(r.status, 404);
  });
}

async function browse(page) {
  await step("the sign-in link opens the studio and lists the tables with estimated rows", async () => {
    await page.goto(signIn.href);
    assert.equal(new URL(page.url()).pathname, "/");
    await page.locator('#table-list button[data-table="public.books"]').waitFor();
    const names = await page.locator("#table-list button").allTextContents();
    assert.ok(names.some((n) => n.startsWith("authors")), names.join(", "));
    assert.ok(names.some((n) => n.startsWith("books") && n.includes("~")), names.join(", "));
  });
  await step("a table shows its first page, values as PostgreSQL prints them", async () => {
    await page.click('#table-list button[data-table="public.books"]');
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    const headers = await page.locator("#grid thead th:not(.pick)").allTextContents();
    assert.ok(headers[0].startsWith("id"), headers.join(" | "));
    const first = await page.locator("#grid tbody tr").first().locator("td:not(.pick)").allTextContents();
    assert.equal(first[0], "1");
    assert.equal(first[2], "Book 1");
    assert.equal(first[3], "NULL", "a NULL is not an empty string");
    assert.equal(first[4], "2024-01-01 00:00:00+00", "a timestamptz in the session's zone, UTC, not the browser's");
    assert.equal(first[5], "1,024 bytes ↓", "bytea as its size (and a link), never loaded whole");
  });
  await step("the next pages come by scrolling, then by the button, until the last row", async () => {
    await page.locator("#grid-box").evaluate((box) => box.scrollTo(0, box.scrollHeight));
    await page.locator("#view-status", { hasText: "200 rows shown" }).waitFor();
    await page.click("#more-button");
    await page.locator("#view-status", { hasText: "250 rows shown (all)" }).waitFor();
    assert.equal(await page.locator("#grid tbody tr").count(), 250);
    const last = await page.locator("#grid tbody tr").last().locator("td:not(.pick)").first().textContent();
    assert.equal(last, "250");
    assert.equal(await page.locator("#more-button").isHidden(), true);
    await page.locator("#grid-box").evaluate((box) => box.scrollTo(0, 0));
    await screenshot(page, "studio-browse");
  });
  await step("the exact count is there on request", async () => {
    await page.click("#count-button");
    await page.locator("#view-count", { hasText: "250 rows" }).waitFor();
  });
  await step("the table open is kept in the URL", async () => {
    await page.waitForURL(/table=public.books/);
    await page.reload();
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    assert.equal(await page.locator("#view-title").textContent(), "public.books");
  });
  await step("a filter selects rows on the server, case-insensitively, and the count follows it", async () => {
    await page.click("#filter-add");
    const c = page.locator("#filter-list .condition").last();
    await c.locator(".column").selectOption("title");
    await c.locator(".op").selectOption("contains");
    await c.locator(".value").fill("book 1");
    await c.locator(".insensitive").check();
    await page.click("#filter-apply");
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    await page.click("#count-button");
    // Book 1, Book 10–19, Book 100–199.
    await page.locator("#view-count", { hasText: "111 rows match" }).waitFor();
  });
  await step("a click on a column sorts by it, again turns it round; pages follow that order", async () => {
    await page.click('#grid th[data-column="published_at"]');
    await page.locator('#grid th[data-column="published_at"][aria-sort="ascending"]').waitFor();
    await page.click('#grid th[data-column="published_at"]');
    await page.locator('#grid th[data-column="published_at"][aria-sort="descending"]').waitFor();
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    const first = await page.locator("#grid tbody tr").first().locator("td:not(.pick)").first().textContent();
    assert.equal(first, "199");
    await page.click("#more-button");
    await page.locator("#view-status", { hasText: "111 rows shown (all)" }).waitFor();
    const last = await page.locator("#grid tbody tr").last().locator("td:not(.pick)").first().textContent();
    assert.equal(last, "1");
    await screenshot(page, "studio-filter-sort");
  });
  await step("the filter and the sort are kept in the URL", async () => {
    await page.waitForURL(/order=/);
    await page.reload();
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    assert.equal(await page.locator("#filter-list .condition .value").inputValue(), "book 1");
    const first = await page.locator("#grid tbody tr").first().locator("td:not(.pick)").first().textContent();
    assert.equal(first, "199");
  });
  await step("the view exports as CSV, streamed: every row it selects, in its order, NULL apart from empty", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-csv")]);
    assert.equal(download.suggestedFilename(), "books.csv");
    const lines = (await readFile(await download.path(), "utf8")).split("\r\n");
    assert.equal(lines[0], '"id","author_id","title","subtitle","published_at","cover","status","tags","meta"');
    assert.equal(lines.length, 1 + 111 + 1, "the header, the 111 rows the filter selects, and the end");
    // Newest first, as sorted; the subtitle is NULL (nothing between the commas); the cover is
    // the whole value, as PostgreSQL prints it.
    assert.ok(lines[1].startsWith('"199","2","Book 199",,"2024-07-17 00:00:00+00","\\x7878'), lines[1].slice(0, 80));
    assert.equal(lines[112], "");
    // On the wire: chunked, no length announced (the studio does not build the file first).
    const href = await page.locator("#export-csv").getAttribute("href");
    const r = await raw(href, { Cookie: cookie });
    assert.equal(r.headers["transfer-encoding"], "chunked");
    assert.equal(r.headers["content-length"], undefined);
  });
  await step("an export the database refuses is said in the page, not left as a failed download", async () => {
    const url = new URL(page.url());
    await page.evaluate(() => {
      location.hash = `table=public.books&where=${encodeURIComponent(JSON.stringify({ column: "id", op: "equals", value: "abc" }))}`;
    });
    await page.locator("#view-status", { hasText: "invalid input syntax for type bigint" }).waitFor();
    await page.click("#export-csv");
    await page.locator("#view-status", { hasText: "Export refused: invalid input syntax for type bigint" }).waitFor();
    await page.goBack();
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    assert.equal(new URL(page.url()).hash, url.hash);
  });
  await step("and as JSON, values typed", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-json")]);
    assert.equal(download.suggestedFilename(), "books.json");
    const rows = JSON.parse(await readFile(await download.path(), "utf8"));
    assert.equal(rows.length, 111);
    assert.deepEqual([rows[0].id, rows[0].title, rows[0].subtitle, rows[0].status], [199, "Book 199", null, "draft"]);
    assert.equal(rows[110].id, 1);
  });
  await step("any-of conditions, NULL checks and an enum's values", async () => {
    await page.click("#filter-clear");
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    await page.selectOption("#filter-match", "any");
    await page.click("#filter-add");
    let c = page.locator("#filter-list .condition").last();
    await c.locator(".column").selectOption("id");
    await c.locator(".op").selectOption("lt");
    await c.locator(".value").fill("3");
    await page.click("#filter-add");
    c = page.locator("#filter-list .condition").last();
    await c.locator(".column").selectOption("status");
    await c.locator(".op").selectOption("equals");
    await c.locator(".value").fill("published");
    await page.click("#filter-apply");
    await page.locator("#view-status", { hasText: "2 rows shown (all)" }).waitFor();
  });
  await step("a foreign key's value opens the row it names, and Back comes back", async () => {
    await page.click('#table-list button[data-table="public.books"]');
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    // Book 1's author is Grace (1 + 1 % 2).
    await page.locator(`#grid tbody tr[data-key='["1"]'] a.ref`).click();
    await page.locator("#view-status", { hasText: "1 row shown (all)" }).waitFor();
    assert.equal(await page.locator("#view-title").textContent(), "public.authors");
    const row = await page.locator("#grid tbody tr").first().locator("td[data-column]").allTextContents();
    assert.deepEqual(row, ["2", "Grace"]);
    await page.goBack();
    await page.locator("#view-title", { hasText: "public.books" }).waitFor();
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
  });
  await step("a row's back-relations: how many rows refer to it (bounded), and a link to them", async () => {
    await page.click('#table-list button[data-table="public.authors"]');
    await page.locator("#view-status", { hasText: "2 rows shown (all)" }).waitFor();
    await page.locator(`#grid tbody tr[data-key='["1"]'] button.related`).click();
    await page.locator("#related li", { hasText: "books (author_id) 125 rows" }).waitFor();
    await screenshot(page, "studio-relations");
    await page.click("#related li a");
    await page.locator("#view-title", { hasText: "public.books" }).waitFor();
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    assert.equal(await page.locator("#filter-list .condition .value").inputValue(), "1");
    await page.click("#count-button");
    await page.locator("#view-count", { hasText: "125 rows match" }).waitFor();
    // The same rows in one click: the row's link in the books column.
    await page.goBack();
    await page.locator("#view-title", { hasText: "public.authors" }).waitFor();
    await page.locator(`#grid tbody tr[data-key='["2"]'] td.back a`).click();
    await page.locator("#view-title", { hasText: "public.books" }).waitFor();
    assert.equal(await page.locator("#filter-list .condition .value").inputValue(), "2");
    // The count of back-relations stops at what it shows: atMost rows and one more.
    const where = encodeURIComponent(JSON.stringify({ column: "author_id", op: "equals", value: "1" }));
    const bounded = await raw(`/api/count?schema=public&name=books&where=${where}&atMost=100`, { Cookie: cookie });
    assert.equal(JSON.parse(bounded.body).count, 101);
  });
  await step("the ER view draws every table and relation, referenced tables first; a click opens a table", async () => {
    await page.click("#er-link");
    await page.locator('#er g.table[data-table="public.books"]').waitFor();
    assert.equal(await page.locator("#er g.table").count(), 3);
    assert.equal(await page.locator("#er path.relation").count(), 1);
    const x = async (key) => (await page.locator(`#er g.table[data-table="${key}"]`).boundingBox()).x;
    assert.ok((await x("public.authors")) < (await x("public.books")), "authors left of the books that refer to them");
    await screenshot(page, "studio-er");
    await page.click('#er g.table[data-table="public.books"] text.title');
    await page.locator("#view-title", { hasText: "public.books" }).waitFor();
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
  });
  const cellOf = (key, column) => page.locator(`#grid tbody tr[data-key='${JSON.stringify([key])}'] td`).nth(column + 1);
  const TITLE = 2, SUBTITLE = 3, PUBLISHED = 4, COVER = 5, STATUS = 6, TAGS = 7, META = 8;
  await step("a cell edited and saved is written", async () => {
    await page.click('#table-list button[data-table="public.books"]');
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    await cellOf("1", TITLE).dblclick();
    await cellOf("1", TITLE).locator("input.edit").fill("Edited");
    await cellOf("1", TITLE).locator("input.edit").press("Enter");
    await page.locator("#changes-count", { hasText: "1 change not saved" }).waitFor();
    await page.click("#save-button");
    await page.locator("#save-status", { hasText: "Saved 1 change" }).waitFor();
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    assert.equal(await cellOf("1", TITLE).textContent(), "Edited");
  });
  await step("an empty text and NULL are different values", async () => {
    await cellOf("1", SUBTITLE).dblclick();
    await cellOf("1", SUBTITLE).locator("input.edit").fill("");
    await cellOf("1", SUBTITLE).locator("input.edit").press("Enter");
    await page.click("#save-button");
    await page.locator("#save-status", { hasText: "Saved 1 change" }).waitFor();
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    assert.equal(await cellOf("1", SUBTITLE).textContent(), "");
    assert.notEqual(await cellOf("1", SUBTITLE).getAttribute("class"), "null", "an empty text, not NULL");
    await cellOf("1", SUBTITLE).dblclick();
    await cellOf("1", SUBTITLE).locator("button.set-null").click();
    await page.click("#save-button");
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    await page.locator(`#grid tbody tr[data-key='["1"]'] td.null`).first().waitFor();
    assert.equal(await cellOf("1", SUBTITLE).textContent(), "NULL");
  });
  await step("a row changed by someone else since it was read is not overwritten: both values shown, the user chooses", async () => {
    await cellOf("2", TITLE).dblclick();
    await cellOf("2", TITLE).locator("input.edit").fill("Mine");
    await cellOf("2", TITLE).locator("input.edit").press("Enter");
    // Someone else saves row 2 first, through the API, from the version they read.
    const [read] = await booksWithId("2");
    const theirs = await raw("/api/save", { Cookie: cookie, "Content-Type": "application/json" }, JSON.stringify({
      schema: "public", name: "books",
      changes: [{ op: "update", key: ["2"], version: read.version, values: { title: "Theirs" } }],
    }));
    assert.equal(theirs.status, 200, theirs.body);
    await page.click("#save-button");
    await page.locator("#conflicts .conflict", { hasText: 'title: now "Theirs", yours "Mine"' }).waitFor();
    assert.equal(await cellOf("2", TITLE).textContent(), "Mine", "the page keeps the user's change");
    await screenshot(page, "studio-conflict");
    await page.click("#conflicts .keep-mine");
    await page.click("#save-button");
    await page.locator("#save-status", { hasText: "Saved 1 change" }).waitFor();
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    assert.equal(await cellOf("2", TITLE).textContent(), "Mine");
  });
  await step("selected rows are deleted after a confirmation, new rows added with their defaults", async () => {
    await page.locator(`#grid tbody tr[data-key='["3"]'] input.pick`).check();
    page.once("dialog", (d) => d.accept());
    await page.click("#delete-button");
    await page.click("#add-button");
    await page.locator("input[aria-label='new id']").fill("1000");
    await page.locator("input[aria-label='new title']").fill("New book");
    await page.locator("#changes-count", { hasText: "2 changes not saved" }).waitFor();
    await page.click("#save-button");
    await page.locator("#save-status", { hasText: "Saved 2 changes" }).waitFor();
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    assert.equal(await page.locator(`#grid tbody tr[data-key='["3"]']`).count(), 0);
    const added = await booksWithId("1000");
    assert.equal(added.length, 1);
    assert.equal(added[0].values[2], "New book");
    assert.equal(added[0].values[6], "draft", "the column's default");
  });
  await step("the keyboard moves between cells and edits the one it is on", async () => {
    await cellOf("4", TITLE).click();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowLeft");
    assert.equal(await page.evaluate(() => document.activeElement.textContent), "Book 5");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("Typed");
    await page.keyboard.press("Tab");  // keeps the text, moves to the next column
    assert.equal(await cellOf("5", TITLE).textContent(), "Typed");
    assert.equal(await page.evaluate(() => document.activeElement.dataset.column), String(SUBTITLE));
    await page.keyboard.press("Enter");
    await page.keyboard.press("Escape");  // leaves the subtitle as it was
    assert.equal(await cellOf("5", SUBTITLE).textContent(), "NULL");
    await page.locator("#changes-count", { hasText: "1 change not saved" }).waitFor();
    await page.click("#discard-button");
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    assert.equal(await cellOf("5", TITLE).textContent(), "Book 5");
  });
  await step("each type gets its editor: an enum's values, numbers, JSON and arrays checked before they are staged", async () => {
    const editor = (column, tag = "input") => cellOf("8", column).locator(`${tag}.edit`);
    await cellOf("8", STATUS).dblclick();
    await editor(STATUS, "select").selectOption("published");
    await editor(STATUS, "select").press("Enter");
    for (const [column, wrong, message, right] of [
      [META, '{"pages": 12', "not JSON", '{"pages": 12}'],
      [TAGS, "poetry, prose", "with its braces", "{poetry,prose}"],
      [1, "two", "not a whole number", "1"],
    ]) {
      await cellOf("8", column).dblclick();
      await editor(column).fill(wrong);
      await editor(column).press("Enter");
      await cellOf("8", column).locator(".edit-error", { hasText: message }).waitFor();
      await editor(column).fill(right);
      await editor(column).press("Enter");
    }
    await page.locator("#changes-count", { hasText: "1 change not saved" }).waitFor();
    await page.click("#save-button");
    await page.locator("#save-status", { hasText: "Saved 1 change" }).waitFor();
    const [eight] = await booksWithId("8");
    assert.deepEqual([eight.values[STATUS], eight.values[META], eight.values[TAGS], eight.values[1]],
      ["published", '{"pages": 12}', "{poetry,prose}", "1"]);
  });
  await step("a time typed without an offset is the studio's zone's (UTC), never the browser's (Tokyo here)", async () => {
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    assert.equal(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), "Asia/Tokyo");
    await cellOf("8", PUBLISHED).dblclick();
    await cellOf("8", PUBLISHED).locator(".zone", { hasText: "UTC" }).waitFor();
    await cellOf("8", PUBLISHED).locator("input.edit").fill("2024-02-01 12:00");
    await cellOf("8", PUBLISHED).locator("input.edit").press("Enter");
    await page.click("#save-button");
    await page.locator("#save-status", { hasText: "Saved 1 change" }).waitFor();
    assert.equal((await booksWithId("8"))[0].values[PUBLISHED], "2024-02-01 12:00:00+00");
  });
  await step("a bytea value downloads whole, streamed; a file uploads into one", async () => {
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    const downloadCover = async (key) => {
      const [download] = await Promise.all([page.waitForEvent("download"), cellOf(key, COVER).locator("a.download").click()]);
      return readFile(await download.path());
    };
    assert.equal((await downloadCover("1")).toString(), "x".repeat(1024));
    await cellOf("2", COVER).dblclick();
    await cellOf("2", COVER).locator("input.upload").setInputFiles({
      name: "cover.bin", mimeType: "application/octet-stream", buffer: Buffer.from([0, 1, 2, 255]),
    });
    await page.locator("#changes-count", { hasText: "1 change not saved" }).waitFor();
    assert.equal(await cellOf("2", COVER).textContent(), "4 bytes");
    await page.click("#save-button");
    await page.locator("#save-status", { hasText: "Saved 1 change" }).waitFor();
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    assert.deepEqual([...(await downloadCover("2"))], [0, 1, 2, 255]);
  });
  await step("a change the database refuses saves nothing and says why", async () => {
    await cellOf("4", TITLE).dblclick();
    await cellOf("4", TITLE).locator("input.edit").fill("Not saved");
    await cellOf("4", TITLE).locator("input.edit").press("Enter");
    await page.click("#add-button");
    await page.locator("input[aria-label='new id']").fill("5");
    await page.locator("input[aria-label='new title']").fill("Duplicate key");
    await page.click("#save-button");
    await page.locator("#save-status", { hasText: "Nothing was saved: change 2: duplicate key" }).waitFor();
    const four = await booksWithId("4");
    assert.equal(four[0].values[2], "Book 4", "the first change went back with the second");
    await page.click("#discard-button");
  });
  await step("a table without a key says why it is read-only, and still pages (by ctid)", async () => {
    await page.click('#table-list button[data-table="public.log_lines"]');
    await page.locator("#view-note", { hasText: "no primary key" }).waitFor();
    await page.locator("#view-status", { hasText: "3 rows shown (all)" }).waitFor();
    assert.equal(await page.locator("#add-button").isHidden(), true);
    const refused = await raw("/api/save", { Cookie: cookie, "Content-Type": "application/json" },
      JSON.stringify({ schema: "public", name: "log_lines", changes: [{ op: "insert", values: { line: "x" } }] }));
    assert.equal(refused.status, 409);
    assert.match(refused.body, /no primary key/);
  });
}

// A statement through the console's API, as the page sends it.
async function sql(text, write = false) {
  const r = await raw("/api/sql", { Cookie: cookie, "Content-Type": "application/json" }, JSON.stringify({ sql: text, write }));
  return { status: r.status, ...JSON.parse(r.body) };
}

async function runInConsole(page, text, expected) {
  await page.locator("#sql-text").fill(text);
  await page.click("#sql-run");
  await page.locator("#sql-status", { hasText: expected }).waitFor();
}

async function console_(page) {
  await step("the SQL console runs a statement in a read-only transaction unless writes are allowed", async () => {
    await page.click("#console-link");
    await runInConsole(page, "SELECT id, title FROM books WHERE id IN (6, 7) ORDER BY id", "2 rows");
    assert.deepEqual(await page.locator("#sql-result tbody tr").nth(1).locator("td").allTextContents(), ["7", "Book 7"]);
    await runInConsole(page, "UPDATE books SET title = 'From the console' WHERE id = 7",
      "cannot execute UPDATE in a read-only transaction");
    assert.equal((await booksWithId("7"))[0].values[2], "Book 7");
    await page.check("#sql-write");
    await runInConsole(page, "UPDATE books SET title = 'From the console' WHERE id = 7", "UPDATE 1 (committed)");
    assert.equal((await booksWithId("7"))[0].values[2], "From the console");
    await page.uncheck("#sql-write");
  });
  await step("one statement at a time, and an error points at its place", async () => {
    await runInConsole(page, "SELECT 1; DELETE FROM books", "one statement at a time");
    assert.equal((await booksWithId("7")).length, 1);
    await runInConsole(page, "SELECT nope FROM books", 'column "nope" does not exist (at character 8)');
  });
  await step("a big result is read up to 1000 rows, never whole", async () => {
    await runInConsole(page, "SELECT i, i * 2 AS twice FROM generate_series(1, 100000) AS i",
      "1,000 rows shown: more were not read");
    assert.equal(await page.locator("#sql-result tbody tr").count(), 1000);
    await page.locator("#sql-result-box").evaluate((box) => box.scrollTo(0, 0));
    await screenshot(page, "studio-console");
  });
  await step("the statement is kept in the URL", async () => {
    await page.reload();
    await page.locator("#console:not([hidden])").waitFor();
    assert.match(await page.locator("#sql-text").inputValue(), /generate_series/);
  });
  await step("what a statement sets stays with it: its connection is closed after it", async () => {
    const first = await sql("SELECT pg_backend_pid()", true);
    assert.equal(first.status, 200);
    const pid = first.rows[0][0];
    // Closed at once; the server process ends a moment later: asked again until it has.
    let left = "1";
    for (let i = 0; i < 100 && left !== "0"; i++)
      left = (await sql(`SELECT count(*) FROM pg_stat_activity WHERE pid = ${pid}`)).rows[0][0];
    assert.equal(left, "0", `the console's session ${pid} is still open`);
  });
}

// A studio started with --schema on a relationMode = "prisma" project: no foreign key in the
// database, model and field names that are not the tables' and columns'.
async function schemaNames(page) {
  await step("the schema's relation is offered though the database has no foreign key", async () => {
    const tables = JSON.parse((await raw("/api/tables", { Cookie: cookie })).body).tables;
    const books = tables.find((t) => t.name === "books");
    assert.equal(books.model, "Book");
    assert.deepEqual(books.columns.map((c) => c.field), ["id", "authorId", "title"]);
    assert.deepEqual(books.relations.map((r) => [r.columns, r.table.name, r.referencedColumns]), [[["author_id"], "authors", ["id"]]]);
    const found = await sql("SELECT count(*) FROM pg_constraint WHERE contype = 'f'");
    assert.equal(found.rows[0][0], "0", "the database has no foreign key");
  });
  await step("the page names models and fields", async () => {
    await page.goto(signIn.href);
    await page.locator('#table-list button[data-table="public.books"]').waitFor();
    const names = await page.locator("#table-list button").allTextContents();
    assert.ok(names.some((n) => n.startsWith("Author")) && names.some((n) => n.startsWith("Book")), names.join(", "));
    await page.click('#table-list button[data-table="public.books"]');
    await page.locator("#view-status", { hasText: "30 rows shown (all)" }).waitFor();
    assert.equal(await page.locator("#view-title").textContent(), "Book (public.books)");
    assert.equal(await page.locator('#grid th[data-column="author_id"] .name').textContent(), "authorId");
  });
  await step("the relation is followed both ways", async () => {
    await page.locator(`#grid tbody tr[data-key='["1"]'] a.ref`).click();
    await page.locator("#view-status", { hasText: "1 row shown (all)" }).waitFor();
    assert.equal(await page.locator("#view-title").textContent(), "Author (public.authors)");
    await page.locator("#grid tbody tr button.related").click();
    await page.locator("#related li", { hasText: "Book (authorId) 15 rows" }).waitFor();
  });
  await step("a new row gets what Prisma's client fills in: a cuid() id, @updatedAt's time", async () => {
    const tags = JSON.parse((await raw("/api/tables", { Cookie: cookie })).body).tables.find((t) => t.name === "tags");
    assert.deepEqual(tags.columns.map((c) => c.default), ["cuid()", null, "now (@updatedAt)"]);
    await page.click('#table-list button[data-table="public.tags"]');
    await page.locator("#view-status", { hasText: "0 rows shown (all)" }).waitFor();
    await page.click("#add-button");
    assert.equal(await page.locator("input[aria-label='new id']").getAttribute("placeholder"), "cuid()");
    await page.locator("input[aria-label='new name']").fill("poetry");
    await page.click("#save-button");
    await page.locator("#save-status", { hasText: "Saved 1 change" }).waitFor();
    const found = await sql("SELECT id, abs(extract(epoch FROM updated_at - (now() AT TIME ZONE 'UTC'))) < 60 FROM tags");
    assert.equal(found.rows.length, 1);
    assert.match(found.rows[0][0], /^c[a-z0-9]{24}$/, "a cuid");
    assert.equal(found.rows[0][1], "t", "updated_at is now, in UTC");
  });
  await step("the ER view draws the schema's relation, with its names", async () => {
    await page.click("#er-link");
    await page.locator('#er g.table[data-table="public.books"] text.title', { hasText: "Book" }).waitFor();
    assert.equal(await page.locator("#er path.relation").count(), 1);
  });
}

// The page of a studio started with --read-only.
async function readOnlyPage(page) {
  await step("the page offers no edits", async () => {
    await page.goto(signIn.href);
    await page.click('#table-list button[data-table="public.books"]');
    await page.locator("#view-note", { hasText: "--read-only" }).waitFor();
    await page.locator("#view-status", { hasText: "100 rows shown" }).waitFor();
    assert.equal(await page.locator("#add-button").isHidden(), true);
    assert.equal(await page.locator("#grid input.pick").count(), 0);
    await page.locator("#grid tbody tr").first().locator("td").nth(3).dblclick();
    assert.equal(await page.locator("#grid input.edit").count(), 0);
  });
  await step("the console offers no writes, and the database refuses one asked for anyway", async () => {
    await page.click("#console-link");
    assert.equal(await page.locator("#sql-write").isHidden(), true);
    await runInConsole(page, "DELETE FROM books", "cannot execute DELETE in a read-only transaction");
    const asked = await sql("DELETE FROM books", true);
    assert.equal(asked.status, 400);
    assert.match(asked.error.message, /read-only transaction/);
  });
}

let browser, page;
const pageErrors = [];
async function signInOnTheWire() {
  await step("sign in", async () => {
    const r = await raw(signIn.pathname + signIn.search);
    assert.equal(r.status, 303);
    cookie = r.headers["set-cookie"][0].split(";")[0];
  });
}

async function readOnly() {
  await signInOnTheWire();
  await step("the tables say the studio is read-only", async () => {
    const tables = JSON.parse((await raw("/api/tables", { Cookie: cookie })).body).tables;
    assert.match(tables.find((t) => t.name === "books").readOnly, /--read-only/);
  });
  await step("a save sent anyway reaches the database, which refuses it", async () => {
    const read = JSON.parse((await raw("/api/rows?schema=public&name=books&limit=1", { Cookie: cookie })).body);
    const save = (change) => raw("/api/save", { Cookie: cookie, "Content-Type": "application/json" },
      JSON.stringify({ schema: "public", name: "books", changes: [change] }));
    for (const change of [
      { op: "update", key: ["1"], version: read.rows[0].version, values: { title: "Written" } },
      { op: "insert", values: { id: "999", title: "Written" } },
      { op: "delete", key: ["1"], version: read.rows[0].version },
    ]) {
      const r = await save(change);
      assert.equal(r.status, 400, r.body);
      assert.match(r.body, /read-only transaction/);
    }
    const after = JSON.parse((await raw("/api/rows?schema=public&name=books&limit=1", { Cookie: cookie })).body);
    assert.equal(after.rows[0].values[2], "Book 1");
  });
  await step("reading still works: an export streams from its read-only transaction", async () => {
    const where = encodeURIComponent(JSON.stringify({ column: "id", op: "lte", value: "2" }));
    const r = await raw(`/api/export?schema=public&name=books&format=json&where=${where}`, { Cookie: cookie });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse(r.body).map((b) => b.id), [1, 2]);
  });
}

try {
  if (mode === "read-only") await readOnly();
  else if (mode === "schema") await signInOnTheWire();
  else await security();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    // A fresh profile (playwright makes one per launch); no background connections (this
    // network refuses them); as root the sandbox cannot start.
    args: [
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
      ...(process.getuid() === 0 ? ["--no-sandbox"] : []),
    ],
  });
  // The browser in another zone than the studio's: no time may move with it.
  page = await browser.newPage({ viewport: { width: 1200, height: 640 }, timezoneId: "Asia/Tokyo" });
  page.on("console", (m) => m.type() === "error" && pageErrors.push(m.text()));
  page.on("pageerror", (e) => pageErrors.push(e.message));
  if (mode === "read-only") {
    await readOnlyPage(page);
  } else if (mode === "schema") {
    await schemaNames(page);
  } else {
    await browse(page);
    await console_(page);
  }
  console.log("all steps passed");
} catch (e) {
  console.error(`FAILED at "${current}": ${e.message}`);
  // What the page showed then, for the failure message.
  if (page) {
    for (const id of ["view-status", "save-status", "sql-status"])
      console.error(`${id}: "${await page.locator(`#${id}`).textContent().catch(() => "?")}"`);
  }
  if (pageErrors.length) console.error(`page errors:\n${pageErrors.join("\n")}`);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
}

// pgkit_studio_bench's driver (bench/studio_vs_prisma.cpp): pgkit studio and Prisma Studio 7 in
// Debian's chromium (headless, playwright-core), each step timed in the page from the user's
// action to the rows it brings on screen, on the benchmark's data — books (1,000,000 rows,
// title 'Book <id>', author_id indexed) referring to authors (10,000 rows; book i's author is
// (i - 1) % 10000 + 1).
//
//   node measure.mjs PGKIT_SIGN_IN_URL PRISMA_STUDIO_URL ROUNDS
//
// Prints one JSON object: per tool and step, the time of each round in ms (and for pgkit the
// longest server-side time of the step's API calls, from its Server-Timing header), or the
// reason a step is not offered. What each step does in each tool is said beside it.
import { chromium } from "playwright-core";

const [signIn, prismaUrl, roundsText] = process.argv.slice(2);
const rounds = Number(roundsText || 3);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    ...(process.getuid() === 0 ? ["--no-sandbox"] : [])],
});
const LONG = { timeout: Number(process.env.STEP_TIMEOUT || 120_000) };

// Runs in the page: a promise of the time from the user's first input (pointer or key) — or
// from start(), for an action that is not an input — to the first frame painted after the rows
// are in the page (the condition holds). Measured by the page's own clock: no driver round
// trip is counted, for either tool.
function installTimer(condition) {
  const holds = {
    // pgkit studio: the grid's first row's id, in the table named.
    firstId: ({ table, id }) => document.querySelector("#view-title")?.textContent === table &&
      document.querySelector('#grid tbody tr td[data-column="0"]')?.firstChild?.nodeValue === id,
    // Prisma Studio: a cell of its grid.
    cell: ({ text }) => [...document.querySelectorAll("[data-studio-cell-content]")].some((e) => e.textContent === text),
  }[condition.kind];
  let start = null;
  window.__benchStart = () => { start ??= performance.now(); };
  const began = (e) => { start ??= e.timeStamp; };
  for (const type of ["pointerdown", "keydown"]) window.addEventListener(type, began, { capture: true, once: true });
  window.__benchTime = new Promise((resolve) => {
    const check = () => {
      if (start === null || !holds(condition)) return;
      observer.disconnect();
      requestAnimationFrame(() => resolve(performance.now() - start));
    };
    const observer = new MutationObserver(check);
    observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

// The step's time in the page, and the longest Server-Timing of the API calls it made (pgkit).
async function timed(page, condition, act) {
  await page.evaluate(() => performance.clearResourceTimings());
  await page.evaluate(installTimer, condition);
  await act();
  const ms = await page.waitForFunction(() => window.__benchTime, null, LONG).then((h) => h.jsonValue());
  const server = await page.evaluate(() => Math.max(0, ...performance.getEntriesByType("resource")
    .filter((e) => e.name.includes("/api/")).flatMap((e) => e.serverTiming.map((t) => t.duration))));
  return { ms, server };
}

// ---- pgkit studio: the grid's first row's id and the status line say what is shown ----

const firstId = (page, id) => page.waitForFunction(
  (want) => document.querySelector('#grid tbody tr td[data-column="0"]')?.firstChild?.nodeValue === want, id, LONG);
const shown = (page, text) => page.locator("#view-status", { hasText: text }).waitFor(LONG);

async function pgkitFilter(page, column, op, value, insensitive = false) {
  await page.click("#filter-clear");
  await shown(page, "100 rows shown");
  await page.click("#filter-add");
  const c = page.locator("#filter-list .condition").last();
  await c.locator(".column").selectOption(column);
  await c.locator(".op").selectOption(op);
  await c.locator(".value").fill(value);
  if (insensitive) await c.locator(".insensitive").check();
}

async function pgkitPage() {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(signIn);
  await page.locator('#table-list button[data-table="public.books"]').waitFor(LONG);
  return page;
}

async function pgkitRound(page, out) {
  const hash = (table, where) => `table=public.${table}&where=${encodeURIComponent(JSON.stringify(where))}`;
  const books = (id) => ({ kind: "firstId", table: "public.books", id });
  // Open a table: a click on it in the list, to its first page (100 rows) shown.
  await page.click('#table-list button[data-table="public.authors"]');
  await shown(page, "100 rows shown");
  out.open.push(await timed(page, books("1"), () => page.click('#table-list button[data-table="public.books"]')));
  // Page 10,000 (of 100 rows): the rows after the 999,900th — the keyset page, which a user
  // reaches by scrolling, or at once with the view id > 999900 (the same statement).
  out.page10000.push(await timed(page, books("999901"), () => page.evaluate((h) => {
    window.__benchStart();
    location.hash = h;
  }, hash("books", { column: "id", op: "gt", value: "999900" }))));
  // A filter on an indexed column: author_id = 5000, from Apply to its rows shown.
  await page.click('#table-list button[data-table="public.books"]');
  await shown(page, "100 rows shown");
  await pgkitFilter(page, "author_id", "equals", "5000");
  out.filterIndexed.push(await timed(page, books("5000"), () => page.click("#filter-apply")));
  // A filter on an unindexed text column: title contains 99999 (LIKE '%99999%', as Prisma
  // Studio's below) — 19 rows of the million: every row is read to find them.
  await pgkitFilter(page, "title", "contains", "99999");
  out.filterText.push(await timed(page, books("99999"), () => page.click("#filter-apply")));
  // The same with a common text: title contains "Book 12" (12, 120–129, 1200–…: 11,111 rows).
  await pgkitFilter(page, "title", "contains", "Book 12");
  out.filterTextCommon.push(await timed(page, books("12"), () => page.click("#filter-apply")));
  // A row's back-relations: author 5000's books — the link in its books column, to the books
  // shown (as Prisma Studio's arrow below). (The ↳ button counts them first; not timed here.)
  await page.evaluate((h) => { location.hash = h; }, hash("authors", { column: "id", op: "equals", value: "5000" }));
  await firstId(page, "5000");
  out.backRelations.push(await timed(page, books("5000"), () => page.locator("#grid tbody tr td.back a").click()));
}

// ---- Prisma Studio 7: its grid's cells say what is shown ----

const cell = (page, text) => page.waitForFunction(
  (want) => [...document.querySelectorAll("[data-studio-cell-content]")].some((e) => e.textContent === want), text, LONG);
const button = (page, text) => page.locator("button").filter({ hasText: new RegExp(`^${text}$`) }).first();

// Opens a table and makes its pages 100 rows, as pgkit studio's (its default is 25): both
// tools then put the same rows on screen at each step.
async function prismaOpen(page, table, firstTitle) {
  await page.locator("a").filter({ hasText: new RegExp(`^${table}$`) }).first().click();
  await cell(page, firstTitle);
  const size = page.locator('button[aria-label="Rows per page"]');
  if (!(await size.textContent()).startsWith("100 ")) {
    await size.click();
    await page.locator('[role="menuitemradio"]').filter({ hasText: /^100 rows per page$/ }).click();
    await page.waitForFunction(() => document.querySelector('button[aria-label="Rows per page"]')?.textContent.startsWith("100 "));
    await cell(page, firstTitle);
  }
}

async function prismaFilter(page, table, firstTitle, column, type, operator, value) {
  await page.goto(prismaUrl);
  await prismaOpen(page, table, firstTitle);
  await page.click('button[aria-label="Add filter"]');
  await button(page, `${column}${type}`).click();
  await button(page, operator).click();
  await page.fill(`input[aria-label="Filter value for ${column}"]`, value);
}

async function prismaRound(page, out) {
  const cellOf = (text) => ({ kind: "cell", text });
  await page.goto(prismaUrl);
  await prismaOpen(page, "books", "Book 1");
  await prismaOpen(page, "authors", "Author 1");
  // Open a table: a click on it in the list, to its first page (100 rows) shown.
  out.open.push(await timed(page, cellOf("Book 1"), () => page.locator("a").filter({ hasText: /^books$/ }).first().click()));
  if (!(await page.locator('button[aria-label="Rows per page"]').textContent()).startsWith("100 "))
    throw new Error("Prisma Studio did not keep books' 100 rows per page: the steps would not show the same rows");
  // Page 10,000 (of 100 rows: the rows after the 999,900th), typed in its page box.
  await page.fill('input[aria-label="Page number"]', "10000");
  out.page10000.push(await timed(page, cellOf("Book 999901"), () => page.press('input[aria-label="Page number"]', "Enter")));
  await prismaFilter(page, "books", "Book 1", "author_id", "int4", "Equal=", "5000");
  out.filterIndexed.push(await timed(page, cellOf("Book 5000"), () => page.click('button[aria-label="Apply filter"]')));
  await prismaFilter(page, "books", "Book 1", "title", "text", "LikeLIKE", "%99999%");
  out.filterText.push(await timed(page, cellOf("Book 99999"), () => page.click('button[aria-label="Apply filter"]')));
  await prismaFilter(page, "books", "Book 1", "title", "text", "LikeLIKE", "%Book 12%");
  out.filterTextCommon.push(await timed(page, cellOf("Book 12"), () => page.click('button[aria-label="Apply filter"]')));
  // A row's back-relations: author 5000's books — the arrow in its books column, to the books
  // shown.
  await prismaFilter(page, "authors", "Author 1", "id", "int4", "Equal=", "5000");
  await page.click('button[aria-label="Apply filter"]');
  await cell(page, "Author 5000");
  out.backRelations.push(await timed(page, cellOf("Book 5000"),
    () => page.locator("tbody tr").first().locator('a[href*="table=books"]').click()));
}

const steps = () => ({ open: [], page10000: [], filterIndexed: [], filterText: [], filterTextCommon: [], backRelations: [] });
const figures = { pgkit: steps(), prisma: steps() };
try {
  const pgkitTab = await pgkitPage();
  const prismaTab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  for (let round = 0; round < rounds; round++) {
    // Which goes first alternates: neither always meets the caches the other warmed.
    const both = [() => pgkitRound(pgkitTab, figures.pgkit), () => prismaRound(prismaTab, figures.prisma)];
    if (round % 2) both.reverse();
    for (const one of both) await one();
  }
  console.log(JSON.stringify(figures));
} finally {
  await browser.close();
}

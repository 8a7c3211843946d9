// pgkit studio's page: the tables on the left; a table's rows on the right, a page at a time
// (the API's keyset cursor, never an offset), filtered and sorted by the server. The whole view
// (table, filter, sort) is kept in the URL. No dependencies; values are shown as PostgreSQL
// printed them, never converted by the browser (a timestamptz keeps its zone).
const $ = (id) => document.getElementById(id);
// view: a number each opened view gets, so that a page that arrives for an older one is dropped.
const state = { tables: [], table: null, where: null, order: [], next: null, loading: false, view: 0 };

async function api(path) {
  const res = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ? body.error.message : `HTTP ${res.status}`);
  return body;
}

function status(text) {
  $("view-status").textContent = text;
}

const tableKey = (t) => `${t.schema}.${t.name}`;
function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

// Which operators a column's type offers, in the order the menu lists them.
function opsFor(column) {
  const text = /^(text|character varying|character|name|citext)/.test(column.type) && !column.type.endsWith("[]");
  const always = ["equals", "not", "in", "notIn", "isNull", "isNotNull"];
  if (column.binary) return ["isNull", "isNotNull"];
  if (column.values || column.type === "boolean") return always;
  if (text) return ["contains", "startsWith", "endsWith", ...always];
  return ["lt", "lte", "gt", "gte", "contains", ...always];
}
const opLabels = {
  equals: "=", not: "≠", lt: "<", lte: "≤", gt: ">", gte: "≥", contains: "contains", startsWith: "starts with",
  endsWith: "ends with", in: "in (comma-separated)", notIn: "not in", isNull: "is NULL", isNotNull: "is not NULL",
};

// ---- the view in the URL ----

function saveView() {
  const params = new URLSearchParams({ table: tableKey(state.table) });
  if (state.where) params.set("where", JSON.stringify(state.where));
  if (state.order.length) params.set("order", JSON.stringify(state.order));
  history.replaceState(null, "", `#${params}`);
}

function viewFromUrl() {
  const params = new URLSearchParams(location.hash.slice(1));
  const parse = (name) => { try { return JSON.parse(params.get(name)); } catch { return null; } };
  return { table: params.get("table"), where: parse("where"), order: parse("order") || [] };
}

// ---- tables ----

function showTables() {
  const list = $("table-list");
  list.replaceChildren();
  for (const t of state.tables) {
    const button = el("button", { type: "button" },
      el("span", { textContent: t.schema === "public" ? t.name : tableKey(t) }),
      el("span", { className: "rows", textContent: `~${t.estimatedRows.toLocaleString("en")}`,
        title: "estimated from the table's statistics" }));
    button.dataset.table = tableKey(t);
    button.addEventListener("click", () => openTable(t, null, []));
    list.append(el("li", {}, button));
  }
}

// ---- the grid ----

function showHeader(t) {
  const row = document.createElement("tr");
  t.columns.forEach((c) => {
    const at = state.order.findIndex((o) => o.column === c.name);
    const arrow = at < 0 ? "" : (state.order[at].desc ? " ▼" : " ▲") + (state.order.length > 1 ? at + 1 : "");
    const th = el("th", { title: c.sortable ? "sort (shift: add to the sort)" : "" },
      el("span", { className: "name", textContent: c.name + arrow }),
      el("span", { className: "type", textContent: c.type + (c.nullable ? "?" : "") }));
    th.dataset.column = c.name;
    if (at >= 0) th.setAttribute("aria-sort", state.order[at].desc ? "descending" : "ascending");
    if (c.sortable) th.addEventListener("click", (e) => sortBy(c.name, e.shiftKey));
    row.append(th);
  });
  $("grid").tHead.replaceChildren(row);
}

// Click: sort by this column alone (again: descending, again: unsorted); shift-click: add it
// to the sort, or turn it round there.
function sortBy(column, add) {
  const current = state.order.find((o) => o.column === column);
  const turned = !current ? { column, desc: false } : !current.desc ? { column, desc: true } : null;
  let order;
  if (add) order = current ? state.order.map((o) => (o === current ? turned : o)).filter(Boolean) : [...state.order, turned];
  else order = turned ? [turned] : [];
  openTable(state.table, state.where, order);
}

function cell(column, value) {
  const td = document.createElement("td");
  if (value === null) {
    td.textContent = "NULL";
    td.className = "null";
  } else if (column.binary) {
    td.textContent = `${Number(value).toLocaleString("en")} bytes`;
  } else {
    td.textContent = value;
    td.title = value;
  }
  return td;
}

function viewQuery(extra = {}) {
  const t = state.table;
  const q = new URLSearchParams({ schema: t.schema, name: t.name, ...extra });
  if (state.where) q.set("where", JSON.stringify(state.where));
  if (state.order.length) q.set("order", JSON.stringify(state.order));
  return q;
}

async function loadPage() {
  if (!state.table || state.loading) return;
  const view = state.view;
  state.loading = true;
  status("Loading…");
  try {
    const q = viewQuery({ limit: "100" });
    if (state.next) q.set("after", JSON.stringify(state.next));
    const page = await api(`/api/rows?${q}`);
    if (state.view !== view) return;
    const body = $("grid").tBodies[0];
    for (const row of page.rows) {
      const tr = document.createElement("tr");
      row.values.forEach((v, i) => tr.append(cell(state.table.columns[i], v)));
      body.append(tr);
    }
    state.next = page.next;
    $("more-button").hidden = !page.next;
    status(`${body.rows.length.toLocaleString("en")} rows shown${page.next ? "" : " (all)"}`);
  } catch (e) {
    if (state.view === view) status(`Could not load rows: ${e.message}`);
  } finally {
    if (state.view === view) state.loading = false;
  }
}

function openTable(t, where, order) {
  Object.assign(state, { table: t, where, order, next: null, loading: false, view: state.view + 1 });
  saveView();
  for (const b of document.querySelectorAll("#table-list button"))
    b.setAttribute("aria-current", String(b.dataset.table === tableKey(t)));
  $("view-title").textContent = tableKey(t);
  $("view-count").textContent = where ? "" : `~${t.estimatedRows.toLocaleString("en")} rows (estimated)`;
  $("count-button").hidden = false;
  $("more-button").hidden = true;
  $("view-note").hidden = !t.readOnly;
  $("view-note").textContent = t.readOnly || "";
  $("filters").hidden = false;
  showFilters();
  showHeader(t);
  $("grid").tBodies[0].replaceChildren();
  loadPage();
}

async function exactCount() {
  const t = state.table;
  $("view-count").textContent = "counting…";
  try {
    const { count } = await api(`/api/count?${viewQuery()}`);
    if (state.table === t) $("view-count").textContent = `${count.toLocaleString("en")} rows${state.where ? " match" : ""}`;
  } catch (e) {
    $("view-count").textContent = `count failed: ${e.message}`;
  }
}

// ---- filters: one group of conditions, all or any of them ----

function conditionRow(c = {}) {
  const t = state.table;
  const column = el("select", { className: "column", ariaLabel: "column" },
    ...t.columns.map((x) => el("option", { value: x.name, textContent: x.name })));
  const op = el("select", { className: "op", ariaLabel: "operator" });
  const value = el("input", { className: "value", ariaLabel: "value", placeholder: "value" });
  const insensitive = el("input", { type: "checkbox", className: "insensitive", title: "ignore case" });
  const remove = el("button", { type: "button", className: "remove", textContent: "×", title: "remove" });
  const row = el("div", { className: "condition" }, column, op, value,
    el("label", { title: "ignore case" }, insensitive, " Aa"), remove);
  const refresh = () => {
    const col = t.columns.find((x) => x.name === column.value);
    const keep = op.value;
    op.replaceChildren(...opsFor(col).map((o) => el("option", { value: o, textContent: opLabels[o] })));
    if (opsFor(col).includes(keep)) op.value = keep;
    const needsValue = !["isNull", "isNotNull"].includes(op.value);
    value.hidden = !needsValue;
    value.placeholder = col.values ? col.values.join(", ") : col.type === "boolean" ? "true or false" : "value";
  };
  column.value = c.column || t.columns[0].name;
  refresh();
  if (c.op) op.value = c.op;
  refresh();
  value.value = Array.isArray(c.value) ? c.value.join(", ") : c.value ?? "";
  insensitive.checked = !!c.insensitive;
  column.addEventListener("change", refresh);
  op.addEventListener("change", refresh);
  value.addEventListener("keydown", (e) => e.key === "Enter" && applyFilters());
  remove.addEventListener("click", () => { row.remove(); });
  return row;
}

function showFilters() {
  const group = state.where ? (state.where.any ? "any" : "all") : "all";
  $("filter-match").value = group;
  const conditions = state.where ? state.where[group] : [];
  $("filter-list").replaceChildren(...conditions.map(conditionRow));
}

function applyFilters() {
  const conditions = [...document.querySelectorAll("#filter-list .condition")].map((row) => {
    const op = row.querySelector(".op").value;
    const raw = row.querySelector(".value").value;
    const c = { column: row.querySelector(".column").value, op };
    if (["in", "notIn"].includes(op)) c.value = raw.split(",").map((s) => s.trim());
    else if (!["isNull", "isNotNull"].includes(op)) c.value = raw;
    if (row.querySelector(".insensitive").checked) c.insensitive = true;
    return c;
  });
  const where = conditions.length ? { [$("filter-match").value]: conditions } : null;
  openTable(state.table, where, state.order);
}

// ---- start ----

async function start() {
  $("more-button").addEventListener("click", loadPage);
  $("count-button").addEventListener("click", exactCount);
  $("filter-add").addEventListener("click", () => $("filter-list").append(conditionRow()));
  $("filter-apply").addEventListener("click", applyFilters);
  $("filter-clear").addEventListener("click", () => openTable(state.table, null, state.order));
  // The next page when the grid is scrolled near its end.
  $("grid-box").addEventListener("scroll", () => {
    const box = $("grid-box");
    if (state.next && box.scrollTop + box.clientHeight > box.scrollHeight - 200) loadPage();
  });
  try {
    state.tables = (await api("/api/tables")).tables;
  } catch (e) {
    status(`Could not list the tables: ${e.message}`);
    return;
  }
  showTables();
  const view = viewFromUrl();
  const t = state.tables.find((x) => tableKey(x) === view.table);
  if (t) openTable(t, view.where, view.order);
}

start();

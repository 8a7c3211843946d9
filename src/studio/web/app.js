// pgkit studio's page: the tables on the left, a table's rows on the right, a page at a time
// (the API's keyset cursor, never an offset). No dependencies; values are shown as PostgreSQL
// printed them, never converted by the browser (a timestamptz keeps its zone).
const $ = (id) => document.getElementById(id);
const state = { tables: [], table: null, next: null, loading: false };

async function api(path) {
  const res = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ? body.error.message : `HTTP ${res.status}`);
  return body;
}

function status(text) {
  $("view-status").textContent = text;
}

function tableKey(t) {
  return `${t.schema}.${t.name}`;
}

function showTables() {
  const list = $("table-list");
  list.replaceChildren();
  for (const t of state.tables) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.table = tableKey(t);
    const name = document.createElement("span");
    name.textContent = t.schema === "public" ? t.name : tableKey(t);
    const rows = document.createElement("span");
    rows.className = "rows";
    rows.textContent = `~${t.estimatedRows.toLocaleString("en")}`;
    rows.title = "estimated from the table's statistics";
    button.append(name, rows);
    button.addEventListener("click", () => openTable(t));
    const item = document.createElement("li");
    item.append(button);
    list.append(item);
  }
}

function showHeader(t) {
  const row = document.createElement("tr");
  for (const c of t.columns) {
    const th = document.createElement("th");
    th.textContent = c.name;
    const type = document.createElement("span");
    type.className = "type";
    type.textContent = c.type + (c.nullable ? "?" : "");
    th.append(type);
    row.append(th);
  }
  $("grid").tHead.replaceChildren(row);
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

async function loadPage() {
  const t = state.table;
  if (!t || state.loading) return;
  state.loading = true;
  status("Loading…");
  try {
    const query = new URLSearchParams({ schema: t.schema, name: t.name, limit: "100" });
    if (state.next) query.set("after", JSON.stringify(state.next));
    const page = await api(`/api/rows?${query}`);
    if (state.table !== t) return;  // another table was opened meanwhile
    const body = $("grid").tBodies[0];
    for (const row of page.rows) {
      const tr = document.createElement("tr");
      row.values.forEach((v, i) => tr.append(cell(t.columns[i], v)));
      body.append(tr);
    }
    state.next = page.next;
    $("more-button").hidden = !page.next;
    status(`${body.rows.length.toLocaleString("en")} rows shown${page.next ? "" : " (all)"}`);
  } catch (e) {
    status(`Could not load rows: ${e.message}`);
  } finally {
    state.loading = false;
  }
}

function openTable(t) {
  state.table = t;
  state.next = null;
  location.hash = new URLSearchParams({ table: tableKey(t) }).toString();
  for (const b of document.querySelectorAll("#table-list button"))
    b.setAttribute("aria-current", String(b.dataset.table === tableKey(t)));
  $("view-title").textContent = tableKey(t);
  $("view-count").textContent = `~${t.estimatedRows.toLocaleString("en")} rows (estimated)`;
  $("count-button").hidden = false;
  $("view-note").hidden = !t.readOnly;
  $("view-note").textContent = t.readOnly || "";
  showHeader(t);
  $("grid").tBodies[0].replaceChildren();
  loadPage();
}

async function exactCount() {
  const t = state.table;
  $("view-count").textContent = "counting…";
  try {
    const { count } = await api(`/api/count?${new URLSearchParams({ schema: t.schema, name: t.name })}`);
    if (state.table === t) $("view-count").textContent = `${count.toLocaleString("en")} rows`;
  } catch (e) {
    $("view-count").textContent = `count failed: ${e.message}`;
  }
}

async function start() {
  $("more-button").addEventListener("click", loadPage);
  $("count-button").addEventListener("click", exactCount);
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
  const wanted = new URLSearchParams(location.hash.slice(1)).get("table");
  const t = state.tables.find((x) => tableKey(x) === wanted);
  if (t) openTable(t);
}

start();

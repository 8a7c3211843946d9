// pgkit studio's page: the tables on the left; a table's rows on the right, a page at a time
// (the API's keyset cursor, never an offset), filtered and sorted by the server. The whole view
// (table, filter, sort) is kept in the URL. No dependencies; values are shown as PostgreSQL
// printed them, never converted by the browser (a timestamptz keeps its zone).
import { byteaOf, editorFor } from "./editors.js";
import { drawEr } from "./er.js";

const $ = (id) => document.getElementById(id);
// view: a number each opened view gets, so that a page that arrives for an older one is dropped.
const state = { tables: [], table: null, where: null, order: [], next: null, loading: false, view: 0, timeZone: "UTC" };
// Changes staged until Save: updates and deletes by the row's key (JSON), inserts in order.
const staged = { updates: new Map(), deletes: new Map(), inserts: [] };

async function api(path, post) {
  const init = { headers: { Accept: "application/json" } };
  if (post) Object.assign(init, { method: "POST", body: JSON.stringify(post) }, { headers: { ...init.headers, "Content-Type": "application/json" } });
  const res = await fetch(path, init);
  const body = await res.json();
  if (res.status === 409 && body.conflicts) return body;
  if (!res.ok) throw new Error(body.error ? body.error.message : `HTTP ${res.status}`);
  return body;
}

const editable = () => state.table && !state.table.readOnly;

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

// Another table (or the console before) is a new entry in the history: Back returns to it.
// Another filter or sort of the same table replaces the entry; so does `replace`.
function saveView(replace = false) {
  if (!state.table) return;  // (a write deferred from a table view the user has left)
  const params = new URLSearchParams({ table: tableKey(state.table) });
  if (state.where) params.set("where", JSON.stringify(state.where));
  if (state.order.length) params.set("order", JSON.stringify(state.order));
  const hash = `#${params}`;
  if (hash === location.hash) return;
  const shown = new URLSearchParams(location.hash.slice(1)).get("table");
  if (shown !== params.get("table") && !replace) history.pushState(null, "", hash);
  else history.replaceState(null, "", hash);
}

function viewFromUrl() {
  const params = new URLSearchParams(location.hash.slice(1));
  const parse = (name) => { try { return JSON.parse(params.get(name)); } catch { return null; } };
  return {
    table: params.get("table"), where: parse("where"), order: parse("order") || [], sql: params.get("sql"),
    er: params.has("er"),
  };
}

// ---- tables ----

function showTables() {
  const list = $("table-list");
  list.replaceChildren();
  for (const t of state.tables) {
    // A schema's model name where there is one (the table's own name in its tooltip).
    const button = el("button", { type: "button", title: t.model ? `table ${tableKey(t)}` : "" },
      el("span", { textContent: t.model ?? (t.schema === "public" ? t.name : tableKey(t)) }),
      el("span", { className: "rows", textContent: `~${t.estimatedRows.toLocaleString("en")}`,
        title: "estimated from the table's statistics" }));
    button.dataset.table = tableKey(t);
    button.addEventListener("click", () => openTable(t, null, []));
    list.append(el("li", {}, button));
  }
}

// ---- the grid ----

// The grid's first column: a row's checkbox (to delete it) and its back-relations button.
const rowTools = () => editable() || state.table.referencedBy.length > 0;

function showHeader(t) {
  const row = document.createElement("tr");
  if (rowTools()) row.append(el("th", { className: "pick", title: editable() ? "select rows to delete" : "" }));
  t.columns.forEach((c) => {
    const at = state.order.findIndex((o) => o.column === c.name);
    const arrow = at < 0 ? "" : (state.order[at].desc ? " ▼" : " ▲") + (state.order.length > 1 ? at + 1 : "");
    const column = c.field && c.field !== c.name ? `column ${c.name}; ` : "";
    const th = el("th", { title: column + (c.sortable ? "sort (shift: add to the sort)" : "") },
      el("span", { className: "name", textContent: (c.field ?? c.name) + arrow }),
      el("span", { className: "type", textContent: c.type + (c.nullable ? "?" : "") }));
    th.dataset.column = c.name;
    if (at >= 0) th.setAttribute("aria-sort", state.order[at].desc ? "descending" : "ascending");
    if (c.sortable) th.addEventListener("click", (e) => sortBy(c.name, e.shiftKey));
    row.append(th);
  });
  // A column per back-relation: each row's link to the rows that refer to it.
  for (const r of t.referencedBy)
    row.append(el("th", { className: "back" }, el("span", { className: "name", textContent: relationLabel(r.table, r.columns) }),
      el("span", { className: "type", textContent: "refer to it" })));
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
    td.append(document.createTextNode(value));  // a node even for "": the editor reads it back
    td.title = value;
  }
  return td;
}

// ---- export: the link downloads the file; a refusal (a filter the database cannot read, the
// studio busy) is asked for first, so that it is said here rather than as a failed download ----

async function exportView(e) {
  e.preventDefault();
  const href = e.currentTarget.href;
  const asking = new AbortController();
  try {
    const res = await fetch(href, { signal: asking.signal });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      status(`Export refused: ${body.error ? body.error.message : `HTTP ${res.status}`}`);
      return;
    }
    asking.abort();  // it starts: the download reads it again, to a file
  } catch (err) {
    if (err.name !== "AbortError") {
      status(`Export failed: ${err.message}`);
      return;
    }
  }
  const link = el("a", { href, download: "" });
  document.body.append(link);
  link.click();
  link.remove();
}

// ---- relations, both ways: links to views of the rows they name (a filter on the other
// table), so that they open as any view does, in the URL, and Back comes back ----

const valueOf = (t, values, name) => values[t.columns.findIndex((c) => c.name === name)];

function viewLink(table, conditions) {
  const where = { all: conditions.map(([column, value]) => ({ column, op: "equals", value })) };
  return `#${new URLSearchParams({ table: `${table.schema}.${table.name}`, where: JSON.stringify(where) })}`;
}

// A bytea value (the page has its size only): a link that downloads it, streamed.
function downloadLink(t, values, i) {
  const q = new URLSearchParams({ schema: t.schema, name: t.name, key: JSON.stringify(keyOf(values)), column: t.columns[i].name });
  return el("a", { className: "download", href: `/api/value?${q}`, download: "", textContent: "↓", title: "download" });
}

// On the first column of a foreign key, a link to the row its values name (none while one of
// them is NULL: such a row names nothing).
function relationLink(t, i, values) {
  const r = t.relations.find((x) => x.columns[0] === t.columns[i].name);
  if (!r) return null;
  const own = r.columns.map((c) => valueOf(t, values, c));
  if (own.includes(null)) return null;
  const href = viewLink(r.table, r.referencedColumns.map((c, k) => [c, own[k]]));
  return el("a", { className: "ref", href, textContent: "→", title: `open the ${relationLabel(r.table, [])} row` });
}

// "books (author_id)", or with a schema "Book (authorId)": the model's and fields' names.
function relationLabel(ref, columns) {
  const t = state.tables.find((x) => x.schema === ref.schema && x.name === ref.name);
  const name = t?.model ?? ref.name;
  if (!columns.length) return name;
  const fields = columns.map((c) => t?.columns.find((x) => x.name === c)?.field ?? c);
  return `${name} (${fields.join(", ")})`;
}

// The rows that refer to a row: for each foreign key to its table, how many (counted on
// request, at most 1000: never a count of a whole big table) and a link to them.
const kRelatedAtMost = 1000;
function showRelated(values) {
  const t = state.table;
  const box = $("related");
  const shown = t.key.map((k) => valueOf(t, values, k)).join(", ");
  box.replaceChildren(el("h3", { textContent: `Rows that refer to ${t.name} ${shown}` }),
    el("button", { type: "button", className: "close", textContent: "×", title: "close", onclick: () => { box.hidden = true; } }));
  const list = el("ul");
  for (const r of t.referencedBy) {
    const conditions = r.columns.map((c, k) => [c, valueOf(t, values, r.referencedColumns[k])]);
    const count = el("span", { className: "count", textContent: "counting…" });
    const where = { all: conditions.map(([column, value]) => ({ column, op: "equals", value })) };
    const q = new URLSearchParams({ schema: r.table.schema, name: r.table.name, where: JSON.stringify(where), atMost: kRelatedAtMost });
    api(`/api/count?${q}`).then(
      ({ count: n }) => { count.textContent = n > kRelatedAtMost ? `more than ${kRelatedAtMost.toLocaleString("en")} rows` : `${n.toLocaleString("en")} row${n === 1 ? "" : "s"}`; },
      (e) => { count.textContent = `not counted: ${e.message}`; });
    const label = relationLabel(r.table, r.columns);
    list.append(el("li", {}, el("a", { href: viewLink(r.table, conditions), textContent: label }), " ", count));
  }
  box.append(list);
  box.hidden = false;
}

// ---- editing: staged in the page, saved in one transaction ----

function keyOf(values) {
  const t = state.table;
  return t.key.map((k) => values[t.columns.findIndex((c) => c.name === k)]);
}

function rowElement(row) {
  const t = state.table;
  const tr = document.createElement("tr");
  tr.dataset.key = JSON.stringify(keyOf(row.values));
  tr.dataset.version = row.version;
  if (rowTools()) {
    const tools = el("td", { className: "pick" });
    if (editable()) tools.append(el("input", { type: "checkbox", className: "pick", ariaLabel: "select the row" }));
    if (t.referencedBy.length) {
      const related = el("button", { type: "button", className: "related", textContent: "↳", title: "rows that refer to this one" });
      related.addEventListener("click", () => showRelated(row.values));
      tools.append(related);
    }
    tr.append(tools);
  }
  row.values.forEach((v, i) => {
    const td = cell(t.columns[i], v);
    const link = relationLink(t, i, row.values);
    if (link) td.append(" ", link);
    td.dataset.column = i;
    td.tabIndex = -1;
    if (t.columns[i].binary && v !== null && t.key.length) td.append(" ", downloadLink(t, row.values, i));
    if (editable()) td.addEventListener("dblclick", () => editCell(tr, td, i));
    tr.append(td);
  });
  for (const r of t.referencedBy) {
    const conditions = r.columns.map((c, k) => [c, valueOf(t, row.values, r.referencedColumns[k])]);
    const link = el("a", { className: "back", href: viewLink(r.table, conditions), textContent: "→",
      title: `the ${relationLabel(r.table, r.columns)} rows that refer to this one` });
    tr.append(el("td", { className: "back" }, link));
  }
  return tr;
}

// ---- the keyboard: one cell of the grid in the tab order at a time; arrows move it, Enter
// edits it, Escape leaves an editor, Tab in an editor keeps its text and moves on ----

function focusCell(td) {
  if (!td) return;
  for (const x of document.querySelectorAll('#grid td[tabindex="0"]')) x.tabIndex = -1;
  td.tabIndex = 0;
  td.focus();
}

function neighbour(td, dx, dy) {
  if (dy) {
    const row = dy > 0 ? td.parentElement.nextElementSibling : td.parentElement.previousElementSibling;
    return row ? row.querySelector(`td[data-column="${td.dataset.column}"]`) : null;
  }
  const next = dx > 0 ? td.nextElementSibling : td.previousElementSibling;
  return next && next.dataset.column !== undefined ? next : null;
}

function gridKeys(e) {
  const td = e.target;
  if (!(td instanceof HTMLTableCellElement) || td.dataset.column === undefined) return;  // an editor's own keys
  const moves = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1] };
  if (moves[e.key]) {
    e.preventDefault();
    focusCell(neighbour(td, ...moves[e.key]));
  } else if (e.key === "Enter" && editable()) {
    e.preventDefault();
    editCell(td.parentElement, td, Number(td.dataset.column));
  }
}

// Stages a new value of a cell (`shown`: what the cell shows for it, when not the value).
function stageValue(tr, td, column, value, shown = value) {
  const key = tr.dataset.key;
  const update = staged.updates.get(key) || { key: JSON.parse(key), version: tr.dataset.version, values: {} };
  update.values[column.name] = value;
  staged.updates.set(key, update);
  td.replaceChildren();
  show(td, column, shown);
  td.classList.add("changed");
  showStaged();
}

// An editor in the cell, the one its type gets (editors.js): Enter stages the value if it is
// one, "NULL" stages NULL (not an empty text), Escape leaves the cell as it was, Tab stages
// and moves on.
function editCell(tr, td, i) {
  if (td.querySelector(".edit")) return;
  const column = state.table.columns[i];
  if (column.binary) return uploadInto(tr, td, column);
  const before = td.classList.contains("null") ? null : td.firstChild.nodeValue;
  const editor = editorFor(column, before, state.timeZone);
  const problem = el("span", { className: "edit-error", role: "alert" });
  const setNull = el("button", { type: "button", className: "set-null", textContent: "NULL", disabled: !column.nullable });
  const restore = () => { td.replaceChildren(); show(td, column, before); };
  const commit = () => {
    const read = editor.read();
    if (read.error) problem.textContent = read.error;
    else stageValue(tr, td, column, read.value);
    return !read.error;
  };
  editor.focus.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      if (commit()) focusCell(td);
    } else if (e.key === "Escape") {
      restore();
      focusCell(td);
    } else if (e.key === "Tab") {
      e.preventDefault();
      if (commit()) focusCell(neighbour(td, e.shiftKey ? -1 : 1, 0) || td);
    }
  });
  setNull.addEventListener("mousedown", (e) => { e.preventDefault(); stageValue(tr, td, column, null); });
  td.replaceChildren(...editor.element, setNull, problem);
  editor.focus.focus();
}

const kMaxUpload = 32 * 1024 * 1024;

// A bytea cell's editor: a file to upload (staged as the value's \x text, saved with the rest),
// or NULL.
function uploadInto(tr, td, column) {
  const file = el("input", { type: "file", className: "edit upload", ariaLabel: `upload ${column.name}` });
  const setNull = el("button", { type: "button", className: "set-null", textContent: "NULL", disabled: !column.nullable });
  const before = [...td.childNodes];
  const beforeClass = td.className;
  file.addEventListener("change", async () => {
    const chosen = file.files[0];
    if (!chosen) return;
    // A save carries the bytes as hex (two characters each) in a body of at most 64 MiB.
    if (chosen.size > kMaxUpload) {
      $("save-status").textContent = `${chosen.name} is ${chosen.size.toLocaleString("en")} bytes: files up to 32 MiB can be uploaded here`;
      return;
    }
    const view = state.view;
    try {
      const value = await byteaOf(chosen);
      if (state.view === view) stageValue(tr, td, column, value, String(chosen.size));  // the same view still
    } catch (e) {
      $("save-status").textContent = `Could not read ${chosen.name}: ${e.message}`;
    }
  });
  file.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      td.replaceChildren(...before);
      td.className = beforeClass;
      focusCell(td);
    }
  });
  setNull.addEventListener("mousedown", (e) => { e.preventDefault(); stageValue(tr, td, column, null); });
  td.replaceChildren(file, setNull);
  file.focus();
}

function show(td, column, value) {
  const shown = cell(column, value);
  td.className = shown.className;
  td.replaceChildren(...shown.childNodes);
  td.title = shown.title;
}

function stagedCount() {
  return staged.updates.size + staged.deletes.size + staged.inserts.length;
}

function showStaged() {
  const n = stagedCount();
  $("changes").hidden = n === 0;
  $("changes-count").textContent = `${n} change${n === 1 ? "" : "s"} not saved`;
}

function discard() {
  staged.updates.clear();
  staged.deletes.clear();
  staged.inserts.length = 0;
  $("conflicts").replaceChildren();
  $("conflicts").hidden = true;
  showStaged();
}

function deleteSelected() {
  const rows = [...document.querySelectorAll("#grid tbody tr")].filter((tr) => tr.querySelector("input.pick:checked"));
  if (!rows.length || !confirm(`Delete ${rows.length} row${rows.length === 1 ? "" : "s"} when you save?`)) return;
  for (const tr of rows) {
    staged.deletes.set(tr.dataset.key, { key: JSON.parse(tr.dataset.key), version: tr.dataset.version });
    tr.classList.add("deleting");
  }
  showStaged();
}

// A new row at the top of the grid: a field per column; one left empty gets the column's
// default (an identity or a serial fills itself).
function addRow() {
  const t = state.table;
  const inputs = {};
  const tr = el("tr", { className: "inserting" }, el("td", { className: "pick" }));
  for (const c of t.columns) {
    // What the row gets if the field stays empty: the default (the database's, or what a
    // schema's client fills in), else NULL; a generated column is the database's alone.
    const generated = (c.default || "").startsWith("generated");
    const placeholder = c.default ?? (c.nullable ? "NULL" : "required");
    const input = el("input", { className: "new-value", ariaLabel: `new ${c.name}`, placeholder, title: placeholder,
      disabled: !!c.binary || generated });
    inputs[c.name] = input;
    tr.append(el("td", {}, input));
  }
  staged.inserts.push(inputs);
  $("grid").tBodies[0].prepend(tr);
  showStaged();
}

async function save() {
  const changes = [];
  // A row both edited and deleted is only deleted (its update would change the version the
  // delete names).
  for (const [key, u] of staged.updates)
    if (!staged.deletes.has(key)) changes.push({ op: "update", key: u.key, version: u.version, values: u.values });
  for (const inputs of staged.inserts) {
    const values = {};
    for (const [name, input] of Object.entries(inputs)) if (input.value !== "") values[name] = input.value;
    changes.push({ op: "insert", values });
  }
  for (const d of staged.deletes.values()) changes.push({ op: "delete", key: d.key, version: d.version });
  $("save-status").textContent = "Saving…";
  try {
    const answer = await api("/api/save", { schema: state.table.schema, name: state.table.name, changes });
    if (answer.conflicts) return showConflicts(changes, answer.conflicts);
    discard();
    openTable(state.table, state.where, state.order);
    $("save-status").textContent = `Saved ${answer.saved} change${answer.saved === 1 ? "" : "s"}`;
  } catch (e) {
    $("save-status").textContent = `Nothing was saved: ${e.message}`;
    status("");
  }
}

// Rows someone else changed since they were read: nothing was saved. For each, what it holds
// now next to what was staged; the user keeps theirs (staged again on the new version) or
// takes what is there.
function showConflicts(changes, conflicts) {
  const box = $("conflicts");
  box.hidden = false;
  box.replaceChildren(el("p", { textContent: "Nothing was saved: these rows were changed by someone else since you read them." }));
  for (const c of conflicts) {
    const change = changes[c.change];
    const key = JSON.stringify(change.key);
    const staging = change.op === "update" ? staged.updates : staged.deletes;
    const item = el("div", { className: "conflict" });
    const what = change.op === "update"
      ? Object.entries(change.values).map(([col, mine]) => {
          const now = c.values ? c.values[state.table.columns.findIndex((x) => x.name === col)] : null;
          return `${col}: now ${now === null ? "NULL" : JSON.stringify(now)}, yours ${mine === null ? "NULL" : JSON.stringify(mine)}`;
        }).join("; ")
      : "changed since you read it; yours: delete it";
    item.append(el("span", { textContent: `Row ${change.key.join(", ")}: ${c.values ? what : "it was deleted meanwhile"}` }));
    const mine = el("button", { type: "button", className: "keep-mine", textContent: "Keep mine", disabled: !c.values });
    const theirs = el("button", { type: "button", className: "take-theirs", textContent: "Take theirs" });
    mine.addEventListener("click", () => {
      staging.get(key).version = c.version;
      item.remove();
      $("save-status").textContent = "Kept yours: save to write it";
    });
    theirs.addEventListener("click", () => { staging.delete(key); item.remove(); showStaged(); });
    item.append(mine, theirs);
    box.append(item);
  }
  $("save-status").textContent = "Nothing was saved: resolve the conflicts, then save again";
}

function viewQuery(extra = {}) {
  const t = state.table;
  const q = new URLSearchParams({ schema: t.schema, name: t.name, ...extra });
  if (state.where) q.set("where", JSON.stringify(state.where));
  if (state.order.length) q.set("order", JSON.stringify(state.order));
  return q;
}

// The next page's request (sent at once).
function pageRequest() {
  const q = viewQuery({ limit: "100" });
  if (state.next) q.set("after", JSON.stringify(state.next));
  return api(`/api/rows?${q}`);
}

// Shows the next page: `request`'s, when the caller sent it already (a view that opens asks
// for its rows before it rebuilds the grid, so the two overlap).
async function loadPage(request = null, replace = false) {
  if (!state.table || state.loading) return;
  const view = state.view;
  state.loading = true;
  status("Loading…");
  const body = $("grid").tBodies[0];
  try {
    const page = await (request ?? pageRequest());
    if (state.view !== view) return;
    const rows = document.createDocumentFragment();
    for (const row of page.rows) rows.append(rowElement(row));
    if (replace) body.replaceChildren(rows);
    else body.append(rows);
    const first = body.querySelector("td[data-column]");
    if (first && !body.querySelector('td[tabindex="0"]')) first.tabIndex = 0;
    state.next = page.next;
    $("more-button").hidden = !page.next;
    const n = body.rows.length;
    status(`${n.toLocaleString("en")} row${n === 1 ? "" : "s"} shown${page.next ? "" : " (all)"}`);
  } catch (e) {
    if (state.view !== view) return;
    if (replace) body.replaceChildren();  // not the last view's rows under this one's filter
    status(`Could not load rows: ${e.message}`);
  } finally {
    if (state.view === view) state.loading = false;
    // A new view's URL once its rows are painted: writing it costs a browser ~10 ms, which the
    // rows need not wait for.
    if (replace && state.view === view) requestAnimationFrame(() => setTimeout(saveView));
  }
}

// Opens a view of t. `filtersShown`: the filter bar shows `where` already (Apply).
function openTable(t, where, order, { filtersShown = false } = {}) {
  const n = stagedCount();
  if (n && !confirm(`Discard ${n} unsaved change${n === 1 ? "" : "s"}?`)) return false;
  showMain("view");
  const sameTable = state.table === t;
  Object.assign(state, { table: t, where, order, next: null, loading: false, view: state.view + 1 });
  const firstPage = pageRequest();
  firstPage.catch(() => {});  // its failure is loadPage's to show
  $("related").hidden = true;
  for (const b of document.querySelectorAll("#table-list button"))
    b.setAttribute("aria-current", String(b.dataset.table === tableKey(t)));
  $("view-title").textContent = t.model ? `${t.model} (${tableKey(t)})` : tableKey(t);
  $("view-count").textContent = where ? "" : `~${t.estimatedRows.toLocaleString("en")} rows (estimated)`;
  $("count-button").hidden = false;
  $("more-button").hidden = true;
  $("add-button").hidden = !editable();
  $("delete-button").hidden = !editable();
  // Export: the server streams every row of this view (filter and sort as shown).
  $("export").hidden = false;
  $("export-csv").href = `/api/export?${viewQuery({ format: "csv" })}`;
  $("export-json").href = `/api/export?${viewQuery({ format: "json" })}`;
  discard();
  $("view-note").hidden = !t.readOnly;
  $("view-note").textContent = t.readOnly || "";
  $("filters").hidden = false;
  if (!filtersShown) showFilters();
  showHeader(t);
  // Another table's rows go at once (their columns are not these); the same table's stay
  // until the new ones replace them, in one change of the page.
  if (!sameTable) $("grid").tBodies[0].replaceChildren();
  loadPage(firstPage, true);
  return true;
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
    ...t.columns.map((x) => el("option", { value: x.name, textContent: x.field ?? x.name })));
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

// The bar shows one group of conditions; a URL's filter may be a bare condition (or a shape
// the bar cannot show, such as a nested group: the server still applies it whole).
function showFilters() {
  const w = state.where;
  const group = w && Array.isArray(w.any) ? "any" : "all";
  $("filter-match").value = group;
  const conditions = !w ? [] : Array.isArray(w[group]) ? w[group] : w.column ? [w] : [];
  $("filter-list").replaceChildren(...conditions.filter((c) => c.column).map(conditionRow));
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
  openTable(state.table, where, state.order, { filtersShown: true });
}

// ---- start ----

async function start() {
  $("more-button").addEventListener("click", () => loadPage());
  $("add-button").addEventListener("click", addRow);
  $("grid").addEventListener("keydown", gridKeys);
  $("grid").addEventListener("mousedown", (e) => {
    if (e.target instanceof HTMLTableCellElement && e.target.dataset.column !== undefined) focusCell(e.target);
  });
  $("delete-button").addEventListener("click", deleteSelected);
  $("save-button").addEventListener("click", save);
  $("discard-button").addEventListener("click", () => {
    discard();
    openTable(state.table, state.where, state.order);
  });
  $("count-button").addEventListener("click", exactCount);
  $("filter-add").addEventListener("click", () => $("filter-list").append(conditionRow()));
  $("filter-apply").addEventListener("click", applyFilters);
  $("filter-clear").addEventListener("click", () => openTable(state.table, null, state.order));
  // The next page when the grid is scrolled near its end.
  $("grid-box").addEventListener("scroll", () => {
    const box = $("grid-box");
    if (state.next && box.scrollTop + box.clientHeight > box.scrollHeight - 200) loadPage();
  });
  $("sql-run").addEventListener("click", runSql);
  for (const id of ["export-csv", "export-json"]) $(id).addEventListener("click", exportView);
  $("sql-text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      runSql();
    }
  });
  try {
    const answer = await api("/api/tables");
    state.tables = answer.tables;
    state.timeZone = answer.timeZone;
    // --read-only: the console's transactions are read-only whatever is asked; no box offers more.
    $("sql-write-label").hidden = answer.readOnly;
  } catch (e) {
    status(`Could not list the tables: ${e.message}`);
    return;
  }
  showTables();
  openViewInUrl();
  // A relation's link, Back or Forward: the view the URL now names (or, when the user keeps
  // unsaved changes, the URL back to the view they stay on).
  window.addEventListener("hashchange", () => {
    if (!openViewInUrl() && state.table) saveView(true);
  });
}

function openViewInUrl() {
  const view = viewFromUrl();
  if (view.sql !== null) return openConsole(view.sql);
  if (view.er) return openEr();
  const t = state.tables.find((x) => tableKey(x) === view.table);
  return t ? openTable(t, view.where, view.order) : false;
}

// ---- the SQL console (console.hpp on the server: one statement, read-only unless writes
// are allowed, at most 1000 rows read) ----

// One of the main views in sight: a table's ("view"), the console or the ER view.
function showMain(id) {
  for (const main of ["view", "console", "er-view"]) $(main).hidden = main !== id;
}

// Leaves the table open for another main view (its unsaved changes only if the user agrees).
function leaveTable(id) {
  const n = stagedCount();
  if (n && !confirm(`Discard ${n} unsaved change${n === 1 ? "" : "s"}?`)) return false;
  discard();
  state.table = null;
  state.view += 1;  // a page still on its way is dropped
  state.loading = false;
  for (const b of document.querySelectorAll("#table-list button")) b.setAttribute("aria-current", "false");
  showMain(id);
  return true;
}

function openEr() {
  if (!leaveTable("er-view")) return false;
  drawEr($("er-box"), state.tables, (t) => openTable(t, null, []));
  return true;
}

function openConsole(sql) {
  if (!leaveTable("console")) return false;
  if (sql && $("sql-text").value !== sql) $("sql-text").value = sql;
  $("sql-text").focus();
  return true;
}

async function runSql() {
  const sql = $("sql-text").value;
  // The statement in the URL: Back, a reload or a bookmark bring it back.
  const hash = `#${new URLSearchParams({ sql })}`;
  if (hash !== location.hash) history.replaceState(null, "", hash);
  const write = $("sql-write").checked;
  $("sql-status").textContent = "Running…";
  let res, body;
  try {
    res = await fetch("/api/sql", {
      method: "POST", headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify({ sql, write }),
    });
    body = await res.json();
  } catch (e) {
    $("sql-status").textContent = `The studio did not answer: ${e.message}`;
    return;
  }
  const grid = $("sql-result");
  if (!res.ok) {
    const e = body.error || {};
    const where = e.position ? ` (at character ${e.position})` : "";
    $("sql-status").textContent = `${e.message || `HTTP ${res.status}`}${where}${e.hint ? ` — ${e.hint}` : ""}`;
    if (e.position) $("sql-text").setSelectionRange(e.position - 1, e.position);
    return;
  }
  grid.tHead.replaceChildren(el("tr", {}, ...body.columns.map((c) => el("th", { textContent: c }))));
  grid.tBodies[0].replaceChildren(...body.rows.map((values) =>
    el("tr", {}, ...values.map((v) => cell({}, v)))));
  const n = body.rows.length;
  const what = body.columns.length
    ? `${n.toLocaleString("en")} row${n === 1 ? "" : "s"}${body.more ? " shown: more were not read" : ""}`
    : body.command;
  $("sql-status").textContent = `${what}${body.wrote ? " (committed)" : ""}`;
}

start();

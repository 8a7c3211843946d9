// The ER view: every table as a box of its columns, every relation (a foreign key, or a
// schema's relation) as a line from the referencing column to the referenced one. Referenced
// tables stand left of the tables that refer to them (layers by the longest chain of
// references), so most lines run one way. Plain SVG, drawn from /api/tables: no library.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 250, ROW = 20, HEAD = 26, GAP_X = 90, GAP_Y = 28, MARGIN = 20;

function svg(tag, attributes = {}, text = null) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
  if (text !== null) e.textContent = text;
  return e;
}

const keyOf = (t) => `${t.schema}.${t.name}`;

// A type as short as PostgreSQL's own aliases write it, cut to what fits beside the name.
function shortType(type, nameLength) {
  const short = type.replace("timestamp with time zone", "timestamptz").replace("timestamp without time zone", "timestamp")
    .replace("time with time zone", "timetz").replace("character varying", "varchar").replace("double precision", "float8");
  const room = 34 - nameLength;
  return short.length > room ? `${short.slice(0, Math.max(room - 1, 3))}…` : short;
}

// Each table's layer: 0 for one that refers to no other table, else one more than the deepest
// table it refers to (a cycle is cut where it closes).
function layers(tables) {
  const byKey = new Map(tables.map((t) => [keyOf(t), t]));
  const layer = new Map();
  const visiting = new Set();
  const depth = (t) => {
    const k = keyOf(t);
    if (layer.has(k)) return layer.get(k);
    if (visiting.has(k)) return 0;
    visiting.add(k);
    let d = 0;
    for (const r of t.relations) {
      const to = byKey.get(keyOf(r.table));
      if (to && to !== t) d = Math.max(d, depth(to) + 1);
    }
    visiting.delete(k);
    layer.set(k, d);
    return d;
  };
  tables.forEach(depth);
  return layer;
}

// Draws into `box` (an element the SVG replaces the content of); open(table) on a click.
export function drawEr(box, tables, open) {
  const layer = layers(tables);
  const place = new Map();  // table key → {x, y, rows: column name → index}
  const heights = [];
  for (const t of tables) {
    const l = layer.get(keyOf(t));
    const y = heights[l] ?? MARGIN;
    place.set(keyOf(t), { x: MARGIN + l * (WIDTH + GAP_X), y, rows: new Map(t.columns.map((c, i) => [c.name, i])) });
    heights[l] = y + HEAD + t.columns.length * ROW + GAP_Y;
  }
  const width = MARGIN * 2 + heights.length * (WIDTH + GAP_X) - GAP_X;
  // (Layers can be empty — tables that all refer to each other start at 1 — hence the filter.)
  const height = Math.max(MARGIN, ...heights.filter((h) => h !== undefined)) + MARGIN;
  const root = svg("svg", { id: "er", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `${tables.length} tables and their relations` });

  const rowY = (p, column) => p.y + HEAD + (p.rows.get(column) ?? 0) * ROW + ROW / 2;
  const lines = svg("g", { class: "relations" });
  for (const t of tables) {
    for (const r of t.relations) {
      const from = place.get(keyOf(t)), to = place.get(keyOf(r.table));
      if (!to) continue;
      const y1 = rowY(from, r.columns[0]), y2 = rowY(to, r.referencedColumns[0]);
      let d;
      if (from === to) {  // to itself: a loop on the right
        const x = from.x + WIDTH;
        d = `M ${x} ${y1} C ${x + 40} ${y1}, ${x + 40} ${y2}, ${x} ${y2}`;
      } else {
        const rightward = from.x < to.x;
        const x1 = rightward ? from.x + WIDTH : from.x, x2 = rightward ? to.x : to.x + WIDTH;
        const bend = Math.max(40, Math.abs(x2 - x1) / 2) * (rightward ? 1 : -1);
        d = `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`;
      }
      const path = svg("path", { class: "relation", d });
      path.dataset.relation = r.name;
      path.append(svg("title", {}, `${t.model ?? t.name}.${r.columns.join(", ")} → ${r.table.name}.${r.referencedColumns.join(", ")}`));
      lines.append(path);
    }
  }

  const boxes = svg("g", { class: "tables" });
  for (const t of tables) {
    const p = place.get(keyOf(t));
    const g = svg("g", { class: "table", transform: `translate(${p.x} ${p.y})`, tabindex: "0", role: "button" });
    g.dataset.table = keyOf(t);
    const referencing = new Set(t.relations.flatMap((r) => r.columns));
    g.append(svg("rect", { class: "frame", width: WIDTH, height: HEAD + t.columns.length * ROW, rx: 4 }));
    g.append(svg("rect", { class: "head", width: WIDTH, height: HEAD, rx: 4 }));
    g.append(svg("text", { x: 8, y: 17, class: "title" }, t.model ?? (t.schema === "public" ? t.name : keyOf(t))));
    t.columns.forEach((c, i) => {
      const y = HEAD + i * ROW + 14;
      const name = `${referencing.has(c.name) ? "→ " : ""}${c.field ?? c.name}`;
      g.append(svg("text", { x: 8, y, class: t.key.includes(c.name) ? "column key" : "column" }, name));
      g.append(svg("text", { x: WIDTH - 8, y, class: "type", "text-anchor": "end" },
        shortType(c.type, name.length) + (c.nullable ? "?" : "")));
    });
    g.addEventListener("click", () => open(t));
    g.addEventListener("keydown", (e) => e.key === "Enter" && open(t));
    boxes.append(g);
  }
  root.append(lines, boxes);
  box.replaceChildren(root);
}

// The grid's editor for each type of column. Every editor gives text as PostgreSQL reads it
// (the database has the last word); the checks here only catch what is surely wrong before it
// is staged: a number that is not one, JSON that does not parse, an array without its braces.
// Times are never converted by the browser: a timestamptz typed without an offset is read by
// PostgreSQL in the studio's zone, which the editor names.

// What kind of editor a column gets, from its type as PostgreSQL names it.
export function kindOf(column) {
  const t = column.type;
  if (column.binary) return "binary";
  if (t.endsWith("[]")) return "array";
  if (column.values) return "enum";
  if (t === "boolean") return "boolean";
  if (/^(smallint|integer|bigint)$/.test(t)) return "integer";
  if (/^(numeric|decimal|real|double precision)/.test(t)) return "number";
  if (/^jsonb?$/.test(t)) return "json";
  if (/^timestamp(\(\d+\))? with time zone$/.test(t)) return "timestamptz";
  if (/^(timestamp|date|time)/.test(t)) return "datetime";
  return "text";
}

const checks = {
  integer: (v) => /^\s*[+-]?\d+\s*$/.test(v) || "not a whole number",
  number: (v) => /^\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|NaN|[+-]?Infinity)\s*$/.test(v) || "not a number",
  json: (v) => {
    try {
      JSON.parse(v);
      return true;
    } catch (e) {
      return `not JSON: ${e.message}`;
    }
  },
  array: (v) => /^\s*\{.*\}\s*$/s.test(v) || "an array is written {a,b,c} (with its braces)",
};

// An editor for `column` holding `value` (null: NULL): { element, focus, read }, where read()
// gives { value } or { error } (a message; nothing is staged then).
export function editorFor(column, value, timeZone) {
  const kind = kindOf(column);
  const label = column.name;
  if (kind === "enum" || kind === "boolean") {
    const choices = kind === "enum" ? column.values : ["true", "false"];
    const select = document.createElement("select");
    Object.assign(select, { className: "edit", ariaLabel: label });
    for (const c of choices) select.append(new Option(c, c));
    select.value = value ?? choices[0];
    return { element: [select], focus: select, read: () => ({ value: select.value }) };
  }
  const input = document.createElement("input");
  Object.assign(input, { className: "edit", value: value ?? "", ariaLabel: label });
  if (kind === "integer" || kind === "number") input.inputMode = "decimal";
  const element = [input];
  if (kind === "timestamptz") {
    // Typed without an offset, a time is the studio's zone's (PostgreSQL reads it so): said here.
    input.placeholder = "2024-01-31 12:00:00+00";
    const zone = document.createElement("span");
    Object.assign(zone, { className: "zone", textContent: `without an offset: ${timeZone}`, title: "the studio's --time-zone" });
    element.push(zone);
  }
  const check = checks[kind];
  return {
    element,
    focus: input,
    read: () => {
      const verdict = check ? check(input.value) : true;
      return verdict === true ? { value: input.value } : { error: verdict };
    },
  };
}

// A file's bytes as bytea's text form (\x and hex digits), which the save sends like any value.
export async function byteaOf(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
  const parts = ["\\x"];
  for (let at = 0; at < bytes.length; at += 65536)
    parts.push(Array.from(bytes.subarray(at, at + 65536), (b) => hex[b]).join(""));
  return parts.join("");
}

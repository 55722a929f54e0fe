/**
 * A self-contained page of a stack's connectivity: the namespace x namespace matrix, and on a
 * click the app x app matrix of that pair with the allowed ports. No network access, no assets:
 * the data is embedded as JSON and drawn by a few lines of script.
 */
import { Connectivity, OUTSIDE, cellKey, namespaceCells } from "./connectivity";

export function renderConnectivityHtml(title: string, c: Connectivity, notes: readonly string[] = []): string {
    const { namespaces, cells } = namespaceCells(c);
    const data = {
        namespaces,
        parties: c.parties,
        edges: c.edges.filter((e) => e.ports.length > 0).map((e) => [e.from, e.to, e.ports]),
    };
    const head = namespaces.map((ns) => `<th scope="col"><span>${esc(ns)}</span></th>`).join("");
    const body = namespaces
        .map((from) => {
            const tds = namespaces
                .map((to) => {
                    const cell = cells.get(cellKey(from, to));
                    if (!cell) return `<td class="none" data-from="${esc(from)}" data-to="${esc(to)}" data-state="none"></td>`;
                    const state = cell.allowedPairs === 0 ? "denied" : cell.allowedPairs === cell.pairs ? "allowed" : "partial";
                    const tip = `${from} -> ${to}: ${cell.allowedPairs} of ${cell.pairs} pairs reach, on ${cell.ports.join(", ") || "no port"}`;
                    return `<td class="${state}" data-from="${esc(from)}" data-to="${esc(to)}" data-state="${state}" title="${esc(tip)}">${cell.allowedPairs === 0 ? "" : `${cell.allowedPairs}/${cell.pairs}`}</td>`;
                })
                .join("");
            return `<tr><th scope="row">${esc(from)}</th>${tds}</tr>`;
        })
        .join("\n");
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1f24; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: 2px 6px; text-align: center; }
thead th { height: 8rem; vertical-align: bottom; }
thead th span { writing-mode: vertical-rl; transform: rotate(180deg); }
th[scope=row] { text-align: right; }
td { min-width: 2.2rem; cursor: pointer; }
td.allowed { background: #2da44e; color: #fff; }
td.partial { background: #aceebb; }
td.denied { background: #f6f8fa; color: #8c959f; }
td.none { background: #fff; cursor: default; }
td.selected { outline: 3px solid #0969da; }
#detail { margin-top: 1.5rem; }
#detail td.allowed { font-size: 12px; }
.legend span { display: inline-block; padding: 0 .5rem; margin-right: .5rem; border: 1px solid #d0d7de; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
${notes.map((n) => `<p>${esc(n)}</p>`).join("\n")}
<p class="legend"><span class="allowed" style="background:#2da44e;color:#fff">every pair</span><span style="background:#aceebb">some pairs</span><span style="background:#f6f8fa">none</span> Rows are sources, columns destinations; ${esc(OUTSIDE)} stands for addresses outside the cluster. Click a cell for its apps.</p>
<table id="namespaces"><thead><tr><th>from \\ to</th>${head}</tr></thead>
<tbody>
${body}
</tbody></table>
<div id="detail"></div>
<script id="connectivity" type="application/json">${JSON.stringify(data).replace(/</g, "\\u003c")}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById("connectivity").textContent);
  var partyById = {};
  data.parties.forEach(function (p) { partyById[p.id] = p; });
  var ports = {};
  data.edges.forEach(function (e) { ports[e[0] + "\\u0000" + e[1]] = e[2]; });
  function text(tag, value, attrs) {
    var el = document.createElement(tag);
    el.textContent = value;
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    return el;
  }
  function show(from, to) {
    var detail = document.getElementById("detail");
    detail.innerHTML = "";
    var sources = data.parties.filter(function (p) { return p.namespace === from; });
    var targets = data.parties.filter(function (p) { return p.namespace === to; });
    detail.appendChild(text("h2", from + " \\u2192 " + to));
    var table = document.createElement("table");
    table.id = "apps";
    var head = document.createElement("tr");
    head.appendChild(text("th", "from \\\\ to"));
    targets.forEach(function (t) { head.appendChild(text("th", t.app, { scope: "col" })); });
    table.appendChild(head);
    sources.forEach(function (s) {
      var row = document.createElement("tr");
      row.appendChild(text("th", s.app, { scope: "row" }));
      targets.forEach(function (t) {
        var allowed = s.id === t.id ? null : ports[s.id + "\\u0000" + t.id] || [];
        var state = allowed === null ? "none" : allowed.length ? "allowed" : "denied";
        row.appendChild(text("td", allowed ? allowed.join(" ") : "", { "class": state, "data-from": s.id, "data-to": t.id, "data-state": state }));
      });
      table.appendChild(row);
    });
    detail.appendChild(table);
  }
  document.querySelectorAll("#namespaces td[data-from]").forEach(function (td) {
    td.addEventListener("click", function () {
      document.querySelectorAll("#namespaces td.selected").forEach(function (x) { x.classList.remove("selected"); });
      td.classList.add("selected");
      show(td.getAttribute("data-from"), td.getAttribute("data-to"));
    });
  });
})();
</script>
</body>
</html>
`;
}

function esc(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

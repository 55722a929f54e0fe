/**
 * A self-contained page of a stack's connectivity: the namespace x namespace matrix, and on a
 * click the app x app matrix of that pair with the allowed ports. No network access, no assets:
 * the data is embedded as JSON (parties, ports and namespaces by index) and drawn by a script.
 * It stays usable at a thousand namespaces: the script draws at most `matrixLimit` rows and
 * columns of the matrix (a filter box narrows them), and a namespace picked (or its row header
 * clicked) shows as its own row and column against every namespace, never a 1,000 x 1,000 table.
 */
import { Connectivity, OUTSIDE, namespaceCells, partyCounts } from "./connectivity";

export function renderConnectivityHtml(title: string, c: Connectivity, notes: readonly string[] = [], matrixLimit = 40): string {
    const { namespaces, cells } = namespaceCells(c);
    const nsIndex = new Map(namespaces.map((ns, i) => [ns, i]));
    const partyIndex = new Map(c.parties.map((p, i) => [p.id, i]));
    const portIndex = new Map(c.portsChecked.map((p, i) => [p, i]));
    const counts = partyCounts(c);
    // Indices rather than names: the page of a thousand namespaces carries ~10^5 edges.
    const data = {
        outside: OUTSIDE,
        limit: matrixLimit,
        namespaces: namespaces.map((ns) => [ns, counts.get(ns) ?? 0]),
        judged:
            c.judged.kind === "all-pairs"
                ? "all-pairs"
                : [...c.judged.cells].map(([key, pairs]) => {
                      const [from, to] = key.split("\u0000") as [string, string];
                      return [nsIndex.get(from), nsIndex.get(to), pairs];
                  }),
        parties: c.parties.map((p) => [nsIndex.get(p.namespace), p.app, p.id]),
        ports: c.portsChecked,
        edges: c.edges.map((e) => [partyIndex.get(e.from), partyIndex.get(e.to), e.ports.map((p) => portIndex.get(p))]),
        cells: [...cells.values()].map((cell) => [
            nsIndex.get(cell.from),
            nsIndex.get(cell.to),
            cell.allowedPairs,
            cell.pairs,
            cell.ports.map((p) => portIndex.get(p)),
        ]),
    };
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
th[scope=row] { text-align: right; cursor: pointer; }
td { min-width: 2.2rem; cursor: pointer; }
td.allowed { background: #2da44e; color: #fff; }
td.partial { background: #aceebb; }
td.denied { background: #f6f8fa; color: #8c959f; }
td.none { background: #fff; cursor: default; }
td.selected { outline: 3px solid #0969da; }
#controls { margin: 1rem 0; }
#controls input { margin-right: 1rem; }
#detail { margin-top: 1.5rem; }
#detail td.allowed { font-size: 12px; }
.legend span { display: inline-block; padding: 0 .5rem; margin-right: .5rem; border: 1px solid #d0d7de; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
${notes.map((n) => `<p>${esc(n)}</p>`).join("\n")}
<p class="legend"><span class="allowed" style="background:#2da44e;color:#fff">every pair</span><span style="background:#aceebb">some pairs</span><span style="background:#f6f8fa">none</span> Rows are sources, columns destinations; ${esc(OUTSIDE)} stands for addresses outside the cluster. Click a cell for its apps, a row's namespace for its row and column.</p>
<div id="controls">
<label>Filter namespaces <input id="filter" type="search" placeholder="part of a name"></label>
<label>Pick a namespace <input id="pick" list="namespace-list" placeholder="its row and column"></label>
<button id="unpick" type="button" hidden>Back to the matrix</button>
<datalist id="namespace-list"></datalist>
</div>
<p id="shown"></p>
<div id="view"></div>
<div id="detail"></div>
<script id="connectivity" type="application/json">${JSON.stringify(data).replace(/</g, "\\u003c")}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById("connectivity").textContent);
  var names = data.namespaces.map(function (n) { return n[0]; });
  var count = data.namespaces.map(function (n) { return n[1]; });
  var index = {};
  names.forEach(function (ns, i) { index[ns] = i; });
  var N = names.length;
  var cells = {};
  data.cells.forEach(function (c) { cells[c[0] * N + c[1]] = c; });
  var judgedListed = null;
  if (data.judged !== "all-pairs") {
    judgedListed = {};
    data.judged.forEach(function (j) { judgedListed[j[0] * N + j[1]] = j[2]; });
  }
  function judged(a, b) {
    if (judgedListed) return judgedListed[a * N + b] || 0;
    if (names[a] === data.outside && names[b] === data.outside) return 0;
    return a === b ? count[a] * (count[a] - 1) : count[a] * count[b];
  }
  var partiesOf = names.map(function () { return []; });
  data.parties.forEach(function (p, i) { partiesOf[p[0]].push(i); });
  var edges = {};
  data.edges.forEach(function (e) { edges[e[0] + "," + e[1]] = e[2]; });
  var list = document.getElementById("namespace-list");
  names.forEach(function (ns) { var o = document.createElement("option"); o.value = ns; list.appendChild(o); });
  var state = { filter: "", focus: null };

  function text(tag, value, attrs) {
    var el = document.createElement(tag);
    el.textContent = value;
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    return el;
  }
  function portList(ids) { return ids.map(function (k) { return data.ports[k]; }); }
  function cell(a, b) {
    var c = cells[a * N + b];
    var from = names[a], to = names[b];
    var td;
    if (c) {
      var st = c[2] === c[3] ? "allowed" : "partial";
      td = text("td", c[2] + "/" + c[3], { "class": st, "data-from": from, "data-to": to, "data-state": st,
        title: from + " -> " + to + ": " + c[2] + " of " + c[3] + " pairs reach, on " + portList(c[4]).join(", ") });
    } else if (judged(a, b) > 0) {
      td = text("td", "", { "class": "denied", "data-from": from, "data-to": to, "data-state": "denied",
        title: from + " -> " + to + ": none of " + judged(a, b) + " pairs reach" });
    } else {
      return text("td", "", { "class": "none", "data-from": from, "data-to": to, "data-state": "none" });
    }
    td.addEventListener("click", function () {
      document.querySelectorAll("#namespaces td.selected").forEach(function (x) { x.classList.remove("selected"); });
      td.classList.add("selected");
      show(a, b);
    });
    return td;
  }
  function rowHead(i) {
    var th = text("th", names[i], { scope: "row", title: "show the row and column of " + names[i] });
    th.addEventListener("click", function () { pick(names[i]); });
    return th;
  }
  function matching() {
    var f = state.filter.toLowerCase();
    var out = [];
    for (var i = 0; i < N; i++) if (!f || names[i].toLowerCase().indexOf(f) >= 0) out.push(i);
    return out;
  }
  function render() {
    var view = document.getElementById("view");
    view.innerHTML = "";
    var shown = document.getElementById("shown");
    var rows = matching();
    var table = document.createElement("table");
    table.id = "namespaces";
    var head = document.createElement("thead");
    var hr = document.createElement("tr");
    var body = document.createElement("tbody");
    document.getElementById("unpick").hidden = state.focus === null;
    if (state.focus !== null) {
      var f = state.focus;
      hr.appendChild(text("th", "namespace"));
      hr.appendChild(text("th", names[f] + " \u2192", { scope: "col" }));
      hr.appendChild(text("th", "\u2192 " + names[f], { scope: "col" }));
      rows.forEach(function (i) {
        var tr = document.createElement("tr");
        tr.appendChild(rowHead(i));
        tr.appendChild(cell(f, i));
        tr.appendChild(cell(i, f));
        body.appendChild(tr);
      });
      shown.textContent = "Namespace " + names[f] + ": what it reaches (first column) and what reaches it (second), for " + rows.length + " of " + N + " namespaces.";
    } else {
      var cut = rows.slice(0, data.limit);
      hr.appendChild(text("th", "from \\\\ to"));
      cut.forEach(function (i) { var th = document.createElement("th"); th.setAttribute("scope", "col"); th.appendChild(text("span", names[i])); hr.appendChild(th); });
      cut.forEach(function (i) {
        var tr = document.createElement("tr");
        tr.appendChild(rowHead(i));
        cut.forEach(function (j) { tr.appendChild(cell(i, j)); });
        body.appendChild(tr);
      });
      shown.textContent = cut.length < rows.length
        ? "Showing " + cut.length + " of " + rows.length + " matching namespaces (" + N + " in all): narrow the filter, or pick a namespace for its row and column."
        : rows.length + " of " + N + " namespaces.";
    }
    head.appendChild(hr);
    table.appendChild(head);
    table.appendChild(body);
    view.appendChild(table);
  }
  function pick(ns) {
    var focus = Object.prototype.hasOwnProperty.call(index, ns) ? index[ns] : null;
    document.getElementById("pick").value = focus === null ? "" : ns;
    // The pick box also fires "change" when it loses focus: redraw only on a new pick, or the
    // cell being clicked would be replaced under the pointer.
    if (focus === state.focus) return;
    state.focus = focus;
    render();
  }
  function show(a, b) {
    var detail = document.getElementById("detail");
    detail.innerHTML = "";
    var sources = partiesOf[a];
    var targets = partiesOf[b];
    detail.appendChild(text("h2", names[a] + " \u2192 " + names[b]));
    var table = document.createElement("table");
    table.id = "apps";
    var head = document.createElement("tr");
    head.appendChild(text("th", "from \\\\ to"));
    targets.forEach(function (t) { head.appendChild(text("th", data.parties[t][1], { scope: "col" })); });
    table.appendChild(head);
    sources.forEach(function (s) {
      var row = document.createElement("tr");
      row.appendChild(text("th", data.parties[s][1], { scope: "row" }));
      targets.forEach(function (t) {
        var allowed = s === t ? null : edges[s + "," + t] ? portList(edges[s + "," + t]) : [];
        var st = allowed === null ? "none" : allowed.length ? "allowed" : "denied";
        row.appendChild(text("td", allowed ? allowed.join(" ") : "", { "class": st, "data-from": data.parties[s][2], "data-to": data.parties[t][2], "data-state": st }));
      });
      table.appendChild(row);
    });
    detail.appendChild(table);
  }
  document.getElementById("filter").addEventListener("input", function (e) { state.filter = e.target.value; render(); });
  document.getElementById("pick").addEventListener("change", function (e) { pick(e.target.value); });
  document.getElementById("unpick").addEventListener("click", function () { pick(""); });
  render();
})();
</script>
</body>
</html>
`;
}

function esc(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

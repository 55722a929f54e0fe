/**
 * A self-contained page of a stack's connectivity: the namespace x namespace matrix, and on a
 * click the app x app matrix of that pair with the allowed ports and the policies behind each
 * allowed pair. No network access, no assets: the data is embedded as JSON (parties, ports and
 * namespaces by index) and drawn by a script. The page explains itself: what a cell's `a/b`
 * counts, the colours, what each port stands for (a range as a range, `other TCP ports` for the
 * ports no rule names), and every outside party with its address.
 * It stays usable at a thousand namespaces: the script draws at most `matrixLimit` rows and
 * columns of the matrix (a filter box narrows them; the pinned namespaces and the outside are
 * always drawn), and a namespace picked (or its row header clicked) shows as its own row and
 * column against every namespace, never a 1,000 x 1,000 table.
 */
import { Connectivity, OUTSIDE, namespaceCells, partyCounts, portLabels } from "./connectivity";
import { ReachabilityModel } from "./evaluate";
import { Protocol } from "./k8s";
import { Snapshot } from "./snapshot";

/** What the page is told besides the connectivity. */
export interface PageContext {
    /**
     * The snapshot that was judged (its pods by `namespace/name`, outside parties by address):
     * its policies name the ports, and the drill-down names the policies behind each allowed pair.
     */
    readonly snapshot?: Snapshot;
    /** Namespaces drawn past the cut and whatever the filter (the gateway's); the outside always is. */
    readonly pinned?: readonly string[];
}

export function renderConnectivityHtml(
    title: string,
    c: Connectivity,
    notes: readonly string[] = [],
    matrixLimit = 40,
    context: PageContext = {},
): string {
    const { namespaces, cells } = namespaceCells(c);
    const nsIndex = new Map(namespaces.map((ns, i) => [ns, i]));
    const partyIndex = new Map(c.parties.map((p, i) => [p.id, i]));
    const portIndex = new Map(c.portsChecked.map((p, i) => [p, i]));
    const counts = partyCounts(c);
    // Ports as people read them: each judged port -> the index of its label; labels in port order, "other" last.
    const byPort = context.snapshot
        ? portLabels(c.portsChecked, context.snapshot.policies, context.snapshot.pods)
        : new Map(c.portsChecked.map((p) => [p, p]));
    const labels = [...new Set(c.portsChecked.map((p) => byPort.get(p)!))].sort(
        (a, b) => Number(a.startsWith("other")) - Number(b.startsWith("other")),
    );
    const labelIndex = new Map(labels.map((l, i) => [l, i]));
    const outside = c.parties.filter((p) => p.namespace === OUTSIDE);
    const because = policiesBehind(c, context.snapshot);
    // A cell to explain `a/b` with: some pairs of two namespaces of the cluster connect, not all.
    const example = [...cells.values()].find(
        (cell) => cell.from !== cell.to && cell.allowedPairs < cell.pairs && cell.from !== OUTSIDE && cell.to !== OUTSIDE,
    );
    // Indices rather than names: the page of a thousand namespaces carries ~10^5 edges.
    const data = {
        outside: OUTSIDE,
        limit: matrixLimit,
        namespaces: namespaces.map((ns) => [ns, counts.get(ns) ?? 0]),
        pinned: [...(context.pinned ?? []), OUTSIDE].filter((ns) => nsIndex.has(ns)).map((ns) => nsIndex.get(ns)),
        judged:
            c.judged.kind === "all-pairs"
                ? "all-pairs"
                : [...c.judged.cells].map(([key, pairs]) => {
                      const [from, to] = key.split("\u0000") as [string, string];
                      return [nsIndex.get(from), nsIndex.get(to), pairs];
                  }),
        // [namespace, name shown, id, the name without its address (outside parties)]
        parties: c.parties.map((p) => [nsIndex.get(p.namespace), shownName(p), p.id, p.app]),
        ports: labels,
        labelProtocol: labels.map((l) => (l.startsWith("other ") ? l.split(" ")[1] : l.split("/")[1])),
        portLabel: c.portsChecked.map((p) => labelIndex.get(byPort.get(p)!)),
        edges: c.edges.map((e, i) => [
            partyIndex.get(e.from),
            partyIndex.get(e.to),
            e.ports.map((p) => portIndex.get(p)),
            ...because.edges[i]!,
        ]),
        policySets: because.sets,
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
.allowed { background: #2da44e; color: #fff; }
.partial { background: #aceebb; }
.denied { background: #f6f8fa; color: #8c959f; }
.none { background: #fff; cursor: default; }
td.selected { outline: 3px solid #0969da; }
#controls { margin: 1rem 0; }
#controls input { margin-right: 1rem; }
#detail { margin-top: 1.5rem; }
#detail td.allowed { font-size: 12px; }
#legend dt { font-weight: 600; margin-top: .4rem; }
#legend dd { margin-left: 1.2rem; }
.swatch { display: inline-block; min-width: 2.2rem; padding: 0 .4rem; margin-right: .3rem; border: 1px solid #d0d7de; text-align: center; }
#outside-parties td { text-align: left; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
${notes.map((n) => `<p>${esc(n)}</p>`).join("\n")}
<details id="legend" open>
<summary>How to read this page</summary>
<dl>
<dt>Parties</dt>
<dd>One representative pod per app of each namespace (the replicas of a Deployment carry the same labels, so the same policies apply to them), and addresses outside the cluster, grouped as ${esc(OUTSIDE)} (see <a href="#outside-parties">their addresses</a> below). Rows are sources, columns destinations.</dd>
<dt>A cell <i>a</i>/<i>b</i></dt>
<dd id="cell-meaning"><i>b</i> is the number of ordered pairs of parties judged from the row's namespace to the column's (every pod with every other pod; two outside addresses are never paired), and <i>a</i> how many of those pairs are allowed on at least one port.${
        example
            ? ` For example, ${esc(example.from)} → ${esc(example.to)} reads ${example.allowedPairs}/${example.pairs}: ${example.allowedPairs} of the ${example.pairs} pairs from a pod of ${esc(example.from)} to a pod of ${esc(example.to)} connect, on ${esc(uniqueLabels(example.ports, byPort).join(", "))}; the others are denied on every port.`
            : ""
    } Click a cell for its app × app matrix, the ports and the policies behind each allowed pair; click a row's namespace for its row and column.</dd>
<dt>Colours</dt>
<dd><span class="swatch allowed">6/6</span> every pair judged is allowed on some port; <span class="swatch partial">1/6</span> some pairs are; <span class="swatch denied">&nbsp;</span> none is (denied on every port judged); <span class="swatch none">&nbsp;</span> nothing to judge (outside to outside, or a namespace with one party against itself).</dd>
<dt>Ports</dt>
<dd id="port-meaning">Judged: ${esc(labels.join(", "))}. A range that a rule opens (<code>port</code> to <code>endPort</code>) shows as the range: the engine judges its first and last port and the one after it. <i>other TCP ports</i> (and UDP) stands for every port that no policy rule names: the engine judges one of them (7), and what is allowed there is allowed on every such port (a rule without ports). <i>every TCP port</i>: allowed on each of these, so on any port.</dd>
</dl>
</details>
<div id="controls">
<label>Filter namespaces <input id="filter" type="search" placeholder="part of a name"></label>
<label>Pick a namespace <input id="pick" list="namespace-list" placeholder="its row and column"></label>
<button id="unpick" type="button" hidden>Back to the matrix</button>
<datalist id="namespace-list"></datalist>
</div>
<p id="shown"></p>
<div id="view"></div>
<div id="detail"></div>
<h2>Outside parties</h2>
<p>The addresses outside the cluster that were judged, one for each declared range, each <code>except</code>, each edge of a range (just below and above it) and the rest of the internet.</p>
<table id="outside-parties">
<tr><th scope="col">party</th><th scope="col">address</th></tr>
${outside.map((p) => `<tr><td>${esc(p.app)}</td><td>${esc(p.id)}</td></tr>`).join("\n")}
</table>
${pinnedLabelsSection(context)}
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
  var pinned = {};
  data.pinned.forEach(function (i) { pinned[i] = true; });
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
  data.edges.forEach(function (e) { edges[e[0] + "," + e[1]] = e; });
  var list = document.getElementById("namespace-list");
  names.forEach(function (ns) { var o = document.createElement("option"); o.value = ns; list.appendChild(o); });
  var state = { filter: "", focus: null };

  function text(tag, value, attrs) {
    var el = document.createElement(tag);
    el.textContent = value;
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    return el;
  }
  // Judged ports -> their labels, each once, in label order (a range's three ports are one range);
  // every label of a protocol allowed -> "every TCP port": the judged ports stand for all ports.
  var labelsOf = {};
  data.labelProtocol.forEach(function (p, l) { (labelsOf[p] = labelsOf[p] || []).push(l); });
  function portList(ids) {
    var seen = {};
    ids.forEach(function (k) { seen[data.portLabel[k]] = true; });
    var every = {};
    Object.keys(labelsOf).forEach(function (p) {
      if (labelsOf[p].every(function (l) { return seen[l]; })) every[p] = true;
    });
    var out = [], said = {};
    Object.keys(seen).map(Number).sort(function (a, b) { return a - b; }).forEach(function (l) {
      var p = data.labelProtocol[l];
      if (!every[p]) out.push(data.ports[l]);
      else if (!said[p]) { said[p] = true; out.push("every " + p + " port"); }
    });
    return out;
  }
  function cell(a, b) {
    var c = cells[a * N + b];
    var from = names[a], to = names[b];
    var td;
    if (c) {
      var st = c[2] === c[3] ? "allowed" : "partial";
      td = text("td", c[2] + "/" + c[3], { "class": st, "data-from": from, "data-to": to, "data-state": st,
        title: from + " -> " + to + ": " + c[2] + " of the " + c[3] + " pairs judged connect, on " + portList(c[4]).join(", ") });
    } else if (judged(a, b) > 0) {
      td = text("td", "", { "class": "denied", "data-from": from, "data-to": to, "data-state": "denied",
        title: from + " -> " + to + ": none of the " + judged(a, b) + " pairs judged connect" });
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
      // The pinned namespaces (the gateway's, the outside) are drawn whatever the filter and the cut.
      var always = data.pinned.filter(function (i) { return rows.indexOf(i) < 0; });
      var room = Math.max(0, data.limit - data.pinned.length);
      var free = rows.filter(function (i) { return !pinned[i]; });
      var cut = free.slice(0, room).concat(data.pinned).sort(function (a, b) { return a - b; });
      hr.appendChild(text("th", "from \\\\ to"));
      cut.forEach(function (i) { var th = document.createElement("th"); th.setAttribute("scope", "col"); th.appendChild(text("span", names[i])); hr.appendChild(th); });
      cut.forEach(function (i) {
        var tr = document.createElement("tr");
        tr.appendChild(rowHead(i));
        cut.forEach(function (j) { tr.appendChild(cell(i, j)); });
        body.appendChild(tr);
      });
      var pinnedNames = data.pinned.map(function (i) { return names[i]; }).join(" and ");
      shown.textContent = (free.length > room
        ? "Showing " + cut.length + " of " + N + " namespaces: " + Math.min(room, free.length) + " of the " + free.length + " that match, and " + pinnedNames + ", always drawn. Narrow the filter, or pick a namespace for its row and column."
        : rows.length + " of " + N + " namespaces" + (always.length ? ", and " + always.map(function (i) { return names[i]; }).join(" and ") + ", always drawn." : "."));
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
  function allowedPorts(s, t) { return s === t ? null : edges[s + "," + t] ? portList(edges[s + "," + t][2]) : []; }
  // Parties of one name whose rows (or columns) read the same are one row: two addresses of the
  // control plane are one "control plane" row with both addresses.
  function merged(parties, others, key) {
    var groups = [], byKey = {};
    parties.forEach(function (p) {
      var k = data.parties[p][3] + "\\u0000" + others.map(function (o) { var a = key(p, o); return a === null ? "-" : a.join(" "); }).join("|");
      if (byKey[k] === undefined) { byKey[k] = groups.length; groups.push([]); }
      groups[byKey[k]].push(p);
    });
    return groups;
  }
  function groupName(g) {
    if (g.length === 1) return data.parties[g[0]][1];
    return data.parties[g[0]][3] + " at " + g.map(function (p) { return data.parties[p][2]; }).join(", ");
  }
  function fullName(g) {
    var ns = names[data.parties[g[0]][0]];
    return ns === data.outside ? groupName(g) : ns + "/" + groupName(g);
  }
  function show(a, b) {
    var detail = document.getElementById("detail");
    detail.innerHTML = "";
    var sources = merged(partiesOf[a], partiesOf[b], function (s, t) { return allowedPorts(s, t); });
    var targets = merged(partiesOf[b], partiesOf[a], function (t, s) { return allowedPorts(s, t); });
    detail.appendChild(text("h2", names[a] + " \u2192 " + names[b]));
    var table = document.createElement("table");
    table.id = "apps";
    var head = document.createElement("tr");
    head.appendChild(text("th", "from \\\\ to"));
    targets.forEach(function (t) { head.appendChild(text("th", groupName(t), { scope: "col" })); });
    table.appendChild(head);
    var behind = document.createElement("ul");
    behind.id = "behind";
    sources.forEach(function (sg) {
      var row = document.createElement("tr");
      var s = sg[0];
      row.appendChild(text("th", groupName(sg), { scope: "row" }));
      targets.forEach(function (tg) {
        var t = tg[0];
        var allowed = allowedPorts(s, t);
        var st = allowed === null ? "none" : allowed.length ? "allowed" : "denied";
        var td = text("td", allowed ? allowed.join(" ") : "", { "class": st, "data-from": data.parties[s][2], "data-to": data.parties[t][2], "data-state": st });
        if (st === "allowed") {
          var e = edges[s + "," + t];
          var why = fullName(sg) + " \u2192 " + fullName(tg) + " on " + allowed.join(", ") + ": egress " + policies(e[3], data.parties[s][0]) + "; ingress " + policies(e[4], data.parties[t][0]);
          td.setAttribute("title", why);
          behind.appendChild(text("li", why, { "data-from": data.parties[s][2], "data-to": data.parties[t][2] }));
        }
        row.appendChild(td);
      });
      table.appendChild(row);
    });
    detail.appendChild(table);
    if (behind.children.length) {
      detail.appendChild(text("h3", "The policies behind each allowed pair"));
      detail.appendChild(behind);
    }
  }
  // A set of policies by index; none means that side is not isolated (or is outside the cluster).
  function policies(set, ns) {
    if (set === undefined || set === null) return "(not known)";
    var list = data.policySets[set];
    if (list.length) return "allowed by " + list.join(", ");
    return names[ns] === data.outside ? "outside the cluster, no policy" : "not isolated, no policy selects it";
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

/** A party as the page names it: an outside party by what it stands for and its address. */
function shownName(p: { namespace: string; app: string; id: string }): string {
    return p.namespace === OUTSIDE && p.app !== p.id ? `${p.app} at ${p.id}` : p.app;
}

function uniqueLabels(ports: readonly string[], byPort: ReadonlyMap<string, string>): string[] {
    return [...new Set(ports.map((p) => byPort.get(p) ?? p))];
}

/**
 * For each edge, the sets of policies that allow its egress and its ingress half on its allowed
 * ports (union over the ports), as indices into a table of distinct sets: many pairs share one.
 * Judged again with the simple evaluator on the snapshot the connectivity came from; without a
 * snapshot, nothing is known.
 */
function policiesBehind(c: Connectivity, snapshot: Snapshot | undefined): { sets: string[][]; edges: (number | null)[][] } {
    if (!snapshot) return { sets: [], edges: c.edges.map(() => [null, null]) };
    const model = new ReachabilityModel(snapshot);
    const outsideIds = new Set(c.parties.filter((p) => p.namespace === OUTSIDE).map((p) => p.id));
    const party = (id: string) => model.party(outsideIds.has(id) ? { ip: id } : id);
    const sets: string[][] = [];
    const setIndex = new Map<string, number>();
    const indexOf = (ids: Set<string>) => {
        const list = [...ids].sort();
        const key = list.join("\u0000");
        if (!setIndex.has(key)) setIndex.set(key, sets.push(list) - 1);
        return setIndex.get(key)!;
    };
    const edges = c.edges.map((e) => {
        const [from, to] = [party(e.from), party(e.to)];
        const egress = new Set<string>();
        const ingress = new Set<string>();
        for (const text of e.ports) {
            const [port, protocol] = text.split("/") as [string, Protocol];
            const v = model.evaluate({ from, to, port: Number(port), protocol });
            v.egress.allowedBy.forEach((id) => egress.add(id));
            v.ingress.allowedBy.forEach((id) => ingress.add(id));
        }
        return [indexOf(egress), indexOf(ingress)];
    });
    return { sets, edges };
}

function esc(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * The labels of the pinned namespaces (the gateway's), as the snapshot gives them: what policies,
 * Pod Security and the load balancer controller's pod webhook (its readiness-gate label) select
 * on there. Only the pinned ones: at a thousand namespaces the page lists no more than it draws.
 */
function pinnedLabelsSection(context: PageContext): string {
    const labelled = (context.pinned ?? []).filter((ns) => context.snapshot?.namespaces[ns] !== undefined);
    if (labelled.length === 0) return "";
    const rows = labelled.map((ns) => {
        const labels = Object.entries(context.snapshot!.namespaces[ns]!)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([k, v]) => `<code>${esc(k)}: ${esc(v)}</code>`)
            .join("<br>");
        return `<tr><td>${esc(ns)}</td><td>${labels}</td></tr>`;
    });
    return `<h2>Labels of the pinned namespaces</h2>
<table id="namespace-labels">
<tr><th scope="col">namespace</th><th scope="col">labels</th></tr>
${rows.join("\n")}
</table>`;
}

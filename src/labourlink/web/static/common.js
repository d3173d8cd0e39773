"use strict";
// Shared helpers: fetch the JSON API, show its one error shape, format numbers, fill selects.
const LL = {
  // the page's ?revision= (UN DESA 2020 or 2024) goes with every API call
  withRevision(path) {
    const rev = LL.param("revision");
    if (!rev || !path.startsWith("/api/")) return path;
    return path + (path.includes("?") ? "&" : "?") + "revision=" + encodeURIComponent(rev);
  },
  async api(path, options) {
    const resp = await fetch(LL.withRevision(path), options);
    const body = await resp.json();
    if (!resp.ok || body.ok === false) {
      LL.showError(body.error || ("HTTP " + resp.status));
      throw new Error(body.error || ("HTTP " + resp.status));
    }
    LL.clearError();
    if (body.provenance) LL.showProvenance(body.provenance);
    return body;
  },
  showError(msg) { const e = document.getElementById("error"); e.textContent = msg; e.hidden = false; },
  clearError() { const e = document.getElementById("error"); e.textContent = ""; e.hidden = true; },
  showProvenance(prov) {
    const f = document.getElementById("provenance");
    f.textContent = "Sources: " + prov.map(p => p.source + (p.edition ? " (" + p.edition + (p.publisher ? ", " + p.publisher : "") + ")" : "")).join("; ");
  },
  fmt(v, digits) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    if (digits !== undefined) return Number(v).toLocaleString("en-US", {minimumFractionDigits: digits, maximumFractionDigits: digits});
    return Math.round(Number(v)).toLocaleString("en-US");
  },
  // significant-digit format for results of any size (0.00012 %, 1.2e9 US$)
  sig(v, n) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    const x = Number(v), a = Math.abs(x);
    if (a >= 1000) return Math.round(x).toLocaleString("en-US");
    if (a === 0) return "0";
    return Number(x.toPrecision(n || 3)).toLocaleString("en-US", {maximumSignificantDigits: n || 3});
  },
  meta: null,
  async loadMeta() { if (!LL.meta) LL.meta = await LL.api("/api/meta"); return LL.meta; },
  names() { const m = {}; if (LL.meta) for (const c of LL.meta.countries) m[c.iso3] = c.name; return m; },
  fillSelect(sel, items, value) {
    sel.innerHTML = "";
    for (const it of items) {
      const o = document.createElement("option");
      o.value = it.value; o.textContent = it.label; sel.appendChild(o);
    }
    if (value !== undefined && value !== null) sel.value = String(value);
  },
  countryItems(meta) { return meta.countries.map(c => ({value: c.iso3, label: c.iso3 + " – " + c.name})); },
  groupItems(meta) {
    return Object.keys(meta.group_members).sort().map(g => ({value: g, label: g + " (" + meta.group_members[g].length + ")"}));
  },
  fillTable(id, rows, cells) {
    const tb = document.querySelector("#" + id + " tbody");
    tb.innerHTML = "";
    for (const r of rows) {
      const tr = document.createElement("tr");
      for (const [val, cls] of cells(r)) {
        const td = document.createElement("td");
        td.textContent = val; if (cls) td.className = cls; tr.appendChild(td);
      }
      tb.appendChild(tr);
    }
  },
  param(name) { return new URLSearchParams(window.location.search).get(name); },
  // put the page's state in its URL (keeping ?revision=)
  setQuery(obj) {
    const p = new URLSearchParams();
    const rev = LL.param("revision"); if (rev) p.set("revision", rev);
    for (const [k, v] of Object.entries(obj)) p.set(k, v);
    history.replaceState(null, "", window.location.pathname + "?" + p.toString());
  },
};
// no form on these pages submits to the server: scripts handle them
document.addEventListener("submit", e => e.preventDefault());
(function () {
  const sel = document.getElementById("revision");
  if (!sel) return;
  sel.value = LL.param("revision") || "";
  sel.addEventListener("change", () => {
    const p = new URLSearchParams(window.location.search);
    if (sel.value) p.set("revision", sel.value); else p.delete("revision");
    window.location.search = p.toString();
  });
  // keep the revision when following links between pages
  const rev = LL.param("revision");
  if (rev) for (const a of document.querySelectorAll("header nav a")) if (a.getAttribute("href").startsWith("/") && !a.getAttribute("href").startsWith("/openapi")) a.href = a.getAttribute("href") + "?revision=" + rev;
})();

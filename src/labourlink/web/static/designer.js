"use strict";
// Agreement designer: the form <-> a scenario spec <-> the URL; runs, compares, downloads.
// State in the URL: start=<example>, then every field that differs from that example (dotted
// path = value), draws, seed; a kept design A as a.start / a.<path>; run=1 / cmp=1 re-run.
const D = {
  info: null, fields: [], byPath: {}, starts: {}, names: {}, groups: {},
  kept: null, keptStart: null, validateTimer: null, last: null,
};

function clone(x) { return JSON.parse(JSON.stringify(x)); }
function getPath(obj, path) { return path.split(".").reduce((o, k) => (o === null || o === undefined) ? undefined : o[k], obj); }
function setPath(obj, path, v) {
  const ks = path.split("."); let o = obj;
  for (const k of ks.slice(0, -1)) { if (o[k] === undefined || o[k] === null) o[k] = {}; o = o[k]; }
  o[ks[ks.length - 1]] = v;
}
function splitCodes(s) { return s.split(/[\s,;]+/).map(x => x.trim()).filter(x => x); }
function ctl(f) { return document.getElementById(f.id); }
function isRunOption(f) { return f.group === "run"; }

// ---- encode / decode one field's value as text (the form and the URL use the same text)
function toText(f, v) {
  if (v === null || v === undefined) return "";
  switch (f.kind) {
    case "codes": case "optional_codes": return v.join(",");
    case "bool": return v ? "1" : "0";
    case "allocation": return Object.entries(v).map(([k, x]) => k + ":" + x).join(",");
    default: return String(v);
  }
}
function num(s) { const t = s.trim(); if (t === "") return null; const x = Number(t); return Number.isFinite(x) ? x : t; }
function fromText(f, s) {
  switch (f.kind) {
    case "codes": return splitCodes(s);
    case "optional_codes": return s.trim() ? splitCodes(s) : null;
    case "optional_code": case "optional_text": case "optional_select": return s.trim() ? s.trim() : null;
    case "bool": return s === "1" || s === "true";
    case "allocation": {
      if (!s.trim()) return null;
      const out = {};
      for (const part of s.split(",")) { const [k, x] = part.split(":"); if (k) out[k.trim()] = num(x || ""); }
      return out;
    }
    case "text": case "longtext": case "select": return s;
    case "int": case "optional_int": { const x = num(s); return x; }
    default: return num(s);
  }
}

// ---- the form
function readForm() {
  const spec = {}, run = {};
  for (const f of D.fields) {
    let v;
    if (f.kind === "bool") v = ctl(f).checked;
    else if (f.kind === "allocation") v = ctl(f).checked ? readAllocation() : null;
    else v = fromText(f, ctl(f).value);
    if (isRunOption(f)) { run[f.path] = v; continue; }
    if (v === null && f.kind.startsWith("optional")) continue;  // empty: the default from data
    if (v === null && f.kind === "allocation") continue;
    setPath(spec, f.path, v);
  }
  return {spec, draws: run.draws, seed: run.seed};
}
function writeForm(spec, draws, seed) {
  for (const f of D.fields) {
    const v = isRunOption(f) ? (f.path === "draws" ? draws : seed) : getPath(spec, f.path);
    if (f.kind === "bool") ctl(f).checked = !!v;
    else if (f.kind === "allocation") { ctl(f).checked = v !== null && v !== undefined; buildAllocation(v || null); }
    else ctl(f).value = toText(f, v);
  }
  showAllNames();
}
function pairs() {
  const s = splitCodes(document.getElementById("f-senders").value).map(x => x.toUpperCase());
  const r = splitCodes(document.getElementById("f-receivers").value).map(x => x.toUpperCase());
  const out = []; for (const a of s) for (const b of r) out.push(a + "-" + b); return out;
}
function readAllocation() {
  const out = {};
  for (const inp of document.querySelectorAll("#alloc-table input")) out[inp.dataset.pair] = num(inp.value) === null ? 0 : num(inp.value);
  return out;
}
function buildAllocation(values) {
  const box = document.getElementById("alloc-table"), on = document.getElementById("f-allocation").checked;
  const keep = values || (box.querySelector("input") ? readAllocation() : {});
  box.innerHTML = ""; box.hidden = !on;
  if (!on) return;
  const ps = pairs();
  for (const p of ps) {
    const id = "alloc-" + p;
    const wrap = document.createElement("span"); wrap.className = "alloc-pair";
    const lab = document.createElement("label"); lab.htmlFor = id; lab.textContent = p;
    const inp = document.createElement("input"); inp.type = "text"; inp.inputMode = "decimal"; inp.id = id; inp.dataset.pair = p; inp.size = 6;
    inp.value = keep[p] !== undefined ? String(keep[p]) : String(+(1 / ps.length).toFixed(4));
    inp.addEventListener("input", changed);
    wrap.append(lab, " ", inp); box.appendChild(wrap);
  }
}
function showNames(f) {
  const el = document.getElementById(f.id + "-names"); if (!el) return;
  const codes = splitCodes(ctl(f).value);
  el.textContent = codes.length ? codes.map(c => { const u = c.toUpperCase(); return u + " " + (D.names[u] || "(not a code of the store)"); }).join(", ") : (f.kind === "codes" ? "none yet" : "");
}
function showAllNames() { for (const f of D.fields) if (f.kind.includes("code")) showNames(f); }

// ---- errors next to fields
function clearErrors() {
  for (const f of D.fields) {
    const e = document.getElementById(f.id + "-err"); e.hidden = true; e.textContent = "";
    ctl(f).removeAttribute("aria-invalid");
  }
  LL.clearError();
}
function fieldFor(loc) {
  // loc: ["spec", "trade_cost", "rta_share"] / ["a", ...] / ["body", "draws"] / ["senders/receivers"]
  const parts = loc.filter(x => typeof x === "string");
  for (let k = 0; k < parts.length; k++) {
    const path = parts.slice(k).join(".");
    if (D.byPath[path]) return D.byPath[path];
    for (const p of parts[k].split("/")) { const name = p.replace(/^.*: /, ""); if (D.byPath[name]) return D.byPath[name]; }
  }
  return null;
}
function showErrors(body) {
  clearErrors();
  const general = [];
  for (const e of (body.errors && body.errors.length ? body.errors : [{loc: [], msg: body.error}])) {
    const f = fieldFor(e.loc || []);
    if (!f) { general.push(e.msg); continue; }
    const el = document.getElementById(f.id + "-err");
    el.textContent = el.textContent ? el.textContent + " " + e.msg : e.msg; el.hidden = false;
    ctl(f).setAttribute("aria-invalid", "true");
  }
  if (general.length) LL.showError(general.join(" "));
  else LL.showError("The design has " + (body.errors || []).length + " problem(s), shown next to the fields; nothing was run.");
}

async function post(path, body) {
  const resp = await fetch(LL.withRevision(path), {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  let data = null; try { data = await resp.json(); } catch (e) { data = {ok: false, error: "HTTP " + resp.status, errors: []}; }
  return {status: resp.status, body: data, retry: resp.headers.get("Retry-After")};
}
function status(msg) { document.getElementById("status").textContent = msg; }

// ---- URL state
function encodeDesign(params, prefix, start, spec, draws, seed) {
  params.set(prefix + "start", start);
  const base = D.starts[start].spec;
  for (const f of D.fields) {
    if (isRunOption(f)) continue;
    const a = toText(f, getPath(spec, f.path)), b = toText(f, getPath(base, f.path));
    if (a !== b) params.set(prefix + f.path, a);
  }
  if (prefix === "") { params.set("draws", String(draws)); params.set("seed", String(seed)); }
}
function decodeDesign(params, prefix) {
  const start = D.starts[params.get(prefix + "start")] ? params.get(prefix + "start") : D.defaultStart;
  const spec = clone(D.starts[start].spec);
  for (const f of D.fields) {
    if (isRunOption(f) || !params.has(prefix + f.path)) continue;
    setPath(spec, f.path, fromText(f, params.get(prefix + f.path)));
  }
  return {start, spec};
}
function updateUrl(flags) {
  const {spec, draws, seed} = readForm();
  const p = new URLSearchParams();
  if (LL.param("revision")) p.set("revision", LL.param("revision"));
  encodeDesign(p, "", document.getElementById("start").dataset.loaded, spec, draws, seed);
  if (D.kept) encodeDesign(p, "a.", D.keptStart, D.kept, draws, seed);
  for (const [k, v] of Object.entries(flags || {})) if (v) p.set(k, "1");
  const url = location.pathname + "?" + p.toString();
  history.replaceState(null, "", url);
  document.getElementById("share-link").value = location.origin + url;
}

// ---- validate as you type (debounced), run, compare
function changed() {
  updateUrl({});
  clearTimeout(D.validateTimer);
  D.validateTimer = setTimeout(validate, 400);
}
async function validate() {
  const {spec} = readForm();
  const r = await post("/api/designer/validate", {spec});
  if (r.status === 200) { clearErrors(); return true; }
  if (r.status === 422) showErrors(r.body);
  return false;
}
async function runDesign(fromLink) {
  const {spec, draws, seed} = readForm();
  status(draws > 0 ? "running with " + draws + " draws…" : "running…");
  const t0 = performance.now();
  const r = await post("/api/designer/run", {spec, draws, seed});
  if (r.status === 200) {
    clearErrors(); showResult(r.body);
    status("done in " + ((performance.now() - t0) / 1000).toFixed(1) + " s");
    updateUrl({run: true});
    if (!fromLink) document.getElementById("result-title").focus();
  } else if (r.status === 422) { showErrors(r.body); status("not run: fix the fields marked"); document.getElementById("result").hidden = true; }
  else if (r.status === 429 || r.status === 503) { LL.showError(r.body.error + " (retry after " + r.retry + " s)"); status("busy"); }
  else { LL.showError(r.body.error || ("HTTP " + r.status)); status("failed"); }
}
function download(id, text, name, type) {
  const a = document.getElementById(id);
  if (a.dataset.url) URL.revokeObjectURL(a.dataset.url);
  const url = URL.createObjectURL(new Blob([text], {type}));
  a.href = url; a.dataset.url = url; a.download = name;
}
function intervalText(lo, hi, sig) { return (lo === null || lo === undefined) ? "–" : "[" + (sig ? LL.sig(lo) : LL.fmt(lo)) + ", " + (sig ? LL.sig(hi) : LL.fmt(hi)) + "]"; }
function showResult(res) {
  D.last = res;
  document.getElementById("result").hidden = false;
  document.getElementById("result-title").textContent = "Result: " + res.scenario;
  document.getElementById("result-title").tabIndex = -1;
  const tc = res.trade_cost;
  document.getElementById("res-summary").textContent = res.spec.senders.length + " senders, " + res.spec.receivers.length + " receivers, " +
    LL.fmt(res.spec.workers_per_year) + " workers a year for " + res.spec.years_in_force + " years; " + res.draws + " draws (seed " + res.seed + "); baseline trade " +
    res.baseline.trade_source + " " + res.baseline.trade_year + (tc ? "; migration-trade elasticity " + LL.sig(tc.migration_elasticity) + ", trade-agreement effect " + LL.sig(tc.rta_effect) : "") + ".";
  Charts.ledger(document.getElementById("ledger-chart"), res.ledger, D.names, "Ledger of " + res.scenario + ": what each receiving and sending country gives and gets");
  LL.fillTable("ledger-table", res.ledger, r => [[r.side], [r.country], [r.flow], [r.item], [LL.sig(r.value), "num"], [r.interval === "90% over draws" ? intervalText(r.low, r.high, true) : r.interval, "num"], [r.unit]]);
  LL.fillTable("parties-table", res.parties, p => [[(D.names[p.iso3] || p.iso3) + " (" + p.iso3 + ")"], [p.role], [LL.fmt(p.delta_exports_usd), "num"],
    [intervalText(p.delta_exports_usd_low, p.delta_exports_usd_high), "num"], [LL.fmt(p.delta_imports_usd), "num"], [LL.sig(p.delta_real_gdp_pct), "num"],
    [intervalText(p.delta_real_gdp_pct_low, p.delta_real_gdp_pct_high, true), "num"], [LL.fmt(p.delta_remittances_usd), "num"]]);
  const ul = document.getElementById("notes"); ul.innerHTML = "";
  for (const n of res.notes) { const li = document.createElement("li"); li.textContent = n; ul.appendChild(li); }
  const stem = res.file_name.replace(/\.yaml$/, "");
  download("dl-yaml", res.yaml, res.file_name, "application/yaml");
  download("dl-json", res.json, stem + "-result.json", "application/json");
  download("dl-csv", res.csv, stem + "-result.csv", "text/csv");
  if (res.provenance) LL.showProvenance(res.provenance);
}
function keep() {
  const {spec} = readForm();
  D.kept = spec; D.keptStart = document.getElementById("start").dataset.loaded;
  document.getElementById("compare").disabled = false;
  document.getElementById("kept").textContent = "Design A kept: " + (spec.name || "(no name)") + ". Change the fields to make design B, then compare.";
  updateUrl({});
}
async function compare(fromLink) {
  const {spec, draws, seed} = readForm();
  status("comparing…");
  const r = await post("/api/designer/compare", {a: D.kept, b: spec, draws, seed});
  if (r.status === 422) {
    const own = {...r.body, errors: r.body.errors.filter(e => e.loc[0] === "b")};
    const inA = r.body.errors.filter(e => e.loc[0] === "a");
    showErrors(own.errors.length ? own : r.body);
    if (inA.length) LL.showError("Design A: " + inA.map(e => e.msg).join(" "));
    status("not compared: fix the fields marked"); return;
  }
  if (r.status !== 200) { LL.showError(r.body.error + (r.retry ? " (retry after " + r.retry + " s)" : "")); status("failed"); return; }
  clearErrors();
  const c = r.body;
  document.getElementById("comparison").hidden = false;
  document.getElementById("cmp-names").textContent = "A = " + c.a.scenario + "; B = " + c.b.scenario + "; " + draws + " draws each (the same as labourlink scenario compare A.yaml B.yaml --draws " + draws + " --seed " + seed + ").";
  LL.fillTable("compare-table", c.table, x => [[(D.names[x.country] || x.country) + " (" + x.country + ")"], [LL.fmt(x["delta_exports_usd [A]"]), "num"], [LL.fmt(x["delta_exports_usd [B]"]), "num"],
    [LL.sig(x["delta_real_gdp_pct [A]"]), "num"], [LL.sig(x["delta_real_gdp_pct [B]"]), "num"], [LL.fmt(x["delta_remittances_usd [A]"]), "num"], [LL.fmt(x["delta_remittances_usd [B]"]), "num"]]);
  document.getElementById("ledger-a-title").textContent = "Ledger A: " + c.a.scenario;
  document.getElementById("ledger-b-title").textContent = "Ledger B: " + c.b.scenario;
  Charts.ledger(document.getElementById("ledger-a"), c.a.ledger, D.names, "Ledger of design A, " + c.a.scenario);
  Charts.ledger(document.getElementById("ledger-b"), c.b.ledger, D.names, "Ledger of design B, " + c.b.scenario);
  showResult(c.b);
  status("compared");
  updateUrl({cmp: true});
  if (!fromLink) document.getElementById("compare-title").focus();
}

function loadStart(name) {
  const s = D.starts[name];
  document.getElementById("start").dataset.loaded = name;
  writeForm(clone(s.spec), D.info.default_draws, 0);
  clearErrors();
  changed();
}

(async function () {
  const meta = await LL.loadMeta();
  D.names = LL.names();
  D.info = await LL.api("/api/designer");
  D.fields = D.info.fields;
  for (const f of D.fields) D.byPath[f.path] = f;
  for (const s of D.info.starting_points) D.starts[s.example] = s;
  D.defaultStart = D.starts.kor_eps_quota ? "kor_eps_quota" : D.info.starting_points[0].example;
  const startSel = document.getElementById("start");
  LL.fillSelect(startSel, D.info.starting_points.map(s => ({value: s.example, label: s.title})));
  for (const sel of document.querySelectorAll(".group-pick")) LL.fillSelect(sel, LL.groupItems(meta), "ASEAN");
  // restore from the URL (a shared link), else the default example
  const params = new URLSearchParams(location.search);
  const cur = decodeDesign(params, "");
  startSel.value = cur.start; startSel.dataset.loaded = cur.start;
  const draws = params.has("draws") ? num(params.get("draws")) : D.info.default_draws;
  const seed = params.has("seed") ? num(params.get("seed")) : 0;
  writeForm(cur.spec, draws, seed);
  if (params.has("a.start")) {
    const a = decodeDesign(params, "a.");
    D.kept = a.spec; D.keptStart = a.start;
    document.getElementById("compare").disabled = false;
    document.getElementById("kept").textContent = "Design A kept: " + (a.spec.name || "(no name)") + ".";
  }
  updateUrl({});
  // events
  document.getElementById("load-start").addEventListener("click", () => loadStart(startSel.value));
  for (const f of D.fields) {
    const c = ctl(f);
    c.addEventListener(f.kind === "bool" || f.kind.endsWith("select") || f.kind === "allocation" ? "change" : "input", () => {
      if (f.kind.includes("code")) showNames(f);
      if (f.path === "senders" || f.path === "receivers" || f.kind === "allocation") buildAllocation(null);
      changed();
    });
  }
  for (const b of document.querySelectorAll(".group-add")) {
    b.addEventListener("click", () => {
      const target = document.getElementById(b.dataset.target), sel = document.getElementById(b.dataset.target + "-group");
      const have = splitCodes(target.value), add = (meta.group_members[sel.value] || []).filter(c => !have.includes(c));
      target.value = have.concat(add).join(",");
      target.dispatchEvent(new Event("input"));
    });
  }
  document.getElementById("design").addEventListener("submit", () => runDesign(false));
  document.getElementById("keep").addEventListener("click", keep);
  document.getElementById("compare").addEventListener("click", () => compare(false));
  document.getElementById("share-link").addEventListener("focus", e => e.target.select());
  if (params.get("cmp") === "1" && D.kept) await compare(true);
  else if (params.get("run") === "1") await runDesign(true);
  document.body.dataset.ready = "1";
})().catch(e => { console.warn(e.message); document.body.dataset.ready = "1"; });

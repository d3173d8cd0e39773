"use strict";
(async function () {
  const meta = await LL.loadMeta();
  const c = document.getElementById("country");
  for (const it of LL.countryItems(meta)) { const o = document.createElement("option"); o.value = it.value; o.textContent = it.label; c.appendChild(o); }
  if (LL.param("iso3")) c.value = LL.param("iso3");
  async function show() {
    const g = await LL.api("/api/governance" + (c.value ? "?iso3=" + c.value : ""));
    const cov = g.coverage;
    document.getElementById("cov-group").textContent = cov.available ? cov.group + " " + cov.year : "";
    document.getElementById("coverage").textContent = cov.available ? cov.summary.split("\n")[0] : cov.note;
    LL.fillTable("covtable", cov.available ? cov.tidy : [], r => [[r.measure], [r.key], [r.measure.startsWith("share") ? LL.fmt(r.value, 3) : LL.fmt(r.value), "num"]]);
    LL.fillTable("uncovered", cov.available ? cov.largest_uncovered : [], r => [[r.origin], [r.destination], [LL.fmt(r.persons), "num"]]);
    document.getElementById("bla-count").textContent = "(" + g.labour_agreements_total + ")";
    LL.fillTable("bla", g.labour_agreements, r => [[r.year ?? "–"], [r.party_a], [r.party_b], [r.title ?? ""]]);
    LL.fillTable("most", g.most_agreements, r => [[r.iso3], [r.agreements, "num"]]);
    LL.fillTable("rta", g.trade_agreements_with_labour_provisions, r => [[r.name], [r.type ?? ""], [r.in_force ?? ""]]);
  }
  document.getElementById("go").addEventListener("click", () => show().catch(e => console.warn(e.message)));
  await show();
})().catch(e => console.warn(e.message));

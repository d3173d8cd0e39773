"use strict";
(async function () {
  const data = await LL.api("/api/models");
  const sel = document.getElementById("preset"), y = document.getElementById("year");
  LL.fillSelect(sel, data.presets.map(p => ({value: p.name, label: p.name + (p.available ? "" : " (not available yet)")})));
  function pick() {
    const p = data.presets.find(q => q.name === sel.value);
    document.getElementById("description").textContent = p.description + (p.note ? " — " + p.note : "");
    LL.fillSelect(y, p.years.map(v => ({value: v, label: v})), p.years[p.years.length - 1]);
  }
  sel.addEventListener("change", pick); pick();
  document.getElementById("go").addEventListener("click", async () => {
    try {
      const r = await LL.api("/api/models/" + encodeURIComponent(sel.value) + (y.value ? "?year=" + y.value : ""));
      document.getElementById("model-title").textContent = r.preset + ": " + (r.source || "") + " " + (r.year || "");
      LL.fillTable("estimates", r.estimates, e => [[(e.model ? e.model + ": " : "") + e.term], [LL.fmt(e.estimate, 4), "num"], [LL.fmt(e.std_error, 4), "num"], [LL.fmt(e.nobs), "num"]]);
      document.getElementById("result").hidden = false;
    } catch (e) { console.warn(e.message); }
  });
})().catch(e => console.warn(e.message));

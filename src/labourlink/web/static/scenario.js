"use strict";
(async function () {
  const meta = await LL.loadMeta();
  const m = document.getElementById("members");
  m.value = LL.param("members") || meta.countries.slice(0, 3).map(c => c.iso3).join(",");
  document.getElementById("run").addEventListener("click", async () => {
    const status = document.getElementById("status");
    status.textContent = "running…";
    const body = {members: m.value.split(",").map(s => s.trim()).filter(s => s), draws: Number(document.getElementById("draws").value), sigma: Number(document.getElementById("sigma").value)};
    try {
      const r = await LL.api("/api/scenario", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
      document.getElementById("summary").textContent = r.summary + " (" + r.draws + " draws).";
      LL.fillTable("results", r.results, x => [[x.iso3], [x.name], [x.member ? "yes" : "no"], [LL.fmt(x.welfare_change_pct, 3), "num"], ["[" + LL.fmt(x.welfare_low_pct, 3) + ", " + LL.fmt(x.welfare_high_pct, 3) + "]", "num"], [LL.fmt(x.real_gdp_change_pct, 3), "num"], [LL.fmt(x.exports_change_pct, 2), "num"]]);
      LL.fillTable("estimates", r.estimates, e => [[e.term], [LL.fmt(e.estimate, 4), "num"], [LL.fmt(e.std_error, 4), "num"]]);
      document.getElementById("result").hidden = false;
      status.textContent = "done";
    } catch (e) { status.textContent = "failed"; console.warn(e.message); }
  });
})().catch(e => console.warn(e.message));

(async function () {
  const sel = document.getElementById("example");
  const data = await LL.api("/api/scenarios/examples");
  LL.fillSelect(sel, data.examples.map(e => ({value: e.example, label: e.name})));
  function pick() {
    const e = data.examples.find(x => x.example === sel.value);
    if (!e) return;
    document.getElementById("workers").value = e.workers_per_year;
    document.getElementById("years").value = e.years_in_force;
    document.getElementById("mdescription").textContent = e.description + " Senders: " + e.senders.join(", ") + "; receivers: " + e.receivers.join(", ") + ".";
  }
  sel.addEventListener("change", pick); pick();
  document.getElementById("mrun").addEventListener("click", async () => {
    const st = document.getElementById("mstatus");
    st.textContent = "running…";
    const body = {example: sel.value, draws: Number(document.getElementById("mdraws").value),
                  workers_per_year: Number(document.getElementById("workers").value),
                  years_in_force: Number(document.getElementById("years").value)};
    try {
      const r = await LL.api("/api/scenarios/mobility", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
      document.getElementById("msummary").textContent = r.summary;
      const rows = Object.entries(r.countries).map(([iso, v]) => Object.assign({iso3: iso}, v));
      LL.fillTable("mresults", rows, x => [[x.iso3], [LL.fmt(x.delta_exports_usd), "num"], ["[" + LL.fmt(x.delta_exports_usd_low) + ", " + LL.fmt(x.delta_exports_usd_high) + "]", "num"], [LL.fmt(x.delta_real_gdp_pct, 5), "num"], [LL.fmt(x.delta_remittances_usd), "num"]]);
      document.getElementById("mresult").hidden = false;
      st.textContent = "done";
    } catch (e) { st.textContent = "failed"; console.warn(e.message); }
  });
})().catch(e => console.warn(e.message));

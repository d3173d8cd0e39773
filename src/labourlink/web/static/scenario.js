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

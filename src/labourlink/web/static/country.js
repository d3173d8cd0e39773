"use strict";
(async function () {
  const meta = await LL.loadMeta();
  const c = document.getElementById("country"), y = document.getElementById("year");
  LL.fillSelect(c, LL.countryItems(meta), LL.param("iso3") || "PHL");
  if (!c.value) c.selectedIndex = 0;
  LL.fillSelect(y, meta.stock_years.map(v => ({value: v, label: v})), LL.param("year") || meta.stock_years[meta.stock_years.length - 1]);
  async function show() {
    const p = await LL.api("/api/country/" + c.value + "?year=" + y.value);
    document.getElementById("country-name").textContent = p.name + " (" + p.iso3 + "), " + p.year;
    document.getElementById("immigrants").textContent = LL.fmt(p.immigrants_persons);
    document.getElementById("emigrants").textContent = LL.fmt(p.emigrants_persons);
    document.getElementById("population").textContent = LL.fmt(p.population_persons);
    document.getElementById("immigrant-share").textContent = LL.fmt(p.immigrant_share_pct, 2);
    LL.fillTable("origins", p.top_origins, r => [[r.name], [LL.fmt(r.persons), "num"]]);
    LL.fillTable("destinations", p.top_destinations, r => [[r.name], [LL.fmt(r.persons), "num"]]);
    LL.fillTable("remittances", p.remittance_series, r => [[r.year], [LL.fmt(r.received_usd), "num"], [LL.fmt(r.paid_usd), "num"], [LL.fmt(r.received_pct_gdp, 2), "num"]]);
    document.getElementById("profile").hidden = false;
  }
  document.getElementById("go").addEventListener("click", () => show().catch(e => console.warn(e.message)));
  await show();
})().catch(e => console.warn(e.message));

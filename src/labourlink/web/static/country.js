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
    const rem = p.remittance_series.filter(r => r.received_usd !== null || r.paid_usd !== null || r.received_pct_gdp !== null);
    const chart = document.getElementById("rem-chart"), cap = document.getElementById("rem-caption");
    if (rem.length) {
      Charts.line(chart, rem, ["received_usd", "paid_usd"], ["#1f5f8b", "#b35806"], ["Received (US$)", "Paid (US$)"],
        "Personal remittances of " + p.name + " by year from " + rem[0].year + ", received and paid (current US$)");
      cap.textContent = "Personal remittances received and paid, current US$ (World Bank WDI), from " + rem[0].year + ", the first year with data.";
    } else { chart.innerHTML = ""; cap.textContent = "No remittance data in the store for this country."; }
    LL.fillTable("remittances", rem, r => [[r.year], [LL.fmt(r.received_usd), "num"], [LL.fmt(r.paid_usd), "num"], [LL.fmt(r.received_pct_gdp, 2), "num"]]);
    document.getElementById("profile").hidden = false;
    LL.setQuery({iso3: c.value, year: y.value});
  }
  document.getElementById("go").addEventListener("click", () => show().catch(e => console.warn(e.message)));
  await show();
})().catch(e => console.warn(e.message));

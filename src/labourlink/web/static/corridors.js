"use strict";
(async function () {
  const meta = await LL.loadMeta();
  const o = document.getElementById("origin"), d = document.getElementById("destination");
  LL.fillSelect(o, LL.countryItems(meta), LL.param("origin") || "PHL");
  LL.fillSelect(d, LL.countryItems(meta), LL.param("destination") || "JPN");
  if (!o.value) o.selectedIndex = 0; if (!d.value) d.selectedIndex = Math.min(1, d.options.length - 1);
  async function show() {
    const data = await LL.api("/api/corridor?origin=" + o.value + "&destination=" + d.value);
    document.getElementById("corridor-title").textContent = data.origin_name + " → " + data.destination_name;
    LL.fillTable("series", data.stock_series, r => [[r.year], [LL.fmt(r.migrants_persons), "num"], [LL.fmt(r.female_migrants_persons), "num"], [LL.fmt(r.reverse_migrants_persons), "num"]]);
    Charts.line(document.getElementById("chart"), data.stock_series, ["migrants_persons", "reverse_migrants_persons"], ["#1f5f8b", "#b35806"],
      [data.origin + " → " + data.destination, data.destination + " → " + data.origin], "Migrant stock in the corridor by year, both directions (persons)");
    const rem = data.remittances_usd_million;
    document.getElementById("remit").textContent = rem.length ? rem.map(r => r.year + ": US$ " + LL.fmt(r.usd_million, 1) + " million").join("; ") + " — " + data.remittance_note : "No bilateral remittance estimate in the store for this corridor.";
    document.getElementById("result").hidden = false;
    LL.setQuery({origin: o.value, destination: d.value});
  }
  document.getElementById("go").addEventListener("click", () => show().catch(e => console.warn(e.message)));
  const top = await LL.api("/api/corridors/top?n=15");
  LL.fillTable("top", top.corridors, r => [[r.origin], [r.destination], [LL.fmt(r.persons), "num"]]);
  await show();
})().catch(e => console.warn(e.message));

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
    document.getElementById("stock-caption").textContent = "Migrant stock in the corridor (persons, " + data.revision_label + "), both directions.";
    showFlows(data);
    const rem = data.remittances_usd_million;
    document.getElementById("remit").textContent = rem.length ? rem.map(r => r.year + ": US$ " + LL.fmt(r.usd_million, 1) + " million").join("; ") + " — " + data.remittance_note : "No bilateral remittance estimate in the store for this corridor.";
    document.getElementById("result").hidden = false;
    LL.setQuery({origin: o.value, destination: d.value});
  }
  function showFlows(data) {
    const methods = data.flow_methods, none = !methods.length;
    document.getElementById("no-flows").hidden = !none;
    document.getElementById("flows").hidden = none;
    if (none) { document.getElementById("flow-caption").textContent = ""; return; }
    document.getElementById("flow-caption").textContent = data.origin + " → " + data.destination + ": persons moving in each period by method. " + data.flow_note;
    const head = document.getElementById("flows-head");
    head.innerHTML = "";
    for (const [label, cls] of [["Period", ""], ...methods.map(m => [m + " (persons)", "num"]), ["Max / min", "num"]]) {
      const th = document.createElement("th"); th.textContent = label; if (cls) th.className = cls; th.scope = "col"; head.appendChild(th);
    }
    LL.fillTable("flows", data.flows, r => {
      const vals = methods.map(m => r[m]), pos = vals.filter(v => v > 0);
      const spread = pos.length === methods.length ? LL.fmt(Math.max(...vals) / Math.min(...vals), 1) : "–";
      return [[r.period_start + "–" + r.period_end], ...vals.map(v => [LL.fmt(v), "num"]), [spread, "num"]];
    });
  }
  document.getElementById("go").addEventListener("click", () => show().catch(e => console.warn(e.message)));
  const top = await LL.api("/api/corridors/top?n=15");
  LL.fillTable("top", top.corridors, r => [[r.origin], [r.destination], [LL.fmt(r.persons), "num"]]);
  await show();
})().catch(e => console.warn(e.message));

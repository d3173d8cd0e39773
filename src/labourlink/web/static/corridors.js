"use strict";
function lineChart(el, rows, keys, colours) {
  const ns = "http://www.w3.org/2000/svg", W = 700, H = 240, P = 50;
  const svg = document.createElementNS(ns, "svg"); svg.setAttribute("viewBox", "0 0 " + W + " " + H);
  const xs = rows.map(r => r.year), all = rows.flatMap(r => keys.map(k => r[k] || 0));
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1), y1 = Math.max(...all, 1);
  const px = x => P + (x - x0) / (x1 - x0) * (W - 2 * P), py = y => H - P + 10 - y / y1 * (H - 2 * P);
  keys.forEach((k, i) => {
    const pts = rows.filter(r => r[k] !== null).map(r => px(r.year).toFixed(1) + "," + py(r[k]).toFixed(1));
    const pl = document.createElementNS(ns, "polyline");
    pl.setAttribute("points", pts.join(" ")); pl.setAttribute("fill", "none"); pl.setAttribute("stroke", colours[i]); pl.setAttribute("stroke-width", "2");
    svg.appendChild(pl);
  });
  const txt = (x, y, s, a) => { const t = document.createElementNS(ns, "text"); t.setAttribute("x", x); t.setAttribute("y", y); t.setAttribute("font-size", "11"); if (a) t.setAttribute("text-anchor", a); t.textContent = s; svg.appendChild(t); };
  xs.forEach(x => txt(px(x), H - 20, x, "middle"));
  txt(P - 5, py(y1), LL.fmt(y1), "end"); txt(P - 5, py(0), "0", "end");
  el.innerHTML = ""; el.appendChild(svg);
}
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
    lineChart(document.getElementById("chart"), data.stock_series, ["migrants_persons", "reverse_migrants_persons"], ["#1f5f8b", "#d95f02"]);
    const rem = data.remittances_usd_million;
    document.getElementById("remit").textContent = rem.length ? rem.map(r => r.year + ": US$ " + LL.fmt(r.usd_million, 1) + " million").join("; ") + " — " + data.remittance_note : "No bilateral remittance estimate in the store for this corridor.";
    document.getElementById("result").hidden = false;
  }
  document.getElementById("go").addEventListener("click", () => show().catch(e => console.warn(e.message)));
  const top = await LL.api("/api/corridors/top?n=15");
  LL.fillTable("top", top.corridors, r => [[r.origin], [r.destination], [LL.fmt(r.persons), "num"]]);
  await show();
})().catch(e => console.warn(e.message));

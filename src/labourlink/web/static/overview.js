"use strict";
(async function () {
  const meta = await LL.loadMeta();
  const layerSel = document.getElementById("layer"), slider = document.getElementById("year"), label = document.getElementById("year-label");
  LL.fillSelect(layerSel, Object.entries(meta.map_layers).map(([k, v]) => ({value: k, label: v.label + " (" + v.unit + ")"})), "immigrants");
  const topo = await (await fetch("/api/world.topojson")).json();
  const features = WorldMap.decode(topo, "countries");
  const names = Object.fromEntries(meta.countries.map(c => [c.iso3, c.name]));
  let years = meta.stock_years;
  function setYears(ys, current) {
    years = ys; slider.min = 0; slider.max = Math.max(ys.length - 1, 0);
    slider.value = Math.max(ys.indexOf(current), 0); label.textContent = ys[slider.value] ?? "";
  }
  async function draw(year) {
    const q = "/api/map?layer=" + encodeURIComponent(layerSel.value) + (year ? "&year=" + year : "");
    const data = await LL.api(q);
    if (JSON.stringify(data.years) !== JSON.stringify(years)) setYears(data.years, data.year);
    label.textContent = data.year;
    document.getElementById("map-title").textContent = data.label + ", " + data.year + " (" + data.unit + ")";
    WorldMap.render(document.getElementById("map"), features, data.values, data.points, iso => { window.location = "/country?iso3=" + iso + "&year=" + data.year; });
    const top = Object.entries(data.values).filter(e => e[1] !== null).sort((a, b) => b[1] - a[1]).slice(0, 15);
    LL.fillTable("top", top, ([iso, v]) => [[iso], [names[iso] || iso], [LL.fmt(v, data.unit === "persons" ? undefined : 2), "num"]]);
  }
  setYears(years, years[years.length - 1]);
  slider.addEventListener("input", () => { label.textContent = years[slider.value]; });
  slider.addEventListener("change", () => draw(years[slider.value]));
  layerSel.addEventListener("change", () => draw(null));
  await draw(years[years.length - 1]);
})().catch(e => console.warn(e.message));

"use strict";
// Minimal TopoJSON decoder and equirectangular SVG projection (no external library).
const WorldMap = {
  decode(topo, objectName) {
    const tf = topo.transform;
    const arcs = topo.arcs.map(arc => {
      let x = 0, y = 0;
      return arc.map(p => {
        if (tf) { x += p[0]; y += p[1]; return [x * tf.scale[0] + tf.translate[0], y * tf.scale[1] + tf.translate[1]]; }
        return [p[0], p[1]];
      });
    });
    const line = idx => {
      const out = [];
      for (const i of idx) {
        const a = i < 0 ? arcs[~i].slice().reverse() : arcs[i];
        for (let k = 0; k < a.length; k++) { if (k === 0 && out.length) continue; out.push(a[k]); }
      }
      return out;
    };
    const obj = topo.objects[objectName];
    return obj.geometries.map(g => {
      let polys = [];
      if (g.type === "Polygon") polys = [g.arcs.map(line)];
      else if (g.type === "MultiPolygon") polys = g.arcs.map(p => p.map(line));
      return {iso3: (g.properties || {}).iso3 || null, name: (g.properties || {}).name || "", polys: polys};
    });
  },
  // lon/lat -> x/y; longitudes < lonCut are shifted by 360 so the Pacific is not split.
  project(lon, lat, lonCut) { if (lon < lonCut) lon += 360; return [lon - lonCut, 90 - lat]; },
  colour(t) { // viridis-like ramp, t in [0,1]
    const stops = [[68,1,84],[59,82,139],[33,145,140],[94,201,98],[253,231,37]];
    const x = Math.max(0, Math.min(1, t)) * (stops.length - 1), i = Math.min(Math.floor(x), stops.length - 2), f = x - i;
    const c = stops[i].map((v, k) => Math.round(v + f * (stops[i + 1][k] - v)));
    return "rgb(" + c.join(",") + ")";
  },
  render(container, features, values, points, onClick) {
    const lonCut = -25, W = 360, H = 150;
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    const vals = Object.values(values).filter(v => v !== null && v > 0);
    const lo = Math.log(Math.min(...vals, 1)), hi = Math.log(Math.max(...vals, 10));
    const scale = v => (v === null || v === undefined || v <= 0) ? "#d9d9d9" : WorldMap.colour((Math.log(v) - lo) / Math.max(hi - lo, 1e-9));
    const small = new Set();
    for (const f of features) {
      let d = "", area = 0;
      for (const poly of f.polys) for (const ring of poly) {
        let prev = null;
        for (let k = 0, n = ring.length; k < n; k++) {  // shoelace, square degrees
          const a = ring[k], b = ring[(k + 1) % n];
          area += (a[0] * b[1] - b[0] * a[1]) / 2;
        }
        ring.forEach((p, k) => {
          const [x, y] = WorldMap.project(p[0], p[1], lonCut);
          // break rings that jump across the cut
          const cmd = (k === 0 || (prev && Math.abs(x - prev) > 180)) ? "M" : "L";
          d += cmd + x.toFixed(2) + "," + y.toFixed(2);
          prev = x;
        });
        d += "Z";
      }
      if (!d) continue;
      const path = document.createElementNS(ns, "path");
      path.setAttribute("d", d);
      path.setAttribute("fill", scale(values[f.iso3]));
      path.setAttribute("fill-rule", "evenodd");
      if (f.iso3) path.dataset.iso3 = f.iso3;
      const t = document.createElementNS(ns, "title");
      t.textContent = (f.name || f.iso3 || "") + ": " + LL.fmt(values[f.iso3], values[f.iso3] < 100 ? 1 : undefined);
      path.appendChild(t);
      if (f.iso3 && onClick) path.addEventListener("click", () => onClick(f.iso3));
      svg.appendChild(path);
      // countries smaller than ~2 square degrees (Singapore, Bahrain, Tonga, Tuvalu, ...) get a dot
      if (f.iso3 && Math.abs(area) < 2) small.add(f.iso3);
    }
    const shapes = new Set(features.map(f => f.iso3));
    for (const [iso, pt] of Object.entries(points)) {
      if (!(iso in values) || values[iso] === null) continue;
      if (shapes.has(iso) && !small.has(iso)) continue;
      const [x, y] = WorldMap.project(pt.lon, pt.lat, lonCut);
      const c = document.createElementNS(ns, "circle");
      c.setAttribute("cx", x.toFixed(2)); c.setAttribute("cy", y.toFixed(2)); c.setAttribute("r", "1.6");
      c.setAttribute("fill", scale(values[iso])); c.setAttribute("stroke", "#000"); c.setAttribute("stroke-width", "0.3");
      c.dataset.iso3 = iso;
      const t = document.createElementNS(ns, "title"); t.textContent = iso + ": " + LL.fmt(values[iso]); c.appendChild(t);
      if (onClick) c.addEventListener("click", () => onClick(iso));
      svg.appendChild(c);
    }
    container.innerHTML = ""; container.appendChild(svg);
  },
};

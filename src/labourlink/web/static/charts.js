"use strict";
// Small SVG charts without any library: a line chart and the access-versus-co-operation ledger.
const Charts = {
  ns: "http://www.w3.org/2000/svg",
  el(name, attrs, text) {
    const e = document.createElementNS(Charts.ns, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  },
  // rows: [{year, key1, key2}], keys drawn as lines; label: accessible name of the chart
  line(container, rows, keys, colours, names, label) {
    const W = 700, H = 240, P = 60;
    const svg = Charts.el("svg", {viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": label});
    const xs = rows.map(r => r.year), all = rows.flatMap(r => keys.map(k => r[k] || 0));
    const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1), y1 = Math.max(...all, 1);
    const px = x => P + (x - x0) / (x1 - x0) * (W - 2 * P), py = y => H - P + 10 - y / y1 * (H - 2 * P);
    svg.appendChild(Charts.el("line", {x1: P, x2: W - P, y1: py(0), y2: py(0), stroke: "#999"}));
    keys.forEach((k, i) => {
      const pts = rows.filter(r => r[k] !== null && r[k] !== undefined).map(r => px(r.year).toFixed(1) + "," + py(r[k]).toFixed(1));
      svg.appendChild(Charts.el("polyline", {points: pts.join(" "), fill: "none", stroke: colours[i], "stroke-width": 2}));
      svg.appendChild(Charts.el("rect", {x: P + i * 200, y: 4, width: 12, height: 12, fill: colours[i]}));
      svg.appendChild(Charts.el("text", {x: P + i * 200 + 16, y: 14, "font-size": 12}, names[i]));
    });
    const step = Math.max(1, Math.ceil(xs.length / 12));
    xs.forEach((x, i) => { if (i % step === 0 || i === xs.length - 1) svg.appendChild(Charts.el("text", {x: px(x), y: H - 28, "font-size": 11, "text-anchor": "middle"}, x)); });
    svg.appendChild(Charts.el("text", {x: P - 5, y: py(y1), "font-size": 11, "text-anchor": "end"}, LL.sig(y1)));
    svg.appendChild(Charts.el("text", {x: P - 5, y: py(0), "font-size": 11, "text-anchor": "end"}, "0"));
    container.innerHTML = ""; container.appendChild(svg);
  },
  unitText(v, unit) {
    if (unit === "%") return LL.sig(v, 3) + " %";
    if (unit === "share per year") return LL.sig(v, 3) + " per year";
    return LL.sig(v, 3) + " " + unit;
  },
  // ledger rows: {side, country, flow, item, value, unit, low, high, interval}
  ledger(container, rows, names, label) {
    const W = 1180, RH = 24, LW = 430, BW = 300, VX = LW + BW + 10;
    const order = ["receiver", "sender", "region"];
    const sorted = rows.slice().sort((a, b) => order.indexOf(a.side) - order.indexOf(b.side) ||
      (a.country < b.country ? -1 : a.country > b.country ? 1 : 0) || (a.flow === b.flow ? 0 : a.flow === "gives" ? -1 : 1));
    const scale = {};
    for (const r of sorted) for (const v of [r.value, r.low, r.high]) if (v !== null && v !== undefined) scale[r.unit] = Math.max(scale[r.unit] || 0, Math.abs(v));
    let y = 0; const items = [];
    let prev = null;
    for (const r of sorted) {
      const head = r.side + "|" + r.country;
      if (head !== prev) { items.push({head: r}); prev = head; }
      items.push({row: r});
    }
    const H = items.length * RH + 10;
    const svg = Charts.el("svg", {viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": label, class: "ledger-svg"});
    const mid = LW + BW / 2;
    svg.appendChild(Charts.el("line", {x1: mid, x2: mid, y1: 0, y2: H, stroke: "#888"}));
    for (const it of items) {
      y += RH;
      if (it.head) {
        const r = it.head;
        const who = r.side === "region" ? "Region " + r.country : (r.side === "receiver" ? "Receiver " : "Sender ") + (names[r.country] || r.country) + " (" + r.country + ")";
        svg.appendChild(Charts.el("text", {x: 0, y: y - 7, "font-size": 13, "font-weight": 700}, who));
        continue;
      }
      const r = it.row, s = scale[r.unit] || 1, half = BW / 2 - 4;
      const bx = v => mid + (v / s) * half;
      const colour = r.flow === "gives" ? "#8c510a" : "#1f5f8b";
      svg.appendChild(Charts.el("text", {x: 12, y: y - 7, "font-size": 12}, (r.flow === "gives" ? "gives: " : "gets: ") + r.item));
      const x0 = Math.min(mid, bx(r.value)), w = Math.max(Math.abs(bx(r.value) - mid), 1);
      const bar = Charts.el("rect", {x: x0, y: y - 18, width: w, height: 12, fill: colour, class: "bar bar-" + r.flow});
      bar.appendChild(Charts.el("title", {}, r.item + ": " + Charts.unitText(r.value, r.unit) + (r.interval === "90% over draws" ? " (90%: " + LL.sig(r.low) + " to " + LL.sig(r.high) + ")" : " (" + r.interval + ")")));
      svg.appendChild(bar);
      if (r.interval === "90% over draws" && r.low !== null && r.high !== null) {
        const a = bx(r.low), b = bx(r.high), cy = y - 12;
        svg.appendChild(Charts.el("line", {x1: a, x2: b, y1: cy, y2: cy, stroke: "#111", "stroke-width": 1.5, class: "whisker"}));
        svg.appendChild(Charts.el("line", {x1: a, x2: a, y1: cy - 5, y2: cy + 5, stroke: "#111", "stroke-width": 1.5}));
        svg.appendChild(Charts.el("line", {x1: b, x2: b, y1: cy - 5, y2: cy + 5, stroke: "#111", "stroke-width": 1.5}));
      }
      let txt = Charts.unitText(r.value, r.unit);
      if (r.interval === "90% over draws") txt += " [" + LL.sig(r.low) + ", " + LL.sig(r.high) + "]";
      svg.appendChild(Charts.el("text", {x: VX, y: y - 7, "font-size": 12}, txt));
    }
    container.innerHTML = ""; container.appendChild(svg);
  },
};

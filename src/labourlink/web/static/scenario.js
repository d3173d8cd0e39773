"use strict";
(async function () {
  const meta = await LL.loadMeta();
  const m = document.getElementById("members"), g = document.getElementById("group");
  const names = LL.names();
  LL.fillSelect(g, LL.groupItems(meta), meta.group_members.ASEAN ? "ASEAN" : undefined);
  function showNames() {
    const codes = m.value.split(/[\s,;]+/).filter(s => s).map(s => s.toUpperCase());
    document.getElementById("member-names").textContent = "Members: " + codes.map(c => c + " " + (names[c] || "(not a country of the store)")).join(", ");
  }
  function fromGroup() { m.value = (meta.group_members[g.value] || []).join(","); showNames(); }
  // the form starts from a meaningful grouping (ASEAN), not the first codes of the alphabet
  if (LL.param("members")) { m.value = LL.param("members"); showNames(); } else fromGroup();
  g.addEventListener("change", fromGroup);
  m.addEventListener("input", showNames);
  document.getElementById("run").addEventListener("click", async () => {
    const status = document.getElementById("status");
    status.textContent = "running…";
    const body = {members: m.value.split(/[\s,;]+/).filter(s => s), draws: Number(document.getElementById("draws").value), sigma: Number(document.getElementById("sigma").value)};
    try {
      const r = await LL.api("/api/scenario", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
      document.getElementById("summary").textContent = r.summary + " (" + r.draws + " draws).";
      LL.fillTable("results", r.results, x => [[x.iso3], [x.name], [x.member ? "yes" : "no"], [LL.fmt(x.welfare_change_pct, 3), "num"], ["[" + LL.fmt(x.welfare_low_pct, 3) + ", " + LL.fmt(x.welfare_high_pct, 3) + "]", "num"], [LL.fmt(x.real_gdp_change_pct, 3), "num"], [LL.fmt(x.exports_change_pct, 2), "num"]]);
      LL.fillTable("estimates", r.estimates, e => [[e.term], [LL.fmt(e.estimate, 4), "num"], [LL.fmt(e.std_error, 4), "num"]]);
      document.getElementById("result").hidden = false;
      status.textContent = "done";
      LL.setQuery({members: body.members.join(",")});
    } catch (e) { status.textContent = "failed"; console.warn(e.message); }
  });
})().catch(e => console.warn(e.message));

// Compare (`/compare?jurisdiction_id=a,b`): time to close (median and 90th percentile),
// counts by canonical category and by month across the chosen cities, each as a chart with
// its numbers in a table under it, all from `/api/v1/stats`.

/** Categories shown in the chart (the table holds them all). */
const TOP_CATEGORIES = 12;

async function renderCompare(view) {
  document.title = T.titles.compare;
  const [cities, categories] = await Promise.all([shared.jurisdictions(), shared.categories()]);
  const asked = (new URLSearchParams(location.search).get("jurisdiction_id") || "").split(",").filter(Boolean);
  const chosen = asked.length ? asked : cities.filter((c) => c.health.records > 0).slice(0, 3).map((c) => c.id);
  const boxes = cities.map((c) => h("label", { class: "check" },
    h("input", { type: "checkbox", name: "jurisdiction_id", value: c.id, checked: chosen.includes(c.id) }), c.name));
  const results = h("div", { class: "compare-results", "aria-live": "polite" });
  const form = h("form", { class: "filters compare-form", onsubmit: (e) => {
    e.preventDefault();
    const ids = new FormData(form).getAll("jurisdiction_id");
    history.pushState(null, "", withQuery("/compare", { jurisdiction_id: ids }));
    show(ids);
  } },
  h("fieldset", {}, h("legend", {}, T.compare.choose), h("div", { class: "city-boxes wide" }, boxes)),
  h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, T.compare.apply)));
  view.append(h("h1", {}, T.compare.heading), h("p", { class: "intro" }, T.compare.intro), form, results);
  const show = async (ids) => {
    results.replaceChildren(h("p", {}, T.loading));
    if (!ids.length) {
      results.replaceChildren(h("p", {}, T.compare.pickSome));
      return;
    }
    try {
      results.replaceChildren(...(await comparison(ids, cities, categories)));
    } catch (e) {
      results.replaceChildren(errorBox(e));
    }
  };
  await show(chosen);
}

async function comparison(ids, cities, categories) {
  const stats = (group_by) => getJSON("/api/v1/stats", { jurisdiction_id: ids, group_by }).then((r) => r.body.groups);
  const [overall, byCategory, byMonth] = await Promise.all([stats("jurisdiction"), stats("jurisdiction,category"), stats("jurisdiction,month")]);
  const names = ids.map((id) => cityName(cities, id));
  const of = (groups, id) => groups.filter((g) => g.jurisdiction_id === id);

  const closeRows = ids.map((id) => of(overall, id)[0] || { count: 0, closed: 0, median_days_to_close: null, p90_days_to_close: null });
  const closeChart = barChart(T.compare.close, closeRows.map((g, i) => ({ label: names[i], values: [g.median_days_to_close, g.p90_days_to_close] })),
    [T.compare.median, T.compare.p90], fmt.days);
  const closeTable = table(T.compare.close, [T.compare.city, T.compare.count, T.compare.closedCount, T.compare.median, T.compare.p90],
    closeRows.map((g, i) => [names[i], fmt.number(g.count), fmt.number(g.closed), fmt.days(g.median_days_to_close), fmt.days(g.p90_days_to_close)]), true);

  const categoryName = (slug) => (categories.find((c) => c.slug === slug) || { name: slug || T.none }).name;
  const slugs = [...new Set(byCategory.map((g) => g.category))];
  const count = (id, slug) => (byCategory.find((g) => g.jurisdiction_id === id && g.category === slug) || { count: 0 }).count;
  const totals = new Map(slugs.map((slug) => [slug, ids.reduce((sum, id) => sum + count(id, slug), 0)]));
  slugs.sort((a, b) => totals.get(b) - totals.get(a) || String(a).localeCompare(String(b)));
  const categoryChart = barChart(T.compare.byCategory, slugs.slice(0, TOP_CATEGORIES).map((slug) => ({ label: categoryName(slug), values: ids.map((id) => count(id, slug)) })), names, fmt.number);
  const categoryTable = table(T.compare.byCategory, [T.compare.category, ...names], slugs.map((slug) => [categoryName(slug), ...ids.map((id) => fmt.number(count(id, slug)))]), true);

  const months = [...new Set(byMonth.map((g) => g.month).filter(Boolean))].sort();
  const monthly = ids.map((id) => months.map((m) => (byMonth.find((g) => g.jurisdiction_id === id && g.month === m) || { count: 0 }).count));
  const monthChart = lineChart(T.compare.byMonth, months, names, monthly);
  const monthTable = table(T.compare.byMonth, [T.compare.month, ...names], months.slice().reverse().map((m) => [m, ...ids.map((_, j) => fmt.number(monthly[j][months.indexOf(m)]))]), true);

  return [
    h("section", { class: "chart-section", id: "close" }, h("h2", {}, T.compare.close), h("p", {}, T.compare.closeNote), closeChart, closeTable),
    h("section", { class: "chart-section", id: "categories" }, h("h2", {}, T.compare.byCategory), categoryChart, categoryTable),
    h("section", { class: "chart-section", id: "months" }, h("h2", {}, T.compare.byMonth), monthChart, monthTable),
  ];
}

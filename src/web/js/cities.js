// The cities (`/cities`): every jurisdiction with its state, freshness, records, failures,
// last error, what was learned of its dialect, and its area on a small map.

async function renderCities(view) {
  document.title = T.titles.cities;
  shared.forget("jurisdictions");
  const [cities, areas] = await Promise.all([shared.jurisdictions(), shared.boundaries()]);
  const byId = new Map(areas.features.map((f) => [f.properties.id, f]));
  const counts = {};
  for (const c of cities) counts[c.health.state] = (counts[c.health.state] || 0) + 1;
  const countText = Object.keys(T.cities.states).filter((k) => counts[k]).map((k) => `${counts[k]} ${T.cities.states[k]}`).join(", ");
  const head = [T.cities.city, T.cities.state, T.cities.lastSuccess, T.cities.lag, T.cities.records, T.cities.failures, T.cities.lastError, T.cities.learned, T.cities.area];
  const rows = cities.map((c) => {
    const health = c.health;
    const cell = (label, ...content) => h("td", { "data-label": label }, ...content);
    return h("tr", { "data-city": c.id, "data-state": health.state },
      h("th", { scope: "row" }, h("span", { class: "city-name" }, c.name), h("br"), h("code", {}, c.id)),
      cell(T.cities.state, h("span", { class: `state state-${health.state}` }, T.cities.states[health.state] || health.state)),
      cell(T.cities.lastSuccess, health.last_success ? h("time", { datetime: health.last_success, title: fmt.time(health.last_success) }, T.cities.ago(fmt.since(health.last_success))) : T.cities.never),
      cell(T.cities.lag, health.lag_seconds === null || health.lag_seconds === undefined ? T.none : T.cities.ago(fmt.span(health.lag_seconds))),
      cell(T.cities.records, h("span", { class: "num" }, fmt.number(health.records))),
      cell(T.cities.failures, h("span", { class: "num" }, fmt.number(health.consecutive_failures || 0))),
      cell(T.cities.lastError, health.last_error ? h("span", { class: "last-error" }, truncate(health.last_error, 220)) : T.none),
      cell(T.cities.learned, learnedText(c.learned)),
      cell(T.cities.area, areaSketch(byId.get(c.id))));
  });
  view.append(
    h("h1", {}, T.cities.heading),
    h("p", { class: "intro" }, T.cities.intro),
    h("p", { class: "summary-line" }, T.cities.summary(cities.length, countText)),
    h("div", { class: "table-wrap cities-wrap" },
      h("table", { class: "data cities" },
        h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, rows))));
}

/** What the harvester learned of the endpoint, in a few words. */
function learnedText(learned) {
  if (!learned) return T.none;
  const said = [];
  for (const [key, value] of Object.entries(learned)) {
    if (value === null || value === false || value === undefined || (Array.isArray(value) && !value.length)) continue;
    said.push(value === true ? key.replaceAll("_", " ") : `${key.replaceAll("_", " ")}: ${typeof value === "object" ? JSON.stringify(value) : value}`);
  }
  return said.length ? h("p", { class: "learned" }, said.join(" · ")) : T.none;
}

/** A city's area as a small outline (equirectangular, scaled by its latitude). */
function areaSketch(feature) {
  if (!feature) return h("span", { class: "muted" }, T.cities.noArea);
  const polygons = feature.geometry.coordinates;
  const all = polygons.flat(2);
  const lats = all.map((p) => p[1]);
  const longs = all.map((p) => p[0]);
  const [south, north, west, east] = [Math.min(...lats), Math.max(...lats), Math.min(...longs), Math.max(...longs)];
  const squeeze = Math.cos((((south + north) / 2) * Math.PI) / 180);
  const width = Math.max(1e-9, (east - west) * squeeze);
  const height = Math.max(1e-9, north - south);
  const size = 72;
  const k = (size - 4) / Math.max(width, height);
  const x = (long) => 2 + (long - west) * squeeze * k;
  const y = (lat) => 2 + (north - lat) * k;
  const d = polygons.map((poly) => poly.map((ring) => `M${ring.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join("L")}Z`).join("")).join("");
  const label = feature.properties.approximate ? T.cities.approximate : feature.properties.name;
  return s("svg", { class: "sketch", width: size, height: size, viewBox: `0 0 ${size} ${size}`, role: "img", "aria-label": label },
    s("title", {}, label),
    s("path", { d, class: feature.properties.approximate ? "approximate" : "drawn", "fill-rule": "evenodd" }));
}

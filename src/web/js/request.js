// One report (`/requests/{jurisdiction_id}/{service_request_id}`): every field, the photo,
// the status history as a timeline, the canonical category beside the city's own words, a
// small map, and links to the record at its source.

async function renderRequest(view, jurisdictionId, id) {
  const path = `/api/v1/requests/${encodeURIComponent(jurisdictionId)}/${encodeURIComponent(id)}`;
  const [record, cities, categories] = await Promise.all([getJSON(path).then((r) => r.body), shared.jurisdictions(), shared.categories()]);
  const city = cities.find((c) => c.id === jurisdictionId);
  const category = categories.find((c) => c.slug === record.category);
  const name = record.service_name || record.service_code || id;
  document.title = T.titles.request(name);
  const mapEl = h("div", { class: "map small", role: "region", "aria-label": T.request.map });
  const hasPoint = typeof record.lat === "number" && typeof record.long === "number";
  view.append(h("article", { class: "record" },
    h("p", {}, h("a", { href: "/", "data-nav": true, onclick: backToSearch }, `← ${T.request.back}`)),
    h("h1", {}, name, " ", statusBadge(record.status)),
    h("p", { class: "lead" }, `${city ? city.name : jurisdictionId} · ${T.request.opened} ${fmt.time(record.requested_datetime)}`),
    record.description ? h("p", { class: "description-full" }, record.description) : null,
    h("dl", { class: "pairs" },
      h("dt", {}, T.request.category), h("dd", {}, category ? category.name : record.category || T.none),
      h("dt", {}, T.request.service), h("dd", {}, `${record.service_name || T.none} (${record.service_code || T.none})`),
      h("dt", {}, T.request.statusRaw), h("dd", {}, record.status_raw || T.none)),
    h("div", { class: "record-grid" },
      h("div", {}, photo(record, name), hasPoint ? h("section", {}, h("h2", {}, T.request.map), mapEl) : null),
      h("section", { class: "timeline-box" }, h("h2", {}, T.request.history), timeline(record))),
    h("section", {}, h("h2", {}, T.request.sources), sources(record, city)),
    h("section", {}, h("h2", {}, T.request.fields), fieldsTable(record))));
  if (hasPoint) {
    const map = await makeMap(mapEl, { scrollWheelZoom: false });
    await drawAreas(map, [jurisdictionId]);
    map.setView([record.lat, record.long], 15);
    L.circleMarker([record.lat, record.long], { radius: 9, color: "#ffffff", weight: 2, fillColor: "#cc0000", fillOpacity: 1 }).addTo(map).bindTooltip(name);
  }
}

/** Back to the search the reader came from, when there was one. */
function backToSearch(e) {
  if (history.length > 1 && document.referrer.startsWith(location.origin)) {
    e.preventDefault();
    e.stopPropagation();
    history.back();
  }
}

function photo(record, name) {
  if (!record.media_url || !/^https?:\/\//.test(record.media_url)) return null;
  return h("figure", { class: "photo" },
    h("img", { src: record.media_url, alt: T.request.photo(name), loading: "lazy", referrerpolicy: "no-referrer", onerror: (e) => e.target.remove() }),
    h("figcaption", {}, h("a", { href: record.media_url, rel: "noopener noreferrer" }, T.request.photoLink)));
}

function timeline(record) {
  const entries = record.history || [];
  if (!entries.length) return h("p", {}, T.request.historyNone);
  return h("ol", { class: "timeline" }, entries.map((e) => {
    const fields = (e.change || "").split(",").filter(Boolean);
    const what = e.change === "created" ? T.request.created : T.request.changed(fields.map((f) => T.request.fieldNames[f] || f).join(", "));
    return h("li", { class: `change-${e.status || "open"}` },
      h("p", { class: "when" }, h("time", { datetime: e.updated_datetime || e.seen_at }, fmt.time(e.updated_datetime || e.seen_at)),
        e.updated_datetime ? ` (${T.request.seen(fmt.time(e.seen_at))})` : ""),
      h("p", { class: "what" }, h("strong", {}, what), " ", e.status ? statusBadge(e.status) : null, e.status_raw ? ` “${e.status_raw}”` : ""),
      e.status_notes ? h("p", { class: "notes" }, e.status_notes) : null,
      e.description && fields.includes("description") ? h("p", { class: "notes" }, e.description) : null);
  }));
}

function sources(record, city) {
  const enc = encodeURIComponent;
  const links = [];
  if (city && city.endpoint) links.push([T.request.cityEndpoint, `${city.endpoint}requests/${enc(record.service_request_id)}.json`]);
  links.push([T.request.georeport, `/jurisdictions/${enc(record.jurisdiction_id)}/open311/v2/requests/${enc(record.service_request_id)}.json`]);
  links.push([T.request.api, `/api/v1/requests/${enc(record.jurisdiction_id)}/${enc(record.service_request_id)}`]);
  return h("ul", { class: "links" }, links.map(([text, href]) => h("li", {}, h("a", { href, rel: "noopener" }, text))));
}

function fieldsTable(record) {
  const rows = Object.entries(record).filter(([k]) => k !== "history").map(([k, v]) => {
    const text = v === null || v === undefined || v === "" ? T.none : typeof v === "object" ? JSON.stringify(v) : String(v);
    return h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, text));
  });
  return h("div", { class: "table-wrap" }, h("table", { class: "data fields" }, h("tbody", {}, rows)));
}

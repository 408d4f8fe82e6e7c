// The search view (`/`): a form, the list of matches and a map kept in step with it. The
// address bar holds the search. The map draws the matches in view one by one when there are
// few, and counts by area (`/api/v1/requests/grid`) when there are many.

/** At most this many matches in view are drawn one by one; more are counted by area. */
const MAP_POINTS = 500;
/** Matches per page of the list. */
const LIST_PAGE = 50;

function readSearch() {
  const p = new URLSearchParams(location.search);
  return {
    q: p.get("q") || "",
    jurisdiction_id: (p.get("jurisdiction_id") || "").split(",").filter(Boolean),
    category: p.get("category") || "",
    status: p.get("status") || "",
    start_date: p.get("start_date") || "",
    end_date: p.get("end_date") || "",
    bbox: p.get("bbox") || "",
  };
}

/** The search's filters as the API takes them; `box` replaces the search's own box. */
function apiFilters(state, box) {
  return {
    q: state.q,
    jurisdiction_id: state.jurisdiction_id,
    category: state.category,
    status: state.status,
    start_date: state.start_date ? `${state.start_date}T00:00:00Z` : "",
    end_date: state.end_date ? `${state.end_date}T23:59:59Z` : "",
    bbox: box === undefined ? state.bbox : box,
  };
}

const recordKey = (r) => `${r.jurisdiction_id}/${r.service_request_id}`;
const recordPath = (r) => `/requests/${encodeURIComponent(r.jurisdiction_id)}/${encodeURIComponent(r.service_request_id)}`;

function searchForm(state, cities, categories, onSubmit) {
  const cityBoxes = cities.map((c) => h("label", { class: "check" },
    h("input", { type: "checkbox", name: "jurisdiction_id", value: c.id, checked: state.jurisdiction_id.includes(c.id) }), c.name));
  const summary = h("summary", {}, "");
  const citiesText = () => {
    const n = cityBoxes.filter((l) => l.firstChild.checked).length;
    summary.textContent = `${T.search.cities}: ${n ? T.search.citiesSome(n) : T.search.citiesAll}`;
  };
  citiesText();
  const option = (value, text, selected) => h("option", { value, selected: selected === value }, text);
  const form = h("form", { class: "filters", role: "search", onsubmit: (e) => { e.preventDefault(); onSubmit(readForm(form)); } },
    h("label", { class: "field wide" }, h("span", {}, T.search.q),
      h("input", { type: "search", name: "q", value: state.q, placeholder: T.search.qHint, autocomplete: "off" })),
    h("details", { class: "field cities", onchange: citiesText }, summary, h("div", { class: "city-boxes" }, cityBoxes)),
    h("label", { class: "field" }, h("span", {}, T.search.category),
      h("select", { name: "category" }, option("", T.search.anyCategory, state.category),
        categories.map((c) => option(c.slug, c.name, state.category)))),
    h("label", { class: "field" }, h("span", {}, T.search.status),
      h("select", { name: "status" }, option("", T.search.anyStatus, state.status), option("open", T.search.open, state.status), option("closed", T.search.closed, state.status))),
    h("label", { class: "field" }, h("span", {}, T.search.from), h("input", { type: "date", name: "start_date", value: state.start_date })),
    h("label", { class: "field" }, h("span", {}, T.search.to), h("input", { type: "date", name: "end_date", value: state.end_date })),
    h("label", { class: "check area" }, h("input", { type: "checkbox", name: "area", checked: !!state.bbox }), T.search.area),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, T.search.submit),
      h("a", { href: "/", "data-nav": true, class: "button" }, T.search.reset)));
  return form;
}

function readForm(form) {
  const data = new FormData(form);
  return {
    q: (data.get("q") || "").trim(),
    jurisdiction_id: data.getAll("jurisdiction_id"),
    category: data.get("category") || "",
    status: data.get("status") || "",
    start_date: data.get("start_date") || "",
    end_date: data.get("end_date") || "",
    area: data.get("area") === "on",
  };
}

async function renderSearch(view) {
  document.title = T.titles.search;
  const state = readSearch();
  const [cities, categories] = await Promise.all([shared.jurisdictions(), shared.categories()]);
  const search = new SearchView(view, state, cities);
  const form = searchForm(state, cities, categories, (asked) => search.submit(asked));
  search.mount(form);
  await search.start();
}

class SearchView {
  constructor(view, state, cities) {
    this.view = view;
    this.state = state;
    this.cities = cities;
    this.items = new Map();
    this.markers = new Map();
    this.selected = null;
    this.cursor = null;
    this.listRun = 0;
    this.mapRun = 0;
  }

  mount(form) {
    this.form = form;
    this.summary = h("div", { class: "summary" });
    this.list = h("ol", { class: "results-list", "aria-label": T.search.listLabel });
    this.more = h("button", { type: "button", class: "more", hidden: true, onclick: () => this.runList(true) }, T.search.more);
    this.mapEl = h("div", { class: "map", id: "search-map", role: "region", "aria-label": T.search.mapLabel });
    this.mapNote = h("p", { class: "map-note", "aria-live": "polite" });
    this.view.append(
      h("h1", { class: "sr-only" }, T.search.heading),
      form,
      this.summary,
      h("div", { class: "results" },
        h("section", { class: "list-pane", "aria-label": T.search.listLabel }, this.list, this.more),
        h("section", { class: "map-pane" }, this.mapEl, this.mapNote)));
  }

  async start() {
    this.map = await makeMap(this.mapEl, {});
    this.countLayer = L.layerGroup().addTo(this.map);
    this.listLayer = L.layerGroup().addTo(this.map);
    const areas = await drawAreas(this.map, this.state.jurisdiction_id);
    if (!(this.state.bbox && fitBox(this.map, this.state.bbox))) {
      if (areas) this.map.fitBounds(areas, { padding: [8, 8] });
      else this.map.setView([30, 0], 2);
    }
    let moved = null;
    this.map.on("moveend", () => {
      clearTimeout(moved);
      moved = setTimeout(() => this.moved(), 250);
    });
    await Promise.all([this.runList(false), this.runMap()]);
  }

  /** A new search from the form. */
  submit(asked) {
    const bbox = asked.area ? viewBox(this.map) : "";
    this.state = Object.assign({}, asked, { bbox });
    delete this.state.area;
    history.pushState(null, "", withQuery("/", this.state));
    this.runList(false);
    this.runMap();
  }

  /** The map moved: with "only in the map's area", the list follows it. */
  moved() {
    if (this.form.elements.area.checked) {
      this.state.bbox = viewBox(this.map);
      history.replaceState(null, "", withQuery("/", this.state));
      this.runList(false);
    }
    this.runMap();
  }

  async runList(append) {
    const run = ++this.listRun;
    if (!append) this.cursor = null;
    this.view.setAttribute("aria-busy", "true");
    let page;
    try {
      page = await getJSON("/api/v1/requests", Object.assign(apiFilters(this.state), { limit: LIST_PAGE, cursor: this.cursor }));
    } catch (e) {
      if (run === this.listRun) this.summary.replaceChildren(errorBox(e));
      return;
    } finally {
      this.view.removeAttribute("aria-busy");
    }
    if (run !== this.listRun) return;
    const { requests, next_cursor: next, total } = page.body;
    if (!append) {
      this.list.replaceChildren();
      this.items.clear();
      this.markers.clear();
      this.listLayer.clearLayers();
      this.selected = null;
    }
    requests.forEach((r) => this.addItem(r));
    this.cursor = next;
    this.more.hidden = !next;
    this.showSummary(total, page.headers.get("x-index-lag"));
    if (!append) announce(total ? T.search.matches(fmt.number(total)) : T.search.noMatches);
  }

  showSummary(total, lag) {
    const filters = apiFilters(this.state);
    const link = (href, text) => h("a", { href }, text);
    this.summary.dataset.total = String(total);
    this.summary.replaceChildren(
      h("p", { class: "count" }, total ? T.search.matches(fmt.number(total)) : T.search.noMatches),
      h("p", { class: "links" },
        h("span", {}, T.search.feeds), " ",
        link(withQuery("/api/v1/feeds/requests.atom", filters), T.search.atom), " · ",
        link(withQuery("/api/v1/feeds/requests.rss", filters), T.search.rss)),
      h("p", { class: "links" },
        h("span", {}, T.search.downloads), " ",
        link(withQuery("/api/v1/requests", Object.assign({}, filters, { format: "csv" })), T.search.csv), " · ",
        link(withQuery("/api/v1/requests", Object.assign({}, filters, { format: "geojson" })), T.search.geojson)),
      ...(lag && lag !== "0" ? [h("p", { class: "note" }, T.search.lag)] : []));
  }

  addItem(r) {
    const key = recordKey(r);
    const place = r.address || (r.lat !== null && r.lat !== undefined ? "" : T.search.noPoint);
    const text = (r.description || "").trim();
    const item = h("li", { class: "result", "data-key": key },
      h("h2", {}, h("a", { href: recordPath(r), "data-nav": true }, r.service_name || r.service_code || key)),
      text ? h("p", { class: "description" }, truncate(text, 160)) : null,
      h("p", { class: "meta" }, statusBadge(r.status), " ",
        h("span", {}, cityName(this.cities, r.jurisdiction_id)), " · ",
        h("time", { datetime: r.requested_datetime || "" }, fmt.date(r.requested_datetime)),
        place ? ` · ${place}` : ""));
    item.addEventListener("mouseenter", () => this.highlight(key, true));
    item.addEventListener("mouseleave", () => this.highlight(key, false));
    item.addEventListener("focusin", () => this.highlight(key, true));
    item.addEventListener("focusout", () => this.highlight(key, false));
    item.addEventListener("click", (e) => { if (!e.target.closest("a")) this.select(key, true); });
    this.items.set(key, item);
    this.list.append(item);
    if (typeof r.lat === "number" && typeof r.long === "number") {
      const marker = L.circleMarker([r.lat, r.long], { radius: 7, color: "#ffffff", weight: 2, fillColor: "#b45f06", fillOpacity: 1 });
      marker.bindTooltip(r.service_name || key);
      marker.on("mouseover", () => this.highlight(key, true));
      marker.on("mouseout", () => this.highlight(key, false));
      marker.on("click", () => this.select(key, false));
      marker.addTo(this.listLayer);
      this.markers.set(key, marker);
    }
  }

  highlight(key, on) {
    const item = this.items.get(key);
    const marker = this.markers.get(key);
    const lit = on || this.selected === key;
    if (item) item.classList.toggle("lit", lit);
    if (marker) {
      marker.setStyle(lit ? { radius: 11, fillColor: "#cc0000" } : { radius: 7, fillColor: "#b45f06" });
      if (lit) marker.bringToFront();
    }
  }

  /** Selects a match: from the list the map pans to it, from the map the list scrolls to it. */
  select(key, fromList) {
    const previous = this.selected;
    this.selected = key;
    if (previous && previous !== key) {
      this.highlight(previous, false);
      const old = this.items.get(previous);
      if (old) old.classList.remove("selected");
    }
    const item = this.items.get(key);
    const marker = this.markers.get(key);
    if (item) item.classList.add("selected");
    this.highlight(key, true);
    if (fromList && marker) this.map.panTo(marker.getLatLng());
    if (!fromList && item) item.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  /** The matches in view: one by one when few, else counts by area. */
  async runMap() {
    const run = ++this.mapRun;
    const box = viewBox(this.map);
    const zoom = Math.round(this.map.getZoom());
    const filters = apiFilters(this.state, box);
    try {
      const grid = (await getJSON("/api/v1/requests/grid", Object.assign({}, filters, { zoom }))).body;
      if (run !== this.mapRun) return;
      if (grid.total <= MAP_POINTS) {
        const page = grid.total ? (await getJSON("/api/v1/requests", Object.assign({}, filters, { limit: MAP_POINTS }))).body.requests : [];
        if (run !== this.mapRun) return;
        this.drawPoints(page);
        this.mapNote.textContent = T.search.points(fmt.number(grid.total));
      } else {
        this.drawCounts(grid.cells);
        this.mapNote.textContent = T.search.counts(fmt.number(grid.total));
      }
      this.mapNote.dataset.total = String(grid.total);
      this.mapNote.dataset.bbox = box;
      if (!document.body.dataset.mapReady) document.body.dataset.mapReady = String(Math.round(performance.now()));
    } catch (e) {
      if (run === this.mapRun) this.mapNote.replaceChildren(errorBox(e));
    }
  }

  drawPoints(records) {
    this.countLayer.clearLayers();
    for (const r of records) {
      if (typeof r.lat !== "number" || typeof r.long !== "number") continue;
      const marker = L.circleMarker([r.lat, r.long], { radius: 5, color: "#ffffff", weight: 1, fillColor: "#0b5394", fillOpacity: 0.9 });
      marker.bindPopup(() => h("div", {},
        h("a", { href: recordPath(r), "data-nav": true }, r.service_name || recordKey(r)), h("br"),
        statusBadge(r.status), " ", fmt.date(r.requested_datetime)));
      marker.addTo(this.countLayer);
    }
  }

  drawCounts(cells) {
    this.countLayer.clearLayers();
    for (const cell of cells) {
      const size = Math.round(26 + 7 * Math.log10(cell.count));
      const icon = L.divIcon({ className: "cluster", html: `<span>${fmt.short(cell.count)}</span>`, iconSize: [size, size] });
      const marker = L.marker([cell.lat, cell.long], { icon, title: T.search.cluster(fmt.number(cell.count)), alt: T.search.cluster(fmt.number(cell.count)) });
      const [w, s, e, n] = cell.bounds;
      marker.on("click", () => this.map.fitBounds([[s, w], [n, e]]));
      marker.addTo(this.countLayer);
    }
  }
}

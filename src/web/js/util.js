// Small helpers: building elements, reading the API, formatting, and the shared data every
// view reads once per page load.

/** An element with attributes (`on…` are listeners) and children (strings, nodes, arrays). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAll(el, attrs, children);
  return el;
}

/** An SVG element, as `h`. */
function s(tag, attrs, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  setAll(el, attrs, children);
  return el;
}

function setAll(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.setAttribute("class", value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** A path with its query: empty values and empty lists are left out. */
function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    const text = Array.isArray(value) ? value.join(",") : value;
    if (text !== "" && text !== null && text !== undefined) query.set(key, String(text));
  }
  const q = query.toString();
  return q ? `${path}?${q}` : path;
}

/** GETs JSON from the API; a failure throws an Error with the API's own words. */
async function getJSON(path, params) {
  const response = await fetch(withQuery(path, params), { headers: { Accept: "application/json" } });
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (_) { body = null; }
  if (!response.ok) throw new Error(problemText(body) || `${response.status} ${response.statusText}`);
  return { body, headers: response.headers };
}

/** What went wrong, from a problem document or spec `errors`. */
function problemText(body) {
  if (!body) return "";
  if (Array.isArray(body)) return body.map((e) => e.description).filter(Boolean).join("; ");
  return body.detail || body.title || "";
}

const numberFormat = new Intl.NumberFormat("en");
const fmt = {
  number: (n) => (n === null || n === undefined ? T.none : numberFormat.format(n)),
  days: (d) => (d === null || d === undefined ? T.none : d < 10 ? d.toFixed(1) : numberFormat.format(Math.round(d))),
  short: (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${Math.round(n / 1e3)}k` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n)),
  /** `2024-05-01 14:03 UTC` from an ISO instant. */
  time: (iso) => (iso ? iso.replace("T", " ").replace(/(:\d\d)(\.\d+)?Z$/, "$1").slice(0, 16) + " UTC" : T.none),
  date: (iso) => (iso ? iso.slice(0, 10) : T.none),
  /** `3 d 4 h` from seconds. */
  span: (seconds) => {
    if (seconds === null || seconds === undefined) return T.none;
    const units = [["y", 31557600], ["d", 86400], ["h", 3600], ["min", 60], ["s", 1]];
    const parts = [];
    let left = Math.max(0, Math.round(seconds));
    for (const [unit, size] of units) {
      if (left >= size && parts.length < 2) {
        parts.push(`${Math.floor(left / size)} ${unit}`);
        left %= size;
      }
    }
    return parts.join(" ") || "0 s";
  },
  since: (iso) => (iso ? fmt.span((Date.now() - Date.parse(iso)) / 1000) : T.none),
};

/** Tells screen readers what changed. */
function announce(text) {
  const status = document.getElementById("status");
  if (status) status.textContent = text;
}

/** Data every view shares, read once per page load. */
const shared = {
  cache: new Map(),
  once(key, load) {
    if (!this.cache.has(key)) {
      const promise = load().catch((e) => { this.cache.delete(key); throw e; });
      this.cache.set(key, promise);
    }
    return this.cache.get(key);
  },
  config() { return this.once("config", async () => (await getJSON("/web/config.json")).body); },
  jurisdictions() { return this.once("jurisdictions", async () => (await getJSON("/api/v1/jurisdictions")).body.jurisdictions); },
  categories() { return this.once("categories", async () => (await getJSON("/api/v1/categories")).body.categories); },
  boundaries() { return this.once("boundaries", async () => (await getJSON("/web/boundaries.json")).body); },
  forget(key) { this.cache.delete(key); },
};

/** A city's name by id. */
function cityName(cities, id) {
  const city = cities.find((c) => c.id === id);
  return city ? city.name : id;
}

/** A status badge: the word, never the colour alone. */
function statusBadge(status) {
  return h("span", { class: `badge badge-${status === "closed" ? "closed" : "open"}` }, status === "closed" ? T.search.closed : T.search.open);
}

function errorBox(error) {
  return h("p", { class: "error", role: "alert" }, T.failed(error.message || String(error)));
}

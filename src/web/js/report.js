// Report a problem (`/report?lat=&long=`): pick a point, find the city that covers it
// (`locate`), list its services, ask the service definition's questions as form fields, and
// post through the GeoReport submission (`/web/report`, when the operator allows it). The
// answer is the city's id or a token, which `/tokens/{token}` follows.

async function renderReport(view) {
  document.title = T.titles.report;
  const config = await shared.config();
  const params = new URLSearchParams(location.search);
  const lat = h("input", { type: "number", step: "any", name: "lat", id: "report-lat", value: params.get("lat") || "", required: true });
  const long = h("input", { type: "number", step: "any", name: "long", id: "report-long", value: params.get("long") || "", required: true });
  const mapEl = h("div", { class: "map pick", role: "region", "aria-label": T.report.pick, tabindex: 0 });
  const where = h("div", { class: "where", "aria-live": "polite" });
  view.append(h("h1", {}, T.report.heading), h("p", { class: "intro" }, config.reports ? T.report.intro : T.report.off),
    h("div", { class: "report-grid" },
      h("section", {}, h("p", {}, T.report.pick), mapEl,
        h("div", { class: "coords" },
          h("label", { class: "field" }, h("span", {}, T.report.lat), lat),
          h("label", { class: "field" }, h("span", {}, T.report.long), long))),
      h("section", {}, where)));
  const map = await makeMap(mapEl, {});
  const areas = await drawAreas(map, [], false);
  if (areas) map.fitBounds(areas, { padding: [8, 8] }); else map.setView([30, 0], 2);
  let marker = null;
  const pick = async (at, pan) => {
    lat.value = at.lat.toFixed(6);
    long.value = at.lng.toFixed(6);
    if (marker) marker.setLatLng(at);
    else marker = L.circleMarker(at, { radius: 9, color: "#ffffff", weight: 2, fillColor: "#cc0000", fillOpacity: 1 }).addTo(map);
    if (pan) map.setView(at, Math.max(map.getZoom(), 14), { animate: false });
    history.replaceState(null, "", withQuery("/report", { lat: lat.value, long: long.value }));
    await locate(where, config, Number(lat.value), Number(long.value));
  };
  map.on("click", (e) => pick(e.latlng, false));
  mapEl.addEventListener("keydown", (e) => { if (e.key === "Enter") pick(map.getCenter(), false); });
  const typed = () => {
    const at = L.latLng(Number(lat.value), Number(long.value));
    if (lat.value && long.value && !Number.isNaN(at.lat) && !Number.isNaN(at.lng)) pick(at, true);
  };
  lat.addEventListener("change", typed);
  long.addEventListener("change", typed);
  if (lat.value && long.value) typed();
}

async function locate(where, config, lat, long) {
  where.replaceChildren(h("p", {}, T.report.locating));
  let found;
  try {
    found = (await getJSON("/api/v1/locate", { lat, long })).body.jurisdictions;
  } catch (e) {
    where.replaceChildren(errorBox(e));
    return;
  }
  if (!found.length) {
    where.replaceChildren(h("p", { class: "note" }, T.report.noCity));
    return;
  }
  const cities = await shared.jurisdictions();
  if (!config.reports) {
    where.replaceChildren(...found.map((f) => {
      const city = cities.find((c) => c.id === f.id) || { name: f.name, endpoint: "" };
      return h("p", { class: "report-to" }, T.report.reportTo(city.name), " ", city.endpoint ? h("a", { href: city.endpoint, rel: "noopener" }, city.endpoint) : T.none);
    }));
    return;
  }
  const choice = h("select", { name: "jurisdiction_id", id: "report-city" }, found.map((f) => h("option", { value: f.id }, f.name)));
  const form = h("div", { class: "service-form" });
  where.replaceChildren(h("label", { class: "field" }, h("span", {}, T.report.city), choice), form);
  const chosen = () => serviceForm(form, choice.value, lat, long, config);
  choice.addEventListener("change", chosen);
  await chosen();
}

async function serviceForm(box, jurisdictionId, lat, long, config) {
  box.replaceChildren(h("p", {}, T.loading));
  let services;
  try {
    services = (await getJSON("/open311/v2/services.json", { jurisdiction_id: jurisdictionId })).body;
  } catch (e) {
    box.replaceChildren(errorBox(e));
    return;
  }
  if (!services.length) {
    box.replaceChildren(h("p", { class: "note" }, T.report.noServices));
    return;
  }
  const select = h("select", { name: "service_code", id: "report-service", required: true },
    h("option", { value: "" }, T.report.chooseService),
    services.map((sv) => h("option", { value: sv.service_code }, sv.service_name || sv.service_code)));
  const questions = h("fieldset", { class: "questions", hidden: true });
  const answer = h("div", { class: "answer", "aria-live": "polite" });
  const field = (label, input) => h("label", { class: "field wide" }, h("span", {}, label), input);
  const form = h("form", { class: "report-form", id: "report-form" },
    field(T.report.service, select),
    questions,
    field(T.report.description, h("textarea", { name: "description", rows: 4, maxlength: 4000 })),
    field(T.report.address, h("input", { type: "text", name: "address_string", autocomplete: "street-address" })),
    field(T.report.mediaUrl, h("input", { type: "url", name: "media_url" })),
    field(T.report.email, h("input", { type: "email", name: "email", autocomplete: "email" })),
    h("div", { class: "two" },
      field(T.report.firstName, h("input", { type: "text", name: "first_name", autocomplete: "given-name" })),
      field(T.report.lastName, h("input", { type: "text", name: "last_name", autocomplete: "family-name" }))),
    field(T.report.phone, h("input", { type: "tel", name: "phone", autocomplete: "tel" })),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, T.report.send)),
    answer);
  select.addEventListener("change", async () => {
    const service = services.find((sv) => sv.service_code === select.value);
    await askQuestions(questions, jurisdictionId, service);
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    await send(form, answer, jurisdictionId, lat, long, config);
  });
  box.replaceChildren(form);
}

/** The service definition's questions as fields: lists as selects or checkboxes, dates and numbers typed. */
async function askQuestions(box, jurisdictionId, service) {
  box.replaceChildren();
  box.hidden = true;
  if (!service || !service.metadata) return;
  let definition;
  try {
    definition = (await getJSON(`/open311/v2/services/${encodeURIComponent(service.service_code)}.json`, { jurisdiction_id: jurisdictionId })).body;
  } catch (e) {
    box.replaceChildren(errorBox(e));
    box.hidden = false;
    return;
  }
  const attributes = (definition.attributes || []).slice().sort((a, b) => (a.order || 0) - (b.order || 0));
  if (!attributes.length) return;
  box.append(h("legend", {}, T.report.questions));
  for (const a of attributes) {
    const label = [a.description || a.code, a.required ? ` (${T.report.required})` : ""].join("");
    if (a.variable === false) {
      box.append(h("p", { class: "info" }, a.description || a.datatype_description || ""));
      continue;
    }
    const name = `attribute[${a.code}]`;
    const values = a.values || [];
    let input;
    if (a.datatype === "singlevaluelist") {
      input = h("select", { name, required: !!a.required }, h("option", { value: "" }, T.report.chooseService), values.map((v) => h("option", { value: v.key }, v.name || v.key)));
    } else if (a.datatype === "multivaluelist") {
      box.append(h("fieldset", { class: "multi", "data-required": a.required ? "true" : null }, h("legend", {}, label),
        values.map((v) => h("label", { class: "check" }, h("input", { type: "checkbox", name: `${name}[]`, value: v.key }), v.name || v.key))));
      continue;
    } else if (a.datatype === "datetime") {
      input = h("input", { type: "datetime-local", name, required: !!a.required });
    } else if (a.datatype === "number") {
      input = h("input", { type: "number", step: "any", name, required: !!a.required });
    } else if (a.datatype === "text") {
      input = h("textarea", { name, rows: 3, required: !!a.required });
    } else {
      input = h("input", { type: "text", name, required: !!a.required });
    }
    box.append(h("label", { class: "field wide" }, h("span", {}, label), input));
    if (a.datatype_description) box.append(h("p", { class: "hint" }, a.datatype_description));
  }
  box.hidden = false;
}

async function send(form, answer, jurisdictionId, lat, long, config) {
  const body = new URLSearchParams();
  body.set("jurisdiction_id", jurisdictionId);
  body.set("lat", String(lat));
  body.set("long", String(long));
  for (const [name, value] of new FormData(form).entries()) {
    if (typeof value !== "string" || !value.trim()) continue;
    // A datetime-local field has no zone: send it as the browser's local time with its offset.
    const input = form.elements[name];
    body.append(name, input && input.type === "datetime-local" ? new Date(value).toISOString() : value.trim());
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  answer.replaceChildren(h("p", {}, T.report.sending));
  try {
    const response = await fetch("/web/report", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": config.csrf_token || "" },
      body,
      credentials: "same-origin",
    });
    const text = await response.text();
    let parsed = null;
    try { parsed = JSON.parse(text); } catch (_) { parsed = null; }
    if (!response.ok) throw new Error(problemText(parsed) || `${response.status}`);
    const receipt = (Array.isArray(parsed) ? parsed[0] : parsed) || {};
    const follow = receipt.token ? withQuery(`/tokens/${encodeURIComponent(receipt.token)}`, { jurisdiction_id: jurisdictionId }) : null;
    answer.replaceChildren(h("div", { class: "receipt", role: "status" },
      h("p", {}, h("strong", {}, T.report.sent)),
      receipt.service_request_id ? h("p", { class: "city-id" }, T.report.cityId(receipt.service_request_id)) : null,
      !receipt.service_request_id && receipt.token ? h("p", { class: "token" }, T.report.token(receipt.token)) : null,
      receipt.service_notice ? h("p", { class: "hint" }, receipt.service_notice) : null,
      receipt.service_request_id
        ? h("p", {}, h("a", { href: `/requests/${encodeURIComponent(jurisdictionId)}/${encodeURIComponent(receipt.service_request_id)}`, "data-nav": true }, T.token.open))
        : follow ? h("p", {}, h("a", { href: follow, "data-nav": true, class: "follow" }, T.report.follow)) : null));
    answer.scrollIntoView({ block: "nearest" });
    announce(T.report.sent);
  } catch (e) {
    answer.replaceChildren(h("p", { class: "error", role: "alert" }, T.report.refused(e.message)));
  } finally {
    button.disabled = false;
  }
}

/** `/tokens/{token}`: follows a report fed311 holds until the city gives its id. */
async function renderToken(view, token) {
  document.title = T.titles.token;
  const jurisdictionId = new URLSearchParams(location.search).get("jurisdiction_id") || "";
  const state = h("div", { class: "token-state", "aria-live": "polite" }, h("p", {}, T.token.waiting));
  view.append(h("h1", {}, T.token.heading), h("p", {}, h("code", { class: "token-text" }, token)), state);
  const started = Date.now();
  const here = location.pathname;
  while (location.pathname === here) {
    try {
      const receipt = (await getJSON(`/open311/v2/tokens/${encodeURIComponent(token)}.json`)).body[0] || {};
      if (receipt.service_request_id) {
        const link = jurisdictionId ? h("a", { href: `/requests/${encodeURIComponent(jurisdictionId)}/${encodeURIComponent(receipt.service_request_id)}`, "data-nav": true }, T.token.open) : null;
        state.replaceChildren(h("p", { class: "city-id" }, T.token.delivered(receipt.service_request_id)), link ? h("p", {}, link) : null);
        return;
      }
    } catch (e) {
      state.replaceChildren(h("p", { class: "error", role: "alert" }, e.message || T.token.unknown));
      return;
    }
    if (Date.now() - started > 120000) {
      state.replaceChildren(h("p", {}, T.token.giveUp));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

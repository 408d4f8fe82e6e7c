// Maps (Leaflet): the operator's base map, or none (jurisdiction areas and points only),
// the jurisdictions' areas, and the box of a view as the API takes it.

/** A map in `el` with the operator's base map; `options` go to Leaflet. */
async function makeMap(el, options) {
  const config = await shared.config();
  const map = L.map(el, Object.assign({ worldCopyJump: false, minZoom: 1, zoomSnap: 1 }, options || {}));
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  if (config.tiles) {
    L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19, crossOrigin: true }).addTo(map);
  } else {
    el.classList.add("no-tiles");
    map.attributionControl.addAttribution(T.map.noTiles);
  }
  return map;
}

/** The areas of the cities named (all when `ids` is empty), drawn lightly; their bounds. */
async function drawAreas(map, ids, interactive) {
  const all = await shared.boundaries();
  const features = all.features.filter((f) => !ids || !ids.length || ids.includes(f.properties.id));
  const layer = L.geoJSON({ type: "FeatureCollection", features }, {
    interactive: !!interactive,
    style: (f) => ({ color: "#44546a", weight: 1.2, opacity: 0.8, fillColor: "#8fa3bf", fillOpacity: 0.08, dashArray: f.properties.approximate ? "4 4" : null }),
  });
  layer.addTo(map);
  return features.length ? layer.getBounds() : null;
}

/** The map's view as `west,south,east,north`, held to the world's edges. */
function viewBox(map) {
  const b = map.getBounds();
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  let west = b.getWest();
  let east = b.getEast();
  if (east - west >= 360) { west = -180; east = 180; }
  const wrap = (v) => ((((v + 180) % 360) + 360) % 360) - 180;
  if (west < -180 || east > 180) {
    if (east - west >= 360) { west = -180; east = 180; } else { west = wrap(west); east = wrap(east); }
  }
  const round = (v) => Math.round(v * 1e6) / 1e6;
  return [round(west), round(clamp(b.getSouth(), -90, 90)), round(east), round(clamp(b.getNorth(), -90, 90))].join(",");
}

/** Fits the map to `west,south,east,north`. */
function fitBox(map, box) {
  const [w, s, e, n] = box.split(",").map(Number);
  if ([w, s, e, n].some((v) => Number.isNaN(v))) return false;
  map.fitBounds([[s, w], [n, e]]);
  return true;
}

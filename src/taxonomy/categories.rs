//! The canonical categories: one fixed list of slugs with a display name and a one-line
//! description each. Slugs are the stable contract (stored with every request, used in
//! `category=` filters and in jurisdiction files), so they are only ever added, never renamed.

use serde::Serialize;

/// One canonical category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Category {
    /// Stable identifier, lowercase ASCII with `_` (e.g. `street_light`).
    pub slug: &'static str,
    /// Display name in English.
    pub name: &'static str,
    /// What belongs here, in one line.
    pub description: &'static str,
}

/// The slug of the explicit "no rule matched" category.
pub const UNMAPPED: &str = "unmapped";

const fn category(slug: &'static str, name: &'static str, description: &'static str) -> Category {
    Category { slug, name, description }
}

/// Every category, `unmapped` last.
static CATEGORIES: &[Category] = &[
    category("pothole", "Pothole", "A hole in the road surface."),
    category(
        "road_damage",
        "Road damage",
        "Road surface problems other than potholes: cracks, sinking asphalt, shifted plates.",
    ),
    category("sidewalk_curb", "Sidewalk and curb", "Sidewalks, footpaths, cycle paths, curbs and curb ramps."),
    category("street_light", "Street light", "Street and alley lights that are out, flickering or damaged."),
    category("traffic_signal", "Traffic signal", "Traffic lights and pedestrian signals."),
    category("sign", "Sign or road marking", "Traffic and street-name signs, and road markings."),
    category("traffic_safety", "Traffic safety", "Speeding, crossings, traffic calming and visibility."),
    category("graffiti", "Graffiti", "Graffiti, tags, fly-posting and defaced surfaces."),
    category("vandalism", "Vandalism", "Damage to public property other than graffiti."),
    category("illegal_dumping", "Illegal dumping", "Waste, furniture or rubble dumped on public land."),
    category("litter_bins", "Litter bins", "Public litter bins and street containers: overflowing, damaged, missing."),
    category(
        "missed_collection",
        "Waste collection",
        "Household garbage, recycling, organics and bulky-item pickup: missed pickups, carts, set-out.",
    ),
    category("street_cleaning", "Street cleaning", "Litter, sweeping, dirty streets and sidewalks, dog fouling."),
    category("abandoned_vehicle", "Abandoned vehicle", "Abandoned, derelict or unregistered vehicles."),
    category("abandoned_bicycle", "Abandoned bicycle", "Abandoned or wrecked bicycles."),
    category("parking", "Parking", "Illegal parking, parking meters and parking facilities."),
    category("trees_vegetation", "Trees and vegetation", "Trees, branches, pruning, hedges, grass and weeds."),
    category("parks_playgrounds", "Parks and playgrounds", "Parks, green spaces, playgrounds and sports grounds."),
    category(
        "drainage_flooding",
        "Drainage and flooding",
        "Storm drains, catch basins, ditches, standing water, flooding.",
    ),
    category("water_sewer", "Water and sewer", "Water mains and leaks, hydrants, sewers, manholes, sewage."),
    category("waterways_beaches", "Waterways and beaches", "Rivers, lakes, canals, harbours and beaches."),
    category("snow_ice", "Snow and ice", "Snow clearing, ice, slippery surfaces and gritting."),
    category("noise", "Noise", "Noise from music, construction, traffic, alarms or animals."),
    category("rodents_pests", "Rodents and pests", "Rats, mice, insects, pigeons and other pests."),
    category("animals", "Animals", "Dead, stray, injured or nuisance animals."),
    category(
        "building_property",
        "Buildings and property",
        "Building and code violations, vacant or unsafe buildings, construction sites.",
    ),
    category("homeless_encampment", "Homeless encampment", "Encampments and people sleeping rough."),
    category("public_toilets", "Public toilets", "Public and portable toilets."),
    category("bus_stop_transit", "Bus stop and transit", "Bus stops and shelters, trams, trains and stations."),
    category("bridge_tunnel", "Bridge or tunnel", "Bridges, footbridges, underpasses and tunnels."),
    category("air_pollution_odour", "Air pollution and odour", "Smells, smoke, dust and air quality."),
    category("hazardous_materials", "Hazardous materials", "Needles, chemicals, oil spills, asbestos, gas leaks."),
    category(
        "utilities_electrical",
        "Utilities and electrical",
        "Power lines and outages, cables, utility boxes and poles.",
    ),
    category(
        "street_furniture",
        "Street furniture",
        "Benches, bike racks, bollards, fences, railings, fountains, kiosks.",
    ),
    category("information_request", "Information request", "Questions, feedback and suggestions to the city."),
    category("other", "Other", "A city's own catch-all service (\"Other\", \"Sonstiges\", \"Muu\")."),
    category(UNMAPPED, "Unmapped", "No rule or override matched yet; kept visible so the crosswalk can be curated."),
];

/// The canonical taxonomy, in display order, ending with `unmapped`.
pub fn categories() -> &'static [Category] {
    CATEGORIES
}

/// The category with this slug, if it exists.
pub fn display(slug: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.slug == slug)
}

/// Whether `slug` is a canonical category (including `unmapped`).
pub fn is_known(slug: &str) -> bool {
    display(slug).is_some()
}

/// Every slug, comma separated, for error messages.
pub fn slug_list() -> String {
    CATEGORIES.iter().map(|c| c.slug).collect::<Vec<_>>().join(", ")
}

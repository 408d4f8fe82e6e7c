//! The words simulated cities are made of: services (multilingual, string codes with leading
//! zeros), what residents write about them, streets, closing notes and city centres. Static
//! tables only; `catalog` and `generate` turn them into data.

/// One service a simulated city offers.
pub(crate) struct ServiceSpec {
    pub code: &'static str,
    pub name: &'static str,
    pub group: &'static str,
    pub agency: &'static str,
    pub keywords: &'static str,
    /// Whether it has a service definition (see `catalog::definition`).
    pub metadata: bool,
    /// How residents open their reports about it.
    pub subjects: &'static [&'static str],
}

const fn service(
    code: &'static str,
    name: &'static str,
    group: &'static str,
    agency: &'static str,
    keywords: &'static str,
    metadata: bool,
    subjects: &'static [&'static str],
) -> ServiceSpec {
    ServiceSpec { code, name, group, agency, keywords, metadata, subjects }
}

/// The services, in the order the service list answers them.
pub(crate) const SERVICES: &[ServiceSpec] = &[
    service(
        "001",
        "Pothole",
        "Streets",
        "Public Works",
        "road,asphalt,pothole",
        true,
        &["Deep pothole", "Large pothole", "Pothole cluster", "Sunken asphalt patch"],
    ),
    service(
        "002",
        "Streetlight out",
        "Streets",
        "Street Lighting",
        "light,lamp,dark",
        false,
        &["Streetlight not working", "Lamp flickering all night", "Whole row of streetlights dark"],
    ),
    service(
        "003",
        "Graffiti removal",
        "Cleanliness",
        "Sanitation",
        "graffiti,tag,paint",
        true,
        &["Graffiti tags", "Offensive graffiti", "Spray paint on the wall"],
    ),
    service(
        "004",
        "Illegal dumping",
        "Cleanliness",
        "Sanitation",
        "dumping,trash,mattress",
        false,
        &["Mattress and furniture dumped", "Pile of construction debris", "Bags of trash left"],
    ),
    service(
        "005",
        "Flooding / blocked drain",
        "Water",
        "Water Department",
        "flood,drain,water",
        false,
        &["Street flooding", "Storm drain blocked with leaves", "Water pooling after rain"],
    ),
    service(
        "006",
        "Sidewalk damage",
        "Streets",
        "Public Works",
        "sidewalk,trip,curb",
        false,
        &["Cracked sidewalk", "Raised slab, trip hazard", "Broken curb"],
    ),
    service(
        "007",
        "Abandoned vehicle",
        "Parking",
        "Police",
        "car,vehicle,abandoned",
        false,
        &["Car parked for weeks", "Vehicle without plates", "Burnt-out car"],
    ),
    service(
        "008",
        "Missed waste collection",
        "Waste",
        "Sanitation",
        "garbage,recycling,bin",
        true,
        &["Garbage not picked up", "Recycling bin missed", "Green waste left at the curb"],
    ),
    service(
        "009",
        "Baum / Grünfläche",
        "Parks",
        "Grünflächenamt",
        "baum,ast,park",
        false,
        &["Umgestürzter Baum", "Ast hängt über dem Gehweg", "Tree branch fallen on the path"],
    ),
    service(
        "010",
        "Traffic signal",
        "Traffic",
        "Transportation",
        "signal,traffic,light",
        false,
        &["Traffic signal stuck on red", "Pedestrian button broken", "Signal timing too short"],
    ),
    service(
        "011",
        "Noise complaint",
        "Quality of life",
        "Code Enforcement",
        "noise,music,construction",
        false,
        &["Loud music late at night", "Construction noise before 7am", "Barking dog all day"],
    ),
    service(
        "012",
        "Spielplatz beschädigt",
        "Parks",
        "Grünflächenamt",
        "spielplatz,schaukel",
        false,
        &["Schaukel kaputt", "Rutsche beschädigt", "Broken swing at the playground"],
    ),
    service(
        "013",
        "Déneigement",
        "Streets",
        "Travaux publics",
        "neige,glace,snow",
        false,
        &["Rue non déneigée", "Trottoir glacé", "Snow bank blocking the crosswalk"],
    ),
    service(
        "014",
        "Dead animal",
        "Cleanliness",
        "Animal Services",
        "animal,carcass",
        false,
        &["Dead raccoon on the road", "Dead bird in the park", "Deer carcass on the shoulder"],
    ),
];

/// Where the problem is, appended to a subject.
pub(crate) const PLACES: &[&str] = &[
    "near the bus stop",
    "in front of the school",
    "at the corner",
    "outside the pharmacy",
    "by the playground",
    "next to the fire hydrant",
    "on the bike lane",
    "behind the library",
    "across from the church",
    "at the entrance of the park",
];

/// Extra detail residents add.
pub(crate) const DETAILS: &[&str] = &[
    "Cars are swerving to avoid it.",
    "It has been like this for two weeks.",
    "Dangerous for cyclists at night.",
    "Please fix before winter.",
    "Reported before, nothing happened.",
    "Kids walk past here every morning.",
    "It got worse after the storm.",
    "Seit Tagen unverändert.",
    "Merci de régler rapidement.",
    "",
];

/// Street names, mixed like a multilingual registry.
pub(crate) const STREETS: &[&str] = &[
    "Main St",
    "Oak Avenue",
    "Elm Street",
    "Maple Road",
    "King Street West",
    "Church Lane",
    "Hauptstraße",
    "Bahnhofstraße",
    "Rue de la Gare",
    "Boulevard Saint-Laurent",
    "Market Square",
    "River Road",
    "Lincoln Ave",
    "College Street",
    "Park Place",
    "Lindenallee",
    "Calle Mayor",
    "Harbour Drive",
    "Station Road",
    "Schillerplatz",
];

/// What the city writes when it closes a request.
pub(crate) const CLOSING_NOTES: &[&str] = &[
    "Repaired by crew.",
    "Duplicate of an earlier report.",
    "Inspected: no action needed.",
    "Work order completed.",
    "Referred to the responsible agency.",
    "Erledigt.",
    "Travaux terminés.",
];

/// City centres for common time zones (latitude, longitude).
pub(crate) const CENTRES: &[(&str, f64, f64)] = &[
    ("America/Chicago", 41.8781, -87.6298),
    ("America/Toronto", 43.6532, -79.3832),
    ("America/New_York", 40.7128, -74.0060),
    ("America/Indiana/Indianapolis", 39.1653, -86.5264),
    ("America/Los_Angeles", 37.7749, -122.4194),
    ("America/Denver", 39.7392, -104.9903),
    ("America/Phoenix", 33.3528, -111.7890),
    ("Europe/Berlin", 50.9375, 6.9603),
    ("Europe/Zurich", 47.3769, 8.5417),
    ("Europe/London", 51.5074, -0.1278),
    ("Europe/Paris", 48.8566, 2.3522),
    ("Europe/Helsinki", 60.4518, 22.2666),
    ("UTC", 51.4779, -0.0015),
];

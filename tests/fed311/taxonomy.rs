//! The crosswalk against what real cities send: every service of the recorded fixtures
//! (San Francisco, Giessen, Chicago, Toronto, the spec's example lists) and of the simulated
//! cities gets a category, the specific mappings are the ones a researcher would expect, and
//! jurisdiction files can override the rules, but only with known slugs.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use common::recorded_fixtures;
use fed311::domain::Service;
use fed311::registry::Registry;
use fed311::simulate::SimCity;
use fed311::taxonomy::{self, Decision, How, UNMAPPED, classify, classify_service};
use fed311::wire::read::{parse_requests, parse_services};

/// Services of a recorded service list.
fn services(fixtures: &Path, file: &str) -> Vec<Service> {
    let body = std::fs::read(fixtures.join(file)).unwrap();
    parse_services(&body).unwrap().items
}

/// The service names used in a recorded request list (requests carry no group or keywords).
fn requested_names(fixtures: &Path, file: &str) -> Vec<String> {
    let body = std::fs::read(fixtures.join(file)).unwrap();
    let requests = parse_requests(&body, &jiff::tz::TimeZone::UTC).unwrap().items;
    requests.into_iter().filter_map(|r| r.service_name).collect()
}

fn name_only(name: &str) -> Decision {
    classify(name, None, None, None)
}

/// Asserts each (service name → slug) of `expected` against a recorded service list.
fn assert_list(services: &[Service], expected: &[(&str, &str)]) {
    assert_eq!(services.len(), expected.len(), "the fixture changed");
    let by_name: BTreeMap<&str, &Service> = services.iter().map(|s| (s.service_name.as_str(), s)).collect();
    for (name, slug) in expected {
        let service = by_name.get(name).unwrap_or_else(|| panic!("no service named {name:?}"));
        let decision = classify_service(None, service);
        assert_eq!(decision.category, *slug, "{name:?}: {decision:?}");
    }
}

#[test]
fn san_francisco_services_map_as_expected() {
    let fixtures = recorded_fixtures();
    assert_list(
        &services(&fixtures, "codeforamerica-open311/services.xml"),
        &[
            ("Cans_Left_Out_24x7", "missed_collection"),
            ("Construction_Plate_Shifted", "road_damage"),
            ("Curb_or_Curb_Ramp_Defect", "sidewalk_curb"),
            ("Damaged_City_Can", "litter_bins"),
            ("Damaged_Side_Sewer_Vent_Cover", "water_sewer"),
            ("Damaged_Tree", "trees_vegetation"),
            ("Graffiti - Public - Bike_rack", "graffiti"),
            ("Graffiti - Public - News_rack", "graffiti"),
            ("Graffiti - Public - Parking_meter", "graffiti"),
            ("Graffiti - Public - Pay_phone", "graffiti"),
            ("Graffiti - Private - Not_Offensive", "graffiti"),
            ("Graffiti - Private - Offensive", "graffiti"),
            ("Graffiti - Public - Other_enter_additional_details_below", "graffiti"),
            ("Illegal_Dumping", "illegal_dumping"),
            ("Landscaping", "trees_vegetation"),
            ("Missed_Route_Mechanical_Sweeping", "street_cleaning"),
            ("Missing_Side_Sewer_Vent_Cover", "water_sewer"),
            ("Overflowing_City_Receptacle_or_Dumpster", "litter_bins"),
            ("Overgrown_Tree", "trees_vegetation"),
            ("Pavement_Defect", "road_damage"),
            ("Sewage_Back_Up Out_of_catch_basin", "water_sewer"),
            ("Side_Sewer_issues Water_coming_out", "water_sewer"),
            ("Sidewalk_Cleaning", "street_cleaning"),
            ("Sidewalk_Defect", "sidewalk_curb"),
            ("Street_Cleaning", "street_cleaning"),
            ("Damaging_Property", "trees_vegetation"),
            ("Water_Main_Break", "water_sewer"),
            ("Sign - Defaced", "graffiti"),
            ("Side_Sewer_issues Odor", "water_sewer"),
            ("Sewage_Back_up Out_of_manhole_cover", "water_sewer"),
            ("Sewage_Back_up Outofsewervent4inch", "water_sewer"),
            ("Damaged_Benches_on_Sidewalk", "street_furniture"),
            ("Damaged_Bike_Rack", "street_furniture"),
            ("Damaged_Kiosk_or_Public_Toilet", "public_toilets"),
            ("Damaged_News_Rack", "street_furniture"),
            ("Damaged_Parking_Meter", "parking"),
        ],
    );
}

#[test]
fn giessen_german_services_map_as_expected() {
    let fixtures = recorded_fixtures();
    let giessen = services(&fixtures, "open311status/services_giessen.xml");
    assert_list(
        &giessen,
        &[
            ("Abwasser und Wasser", "water_sewer"),
            ("Ampel defekt", "traffic_signal"),
            ("Laterne defekt", "street_light"),
            // Its recorded description and keywords talk about graffiti; the name decides.
            ("Verkehrsschild beschädigt", "sign"),
            ("Straßen- und Gehwegschäden", "road_damage"),
            ("Schrottautos und -Fahrräder", "abandoned_vehicle"),
            ("Wilde Müllkippe, Sperrmüll", "illegal_dumping"),
            ("Grünflächen und Spielplätze", "parks_playgrounds"),
        ],
    );
    assert!(giessen.iter().all(|s| matches!(classify_service(None, s).how, How::Rule { field: "service_name", .. })));
}

#[test]
fn chicago_toronto_and_spec_names_map_as_expected() {
    let fixtures = recorded_fixtures();
    let chicago = requested_names(&fixtures, "open311status/service_requests.json");
    assert_eq!(chicago, ["Alley Light Out", "Building Violation"]);
    assert_eq!(name_only(&chicago[0]).category, "street_light");
    assert_eq!(name_only(&chicago[1]).category, "building_property");
    for toronto in requested_names(&fixtures, "open311status/requests_many.xml") {
        assert_eq!(name_only(&toronto).category, "pothole", "{toronto:?}");
    }
    let spec = services(&fixtures, "open311status/service_list.json");
    let slugs: Vec<&str> = spec.iter().map(|s| classify_service(None, s).category).collect();
    assert_eq!(slugs, ["missed_collection", "road_damage", "sidewalk_curb"]);
    for name in requested_names(&fixtures, "codeforamerica-open311/service_requests.xml") {
        assert_eq!(name_only(&name).category, "sidewalk_curb", "{name:?}");
    }
}

#[test]
fn the_same_problem_in_different_cities_shares_a_category() {
    for (a, b) in [
        ("Laterne defekt", "Alley Light Out"),
        ("Laterne defekt", "Streetlight out"),
        ("Wilde Müllkippe, Sperrmüll", "Illegal_Dumping"),
        ("Ampel defekt", "Traffic signal"),
        ("Road - Pot hole", "Pothole"),
        ("Schrottautos und -Fahrräder", "Abandoned vehicle"),
        ("Grünflächen und Spielplätze", "Spielplatz beschädigt"),
        ("Abwasser und Wasser", "Water_Main_Break"),
        ("Overgrown_Tree", "Baum / Grünfläche"),
    ] {
        assert_eq!(name_only(a).category, name_only(b).category, "{a:?} vs {b:?}");
    }
    for (a, b) in [("Graffiti removal", "Illegal dumping"), ("Illegal dumping", "Pothole"), ("Pothole", "Graffiti")] {
        assert_ne!(name_only(a).category, name_only(b).category, "{a:?} vs {b:?}");
    }
}

#[test]
fn every_recorded_and_simulated_service_gets_a_category() {
    let mut names: Vec<(String, Decision)> = Vec::new();
    let fixtures = recorded_fixtures();
    for file in
        ["codeforamerica-open311/services.xml", "open311status/services_giessen.xml", "open311status/service_list.json"]
    {
        names.extend(services(&fixtures, file).iter().map(|s| (s.service_name.clone(), classify_service(None, s))));
    }
    for file in [
        "open311status/service_requests.json",
        "open311status/requests_many.xml",
        "open311status/requests_single.xml",
        "codeforamerica-open311/service_requests.xml",
    ] {
        names.extend(requested_names(&fixtures, file).into_iter().map(|n| (n.clone(), name_only(&n))));
    }
    let mut simulated = BTreeMap::new();
    for seed in 0..64 {
        for s in SimCity::generate(seed, 0, "UTC").services() {
            simulated.insert(s.service_code.clone(), s);
        }
    }
    names.extend(simulated.values().map(|s| (s.service_name.clone(), classify_service(None, s))));
    names.sort_by(|a, b| a.0.cmp(&b.0));
    names.dedup_by(|a, b| a.0 == b.0);

    let unmapped: Vec<&str> = names.iter().filter(|(_, d)| d.is_unmapped()).map(|(n, _)| n.as_str()).collect();
    let rate = 100.0 * unmapped.len() as f64 / names.len() as f64;
    println!("taxonomy: {} of {} distinct services unmapped ({rate:.1}%): {unmapped:?}", unmapped.len(), names.len());
    assert!(names.iter().all(|(_, d)| taxonomy::is_known(d.category)));
    assert!(rate < 10.0, "too many unmapped: {unmapped:?}");
    assert!(unmapped.is_empty(), "every recorded service has a rule today: {unmapped:?}");
}

const GIESSEN: &str = "id = \"giessen\"\nname = \"Gießen\"\nendpoint = \"https://example.org/georeport/v2/\"\ntimezone = \"Europe/Berlin\"\n";

#[test]
fn an_override_in_the_jurisdiction_file_wins() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{GIESSEN}categories = {{ \"017\" = \"street_cleaning\", \"999\" = \"unmapped\" }}\n");
    std::fs::write(dir.path().join("giessen.toml"), text).unwrap();
    let registry = Registry::load(dir.path()).expect("valid overrides load");
    let overrides = registry.get("giessen").unwrap().config.categories.as_ref();
    let service = Service {
        service_code: "017".into(),
        service_name: "Wilde Müllkippe, Sperrmüll".into(),
        description: None,
        metadata: false,
        service_type: None,
        keywords: None,
        group: None,
    };
    assert_eq!(classify_service(None, &service).category, "illegal_dumping");
    assert_eq!(classify_service(overrides, &service), Decision { category: "street_cleaning", how: How::Override });
    let other = Service { service_code: "999".into(), ..service.clone() };
    assert_eq!(classify_service(overrides, &other), Decision { category: UNMAPPED, how: How::Override });
}

#[test]
fn an_unknown_override_slug_fails_the_registry_with_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{GIESSEN}categories = {{ \"017\" = \"illegal_dumping\", \"010\" = \"traffic_lights\" }}\n");
    std::fs::write(dir.path().join("giessen.toml"), text).unwrap();
    let errors = Registry::load(dir.path()).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = &errors[0];
    assert_eq!(error.key.as_deref(), Some("categories.010"));
    let shown = error.to_string();
    assert!(shown.contains("giessen.toml") && shown.contains("traffic_lights"), "{shown}");
    assert!(shown.contains("traffic_signal") && shown.contains("unmapped"), "lists valid slugs: {shown}");
}

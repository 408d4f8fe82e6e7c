//! Unit tests of the taxonomy: the table's own invariants, the simulated cities' catalogue,
//! multilingual agreement, separation of different problems, and overrides.

use std::collections::{BTreeMap, BTreeSet};

use super::rules::RULES;
use super::*;
use crate::domain::text::normalize;
use crate::simulate::SimCity;

fn slug(name: &str) -> &'static str {
    classify(name, None, None, None).category
}

#[test]
fn categories_are_a_stable_list_of_slugs() {
    let all = categories();
    assert!((25..=40).contains(&all.len()), "{} categories", all.len());
    let slugs: BTreeSet<&str> = all.iter().map(|c| c.slug).collect();
    assert_eq!(slugs.len(), all.len(), "duplicate slugs");
    for c in all {
        assert!(c.slug.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'), "{}", c.slug);
        assert!(!c.name.is_empty() && !c.description.is_empty(), "{}", c.slug);
    }
    assert_eq!(all.last().map(|c| c.slug), Some(UNMAPPED));
    assert!(is_known("pothole") && is_known(UNMAPPED) && !is_known("potholes"));
    assert_eq!(display("street_light").map(|c| c.name), Some("Street light"));
}

#[test]
fn every_pattern_is_normalized_unique_and_leads_to_a_known_category() {
    let mut seen = BTreeSet::new();
    for (slug, patterns) in RULES {
        assert!(is_known(slug) && *slug != UNMAPPED, "rule for `{slug}`");
        for pattern in *patterns {
            assert!(seen.insert(*pattern), "pattern `{pattern}` appears twice (the second never wins)");
            for word in pattern.split(' ') {
                let core = word.trim_start_matches('*').trim_end_matches('*');
                assert!(!core.is_empty() && !core.contains('*'), "`{pattern}`: stars only at word ends");
                assert_eq!(normalize(core), core, "`{pattern}` is not written normalized");
            }
        }
    }
    for category in categories().iter().filter(|c| c.slug != UNMAPPED) {
        assert!(RULES.iter().any(|(s, _)| *s == category.slug), "no rule leads to `{}`", category.slug);
    }
}

#[test]
fn every_simulated_service_gets_its_category() {
    let mut services = BTreeMap::new();
    for seed in 0..64 {
        for s in SimCity::generate(seed, 0, "UTC").services() {
            services.insert(s.service_code.clone(), s);
        }
    }
    let expected = [
        ("001", "pothole"),
        ("002", "street_light"),
        ("003", "graffiti"),
        ("004", "illegal_dumping"),
        ("005", "drainage_flooding"),
        ("006", "sidewalk_curb"),
        ("007", "abandoned_vehicle"),
        ("008", "missed_collection"),
        ("009", "trees_vegetation"),
        ("010", "traffic_signal"),
        ("011", "noise"),
        ("012", "parks_playgrounds"),
        ("013", "snow_ice"),
        ("014", "animals"),
    ];
    assert_eq!(services.len(), expected.len(), "the simulated catalogue changed: {:?}", services.keys());
    for (code, slug) in expected {
        let decision = classify_service(None, &services[code]);
        assert_eq!(decision.category, slug, "{code} {:?}: {decision:?}", services[code].service_name);
        assert!(matches!(decision.how, How::Rule { field: "service_name", .. }), "{decision:?}");
    }
}

#[test]
fn the_same_problem_in_many_languages_lands_in_one_category() {
    // English, German, Finnish, Spanish, Portuguese, Greek, Dutch, Norwegian, French, Swedish.
    let groups = [
        ("pothole", "Pothole|Road - Pot hole|Schlagloch|Kuoppa tiessä|Bache en la calzada|Buraco na estrada"),
        ("pothole", "Λακκούβα|Gat in de weg|Hull i veien|Nid-de-poule|Potthål"),
        ("street_light", "Street light out|Laterne defekt|Katuvalo rikki|Farola apagada|Candeeiro avariado"),
        ("street_light", "Φωτισμός|Straatverlichting kapot|Gatelys|Lampadaire|Gatubelysning"),
        ("traffic_signal", "Traffic signal|Ampel defekt|Liikennevalot|Semáforo averiado|Φανάρι"),
        ("traffic_signal", "Verkeerslicht defect|Trafikklys|Feux de circulation|Trafikljus"),
        ("illegal_dumping", "Illegal dumping|Wilde Müllkippe, Sperrmüll|Wilde Muellkippe|Vertido ilegal"),
        ("illegal_dumping", "Depósito ilegal de entulho|Illegaal afval gedumpt|Dépôt sauvage"),
        ("graffiti", "Graffiti removal|Schmiererei|Töhryt|Pintadas|Γκράφιτι|Bekladding|Tagging|Klotter"),
        ("snow_ice", "Snow removal|Winterdienst|Liukkaus|Nieve en la acera|Χιόνι|Sneeuw|Brøyting|Déneigement"),
        ("abandoned_vehicle", "Abandoned vehicle|Schrottauto|Hylätty auto|Vehículo abandonado|Autowrak"),
        ("abandoned_vehicle", "Abandono de veículos|Bilvrak|Véhicule abandonné"),
        ("trees_vegetation", "Overgrown tree|Baum umgestürzt|Kaatunut puu|Poda de árboles|Árvores"),
        ("trees_vegetation", "Κλάδεμα δέντρων|Boom omgevallen|Trær|Élagage"),
        ("noise", "Noise complaint|Lärmbelästigung|Melu|Ruido|Θόρυβος|Geluidsoverlast|Støy|Bruit"),
        ("water_sewer", "Water main break|Abwasser und Wasser|Vesivuoto|Fuga de agua|Esgotos|Ύδρευση"),
        ("water_sewer", "Rioolverstopping|Vann og avløp|Égouts"),
    ];
    for (expected, names) in groups {
        for name in names.split('|') {
            assert_eq!(slug(name), expected, "{name:?}: {:?}", classify(name, None, None, None));
        }
    }
}

#[test]
fn different_problems_do_not_share_a_category() {
    let names = [
        "Graffiti",
        "Illegal dumping",
        "Pothole",
        "Street light out",
        "Traffic signal",
        "Stop sign down",
        "Sidewalk damage",
        "Missed garbage pickup",
        "Overflowing litter bin",
        "Dead animal",
        "Rats",
        "Abandoned vehicle",
        "Abandoned bicycle",
        "Noise",
        "Blocked storm drain",
        "Water main break",
    ];
    let slugs: BTreeSet<&str> = names.iter().map(|n| slug(n)).collect();
    assert_eq!(slugs.len(), names.len(), "{:?}", names.map(|n| (n, slug(n))));
}

#[test]
fn normalization_lets_any_spelling_match() {
    assert_eq!(slug("Cans_Left_Out_24x7"), "missed_collection");
    assert_eq!(slug("STREETLIGHT_REPAIR"), "street_light");
    assert_eq!(slug("StreetLightOut"), "street_light");
    assert_eq!(slug("Straßenschäden"), slug("Strassenschaeden"));
    assert_eq!(slug("ΛΑΚΚΟΎΒΑ"), "pothole");
    assert_eq!(slug("Sign - Defaced"), "graffiti");
    assert_eq!(slug("Traffic signal"), "traffic_signal", "`sign` must not match `signal`");
}

#[test]
fn name_comes_first_then_group_keywords_description() {
    let by_name = classify("Verkehrsschild beschädigt", Some("Report graffiti"), Some("graffiti"), None);
    assert_eq!(by_name.category, "sign");
    let by_group = classify("Q-17", Some("Report graffiti"), Some("paint"), Some("Potholes"));
    assert_eq!(by_group.how, How::Rule { pattern: "pothole*", field: "group" });
    let by_description = classify("Q-17", Some("Broken swing at the playground"), None, None);
    assert_eq!(by_description.how, How::Rule { pattern: "playground*", field: "description" });
    let nothing = classify("Q-17", None, Some("lorem, ipsum"), None);
    assert_eq!((nothing.category, nothing.how), (UNMAPPED, How::Unmapped));
    assert!(nothing.is_unmapped());
}

#[test]
fn an_override_wins_and_an_unknown_one_is_ignored() {
    let mut service = SimCity::generate(1, 0, "UTC").services().remove(0);
    service.service_code = "X1".into();
    let overrides = BTreeMap::from([("X1".to_string(), "road_damage".to_string())]);
    assert_eq!(classify_service(Some(&overrides), &service), Decision { category: "road_damage", how: How::Override });
    let bad = BTreeMap::from([("X1".to_string(), "nonsense".to_string())]);
    assert_eq!(classify_service(Some(&bad), &service).category, "pothole");
    assert_eq!(classify_service(None, &service).category, "pothole");
}

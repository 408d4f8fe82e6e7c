//! A simulated city's service list and service definitions, built from `vocab`. Every city
//! offers the same catalog (a seed only picks how many services it keeps), so tests can name
//! codes like `"001"` and know it has a definition with list attributes.

use crate::domain::{Attribute, AttributeValue, Service, ServiceDefinition};

use super::rng::Rng;
use super::vocab::{SERVICES, ServiceSpec};

/// Fewest services a city offers (the ones with definitions always among them).
const MIN_SERVICES: usize = 10;

/// The city's services: the first 10 to 14 of the catalog, chosen by the seed.
pub(crate) fn services(rng: &mut Rng) -> Vec<Service> {
    let keep = MIN_SERVICES + rng.below((SERVICES.len() - MIN_SERVICES + 1) as u64) as usize;
    SERVICES[..keep].iter().map(service).collect()
}

fn service(spec: &ServiceSpec) -> Service {
    Service {
        service_code: spec.code.to_string(),
        service_name: spec.name.to_string(),
        description: Some(format!("Report a problem: {}.", spec.name.to_lowercase())),
        metadata: spec.metadata,
        service_type: Some("realtime".to_string()),
        keywords: Some(spec.keywords.to_string()),
        group: Some(spec.group.to_string()),
    }
}

/// The definitions of the services with `metadata = true`.
pub(crate) fn definitions(services: &[Service]) -> Vec<ServiceDefinition> {
    services.iter().filter(|s| s.metadata).map(|s| definition(&s.service_code)).collect()
}

fn definition(code: &str) -> ServiceDefinition {
    let attributes = match code {
        "001" => vec![
            info(1, "Only report potholes on public roads."),
            list(
                2,
                "SIZE",
                "singlevaluelist",
                true,
                "How big is it?",
                &[("S", "Small"), ("M", "Medium"), ("L", "Large")],
            ),
            plain(3, "DEPTH", "number", false, "Depth in centimetres"),
        ],
        "003" => vec![
            list(
                1,
                "SURFACE",
                "multivaluelist",
                true,
                "Where is the graffiti?",
                &[("WALL", "Wall"), ("FENCE", "Fence"), ("SIGN", "Sign"), ("BRIDGE", "Bridge")],
            ),
            list(2, "OFFENSIVE", "singlevaluelist", false, "Is it offensive?", &[("Y", "Yes"), ("N", "No")]),
        ],
        _ => vec![
            list(
                1,
                "BIN",
                "multivaluelist",
                true,
                "Which bins were missed?",
                &[("GARBAGE", "Garbage"), ("RECYCLING", "Recycling"), ("ORGANICS", "Organics")],
            ),
            plain(2, "PICKUP_DAY", "datetime", false, "Scheduled pickup day"),
            plain(3, "COMMENTS", "text", false, "Anything else?"),
        ],
    };
    ServiceDefinition { service_code: code.to_string(), attributes }
}

fn info(order: i64, text: &str) -> Attribute {
    Attribute { variable: false, ..plain(order, "INFO", "string", false, text) }
}

fn plain(order: i64, code: &str, datatype: &str, required: bool, question: &str) -> Attribute {
    Attribute {
        variable: true,
        code: code.to_string(),
        datatype: datatype.to_string(),
        required,
        datatype_description: None,
        order: Some(order),
        description: Some(question.to_string()),
        values: Vec::new(),
    }
}

fn list(order: i64, code: &str, datatype: &str, required: bool, question: &str, values: &[(&str, &str)]) -> Attribute {
    let values = values.iter().map(|(k, n)| AttributeValue { key: k.to_string(), name: n.to_string() }).collect();
    Attribute { values, ..plain(order, code, datatype, required, question) }
}

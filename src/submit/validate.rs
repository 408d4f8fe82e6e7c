//! Checking a submission before anything is stored or sent: a location, a short enough
//! description, and answers to the service definition's questions (required ones present,
//! list answers among the listed keys, numbers and datetimes readable).

use crate::domain::{Attribute, ServiceDefinition};

/// The spec's longest description.
const MAX_DESCRIPTION: usize = 4000;

/// Why a submission is refused (a client mistake: 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

/// Checks the form of a submission against the service's definition (if it has one).
pub fn validate_submission(form: &[(String, String)], definition: Option<&ServiceDefinition>) -> Result<(), Invalid> {
    let get = |name: &str| form.iter().rev().find(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.trim());
    check_location(get("lat"), get("long"), get("address_string"), get("address_id"))?;
    if let Some(d) = get("description") {
        if d.chars().count() > MAX_DESCRIPTION {
            return Err(Invalid(format!("description is longer than {MAX_DESCRIPTION} characters")));
        }
    }
    if let Some(definition) = definition {
        for attribute in definition.attributes.iter().filter(|a| a.variable) {
            check_attribute(attribute, &answers(form, &attribute.code))?;
        }
    }
    Ok(())
}

fn check_location(
    lat: Option<&str>,
    long: Option<&str>,
    address: Option<&str>,
    address_id: Option<&str>,
) -> Result<(), Invalid> {
    match (lat, long) {
        (Some(lat), Some(long)) => {
            let lat: f64 = lat.parse().map_err(|_| Invalid(format!("lat `{lat}` is not a number")))?;
            let long: f64 = long.parse().map_err(|_| Invalid(format!("long `{long}` is not a number")))?;
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&long) {
                return Err(Invalid("lat must be within ±90 and long within ±180".into()));
            }
            Ok(())
        }
        (Some(_), None) | (None, Some(_)) => Err(Invalid("lat and long go together".into())),
        (None, None) if address.is_some() || address_id.is_some() => Ok(()),
        (None, None) => Err(Invalid("a location is required: lat and long, address_string or address_id".into())),
    }
}

/// The answers given to one attribute: `attribute[CODE]` and `attribute[CODE][]`.
fn answers(form: &[(String, String)], code: &str) -> Vec<String> {
    let single = format!("attribute[{code}]");
    let multi = format!("attribute[{code}][]");
    form.iter()
        .filter(|(k, v)| (*k == single || *k == multi) && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_string())
        .collect()
}

fn check_attribute(a: &Attribute, given: &[String]) -> Result<(), Invalid> {
    if given.is_empty() {
        return if a.required {
            Err(Invalid(format!("attribute[{}] is required: {}", a.code, question(a))))
        } else {
            Ok(())
        };
    }
    let keys: Vec<&str> = a.values.iter().map(|v| v.key.as_str()).collect();
    match a.datatype.as_str() {
        "singlevaluelist" if given.len() > 1 => Err(Invalid(format!("attribute[{}] takes one value", a.code))),
        "singlevaluelist" | "multivaluelist" => match given.iter().find(|g| !keys.contains(&g.as_str())) {
            Some(bad) => Err(Invalid(format!("attribute[{}] `{bad}` is not one of: {}", a.code, keys.join(", ")))),
            None => Ok(()),
        },
        "number" => match given.iter().find(|g| g.parse::<f64>().is_err()) {
            Some(bad) => Err(Invalid(format!("attribute[{}] `{bad}` is not a number", a.code))),
            None => Ok(()),
        },
        "datetime" => {
            match given.iter().find(|g| crate::domain::time::parse_lenient(g, &jiff::tz::TimeZone::UTC).is_none()) {
                Some(bad) => Err(Invalid(format!("attribute[{}] `{bad}` is not a datetime", a.code))),
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

fn question(a: &Attribute) -> String {
    a.description.clone().unwrap_or_else(|| a.code.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AttributeValue;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn definition() -> ServiceDefinition {
        let value = |k: &str| AttributeValue { key: k.into(), name: k.to_uppercase() };
        let attribute = |code: &str, datatype: &str, required: bool| Attribute {
            variable: true,
            code: code.into(),
            datatype: datatype.into(),
            required,
            datatype_description: None,
            order: None,
            description: Some(format!("{code}?")),
            values: vec![value("a"), value("b")],
        };
        ServiceDefinition {
            service_code: "001".into(),
            attributes: vec![
                attribute("SIZE", "singlevaluelist", true),
                attribute("WHERE", "multivaluelist", false),
                attribute("DEPTH", "number", false),
            ],
        }
    }

    #[test]
    fn needs_a_location() {
        assert!(validate_submission(&form(&[]), None).is_err());
        assert!(validate_submission(&form(&[("lat", "45.5")]), None).is_err());
        assert!(validate_submission(&form(&[("lat", "95"), ("long", "1")]), None).is_err());
        assert!(validate_submission(&form(&[("address_string", "1 Main St")]), None).is_ok());
    }

    #[test]
    fn checks_answers_against_the_definition() {
        let d = definition();
        let base = [("lat", "45.5"), ("long", "-73.6")];
        let with = |extra: &[(&str, &str)]| form(&[&base[..], extra].concat());
        assert!(validate_submission(&with(&[]), Some(&d)).unwrap_err().0.contains("attribute[SIZE] is required"));
        assert!(
            validate_submission(&with(&[("attribute[SIZE]", "c")]), Some(&d)).unwrap_err().0.contains("not one of")
        );
        assert!(validate_submission(&with(&[("attribute[SIZE]", "a")]), Some(&d)).is_ok());
        let multi = with(&[("attribute[SIZE]", "a"), ("attribute[WHERE][]", "a"), ("attribute[WHERE][]", "b")]);
        assert!(validate_submission(&multi, Some(&d)).is_ok());
        let bad_multi = with(&[("attribute[SIZE]", "a"), ("attribute[WHERE][]", "z")]);
        assert!(validate_submission(&bad_multi, Some(&d)).is_err());
        let bad_number = with(&[("attribute[SIZE]", "a"), ("attribute[DEPTH]", "deep")]);
        assert!(validate_submission(&bad_number, Some(&d)).unwrap_err().0.contains("not a number"));
    }
}

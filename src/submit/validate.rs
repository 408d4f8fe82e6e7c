//! Checking a submission before anything is stored or sent. Every refusal is a client
//! mistake (400) that names the field. In order:
//!
//! - The form as a whole: at most [`MAX_PAIRS`] (200) name=value pairs, query and body
//!   together; names at most [`MAX_NAME`] (200) characters; no control character other than
//!   tab, CR and LF in any name or value.
//! - Lengths, in characters after trimming: `description` 4000 (the spec's limit),
//!   `address_string` 1000, `media_url` 2048, `email` 254 (the longest address SMTP carries),
//!   `first_name`, `last_name`, `address_id`, `device_id`, `account_id` and `service_code`
//!   200, `phone` 100, `zipcode` 32, any other parameter 1000, and every attribute answer 4000.
//! - A location: `lat`+`long` (within ±90/±180), `address_string` or `address_id`.
//! - `email` loosely (one `@`, a local part, a dotted domain, no spaces); `media_url` an
//!   absolute http or https URL.
//! - Attributes against the service definition: every `attribute[CODE]` or
//!   `attribute[CODE][]` names one of its questions (`variable` true; an information-only
//!   attribute takes no answer); a service without a definition takes no attributes. Required
//!   questions are answered; only a multivaluelist takes several answers, never the same one
//!   twice; list answers are among the listed keys; numbers are finite; datetimes readable.
//!
//! Empty values behave as absent, as the spec asks (an empty unknown attribute is not refused).

use url::Url;

use crate::domain::{Attribute, ServiceDefinition};

/// The most name=value pairs a submission may carry (query and body together).
pub const MAX_PAIRS: usize = 200;
/// The longest parameter name, in characters.
pub const MAX_NAME: usize = 200;
/// The spec's longest description.
const MAX_DESCRIPTION: usize = 4000;
/// The longest answer to an attribute, in characters.
pub const MAX_ANSWER: usize = 4000;
/// The longest value of a parameter not in [`LIMITS`], in characters.
pub const MAX_OTHER: usize = 1000;
/// The longest value of each spec parameter, in characters.
pub const LIMITS: &[(&str, usize)] = &[
    ("description", MAX_DESCRIPTION),
    ("address_string", 1000),
    ("media_url", 2048),
    ("email", 254),
    ("first_name", 200),
    ("last_name", 200),
    ("address_id", 200),
    ("device_id", 200),
    ("account_id", 200),
    ("service_code", 200),
    ("phone", 100),
    ("zipcode", 32),
];

/// Why a submission is refused (a client mistake: 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

/// What fed311 knows of a service's questions.
#[derive(Debug, Clone, Copy)]
pub enum Questions<'a> {
    /// The service's definition: answers are checked against it.
    Defined(&'a ServiceDefinition),
    /// The service has no questions (`metadata=false`): no attribute is taken.
    None,
    /// The service has questions (`metadata=true`) whose definition has not been harvested
    /// (yet): answers are forwarded for the city to judge, rather than a report refused.
    Unknown,
}

/// Checks the form of a submission against what is known of the service's questions.
pub fn validate_against(form: &[(String, String)], questions: Questions<'_>) -> Result<(), Invalid> {
    check_shape(form)?;
    let get = |name: &str| form.iter().rev().find(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.trim());
    check_location(get("lat"), get("long"), get("address_string"), get("address_id"))?;
    check_contact(form)?;
    let definition = match questions {
        Questions::Unknown => return Ok(()),
        Questions::None => None,
        Questions::Defined(definition) => Some(definition),
    };
    check_attribute_names(form, definition, get("service_code").unwrap_or(""))?;
    if let Some(definition) = definition {
        for attribute in definition.attributes.iter().filter(|a| a.variable) {
            check_attribute(attribute, &answers(form, &attribute.code))?;
        }
    }
    Ok(())
}

/// The form as a whole: how many pairs, how long each name and value, no control characters.
fn check_shape(form: &[(String, String)]) -> Result<(), Invalid> {
    if form.len() > MAX_PAIRS {
        return Err(Invalid(format!("the form has {} fields; at most {MAX_PAIRS} are taken", form.len())));
    }
    for (name, value) in form {
        if name.chars().count() > MAX_NAME {
            return Err(Invalid(format!("a parameter name is longer than {MAX_NAME} characters")));
        }
        if let Some(c) = name.chars().find(|c| is_forbidden_control(*c)) {
            let shown = name.escape_debug();
            return Err(Invalid(format!("parameter name `{shown}` contains the control character U+{:04X}", c as u32)));
        }
        if let Some(c) = value.chars().find(|c| is_forbidden_control(*c)) {
            return Err(Invalid(format!(
                "{name} contains the control character U+{:04X} (only tab, CR and LF are allowed)",
                c as u32
            )));
        }
        let max = if name.starts_with("attribute[") {
            MAX_ANSWER
        } else {
            LIMITS.iter().find(|(field, _)| field == name).map_or(MAX_OTHER, |(_, max)| *max)
        };
        if value.trim().chars().count() > max {
            return Err(Invalid(format!("{name} is longer than {max} characters")));
        }
    }
    Ok(())
}

/// Control characters other than tab, CR and LF (C0, DEL and C1).
fn is_forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\r' | '\n')
}

/// `email` and `media_url`, wherever they are given.
fn check_contact(form: &[(String, String)]) -> Result<(), Invalid> {
    for (name, value) in form.iter().map(|(k, v)| (k.as_str(), v.trim())).filter(|(_, v)| !v.is_empty()) {
        match name {
            "email" if !looks_like_email(value) => {
                return Err(Invalid(format!("email `{value}` is not an email address like name@example.org")));
            }
            "media_url" if !is_web_url(value) => {
                return Err(Invalid(format!("media_url `{value}` must be an absolute http or https URL")));
            }
            _ => {}
        }
    }
    Ok(())
}

/// One `@`, a non-empty local part, a domain of non-empty dotted labels, no white space.
fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
        && !text.chars().any(char::is_whitespace)
}

/// An absolute `http` or `https` URL with a host.
fn is_web_url(text: &str) -> bool {
    Url::parse(text).is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
}

/// Every `attribute[...]` answered must name a question of the definition (an
/// information-only attribute is not one); without a definition there are no questions.
fn check_attribute_names(
    form: &[(String, String)],
    definition: Option<&ServiceDefinition>,
    service_code: &str,
) -> Result<(), Invalid> {
    let given = form.iter().filter(|(k, v)| k.starts_with("attribute[") && !v.trim().is_empty());
    for (name, _) in given {
        let Some(code) = attribute_code(name) else {
            return Err(Invalid(format!("`{name}` is not of the form attribute[CODE] or attribute[CODE][]")));
        };
        let Some(definition) = definition else {
            return Err(Invalid(format!(
                "attribute[{code}] is not taken: service `{service_code}` has no service definition, so no attributes"
            )));
        };
        match definition.attributes.iter().find(|a| a.code == code) {
            None => {
                return Err(Invalid(format!(
                    "attribute[{code}] is not a question of service `{}`",
                    definition.service_code
                )));
            }
            Some(a) if !a.variable => {
                return Err(Invalid(format!(
                    "attribute[{code}] is information only (variable=false) and takes no answer"
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// `CODE` from `attribute[CODE]` or `attribute[CODE][]`.
fn attribute_code(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("attribute[")?;
    let code = rest.strip_suffix("][]").or_else(|| rest.strip_suffix(']'))?;
    (!code.is_empty() && !code.contains(['[', ']'])).then_some(code)
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
    if a.datatype != "multivaluelist" && given.len() > 1 {
        return Err(Invalid(format!("attribute[{}] takes one value", a.code)));
    }
    if let Some(twice) = given.iter().enumerate().find_map(|(i, g)| given[..i].contains(g).then_some(g)) {
        return Err(Invalid(format!("attribute[{}] `{twice}` is given twice", a.code)));
    }
    let keys: Vec<&str> = a.values.iter().map(|v| v.key.as_str()).collect();
    match a.datatype.as_str() {
        "singlevaluelist" | "multivaluelist" => match given.iter().find(|g| !keys.contains(&g.as_str())) {
            Some(bad) => Err(Invalid(format!("attribute[{}] `{bad}` is not one of: {}", a.code, keys.join(", ")))),
            None => Ok(()),
        },
        "number" => match given.iter().find(|g| !g.parse::<f64>().is_ok_and(f64::is_finite)) {
            Some(bad) => Err(Invalid(format!("attribute[{}] `{bad}` is not a finite number", a.code))),
            None => Ok(()),
        },
        "datetime" => {
            match given.iter().find(|g| crate::domain::time::parse_bound(g, &jiff::tz::TimeZone::UTC).is_none()) {
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

    /// The checks with a definition, or none (`metadata=false`).
    fn validate_submission(form: &[(String, String)], definition: Option<&ServiceDefinition>) -> Result<(), Invalid> {
        validate_against(form, definition.map_or(Questions::None, Questions::Defined))
    }
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
        let note = Attribute { variable: false, ..attribute("NOTE", "text", false) };
        ServiceDefinition {
            service_code: "001".into(),
            attributes: vec![
                attribute("SIZE", "singlevaluelist", true),
                attribute("WHERE", "multivaluelist", false),
                attribute("DEPTH", "number", false),
                attribute("COMMENT", "text", false),
                note,
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
        assert!(validate_submission(&bad_number, Some(&d)).unwrap_err().0.contains("not a finite number"));
    }

    /// The refusal for `base` (a valid answer to the definition) plus `extra`.
    fn refusal(extra: &[(&str, &str)]) -> Option<String> {
        let base = [("service_code", "001"), ("lat", "45.5"), ("long", "-73.6"), ("attribute[SIZE]", "a")];
        validate_submission(&form(&[&base[..], extra].concat()), Some(&definition())).err().map(|e| e.0)
    }

    #[test]
    fn a_definition_not_yet_harvested_leaves_answers_to_the_city() {
        let answered = form(&[("service_code", "001"), ("lat", "45.5"), ("long", "-73.6"), ("attribute[X]", "1")]);
        assert!(validate_against(&answered, Questions::Unknown).is_ok());
        assert!(validate_against(&answered, Questions::None).unwrap_err().0.contains("no service definition"));
        let no_place = form(&[("service_code", "001"), ("attribute[X]", "1")]);
        assert!(validate_against(&no_place, Questions::Unknown).is_err(), "every other check still holds");
    }

    #[test]
    fn numbers_are_finite() {
        for bad in ["NaN", "nan", "inf", "-inf", "infinity", "1e999", "-1e999"] {
            let why = refusal(&[("attribute[DEPTH]", bad)]).unwrap_or_else(|| panic!("{bad} was taken"));
            assert!(why.contains("attribute[DEPTH]") && why.contains("finite"), "{why}");
        }
        for good in ["0", "-3.5", "1e300", "12"] {
            assert_eq!(refusal(&[("attribute[DEPTH]", good)]), None, "{good}");
        }
    }

    #[test]
    fn every_field_has_a_length_limit() {
        for (field, max) in LIMITS.iter().filter(|(f, _)| !matches!(*f, "email" | "media_url" | "service_code")) {
            assert_eq!(refusal(&[(field, &"x".repeat(*max))]), None, "{field} at its limit");
            let why = refusal(&[(field, &"x".repeat(max + 1))]).unwrap();
            assert_eq!(why, format!("{field} is longer than {max} characters"));
        }
        let at_limit = format!("{}@example.org", "a".repeat(254 - 12));
        assert_eq!(refusal(&[("email", &at_limit)]), None);
        assert!(refusal(&[("email", &format!("a{at_limit}"))]).unwrap().starts_with("email is longer"));
        let url = format!("https://example.org/{}", "p".repeat(2048));
        assert!(refusal(&[("media_url", &url)]).unwrap().starts_with("media_url is longer than 2048"));
        // Characters, not bytes.
        assert_eq!(refusal(&[("first_name", &"é".repeat(200))]), None);
        let why = refusal(&[("attribute[COMMENT]", &"x".repeat(MAX_ANSWER + 1))]).unwrap();
        assert!(why.starts_with("attribute[COMMENT] is longer than 4000"), "{why}");
        assert_eq!(refusal(&[("attribute[COMMENT]", &"x".repeat(MAX_ANSWER))]), None);
        assert!(refusal(&[("x_extension", &"x".repeat(MAX_OTHER + 1))]).unwrap().starts_with("x_extension is longer"));
        assert!(refusal(&[(&"n".repeat(MAX_NAME + 1), "1")]).unwrap().contains("parameter name is longer"));
    }

    #[test]
    fn the_form_has_a_cap_on_its_pairs() {
        let many: Vec<(String, String)> = (0..MAX_PAIRS).map(|i| (format!("x{i}"), "1".to_string())).collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let why = refusal(&many).unwrap();
        assert!(why.contains("at most 200"), "{why}");
        assert_eq!(refusal(&many[..MAX_PAIRS - 4]), None);
    }

    #[test]
    fn email_and_media_url_are_checked() {
        for bad in ["not-an-email", "@example.org", "a@b", "a@@b.org", "a@b@c.org", "a b@c.org", "a@.org", "a@b."] {
            let why = refusal(&[("email", bad)]).unwrap_or_else(|| panic!("{bad} was taken"));
            assert!(why.starts_with("email"), "{why}");
        }
        for good in ["a@b.org", "first.last+tag@mail.example.co.uk"] {
            assert_eq!(refusal(&[("email", good)]), None, "{good}");
        }
        for bad in ["javascript:alert(1)", "/photos/1.jpg", "ftp://example.org/a.jpg", "data:image/png;base64,AA", "x"]
        {
            let why = refusal(&[("media_url", bad)]).unwrap_or_else(|| panic!("{bad} was taken"));
            assert!(why.starts_with("media_url") && why.contains("http or https"), "{why}");
        }
        for good in ["http://example.org/a.jpg", "https://img.example.org/p?id=1"] {
            assert_eq!(refusal(&[("media_url", good)]), None, "{good}");
        }
    }

    #[test]
    fn only_the_definitions_questions_take_answers() {
        let why = refusal(&[("attribute[BOGUS]", "1")]).unwrap();
        assert_eq!(why, "attribute[BOGUS] is not a question of service `001`");
        assert!(refusal(&[("attribute[BOGUS][]", "1")]).unwrap().contains("attribute[BOGUS]"));
        let why = refusal(&[("attribute[NOTE]", "hello")]).unwrap();
        assert!(why.contains("attribute[NOTE]") && why.contains("information only"), "{why}");
        assert!(refusal(&[("attribute[SIZE][x]", "a")]).unwrap().contains("`attribute[SIZE][x]`"));
        assert!(refusal(&[("attribute[]", "a")]).unwrap().contains("`attribute[]`"));
        // Empty values behave as absent.
        assert_eq!(refusal(&[("attribute[BOGUS]", ""), ("attribute[NOTE]", " ")]), None);
        // Without a definition, no attribute at all.
        let plain = form(&[("service_code", "002"), ("lat", "45.5"), ("long", "-73.6"), ("attribute[A]", "1")]);
        let why = validate_submission(&plain, None).unwrap_err().0;
        assert!(why.contains("attribute[A]") && why.contains("`002` has no service definition"), "{why}");
        assert!(validate_submission(&plain[..3], None).is_ok());
    }

    #[test]
    fn control_characters_are_refused_but_tab_cr_lf() {
        for (field, value) in [
            ("description", "a\0b"),
            ("first_name", "\u{7}bell"),
            ("attribute[COMMENT]", "x\u{1b}[31m"),
            ("zipcode", "\u{85}"),
        ] {
            let why = refusal(&[(field, value)]).unwrap_or_else(|| panic!("{field} {value:?} was taken"));
            assert!(why.starts_with(&format!("{field} contains the control character")), "{why}");
        }
        assert_eq!(refusal(&[("description", "line one\r\nline\ttwo\n")]), None);
        let why = refusal(&[("desc\0ription", "x")]).unwrap();
        assert!(why.contains("parameter name `desc\\0ription`"), "{why}");
    }

    #[test]
    fn one_answer_per_question_and_no_repeats() {
        let twice = refusal(&[("attribute[WHERE][]", "a"), ("attribute[WHERE][]", "a")]).unwrap();
        assert_eq!(twice, "attribute[WHERE] `a` is given twice");
        assert_eq!(refusal(&[("attribute[WHERE][]", "a"), ("attribute[WHERE][]", "b")]), None);
        let two = refusal(&[("attribute[DEPTH]", "1"), ("attribute[DEPTH]", "2")]).unwrap();
        assert_eq!(two, "attribute[DEPTH] takes one value");
    }
}

//! GeoReport error documents in every shape seen: XML `errors › error {code, description}`,
//! a lone `<error>text</error>` (the 403 capture), a JSON array of error objects, a single
//! error object, or `{"errors": [...]}`. Besides `description`, the message may sit in
//! `message`, `msg`, `error` or `faultstring` (the keys r311 tries). An object counts as an
//! error only when it has one of those keys and none of the keys of real data.

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use serde_json::value::RawValue;

use super::lenient::Text;
use super::many::{Item, Many};
use super::xml::normalize;
use crate::domain::UpstreamError;

/// One error object, plus markers for the keys that show it is data instead.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorRecord<'a> {
    #[serde(borrow)]
    code: Text<'a>,
    #[serde(borrow)]
    description: Text<'a>,
    #[serde(borrow)]
    message: Text<'a>,
    #[serde(borrow)]
    msg: Text<'a>,
    #[serde(borrow)]
    error: Text<'a>,
    #[serde(borrow)]
    faultstring: Text<'a>,
    service_request_id: Option<IgnoredAny>,
    service_code: Option<IgnoredAny>,
    token: Option<IgnoredAny>,
    requested_datetime: Option<IgnoredAny>,
    changeset: Option<IgnoredAny>,
    endpoints: Option<IgnoredAny>,
    attributes: Option<IgnoredAny>,
}

impl Item for ErrorRecord<'_> {
    const WRAPPERS: &'static [&'static str] = &["error"];
}

impl ErrorRecord<'_> {
    fn into_error(self, status: Option<&str>) -> Option<UpstreamError> {
        let data = self.service_request_id.is_some()
            || self.service_code.is_some()
            || self.token.is_some()
            || self.requested_datetime.is_some()
            || self.changeset.is_some()
            || self.endpoints.is_some()
            || self.attributes.is_some();
        let text = self.description.or(self.message).or(self.msg).or(self.error).or(self.faultstring);
        if data || (text.0.is_none() && self.code.0.is_none()) {
            return None;
        }
        Some(UpstreamError {
            code: self.code.owned().or_else(|| status.map(str::to_owned)).unwrap_or_default(),
            description: text.owned().unwrap_or_default(),
        })
    }
}

/// Every record must be an error for the document to be an errors document.
fn all_errors(records: Vec<ErrorRecord<'_>>, status: Option<&str>) -> Option<Vec<UpstreamError>> {
    let errors: Option<Vec<_>> = records.into_iter().map(|r| r.into_error(status)).collect();
    errors.filter(|e| !e.is_empty())
}

/// Errors in a JSON document. `status` is the HTTP status seen before the body, if any.
pub(super) fn from_json(doc: &str, status: Option<&str>) -> Option<Vec<UpstreamError>> {
    #[derive(Deserialize)]
    struct Wrapped<'a> {
        #[serde(borrow)]
        errors: Many<ErrorRecord<'a>>,
    }
    if let Ok(Wrapped { errors }) = serde_json::from_str::<Wrapped>(doc) {
        return all_errors(errors.0, status);
    }
    let raws: Vec<&RawValue> = super::json::list_of(doc, &[]).ok()?;
    let records: Result<Vec<ErrorRecord>, _> = raws.iter().map(|r| serde_json::from_str(r.get())).collect();
    all_errors(records.ok()?, status)
}

/// Errors in an XML document with root element `root`.
pub(super) fn from_xml(root: &str, value: &Value, status: Option<&str>) -> Option<Vec<UpstreamError>> {
    match normalize(root).as_str() {
        "error" => Some(vec![xml_error(value, status)?]),
        "errors" => {
            let listed = match value.get("error") {
                Some(Value::Array(items)) => items.iter().collect(),
                Some(one) => vec![one],
                None => Vec::new(),
            };
            let errors: Option<Vec<_>> = listed.into_iter().map(|v| xml_error(v, status)).collect();
            errors.filter(|e| !e.is_empty())
        }
        _ => None,
    }
}

/// `<error>text</error>` or `<error><code/><description/></error>`.
fn xml_error(value: &Value, status: Option<&str>) -> Option<UpstreamError> {
    match value {
        Value::String(text) => {
            Some(UpstreamError { code: status.unwrap_or_default().to_owned(), description: text.clone() })
        }
        _ => ErrorRecord::deserialize(value).ok()?.into_error(status),
    }
}

/// `404: not found; 400: bad request` for error messages.
pub(super) fn summary(errors: &[UpstreamError]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|e| match (e.code.is_empty(), e.description.is_empty()) {
            (true, _) => e.description.clone(),
            (false, true) => e.code.clone(),
            (false, false) => format!("{}: {}", e.code, e.description),
        })
        .collect();
    if parts.is_empty() { "no details".to_owned() } else { parts.join("; ") }
}

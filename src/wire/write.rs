//! Writing GeoReport v2 documents exactly as the spec shapes them: bare JSON arrays for lists
//! (a list of one for a single request), objects for a service definition and discovery,
//! UTF-8 XML with a declaration and the spec's roots. Times are written in UTC with `Z`.

use std::borrow::Cow;

use quick_xml::escape::escape;
use serde::Serialize;

use crate::domain::time::format_utc;
use crate::domain::{Attribute, Discovery, PostReceipt, Service, ServiceDefinition, ServiceRequest, UpstreamError};

/// Spec MIME type for XML answers.
pub const XML_CONTENT_TYPE: &str = "text/xml; charset=utf-8";
/// Spec MIME type for JSON answers.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";
const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

/// A service as the spec writes it (strings never null, so strict clients are happy).
#[derive(Serialize)]
struct ServiceOut<'a> {
    service_code: &'a str,
    service_name: &'a str,
    description: &'a str,
    metadata: bool,
    #[serde(rename = "type")]
    service_type: &'a str,
    keywords: &'a str,
    group: &'a str,
}

impl<'a> From<&'a Service> for ServiceOut<'a> {
    fn from(s: &'a Service) -> Self {
        ServiceOut {
            service_code: &s.service_code,
            service_name: &s.service_name,
            description: s.description.as_deref().unwrap_or(""),
            metadata: s.metadata,
            service_type: s.service_type.as_deref().unwrap_or("realtime"),
            keywords: s.keywords.as_deref().unwrap_or(""),
            group: s.group.as_deref().unwrap_or(""),
        }
    }
}

/// A request as the spec writes it; absent values are `null` in JSON, empty in XML.
#[derive(Serialize)]
pub struct RequestOut<'a> {
    service_request_id: &'a str,
    status: &'static str,
    status_notes: Option<&'a str>,
    service_name: Option<&'a str>,
    service_code: Option<&'a str>,
    description: Option<&'a str>,
    agency_responsible: Option<&'a str>,
    service_notice: Option<&'a str>,
    requested_datetime: Option<String>,
    updated_datetime: Option<String>,
    expected_datetime: Option<String>,
    address: Option<&'a str>,
    address_id: Option<&'a str>,
    zipcode: Option<&'a str>,
    lat: Option<f64>,
    long: Option<f64>,
    media_url: Option<&'a str>,
}

impl<'a> From<&'a ServiceRequest> for RequestOut<'a> {
    fn from(r: &'a ServiceRequest) -> Self {
        RequestOut {
            service_request_id: &r.service_request_id,
            status: r.status.as_str(),
            status_notes: r.status_notes.as_deref(),
            service_name: r.service_name.as_deref(),
            service_code: r.service_code.as_deref(),
            description: r.description.as_deref(),
            agency_responsible: r.agency_responsible.as_deref(),
            service_notice: r.service_notice.as_deref(),
            requested_datetime: r.requested_datetime.map(format_utc),
            updated_datetime: r.updated_datetime.map(format_utc),
            expected_datetime: r.expected_datetime.map(format_utc),
            address: r.address.as_deref(),
            address_id: r.address_id.as_deref(),
            zipcode: r.zipcode.as_deref(),
            lat: r.lat,
            long: r.long,
            media_url: r.media_url.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct ErrorOut<'a> {
    code: u16,
    description: &'a str,
}

/// `services` as a bare JSON array.
pub fn services_json(services: &[Service]) -> String {
    json(&services.iter().map(ServiceOut::from).collect::<Vec<_>>())
}

/// `services` as XML.
pub fn services_xml(services: &[Service]) -> String {
    let mut x = Xml::new("services");
    for s in services.iter().map(ServiceOut::from) {
        x.open("service");
        x.field("service_code", s.service_code);
        x.field("service_name", s.service_name);
        x.field("description", s.description);
        x.field("metadata", if s.metadata { "true" } else { "false" });
        x.field("type", s.service_type);
        x.field("keywords", s.keywords);
        x.field("group", s.group);
        x.close("service");
    }
    x.finish()
}

/// `service_definition` as a JSON object.
pub fn definition_json(d: &ServiceDefinition) -> String {
    json(d)
}

/// `service_definition` as XML.
pub fn definition_xml(d: &ServiceDefinition) -> String {
    let mut x = Xml::new("service_definition");
    x.field("service_code", &d.service_code);
    x.open("attributes");
    for a in &d.attributes {
        attribute_xml(&mut x, a);
    }
    x.close("attributes");
    x.finish()
}

fn attribute_xml(x: &mut Xml, a: &Attribute) {
    x.open("attribute");
    x.field("variable", bool_text(a.variable));
    x.field("code", &a.code);
    x.field("datatype", &a.datatype);
    x.field("required", bool_text(a.required));
    x.field("datatype_description", a.datatype_description.as_deref().unwrap_or(""));
    x.field("order", &a.order.map(|o| o.to_string()).unwrap_or_default());
    x.field("description", a.description.as_deref().unwrap_or(""));
    x.open("values");
    for v in &a.values {
        x.open("value");
        x.field("key", &v.key);
        x.field("name", &v.name);
        x.close("value");
    }
    x.close("values");
    x.close("attribute");
}

/// `service_requests` as a bare JSON array.
pub fn requests_json<'a>(requests: impl IntoIterator<Item = &'a ServiceRequest>) -> String {
    json(&requests.into_iter().map(RequestOut::from).collect::<Vec<_>>())
}

/// `service_requests` as XML.
pub fn requests_xml<'a>(requests: impl IntoIterator<Item = &'a ServiceRequest>) -> String {
    let mut x = Xml::new("service_requests");
    for r in requests {
        let o = RequestOut::from(r);
        x.open("request");
        x.field("service_request_id", o.service_request_id);
        x.field("status", o.status);
        for (name, value) in [
            ("status_notes", o.status_notes),
            ("service_name", o.service_name),
            ("service_code", o.service_code),
            ("description", o.description),
            ("agency_responsible", o.agency_responsible),
            ("service_notice", o.service_notice),
            ("requested_datetime", o.requested_datetime.as_deref()),
            ("updated_datetime", o.updated_datetime.as_deref()),
            ("expected_datetime", o.expected_datetime.as_deref()),
            ("address", o.address),
            ("address_id", o.address_id),
            ("zipcode", o.zipcode),
        ] {
            x.field(name, value.unwrap_or(""));
        }
        x.field("lat", &o.lat.map(|v| v.to_string()).unwrap_or_default());
        x.field("long", &o.long.map(|v| v.to_string()).unwrap_or_default());
        x.field("media_url", o.media_url.unwrap_or(""));
        x.close("request");
    }
    x.finish()
}

/// Submission answers (ids or tokens) as a bare JSON array.
pub fn receipts_json(receipts: &[PostReceipt]) -> String {
    json(receipts)
}

/// Submission answers as XML.
pub fn receipts_xml(receipts: &[PostReceipt]) -> String {
    let mut x = Xml::new("service_requests");
    for r in receipts {
        x.open("request");
        for (name, value) in [
            ("service_request_id", &r.service_request_id),
            ("token", &r.token),
            ("service_notice", &r.service_notice),
            ("account_id", &r.account_id),
        ] {
            if let Some(v) = value {
                x.field(name, v);
            }
        }
        x.close("request");
    }
    x.finish()
}

/// `errors` as a bare JSON array.
pub fn errors_json(errors: &[(u16, String)]) -> String {
    json(&errors.iter().map(|(code, d)| ErrorOut { code: *code, description: d }).collect::<Vec<_>>())
}

/// `errors` as XML.
pub fn errors_xml(errors: &[(u16, String)]) -> String {
    let mut x = Xml::new("errors");
    for (code, description) in errors {
        x.open("error");
        x.field("code", &code.to_string());
        x.field("description", description);
        x.close("error");
    }
    x.finish()
}

/// Upstream errors re-rendered for our clients (codes that are not numbers become 400).
pub fn upstream_errors(errors: &[UpstreamError]) -> Vec<(u16, String)> {
    errors.iter().map(|e| (e.code.trim().parse().unwrap_or(400), e.description.clone())).collect()
}

/// `discovery` as a JSON object.
pub fn discovery_json(d: &Discovery) -> String {
    fn s(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or("")
    }
    #[derive(Serialize)]
    struct EndpointOut<'a> {
        specification: &'a str,
        url: &'a str,
        changeset: &'a str,
        #[serde(rename = "type")]
        endpoint_type: &'a str,
        formats: &'a [String],
    }
    #[derive(Serialize)]
    struct DiscoveryOut<'a> {
        changeset: &'a str,
        contact: &'a str,
        key_service: &'a str,
        endpoints: Vec<EndpointOut<'a>>,
    }
    json(&DiscoveryOut {
        changeset: s(&d.changeset),
        contact: s(&d.contact),
        key_service: s(&d.key_service),
        endpoints: d
            .endpoints
            .iter()
            .map(|e| EndpointOut {
                specification: s(&e.specification),
                url: s(&e.url),
                changeset: s(&e.changeset),
                endpoint_type: s(&e.endpoint_type),
                formats: &e.formats,
            })
            .collect(),
    })
}

/// `discovery` as XML.
pub fn discovery_xml(d: &Discovery) -> String {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut x = Xml::new("discovery");
    x.field("changeset", &s(&d.changeset));
    x.field("contact", &s(&d.contact));
    x.field("key_service", &s(&d.key_service));
    x.open("endpoints");
    for e in &d.endpoints {
        x.open("endpoint");
        x.field("specification", &s(&e.specification));
        x.field("url", &s(&e.url));
        x.field("changeset", &s(&e.changeset));
        x.field("type", &s(&e.endpoint_type));
        x.open("formats");
        for f in &e.formats {
            x.field("format", f);
        }
        x.close("formats");
        x.close("endpoint");
    }
    x.close("endpoints");
    x.finish()
}

fn bool_text(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

fn json<T: Serialize + ?Sized>(value: &T) -> String {
    // Serializing plain structs of strings and numbers cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_string())
}

/// Text or attribute value for XML: markup escaped, and the characters XML 1.0 cannot hold
/// even escaped (a city's stray NUL, a client's `%00`) dropped, so every document fed311
/// writes is well-formed.
pub fn escape_xml(text: &str) -> Cow<'_, str> {
    if text.chars().all(allowed_in_xml) {
        escape(text)
    } else {
        let kept: String = text.chars().filter(|&c| allowed_in_xml(c)).collect();
        Cow::Owned(escape(&kept).into_owned())
    }
}

/// XML 1.0 `Char`: tab, line feed, carriage return and everything from space up, except
/// U+FFFE and U+FFFF (Rust strings hold no surrogates).
fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// A minimal XML builder: elements in the order written, text escaped.
struct Xml {
    out: String,
    root: &'static str,
}

impl Xml {
    fn new(root: &'static str) -> Xml {
        let mut out = String::with_capacity(4096);
        out.push_str(DECLARATION);
        out.push('<');
        out.push_str(root);
        out.push('>');
        Xml { out, root }
    }

    fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn field(&mut self, name: &str, text: &str) {
        self.open(name);
        self.out.push_str(&escape_xml(text));
        self.close(name);
    }

    fn finish(mut self) -> String {
        let root = self.root;
        self.close(root);
        self.out.push('\n');
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Status;

    fn request() -> ServiceRequest {
        ServiceRequest {
            service_request_id: "638344".into(),
            status: Status::Closed,
            status_raw: Some("closed".into()),
            status_notes: Some("Duplicate <request> & more".into()),
            service_name: Some("Sidewalk".into()),
            service_code: Some("006".into()),
            description: None,
            agency_responsible: None,
            service_notice: None,
            requested_datetime: Some("2010-04-14T14:37:38Z".parse().unwrap()),
            updated_datetime: None,
            expected_datetime: None,
            requested_text: None,
            updated_text: None,
            expected_text: None,
            address: Some("8TH AVE and JUDAH ST".into()),
            address_id: None,
            zipcode: None,
            lat: Some(37.762221815),
            long: Some(-122.4651145),
            media_url: None,
            raw: "{}".into(),
        }
    }

    #[test]
    fn requests_json_is_a_bare_array_with_string_codes() {
        let r = request();
        let v: serde_json::Value = serde_json::from_str(&requests_json([&r])).unwrap();
        assert_eq!(v[0]["service_code"], "006");
        assert_eq!(v[0]["status"], "closed");
        assert_eq!(v[0]["requested_datetime"], "2010-04-14T14:37:38Z");
        assert_eq!(v[0]["lat"], 37.762221815);
        assert!(v[0]["description"].is_null());
    }

    #[test]
    fn requests_xml_escapes_and_keeps_spec_roots() {
        let r = request();
        let xml = requests_xml([&r]);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service_requests><request>"));
        assert!(xml.contains("<status_notes>Duplicate &lt;request&gt; &amp; more</status_notes>"));
        assert!(xml.contains("<description></description>"));
        assert!(xml.trim_end().ends_with("</service_requests>"));
    }

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(escape_xml("a < b & \"c\" 'd' > e"), "a &lt; b &amp; &quot;c&quot; &apos;d&apos; &gt; e");
        assert_eq!(escape_xml("bell\u{7}\u{0}tab\there\u{FFFF}"), "belltab\there");
        let errors = vec![(400, "q `\u{0}a\u{1F}b\tc` has no words".to_string())];
        assert!(errors_xml(&errors).contains("<description>q `ab\tc` has no words</description>"));
    }

    #[test]
    fn errors_have_numeric_codes() {
        let errors = vec![(400, "jurisdiction_id is required".to_string())];
        assert_eq!(errors_json(&errors), r#"[{"code":400,"description":"jurisdiction_id is required"}]"#);
        assert!(errors_xml(&errors).contains(
            "<errors><error><code>400</code><description>jurisdiction_id is required</description></error></errors>"
        ));
    }
}

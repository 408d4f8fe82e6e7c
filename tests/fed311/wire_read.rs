//! Tests of the tolerant reading side of the wire format (`fed311::wire::read`): every
//! recorded city response under `tests/fixtures/recorded/`, then one test per quirk against the project's own fixtures in
//! `tests/fixtures/wire/` and inline bodies, then an ignored throughput measurement.

use std::path::{Path, PathBuf};

use fed311::domain::Status;
use fed311::domain::time::format_utc;
use fed311::wire::WireFormat;
use fed311::wire::read::*;
use jiff::tz::TimeZone;

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).expect("known zone")
}

fn toronto() -> TimeZone {
    zone("America/Toronto")
}

fn own(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wire").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The responses recorded from real cities, with their licences.
fn recorded() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/recorded")
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn utc(t: Option<jiff::Timestamp>) -> Option<String> {
    t.map(format_utc)
}

// ---------------------------------------------------------------- shared recorded fixtures

#[test]
fn shared_toronto_requests_many() {
    let dir = recorded();
    let parsed = parse_requests(&read(&dir, "open311status/requests_many.xml"), &toronto()).unwrap();
    assert_eq!(parsed.format, WireFormat::Xml);
    assert!(parsed.skipped.is_empty(), "{:?}", parsed.skipped);
    let ids: Vec<&str> = parsed.items.iter().map(|r| r.service_request_id.as_str()).collect();
    assert_eq!(ids, ["101005420892", "101005420894"]);
    let first = &parsed.items[0];
    assert_eq!(first.lat, Some(43.691104288));
    assert_eq!(first.long, Some(-79.272306875));
    assert_eq!(utc(first.requested_datetime).as_deref(), Some("2018-07-30T04:01:00Z"));
    assert_eq!(first.requested_text.as_deref(), Some("2018-07-30T00:01:00-04:00"));
    assert_eq!(first.service_code.as_deref(), Some("CSROWR-12"));
    assert_eq!(first.description, None, "self-closing <description/> is absent");
    assert_eq!(first.updated_datetime, None);
    assert_eq!(first.status, Status::Open);
    assert_eq!(first.agency_responsible.as_deref(), Some("311 Toronto"));
    assert_eq!(first.address_id.as_deref(), Some("13459430"));
    let raw: serde_json::Value = serde_json::from_str(&first.raw).unwrap();
    assert_eq!(raw["service_request_id"], "101005420892");
    assert_eq!(raw["long"], "-79.272306875");
}

#[test]
fn shared_toronto_request_single_is_a_list_of_one() {
    let dir = recorded();
    let parsed = parse_requests(&read(&dir, "open311status/requests_single.xml"), &toronto()).unwrap();
    assert_eq!(parsed.items.len(), 1);
    assert_eq!(parsed.items[0].service_request_id, "101005420892");
    assert_eq!(parsed.items[0].status_notes.as_deref(), Some("In progress - The request has been scheduled."));
}

#[test]
fn shared_giessen_services() {
    let dir = recorded();
    let parsed = parse_services(&read(&dir, "open311status/services_giessen.xml")).unwrap();
    assert_eq!(parsed.items.len(), 8);
    let roads = parsed.items.iter().find(|s| s.service_code == "011").unwrap();
    assert_eq!(roads.service_name, "Straßen- und Gehwegschäden");
    assert!(parsed.items.iter().any(|s| s.service_name == "Grünflächen und Spielplätze"));
    assert_eq!(parsed.items[0].service_code, "015");
    assert_eq!(parsed.items[0].keywords, None, "empty <keywords/>");
    assert_eq!(parsed.items[0].description, None);
    assert!(!parsed.items[0].metadata);
    assert_eq!(parsed.items[0].service_type.as_deref(), Some("realtime"));
}

#[test]
fn shared_chicago_requests_json() {
    let dir = recorded();
    let parsed = parse_requests(&read(&dir, "open311status/service_requests.json"), &zone("America/Chicago")).unwrap();
    assert_eq!(parsed.format, WireFormat::Json);
    assert_eq!(parsed.items.len(), 2);
    let codes: Vec<&str> = parsed.items.iter().filter_map(|r| r.service_code.as_deref()).collect();
    assert_eq!(codes, ["4ffa9cad6018277d4000007b", "4fd3bd72e750846c530000cd"]);
    assert!(codes.iter().all(|c| c.len() == 24 && c.bytes().all(|b| b.is_ascii_hexdigit())));
    let first = &parsed.items[0];
    assert_eq!(first.service_request_id, "14-01100669");
    assert_eq!(first.lat, Some(41.858724777757864));
    assert_eq!(first.long, Some(-87.66475146237676));
    assert_eq!(first.status_notes, None);
    assert_eq!(utc(first.updated_datetime).as_deref(), Some("2014-07-12T16:08:21Z"));
    assert!(first.raw.starts_with("{\n    \"service_request_id\": \"14-01100669\""), "raw is the exact text");
    assert_eq!(parsed.items[1].status_notes.as_deref(), Some("Locked"));
}

#[test]
fn shared_spec_service_list_json() {
    let dir = recorded();
    let parsed = parse_services(&read(&dir, "open311status/service_list.json")).unwrap();
    let codes: Vec<&str> = parsed.items.iter().map(|s| s.service_code.as_str()).collect();
    assert_eq!(codes, ["001", "002", "003"]);
    assert!(parsed.items.iter().all(|s| s.metadata));
    assert_eq!(parsed.items[1].group.as_deref(), Some("street"));
    assert_eq!(parsed.items[0].keywords.as_deref(), Some("lorem, ipsum, dolor"));
}

#[test]
fn shared_san_francisco_services() {
    let dir = recorded();
    let parsed = parse_services(&read(&dir, "codeforamerica-open311/services.xml")).unwrap();
    assert_eq!(parsed.items.len(), 36);
    assert_eq!(parsed.items[0].service_code, "001");
    assert_eq!(parsed.items[0].service_name, "Cans_Left_Out_24x7");
    assert_eq!(parsed.items[0].group.as_deref(), Some("Litter Receptacles"));
    assert!(parsed.items[..31].iter().all(|s| s.service_code.starts_with('0') && s.service_code.len() == 3));
    assert_eq!(parsed.items[35].service_code, "379");
    let text = parsed.items[1].description.as_deref().unwrap();
    assert_eq!(text, "Metal construction plate covering the street or sidewalk has been moved.");
}

#[test]
fn shared_service_definition_without_attributes_wrapper() {
    let dir = recorded();
    let def = parse_service_definition(&read(&dir, "codeforamerica-open311/service_definition.xml")).unwrap();
    assert_eq!(def.service_code, "DMV66");
    assert_eq!(def.attributes.len(), 1);
    let attr = &def.attributes[0];
    assert_eq!((attr.code.as_str(), attr.datatype.as_str()), ("WHISHETN", "singlevaluelist"));
    assert!(attr.variable && attr.required);
    assert_eq!(attr.order, Some(1));
    assert_eq!(attr.datatype_description, None);
    let keys: Vec<(&str, &str)> = attr.values.iter().map(|v| (v.key.as_str(), v.name.as_str())).collect();
    assert_eq!(keys, [("123", "Ford"), ("124", "Chrysler")]);
}

#[test]
fn shared_spec_requests_with_tabs() {
    let dir = recorded();
    let zone = zone("America/Los_Angeles");
    for name in ["codeforamerica-open311/service_requests.xml", "codeforamerica-open311/get_service_request.xml"] {
        let parsed = parse_requests(&read(&dir, name), &zone).unwrap();
        let first = &parsed.items[0];
        assert_eq!(first.service_request_id, "638344");
        assert_eq!(first.status, Status::Closed);
        assert_eq!(first.status_raw.as_deref(), Some("closed"));
        assert_eq!(first.service_code.as_deref(), Some("006"));
        assert_eq!(first.description, None);
        assert_eq!(
            first.media_url.as_deref(),
            Some("http://open311.city.gov.s3.amazonaws.com/requests/media/638344.rss")
        );
        assert_eq!(utc(first.expected_datetime).as_deref(), Some("2010-04-15T14:37:38Z"));
    }
    let many = parse_requests(&read(&dir, "codeforamerica-open311/service_requests.xml"), &zone).unwrap();
    assert_eq!(many.items.len(), 2);
    assert_eq!(many.items[1].status, Status::Open);
    assert_eq!(many.items[1].status_notes, None);
}

#[test]
fn shared_empty_request_list() {
    let dir = recorded();
    let parsed = parse_requests(&read(&dir, "codeforamerica-open311/service_requests_empty.xml"), &toronto()).unwrap();
    assert!(parsed.items.is_empty() && parsed.skipped.is_empty());
}

#[test]
fn shared_not_found_is_an_errors_document() {
    let dir = recorded();
    let body = read(&dir, "codeforamerica-open311/get_service_request_not_found.xml");
    let errors = parse_errors(&body).unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, "404");
    assert_eq!(errors[0].description, "Service request not found with id or token not-an-id");
    match parse_requests(&body, &toronto()) {
        Err(WireError::Upstream(e)) => assert_eq!(e[0].code, "404"),
        other => panic!("expected Upstream, got {other:?}"),
    }
}

#[test]
fn shared_403_capture_with_status_line() {
    let dir = recorded();
    let body = read(&dir, "codeforamerica-open311/403.xml");
    assert_eq!(detect_format(&body), Some(WireFormat::Xml));
    let expected = "Invalid api_key received -- can't proceed with create_request.";
    match parse_post_receipts(&body) {
        Err(WireError::Upstream(e)) => {
            assert_eq!(e.len(), 1);
            assert_eq!((e[0].code.as_str(), e[0].description.as_str()), ("403", expected));
        }
        other => panic!("expected Upstream, got {other:?}"),
    }
    assert_eq!(parse_errors(&body).unwrap()[0].code, "403");
}

#[test]
fn shared_post_and_token_answers() {
    let dir = recorded();
    let posted = parse_post_receipts(&read(&dir, "codeforamerica-open311/post_service_request.xml")).unwrap();
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].service_request_id.as_deref(), Some("293944"));
    assert_eq!(posted[0].account_id, None);
    let notice = posted[0].service_notice.as_deref().unwrap();
    assert!(notice.starts_with("The City will inspect") && notice.ends_with("Public Works Code"));
    let token = parse_post_receipts(&read(&dir, "codeforamerica-open311/request_id_from_token.xml")).unwrap();
    assert_eq!(token[0].service_request_id.as_deref(), Some("638344"));
    assert_eq!(token[0].token.as_deref(), Some("12345"));
}

#[test]
fn shared_every_file_parses() {
    let dir = recorded();
    let mut seen = 0;
    for group in ["codeforamerica-open311", "open311status", "r311"] {
        let Ok(entries) = std::fs::read_dir(dir.join(group)) else { continue };
        for entry in entries.flatten() {
            let name = format!("{group}/{}", entry.file_name().to_string_lossy());
            let body = std::fs::read(entry.path()).unwrap();
            let ok = match name.as_str() {
                // Not GeoReport documents: a monitor's YAML registry and r311's endpoint list.
                "open311status/cities.yml" | "r311/endpoints.json" => continue,
                n if n.contains("service_definition") => parse_service_definition(&body).is_ok(),
                n if n.contains("services") || n.contains("service_list") => parse_services(&body).is_ok(),
                n if n.contains("post_") || n.contains("token") => parse_post_receipts(&body).is_ok(),
                n if n.contains("not_found") || n.contains("403") => parse_errors(&body).is_some(),
                _ => parse_requests(&body, &toronto()).is_ok_and(|p| p.skipped.is_empty()),
            };
            assert!(ok, "{name} did not parse");
            seen += 1;
        }
    }
    assert_eq!(seen, 14, "every shared fixture but the two registries was read");
}

// ---------------------------------------------------------------- sniffing

fn requests(body: &str) -> Parsed<fed311::domain::ServiceRequest> {
    parse_requests(body.as_bytes(), &toronto()).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[test]
fn sniff_strips_bom_controls_and_junk_before_the_document() {
    let parsed = parse_requests(&own("klarschiff_requests.xml"), &zone("Europe/Berlin")).unwrap();
    assert_eq!(parsed.format, WireFormat::Xml);
    assert_eq!(parsed.items.len(), 1);
    let description = parsed.items[0].description.as_deref().unwrap();
    assert_eq!(description, "Erste Zeile\n\t\tZweite Zeile mit Steuerzeichen", "U+0010 removed, text trimmed");
    let json = "\u{feff}Content is not allowed in prolog [{\"service_request_id\":\"1\"}]";
    assert_eq!(requests(json).items[0].service_request_id, "1");
}

#[test]
fn sniff_detects_format_from_content() {
    assert_eq!(detect_format(b"  [ ]"), Some(WireFormat::Json));
    assert_eq!(detect_format(b"\xef\xbb\xbf{\"a\":1}"), Some(WireFormat::Json));
    assert_eq!(detect_format(b"<?xml version=\"1.0\"?><services/>"), Some(WireFormat::Xml));
    assert_eq!(detect_format(b"HTTP/1.1 403 Forbidden\r\n\r\n<error>no</error>"), Some(WireFormat::Xml));
    assert_eq!(detect_format(b"<!DOCTYPE html><html></html>"), None);
    assert_eq!(detect_format(b" \n "), None);
    assert_eq!(detect_format(b"Service Unavailable"), None);
}

#[test]
fn sniff_html_page_is_an_html_error() {
    match parse_requests(&own("ureport_error.html"), &toronto()) {
        Err(WireError::Html(title)) => assert_eq!(title, "uReport - Internal Server Error"),
        other => panic!("expected Html, got {other:?}"),
    }
    let untitled = b"<html><body><p>ERROR: Missing jurisdiction_id</p></body></html>";
    match parse_services(untitled) {
        Err(WireError::Html(text)) => assert_eq!(text, "ERROR: Missing jurisdiction_id"),
        other => panic!("expected Html, got {other:?}"),
    }
}

#[test]
fn sniff_empty_and_garbage_bodies() {
    assert!(matches!(parse_requests(b"", &toronto()), Err(WireError::Empty)));
    assert!(matches!(parse_services(b" \r\n\t"), Err(WireError::Empty)));
    match parse_requests(b"[{\"service_request_id\": 1,", &toronto()) {
        Err(WireError::Malformed { format: WireFormat::Json, detail }) => assert!(detail.contains("EOF"), "{detail}"),
        other => panic!("expected Malformed JSON, got {other:?}"),
    }
    let bad_xml = parse_requests(b"<service_requests><request></service_requests>", &toronto());
    assert!(matches!(bad_xml, Err(WireError::Malformed { format: WireFormat::Xml, .. })), "{bad_xml:?}");
    let wrong_root = parse_services(b"<foo><bar>1</bar><baz>2</baz></foo>");
    assert!(matches!(wrong_root, Err(WireError::Malformed { format: WireFormat::Xml, .. })), "{wrong_root:?}");
    assert!(matches!(parse_services(b"Internal Server Error"), Err(WireError::Malformed { .. })));
}

#[test]
fn sniff_jsonp_padding_is_removed() {
    let parsed = requests("callback([{\"service_request_id\":\"7\"}]);");
    assert_eq!(parsed.items[0].service_request_id, "7");
}

// ---------------------------------------------------------------- JSON shapes

#[test]
fn json_valid_empty_lists_are_ok() {
    for body in ["[]", "{\"service_requests\":[]}", "{\"requests\":null}"] {
        let parsed = requests(body);
        assert!(parsed.items.is_empty() && parsed.skipped.is_empty(), "{body}");
    }
    assert!(parse_services(b"{\"services\":[]}").unwrap().items.is_empty());
}

#[test]
fn json_single_bare_object_is_a_list_of_one() {
    let parsed = requests(r#"{"service_request_id":"42","status":"open"}"#);
    assert_eq!(parsed.items.len(), 1);
    assert_eq!(parsed.items[0].raw, r#"{"service_request_id":"42","status":"open"}"#);
    let services = parse_services(br#"{"service_code":"A","service_name":"Alpha"}"#).unwrap();
    assert_eq!(services.items[0].service_name, "Alpha");
}

#[test]
fn json_wrapped_roots_are_unwrapped() {
    assert_eq!(requests(r#"{"service_requests":[{"service_request_id":"1"}]}"#).items[0].service_request_id, "1");
    assert_eq!(requests(r#"{"requests":[{"service_request_id":"2"}]}"#).items[0].service_request_id, "2");
    assert_eq!(requests(r#"{"service_requests":{"request":{"service_request_id":"3"}}}"#).items.len(), 1);
    let services = parse_services(br#"{"services":[{"service_code":"1","service_name":"x"}]}"#).unwrap();
    assert_eq!(services.items[0].service_code, "1");
    let def = parse_service_definition(br#"{"service_definition":{"service_code":"X","attributes":[]}}"#).unwrap();
    assert_eq!(def.service_code, "X");
    let disco = parse_discovery(br#"{"discovery":{"changeset":"2011-02-03 14:18","endpoints":[]}}"#).unwrap();
    assert_eq!(disco.changeset.as_deref(), Some("2011-02-03 14:18"));
    match parse_requests(br#"{"errors":[{"code":403,"description":"bad key"}]}"#, &toronto()) {
        Err(WireError::Upstream(e)) => assert_eq!((e[0].code.as_str(), e[0].description.as_str()), ("403", "bad key")),
        other => panic!("expected Upstream, got {other:?}"),
    }
}

#[test]
fn json_values_wrapped_in_arrays_and_recipients() {
    let parsed = parse_requests(&own("zurich_wrapped.json"), &zone("Europe/Zurich")).unwrap();
    assert_eq!(parsed.items.len(), 1);
    assert_eq!(parsed.skipped, ["record 2 has no service_request_id"]);
    let r = &parsed.items[0];
    assert_eq!(r.service_request_id, "4711");
    assert_eq!(r.service_code.as_deref(), Some("12"));
    assert_eq!(r.status_raw.as_deref(), Some("fixed - council"));
    assert_eq!(r.status, Status::Closed);
    assert_eq!(r.agency_responsible.as_deref(), Some("Tiefbauamt, Stadtreinigung"));
    assert_eq!(r.media_url.as_deref(), Some("https://www.zueriwieneu.ch/photo/4711.jpeg"));
    assert_eq!((r.lat, r.long), (Some(47.3769), Some(8.5417)));
    assert_eq!(utc(r.requested_datetime).as_deref(), Some("2015-06-01T08:00:00Z"));
    assert_eq!((r.updated_datetime, r.updated_text.as_deref()), (None, None));
}

#[test]
fn json_media_url_as_string_or_array() {
    let parsed = requests(
        r#"[{"service_request_id":"1","media_url":"http://a/1.jpg"},
            {"service_request_id":"2","media_url":["","http://a/2.jpg"]},
            {"service_request_id":"3","media_url":[]}]"#,
    );
    let urls: Vec<Option<&str>> = parsed.items.iter().map(|r| r.media_url.as_deref()).collect();
    assert_eq!(urls, [Some("http://a/1.jpg"), Some("http://a/2.jpg"), None]);
}

#[test]
fn json_lenient_booleans() {
    let body = br#"[{"service_code":"a","service_name":"a","metadata":"false"},
        {"service_code":"b","service_name":"b","metadata":"true"},
        {"service_code":"c","service_name":"c","metadata":"0"},
        {"service_code":"d","service_name":"d","metadata":"1"},
        {"service_code":"e","service_name":"e","metadata":2},
        {"service_code":"f","service_name":"f","metadata":0},
        {"service_code":"g","service_name":"g","metadata":true}]"#;
    let flags: Vec<bool> = parse_services(body).unwrap().items.iter().map(|s| s.metadata).collect();
    assert_eq!(flags, [false, true, false, true, true, false, true]);
}

#[test]
fn json_lat_long_as_numbers_or_strings() {
    let parsed = requests(
        r#"[{"service_request_id":"1","lat":43.5,"long":-79.25},
            {"service_request_id":"2","lat":"43.5","long":" -79.25 "},
            {"service_request_id":"3","lat":"","long":null}]"#,
    );
    let points: Vec<(Option<f64>, Option<f64>)> = parsed.items.iter().map(|r| (r.lat, r.long)).collect();
    assert_eq!(points, [(Some(43.5), Some(-79.25)), (Some(43.5), Some(-79.25)), (None, None)]);
}

#[test]
fn json_ids_and_codes_as_strings_or_numbers() {
    let parsed = requests(
        r#"[{"service_request_id":101005420892,"service_code":7},
            {"service_request_id":"12-00677322","service_code":"001"},
            {"service_request_id":"ISLANDTON-14CAP-00000-00070","address_id":545483}]"#,
    );
    let ids: Vec<&str> = parsed.items.iter().map(|r| r.service_request_id.as_str()).collect();
    assert_eq!(ids, ["101005420892", "12-00677322", "ISLANDTON-14CAP-00000-00070"]);
    assert_eq!(parsed.items[0].service_code.as_deref(), Some("7"));
    assert_eq!(parsed.items[1].service_code.as_deref(), Some("001"));
    assert_eq!(parsed.items[2].address_id.as_deref(), Some("545483"));
    let services = parse_services(&own("services_lenient.json")).unwrap();
    assert_eq!(services.items[0].service_code, "123");
    assert_eq!(services.items[1].service_code, "001");
}

#[test]
fn json_empty_null_missing_objects_and_arrays_are_absent() {
    let parsed = requests(
        r#"[{"service_request_id":"1","description":"","status_notes":null,"address":{},
             "zipcode":[],"service_notice":"   ","agency_responsible":{"recipient":[]}}]"#,
    );
    let r = &parsed.items[0];
    assert_eq!((&r.description, &r.status_notes, &r.address), (&None, &None, &None));
    assert_eq!((&r.zipcode, &r.service_notice, &r.agency_responsible), (&None, &None, &None));
    assert_eq!((&r.service_name, &r.media_url, &r.status_raw), (&None, &None, &None));
    assert_eq!(r.status, Status::Open, "absent status is open");
}

#[test]
fn json_discovery_endpoints_as_an_object() {
    let disco = parse_discovery(&own("giessen_discovery.json")).unwrap();
    assert_eq!(disco.changeset.as_deref(), Some("2012-09-18T15:37-05"));
    assert_eq!(disco.contact.as_deref(), Some("Stadt Gießen"));
    assert_eq!(disco.endpoints.len(), 2);
    let production = &disco.endpoints[0];
    assert_eq!(production.url.as_deref(), Some("https://maengelmelder.giessen.de/georeport/v2"));
    assert_eq!(production.endpoint_type.as_deref(), Some("production"));
    assert_eq!(production.formats, ["text/xml", "application/json"]);
    assert_eq!(disco.endpoints[1].formats, ["text/xml"]);
    let single = parse_discovery(br#"{"endpoints":{"url":"https://x/v2/","formats":"text/xml"}}"#).unwrap();
    assert_eq!(single.endpoints[0].url.as_deref(), Some("https://x/v2/"));
    assert_eq!(single.endpoints[0].formats, ["text/xml"]);
}

#[test]
fn json_raw_is_the_exact_record_text() {
    let body = "[ {\"service_request_id\" : \"1\",\n \"x_ext\": {\"ward\": 5}} ,{\"service_request_id\":\"2\"}]";
    let parsed = requests(body);
    assert_eq!(parsed.items[0].raw, "{\"service_request_id\" : \"1\",\n \"x_ext\": {\"ward\": 5}}");
    assert_eq!(parsed.items[1].raw, "{\"service_request_id\":\"2\"}");
}

// ---------------------------------------------------------------- XML shapes

#[test]
fn xml_self_closing_and_empty_elements_are_absent() {
    let parsed = requests(
        "<service_requests><request><service_request_id>1</service_request_id>\
         <description/><status_notes></status_notes><zipcode>  </zipcode></request></service_requests>",
    );
    let r = &parsed.items[0];
    assert_eq!((&r.description, &r.status_notes, &r.zipcode), (&None, &None, &None));
}

#[test]
fn xml_root_attributes_and_namespaces_are_ignored() {
    let body = br#"<?xml version="1.0"?><services is_array="true" xmlns:m="http://org/sfgov/sf311v2/services"
        xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><service><service_code>001</service_code>
        <service_name>Cans</service_name><metadata>false</metadata></service></services>"#;
    let parsed = parse_services(body).unwrap();
    assert_eq!(parsed.items.len(), 1);
    assert_eq!((parsed.items[0].service_code.as_str(), parsed.items[0].metadata), ("001", false));
}

#[test]
fn xml_klarschiff_root_and_drift() {
    let parsed = parse_requests(&own("klarschiff_requests.xml"), &zone("Europe/Berlin")).unwrap();
    let r = &parsed.items[0];
    assert_eq!(r.service_request_id, "2017-0815");
    assert_eq!(r.address_id.as_deref(), Some("HRO-123"), "adress_id");
    assert_eq!(r.status_raw.as_deref(), Some("IN_BEARBEITUNG"));
    assert_eq!(r.status, Status::Open);
    assert_eq!((r.lat, r.long), (Some(54.0924), Some(12.0991)), "<long> before <lat>");
    assert_eq!(utc(r.requested_datetime).as_deref(), Some("2017-08-15T07:30:00Z"), "zoneless → city zone");
}

#[test]
fn xml_list_of_one_is_a_list() {
    let parsed =
        requests("<service_requests><request><service_request_id>9</service_request_id></request></service_requests>");
    assert_eq!(parsed.items.len(), 1);
    assert_eq!(parsed.items[0].service_request_id, "9");
    let services = parse_services(b"<services><service><service_code>1</service_code></service></services>").unwrap();
    assert_eq!(services.items.len(), 1);
    let bare = requests("<request><service_request_id>10</service_request_id></request>");
    assert_eq!(bare.items[0].service_request_id, "10", "a bare <request> root");
    let token = parse_post_receipts(b"<service_requests><request><token>abc</token></request></service_requests>");
    assert_eq!(token.unwrap()[0].token.as_deref(), Some("abc"));
}

#[test]
fn xml_layouts_one_line_tabs_and_multiline_text() {
    let one_line = "<service_requests><request><service_request_id>1</service_request_id><status>open</status></request><request><service_request_id>2</service_request_id></request></service_requests>";
    assert_eq!(requests(one_line).items.len(), 2);
    let tabbed = "<?xml version=\"1.0\"?>\r\n<service_requests>\r\n\t<request>\r\n\t\t<service_request_id>\r\n\t\t\t5\r\n\t\t</service_request_id>\r\n\t\t<service_notice>\r\n\t\t\tLine one.\r\n\t\t\tLine two.\r\n\t\t</service_notice>\r\n\t</request>\r\n</service_requests>";
    let r = &requests(tabbed).items[0];
    assert_eq!(r.service_request_id, "5");
    assert_eq!(r.service_notice.as_deref(), Some("Line one.\n\t\t\tLine two."), "XML normalizes line ends");
}

#[test]
fn xml_whitespace_only_list_is_empty() {
    let parsed = requests("<service_requests>\n   \t\n</service_requests>");
    assert!(parsed.items.is_empty() && parsed.skipped.is_empty());
    assert!(requests("<service_requests/>").items.is_empty());
    assert!(parse_services(b"<services>\n</services>").unwrap().items.is_empty());
}

#[test]
fn xml_unknown_elements_are_ignored_and_kept_in_raw() {
    let parsed = parse_requests(&own("klarschiff_requests.xml"), &zone("Europe/Berlin")).unwrap();
    let raw: serde_json::Value = serde_json::from_str(&parsed.items[0].raw).unwrap();
    assert_eq!(raw["service_request_id"], "2017-0815");
    assert_eq!(raw["extended_attributes"]["title"], "Müll");
    assert_eq!(raw["extended_attributes"]["votes"], "3");
    assert_eq!(raw["media_url"], "");
    assert!(!parsed.items[0].raw.contains('\n') || parsed.items[0].raw.contains("\\n"), "compact");
    let notes = requests(
        "<service_requests><request><service_request_id>1</service_request_id>\
         <notes><note>a</note><note>b</note></notes></request></service_requests>",
    );
    let raw: serde_json::Value = serde_json::from_str(&notes.items[0].raw).unwrap();
    assert_eq!(raw["notes"]["note"], serde_json::json!(["a", "b"]));
}

#[test]
fn xml_agency_recipients_and_html_status_notes() {
    let parsed = requests(
        "<service_requests><request><service_request_id>1</service_request_id>\
         <agency_responsible><recipient>Council</recipient><recipient>Highways</recipient></agency_responsible>\
         </request></service_requests>",
    );
    assert_eq!(parsed.items[0].agency_responsible.as_deref(), Some("Council, Highways"));
}

// ---------------------------------------------------------------- fields

#[test]
fn field_name_drift_aliases() {
    let parsed = parse_requests(&own("markaspot_drift.json"), &zone("Europe/Berlin")).unwrap();
    let r = &parsed.items[0];
    assert_eq!(r.service_request_id, "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "sevicerequest_id");
    assert_eq!(r.address.as_deref(), Some("Rathausplatz 1, Bonn"), "address_string");
    assert_eq!(r.status_notes.as_deref(), Some("<p>Wird geprüft</p>"), "status_note");
    assert_eq!(r.address_id.as_deref(), Some("A-17"), "adress_id");
    assert_eq!(r.zipcode.as_deref(), Some("53111"));
    assert_eq!(r.service_code.as_deref(), Some("0042"));
    let services = parse_services(&own("services_lenient.json")).unwrap();
    let first = &services.items[0];
    assert_eq!((first.service_type.as_deref(), first.group.as_deref()), (Some("batch"), Some("Streets")));
    assert_eq!(first.keywords.as_deref(), Some("road, hole"), "a keyword list is joined");
    assert_eq!(services.items[2].group.as_deref(), Some("Parks, Green"), "FixMyStreet groups › group");
    assert_eq!(services.skipped, ["record 3 has no service_code"]);
}

#[test]
fn dates_are_lenient_and_their_text_is_kept() {
    let parsed = parse_requests(&own("markaspot_drift.json"), &zone("Europe/Berlin")).unwrap();
    let r = &parsed.items[0];
    assert_eq!(utc(r.requested_datetime).as_deref(), Some("2016-01-11T23:00:00Z"), "date only");
    assert_eq!(r.requested_text.as_deref(), Some("2016-01-12"));
    assert_eq!(r.updated_datetime, None, "epoch 0 is absent");
    assert_eq!(r.updated_text.as_deref(), Some("1970-01-01T00:00:00Z"));
    assert_eq!((r.expected_datetime, r.expected_text.as_deref()), (None, None));
    let chicago = requests(
        r#"[{"service_request_id":"1","requested_datetime":"2014-07-12T10:58:43.123",
             "updated_datetime":" 2012-09-18T15:37-05 ","expected_datetime":"2011-02-03 14:18"}]"#,
    );
    let c = &chicago.items[0];
    assert_eq!(utc(c.requested_datetime).as_deref(), Some("2014-07-12T14:58:43Z"));
    assert_eq!(utc(c.updated_datetime).as_deref(), Some("2012-09-18T20:37:00Z"));
    assert_eq!(c.updated_text.as_deref(), Some("2012-09-18T15:37-05"), "trimmed");
    assert_eq!(utc(c.expected_datetime).as_deref(), Some("2011-02-03T19:18:00Z"));
}

#[test]
fn coordinates_are_range_checked() {
    let parsed = requests(
        r#"[{"service_request_id":"1","lat":"530123.5","long":"180456.2"},
            {"service_request_id":"2","lat":0,"long":0},
            {"service_request_id":"3","lat":91,"long":10},
            {"service_request_id":"4","lat":10,"long":-181},
            {"service_request_id":"5","lat":-90,"long":180},
            {"service_request_id":"6","lat":51.5}]"#,
    );
    let points: Vec<(Option<f64>, Option<f64>)> = parsed.items.iter().map(|r| (r.lat, r.long)).collect();
    let none = (None, None);
    assert_eq!(points, [none, none, none, none, (Some(-90.0), Some(180.0)), none]);
    let drift = parse_requests(&own("markaspot_drift.json"), &toronto()).unwrap();
    assert_eq!((drift.items[1].lat, drift.items[1].long), (Some(51.5), Some(0.0)), "only 0,0 together is dropped");
}

#[test]
fn status_keeps_the_city_word_and_normalizes() {
    let parsed = requests(
        r#"[{"service_request_id":"1","status":" Closed "},{"service_request_id":"2","status":"in_progress"},
            {"service_request_id":"3","status":"Received"},{"service_request_id":"4"}]"#,
    );
    let got: Vec<(Option<&str>, Status)> = parsed.items.iter().map(|r| (r.status_raw.as_deref(), r.status)).collect();
    assert_eq!(
        got,
        [
            (Some("Closed"), Status::Closed),
            (Some("in_progress"), Status::Open),
            (Some("Received"), Status::Open),
            (None, Status::Open)
        ]
    );
}

#[test]
fn records_without_an_id_are_skipped_with_a_message() {
    let parsed = parse_requests(&own("markaspot_drift.json"), &toronto()).unwrap();
    assert_eq!(parsed.items.len(), 2);
    assert_eq!(parsed.skipped, ["record 2 has no service_request_id"]);
    let mixed = requests(r#"[{"status":"open"},{"service_request_id":"1"},"junk",{"service_request_id":null}]"#);
    assert_eq!(mixed.items.len(), 1);
    assert_eq!(mixed.skipped.len(), 3);
    assert_eq!(mixed.skipped[0], "record 1 has no service_request_id");
    assert!(mixed.skipped[1].message.starts_with("record 3 is unreadable"), "{}", mixed.skipped[1]);
}

#[test]
fn attributes_are_lenient() {
    let def = parse_service_definition(&own("definition_wrapped.json")).unwrap();
    assert_eq!(def.service_code, "7");
    let codes: Vec<&str> = def.attributes.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(codes, ["INFO", "KIND", "MULTI"], "an attribute without a code is dropped");
    let info = &def.attributes[0];
    assert_eq!((info.variable, info.required, info.order, info.datatype.as_str()), (false, false, Some(2), "text"));
    let kind = &def.attributes[1];
    assert_eq!((kind.variable, kind.required, kind.datatype.as_str()), (true, true, "singlevaluelist"));
    assert_eq!((kind.values.len(), kind.values[0].key.as_str(), kind.values[0].name.as_str()), (1, "1", "Eins"));
    let multi = &def.attributes[2];
    assert_eq!((multi.variable, multi.required, multi.order), (true, false, None), "defaults");
    assert_eq!((multi.values[1].key.as_str(), multi.values[1].name.as_str()), ("b", "b"));
    let wrapped = b"<service_definition><service_code>X</service_code><attributes><attribute>\
        <code>A</code><variable>0</variable><datatype>NUMBER</datatype></attribute></attributes></service_definition>";
    let def = parse_service_definition(wrapped).unwrap();
    assert_eq!((def.attributes[0].variable, def.attributes[0].datatype.as_str()), (false, "number"));
}

// ---------------------------------------------------------------- errors

#[test]
fn errors_in_every_shape() {
    let cases: [(&str, &str, &str); 8] = [
        ("<errors><error><code>400</code><description>bad</description></error></errors>", "400", "bad"),
        ("<error>Invalid api_key</error>", "", "Invalid api_key"),
        (r#"[{"code":404,"description":"not found"}]"#, "404", "not found"),
        (r#"{"code":"500","message":"boom"}"#, "500", "boom"),
        (r#"{"msg":"slow down"}"#, "", "slow down"),
        (r#"{"error":"Missing jurisdiction_id"}"#, "", "Missing jurisdiction_id"),
        (r#"{"faultstring":"SOAP fault"}"#, "", "SOAP fault"),
        (r#"{"errors":{"code":403,"description":"no key"}}"#, "403", "no key"),
    ];
    for (body, code, description) in cases {
        let errors = parse_errors(body.as_bytes()).unwrap_or_else(|| panic!("not errors: {body}"));
        assert_eq!((errors[0].code.as_str(), errors[0].description.as_str()), (code, description), "{body}");
        assert!(matches!(parse_requests(body.as_bytes(), &toronto()), Err(WireError::Upstream(_))), "{body}");
    }
    let two = parse_errors(b"<errors><error><code>1</code></error><error><code>2</code></error></errors>").unwrap();
    assert_eq!(two.len(), 2);
}

#[test]
fn data_is_not_mistaken_for_errors() {
    assert_eq!(parse_errors(br#"[{"service_request_id":"1","description":"x"}]"#), None);
    assert_eq!(parse_errors(br#"[{"service_code":"1","description":"x"}]"#), None);
    assert_eq!(parse_errors(b"[]"), None);
    assert_eq!(parse_errors(b"<service_requests/>"), None);
    assert_eq!(parse_errors(b""), None);
    let services = parse_services(br#"[{"service_code":"1","service_name":"a","description":"an error"}]"#).unwrap();
    assert_eq!(services.items.len(), 1);
    let err = WireError::Upstream(parse_errors(br#"[{"code":404,"description":"gone"}]"#).unwrap());
    assert_eq!(err.to_string(), "the city answered with an error: 404: gone");
}

// ---------------------------------------------------------------- hostile cities

#[test]
fn status_words_for_closed_in_other_languages() {
    let words = "geschlossen|Geschlossen|suljettu|valmis|käsitelty|Käsitelty|fermé|FERMÉ|résolu|cerrado|\
                 fechado|gesloten|lukket|stängd|Stängd|κλειστό|ΚΛΕΙΣΤΌ|chiuso|zamknięte|uzavřeno|suletud|\
                 afsluttet|erledigt|abgeschlossen|completed|cancelled|archived";
    let still_open = "in progress|acknowledged|reopened|not closed|unresolved|offen|avoin";
    let closed: Vec<&str> = words.split('|').collect();
    let all: Vec<&str> = closed.iter().copied().chain(still_open.split('|')).collect();
    let records: Vec<String> =
        all.iter().enumerate().map(|(i, w)| format!(r#"{{"service_request_id":"{i}","status":"{w}"}}"#)).collect();
    let parsed = requests(&format!("[{}]", records.join(",")));
    for (r, word) in parsed.items.iter().zip(&all) {
        let expected = if closed.contains(word) { Status::Closed } else { Status::Open };
        assert_eq!(r.status, expected, "{word}");
        assert_eq!(r.status_raw.as_deref(), Some(*word), "the city's word is kept");
    }
    assert_eq!(parsed.items.len(), all.len());
}

#[test]
fn epoch_datetimes_are_utc_instants() {
    let parsed = requests(
        r#"[{"service_request_id":"1","requested_datetime":"1763632800","updated_datetime":1763632800123,
             "expected_datetime":"0"},
            {"service_request_id":"2","requested_datetime":"20251120","updated_datetime":"17636328001"}]"#,
    );
    let (a, b) = (&parsed.items[0], &parsed.items[1]);
    assert_eq!(utc(a.requested_datetime).as_deref(), Some("2025-11-20T10:00:00Z"), "seconds");
    assert_eq!(a.requested_text.as_deref(), Some("1763632800"));
    assert_eq!(utc(a.updated_datetime).as_deref(), Some("2025-11-20T10:00:00Z"), "milliseconds, as a JSON number");
    assert_eq!((a.expected_datetime, a.expected_text.as_deref()), (None, Some("0")), "epoch zero is a blank");
    assert_eq!(utc(b.requested_datetime).as_deref(), Some("2025-11-20T05:00:00Z"), "a basic-format date in Toronto");
    assert_eq!((b.updated_datetime, b.updated_text.as_deref()), (None, Some("17636328001")), "11 digits: not an epoch");
}

#[test]
fn far_future_requested_and_updated_are_absent() {
    let parsed = requests(
        r#"[{"service_request_id":"1","requested_datetime":"2999-01-01T00:00:00Z",
             "updated_datetime":"2999-01-01T00:00:00Z","expected_datetime":"2999-01-01T00:00:00Z"},
            {"service_request_id":"2","requested_datetime":"2020-01-01T00:00:00Z",
             "expected_datetime":"2035-01-01T00:00:00Z"}]"#,
    );
    let (far, fine) = (&parsed.items[0], &parsed.items[1]);
    assert_eq!((far.requested_datetime, far.updated_datetime, far.expected_datetime), (None, None, None));
    assert_eq!(far.requested_text.as_deref(), Some("2999-01-01T00:00:00Z"), "the text is kept");
    assert_eq!(far.updated_text.as_deref(), Some("2999-01-01T00:00:00Z"));
    let raw: serde_json::Value = serde_json::from_str(&far.raw).unwrap();
    assert_eq!(raw["requested_datetime"], "2999-01-01T00:00:00Z", "and so is the raw payload");
    assert_eq!(utc(fine.requested_datetime).as_deref(), Some("2020-01-01T00:00:00Z"));
    assert_eq!(utc(fine.expected_datetime).as_deref(), Some("2035-01-01T00:00:00Z"), "a promise may be ahead");
}

#[test]
fn coordinates_with_a_decimal_comma() {
    let parsed = requests(
        r#"[{"service_request_id":"1","lat":"39,17","long":"-84,51"},
            {"service_request_id":"2","lat":"1,234,5","long":"10"},
            {"service_request_id":"3","lat":"39, 17","long":"10"}]"#,
    );
    let points: Vec<(Option<f64>, Option<f64>)> = parsed.items.iter().map(|r| (r.lat, r.long)).collect();
    assert_eq!(points, [(Some(39.17), Some(-84.51)), (None, None), (None, None)]);
    let xml = "<service_requests><request><service_request_id>1</service_request_id>\
               <lat>50,94</lat><long>6,96</long></request></service_requests>";
    let parsed = parse_requests(xml.as_bytes(), &zone("Europe/Berlin")).unwrap();
    assert_eq!((parsed.items[0].lat, parsed.items[0].long), (Some(50.94), Some(6.96)));
}

const LATIN1_XML: &[u8] = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<service_requests><request>\
    <service_request_id>1</service_request_id><address>Stra\xdfe in K\xf6ln, caf\xe9</address>\
    <description>\xc4rger \xfcber M\xfcll</description></request></service_requests>";

#[test]
fn latin1_xml_declaration_is_honoured() {
    let parsed = parse_requests(LATIN1_XML, &zone("Europe/Berlin")).unwrap();
    let r = &parsed.items[0];
    assert_eq!(r.address.as_deref(), Some("Straße in Köln, café"));
    assert_eq!(r.description.as_deref(), Some("Ärger über Müll"));
    assert!(!r.raw.contains('\u{fffd}'), "{}", r.raw);
    let raw: serde_json::Value = serde_json::from_str(&r.raw).unwrap();
    assert_eq!(raw["address"], "Straße in Köln, café", "the raw payload is the city's text in UTF-8");
    let windows = b"<?xml version='1.0' encoding='windows-1252'?><services><service>\
        <service_code>1</service_code><service_name>Caf\xe9 \x80</service_name></service></services>";
    assert_eq!(parse_services(windows).unwrap().items[0].service_name, "Café €");
}

#[test]
fn utf8_under_a_latin1_declaration_stays_utf8() {
    let body = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><service_requests><request>\
                <service_request_id>1</service_request_id><address>Straße in Köln</address></request>\
                </service_requests>";
    let parsed = parse_requests(body.as_bytes(), &zone("Europe/Berlin")).unwrap();
    assert_eq!(parsed.items[0].address.as_deref(), Some("Straße in Köln"));
}

#[test]
fn http_charset_is_decoded_before_parsing() {
    let json = b"[{\"service_request_id\":\"1\",\"address\":\"Stra\xdfe\"}]";
    let decoded = decode_to_utf8(json, Some("iso-8859-1"));
    let parsed = parse_requests(&decoded, &toronto()).unwrap();
    assert_eq!(parsed.items[0].address.as_deref(), Some("Straße"));
    assert!(parsed.items[0].raw.contains("Straße"), "{}", parsed.items[0].raw);
    assert_eq!(decode_to_utf8(json, None).as_ref(), json, "no charset: unchanged");
    assert_eq!(decode_to_utf8(json, Some("utf-8")).as_ref(), json);
    assert_eq!(decode_to_utf8(json, Some("no-such-charset")).as_ref(), json);
    let utf8 = "[{\"address\":\"Straße\"}]".as_bytes();
    assert_eq!(decode_to_utf8(utf8, Some("ISO-8859-1")).as_ref(), utf8, "valid UTF-8 is kept");
    let xml = decode_to_utf8(LATIN1_XML, Some("iso-8859-1"));
    let parsed = parse_requests(&xml, &zone("Europe/Berlin")).unwrap();
    assert_eq!(parsed.items[0].address.as_deref(), Some("Straße in Köln, café"), "then the declaration is moot");
}

// ---------------------------------------------------------------- throughput

/// Throughput of the JSON request path. Run with
/// `cargo test --release --test fed311 wire_read::parse_speed -- --ignored --nocapture`; prints, never asserts.
#[test]
#[ignore]
fn parse_speed() {
    let records: Vec<String> = (0..100_000u64)
        .map(|i| {
            format!(
                r#"{{"service_request_id":"14-{i:08}","status":"{}","status_notes":"Locked","service_name":"Alley Light Out","service_code":"4ffa9cad6018277d4000007b","description":"Light out in the alley behind the garage, reported by phone","agency_responsible":"Division of Electrical Operations CDOT","service_notice":"","requested_datetime":"2014-07-12T10:58:43-05:00","updated_datetime":"2014-07-12T11:08:21-05:00","expected_datetime":null,"address":"1540 W 17TH ST, CHICAGO, IL, 60608","address_id":"{i}","zipcode":"60608","lat":41.858724777757864,"long":-87.66475146237676,"media_url":"http://example.org/m/{i}.jpg"}}"#,
                if i % 3 == 0 { "closed" } else { "open" }
            )
        })
        .collect();
    let body = format!("[{}]", records.join(","));
    let zone = zone("America/Chicago");
    let per_second = best_rate(&[body.as_bytes()], &zone);
    let mb_per_second = per_second * (body.len() / 100_000) as f64 / 1e6;
    println!("parse_speed: {per_second:.0} records/s ({mb_per_second:.0} MB/s, {} bytes/record)", body.len() / 100_000);
    // The same records as a harvester sees them: pages of 1000 (the largest page cities serve).
    let pages: Vec<String> = records.chunks(1000).map(|page| format!("[{}]", page.join(","))).collect();
    let pages: Vec<&[u8]> = pages.iter().map(|p| p.as_bytes()).collect();
    println!("parse_speed: {:.0} records/s in pages of 1000", best_rate(&pages, &zone));
}

/// Best of five passes over `bodies`, in records per second.
fn best_rate(bodies: &[&[u8]], zone: &TimeZone) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = std::time::Instant::now();
        let parsed: Vec<_> = bodies.iter().map(|b| parse_requests(b, zone)).collect();
        best = best.min(start.elapsed().as_secs_f64());
        // Dropping the results is not part of parsing.
        assert_eq!(parsed.iter().map(|p| p.as_ref().map_or(0, |p| p.items.len())).sum::<usize>(), 100_000);
    }
    100_000.0 / best
}

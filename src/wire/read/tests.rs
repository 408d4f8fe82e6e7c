//! Unit tests of the reading internals: lenient field types, nested lists, sniffing and the
//! XML-to-value conversion. Whole-document behaviour is tested in `tests/fed311/wire_read.rs`.

use serde::Deserialize;
use serde_json::json;

use super::lenient::{Flag, Int, Num, Text};
use super::many::{Item, Many};
use super::sniff::sniff;
use super::xml;
use crate::wire::WireFormat;

fn text(json: &str) -> Option<String> {
    serde_json::from_str::<Text>(json).ok().and_then(Text::owned)
}

#[test]
fn text_accepts_every_shape() {
    assert_eq!(text(r#"" a b ""#).as_deref(), Some("a b"));
    assert_eq!(text("101005420892").as_deref(), Some("101005420892"));
    assert_eq!(text("-79.5").as_deref(), Some("-79.5"));
    assert_eq!(text("true").as_deref(), Some("true"));
    assert_eq!(text(r#"["x","y"]"#).as_deref(), Some("x"));
    assert_eq!(text(r#"[[], "", "z"]"#).as_deref(), Some("z"));
    assert_eq!(text(r#"{"recipient":["a","b"]}"#).as_deref(), Some("a, b"));
    assert_eq!(text(r#""caf\u00e9""#).as_deref(), Some("café"));
    assert_eq!(text(r#""a\u0000b""#).as_deref(), Some("a\u{FFFD}b"), "a NUL no store can keep");
    for absent in ["null", r#""""#, r#""  ""#, "{}", "[]", r#"{"recipient":[]}"#] {
        assert_eq!(text(absent), None, "{absent}");
    }
}

#[test]
fn text_borrows_plain_strings() {
    let parsed: Text = serde_json::from_str(r#""plain""#).unwrap();
    assert!(matches!(parsed.0, Some(std::borrow::Cow::Borrowed("plain"))));
}

#[test]
fn numbers_flags_and_ints_are_lenient() {
    let num = |j: &str| serde_json::from_str::<Num>(j).unwrap().0;
    assert_eq!((num("43.5"), num(r#"" 43.5 ""#), num(r#"["1"]"#)), (Some(43.5), Some(43.5), Some(1.0)));
    assert_eq!((num(r#""abc""#), num("{}"), num("null"), num(r#""NaN""#)), (None, None, None, None));
    let flag = |j: &str| serde_json::from_str::<Flag>(j).unwrap().0;
    let flags = [flag(r#""false""#), flag(r#""TRUE""#), flag(r#""0""#), flag("1"), flag("0.0"), flag(r#""maybe""#)];
    assert_eq!(flags, [Some(false), Some(true), Some(false), Some(true), Some(false), None]);
    let int = |j: &str| serde_json::from_str::<Int>(j).unwrap().0;
    assert_eq!(
        (int(r#""2""#), int("3.0"), int("3.5"), int(r#""4.0""#), int("[]")),
        (Some(2), Some(3), None, Some(4), None)
    );
}

#[test]
fn numbers_take_a_single_decimal_comma() {
    let num = |j: &str| serde_json::from_str::<Num>(j).unwrap().0;
    assert_eq!((num(r#""39,17""#), num(r#""-84,5""#), num(r#"" 7,125 ""#)), (Some(39.17), Some(-84.5), Some(7.125)));
    assert_eq!((num(r#""+1,5""#), num(r#""0,0""#)), (Some(1.5), Some(0.0)));
    for not_a_number in [r#""1,234,5""#, r#""39, 17""#, r#""39 ,17""#, r#""1.234,5""#, r#"",5""#, r#""5,""#, r#""a,5""#]
    {
        assert_eq!(num(not_a_number), None, "{not_a_number}");
    }
}

#[derive(Deserialize, Debug, PartialEq)]
struct Pair<'a> {
    #[serde(borrow)]
    key: Text<'a>,
}

impl Item for Pair<'_> {
    const WRAPPERS: &'static [&'static str] = &["value"];
}

fn keys(json: &str) -> Vec<String> {
    let many: Many<Pair> = serde_json::from_str(json).unwrap();
    many.0.into_iter().filter_map(|p| p.key.owned()).collect()
}

#[test]
fn many_accepts_every_list_shape() {
    assert_eq!(keys(r#"[{"key":"a"},{"key":"b"}]"#), ["a", "b"]);
    assert_eq!(keys(r#"{"value":[{"key":"a"},{"key":"b"}]}"#), ["a", "b"]);
    assert_eq!(keys(r#"{"value":{"key":"a"}}"#), ["a"]);
    assert_eq!(keys(r#"{"key":"a"}"#), ["a"]);
    assert_eq!(keys(r#"{"10":{"key":"c"},"2":{"key":"b"},"1":{"key":"a"}}"#), ["a", "b", "c"]);
    assert_eq!(keys(r#"[{"key":"a"}, 5, "junk"]"#), ["a"], "unreadable items are dropped");
    for empty in ["null", r#""""#, "{}", "[]"] {
        assert!(keys(empty).is_empty(), "{empty}");
    }
}

#[test]
fn sniff_cleans_and_classifies() {
    let s = sniff(b"\xef\xbb\xbfHTTP/1.1 404 Not Found\r\n\r\n<errors\x10/>").unwrap();
    assert_eq!((s.format, s.doc(), s.status.as_deref()), (WireFormat::Xml, "<errors/>", Some("404")));
    assert_eq!(s.root.as_deref(), Some("errors"));
    let jsonp = sniff(b"cb([1,2]);").unwrap();
    assert_eq!((jsonp.format, jsonp.doc(), jsonp.status.as_deref()), (WireFormat::Json, "[1,2]", None));
    let latin1 = sniff(b"[\"Stra\xdfe\"]").unwrap();
    assert_eq!(latin1.doc(), "[\"Stra\u{fffd}e\"]", "invalid UTF-8 is replaced, not fatal");
    assert!(matches!(sniff(b"<!doctype HTML><p>x"), Err(super::WireError::Html(_))));
    assert!(
        matches!(sniff(b"<?xml version=\"1.0\"?>\n<HTML><TITLE>Oops</TITLE>"), Err(super::WireError::Html(t)) if t == "Oops")
    );
}

#[test]
fn xml_becomes_a_json_value() {
    let doc = r#"<?xml version="1.0"?><root is_array="true" xmlns:m="urn:x"><m:a> x &amp; y </m:a><b/>
        <c><d>1</d><d>2</d></c><e>t<f>u</f></e></root>"#;
    let value = xml::document(doc).unwrap();
    // Leaf text is kept as sent (field readers trim what is not free text).
    assert_eq!(value, json!({"a": " x & y ", "b": "", "c": {"d": ["1", "2"]}, "e": {"f": "u", "$text": "t"}}));
    assert_eq!(xml::document("<error>text</error>").unwrap(), json!("text"));
    assert!(xml::document("<a><b></a>").is_err());
    let deep = format!("<r>{}x{}</r>", "<e>".repeat(100_000), "</e>".repeat(100_000));
    assert!(xml::document(&deep).is_err(), "deep nesting is refused, not a stack overflow");
}

#[test]
fn xml_items_find_lists_of_any_length() {
    let one = json!({"request": {"id": "1"}});
    assert_eq!(xml::items("service_requests", &one, &["service_requests"], &["request"]).unwrap().len(), 1);
    let unknown = json!({"service-request": [{"id": "1"}, {"id": "2"}]});
    assert_eq!(xml::items("service-requests", &unknown, &["service_requests"], &["request"]).unwrap().len(), 2);
    assert_eq!(xml::items("service_requests", &json!(""), &["service_requests"], &["request"]).unwrap().len(), 0);
    assert!(xml::items("foo", &json!({"x": "1", "y": "2"}), &["service_requests"], &["request"]).is_none());
    assert_eq!(xml::items("request", &json!({"id": "1"}), &["service_requests"], &["request"]).unwrap().len(), 1);
}

//! XML documents → `serde_json::Value`, through quick-xml's serde deserializer. Each element
//! becomes its text as sent when it has no children (the field readers trim what is not free
//! text), or an object of its children (repeated names become arrays); attributes (`is_array="true"`, `type="array"`, SOAP `xmlns:*`) and
//! namespace prefixes are dropped. The result is both the record's raw JSON (so unknown
//! extension fields survive) and what the lenient record structs are read from, so JSON and
//! XML share one set of field rules.

use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

/// Parses a whole document into the value of its root element.
pub(super) fn document(doc: &str) -> Result<Value, quick_xml::DeError> {
    quick_xml::de::from_str::<Root>(doc).map(|root| root.0)
}

/// The records of a list document: the children named in `items` (one or many), or the
/// children of the only child element when the item name is unknown. `None` when the
/// document has nothing of the kind and its root is not one of the expected ones.
pub(super) fn items<'v>(root_name: &str, root: &'v Value, roots: &[&str], names: &[&str]) -> Option<Vec<&'v Value>> {
    let root_name = normalize(root_name);
    if names.contains(&root_name.as_str()) {
        return Some(vec![root]);
    }
    let expected = roots.contains(&root_name.as_str());
    let found = match root {
        Value::Object(map) => names.iter().find_map(|n| map.get(*n)).or_else(|| only_child(map)),
        _ => None,
    };
    match found {
        Some(list) => Some(flatten(list)),
        None => expected.then(Vec::new),
    }
}

/// Whether an XML body holds more than `max` `<request>` elements, counted on the bytes before
/// any parsing (parsing a huge document is what must be avoided). JSON bodies say no.
pub(super) fn mentions_more_than(body: &[u8], max: usize) -> bool {
    let starts_xml = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
    if !starts_xml || body.len() / 10 < max {
        return false; // too short to hold that many elements of ten bytes or more
    }
    let mut count = 0;
    for window in body.windows(9) {
        let opens = window.starts_with(b"<request") && matches!(window[8], b'>' | b' ' | b'\t' | b'\r' | b'\n');
        count += usize::from(opens);
        if count > max {
            return true;
        }
    }
    false
}

/// Element names compared without case and with `-` as `_` (`service-requests`).
pub(super) fn normalize(name: &str) -> String {
    name.to_ascii_lowercase().replace('-', "_")
}

fn only_child(map: &Map<String, Value>) -> Option<&Value> {
    let mut children = map.values().filter(|v| v.is_object() || v.is_array());
    let first = children.next()?;
    (map.len() == 1 && children.next().is_none()).then_some(first)
}

fn flatten(list: &Value) -> Vec<&Value> {
    match list {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![list],
        _ => Vec::new(),
    }
}

/// Deeper nesting than this is refused (`Malformed`) instead of exhausting the stack.
const MAX_DEPTH: usize = 64;

/// The root element, read as a map of its children.
struct Root(Value);

impl<'de> Deserialize<'de> for Root {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ElementVisitor { depth: 0 }).map(Root)
    }
}

/// Any element below the root, at a known depth.
struct Element {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Element {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        if self.depth > MAX_DEPTH {
            return Err(de::Error::custom(format!("elements nested deeper than {MAX_DEPTH}")));
        }
        d.deserialize_any(ElementVisitor { depth: self.depth })
    }
}

struct ElementVisitor {
    depth: usize,
}

impl<'de> Visitor<'de> for ElementVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an XML element")
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::String(String::new()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut children = Map::new();
        let mut text = String::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Element { depth: self.depth + 1 })?;
            if key == "$text" || key == "$value" {
                text.push_str(value.as_str().unwrap_or_default());
            } else if !key.starts_with('@') {
                add_child(&mut children, local(&key), value);
            }
        }
        Ok(finish(children, text))
    }
}

/// `m:service_code` → `service_code`.
fn local(key: &str) -> String {
    key.rsplit(':').next().unwrap_or(key).to_owned()
}

/// Repeated element names become an array, in document order.
fn add_child(children: &mut Map<String, Value>, key: String, value: Value) {
    match children.get_mut(&key) {
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None => {
            children.insert(key, value);
        }
    }
}

fn finish(mut children: Map<String, Value>, text: String) -> Value {
    if children.is_empty() {
        return Value::String(text);
    }
    let text = text.trim();
    if !text.is_empty() {
        children.insert("$text".to_owned(), Value::String(text.to_owned()));
    }
    Value::Object(children)
}

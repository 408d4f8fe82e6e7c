//! Lenient nested lists (`attributes`, `values`, `endpoints`, `formats`). The same list comes
//! as a JSON array, as an XML-shaped wrapper object (`{"value": [...]}` or `{"value": {...}}`
//! for a list of one), as a single bare object, as a PHP-style object keyed `"0"`, `"1"`…
//! (Gießen's discovery), or as nothing (`""`, `null`, `{}`). [`Many`] reads them all and
//! drops items it cannot read. Nested lists are small, so they are buffered as a
//! `serde_json::Value` first; the hot request path never uses this type.

use serde::de::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// A list item type, with the element names that wrap it in XML-shaped documents.
pub(super) trait Item: Sized {
    /// Wrapper keys, e.g. `["attribute"]` for `attributes › attribute`.
    const WRAPPERS: &'static [&'static str];
}

/// A list that accepts every shape cities send.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Many<T>(pub Vec<T>);

impl<'de: 'a, 'a, T: Item + Deserialize<'a>> Deserialize<'de> for Many<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Ok(Many(from_value(value)))
    }
}

fn from_value<'a, T: Item + Deserialize<'a>>(value: Value) -> Vec<T> {
    match value {
        Value::Array(items) => items.into_iter().filter_map(item).collect(),
        Value::Object(map) => from_map(map),
        Value::Null => Vec::new(),
        Value::String(ref s) if s.trim().is_empty() => Vec::new(),
        scalar => item(scalar).into_iter().collect(),
    }
}

fn from_map<'a, T: Item + Deserialize<'a>>(mut map: Map<String, Value>) -> Vec<T> {
    if map.is_empty() {
        return Vec::new();
    }
    if map.len() == 1 {
        if let Some(inner) = T::WRAPPERS.iter().find_map(|w| map.remove(*w)) {
            return from_value(inner);
        }
    }
    let numbered = map.keys().all(|k| k.parse::<u32>().is_ok()) && map.values().all(Value::is_object);
    if numbered {
        let mut entries: Vec<(u32, Value)> = map.into_iter().map(|(k, v)| (k.parse().unwrap_or(u32::MAX), v)).collect();
        entries.sort_by_key(|(k, _)| *k);
        return entries.into_iter().filter_map(|(_, v)| item(v)).collect();
    }
    item(Value::Object(map)).into_iter().collect()
}

fn item<'a, T: Deserialize<'a>>(value: Value) -> Option<T> {
    match T::deserialize(value) {
        Ok(item) => Some(item),
        Err(e) => {
            tracing::debug!("dropping an unreadable list item: {e}");
            None
        }
    }
}

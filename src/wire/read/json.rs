//! JSON documents → records, without building a `serde_json::Value` tree. A list may be a
//! bare array, a wrapped root (`{"service_requests": [...]}`, Zürich and FixMyStreet), a
//! wrapper of a wrapper, or a single bare object where a list belongs; every shape ends as a
//! list of borrowed [`RawValue`] slices, one per record, which the caller deserializes
//! straight into its lenient record struct and keeps as the record's raw text.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

/// First significant byte of a JSON text.
fn lead(text: &str) -> Option<u8> {
    text.bytes().find(|b| !b.is_ascii_whitespace())
}

/// The records of a list document. `wrappers` are the keys that may hold the list.
pub(super) fn list_of<'a>(text: &'a str, wrappers: &[&str]) -> serde_json::Result<Vec<&'a RawValue>> {
    match lead(text) {
        Some(b'[') => serde_json::from_str(text),
        Some(b'{') => match wrapped(text, wrappers)? {
            Some(inner) => list_of(inner.get(), wrappers),
            None => Ok(vec![serde_json::from_str(text)?]),
        },
        _ => {
            // null, "", a number: no records, as long as it is valid JSON.
            serde_json::from_str::<&RawValue>(text)?;
            Ok(Vec::new())
        }
    }
}

/// The record of a single-object document (`service_definition`, `discovery`): the object
/// itself, the object under a wrapper key, or the first element of a list of one.
pub(super) fn single_of<'a>(text: &'a str, wrappers: &[&str]) -> serde_json::Result<Option<&'a RawValue>> {
    Ok(list_of(text, wrappers)?.into_iter().next())
}

/// The value under the first wrapper key the object has, if any.
fn wrapped<'a>(text: &'a str, wrappers: &[&str]) -> serde_json::Result<Option<&'a RawValue>> {
    let mut object: BTreeMap<String, &'a RawValue> = serde_json::from_str(text)?;
    Ok(wrappers.iter().find_map(|key| object.remove(*key)))
}

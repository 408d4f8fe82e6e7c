//! Opaque cursors for keyset paging: the sort order, the last item's sort value (exact f64
//! bits) and its `(jurisdiction_id, service_request_id)`, hex-encoded. The next page holds
//! what sorts strictly after that item, so each record comes once even while other records
//! are added or changed (a record whose own sort value moves may of course move with it).

use super::SearchError;
use super::collect::SortKey;
use super::query::Sort;
use super::schema::{KEY_SEPARATOR, key_hash};

const VERSION: &str = "c1";
const FIELD: char = '\u{1e}';

/// Encodes the position after the item with `value` and key `(jid, id)` under `sort`.
pub fn encode(sort: Sort, value: f64, jid: &str, id: &str) -> String {
    let text =
        format!("{VERSION}{FIELD}{}{FIELD}{:016x}{FIELD}{jid}{KEY_SEPARATOR}{id}", fingerprint(sort), value.to_bits());
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Decodes a cursor made by [`encode`] for the same `sort`.
pub fn decode(sort: Sort, cursor: &str) -> Result<SortKey, SearchError> {
    let bad = |why: &str| SearchError::Invalid { parameter: "cursor", detail: format!("cursor is not valid: {why}") };
    let text = unhex(cursor).ok_or_else(|| bad("not one of ours"))?;
    let mut parts = text.splitn(4, FIELD);
    let (Some(VERSION), Some(order), Some(bits), Some(key)) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("not one of ours"));
    };
    if order != fingerprint(sort) {
        return Err(bad("it was made for another sort order"));
    }
    let bits = u64::from_str_radix(bits, 16).map_err(|_| bad("not one of ours"))?;
    let (jid, id) = key.split_once(KEY_SEPARATOR).ok_or_else(|| bad("not one of ours"))?;
    Ok(SortKey { value: f64::from_bits(bits), tie: key_hash(jid, id) })
}

fn fingerprint(sort: Sort) -> String {
    match sort {
        Sort::Relevance => "relevance".to_string(),
        Sort::Newest => "newest".to_string(),
        Sort::RecentlyUpdated => "updated".to_string(),
        Sort::Distance { lat, long } => format!("distance:{lat},{long}"),
    }
}

fn unhex(text: &str) -> Option<String> {
    if text.len() % 2 != 0 || text.len() > 8192 {
        return None;
    }
    let bytes: Option<Vec<u8>> =
        (0..text.len()).step_by(2).map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect();
    String::from_utf8(bytes?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_strangers() {
        let c = encode(Sort::Newest, -1.7e9, "sim", "A-1");
        let key = decode(Sort::Newest, &c).unwrap();
        assert_eq!(key, SortKey { value: -1.7e9, tie: key_hash("sim", "A-1") });
        assert!(decode(Sort::RecentlyUpdated, &c).is_err());
        assert!(decode(Sort::Newest, "zz").is_err());
        assert!(decode(Sort::Newest, "c3a9").is_err());
        let d = Sort::Distance { lat: 1.5, long: 2.0 };
        assert!(decode(d, &encode(d, 12.0, "a", "b")).is_ok());
    }
}

//! Opaque cursors for keyset paging: the sort order, the last item's sort value (exact f64
//! bits) and its tie-breaker (the stable hash of its key), hex-encoded. Cursors of the first
//! version, which held the key itself, are still read. The next page holds
//! what sorts strictly after that item, so each record comes once even while other records
//! are added or changed (a record whose own sort value moves may of course move with it).

use super::SearchError;
use super::collect::SortKey;
use super::query::Sort;
use super::schema::{KEY_SEPARATOR, key_hash};

const VERSION: &str = "c2";
/// The first version: the key in place of its hash.
const WITH_KEY: &str = "c1";
const FIELD: char = '\u{1e}';

/// Encodes the position after the item sorting at `key` under `sort`.
pub fn encode(sort: Sort, key: SortKey) -> String {
    let text =
        format!("{VERSION}{FIELD}{}{FIELD}{:016x}{FIELD}{:016x}", fingerprint(sort), key.value.to_bits(), key.tie);
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Decodes a cursor made by [`encode`] for the same `sort`.
pub fn decode(sort: Sort, cursor: &str) -> Result<SortKey, SearchError> {
    let bad = |why: &str| SearchError::Invalid { parameter: "cursor", detail: format!("cursor is not valid: {why}") };
    let text = unhex(cursor).ok_or_else(|| bad("not one of ours"))?;
    let mut parts = text.splitn(4, FIELD);
    let (Some(version), Some(order), Some(bits), Some(tie)) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("not one of ours"));
    };
    if order != fingerprint(sort) {
        return Err(bad("it was made for another sort order"));
    }
    let bits = u64::from_str_radix(bits, 16).map_err(|_| bad("not one of ours"))?;
    let tie = match version {
        VERSION => u64::from_str_radix(tie, 16).ok(),
        WITH_KEY => tie.split_once(KEY_SEPARATOR).map(|(jid, id)| key_hash(jid, id)),
        _ => None,
    };
    Ok(SortKey { value: f64::from_bits(bits), tie: tie.ok_or_else(|| bad("not one of ours"))? })
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
        let key = SortKey { value: -1.7e9, tie: key_hash("sim", "A-1") };
        let c = encode(Sort::Newest, key);
        assert_eq!(decode(Sort::Newest, &c).unwrap(), key);
        let first_version = "c1\u{1e}newest\u{1e}c1d954fc40000000\u{1e}sim\u{1f}A-1";
        let hex: String = first_version.bytes().map(|b| format!("{b:02x}")).collect();
        assert_eq!(decode(Sort::Newest, &hex).unwrap(), key);
        assert!(decode(Sort::RecentlyUpdated, &c).is_err());
        assert!(decode(Sort::Newest, "zz").is_err());
        assert!(decode(Sort::Newest, "c3a9").is_err());
        let d = Sort::Distance { lat: 1.5, long: 2.0 };
        assert!(decode(d, &encode(d, SortKey { value: 12.0, tie: 7 })).is_ok());
    }
}

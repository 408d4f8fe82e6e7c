//! Opaque cursors for keyset paging: the sort order and a hash of what the search selects,
//! the last item's sort value (exact f64 bits) and its tie-breaker (the stable hash of its
//! key), hex-encoded. A cursor only continues the search it came from: another sort or other
//! filters are refused. Cursors of the first version, which held the key itself, and cursors
//! made before the selection hash are still read, except those of a relevance search with
//! filters: before the third version, a filter added to the score, so their scores are
//! not today's. The next page holds
//! what sorts strictly after that item, so each record comes once even while other records
//! are added or changed (a record whose own sort value moves may of course move with it).

use super::SearchError;
use super::collect::SortKey;
use super::query::{SearchQuery, Sort};
use super::schema::{KEY_SEPARATOR, key_hash};

const VERSION: &str = "c3";
/// The second version: relevance scores counted each filter the plan joined.
const FILTERS_SCORED: &str = "c2";
/// The first version: the key in place of its hash (and filters scored).
const WITH_KEY: &str = "c1";
const FIELD: char = '\u{1e}';
/// Between the sort order and the selection hash.
const SELECTION: char = '~';

/// Encodes the position after the item sorting at `key` in the search whose
/// [`selection_hash`] is `selection`, ranked by `sort`.
pub fn encode(selection: u64, sort: Sort, key: SortKey) -> String {
    let order = format!("{}{SELECTION}{selection:016x}", fingerprint(sort));
    let text = format!("{VERSION}{FIELD}{order}{FIELD}{:016x}{FIELD}{:016x}", key.value.to_bits(), key.tie);
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Decodes a cursor made by [`encode`] for the same search and `sort`; `filtered` says
/// whether the search has filters besides its text.
pub fn decode(selection: u64, sort: Sort, filtered: bool, cursor: &str) -> Result<SortKey, SearchError> {
    let bad = |why: &str| SearchError::Invalid { parameter: "cursor", detail: format!("cursor is not valid: {why}") };
    let text = unhex(cursor).ok_or_else(|| bad("not one of ours"))?;
    let mut parts = text.splitn(4, FIELD);
    let (Some(version), Some(order), Some(bits), Some(tie)) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("not one of ours"));
    };
    let (order, made_for) = order.split_once(SELECTION).unwrap_or((order, ""));
    if order != fingerprint(sort) {
        return Err(bad("it was made for another sort order"));
    }
    if !made_for.is_empty() && made_for != format!("{selection:016x}") {
        return Err(bad("it was made for a search with other filters"));
    }
    if sort == Sort::Relevance && filtered && version != VERSION {
        return Err(bad("it was made by an earlier version of fed311, which scored filters: start the search again"));
    }
    let bits = u64::from_str_radix(bits, 16).map_err(|_| bad("not one of ours"))?;
    let tie = match version {
        VERSION | FILTERS_SCORED => u64::from_str_radix(tie, 16).ok(),
        WITH_KEY => tie.split_once(KEY_SEPARATOR).map(|(jid, id)| key_hash(jid, id)),
        _ => None,
    };
    Ok(SortKey { value: f64::from_bits(bits), tie: tie.ok_or_else(|| bad("not one of ours"))? })
}

fn fingerprint(sort: Sort) -> String {
    match sort {
        Sort::Relevance => "relevance".to_string(),
        Sort::Newest => "newest".to_string(),
        Sort::Oldest => "oldest".to_string(),
        Sort::RecentlyUpdated => "updated".to_string(),
        Sort::Distance { lat, long } => format!("distance:{lat},{long}"),
    }
}

/// A hash of what `q` selects (filters, text, area; not its order, page size or cursor),
/// stable between releases and platforms: FNV-1a over explicit bytes, each list sorted and
/// without repeats (`status=open,closed` selects what `closed,open` does).
pub fn selection_hash(q: &SearchQuery) -> u64 {
    let f = &q.filter;
    let mut h = Fnv::new();
    h.list(f.jurisdictions.iter().map(String::as_str));
    h.list(f.categories.iter().map(String::as_str));
    h.list(f.service_codes.iter().map(String::as_str));
    h.list(f.statuses.iter().map(|s| s.as_str()));
    for bound in [f.start, f.end, f.updated_after, f.updated_before] {
        h.numbers(bound.map(|t| t.as_second() as u64));
    }
    h.list(q.text.as_deref());
    h.numbers(q.bbox.iter().flat_map(|b| [b.west, b.south, b.east, b.north]).map(f64::to_bits));
    h.numbers(q.radius.iter().flat_map(|r| [r.lat, r.long, r.metres]).map(f64::to_bits));
    let polygon = q.polygon.iter().flat_map(|p| geo::CoordsIter::coords_iter(p.as_ref()).flat_map(|c| [c.x, c.y]));
    h.numbers(polygon.map(f64::to_bits));
    h.0
}

/// FNV-1a, fed field by field; each field ends with its length, so no two selections share
/// their bytes.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// A set of words: sorted, without repeats.
    fn list<'a>(&mut self, words: impl IntoIterator<Item = &'a str>) {
        let mut words: Vec<&str> = words.into_iter().collect();
        words.sort_unstable();
        words.dedup();
        for word in &words {
            self.bytes(word.as_bytes());
            self.bytes(&(word.len() as u64).to_le_bytes());
        }
        self.bytes(&(words.len() as u64).to_le_bytes());
    }

    /// A sequence of numbers, in order.
    fn numbers(&mut self, numbers: impl IntoIterator<Item = u64>) {
        let mut count = 0u64;
        for n in numbers {
            self.bytes(&n.to_le_bytes());
            count += 1;
        }
        self.bytes(&count.to_le_bytes());
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
    use crate::domain::Status;

    #[test]
    fn round_trips_and_refuses_strangers() {
        let q = selection_hash(&SearchQuery::default());
        let key = SortKey { value: -1.7e9, tie: key_hash("sim", "A-1") };
        let c = encode(q, Sort::Newest, key);
        assert_eq!(decode(q, Sort::Newest, false, &c).unwrap(), key);
        let first_version = "c1\u{1e}newest\u{1e}c1d954fc40000000\u{1e}sim\u{1f}A-1";
        let hex: String = first_version.bytes().map(|b| format!("{b:02x}")).collect();
        assert_eq!(decode(q, Sort::Newest, true, &hex).unwrap(), key);
        assert!(decode(q, Sort::RecentlyUpdated, false, &c).is_err());
        assert!(decode(q, Sort::Oldest, false, &c).is_err());
        assert!(decode(q, Sort::Newest, false, "zz").is_err());
        assert!(decode(q, Sort::Newest, false, "c3a9").is_err());
        let d = Sort::Distance { lat: 1.5, long: 2.0 };
        assert!(decode(q, d, true, &encode(q, d, SortKey { value: 12.0, tie: 7 })).is_ok());
    }

    #[test]
    fn relevance_cursors_of_filtered_searches_from_before_filters_stopped_scoring_are_refused() {
        let q = selection_hash(&SearchQuery::default());
        let hex = |text: &str| text.bytes().map(|b| format!("{b:02x}")).collect::<String>();
        let second = hex(&format!("c2\u{1e}relevance~{q:016x}\u{1e}{:016x}\u{1e}{:016x}", (-3.5f64).to_bits(), 9));
        assert_eq!(decode(q, Sort::Relevance, false, &second).unwrap(), SortKey { value: -3.5, tie: 9 });
        let refused = decode(q, Sort::Relevance, true, &second).unwrap_err();
        assert!(refused.to_string().contains("earlier version"), "{refused}");
        let now = encode(q, Sort::Relevance, SortKey { value: -3.5, tie: 9 });
        assert!(decode(q, Sort::Relevance, true, &now).is_ok());
    }

    #[test]
    fn a_cursor_continues_only_its_own_search() {
        let mut q = SearchQuery { text: Some("pothole".into()), ..SearchQuery::default() };
        q.filter.statuses = vec![Status::Open, Status::Closed];
        let c = encode(selection_hash(&q), Sort::Newest, SortKey { value: 1.0, tie: 2 });
        let later_page = SearchQuery { limit: 7, cursor: Some(c.clone()), ..q.clone() };
        assert!(decode(selection_hash(&later_page), Sort::Newest, true, &c).is_ok(), "page size is not the selection");
        let mut reordered = q.clone();
        reordered.filter.statuses = vec![Status::Closed, Status::Open, Status::Closed];
        assert_eq!(selection_hash(&reordered), selection_hash(&q), "a list is a set");
        let other_text = SearchQuery { text: Some("graffiti".into()), ..q.clone() };
        let refused = decode(selection_hash(&other_text), Sort::Newest, true, &c).unwrap_err();
        assert!(refused.to_string().contains("other filters"));
        let mut other_city = q.clone();
        other_city.filter.jurisdictions = vec!["elsewhere".into()];
        assert!(decode(selection_hash(&other_city), Sort::Newest, true, &c).is_err());
        let mut moved = q.clone();
        moved.filter.categories = vec!["pothole".into()];
        let mut shifted = q.clone();
        shifted.filter.service_codes = vec!["pothole".into()];
        assert_ne!(selection_hash(&moved), selection_hash(&shifted), "a word counts where it stands");
    }
}

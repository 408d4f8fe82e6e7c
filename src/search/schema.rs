//! The index schema: which fields exist, how text is tokenized, and how a stored request
//! becomes a document. Only the key is kept in the index's document store: the index only finds
//! keys, the store holds the records.
//!
//! - `text`: description, service name, address and status notes in one field (one posting
//!   list per word: a union over four fields cost three times as much per query), through the
//!   `fed311` analyzer (split on anything not alphanumeric, drop tokens over 40 bytes,
//!   lowercase, fold accents to ASCII), with positions so phrases work.
//! - Ids: `jurisdiction_id` (string, fast), `service_request_id` (string) and `key`
//!   (`jurisdiction_id\u{1f}service_request_id`, string), the term upserts delete by and the
//!   only stored value (small uncompressed blocks: reading a page's keys costs about a
//!   microsecond each, where a string fast field's dictionary took several).
//!   `key_hash` (u64, fast) is a stable hash of `key`: the tie-breaker of every sort order.
//! - Filters: `status`, `service_code`, `category` (string, fast); `requested`, `updated`,
//!   `closed` (i64 unix seconds), `lat`, `long` (f64) and `has_point` as fast fields, because
//!   tantivy's `RangeQuery` runs on the fast field whenever there is one (no term index
//!   needed; `lat`/`long` also feed each segment's point grid);
//!   `requested_period`, `updated_period` (u64, indexed): the times' periods, the time
//!   prefilter; `seq` (u64, fast): the store version indexed, by which records are read.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};
use tantivy::{Index, TantivyDocument};

use crate::store::StoredRequest;

/// Name of the text analyzer registered on the index.
pub const ANALYZER: &str = "fed311";
/// Separates the jurisdiction and the request id in `key`.
pub const KEY_SEPARATOR: char = '\u{1f}';

/// Handles on every field of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Description, service name, address and status notes.
    pub text: Field,
    /// Our jurisdiction id.
    pub jurisdiction_id: Field,
    /// The city's request id.
    pub service_request_id: Field,
    /// `jurisdiction_id\u{1f}service_request_id`.
    pub key: Field,
    /// Stable hash of `key` (sort tie-breaker).
    pub key_hash: Field,
    /// `open` or `closed`.
    pub status: Field,
    /// Service code.
    pub service_code: Field,
    /// Canonical category.
    pub category: Field,
    /// Requested time, unix seconds.
    pub requested: Field,
    /// Updated time, unix seconds.
    pub updated: Field,
    /// Closed time, unix seconds.
    pub closed: Field,
    /// WGS84 latitude.
    pub lat: Field,
    /// WGS84 longitude.
    pub long: Field,
    /// Whether the request has coordinates.
    pub has_point: Field,
    /// The periods of the requested time (see `periods`).
    pub requested_period: Field,
    /// The periods of the updated time.
    pub updated_period: Field,
    /// Store seq of the indexed version.
    pub seq: Field,
}

/// The text fields searched by `q`.
pub fn text_fields(f: &Fields) -> Vec<Field> {
    vec![f.text]
}

/// Builds the schema and the handles on its fields.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let indexing =
        TextFieldIndexing::default().set_tokenizer(ANALYZER).set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let text = TextOptions::default().set_indexing_options(indexing);
    let fields = Fields {
        text: b.add_text_field("text", text),
        jurisdiction_id: b.add_text_field("jurisdiction_id", STRING | FAST),
        service_request_id: b.add_text_field("service_request_id", STRING),
        key: b.add_text_field("key", STRING | STORED),
        key_hash: b.add_u64_field("key_hash", FAST),
        status: b.add_text_field("status", STRING | FAST),
        service_code: b.add_text_field("service_code", STRING | FAST),
        category: b.add_text_field("category", STRING | FAST),
        requested: b.add_i64_field("requested", FAST),
        updated: b.add_i64_field("updated", FAST),
        closed: b.add_i64_field("closed", FAST),
        lat: b.add_f64_field("lat", FAST),
        long: b.add_f64_field("long", FAST),
        has_point: b.add_bool_field("has_point", INDEXED | FAST),
        requested_period: b.add_u64_field("requested_period", INDEXED),
        updated_period: b.add_u64_field("updated_period", INDEXED),
        seq: b.add_u64_field("seq", FAST),
    };
    (b.build(), fields)
}

/// Registers the `fed311` analyzer on `index` (needed before writing or parsing queries).
pub fn register_analyzer(index: &Index) {
    let analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    index.tokenizers().register(ANALYZER, analyzer);
}

/// The upsert key of a request.
pub fn key(jurisdiction_id: &str, service_request_id: &str) -> String {
    format!("{jurisdiction_id}{KEY_SEPARATOR}{service_request_id}")
}

/// A 64-bit FNV-1a hash of the key, written out so it never changes between releases (the
/// cursor of a paging client relies on it).
pub fn key_hash(jurisdiction_id: &str, service_request_id: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let separator = [KEY_SEPARATOR as u8];
    for byte in jurisdiction_id.as_bytes().iter().chain(&separator).chain(service_request_id.as_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The document of one stored request.
pub fn document(f: &Fields, stored: &StoredRequest) -> TantivyDocument {
    let r = &stored.request;
    let mut doc = TantivyDocument::new();
    let texts = [
        (f.text, &r.description),
        (f.text, &r.service_name),
        (f.text, &r.address),
        (f.text, &r.status_notes),
        (f.service_code, &r.service_code),
        (f.category, &stored.category),
    ];
    for (field, value) in texts {
        if let Some(text) = value {
            doc.add_text(field, text);
        }
    }
    doc.add_text(f.jurisdiction_id, &stored.jurisdiction_id);
    doc.add_text(f.service_request_id, &r.service_request_id);
    doc.add_text(f.key, key(&stored.jurisdiction_id, &r.service_request_id));
    doc.add_u64(f.key_hash, key_hash(&stored.jurisdiction_id, &r.service_request_id));
    doc.add_text(f.status, r.status.as_str());
    let times = [(f.requested, r.requested_datetime), (f.updated, r.updated_datetime), (f.closed, stored.closed_at)];
    for (field, at) in times {
        if let Some(at) = at {
            doc.add_i64(field, at.as_second());
        }
    }
    for (field, at) in [(f.requested_period, r.requested_datetime), (f.updated_period, r.updated_datetime)] {
        for period in at.map(|t| super::periods::of_time(t.as_second())).into_iter().flatten() {
            doc.add_u64(field, period);
        }
    }
    let point = r.lat.zip(r.long);
    if let Some((lat, long)) = point {
        doc.add_f64(f.lat, lat);
        doc.add_f64(f.long, long);
    }
    doc.add_bool(f.has_point, point.is_some());
    doc.add_u64(f.seq, u64::try_from(stored.seq).unwrap_or(0));
    doc
}

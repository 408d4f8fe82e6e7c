//! The named schemas of the federation API: [`Record`], built from the record writer's own
//! column list so it cannot drift from what the API writes, and [`Problem`], the RFC 9457
//! body of every federation error.

#![allow(dead_code)]

use std::borrow::Cow;

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{RefOr, schema::Object};
use utoipa::{PartialSchema, ToSchema};

use crate::export::record::CSV_COLUMNS;

/// Fields that are never null.
const ALWAYS: &[&str] = &["jurisdiction_id", "service_request_id", "status", "first_seen", "last_seen"];

/// One federation record: every GeoReport request field plus `jurisdiction_id`, `category`,
/// `status_raw`, `closed_datetime`, `first_seen` and `last_seen`.
pub struct Record;

impl PartialSchema for Record {
    fn schema() -> RefOr<Schema> {
        let description = "One service request: the GeoReport v2 fields plus jurisdiction_id, canonical category, \
                           the city's own status word, close time and harvest times. Absent values are null.";
        let mut object = ObjectBuilder::new().schema_type(Type::Object).description(Some(description));
        for &column in CSV_COLUMNS {
            object = object.property(column, field(column)).required(column);
        }
        Schema::Object(object.build()).into()
    }
}

impl ToSchema for Record {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Record")
    }
}

/// The schema of one record field, by its name.
fn field(name: &str) -> Object {
    let kind = if matches!(name, "lat" | "long") { Type::Number } else { Type::String };
    let schema_type = match ALWAYS.contains(&name) {
        true => SchemaType::Type(kind),
        false => SchemaType::from_iter([kind, Type::Null]),
    };
    let mut field = ObjectBuilder::new().schema_type(schema_type);
    if name.ends_with("_datetime") || name.ends_with("_seen") {
        field = field.format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)));
    }
    if name == "status" {
        field = field.enum_values(Some(["open", "closed"]));
    }
    field.build()
}

/// An RFC 9457 problem (`application/problem+json`): every federation error.
#[derive(ToSchema)]
pub struct Problem {
    /// Always `about:blank`.
    #[schema(rename = "type")]
    kind: String,
    /// The HTTP status phrase.
    title: String,
    /// The HTTP status code.
    status: u16,
    /// What went wrong, for a person.
    detail: String,
    /// The query parameter (or body field, or header) at fault, when one is.
    parameter: Option<String>,
}

/// One page of a JSON search.
#[derive(ToSchema)]
pub struct RequestsPage {
    /// The records of this page, in the search's order.
    requests: Vec<Record>,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<String>,
    /// How many records match in all.
    total: u64,
}

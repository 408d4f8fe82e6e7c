//! The Atom 1.0 form (RFC 4287): a feed `id`, `title`, `updated`, `author` and `self` link;
//! each entry with `id` (the record URL), `title`, `updated`, `published`, an alternate
//! link, a text `summary`, its `category` and a `georss:point`. Times are RFC 3339.

use super::entry::{Entry, Head};
use super::xml::Xml;
use crate::domain::time::format_utc;

/// The Atom namespace.
const ATOM: &str = "http://www.w3.org/2005/Atom";
/// The GeoRSS Simple namespace.
pub const GEORSS: &str = "http://www.georss.org/georss";

/// The Atom document.
pub fn write(head: &Head, entries: &[Entry]) -> String {
    let mut xml = Xml::new();
    xml.open("feed", &[("xmlns", ATOM), ("xmlns:georss", GEORSS)])
        .leaf("id", &[], &head.self_url)
        .leaf("title", &[("type", "text")], &head.title)
        .leaf("updated", &[], &format_utc(head.updated))
        .open("author", &[])
        .leaf("name", &[], "fed311")
        .close("author")
        .leaf("generator", &[], "fed311")
        .empty("link", &[("rel", "self"), ("type", "application/atom+xml"), ("href", &head.self_url)])
        .empty("link", &[("rel", "alternate"), ("type", "application/json"), ("href", &head.search_url)]);
    for entry in entries {
        write_entry(&mut xml, entry);
    }
    xml.close("feed");
    xml.finish()
}

fn write_entry(xml: &mut Xml, e: &Entry) {
    xml.open("entry", &[]).leaf("id", &[], &e.url).leaf("title", &[("type", "text")], &e.title).leaf(
        "updated",
        &[],
        &format_utc(e.updated),
    );
    if let Some(published) = e.published {
        xml.leaf("published", &[], &format_utc(published));
    }
    xml.empty("link", &[("rel", "alternate"), ("type", "application/json"), ("href", &e.url)]).leaf(
        "summary",
        &[("type", "text")],
        &e.summary,
    );
    if let Some(category) = &e.category {
        xml.empty("category", &[("term", category)]);
    }
    if let Some(point) = e.georss() {
        xml.leaf("georss:point", &[], &point);
    }
    xml.close("entry");
}

//! The RSS 2.0 form: a channel with `title`, `link` (the same search as JSON),
//! `description`, an `atom:link` to itself and `lastBuildDate`; each item with `title`,
//! `link`, `description`, `category`, a permalink `guid` (the record URL), `pubDate` and a
//! `georss:point`. RSS has one date per item: `pubDate` is the record's last update, the
//! order of the feed, and the summary carries the rest. Times are RFC 2822.

use jiff::Timestamp;
use jiff::fmt::rfc2822::DateTimePrinter;

use super::atom::GEORSS;
use super::entry::{Entry, Head};
use super::xml::Xml;

/// The RSS document.
pub fn write(head: &Head, entries: &[Entry]) -> String {
    let mut xml = Xml::new();
    xml.open("rss", &[("version", "2.0"), ("xmlns:atom", "http://www.w3.org/2005/Atom"), ("xmlns:georss", GEORSS)])
        .open("channel", &[])
        .leaf("title", &[], &head.title)
        .leaf("link", &[], &head.search_url)
        .leaf("description", &[], &format!("{}, most recently updated first.", head.title))
        .empty("atom:link", &[("rel", "self"), ("type", "application/rss+xml"), ("href", &head.self_url)])
        .leaf("lastBuildDate", &[], &rfc2822(head.updated))
        .leaf("generator", &[], "fed311")
        .leaf("docs", &[], "https://www.rssboard.org/rss-specification");
    for entry in entries {
        write_item(&mut xml, entry);
    }
    xml.close("channel").close("rss");
    xml.finish()
}

fn write_item(xml: &mut Xml, e: &Entry) {
    let mut description = e.summary.clone();
    if let Some(published) = e.published {
        description.push_str(&format!("\nRequested: {}", rfc2822(published)));
    }
    xml.open("item", &[]).leaf("title", &[], &e.title).leaf("link", &[], &e.url).leaf("description", &[], &description);
    if let Some(category) = &e.category {
        xml.leaf("category", &[], category);
    }
    xml.leaf("guid", &[("isPermaLink", "true")], &e.url).leaf("pubDate", &[], &rfc2822(e.updated));
    if let Some(point) = e.georss() {
        xml.leaf("georss:point", &[], &point);
    }
    xml.close("item");
}

/// `Thu, 01 Jan 1970 00:00:01 GMT` (RFC 2822's obsolete but universally read `GMT` zone,
/// as HTTP writes it); years RFC 2822 cannot write fall back to RFC 3339.
fn rfc2822(at: Timestamp) -> String {
    DateTimePrinter::new().timestamp_to_rfc9110_string(&at).unwrap_or_else(|_| at.to_string())
}

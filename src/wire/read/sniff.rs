//! Sniffing: from raw bytes to clean document text and its format, judged from the content
//! alone (cities mislabel Content-Type). Owns the repairs cities need: the byte order mark and
//! a declared charset (through `charset`), control characters illegal in XML (U+0010 in
//! Bloomington), junk before the document (a pasted `HTTP/1.1 403` status line, "Content is
//! not allowed in prolog"), JSONP padding, and recognising an HTML page for what it is.
use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::Event;

use super::{WireError, charset};
use crate::wire::WireFormat;

/// A cleaned body: the text, where the document sits in it, and what it looks like.
pub(super) struct Sniffed<'a> {
    text: Cow<'a, str>,
    start: usize,
    end: usize,
    /// JSON or XML, from the first significant character.
    pub format: WireFormat,
    /// Local name of the XML root element (None for JSON).
    pub root: Option<String>,
    /// HTTP status code found in junk before the document, if any.
    pub status: Option<String>,
}

impl Sniffed<'_> {
    /// The document itself, without junk around it.
    pub fn doc(&self) -> &str {
        &self.text[self.start..self.end]
    }
}

/// Cleans `body` and decides its format.
pub(super) fn sniff(body: &[u8]) -> Result<Sniffed<'_>, WireError> {
    let text = strip_controls(charset::text(body));
    let Some(start) = text.find(['<', '[', '{']) else {
        return Err(no_document(&text));
    };
    let format = if text[start..].starts_with('<') { WireFormat::Xml } else { WireFormat::Json };
    let prelude = &text[..start];
    let status = http_status(prelude);
    let end = document_end(&text, start, prelude);
    let root = match format {
        WireFormat::Xml => xml_root(&text[start..end])?,
        WireFormat::Json => None,
    };
    Ok(Sniffed { text, start, end, format, root, status })
}

fn is_illegal(c: char) -> bool {
    c < '\u{20}' && !matches!(c, '\t' | '\n' | '\r')
}

/// Whether a block of bytes holds a forbidden control character (branch-free, so it
/// vectorizes: this scan runs over every byte of every body).
fn has_controls(block: &[u8]) -> bool {
    block.iter().fold(false, |found, &b| found | (b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r'))
}

/// Drops control characters XML forbids (and JSON only allows escaped); borrows when clean.
fn strip_controls(text: Cow<'_, str>) -> Cow<'_, str> {
    if !text.as_bytes().chunks(256).any(has_controls) {
        return text;
    }
    Cow::Owned(text.chars().filter(|c| !is_illegal(*c)).collect())
}

fn no_document(text: &str) -> WireError {
    if text.trim().is_empty() {
        return WireError::Empty;
    }
    WireError::Malformed { format: WireFormat::Json, detail: format!("neither JSON nor XML: {}", snippet(text)) }
}

/// `HTTP/1.1 403 Forbidden` → `403`.
fn http_status(prelude: &str) -> Option<String> {
    let line = &prelude[prelude.find("HTTP/")?..];
    let code = line.split_whitespace().nth(1)?;
    let valid = code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| code.to_owned())
}

/// End of the document: JSONP `callback( … );` loses its closing parenthesis.
fn document_end(text: &str, start: usize, prelude: &str) -> usize {
    if !prelude.trim_end().ends_with('(') {
        return text.len();
    }
    text.rfind(')').filter(|end| *end > start).unwrap_or(text.len())
}

/// The root element's local name, or `WireError::Html` for an HTML page.
fn xml_root(doc: &str) -> Result<Option<String>, WireError> {
    let mut reader = Reader::from_str(doc);
    loop {
        let name = match reader.read_event() {
            Ok(Event::DocType(t)) if t.trim_ascii_start().to_ascii_lowercase().starts_with(b"html") => {
                return Err(WireError::Html(html_summary(doc)));
            }
            Ok(Event::Start(e) | Event::Empty(e)) => String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
            Ok(Event::Eof) | Err(_) => return Ok(None),
            Ok(_) => continue,
        };
        if ["html", "head", "body"].iter().any(|h| name.eq_ignore_ascii_case(h)) {
            return Err(WireError::Html(html_summary(doc)));
        }
        return Ok(Some(name));
    }
}

/// The page's `<title>`, or else the start of its text.
fn html_summary(doc: &str) -> String {
    let doc = head(doc, 65_536);
    let lower = doc.to_ascii_lowercase();
    let title = lower.find("<title").and_then(|open| {
        let from = open + lower[open..].find('>')? + 1;
        let to = from + lower[from..].find("</title")?;
        Some(doc[from..to].trim().to_owned())
    });
    match title {
        Some(t) if !t.is_empty() => snippet(&t),
        _ => snippet(&strip_tags(doc)),
    }
}

fn strip_tags(doc: &str) -> String {
    let mut out = String::with_capacity(doc.len().min(4096));
    let mut in_tag = false;
    for c in doc.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Whitespace collapsed, at most 120 characters.
fn snippet(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let joined = words.join(" ");
    match joined.char_indices().nth(120) {
        Some((cut, _)) => format!("{}…", &joined[..cut]),
        None => joined,
    }
}

/// At most `max` bytes of `text`, cut on a character boundary.
fn head(text: &str, max: usize) -> &str {
    let mut cut = text.len().min(max);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

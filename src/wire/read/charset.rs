//! Character sets: every body becomes UTF-8 text before it is sniffed. GeoReport says UTF-8
//! everywhere (field guide §1), and most cities comply, but some send Latin-1 or Windows-1252
//! and say so in the XML declaration (`<?xml version="1.0" encoding="ISO-8859-1"?>`) or in the
//! Content-Type header (`charset=iso-8859-1`); read as UTF-8 their `ß`, `ö` and `é` would all
//! become U+FFFD, in the fields and in the raw payload kept.
//!
//! The rule, the same for both places a charset can be declared:
//! 1. A byte order mark decides (UTF-8, UTF-16LE, UTF-16BE).
//! 2. Bytes that are valid UTF-8 are UTF-8, whatever is declared: Latin-1 text with accents is
//!    practically never valid UTF-8, while a UTF-8 document under a stale Latin-1 declaration
//!    (or a server's default `charset=ISO-8859-1`) is common.
//! 3. Otherwise the declared charset is used, when encoding_rs knows its label (WHATWG labels:
//!    `iso-8859-1`, `latin1` and `us-ascii` all mean Windows-1252, its superset; also
//!    `iso-8859-15`, `windows-1250`, `koi8-r` …).
//! 4. Otherwise (nothing declared, an unknown label, or UTF-8 declared over invalid bytes) the
//!    body is read as UTF-8 with U+FFFD for what is invalid, as before.

use std::borrow::Cow;

use encoding_rs::{Encoding, REPLACEMENT, UTF_8};

/// Converts a body to UTF-8, given the charset label of its HTTP `Content-Type` header
/// (`Some("iso-8859-1")` for `text/xml; charset=iso-8859-1`), for the harvester to call before
/// any `parse_*` function. Unchanged (borrowed) when there is no label, the label is UTF-8 or
/// unknown, or the label is an ASCII-compatible charset and the bytes are already valid UTF-8
/// (a server's default Latin-1 label on a UTF-8 body is common); UTF-16 is read as labelled,
/// and a byte order mark overrides the label. A body left unchanged that is not valid UTF-8
/// still has its XML declaration's encoding honoured by the parsers.
pub fn decode_to_utf8<'a>(body: &'a [u8], charset: Option<&str>) -> Cow<'a, [u8]> {
    let label = charset.map(str::as_bytes).unwrap_or_default();
    let Some(encoding) = Encoding::for_label(label).filter(|e| ![UTF_8, REPLACEMENT].contains(e)) else {
        return Cow::Borrowed(body);
    };
    // UTF-16 text of ASCII is valid UTF-8 too (with NULs), so the UTF-8 check is only for the
    // ASCII-compatible charsets.
    if encoding.is_ascii_compatible() && std::str::from_utf8(body).is_ok() {
        return Cow::Borrowed(body);
    }
    match encoding.decode(body).0 {
        Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
        Cow::Owned(text) => Cow::Owned(text.into_bytes()),
    }
}

/// The body as text, by the rule above; the UTF-8 BOM is dropped.
pub(super) fn text(body: &[u8]) -> Cow<'_, str> {
    if let Some((encoding, _)) = Encoding::for_bom(body) {
        if encoding != UTF_8 {
            return encoding.decode_with_bom_removal(body).0;
        }
    }
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if let Ok(clean) = std::str::from_utf8(body) {
        return Cow::Borrowed(clean);
    }
    match xml_declared(body).and_then(known) {
        Some(encoding) => encoding.decode_without_bom_handling(body).0,
        None => String::from_utf8_lossy(body),
    }
}

/// The encoding a label names, when it is one to decode with: not UTF-8 (read as such
/// anyway), not UTF-16 (a declaration read in ASCII-compatible bytes cannot be UTF-16), not
/// the WHATWG "replacement" encoding (which would turn the whole body into one U+FFFD).
fn known(label: &[u8]) -> Option<&'static Encoding> {
    let encoding = Encoding::for_label(label)?;
    (encoding.output_encoding() == encoding && encoding != UTF_8).then_some(encoding)
}

/// The `encoding` of an XML declaration that starts the document, within the first KiB and
/// after any junk the sniffer skips, e.g. `ISO-8859-1` from `<?xml version="1.0"
/// encoding="ISO-8859-1"?>`. A JSON body quoting a declaration does not count.
fn xml_declared(body: &[u8]) -> Option<&[u8]> {
    let head = &body[..body.len().min(1024)];
    let open = head.iter().position(|b| matches!(b, b'<' | b'[' | b'{'))?;
    let declaration = head[open..].strip_prefix(b"<?xml")?;
    let declaration = &declaration[..find(declaration, b"?>")?];
    let after = &declaration[find(declaration, b"encoding")? + 8..];
    let after = after.trim_ascii_start().strip_prefix(b"=")?.trim_ascii_start();
    let (&quote, rest) = after.split_first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let label = &rest[..rest.iter().position(|&b| b == quote)?];
    (!label.is_empty()).then_some(label)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LATIN1: &[u8] = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>Stra\xdfe in K\xf6ln, caf\xe9</a>";

    #[test]
    fn xml_declaration_is_honoured_for_bytes_that_are_not_utf8() {
        let text = text(LATIN1);
        assert!(text.ends_with("<a>Straße in Köln, café</a>"), "{text}");
        let single = b"<?xml version='1.0' encoding = 'windows-1252' ?><a>\x80 5</a>";
        assert!(super::text(single).ends_with("<a>€ 5</a>"));
        let fifteen = b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><a>\xa4</a>";
        assert!(super::text(fifteen).ends_with("<a>€</a>"), "ISO-8859-15 has the euro at A4");
        let junk_first = b"HTTP/1.1 200 OK\r\n\r\n<?xml version=\"1.0\" encoding=\"latin1\"?><a>\xe9</a>";
        assert!(super::text(junk_first).ends_with("<a>é</a>"));
    }

    #[test]
    fn valid_utf8_wins_over_a_declaration() {
        let utf8 = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>Straße</a>";
        assert!(matches!(text(utf8.as_bytes()), Cow::Borrowed(t) if t == utf8));
        let bom = "\u{feff}<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>é</a>";
        assert_eq!(text(bom.as_bytes()), &bom[3..]);
    }

    #[test]
    fn undeclared_or_unknown_is_lossy_utf8() {
        assert_eq!(text(b"<a>caf\xe9</a>"), "<a>caf\u{fffd}</a>");
        let lossy = [
            &b"<?xml version=\"1.0\" encoding=\"x-klingon\"?><a>\xe9</a>"[..],
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xe9</a>",
            b"<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>\xe9</a>",
            b"<?xml version=\"1.0\" encoding=\"iso-2022-kr\"?><a>\xe9</a>",
            b"<?xml version=\"1.0\"?><a encoding=\"latin1\">\xe9</a>",
            b"[\"<?xml version=\\\"1.0\\\" encoding=\\\"latin1\\\"?><a>\xe9</a>\"]",
        ];
        for body in lossy {
            assert!(text(body).contains("\u{fffd}</a>"), "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn utf16_with_a_byte_order_mark() {
        let utf16: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("<a>é</a>".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(text(&utf16), "<a>é</a>");
    }

    #[test]
    fn http_charset_decodes_bodies_that_are_not_utf8() {
        let json = b"[{\"address\":\"Stra\xdfe\"}]";
        assert_eq!(decode_to_utf8(json, Some("ISO-8859-1")).as_ref(), "[{\"address\":\"Straße\"}]".as_bytes());
        assert_eq!(decode_to_utf8(json, Some("windows-1252")).as_ref(), "[{\"address\":\"Straße\"}]".as_bytes());
        for unchanged in [None, Some("utf-8"), Some("UTF8"), Some("x-unknown"), Some(""), Some("iso-2022-kr")] {
            assert!(matches!(decode_to_utf8(json, unchanged), Cow::Borrowed(b) if b == json), "{unchanged:?}");
        }
        let utf16: Vec<u8> = "[1]".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode_to_utf8(&utf16, Some("utf-16be")).as_ref(), b"[1]");
        let utf8 = "[{\"address\":\"Straße\"}]".as_bytes();
        assert!(matches!(decode_to_utf8(utf8, Some("iso-8859-1")), Cow::Borrowed(b) if b == utf8), "valid UTF-8 wins");
    }
}

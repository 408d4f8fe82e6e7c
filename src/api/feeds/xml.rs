//! A tiny XML writer for the feeds: elements, attributes and text, every value escaped with
//! `quick_xml::escape` after dropping the characters XML 1.0 cannot hold at all (control
//! characters a city may have sent), so a feed is always well-formed.

use std::borrow::Cow;

/// An XML document being written, declaration first.
pub struct Xml(String);

impl Xml {
    /// A new document with its UTF-8 declaration.
    pub fn new() -> Xml {
        Xml(String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"))
    }

    /// `<name attrs…>`.
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Xml {
        self.start(name, attrs);
        self.0.push_str(">\n");
        self
    }

    /// `</name>`.
    pub fn close(&mut self, name: &str) -> &mut Xml {
        self.0.push_str("</");
        self.0.push_str(name);
        self.0.push_str(">\n");
        self
    }

    /// `<name attrs…>text</name>`.
    pub fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> &mut Xml {
        self.start(name, attrs);
        self.0.push('>');
        self.0.push_str(&escape(text));
        self.0.push_str("</");
        self.0.push_str(name);
        self.0.push_str(">\n");
        self
    }

    /// `<name attrs…/>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Xml {
        self.start(name, attrs);
        self.0.push_str("/>\n");
        self
    }

    /// The document.
    pub fn finish(self) -> String {
        self.0
    }

    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.0.push('<');
        self.0.push_str(name);
        for (key, value) in attrs {
            self.0.push(' ');
            self.0.push_str(key);
            self.0.push_str("=\"");
            self.0.push_str(&escape(value));
            self.0.push('"');
        }
    }
}

/// Text or attribute value, without the characters XML 1.0 forbids, markup escaped.
pub fn escape(text: &str) -> Cow<'_, str> {
    if text.chars().all(allowed) {
        quick_xml::escape::escape(text)
    } else {
        let kept: String = text.chars().filter(|&c| allowed(c)).collect();
        Cow::Owned(quick_xml::escape::escape(&kept).into_owned())
    }
}

/// XML 1.0 `Char`: tab, line feed, carriage return and everything from space up, except
/// U+FFFE and U+FFFF (Rust strings hold no surrogates).
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(escape("a < b & \"c\" 'd' > e"), "a &lt; b &amp; &quot;c&quot; &apos;d&apos; &gt; e");
        assert_eq!(escape("bell\u{7}\u{0}tab\there\u{FFFF}"), "belltab\there");
        let mut xml = Xml::new();
        xml.open("a", &[("href", "x?y=1&z=<2>")]).leaf("b", &[], "<i>").empty("c", &[("k", "\u{1}v")]).close("a");
        let text = xml.finish();
        assert!(text.ends_with("<a href=\"x?y=1&amp;z=&lt;2&gt;\">\n<b>&lt;i&gt;</b>\n<c k=\"v\"/>\n</a>\n"), "{text}");
    }
}

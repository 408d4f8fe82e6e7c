//! A tiny XML writer for the feeds: elements, attributes and text, every value escaped by
//! [`escape_xml`] (markup escaped, the characters XML 1.0 cannot hold dropped), so a feed is
//! always well-formed.

use crate::wire::write::escape_xml as escape;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_hold() {
        let mut xml = Xml::new();
        xml.open("a", &[("href", "x?y=1&z=<2>")]).leaf("b", &[], "<i>").empty("c", &[("k", "\u{1}v")]).close("a");
        let text = xml.finish();
        assert!(text.ends_with("<a href=\"x?y=1&amp;z=&lt;2&gt;\">\n<b>&lt;i&gt;</b>\n<c k=\"v\"/>\n</a>\n"), "{text}");
    }
}

//! The pipeline every document kind shares: sniff the body, parse XML once into a value,
//! find the records where the document kind keeps them, read each record into its lenient
//! struct, and turn a body that holds only errors into `WireError::Upstream`.

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::sniff::{Sniffed, sniff};
use super::{Parsed, Rejected, Skipped, WireError, errors, json, xml};
use crate::domain::UpstreamError;
use crate::wire::WireFormat;

/// Where a document kind keeps its records, in each format.
pub(super) struct Shape {
    /// JSON object keys that may wrap the records (or the single record).
    pub json_wrappers: &'static [&'static str],
    /// XML root element names the document may have (normalized: lowercase, `_`).
    pub xml_roots: &'static [&'static str],
    /// XML element names of one record inside the root (empty for single-record documents).
    pub xml_items: &'static [&'static str],
}

/// A sniffed body, with its XML already parsed.
pub(super) struct Body<'a> {
    sniffed: Sniffed<'a>,
    xml: Option<(String, Value)>,
    /// Lists longer than this are refused (`TooMany`).
    max_records: usize,
}

/// One record as received: a slice of the JSON text, or an element of the XML value.
#[derive(Clone, Copy)]
pub(super) enum Record<'b> {
    Json(&'b RawValue),
    Xml(&'b Value),
}

impl<'b> Record<'b> {
    /// Reads the record into a lenient struct.
    pub fn parse<R: Deserialize<'b>>(self) -> Result<R, Rejected> {
        let unreadable = |e: &dyn std::fmt::Display| Rejected::unreadable(format!("is unreadable: {e}"));
        match self {
            Record::Json(raw) => serde_json::from_str(raw.get()).map_err(|e| unreadable(&e)),
            Record::Xml(value) => R::deserialize(value).map_err(|e| unreadable(&e)),
        }
    }

    /// A hash of the record as sent (FNV-1a), to tell one record from another.
    pub fn fingerprint(self) -> u64 {
        let bytes = match self {
            Record::Json(raw) => std::borrow::Cow::Borrowed(raw.get()),
            Record::Xml(value) => std::borrow::Cow::Owned(value.to_string()),
        };
        bytes.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    }

    /// The record as compact JSON text: the exact JSON slice, or the XML element as JSON.
    pub fn raw(self) -> String {
        match self {
            Record::Json(raw) => raw.get().to_owned(),
            Record::Xml(value) => value.to_string(),
        }
    }
}

impl<'a> Body<'a> {
    /// Sniffs `bytes`; for XML, parses the document (a parse error is `Malformed`).
    pub fn read(bytes: &'a [u8]) -> Result<Self, WireError> {
        let sniffed = sniff(bytes)?;
        let xml = match sniffed.format {
            WireFormat::Xml => {
                let value = xml::document(sniffed.doc()).map_err(malformed_xml)?;
                let root = sniffed.root.clone().ok_or_else(|| malformed_xml("no root element"))?;
                Some((root, value))
            }
            WireFormat::Json => None,
        };
        Ok(Body { sniffed, xml, max_records: usize::MAX })
    }

    /// The format the body turned out to be in.
    pub fn format(&self) -> WireFormat {
        self.sniffed.format
    }

    /// The errors the body holds, when it is an errors document.
    pub fn errors(&self) -> Option<Vec<UpstreamError>> {
        let status = self.sniffed.status.as_deref();
        match &self.xml {
            Some((root, value)) => errors::from_xml(root, value, status),
            None => errors::from_json(self.sniffed.doc(), status),
        }
    }

    /// The records of a list document; an XML errors root is `Upstream`.
    pub fn records(&self, shape: &Shape) -> Result<Vec<Record<'_>>, WireError> {
        let records: Vec<Record<'_>> = match &self.xml {
            None => {
                let raws = json::list_of(self.sniffed.doc(), shape.json_wrappers).map_err(malformed_json)?;
                raws.into_iter().map(Record::Json).collect()
            }
            Some((root, value)) => {
                self.fail_on_errors()?;
                let items = xml::items(root, value, shape.xml_roots, shape.xml_items)
                    .ok_or_else(|| unexpected_root(root, shape))?;
                items.into_iter().map(Record::Xml).collect()
            }
        };
        if records.len() > self.max_records {
            return Err(WireError::TooMany { max: self.max_records });
        }
        Ok(records)
    }

    /// The same body, refusing lists of more than `max` records before reading any of them.
    pub fn at_most(self, max: usize) -> Self {
        Body { max_records: max, ..self }
    }

    /// The record of a single-record document; an errors document is `Upstream`.
    pub fn single(&self, shape: &Shape) -> Result<Record<'_>, WireError> {
        self.fail_on_errors()?;
        match &self.xml {
            None => match json::single_of(self.sniffed.doc(), shape.json_wrappers).map_err(malformed_json)? {
                Some(raw) => Ok(Record::Json(raw)),
                None => Err(malformed_json("an empty document")),
            },
            Some((root, value)) if shape.xml_roots.contains(&xml::normalize(root).as_str()) => Ok(Record::Xml(value)),
            Some((root, _)) => Err(unexpected_root(root, shape)),
        }
    }

    fn fail_on_errors(&self) -> Result<(), WireError> {
        match self.errors() {
            Some(errors) => Err(WireError::Upstream(errors)),
            None => Ok(()),
        }
    }

    /// Reads every record with `convert`; records it rejects are skipped with a warning.
    /// A list whose every record was rejected and that reads as errors is `Upstream`.
    pub fn parse_list<'b, R, T>(
        &'b self,
        shape: &Shape,
        mut convert: impl FnMut(R, Record<'b>) -> Result<T, Rejected>,
    ) -> Result<Parsed<T>, WireError>
    where
        R: Deserialize<'b>,
    {
        let records = self.records(shape)?;
        let mut parsed =
            Parsed { items: Vec::with_capacity(records.len()), skipped: Vec::new(), format: self.format() };
        for (index, record) in records.iter().enumerate() {
            match record.parse::<R>().and_then(|r| convert(r, *record)) {
                Ok(item) => parsed.items.push(item),
                Err(rejected) => parsed.skipped.push(Skipped {
                    reason: rejected.reason,
                    message: format!("record {} {}", index + 1, rejected.why),
                    fingerprint: record.fingerprint(),
                }),
            }
        }
        if parsed.items.is_empty() && !records.is_empty() {
            if let Some(errors) = self.errors() {
                return Err(WireError::Upstream(errors));
            }
        }
        Ok(parsed)
    }
}

fn malformed_json(detail: impl ToString) -> WireError {
    WireError::Malformed { format: WireFormat::Json, detail: detail.to_string() }
}

fn malformed_xml(detail: impl ToString) -> WireError {
    WireError::Malformed { format: WireFormat::Xml, detail: detail.to_string() }
}

fn unexpected_root(root: &str, shape: &Shape) -> WireError {
    let expected = shape.xml_roots.first().copied().unwrap_or("a GeoReport document");
    malformed_xml(format!("expected <{expected}>, found <{root}>"))
}

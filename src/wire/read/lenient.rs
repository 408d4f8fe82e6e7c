//! Lenient field types: one value as a city sent it, whatever its type. Cities send numbers
//! as strings and strings as numbers, `"false"` for false, `[x]` for `x` (Zürich), `{}` or
//! `""` or `null` for nothing, and `{"recipient": [...]}` for a text (FixMyStreet). Every
//! GeoReport field is read through [`Text`], [`Num`], [`Flag`] or [`Int`], which never fail:
//! what cannot be understood is simply absent. Strings are borrowed from the input when they
//! can be, so the hot request path allocates only what it keeps.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Any value, reduced to what a scalar field needs.
enum Scalar<'a> {
    Absent,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    /// A list: the first present element counts (`[x]` → `x`).
    List(Vec<Scalar<'a>>),
    /// An object: its leaves joined count (`{"recipient":["a","b"]}` → `a, b`).
    Map(Vec<Scalar<'a>>),
}

impl<'a> Scalar<'a> {
    fn into_text(self) -> Option<Cow<'a, str>> {
        match self {
            Scalar::Absent => None,
            Scalar::Bool(b) => Some(Cow::Borrowed(if b { "true" } else { "false" })),
            Scalar::Int(i) => Some(Cow::Owned(i.to_string())),
            Scalar::UInt(u) => Some(Cow::Owned(u.to_string())),
            Scalar::Float(f) => Some(Cow::Owned(f.to_string())),
            Scalar::Str(s) => Some(s),
            Scalar::List(items) => items.into_iter().find_map(Scalar::into_text),
            Scalar::Map(items) => {
                let mut leaves = Vec::new();
                items.into_iter().for_each(|item| item.leaves(&mut leaves));
                (!leaves.is_empty()).then(|| Cow::Owned(leaves.join(", ")))
            }
        }
    }

    /// Like `into_text`, but a list keeps all its entries, joined (`["a","b"]` → `a, b`).
    fn into_joined(self) -> Option<Cow<'a, str>> {
        match self {
            Scalar::List(items) => Scalar::Map(items).into_text(),
            other => other.into_text(),
        }
    }

    fn leaves(self, out: &mut Vec<Cow<'a, str>>) {
        match self {
            Scalar::List(items) | Scalar::Map(items) => items.into_iter().for_each(|i| i.leaves(out)),
            other => out.extend(other.into_text()),
        }
    }

    fn into_f64(self) -> Option<f64> {
        let value = match self {
            Scalar::Int(i) => i as f64,
            Scalar::UInt(u) => u as f64,
            Scalar::Float(f) => f,
            Scalar::Str(s) => s.parse().ok().or_else(|| decimal_comma(&s))?,
            Scalar::List(items) => return items.into_iter().find_map(Scalar::into_f64),
            _ => return None,
        };
        value.is_finite().then_some(value)
    }

    fn into_bool(self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(b),
            Scalar::Int(i) => Some(i != 0),
            Scalar::UInt(u) => Some(u != 0),
            Scalar::Float(f) => Some(f != 0.0),
            Scalar::Str(s) => word_to_bool(&s),
            Scalar::List(items) => items.into_iter().find_map(Scalar::into_bool),
            _ => None,
        }
    }

    fn into_i64(self) -> Option<i64> {
        match self {
            Scalar::Int(i) => Some(i),
            Scalar::UInt(u) => i64::try_from(u).ok(),
            Scalar::Str(s) => s.parse().ok().or_else(|| s.parse::<f64>().ok().and_then(whole)),
            Scalar::List(items) => items.into_iter().find_map(Scalar::into_i64),
            other => other.into_f64().and_then(whole),
        }
    }
}

/// A number written with a decimal comma, as European back ends do (`"39,17"` → 39.17): an
/// optional sign, digits, one comma, digits, and no dot. Lists and thousands separators
/// (`"1,234,5"`, `"39, 17"`, `"1.234,5"`) are not numbers.
fn decimal_comma(s: &str) -> Option<f64> {
    let (whole, fraction) = s.split_once(',')?;
    let digits = whole.strip_prefix(['-', '+']).unwrap_or(whole);
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(digits) || !all_digits(fraction) {
        return None;
    }
    format!("{whole}.{fraction}").parse().ok()
}

fn whole(f: f64) -> Option<i64> {
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

fn word_to_bool(word: &str) -> Option<bool> {
    const TRUE: &[&str] = &["true", "t", "yes", "y", "1", "on"];
    const FALSE: &[&str] = &["false", "f", "no", "n", "0", "off"];
    if TRUE.iter().any(|w| word.eq_ignore_ascii_case(w)) {
        Some(true)
    } else if FALSE.iter().any(|w| word.eq_ignore_ascii_case(w)) {
        Some(false)
    } else {
        None
    }
}

/// Trimmed (unless `keep` asks for the text as sent); empty or blank means absent.
fn text_scalar(s: Cow<'_, str>, keep: bool) -> Scalar<'_> {
    let trimmed = s.trim();
    if trimmed.is_empty() {
        return Scalar::Absent;
    }
    if keep || trimmed.len() == s.len() {
        return Scalar::Str(s);
    }
    match s {
        Cow::Borrowed(b) => Scalar::Str(Cow::Borrowed(b.trim())),
        Cow::Owned(o) => Scalar::Str(Cow::Owned(o.trim().to_owned())),
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor { keep: false, lifetime: PhantomData })
    }
}

/// Reads any value; `keep` keeps a string's surrounding whitespace (free text as sent).
struct ScalarVisitor<'a> {
    keep: bool,
    lifetime: PhantomData<&'a ()>,
}

impl<'de: 'a, 'a> Visitor<'de> for ScalarVisitor<'a> {
    type Value = Scalar<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::UInt(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(text_scalar(Cow::Borrowed(v), self.keep))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(text_scalar(Cow::Borrowed(v), self.keep).into_owned())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(text_scalar(Cow::Owned(v), self.keep))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Absent)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Absent)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Scalar::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Scalar<'a>>()? {
            items.push(item);
        }
        Ok(Scalar::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some((_, item)) = map.next_entry::<serde::de::IgnoredAny, Scalar<'a>>()? {
            items.push(item);
        }
        Ok(Scalar::Map(items))
    }
}

impl Scalar<'_> {
    /// Detaches a scalar from the input it borrowed (only ever called on plain strings).
    fn into_owned<'b>(self) -> Scalar<'b> {
        match self {
            Scalar::Str(s) => Scalar::Str(Cow::Owned(s.into_owned())),
            _ => Scalar::Absent,
        }
    }
}

macro_rules! lenient {
    ($(#[$doc:meta])* $name:ident, $inner:ty, $convert:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq)]
        pub(super) struct $name(pub Option<$inner>);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Scalar::deserialize(d).map(|s| $name($convert(s)))
            }
        }
    };
}

/// Text: strings, numbers (as their decimal text), booleans, `[x]`, joined objects.
/// Trimmed; empty, `null`, `{}` and `[]` are absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Text<'a>(pub Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Scalar::deserialize(d).map(|s| Text(s.into_text()))
    }
}

/// Free text a person wrote (a description, a status note), kept exactly as sent: its
/// surrounding whitespace and line ends too. Blank text is absent, as for [`Text`].
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct FreeText<'a>(pub Text<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for FreeText<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let scalar = d.deserialize_any(ScalarVisitor { keep: true, lifetime: PhantomData })?;
        Ok(FreeText(Text(scalar.into_text())))
    }
}

lenient!(
    /// A number, from a JSON number or numeric text.
    Num, f64, Scalar::into_f64
);
lenient!(
    /// A boolean, from `true`, `"false"`, `"0"`, `1`, `"yes"` and the like.
    Flag, bool, Scalar::into_bool
);
lenient!(
    /// A whole number, from a JSON number or numeric text.
    Int, i64, Scalar::into_i64
);

/// Text where a list means all of its entries (keyword lists): `["a","b"]` → `a, b`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Joined<'a>(pub Text<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for Joined<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Scalar::deserialize(d).map(|s| Joined(Text(s.into_joined())))
    }
}

impl<'a> Text<'a> {
    /// The text as an owned string. A NUL character (`\u0000` in JSON), which no text column
    /// of PostgreSQL can hold and no city means, becomes U+FFFD, so that both stores keep the
    /// record, with the same text (the raw record keeps the escape as sent).
    pub fn owned(self) -> Option<String> {
        self.0.map(|text| if text.contains('\0') { text.replace('\0', "\u{FFFD}") } else { text.into_owned() })
    }

    /// The first present of two spellings of a field.
    pub fn or(self, other: Text<'a>) -> Text<'a> {
        if self.0.is_some() { self } else { other }
    }

    /// Whether the text is Python's `None`, as a Python server writes an absent value in XML.
    pub fn is_python_none(&self) -> bool {
        self.0.as_deref() == Some("None")
    }

    /// The text, or absent when it is Python's `None`.
    pub fn unless_none(self) -> Text<'a> {
        if self.is_python_none() { Text(None) } else { self }
    }

    /// Its length in bytes (0 when absent).
    pub fn len(&self) -> usize {
        self.0.as_deref().map_or(0, str::len)
    }
}

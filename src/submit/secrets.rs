//! Keys never leave fed311 in what it relays or stores. Many cities echo the posted form in
//! their answers ("invalid api_key …", a `service_notice` quoting the request), so every text
//! that comes back from a city is scrubbed of every key fed311 holds (each city's key, read
//! from its `api_key_env`, and every client key) before it is written to the outbox or
//! shown to a client: as sent, form-encoded, and escaped for XML and JSON.

use std::fmt;
use std::str::FromStr;

use crate::registry::Registry;

/// The keys clients must send to post (`--api-keys` / `FED311_API_KEYS`, a comma list).
/// `Debug` and `Display` never show them, so settings can be logged whole.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ApiKeys(Vec<String>);

impl ApiKeys {
    /// These keys (empty ones are ignored).
    pub fn new<I: IntoIterator<Item = String>>(keys: I) -> ApiKeys {
        ApiKeys(keys.into_iter().filter(|k| !k.is_empty()).collect())
    }

    /// Whether `given` is one of the keys (an empty key never is).
    pub fn accepts(&self, given: &str) -> bool {
        !given.is_empty() && self.0.iter().any(|k| k == given)
    }

    /// The same keys and `key`.
    pub fn and(&self, key: String) -> ApiKeys {
        ApiKeys::new(self.0.iter().cloned().chain([key]))
    }

    /// The keys themselves, for [`Secrets`] to scrub.
    pub fn expose(&self) -> &[String] {
        &self.0
    }
}

impl FromStr for ApiKeys {
    type Err = std::convert::Infallible;

    /// A comma list; spaces around each key are dropped.
    fn from_str(text: &str) -> Result<ApiKeys, Self::Err> {
        Ok(ApiKeys::new(text.split(',').map(str::trim).map(String::from)))
    }
}

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKeys({self})")
    }
}

impl fmt::Display for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} key(s) {REDACTED}", self.0.len())
    }
}

/// What a scrubbed key is replaced with.
pub const REDACTED: &str = "[redacted]";

/// The keys to scrub, in every spelling a city might echo them, longest first.
#[derive(Debug, Default, Clone)]
pub struct Secrets {
    spellings: Vec<String>,
}

impl Secrets {
    /// Secrets from these keys (empty ones are ignored).
    pub fn new<I: IntoIterator<Item = String>>(keys: I) -> Secrets {
        let mut spellings: Vec<String> = keys
            .into_iter()
            .filter(|k| !k.is_empty())
            .flat_map(|key| {
                let form: String = url::form_urlencoded::byte_serialize(key.as_bytes()).collect();
                let xml = quick_xml::escape::escape(key.as_str()).into_owned();
                let json = serde_json::to_string(&key).unwrap_or_default().trim_matches('"').to_string();
                [key, form, xml, json]
            })
            .collect();
        spellings.sort_by_key(|s| std::cmp::Reverse(s.len()));
        spellings.dedup();
        Secrets { spellings }
    }

    /// Every city's key (from the environment variables their files name) and the clients'.
    pub fn from_env(registry: &Registry, client_keys: &ApiKeys) -> Secrets {
        let city_keys = registry.iter().filter_map(|j| j.api_key());
        Secrets::new(city_keys.chain(client_keys.expose().iter().cloned()))
    }

    /// `text` with every key replaced by [`REDACTED`].
    pub fn scrub(&self, text: &str) -> String {
        let mut text = text.to_string();
        for spelling in &self.spellings {
            if text.contains(spelling.as_str()) {
                text = text.replace(spelling.as_str(), REDACTED);
            }
        }
        text
    }

    /// [`Secrets::scrub`] over an optional text.
    pub fn scrub_opt(&self, text: Option<String>) -> Option<String> {
        text.map(|t| self.scrub(&t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_key_is_scrubbed() {
        let secrets = Secrets::new(["k3y+with/&\"odd".to_string(), String::new(), "plain-key".to_string()]);
        let echoed = "invalid api_key k3y%2Bwith%2F%26%22odd; you sent k3y+with/&amp;&quot;odd and plain-key, {\"k\":\"k3y+with/&\\\"odd\"}";
        let scrubbed = secrets.scrub(echoed);
        assert!(!scrubbed.contains("k3y") && !scrubbed.contains("plain-key"), "{scrubbed}");
        assert_eq!(scrubbed.matches(REDACTED).count(), 4, "{scrubbed}");
        assert_eq!(Secrets::default().scrub("nothing to hide"), "nothing to hide");
    }

    #[test]
    fn client_keys_never_show() {
        let keys: ApiKeys = " k-one, ,k-two ".parse().unwrap();
        assert!(keys.accepts("k-one") && keys.accepts("k-two") && !keys.accepts("") && !keys.accepts("k"));
        let shown = format!("{keys} {keys:?} {:?}", Some(&keys));
        assert!(!shown.contains("k-one") && !shown.contains("k-two"), "{shown}");
        assert!(shown.contains("2 key(s)"), "{shown}");
    }
}

//! Loading and validating jurisdiction files. Every problem names the file and the key, and
//! all problems are collected, so `fed311 check` shows them all at once.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use url::Url;

use super::config::{DateStyle, JurisdictionFile, Paging};
use crate::wire::WireFormat;

/// Harvesting starts here unless a file says otherwise.
const DEFAULT_BACKFILL_FROM: Date = jiff::civil::date(2010, 1, 1);
/// Days between rescans of everything.
const DEFAULT_FULL_RESCAN_DAYS: u32 = 7;
/// Minutes between passes in `serve`.
const DEFAULT_INTERVAL_MINUTES: u32 = 10;

/// A problem with one jurisdiction file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError {
    /// The file at fault.
    pub file: PathBuf,
    /// The key at fault, when one is.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(f, "{}: key `{}`: {}", self.file.display(), key, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for RegistryError {}

/// A request budget: at most `count` calls per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Calls allowed per period.
    pub count: u32,
    /// The period.
    pub per: Duration,
}

impl RateLimit {
    /// Parses `"20/min"`, `"2/s"`, `"500/hour"`.
    pub fn parse(text: &str) -> Option<RateLimit> {
        let (count, unit) = text.trim().split_once('/')?;
        let count: u32 = count.trim().parse().ok().filter(|c| *c > 0)?;
        let per = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return None,
        };
        Some(RateLimit { count, per })
    }
}

/// A validated jurisdiction, ready for the harvester and the API.
#[derive(Debug, Clone)]
pub struct Jurisdiction {
    /// Our `jurisdiction_id`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Base URL, ending in `/`.
    pub endpoint: Url,
    /// IANA name of the city's time zone.
    pub timezone_name: String,
    /// The city's time zone.
    pub timezone: TimeZone,
    /// Harvest from this date on.
    pub backfill_from: Date,
    /// Largest date window per call, in days, when the file sets one (otherwise learned: the
    /// spec's 90 days until the server shows it answers wider ranges whole).
    pub window_days: Option<u32>,
    /// Days between rescans of everything (0: never).
    pub full_rescan_days: u32,
    /// Minutes between passes in `serve`.
    pub interval_minutes: u32,
    /// Whether it is harvested at all.
    pub enabled: bool,
    /// Rate limit, when configured.
    pub rate_limit: Option<RateLimit>,
    /// The file it came from.
    pub file: PathBuf,
    /// Everything as written in the file, for the optional overrides.
    pub config: JurisdictionFile,
}

impl Jurisdiction {
    /// The city's API key, from the environment variable its file names (`api_key_env`): a
    /// key is a secret, so the file names where it is kept, never the key itself. The one
    /// place the library reads the environment.
    #[allow(clippy::disallowed_methods, reason = "the file names the variable that holds the city's key")]
    pub fn api_key(&self) -> Option<String> {
        self.config.api_key_env.as_ref().and_then(|var| std::env::var(var).ok())
    }

    /// Configured wire format, if any.
    pub fn format(&self) -> Option<WireFormat> {
        self.config.format
    }
    /// Configured paging style, if any.
    pub fn paging(&self) -> Option<Paging> {
        self.config.paging
    }
    /// Configured date style (UTC unless said otherwise).
    pub fn date_style(&self) -> DateStyle {
        self.config.date_style.unwrap_or(DateStyle::Utc)
    }
    /// Extra headers for this city.
    pub fn headers(&self) -> BTreeMap<String, String> {
        self.config.headers.clone().unwrap_or_default()
    }
    /// The boundary file, resolved against the jurisdiction file's folder.
    pub fn boundary_path(&self) -> Option<PathBuf> {
        let relative = self.config.boundary.as_ref()?;
        Some(self.file.parent().unwrap_or(Path::new(".")).join(relative))
    }
}

/// Every jurisdiction of a registry folder, by id.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    by_id: BTreeMap<String, Jurisdiction>,
}

impl Registry {
    /// Loads every `*.toml` in `dir`. Fails with every problem found, not just the first.
    pub fn load(dir: &Path) -> Result<Registry, Vec<RegistryError>> {
        let files = toml_files(dir).map_err(|e| vec![e])?;
        let mut errors = Vec::new();
        let mut by_id = BTreeMap::new();
        let mut seen: HashMap<String, PathBuf> = HashMap::new();
        for file in files {
            match load_file(&file) {
                Ok(j) => {
                    if let Some(first) = seen.insert(j.id.clone(), file.clone()) {
                        errors.push(key_error(
                            &file,
                            "id",
                            format!("duplicate id `{}`, also in {}", j.id, first.display()),
                        ));
                    } else {
                        by_id.insert(j.id.clone(), j);
                    }
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() { Ok(Registry { by_id }) } else { Err(errors) }
    }

    /// Builds a registry from already validated jurisdictions (tests, simulations).
    pub fn from_jurisdictions(list: impl IntoIterator<Item = Jurisdiction>) -> Registry {
        Registry { by_id: list.into_iter().map(|j| (j.id.clone(), j)).collect() }
    }

    /// One jurisdiction by id.
    pub fn get(&self, id: &str) -> Option<&Jurisdiction> {
        self.by_id.get(id)
    }

    /// All jurisdictions, ordered by id.
    pub fn iter(&self) -> impl Iterator<Item = &Jurisdiction> {
        self.by_id.values()
    }

    /// How many jurisdictions there are.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, RegistryError> {
    let read = std::fs::read_dir(dir).map_err(|e| RegistryError {
        file: dir.to_path_buf(),
        key: None,
        message: format!("cannot read the jurisdictions folder: {e}"),
    })?;
    let mut files: Vec<PathBuf> = read
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

fn key_error(file: &Path, key: &str, message: String) -> RegistryError {
    RegistryError { file: file.to_path_buf(), key: Some(key.to_string()), message }
}

/// Reads and validates one file.
pub fn load_file(file: &Path) -> Result<Jurisdiction, Vec<RegistryError>> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        vec![RegistryError { file: file.to_path_buf(), key: None, message: format!("cannot read: {e}") }]
    })?;
    toml::from_str::<toml::Table>(&text).map_err(|e| vec![toml_error(file, &text, &e)])?;
    // Every unknown key or mistyped value is reported, then commented out so the rest of the
    // file is still checked: one typo does not hide the file's other problems.
    let mut errors = Vec::new();
    let mut current = text;
    let raw = loop {
        match toml::from_str::<JurisdictionFile>(&current) {
            Ok(raw) => break Some(raw),
            Err(e) => {
                let error = toml_error(file, &current, &e);
                let missing = error.message.starts_with("missing field");
                let next = error.key.as_deref().filter(|_| !missing).and_then(|key| without_key(&current, key));
                errors.push(error);
                match next {
                    Some(text) => current = text,
                    None => break None,
                }
            }
        }
    };
    match raw.map(|raw| validate(file, raw)) {
        Some(Ok(j)) if errors.is_empty() => Ok(j),
        Some(Ok(_)) | None => Err(errors),
        Some(Err(mut more)) => {
            errors.append(&mut more);
            Err(errors)
        }
    }
}

/// `text` with the top-level line `key = …` commented out (line numbers kept), when the
/// rest is still TOML.
fn without_key(text: &str, key: &str) -> Option<String> {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let header = lines.iter().position(|l| l.trim_start().starts_with('[')).unwrap_or(lines.len());
    let at = lines[..header].iter().position(|line| {
        let rest = line.trim_start().strip_prefix(key).unwrap_or("");
        line.trim_start().starts_with(key) && rest.trim_start().starts_with('=')
    })?;
    lines[at] = format!("# {}", lines[at]);
    let edited = lines.join("\n");
    toml::from_str::<toml::Table>(&edited).is_ok().then_some(edited)
}

/// A TOML or type error, naming the key: from the message (unknown or missing fields), else
/// from the `key = value` line the error points at.
fn toml_error(file: &Path, text: &str, e: &toml::de::Error) -> RegistryError {
    let message = e.message().to_string();
    let start = e.span().map(|span| span.start.min(text.len()));
    let line_number = start.map(|at| text[..at].matches('\n').count() + 1);
    let line_key = start.and_then(|at| {
        let line =
            text[..at].rsplit('\n').next().unwrap_or("").to_string() + text[at..].split('\n').next().unwrap_or("");
        let (key, _) = line.split_once('=')?;
        let key = key.trim();
        (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .then(|| key.to_string())
    });
    let key = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("missing field `"))
        .and_then(|rest| rest.split('`').next())
        .map(str::to_string)
        .or(line_key);
    let at = line_number.map(|n| format!(" (line {n})")).unwrap_or_default();
    RegistryError { file: file.to_path_buf(), key, message: format!("{message}{at}") }
}

fn validate(file: &Path, raw: JurisdictionFile) -> Result<Jurisdiction, Vec<RegistryError>> {
    let mut errors = Vec::new();
    let mut fail = |key: &str, message: String| errors.push(key_error(file, key, message));
    if !is_slug(&raw.id) {
        fail("id", format!("`{}` must be a lowercase slug of a-z, 0-9, `-` and `_`", raw.id));
    }
    if raw.name.trim().is_empty() {
        fail("name", "must not be empty".into());
    }
    let endpoint = check_endpoint(&raw.endpoint).map_err(|e| fail("endpoint", e.to_string())).ok();
    let timezone = TimeZone::get(&raw.timezone)
        .map_err(|_| fail("timezone", format!("`{}` is not an IANA time zone", raw.timezone)))
        .ok();
    let backfill_from = match &raw.backfill_from {
        None => Some(DEFAULT_BACKFILL_FROM),
        Some(d) => {
            parse_date(d).ok_or_else(|| fail("backfill_from", format!("`{d}` is not a date like 2010-01-01"))).ok()
        }
    };
    let rate_limit = match &raw.rate_limit {
        None => None,
        Some(text) => {
            let parsed = RateLimit::parse(text);
            if parsed.is_none() {
                fail("rate_limit", format!("`{text}` is not like \"20/min\", \"2/s\" or \"500/hour\""));
            }
            parsed
        }
    };
    check_numbers(&raw, &mut fail);
    if raw.enabled == Some(false) && raw.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        fail("note", "a disabled jurisdiction needs a note saying why".into());
    }
    if let Some(var) = &raw.api_key_env {
        if var.is_empty() || !var.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') {
            fail("api_key_env", format!("`{var}` must be an environment variable name like FED311_KEY_CITY"));
        }
    }
    if let Some(path) = raw.boundary.as_ref() {
        let resolved = file.parent().unwrap_or(Path::new(".")).join(path);
        if !resolved.is_file() {
            fail("boundary", format!("file {} not found", resolved.display()));
        }
    }
    check_categories(&raw, &mut fail);
    match (endpoint, timezone, backfill_from) {
        (Some(endpoint), Some(timezone), Some(backfill_from)) if errors.is_empty() => Ok(Jurisdiction {
            id: raw.id.clone(),
            name: raw.name.clone(),
            endpoint,
            timezone_name: raw.timezone.clone(),
            timezone,
            backfill_from,
            window_days: raw.window_days,
            full_rescan_days: raw.full_rescan_days.unwrap_or(DEFAULT_FULL_RESCAN_DAYS),
            interval_minutes: raw.interval_minutes.unwrap_or(DEFAULT_INTERVAL_MINUTES),
            enabled: raw.enabled.unwrap_or(true),
            rate_limit,
            file: file.to_path_buf(),
            config: raw,
        }),
        _ => Err(errors),
    }
}

fn check_numbers(raw: &JurisdictionFile, fail: &mut impl FnMut(&str, String)) {
    if raw.page_size == Some(0) {
        fail("page_size", "must be at least 1".into());
    }
    if raw.window_days == Some(0) {
        fail("window_days", "must be at least 1".into());
    }
    if raw.interval_minutes == Some(0) {
        fail("interval_minutes", "must be at least 1".into());
    }
    if raw.first_page.is_some_and(|p| p > 1) {
        fail("first_page", "must be 0 or 1".into());
    }
}

/// Each override must name a canonical category.
fn check_categories(raw: &JurisdictionFile, fail: &mut impl FnMut(&str, String)) {
    for (code, slug) in raw.categories.iter().flatten() {
        if !crate::taxonomy::is_known(slug) {
            let valid = crate::taxonomy::slug_list();
            fail(&format!("categories.{code}"), format!("`{slug}` is not a known category; valid: {valid}"));
        }
    }
}

fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// What is wrong with a jurisdiction's `endpoint`.
#[derive(Debug, thiserror::Error)]
enum EndpointError {
    /// Not a URL at all.
    #[error("`{text}` is not a URL: {source}")]
    NotUrl {
        /// As written.
        text: String,
        /// Why.
        source: url::ParseError,
    },
    /// Not http or https.
    #[error("`{0}` must be an http or https URL")]
    NotHttp(String),
    /// With a query string (parameters are fed311's to add).
    #[error("`{0}` must not carry a query string")]
    WithQuery(String),
}

fn check_endpoint(text: &str) -> Result<Url, EndpointError> {
    let url = Url::parse(text).map_err(|source| EndpointError::NotUrl { text: text.to_string(), source })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(EndpointError::NotHttp(text.to_string()));
    }
    if url.query().is_some() {
        return Err(EndpointError::WithQuery(text.to_string()));
    }
    let mut url = url;
    if !url.path().ends_with('/') {
        // The base of the GeoReport resources always ends with `/`: a missing one is added.
        let path = format!("{}/", url.path());
        url.set_path(&path);
        tracing::warn!(endpoint = %text, normalized = %url, "A jurisdiction's endpoint lacks its trailing `/`: added");
    }
    Ok(url)
}

fn parse_date(value: &toml::value::Datetime) -> Option<Date> {
    if value.time.is_some() || value.offset.is_some() {
        return None;
    }
    let d = value.date?;
    Date::new(i16::try_from(d.year).ok()?, i8::try_from(d.month).ok()?, i8::try_from(d.day).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    const GOOD: &str = "id = \"toronto\"\nname = \"Toronto, ON\"\nendpoint = \"https://secure.toronto.ca/webwizard/ws/\"\ntimezone = \"America/Toronto\"\n";

    #[test]
    fn loads_a_minimal_file_with_defaults() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "toronto.toml", GOOD);
        let registry = Registry::load(dir.path()).unwrap();
        let toronto = registry.get("toronto").unwrap();
        assert_eq!(toronto.backfill_from, jiff::civil::date(2010, 1, 1));
        assert_eq!(toronto.window_days, None);
        assert_eq!(toronto.full_rescan_days, 7);
        assert!(toronto.enabled);
    }

    #[test]
    fn names_file_and_key_for_each_problem() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.toml", &format!("{GOOD}colour = \"red\"\n"));
        write(dir.path(), "b.toml", &GOOD.replace("America/Toronto", "Mars/Olympus"));
        write(dir.path(), "c.toml", &GOOD.replace("https://secure.toronto.ca/webwizard/ws/", "ftp://x/"));
        write(dir.path(), "d.toml", &GOOD.replace("toronto\"", "other\"").replace("ws/", "ws/?x=1"));
        let errors = Registry::load(dir.path()).unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 4, "{text:?}");
        assert!(text[0].contains("a.toml") && errors[0].key.as_deref() == Some("colour"), "{text:?}");
        assert!(text[1].contains("b.toml") && errors[1].key.as_deref() == Some("timezone"));
        assert!(text[2].contains("c.toml") && errors[2].key.as_deref() == Some("endpoint"));
        assert!(text[3].contains("d.toml") && errors[3].key.as_deref() == Some("endpoint"));
    }

    #[test]
    fn an_unknown_key_does_not_hide_the_files_other_problems() {
        let dir = tempfile::tempdir().unwrap();
        let text =
            GOOD.replace("America/Toronto", "Mars/Olympus") + "colour = \"red\"\npage_size = \"many\"\nshape = 1\n";
        write(dir.path(), "a.toml", &text);
        let errors = Registry::load(dir.path()).unwrap_err();
        let keys: Vec<&str> = errors.iter().filter_map(|e| e.key.as_deref()).collect();
        assert_eq!(keys.len(), 4, "{errors:?}");
        for key in ["colour", "page_size", "shape", "timezone"] {
            assert!(keys.contains(&key), "{key} is reported: {errors:?}");
        }
    }

    #[test]
    fn an_endpoint_without_its_trailing_slash_is_normalized() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.toml", &GOOD.replace("ws/", "ws"));
        let registry = Registry::load(dir.path()).unwrap();
        assert_eq!(registry.get("toronto").unwrap().endpoint.as_str(), "https://secure.toronto.ca/webwizard/ws/");
    }

    #[test]
    fn rejects_duplicate_ids_and_silent_disables() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.toml", GOOD);
        write(dir.path(), "b.toml", GOOD);
        write(dir.path(), "c.toml", &format!("{}enabled = false\n", GOOD.replace("toronto\"", "gone\"")));
        let errors = Registry::load(dir.path()).unwrap_err();
        assert!(errors.iter().any(|e| e.key.as_deref() == Some("id") && e.message.contains("duplicate")));
        assert!(errors.iter().any(|e| e.key.as_deref() == Some("note")));
    }

    #[test]
    fn parses_rate_limits() {
        assert_eq!(RateLimit::parse("20/min"), Some(RateLimit { count: 20, per: Duration::from_secs(60) }));
        assert_eq!(RateLimit::parse("2/s").map(|r| r.count), Some(2));
        assert_eq!(RateLimit::parse("0/s"), None);
        assert_eq!(RateLimit::parse("fast"), None);
    }
}

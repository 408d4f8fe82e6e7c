//! `fed311 add-city URL`: adding a city is one command. It probes the endpoint (discovery,
//! services, format, cap, order, paging, date handling, `updated_after`), tells its time zone
//! from the offsets its datetimes carry, where its requests are and its domain, then writes a
//! jurisdiction file with what it learned and a comment per key, checked the way `fed311
//! check` checks, beside the others. What it learned at run time would be learned again by
//! the first pass anyway; written down, it is visible and can be corrected.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use url::Url;

use crate::domain::time::written_offset;
use crate::harvest::{Probed, probe};
use crate::registry::{self, Paging};
use crate::store::Store;
use crate::upstream::{Client, ClientSettings, Order};
use crate::wire::WireFormat;

/// List calls a probe may make: enough to see a cap twice, try the size parameters and paging
/// and a date range, not enough to load a big city.
const PROBE_CALLS: u64 = 16;

/// Options of `fed311 add-city`.
#[derive(Debug, Clone, clap::Args)]
pub struct AddCityArgs {
    /// The city's GeoReport v2 base URL (`…/open311/v2/`; a trailing resource such as
    /// `requests.json` is dropped).
    pub url: String,
    /// Our id for it (a lowercase slug); derived from the host when absent.
    #[arg(long)]
    pub id: Option<String>,
    /// Its display name; derived from the host when absent.
    #[arg(long)]
    pub name: Option<String>,
    /// The `jurisdiction_id` its server expects, if it serves several.
    #[arg(long)]
    pub upstream_jurisdiction_id: Option<String>,
    /// Replace an existing file of that id.
    #[arg(long)]
    pub force: bool,
}

/// Runs the command: probe, write, check.
pub async fn add_city(jurisdictions: &Path, args: AddCityArgs, client: ClientSettings) -> Result<()> {
    let endpoint = normalize(&args.url)?;
    let host = endpoint.host_str().unwrap_or_default().to_string();
    let id = match &args.id {
        Some(id) => id.clone(),
        None => id_from_host(&host).with_context(|| format!("cannot derive an id from {host}: give --id"))?,
    };
    let target = jurisdictions.join(format!("{id}.toml"));
    if target.exists() && !args.force {
        bail!("{} exists (give --force to replace it)", target.display());
    }
    let name = args.name.clone().unwrap_or_else(|| host.clone());
    let scratch = scratch_dir()?;
    let result = probe_and_write(&scratch, &endpoint, &id, &name, &args, &target, client).await;
    std::fs::remove_dir_all(&scratch).ok();
    result
}

async fn probe_and_write(
    scratch: &Path,
    endpoint: &Url,
    id: &str,
    name: &str,
    args: &AddCityArgs,
    target: &Path,
    settings: ClientSettings,
) -> Result<()> {
    let mut file = Draft::default();
    file.key("id", toml_string(id), "our jurisdiction_id");
    file.key("name", toml_string(name), "shown to people");
    file.key("endpoint", toml_string(endpoint.as_str()), "the GeoReport v2 base URL");
    let upstream = args.upstream_jurisdiction_id.as_deref();
    let provisional = provisional_file(id, name, endpoint, upstream);
    let probe_dir = scratch.join("jurisdictions");
    std::fs::create_dir_all(&probe_dir)?;
    std::fs::write(probe_dir.join(format!("{id}.toml")), &provisional)?;
    let city = registry::load_file(&probe_dir.join(format!("{id}.toml"))).map_err(|errors| {
        anyhow::anyhow!("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
    })?;
    let client = Client::build(settings).context("building the HTTP client")?;
    println!("probing {endpoint} …");
    let discovery = discover(&client, endpoint).await;
    let store = Store::open(&scratch.join("data")).context("opening a scratch store")?;
    let probed = probe(&client, &store, &city, PROBE_CALLS)
        .await
        .with_context(|| format!("{endpoint} does not answer like a GeoReport v2 endpoint"))?;
    let host = endpoint.host_str().unwrap_or_default();
    write_zone(&mut file, &probed, host);
    if let Some(upstream) = upstream {
        file.key("upstream_jurisdiction_id", toml_string(upstream), "the jurisdiction_id its server expects");
    }
    write_learned(&mut file, &probed);
    let note = note(&probed, discovery.as_deref());
    file.key("note", toml_string(&note), "what add-city saw");
    let text = file.finish(endpoint);
    let draft = scratch.join(format!("{id}.toml"));
    std::fs::write(&draft, &text)?;
    registry::load_file(&draft).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
        anyhow::anyhow!("the file written does not pass check:\n{}\n{text}", lines.join("\n"))
    })?;
    std::fs::create_dir_all(target.parent().unwrap_or(Path::new(".")))?;
    std::fs::write(target, &text).with_context(|| format!("writing {}", target.display()))?;
    println!("{text}");
    println!("wrote {} (checked); `fed311 harvest --once --jurisdiction {id}` harvests it", target.display());
    Ok(())
}

/// The four required keys, for the probe (the time zone is told afterwards).
fn provisional_file(id: &str, name: &str, endpoint: &Url, upstream: Option<&str>) -> String {
    let mut text = format!(
        "id = {}\nname = {}\nendpoint = {}\ntimezone = \"UTC\"\n",
        toml_string(id),
        toml_string(name),
        toml_string(endpoint.as_str())
    );
    if let Some(upstream) = upstream {
        let _ = writeln!(text, "upstream_jurisdiction_id = {}", toml_string(upstream));
    }
    text
}

/// The time zone key, told from the sample.
fn write_zone(file: &mut Draft, probed: &Probed, host: &str) {
    let observations: Vec<_> = probed
        .sample
        .iter()
        .flat_map(|r| [r.requested_text.as_deref(), r.updated_text.as_deref()])
        .flatten()
        .filter_map(written_offset)
        .collect();
    let point = median_point(&probed.sample);
    match registry::zones::guess(&observations, point, host) {
        Some(guess) => file.key("timezone", toml_string(guess.zone), &format!("from {}", guess.why)),
        None => file.key(
            "timezone",
            toml_string("UTC"),
            "UNKNOWN: its datetimes carry no offset and its requests no location; set the city's IANA zone",
        ),
    }
}

/// The keys for what the probe learned.
fn write_learned(file: &mut Draft, probed: &Probed) {
    let p = &probed.profile;
    if let Some(format) = p.format {
        let why = match format {
            WireFormat::Json => "it answers JSON",
            WireFormat::Xml => "it does not serve JSON; XML it does",
        };
        file.key("format", toml_string(format.extension()), why);
    }
    // A page size is written only with what makes the server answer it: its paging (with the
    // first page's number, probed), or nothing to ask when it answers its cap unasked.
    match (p.cap, p.paging, p.size_param) {
        (Some(cap), Some(paging), _) => {
            let (word, first) = paging_words(paging);
            file.key("page_size", cap.to_string(), &format!("it answers at most {cap} requests per call"));
            file.key("paging", toml_string(word), &format!("it pages with {}", paging_params(paging)));
            if paging != Paging::Offset {
                let first = p.first_page.unwrap_or(first);
                file.key("first_page", first.to_string(), "the number of its first page");
            }
        }
        (Some(cap), None, Some(param)) => file.comment(&format!(
            "page_size: not set: it answers up to {cap} requests when asked with `{}`, learned again at run time",
            param.name()
        )),
        (Some(cap), None, None) => {
            file.key("page_size", cap.to_string(), &format!("it cuts answers at {cap} requests and does not page"))
        }
        (None, _, _) => {
            if let Some(n) = p.largest_answer {
                file.comment(&format!("page_size: not set: its largest answer, {n} requests, was not cut"));
            }
        }
    }
    if let Some(updated) = probed.updated_after {
        let why = if updated { "it filters on updated_after" } else { "it ignores updated_after" };
        file.key("updated_after", updated.to_string(), why);
    }
    if let Some(days) = p.max_window_days {
        file.key("window_days", days.to_string(), &format!("it silently answers only the last {days} days of a range"));
    }
    if p.ignores_dates {
        file.comment("it ignores start_date and end_date: every pass downloads it whole");
    }
    if p.order == Some(Order::Unsorted) {
        file.comment("its lists are not sorted newest first: harvested in date windows");
    }
}

fn paging_words(paging: Paging) -> (&'static str, u32) {
    match paging {
        Paging::None => ("none", 1),
        Paging::PageSize => ("page_size", 1),
        Paging::Limit => ("limit", 1),
        Paging::Offset => ("offset", 0),
    }
}

fn paging_params(paging: Paging) -> &'static str {
    match paging {
        Paging::None => "nothing",
        Paging::PageSize => "page and page_size",
        Paging::Limit => "page and limit",
        Paging::Offset => "offset and limit",
    }
}

/// What the probe saw, for the file's `note`.
fn note(probed: &Probed, discovery: Option<&str>) -> String {
    let mut note = format!(
        "Added by fed311 add-city on {}: {} services, {} requests seen in {} calls",
        jiff::Timestamp::now().strftime("%Y-%m-%d"),
        probed.services,
        probed.sample.len(),
        probed.report.calls
    );
    if let Some(offset) = probed.clock_offset.filter(|o| o.abs() > 300) {
        let _ = write!(note, "; its clock is {offset} s off ours");
    }
    if let Some(discovery) = discovery {
        let _ = write!(note, "; discovery: {discovery}");
    }
    note
}

/// The discovery document's contact and formats, when it has one.
async fn discover(client: &Client, endpoint: &Url) -> Option<String> {
    for name in ["discovery.json", "discovery.xml"] {
        let url = endpoint.join(name).ok()?;
        let Ok(fetched) = client.get(&url, &Default::default(), None).await else { continue };
        if !fetched.status.is_success() {
            continue;
        }
        if let Ok(doc) = crate::wire::read::parse_discovery(&fetched.into_utf8()) {
            let formats: Vec<String> = doc.endpoints.iter().flat_map(|e| e.formats.clone()).collect();
            let contact = doc.contact.unwrap_or_else(|| "no contact".to_string());
            return Some(format!("{contact}; formats {}", formats.join(", ")));
        }
    }
    None
}

/// The median latitude and longitude of the requests that have them.
fn median_point(sample: &[crate::domain::ServiceRequest]) -> Option<(f64, f64)> {
    let (mut lats, mut longs): (Vec<f64>, Vec<f64>) = sample.iter().filter_map(|r| Some((r.lat?, r.long?))).unzip();
    if lats.is_empty() {
        return None;
    }
    lats.sort_by(f64::total_cmp);
    longs.sort_by(f64::total_cmp);
    Some((lats[lats.len() / 2], longs[longs.len() / 2]))
}

/// The base URL: a trailing resource (`requests.json`, `discovery.xml`…) dropped, a trailing
/// `/` added, no query.
fn normalize(text: &str) -> Result<Url> {
    let mut url = Url::parse(text.trim()).with_context(|| format!("`{text}` is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("`{text}` is not an http or https URL");
    }
    let path = url.path().to_string();
    let last = path.rsplit('/').next().unwrap_or_default();
    let resource = ["requests", "services", "discovery"].iter().any(|r| last.starts_with(&format!("{r}.")));
    let base = if resource { &path[..path.len() - last.len()] } else { path.as_str() };
    let base = if base.ends_with('/') { base.to_string() } else { format!("{base}/") };
    url.set_path(&base);
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// A slug from the host: its most telling label (`sags-uns.stadt-koeln.de` → `stadt-koeln`).
fn id_from_host(host: &str) -> Option<String> {
    const PLAIN: &[&str] = &["www", "api", "open311", "311", "georeport", "services", "crm", "localhost"];
    let labels: Vec<&str> = host.split('.').collect();
    let named = labels
        .iter()
        .rev()
        .skip(usize::from(labels.len() > 1))
        .find(|l| !PLAIN.contains(&l.to_ascii_lowercase().as_str()) && !l.chars().all(|c| c.is_ascii_digit()))?;
    let slug: String = named.to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    (!slug.is_empty()).then_some(slug)
}

/// A TOML basic string: JSON's string escapes are a subset of TOML's.
fn toml_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

/// A scratch folder for the probe's store and files.
fn scratch_dir() -> Result<PathBuf> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    let dir = std::env::temp_dir().join(format!("fed311-add-city-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// The file being written: keys with a comment each, and comments alone.
#[derive(Default)]
struct Draft {
    lines: Vec<(String, String)>,
}

impl Draft {
    fn key(&mut self, key: &str, value: String, why: &str) {
        self.lines.push((format!("{key} = {value}"), why.to_string()));
    }

    fn comment(&mut self, text: &str) {
        self.lines.push((String::new(), text.to_string()));
    }

    fn finish(&self, endpoint: &Url) -> String {
        let width = self.lines.iter().map(|(line, _)| line.chars().count()).max().unwrap_or(0).min(60);
        let mut text = format!(
            "# Written by `fed311 add-city` from what {endpoint} answered. Keys left out are learned at\n\
             # run time; every key here overrides what would be learned (see README, \"Adding a city\").\n"
        );
        for (line, why) in &self.lines {
            if line.is_empty() {
                let _ = writeln!(text, "# {why}");
            } else {
                let _ = writeln!(text, "{line:<width$}  # {why}");
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_become_base_urls() {
        let base = |t: &str| normalize(t).unwrap().to_string();
        assert_eq!(base("https://x.org/open311/v2"), "https://x.org/open311/v2/");
        assert_eq!(base("https://x.org/open311/v2/requests.json?status=open"), "https://x.org/open311/v2/");
        assert_eq!(base("http://127.0.0.1:8080/"), "http://127.0.0.1:8080/");
        assert!(normalize("ftp://x.org/").is_err() && normalize("not a url").is_err());
    }

    #[test]
    fn ids_come_from_the_telling_part_of_the_host() {
        assert_eq!(id_from_host("sags-uns.stadt-koeln.de").as_deref(), Some("stadt-koeln"));
        assert_eq!(id_from_host("311.baltimorecity.gov").as_deref(), Some("baltimorecity"));
        assert_eq!(id_from_host("www.fixmystreet.com").as_deref(), Some("fixmystreet"));
        assert_eq!(id_from_host("127.0.0.1"), None);
    }
}

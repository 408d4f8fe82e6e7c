//! How one simulated server behaves: a plain struct of knobs, one per quirk the field guide
//! documents (caps, paging styles, date-window caps, ignored filters, flaky HTTP), plus named
//! presets for the server families seen in the wild. `Default` is a well-behaved spec server.

use std::time::Duration;

use super::record::serial_of;

/// How a simulated server pages a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SimPaging {
    /// Page parameters are ignored: one answer of at most `cap` records.
    #[default]
    None,
    /// `page` and `page_size`; `first` is the number of the first page (`page` below it
    /// counts as the first page, as uReport treats `page=0`).
    PageSize {
        /// Number of the first page (0 or 1).
        first: u32,
    },
    /// `page` and `limit` (Mark-a-Spot's Drupal pager).
    Limit {
        /// Number of the first page (0 or 1).
        first: u32,
    },
    /// `offset` (records to skip) and `limit` (Accela adapters).
    Offset,
}

/// How one simulated server misbehaves. `Default` is a well-behaved spec server.
#[derive(Debug, Clone, PartialEq)]
pub struct Behaviour {
    /// Most records per answer; longer lists are silently truncated (also the page size
    /// when the client asks for none, unless `default_page_size` says otherwise, and the
    /// largest page size honoured).
    pub cap: usize,
    /// Records answered when the client asks for no size (Mark-a-Spot: 25, up to the cap of
    /// 50 through `limit`); `None`: the cap. Also what a `service_request_id` list is cut to.
    pub default_page_size: Option<usize>,
    /// Paging style.
    pub paging: SimPaging,
    /// Silent cap on the date window: only the last N days of `[start, end]` are answered
    /// (`end` defaults to now).
    pub max_window_days: Option<u32>,
    /// An empty list answers HTTP 404 with an `errors` body (Mark-a-Spot).
    pub not_found_when_empty: bool,
    /// `status` is ignored entirely (uReport).
    pub ignores_status: bool,
    /// Without `status`, only open requests are answered (Klarschiff); else open and closed.
    pub status_defaults_open: bool,
    /// `start_date`/`end_date` are ignored: answers always start from the newest.
    pub ignores_dates: bool,
    /// A page past the end repeats the last page instead of being empty.
    pub replays_last_page: bool,
    /// List order is a deterministic shuffle (stable across calls) instead of newest first.
    pub unsorted: bool,
    /// `.json` resources are served.
    pub json: bool,
    /// `.xml` resources are served.
    pub xml: bool,
    /// Datetimes are written without a zone, in the city's time zone (else UTC with `Z`).
    pub zoneless_dates: bool,
    /// `updated_after`/`updated_before` are honoured (else ignored).
    pub updated_after: bool,
    /// Every Nth call (counted per city, from 1) answers HTTP 500.
    pub fail_every: Option<u32>,
    /// More calls than this within any one second answer 429 with `Retry-After: 1`.
    pub rate_limit_per_sec: Option<u32>,
    /// Every Nth call sends the headers of the whole body (full `Content-Length`), half the
    /// body, then drops the connection.
    pub truncate_every: Option<u32>,
    /// Every Nth call answers 200 with only the first half of its body, and a
    /// `Content-Length` that matches the half (an unreliable proxy's cut).
    pub short_body_every: Option<u32>,
    /// Every request list answers 404 (services still answer): a city half down.
    pub lists_not_found: bool,
    /// The city's clock runs this far ahead of ours (negative: behind), in seconds: its `Date`
    /// header says so, and the requests it receives are stamped so.
    pub clock_offset: i64,
    /// Every Nth call waits `stall` before answering.
    pub stall_every: Option<u32>,
    /// How long a stalled call waits.
    pub stall: Duration,
    /// Every Nth record (by serial number, see [`Behaviour::hides_id`]) is served with an
    /// empty `service_request_id`, like Chicago's requests still being processed.
    pub ids_missing_every: Option<u32>,
    /// A `service_request_id` list answers only its first id (uReport).
    pub multi_id_first_only: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            cap: 1000,
            default_page_size: None,
            paging: SimPaging::None,
            max_window_days: None,
            not_found_when_empty: false,
            ignores_status: false,
            status_defaults_open: false,
            ignores_dates: false,
            replays_last_page: false,
            unsorted: false,
            json: true,
            xml: true,
            zoneless_dates: false,
            updated_after: false,
            fail_every: None,
            rate_limit_per_sec: None,
            truncate_every: None,
            short_body_every: None,
            lists_not_found: false,
            clock_offset: 0,
            stall_every: None,
            stall: Duration::from_millis(500),
            ids_missing_every: None,
            multi_id_first_only: false,
        }
    }
}

/// Every preset name [`Behaviour::dialect`] knows, in a sensible display order.
pub const DIALECTS: &[&str] = &[
    "spec",
    "connected-bits",
    "mark-a-spot",
    "ureport",
    "fixmystreet",
    "seeclickfix",
    "klarschiff",
    "xml-only",
    "capped-window",
    "chicago",
    "flaky",
    "unreliable",
    "unbounded",
];

impl Behaviour {
    /// A named preset (see [`DIALECTS`]); `None` for an unknown name.
    pub fn dialect(name: &str) -> Option<Behaviour> {
        let spec = Behaviour::default();
        let preset = match name.trim().to_ascii_lowercase().as_str() {
            "spec" => spec,
            "connected-bits" => Behaviour { cap: 50, paging: SimPaging::PageSize { first: 1 }, ..spec },
            "mark-a-spot" => Behaviour {
                cap: 50,
                default_page_size: Some(25),
                paging: SimPaging::Limit { first: 0 },
                not_found_when_empty: true,
                ..spec
            },
            "ureport" => Behaviour {
                paging: SimPaging::PageSize { first: 1 },
                ignores_status: true,
                unsorted: true,
                replays_last_page: true,
                multi_id_first_only: true,
                updated_after: true,
                ..spec
            },
            "fixmystreet" => spec,
            "seeclickfix" => {
                Behaviour { cap: 20, paging: SimPaging::PageSize { first: 1 }, rate_limit_per_sec: Some(20), ..spec }
            }
            "klarschiff" => Behaviour { status_defaults_open: true, updated_after: true, ..spec },
            "xml-only" => Behaviour { json: false, ..spec },
            "capped-window" => Behaviour { cap: 200, max_window_days: Some(90), ..spec },
            "chicago" => Behaviour {
                zoneless_dates: true,
                ids_missing_every: Some(100),
                updated_after: true,
                ..Behaviour::dialect("connected-bits")?
            },
            "unreliable" => Behaviour {
                fail_every: Some(4),
                short_body_every: Some(21),
                rate_limit_per_sec: Some(10),
                ..Behaviour::dialect("connected-bits")?
            },
            // Answers everything asked for in one page, however large (one 61 MB page seen).
            "unbounded" => Behaviour { cap: usize::MAX, ..spec },
            "flaky" => Behaviour {
                cap: 100,
                paging: SimPaging::Offset,
                fail_every: Some(5),
                truncate_every: Some(7),
                stall_every: Some(11),
                stall: Duration::from_millis(300),
                ..spec
            },
            _ => return None,
        };
        Some(preset)
    }

    /// Whether the record with this id is served without its id (see `ids_missing_every`):
    /// records are numbered 1, 2, 3… in the order the city received them, and every Nth loses
    /// its id. Tests use this to know which records a harvester cannot see.
    pub fn hides_id(&self, id: &str) -> bool {
        serial_of(id).is_some_and(|serial| self.hides_serial(serial))
    }

    /// Whether the record with this serial number is served without its id.
    pub(crate) fn hides_serial(&self, serial: u64) -> bool {
        self.ids_missing_every.is_some_and(|n| n > 0 && serial % u64::from(n) == 0)
    }

    /// Whether `.{ext}` resources are served (`json` or `xml`).
    pub fn serves(&self, ext: &str) -> bool {
        match ext {
            "json" => self.json,
            "xml" => self.xml,
            _ => false,
        }
    }
}

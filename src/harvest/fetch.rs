//! Reading one resource of a city through its endpoint: the answer fetched in the format the
//! endpoint negotiates, accepted (a 2xx body in UTF-8) or turned into a precise error, and
//! parsed. A success whose body cannot be read (cut short behind a proxy, an error page sent
//! as 200) is transient, like a 5xx: it is fetched again. A 404 on a list means "nothing
//! found" only from a city that has answered lists with records; from any other it is a
//! failure, so that no window is taken as empty unconfirmed.
//!
//! Reading knows the endpoint and what was learned of it (the [`Profile`]), never the pass:
//! the pass calls it, it calls nothing back.

use reqwest::StatusCode;

use super::error::CityError;
use crate::upstream::{CityEndpoint, Fetched, Outcome, Param, Profile, Resource, refusal};
use crate::wire::read::WireError;

/// Reads of an unreadable success before the call counts as failed.
const READS: u32 = 4;

/// How a 404 is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum On404 {
    /// A list: "nothing found", from a city known to answer lists with records.
    Empty,
    /// A document that may be missing (the service list).
    Absent,
    /// An error, like any other status.
    Error,
}

/// Fetches a resource and reads it with `parse`. A success that cannot be read is fetched
/// again (up to [`READS`] reads), as a 5xx is; `None` is a 404 taken as `on_404` says.
pub(super) async fn fetch_read<T>(
    endpoint: &mut CityEndpoint<'_>,
    profile: &mut Profile,
    resource: Resource<'_>,
    params: &[Param],
    on_404: On404,
    parse: impl Fn(&[u8]) -> Result<T, WireError>,
) -> Result<Option<T>, CityError> {
    let mut read = 0;
    loop {
        read += 1;
        let fetched = endpoint.get_negotiated(resource, params, &mut profile.format).await?;
        if fetched.status == StatusCode::NOT_FOUND && on_404 != On404::Error {
            return not_found(endpoint, profile, resource, on_404).map(|()| None);
        }
        let body = accept(endpoint, fetched, resource)?;
        match parse(&body) {
            Ok(parsed) => return Ok(Some(parsed)),
            Err(WireError::TooMany { max }) => {
                return Err(CityError::TooMany { url: endpoint.url_text(resource), max });
            }
            Err(e) if transient(&e) => {
                if let Some(caller) = endpoint.caller() {
                    caller.count(Outcome::Unreadable);
                }
                if read >= READS {
                    return Err(answer_error(endpoint, resource, e));
                }
                tracing::debug!(jurisdiction = %endpoint.city().id, error = %e, "Unreadable answer, reading again");
                tokio::time::sleep(endpoint.backoff_unit().saturating_mul(1 << read.min(6))).await;
            }
            Err(e) => return Err(answer_error(endpoint, resource, e)),
        }
    }
}

/// A 404: "nothing found" on a list only from a city known to answer lists with records
/// (Mark-a-Spot says it so); an error from any other.
fn not_found(
    endpoint: &CityEndpoint<'_>,
    profile: &mut Profile,
    resource: Resource<'_>,
    on_404: On404,
) -> Result<(), CityError> {
    if on_404 == On404::Empty {
        if !profile.answers_lists {
            return Err(CityError::Unconfirmed404 { url: endpoint.url_text(resource) });
        }
        profile.not_found_means_empty = true;
    }
    Ok(())
}

/// A 2xx body in UTF-8 (converted from the charset the city declared), or an error naming
/// the city's complaint.
fn accept(endpoint: &CityEndpoint<'_>, fetched: Fetched, resource: Resource<'_>) -> Result<Vec<u8>, CityError> {
    if fetched.status.is_success() {
        if let Some(kind) = compressed(&fetched.body) {
            let detail = format!("the body is {kind} data sent without a matching Content-Encoding header");
            return Err(CityError::Unreadable { url: endpoint.url_text(resource), detail });
        }
        return Ok(fetched.into_utf8());
    }
    let detail = refusal(&fetched.body).unwrap_or_else(|| snippet(&fetched.body));
    Err(CityError::Answer { url: endpoint.url_text(resource), status: fetched.status.as_u16(), detail })
}

/// A successful answer whose body cannot be read.
fn answer_error(endpoint: &CityEndpoint<'_>, resource: Resource<'_>, e: WireError) -> CityError {
    CityError::Unreadable { url: endpoint.url_text(resource), detail: e.to_string() }
}

/// Whether a success that could not be read may read fine on another try: a cut-off or
/// otherwise broken document, an empty body, an error page a proxy sent as 200.
fn transient(e: &WireError) -> bool {
    matches!(e, WireError::Malformed { .. } | WireError::Empty | WireError::Html(_))
}

/// The start of a body, as one line, for error messages.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() { "(empty body)".into() } else { one_line }
}

/// Compressed bytes a server sent as if plain: gzip's or zlib's magic numbers.
fn compressed(body: &[u8]) -> Option<&'static str> {
    match body {
        [0x1f, 0x8b, ..] => Some("gzip"),
        [0x78, 0x01 | 0x5e | 0x9c | 0xda, ..] => Some("deflate (zlib)"),
        _ => None,
    }
}

//! hyper answers a request head it cannot read by itself, before any handler sees it: 400 for
//! a request line or header that is not HTTP (a raw byte that is not ASCII in the path), 414
//! for a URI over 64 KiB, 431 for a head larger than its buffer. Those answers have empty
//! bodies. The socket ([`super::watched::Watched`]) recognizes them as they are written and
//! sends instead the same status with a body in the caller's dialect, read from the start of
//! the request: spec `errors` on GeoReport paths, a problem on `/api/`.

use axum::http::StatusCode;

/// The status of `head` when it is hyper's own answer to an unreadable request: one of the
/// three statuses above, a head with `content-length: 0` and nothing after it. fed311's own
/// error answers always have a body.
pub fn hypers_answer(head: &[u8]) -> Option<StatusCode> {
    let status = head.strip_prefix(b"HTTP/1.1 ")?.get(..3)?;
    let status = match status {
        b"400" => StatusCode::BAD_REQUEST,
        b"414" => StatusCode::URI_TOO_LONG,
        b"431" => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        _ => return None,
    };
    let text = std::str::from_utf8(head).ok()?;
    let empty = text.to_ascii_lowercase().contains("\r\ncontent-length: 0\r\n");
    (empty && text.ends_with("\r\n\r\n")).then_some(status)
}

/// The answer to send instead: `status` with a body in the dialect of the path that
/// `request_start` (the first bytes of the request) names.
pub fn answer(status: StatusCode, request_start: &[u8]) -> Vec<u8> {
    let path = request_path(request_start);
    let message = match status {
        StatusCode::URI_TOO_LONG => "the request's URI is too long",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "the request's headers are too large",
        _ => "the request is not valid HTTP: a path must be ASCII (percent-encode other bytes) and headers well formed",
    };
    let (content_type, body) = crate::api::shape::error_body(&path, status, message);
    let reason = status.canonical_reason().unwrap_or("Error");
    let head = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        body.len()
    );
    [head.into_bytes(), body.into_bytes()].concat()
}

/// The path of a request line (`GET /path?query HTTP/1.1`), as far as it was kept; the bytes
/// that are not UTF-8 are replaced.
fn request_path(request_start: &[u8]) -> String {
    let line = request_start.split(|b| *b == b'\n').next().unwrap_or_default();
    let target = line.split(|b| *b == b' ').nth(1).unwrap_or_default();
    let path = target.split(|b| *b == b'?').next().unwrap_or_default();
    String::from_utf8_lossy(path).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_empty_answers_are_recognized() {
        let hyper = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(hypers_answer(hyper), Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE));
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 40\r\n\r\n";
        assert_eq!(hypers_answer(ours), None);
        assert_eq!(hypers_answer(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"), None);
    }

    #[test]
    fn the_answer_speaks_the_paths_dialect() {
        let xml = answer(StatusCode::URI_TOO_LONG, b"GET /open311/v2/requests.xml?x=1 HTTP/1.1\r\n");
        let xml = String::from_utf8(xml).unwrap();
        assert!(xml.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{xml}");
        assert!(xml.contains("<errors><error><code>414</code>"), "{xml}");
        let problem = String::from_utf8(answer(StatusCode::BAD_REQUEST, b"GET /api/v1/\xff HTTP/1.1")).unwrap();
        assert!(problem.contains("application/problem+json") && problem.contains("\"status\":400"), "{problem}");
    }
}

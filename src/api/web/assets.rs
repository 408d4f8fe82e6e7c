//! The page's files, embedded in the binary at build time from `src/web/` (so `fed311 serve`
//! needs no other file and works offline), and the shell every page path answers. The
//! shell names each file with a version (a hash of every file), so browsers keep the files
//! for good and fetch them again only when a new build changes one. The page's scripts are
//! written as several files and served as one (`/web/app.js`), in the order they depend on
//! each other.

use std::hash::Hasher;
use std::sync::OnceLock;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The page's script, its parts in order: texts and helpers first, the views, then the
/// router that starts it.
const APP_JS: &str = concat!(
    "\"use strict\";\n(() => {\n",
    include_str!("../../web/js/text.js"),
    include_str!("../../web/js/util.js"),
    include_str!("../../web/js/map.js"),
    include_str!("../../web/js/charts.js"),
    include_str!("../../web/js/search.js"),
    include_str!("../../web/js/request.js"),
    include_str!("../../web/js/cities.js"),
    include_str!("../../web/js/compare.js"),
    include_str!("../../web/js/report.js"),
    include_str!("../../web/js/app.js"),
    "})();\n"
);

const SHELL: &str = include_str!("../../web/index.html");

/// Every file: its path, content type and bytes.
pub const FILES: &[(&str, &str, &[u8])] = &[
    ("/web/app.js", "text/javascript; charset=utf-8", APP_JS.as_bytes()),
    ("/web/app.css", "text/css; charset=utf-8", include_bytes!("../../web/app.css")),
    ("/web/leaflet.js", "text/javascript; charset=utf-8", include_bytes!("../../web/vendor/leaflet/leaflet.js")),
    ("/web/leaflet.css", "text/css; charset=utf-8", include_bytes!("../../web/vendor/leaflet/leaflet.css")),
    ("/web/leaflet-LICENSE.txt", "text/plain; charset=utf-8", include_bytes!("../../web/vendor/leaflet/LICENSE")),
    ("/web/icon.svg", "image/svg+xml", include_bytes!("../../web/icon.svg")),
];

/// What the page may load: its own files and API, images from anywhere (tiles, photos).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src * data: blob:; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'self'";

/// A hash of every file, in the shell's links.
fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        FILES.iter().for_each(|(path, _, bytes)| {
            hasher.write(path.as_bytes());
            hasher.write(bytes);
        });
        format!("{:012x}", hasher.finish() >> 16)
    })
}

/// The shell with each file's versioned address.
fn shell_html() -> &'static str {
    static HTML: OnceLock<String> = OnceLock::new();
    HTML.get_or_init(|| SHELL.replace("{{version}}", version()))
}

/// The page: every view starts from this shell.
pub async fn shell() -> Response {
    let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], shell_html()).into_response();
    let headers = response.headers_mut();
    // Revalidated each time (a 304 by its ETag), so a new build's files are picked up.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

/// One of the files, kept by browsers for good (its address changes with its content).
pub async fn file(request: Request) -> Response {
    let path = request.uri().path();
    let Some((_, kind, bytes)) = FILES.iter().find(|(p, _, _)| *p == path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = ([(header::CONTENT_TYPE, *kind)], *bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// Each file's size as served and gzip-compressed at the server's level (4): the page's
/// weight, for `fed311 bench web`.
pub fn sizes() -> Vec<(&'static str, usize, usize)> {
    let shell = ("/ (the shell)", shell_html().as_bytes());
    let files = FILES.iter().map(|(path, _, bytes)| (*path, *bytes));
    std::iter::once(shell).chain(files).map(|(path, bytes)| (path, bytes.len(), gzip(bytes))).collect()
}

fn gzip(bytes: &[u8]) -> usize {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(4));
    let _ = encoder.write_all(bytes);
    encoder.finish().map_or(0, |v| v.len())
}

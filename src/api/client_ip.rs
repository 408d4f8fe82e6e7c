//! Who the client is. Without proxies it is the peer address. Behind a reverse proxy every
//! call comes from the proxy, so when the peer is one of the operator's trusted proxies
//! (`--trusted-proxies`, CIDRs) the client is read from `Forwarded` (RFC 7239 `for=`) or,
//! without it, `X-Forwarded-For`: the nearest address in the chain that is not itself a
//! trusted proxy. Those headers are ignored from anyone else, who could write anything in
//! them. The rate limit counts calls by this address.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use tower_governor::GovernorError;
use tower_governor::key_extractor::KeyExtractor;

use super::HttpSettings;

/// The client's address, as resolved for this request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Middleware: puts the [`ClientIp`] in the request's extensions (none when the server was
/// started without peer addresses).
pub async fn resolve(State(http): State<Arc<HttpSettings>>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if let Some(peer) = peer {
        let client = client_of(peer, request.headers(), &http.trusted_proxies);
        request.extensions_mut().insert(ClientIp(client));
    }
    next.run(request).await
}

/// The client behind `peer`, trusting the forwarding headers only from `trusted` proxies.
pub fn client_of(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    // From the nearest hop outwards: each trusted proxy vouches for the one before it.
    for hop in forwarded_chain(headers).into_iter().rev() {
        match hop {
            Some(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            // `unknown`, an obfuscated name or garbage: nobody vouches further.
            None => break,
        }
    }
    client
}

/// The addresses a request passed through, farthest first: `Forwarded`'s `for=` values
/// when it is present, else `X-Forwarded-For`'s; `None` for a hop that is not an address.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(String::from)
            .collect()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        let for_value = |element: &String| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                key.trim().eq_ignore_ascii_case("for").then(|| value.trim().trim_matches('"').to_string())
            })
        };
        return forwarded.iter().filter_map(for_value).map(|v| address(&v)).collect();
    }
    values("x-forwarded-for").iter().map(|v| address(v.trim())).collect()
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
/// `[2001:db8::1]:4711`.
fn address(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(socket.ip().to_canonical());
    }
    let bracketed = text.strip_prefix('[')?.split(']').next()?;
    bracketed.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

/// The rate limiter's key: the resolved client address.
#[derive(Debug, Clone, Copy)]
pub struct ClientKey;

impl KeyExtractor for ClientKey {
    type Key = IpAddr;

    fn extract<T>(&self, request: &axum::http::Request<T>) -> Result<IpAddr, GovernorError> {
        let resolved = request.extensions().get::<ClientIp>().map(|c| c.0);
        let peer = || request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        resolved.or_else(peer).ok_or(GovernorError::UnableToExtractKey)
    }
}

/// Reads a comma list of CIDRs (`10.0.0.0/8, 192.168.1.7`; a bare address is one host).
pub fn parse_cidrs(text: &str) -> Result<Vec<IpNet>, String> {
    let parse = |item: &str| {
        item.parse::<IpNet>()
            .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
            .map_err(|_| format!("`{item}` is not an address or CIDR like 10.0.0.0/8"))
    };
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap())).collect()
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let trusted = parse_cidrs("10.0.0.0/8, ::1").unwrap();
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        let stranger: IpAddr = "203.0.113.9".parse().unwrap();
        let xff = headers(&[("x-forwarded-for", "198.51.100.7, 10.9.9.9")]);
        assert_eq!(client_of(proxy, &xff, &trusted), "198.51.100.7".parse::<IpAddr>().unwrap());
        assert_eq!(client_of(stranger, &xff, &trusted), stranger, "ignored from anyone else");
        let spoofed = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.7")]);
        assert_eq!(client_of(proxy, &spoofed, &trusted), "198.51.100.7".parse::<IpAddr>().unwrap());
        let forwarded = headers(&[("forwarded", "for=192.0.2.60;proto=https, for=\"[2001:db8::1]:4711\"")]);
        assert_eq!(client_of(proxy, &forwarded, &trusted), "2001:db8::1".parse::<IpAddr>().unwrap());
        let unknown = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(client_of(proxy, &unknown, &trusted), proxy);
        assert!(parse_cidrs("10.0.0.0/33").is_err());
    }
}

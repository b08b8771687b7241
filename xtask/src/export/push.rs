//! `--push URL`: the Prometheus exposition sent to a Pushgateway, one group per target
//! (`PUT URL/metrics/job/benchmatrix/target/<target>`), over a minimal HTTP/1.1 client on
//! std's TcpStream (plain http only; the gateway's reply is bounded and shown escaped).

use super::escape::visible;
use super::prometheus::Prometheus;
use super::Exporter;
use crate::error::BadInput;
use crate::results::Results;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long a connect, a write or a read may take before the push gives up.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a reply that is read (a push's reply is a line; a gateway's /metrics more).
const REPLY_LIMIT: u64 = 8 * 1024 * 1024;

/// An `http://host:port[/prefix]` URL, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub host: String,
    pub port: u16,
    /// Without a trailing slash (`""` for none).
    pub prefix: String,
}

impl std::str::FromStr for Url {
    type Err = BadInput;

    fn from_str(s: &str) -> Result<Url, BadInput> {
        let bad = |why: &str| BadInput(format!("--push {s}: {why}; give http://HOST:PORT (e.g. http://127.0.0.1:9091)"));
        let rest = s
            .strip_prefix("http://")
            .ok_or_else(|| bad(if s.starts_with("https://") { "https is not supported" } else { "not an http:// URL" }))?;
        let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad("the port is not a number from 1 to 65535"))?),
            None => (authority, 80),
        };
        if host.is_empty() || port == 0 || authority.contains('@') {
            return Err(bad("no host"));
        }
        Ok(Url {
            host: host.to_string(),
            port,
            prefix: path.trim_end_matches('/').split('/').filter(|p| !p.is_empty()).map(|p| format!("/{p}")).collect(),
        })
    }
}

/// A grouping-key value in the path: as it is when it is plain, else `@base64` (URL-safe),
/// which the Pushgateway decodes (so `/`, spaces and quotes in a target name are fine).
pub fn path_segment(label: &str, value: &str) -> String {
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
        format!("{label}/{value}")
    } else {
        format!("{label}@base64/{}", base64_url(value.as_bytes()))
    }
}

/// URL-safe base64 with padding, as the Pushgateway's `@base64` grouping keys take it.
fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

/// One HTTP/1.1 request; returns the status code and the (bounded) body.
pub fn request(url: &Url, method: &str, path: &str, body: &[u8]) -> anyhow::Result<(u16, String)> {
    let addr = (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(|e| anyhow::anyhow!("cannot resolve {}:{}: {e}", url.host, url.port))?
        .next()
        .ok_or_else(|| anyhow::anyhow!("{} resolves to no address", url.host))?;
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)
        .map_err(|e| anyhow::anyhow!("cannot connect to {addr}: {e} (is the Pushgateway running?)"))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        url.host,
        url.port,
        body.len()
    );
    stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body)).map_err(|e| anyhow::anyhow!("sending to {addr}: {e}"))?;
    let mut reply = Vec::new();
    // A server that answers before reading the whole body (a 404 for a bad path) may reset
    // the connection after its reply: what arrived before the reset is the answer.
    if let Err(e) = stream.take(REPLY_LIMIT).read_to_end(&mut reply) {
        if reply.is_empty() {
            anyhow::bail!("reading the reply of {addr}: {e}");
        }
    }
    let text = String::from_utf8_lossy(&reply);
    let status_line = text.lines().next().unwrap_or("");
    let code =
        status_line.strip_prefix("HTTP/1.").and_then(|r| r.get(2..5)).and_then(|c| c.parse::<u16>().ok()).ok_or_else(|| {
            anyhow::anyhow!("{addr} did not answer HTTP: {}", visible(&status_line.chars().take(200).collect::<String>()))
        })?;
    let split = reply.windows(4).position(|w| w == b"\r\n\r\n").map_or(reply.len(), |i| i + 4);
    let (head, body) = (String::from_utf8_lossy(&reply[..split]), &reply[split..]);
    let chunked = head.lines().any(|l| l.to_ascii_lowercase().replace(' ', "") == "transfer-encoding:chunked");
    Ok((code, String::from_utf8_lossy(&if chunked { dechunk(body) } else { body.to_vec() }).into_owned()))
}

/// A chunked body's chunks joined (a truncated one is kept as far as it goes).
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&body[..eol]);
        let Ok(n) = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16) else { break };
        let rest = &body[eol + 2..];
        if n == 0 {
            break;
        }
        out.extend_from_slice(&rest[..n.min(rest.len())]);
        body = rest.get(n..).map_or(&[][..], |r| r.strip_prefix(b"\r\n").unwrap_or(r));
    }
    out
}

/// The run with only one target's cells and budgets (one Pushgateway group).
fn of_target(results: &Results, target: &str) -> Results {
    let mut r = results.clone();
    r.cells.retain(|c| c.id.target == target);
    r.budgets.retain(|b| b.cell.target == target);
    r.targets.retain(|t| t.name == target);
    r.baseline_rerun.clear();
    r
}

/// Pushes every target's exposition; returns the group paths written.
pub fn push(url: &Url, results: &Results) -> anyhow::Result<Vec<String>> {
    let mut targets: Vec<&str> = Vec::new();
    for c in &results.cells {
        if !targets.contains(&c.id.target.as_str()) {
            targets.push(&c.id.target);
        }
    }
    let mut paths = Vec::new();
    for target in targets {
        let body = Prometheus.render(&of_target(results, target))?;
        // The grouping key's value is the label value the exposition carries (control
        // characters made visible): the Pushgateway refuses the two disagreeing.
        let path = format!("{}/metrics/job/benchmatrix/{}", url.prefix, path_segment("target", &visible(target)));
        let (code, reply) = request(url, "PUT", &path, body.as_bytes())?;
        if !(200..300).contains(&code) {
            anyhow::bail!(
                "the Pushgateway at {}:{} refused PUT {path} with HTTP {code}: {}",
                url.host,
                url.port,
                visible(reply.trim().chars().take(500).collect::<String>().as_str())
            );
        }
        paths.push(path);
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_grouping_keys() {
        let u: Url = "http://127.0.0.1:9091/".parse().unwrap();
        assert_eq!(u, Url { host: "127.0.0.1".into(), port: 9091, prefix: String::new() });
        assert_eq!("http://gw/push/".parse::<Url>().unwrap().prefix, "/push");
        for bad in ["https://gw", "gw:9091", "http://:80", "http://gw:x", "http://gw:0"] {
            assert!(bad.parse::<Url>().is_err(), "{bad}");
        }
        assert_eq!(path_segment("target", "rust-1.8"), "target/rust-1.8");
        assert_eq!(path_segment("target", "a/b"), "target@base64/YS9i");
        assert_eq!(base64_url(b"\xfb\xff"), "-_8=");
        assert_eq!(dechunk(b"4\r\nWiki\r\n6;x=y\r\npedia \r\n0\r\n\r\n"), b"Wikipedia ");
    }
}

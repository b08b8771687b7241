//! A chat-client program's report (workloads/chat-client/README.md, "The report"): parsed,
//! checked against what the mock saw, and turned into the same level figures the service mode
//! shows (one plain level and one stream level per concurrency).

use super::mock::MockCounts;
use super::{hdr_base64, hist, ErrorCounts, LevelReport, Mode, Percentiles, ProcessFigures, StreamFigures};

/// The phases, in the order a client runs and prints them.
pub const PHASES: [&str; 6] = ["warmup", "chat", "stream", "rate", "error", "malformed"];

/// At most this many latencies per list: a report is bounded even if a program is not.
const MAX_VALUES: usize = 10_000_000;

/// One level's parameters, as the client is given them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelParams {
    pub concurrency: u32,
    pub warmup: u32,
    pub requests: u32,
    pub streams: u32,
    pub tokens: u32,
    pub content: usize,
    pub probe: u32,
    pub retries: u32,
    pub timeout_ms: u64,
}

impl LevelParams {
    /// The `key=value` arguments of README.md's parameter table (`base` first).
    pub fn args(&self, base: &str) -> Vec<String> {
        vec![
            format!("base={base}"),
            format!("concurrency={}", self.concurrency),
            format!("warmup={}", self.warmup),
            format!("requests={}", self.requests),
            format!("streams={}", self.streams),
            format!("tokens={}", self.tokens),
            format!("content={}", self.content),
            format!("probe={}", self.probe),
            format!("retries={}", self.retries),
            format!("timeout_ms={}", self.timeout_ms),
        ]
    }

    fn count(&self, phase: &str) -> u32 {
        match phase {
            "warmup" => self.warmup,
            "chat" => self.requests,
            "stream" => self.streams,
            _ => self.probe,
        }
    }
}

/// One `phase` line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Phase {
    pub name: String,
    pub requests: u64,
    pub ok: u64,
    pub status: u64,
    pub malformed: u64,
    pub timeout: u64,
    pub connect: u64,
    pub retries: u64,
    pub bytes: u64,
    pub tokens: u64,
    pub checksum: u32,
    pub ns: u64,
}

impl Phase {
    fn errors(&self) -> ErrorCounts {
        ErrorCounts { connect: self.connect, timeout: self.timeout, status: self.status, malformed: self.malformed, verify: 0 }
    }
}

/// A whole report: the phases and the latencies (microseconds) of the measured ok requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub phases: Vec<Phase>,
    pub lat_chat: Vec<u64>,
    pub lat_stream: Vec<u64>,
    pub ttfb_stream: Vec<u64>,
}

impl Report {
    pub fn phase(&self, name: &str) -> Option<&Phase> {
        self.phases.iter().find(|p| p.name == name)
    }

    /// Every request sent, retries included.
    pub fn attempts(&self) -> u64 {
        self.phases.iter().map(|p| p.requests + p.retries).sum()
    }
}

fn phase_line(rest: &str) -> Result<Phase, String> {
    let mut words = rest.split_ascii_whitespace();
    let name = words.next().ok_or("a `phase` line without a name")?;
    if !PHASES.contains(&name) {
        return Err(format!("unknown phase `{}` (phases: {})", crate::verify::excerpt(name, 0), PHASES.join(", ")));
    }
    let mut p = Phase { name: name.to_string(), ..Phase::default() };
    let mut seen = Vec::new();
    for w in words {
        let (k, v) = w.split_once('=').ok_or_else(|| format!("phase {name}: `{}` is not key=value", crate::verify::excerpt(w, 0)))?;
        if k == "checksum" {
            if v.len() != 8 {
                return Err(format!("phase {name}: checksum `{}` is not 8 hex digits", crate::verify::excerpt(v, 0)));
            }
            p.checksum = u32::from_str_radix(v, 16)
                .map_err(|_| format!("phase {name}: checksum `{}` is not 8 hex digits", crate::verify::excerpt(v, 0)))?;
            seen.push("checksum");
            continue;
        }
        let n: u64 = v.parse().map_err(|_| format!("phase {name}: {k}=`{}` is not a count", crate::verify::excerpt(v, 0)))?;
        let slot = match k {
            "requests" => &mut p.requests,
            "ok" => &mut p.ok,
            "status" => &mut p.status,
            "malformed" => &mut p.malformed,
            "timeout" => &mut p.timeout,
            "connect" => &mut p.connect,
            "retries" => &mut p.retries,
            "bytes" => &mut p.bytes,
            "tokens" => &mut p.tokens,
            "ns" => &mut p.ns,
            _ => return Err(format!("phase {name}: unknown key `{}`", crate::verify::excerpt(k, 0))),
        };
        *slot = n;
        seen.push(k);
    }
    for k in ["requests", "ok", "status", "malformed", "timeout", "connect", "retries", "bytes", "tokens", "checksum", "ns"] {
        if !seen.contains(&k) {
            return Err(format!("phase {name}: `{k}=` is missing"));
        }
    }
    Ok(p)
}

/// Parses a report; the error names the first line that is not one.
pub fn parse(text: &str) -> Result<Report, String> {
    let mut r = Report::default();
    for (i, line) in text.lines().enumerate() {
        let at = |e: String| format!("report line {}: {e}", i + 1);
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("phase ") {
            let p = phase_line(rest).map_err(at)?;
            if r.phase(&p.name).is_some() {
                return Err(at(format!("phase {} printed twice", p.name)));
            }
            r.phases.push(p);
            continue;
        }
        let (list, rest) = if let Some(rest) = line.strip_prefix("lat chat") {
            (&mut r.lat_chat, rest)
        } else if let Some(rest) = line.strip_prefix("lat stream") {
            (&mut r.lat_stream, rest)
        } else if let Some(rest) = line.strip_prefix("ttfb stream") {
            (&mut r.ttfb_stream, rest)
        } else {
            return Err(at(format!(
                "`{}` is not a `phase`, `lat chat`, `lat stream` or `ttfb stream` line",
                crate::verify::excerpt(line, 0)
            )));
        };
        if !rest.is_empty() && !rest.starts_with(' ') {
            return Err(at(format!("`{}` is not a known line", crate::verify::excerpt(line, 0))));
        }
        for w in rest.split_ascii_whitespace() {
            if list.len() >= MAX_VALUES {
                return Err(at(format!("more than {MAX_VALUES} latencies")));
            }
            list.push(w.parse().map_err(|_| at(format!("`{}` is not a whole number of microseconds", crate::verify::excerpt(w, 0))))?);
        }
    }
    let names: Vec<&str> = r.phases.iter().map(|p| p.name.as_str()).collect();
    if names != PHASES {
        return Err(format!("the report's phases are [{}], not [{}] in that order", names.join(", "), PHASES.join(", ")));
    }
    Ok(r)
}

/// The differences between the report, what the client was asked, and what the mock saw
/// (README.md, "What the supervisor checks"); empty when they agree.
pub fn check(r: &Report, asked: &LevelParams, mock: &MockCounts) -> Vec<String> {
    let mut diffs = Vec::new();
    let p = |name: &str| r.phase(name).cloned().unwrap_or_default();
    for name in PHASES {
        let ph = p(name);
        let want = u64::from(asked.count(name));
        if ph.requests != want {
            diffs.push(format!("phase {name}: {} requests reported, {want} asked", ph.requests));
        }
        let outcomes = ph.ok + ph.status + ph.malformed + ph.timeout + ph.connect;
        if outcomes != ph.requests {
            diffs.push(format!("phase {name}: {outcomes} outcomes for {} requests", ph.requests));
        }
    }
    for name in ["warmup", "chat", "stream"] {
        let ph = p(name);
        if ph.ok != ph.requests {
            let e = ph.errors();
            diffs.push(format!(
                "phase {name}: {} of {} requests ok (status {}, malformed {}, timeout {}, connect {}); the mock fails none of them",
                ph.ok, ph.requests, e.status, e.malformed, e.timeout, e.connect
            ));
        }
    }
    if mock.bad_requests > 0 {
        diffs.push(format!("the mock saw {} bad requests: {}", mock.bad_requests, mock.first_bad.as_deref().unwrap_or("")));
    }
    let (warm, chat, stream, rate, error, malformed) = (p("warmup"), p("chat"), p("stream"), p("rate"), p("error"), p("malformed"));
    let mut same = |what: &str, client: u64, seen: u64| {
        if client != seen {
            diffs.push(format!("{what}: the client reports {client}, the mock saw {seen}"));
        }
    };
    same("plain chat requests (warm-up + chat)", warm.requests + warm.retries + chat.requests + chat.retries, mock.chat);
    same("chat checksum (warm-up + chat)", u64::from(warm.checksum.wrapping_add(chat.checksum)), u64::from(mock.chat_sum));
    same("stream requests", stream.requests + stream.retries, mock.stream);
    same("stream checksum", u64::from(stream.checksum), u64::from(mock.stream_sum));
    same("stream tokens", stream.tokens, mock.stream_tokens);
    same("rate-route attempts (requests + retries)", rate.requests + rate.retries, mock.rate);
    // A request that used up its retries ends as a status error after its last 429.
    same("429s (retries + requests that gave up)", rate.retries + rate.status, mock.rate_429);
    same("rate-route successes", rate.ok, mock.rate_ok);
    same("rate-route checksum", u64::from(rate.checksum), u64::from(mock.rate_sum));
    same("error-route status errors", error.status, mock.error);
    same("malformed-route malformed answers", malformed.malformed, mock.malformed);
    same("requests to unknown paths", 0, mock.other);
    if error.retries + malformed.retries > 0 {
        diffs.push("a 500 or a malformed answer was retried (only 429s may be)".into());
    }
    let tokens = u64::from(asked.streams) * u64::from(asked.tokens);
    if stream.ok == stream.requests && stream.tokens != tokens {
        diffs.push(format!("stream tokens: {} reported, {tokens} due", stream.tokens));
    }
    for (what, n, ok) in [
        ("lat chat", r.lat_chat.len(), chat.ok),
        ("lat stream", r.lat_stream.len(), stream.ok),
        ("ttfb stream", r.ttfb_stream.len(), stream.ok),
    ] {
        if n as u64 != ok {
            diffs.push(format!("{n} `{what}` values for {ok} ok requests"));
        }
    }
    diffs
}

fn percentiles(us: &[u64]) -> anyhow::Result<(Percentiles, String)> {
    let mut h = hist();
    for &v in us {
        h.record(v.saturating_mul(1000).clamp(1, h.high()))?;
    }
    Ok((Percentiles::of(&h), hdr_base64(&h)?))
}

fn level(c: u32, ph: &Phase, lat: &[u64], bytes_from: &Phase) -> anyhow::Result<LevelReport> {
    let (latency, latency_hdr) = percentiles(lat)?;
    let secs = ph.ns.max(1) as f64 / 1e9;
    Ok(LevelReport {
        concurrency: c,
        mode: Mode::Closed,
        requests: ph.requests,
        ok: ph.ok,
        errors: ph.errors(),
        measured_ns: ph.ns.max(1),
        rps: ph.ok as f64 / secs,
        bytes_per_s: bytes_from.bytes as f64 / secs,
        latency,
        latency_hdr,
        uncorrected: None,
        late: 0,
        stream: None,
        first_error: None,
        reconnects: 0,
        client_cpu_us: 0,
        process: None,
    })
}

/// The level figures of one client process: its chat phase (carrying the process's launcher
/// figures) and, when it streamed, its stream phase. The client reports TTFB and end-to-end
/// times only, so the gaps between tokens are not known (empty percentiles).
pub fn levels(r: &Report, c: u32, process: ProcessFigures) -> anyhow::Result<Vec<LevelReport>> {
    let chat = r.phase("chat").cloned().unwrap_or_default();
    let mut plain = level(c, &chat, &r.lat_chat, &chat)?;
    plain.process = Some(process);
    let mut out = vec![plain];
    let stream = r.phase("stream").cloned().unwrap_or_default();
    if stream.requests > 0 {
        let mut s = level(c, &stream, &r.lat_stream, &stream)?;
        let (ttft, _) = percentiles(&r.ttfb_stream)?;
        s.stream = Some(StreamFigures {
            ttft,
            itl: Percentiles::default(),
            tpot: Percentiles::default(),
            e2el: s.latency.clone(),
            tokens_per_s: stream.tokens as f64 / (stream.ns.max(1) as f64 / 1e9),
        });
        out.push(s);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked() -> LevelParams {
        LevelParams { concurrency: 2, warmup: 2, requests: 3, streams: 1, tokens: 2, content: 10, probe: 1, retries: 3, timeout_ms: 1000 }
    }

    const GOOD: &str = "\
phase warmup requests=2 ok=2 status=0 malformed=0 timeout=0 connect=0 retries=0 bytes=500 tokens=0 checksum=00000002 ns=100
phase chat requests=3 ok=3 status=0 malformed=0 timeout=0 connect=0 retries=0 bytes=750 tokens=0 checksum=00000003 ns=3000000
phase stream requests=1 ok=1 status=0 malformed=0 timeout=0 connect=0 retries=0 bytes=300 tokens=2 checksum=0000000a ns=2000000
phase rate requests=1 ok=1 status=0 malformed=0 timeout=0 connect=0 retries=1 bytes=250 tokens=0 checksum=0000000b ns=20000000
phase error requests=1 ok=0 status=1 malformed=0 timeout=0 connect=0 retries=0 bytes=60 tokens=0 checksum=00000000 ns=100
phase malformed requests=1 ok=0 status=0 malformed=1 timeout=0 connect=0 retries=0 bytes=40 tokens=0 checksum=00000000 ns=100
lat chat 1000 1100
lat chat 1200
lat stream 2000
ttfb stream 900
";

    fn mock() -> MockCounts {
        MockCounts {
            chat: 5,
            chat_sum: 5,
            stream: 1,
            stream_sum: 10,
            stream_tokens: 2,
            rate: 2,
            rate_429: 1,
            rate_ok: 1,
            rate_sum: 11,
            error: 1,
            malformed: 1,
            ..MockCounts::default()
        }
    }

    #[test]
    fn a_good_report_parses_and_agrees_with_the_mock() {
        let r = parse(GOOD).unwrap();
        assert_eq!(r.lat_chat, [1000, 1100, 1200]);
        assert_eq!(r.attempts(), 10);
        assert_eq!(check(&r, &asked(), &mock()), Vec::<String>::new());
        let levels = levels(&r, 2, ProcessFigures::default()).unwrap();
        assert_eq!(levels.len(), 2);
        assert!((levels[0].rps - 1000.0).abs() < 1e-6, "3 ok in 3 ms");
        assert!((levels[0].latency.p50 - 1100.0).abs() < 2.0, "{:?}", levels[0].latency);
        let s = levels[1].stream.as_ref().unwrap();
        assert!((s.ttft.p50 - 900.0).abs() < 1.0 && s.itl.count == 0);
    }

    #[test]
    fn each_disagreement_is_named() {
        let r = parse(GOOD).unwrap();
        type Change = fn(&mut MockCounts);
        let cases: [(&str, Change); 5] = [
            ("chat checksum", |m| m.chat_sum = 6),
            ("stream tokens", |m| m.stream_tokens = 3),
            ("429s", |m| m.rate_429 = 2),
            ("bad requests", |m| {
                m.bad_requests = 1;
                m.first_bad = Some("content is 9 bytes".into())
            }),
            ("error-route", |m| m.error = 0),
        ];
        for (what, change) in cases {
            let mut m = mock();
            change(&mut m);
            let diffs = check(&r, &asked(), &m);
            assert!(diffs.iter().any(|d| d.contains(what)), "{what}: {diffs:?}");
        }
        let fewer = LevelParams { requests: 4, ..asked() };
        assert!(check(&r, &fewer, &mock()).iter().any(|d| d.contains("3 requests reported, 4 asked")));
        let lost = parse(&GOOD.replace("lat chat 1200\n", "")).unwrap();
        assert!(check(&lost, &asked(), &mock()).iter().any(|d| d.contains("2 `lat chat` values for 3 ok")));
    }

    #[test]
    fn broken_reports_are_refused_with_the_line() {
        for (text, says) in [
            ("hello\n", "report line 1: `hello` is not"),
            ("phase chat requests=x\n", "requests=`x` is not a count"),
            ("phase chat requests=1\n", "`ok=` is missing"),
            ("phase lunch requests=1\n", "unknown phase `lunch`"),
            ("lat chat 12 -3\n", "`-3` is not a whole number"),
            ("lat chatty 1\n", "is not a known line"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(says), "{text:?}: {e}");
        }
        assert!(parse(&GOOD.replace("phase error", "phase rate")).unwrap_err().contains("printed twice"));
        let missing: String = GOOD.lines().filter(|l| !l.starts_with("phase malformed")).map(|l| format!("{l}\n")).collect();
        assert!(parse(&missing).unwrap_err().contains("not [warmup, chat"));
    }
}

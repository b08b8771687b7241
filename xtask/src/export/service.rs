//! Service and client workloads in the report and the terminal: per workload, a table of every
//! target's throughput and latency per load level, the streams, memory and CPU per request, the
//! held streams (servers), the error-route verdict, and two line charts (RPS and p99 against
//! concurrency, one line per target). These columns stay out of the batch matrix: a server's
//! wall time is how long it was kept up, a client's the sum of its levels, not results.

use super::view;
use crate::analysis::service::{LevelStats, ServiceStats};
use crate::records::Status;
use crate::results::{Cell, Results};
use crate::spec::workload::Kind;
use crate::stats::Summary;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ServiceSection {
    pub workload: String,
    /// "Service under load: chat-service" or "Client against the mock: chat-client".
    pub heading: String,
    /// What was measured and how, in words (before the settings).
    pub intro: String,
    /// The columns after the levels ("idle RSS", "streams", ...), matching each row's `extras`.
    pub extra_heads: Vec<String>,
    /// The columns after the target's: levels and extras (a failed row spans them).
    pub span: usize,
    /// The load settings, in words (levels, durations, payload).
    pub settings: String,
    pub levels: Vec<String>,
    /// The targets that served (or failed to): not-implemented and skipped ones are only
    /// named, in `not_measured`, so they do not bury the figures.
    pub rows: Vec<ServiceRow>,
    /// "csharp, haxe-js (not-implemented: …)", one line per status and reason.
    pub not_measured: Vec<String>,
    pub charts: Vec<LineChart>,
}

#[derive(Debug, Serialize)]
pub struct ServiceRow {
    pub target: String,
    pub status: String,
    /// Why the cell is not ok (untrusted: escaped by the template).
    pub reason: Option<String>,
    /// One per level: "12 300/s · p50 0.10 ms · p99 0.90 ms".
    pub levels: Vec<LevelCell>,
    pub idle_rss: String,
    pub stream: String,
    pub hold: String,
    pub routes: String,
    /// The values under `extra_heads`.
    pub extras: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct LevelCell {
    /// The median requests per second, for sorting.
    pub sort: String,
    pub rps: String,
    pub latency: String,
    pub resources: String,
}

#[derive(Debug, Serialize)]
pub struct LineChart {
    pub title: String,
    pub width: u32,
    pub height: u32,
    pub series: Vec<Series>,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
}

#[derive(Debug, Serialize)]
pub struct Series {
    pub target: String,
    /// SVG polyline points, numbers only.
    pub points: String,
    pub hue: u32,
    /// Where its label goes (the last point).
    pub label_x: String,
    pub label_y: String,
}

#[derive(Debug, Serialize)]
pub struct Tick {
    pub at: String,
    pub label: String,
}

fn rate(x: f64) -> String {
    if x >= 10_000.0 {
        format!("{:.0}k/s", x / 1000.0)
    } else if x >= 1000.0 {
        format!("{:.1}k/s", x / 1000.0)
    } else {
        format!("{x:.0}/s")
    }
}

fn rps(s: &Summary) -> String {
    format!("{} [{}–{}]", rate(s.median), rate(s.median_ci.lo), rate(s.median_ci.hi))
}

fn level_cell(l: &LevelStats) -> LevelCell {
    let mut resources = Vec::new();
    if let Some(r) = &l.peak_rss_kib {
        resources.push(format!("RSS {}", view::format_kib(r.median as u64)));
    }
    if let Some(c) = &l.cpu_us_per_request {
        resources.push(format!("{:.1} µs CPU/req", c.median));
    }
    if let Some(m) = &l.mock_busy {
        resources.push(format!("mock {:.0} % busy", m.median * 100.0));
    }
    if l.errors > 0 {
        resources.push(format!("{} errors", l.errors));
    }
    if l.late > 0 {
        resources.push(format!("{} late", l.late));
    }
    let mut latency = format!("p50 {} · p99 {}", view::format_ms(l.p50_ms.median), view::format_ms(l.p99_ms.median));
    if let Some(u) = &l.uncorrected_p99_ms {
        latency.push_str(&format!(" (uncorrected p99 {})", view::format_ms(u.median)));
    }
    if let Some(t) = &l.ttft_p50_ms {
        latency.push_str(&format!(" · TTFT p50 {}", view::format_ms(t.median)));
    }
    LevelCell { sort: format!("{}", l.rps.median), rps: rps(&l.rps), latency, resources: resources.join(" · ") }
}

fn stream_text(s: &ServiceStats) -> String {
    s.levels
        .iter()
        .find(|l| l.stream)
        .map(|l| {
            let f = |x: &Option<Summary>| x.as_ref().map_or("–".into(), |v| view::format_ms(v.median));
            format!("TTFT p50 {} · ITL p50 {} · TPOT p50 {} at c={}", f(&l.ttft_p50_ms), f(&l.itl_p50_ms), f(&l.tpot_p50_ms), l.concurrency)
        })
        .unwrap_or_else(|| "–".into())
}

fn hold_text(s: &ServiceStats) -> String {
    let Some(h) = &s.hold else { return "–".into() };
    let limit = if h.allowed < h.asked {
        format!(" (asked {}, this machine's descriptor limit allows {})", h.asked, h.allowed)
    } else {
        String::new()
    };
    let per = h.kib_per_stream.as_ref().map_or(String::new(), |k| format!(" · {:.1} KiB/stream", k.median));
    format!(
        "{:.0} held{limit}, {} failed · TTFB p50 {} p99 {}{per}",
        h.held.median,
        h.failed,
        view::format_ms(h.ttfb_p50_ms.median),
        view::format_ms(h.ttfb_p99_ms.median)
    )
}

fn service_of(c: &Cell) -> Option<&ServiceStats> {
    c.summary.as_ref()?.service.as_ref()
}

fn hue(i: usize) -> u32 {
    ((i * 137) % 360) as u32
}

/// Moves the end-of-line labels apart (at least 11 px, in the order of their lines' ends) so
/// that lines ending close together keep readable labels.
fn spread_labels(series: &mut [Series]) {
    let mut order: Vec<(usize, f64)> = series.iter().enumerate().map(|(i, s)| (i, s.label_y.parse().unwrap_or(0.0))).collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut last = f64::NEG_INFINITY;
    for (i, y) in order {
        let y = y.max(last + 11.0);
        series[i].label_y = format!("{y:.1}");
        last = y;
    }
}

/// One line per target of `value` against the closed-loop (non-stream) levels.
fn chart(title: &str, levels: &[(usize, u32)], cells: &[(String, &ServiceStats)], value: impl Fn(&LevelStats) -> f64) -> LineChart {
    let (width, height, left, bottom, top, right) = (520.0, 220.0, 56.0, 28.0, 12.0, 90.0);
    let max = cells.iter().flat_map(|(_, s)| levels.iter().filter_map(|(i, _)| s.levels.get(*i).map(&value))).fold(0.0, f64::max);
    let max = if max > 0.0 { max * 1.1 } else { 1.0 };
    let n = levels.len().max(2) - 1;
    let x = |k: usize| left + (width - left - right) * k as f64 / n as f64;
    let y = |v: f64| top + (height - top - bottom) * (1.0 - v / max);
    let mut series: Vec<Series> = cells
        .iter()
        .enumerate()
        .filter_map(|(j, (target, s))| {
            let pts: Vec<(f64, f64)> =
                levels.iter().enumerate().filter_map(|(k, (i, _))| s.levels.get(*i).map(|l| (x(k), y(value(l))))).collect();
            let last = *pts.last()?;
            Some(Series {
                target: target.clone(),
                points: pts.iter().map(|(a, b)| format!("{a:.1},{b:.1}")).collect::<Vec<_>>().join(" "),
                hue: hue(j),
                label_x: format!("{:.1}", last.0 + 6.0),
                label_y: format!("{:.1}", last.1 + 4.0),
            })
        })
        .collect();
    spread_labels(&mut series);
    let x_ticks = levels.iter().enumerate().map(|(k, (_, c))| Tick { at: format!("{:.1}", x(k)), label: format!("c={c}") }).collect();
    let y_ticks = (0..=4)
        .map(|t| {
            let v = max * t as f64 / 4.0;
            Tick { at: format!("{:.1}", y(v)), label: if title.starts_with("throughput") { rate(v) } else { view::format_ms(v) } }
        })
        .collect();
    LineChart { title: title.into(), width: width as u32, height: height as u32, series, x_ticks, y_ticks }
}

const SERVICE_INTRO: &str = "Each target's server, started under the supervisor and loaded by benchmatrix's load generator over loopback. Requests per second are medians over runs with their bootstrap 95 % interval; latency is from just before a request is written to its last byte (open-loop levels: from the time it was due). Every answer is verified. Definitions in METHODOLOGY.md, \"Service measurement\".";
const CLIENT_INTRO: &str = "Each target's HTTP client, one fresh process per concurrency level under the launcher, sending the same requests to the supervisor's mock API (fixed latency, on one thread of the supervisor). Requests per second are the chat phase's, medians over runs with their bootstrap 95 % interval; latency is measured by the client, from handing a request to its HTTP client to having read and checked the answer; RSS and CPU per request are the client process's (launcher), the mock's share of a core shows when the mock set the pace. Every client's counts and checksums are checked against the mock's. Definitions in METHODOLOGY.md, \"Client measurement\".";

/// "c=32 46k/s p99 1.2 ms": a target's server at its busiest closed level, for the client
/// table's "this language's server" column.
fn server_of(results: &Results, target: &str) -> Option<String> {
    let service = results
        .workloads
        .iter()
        .filter(|w| w.kind == Kind::Service)
        .find_map(|w| results.cells.iter().find(|c| c.id.workload == w.name && c.id.target == target && c.status == Status::Ok))?;
    let best = service_of(service)?
        .levels
        .iter()
        .filter(|l| !l.stream && l.open_rate.is_none())
        .max_by(|a, b| a.rps.median.total_cmp(&b.rps.median))?;
    Some(format!(
        "{}: {} at c={}, p99 {}",
        service.id.workload,
        rate(best.rps.median),
        best.concurrency,
        view::format_ms(best.p99_ms.median)
    ))
}

fn client_settings(c: &crate::spec::workload::ClientSpec) -> String {
    format!(
        "concurrency {:?}, each level {} warm-up + {} measured plain requests, {} streams of {} tokens, {} requests to each error route (up to {} retries after a 429), payload {} ({} bytes); the mock answers after {} µs and sends a stream event every {} µs",
        c.concurrency,
        c.warmup,
        c.requests,
        c.streams,
        c.stream_tokens,
        c.probe,
        c.retries,
        c.payload,
        c.payload_bytes,
        c.latency.as_micros(),
        c.chunk.as_micros()
    )
}

/// The sections of every service and client workload with at least one cell.
pub fn sections(results: &Results) -> Vec<ServiceSection> {
    results
        .workloads
        .iter()
        .filter(|w| !w.kind.is_batch())
        .filter_map(|w| {
            let client = w.kind == Kind::Client;
            let cells: Vec<&Cell> = results.cells.iter().filter(|c| c.id.workload == w.name).collect();
            if cells.is_empty() {
                return None;
            }
            let measured: Vec<(String, &ServiceStats)> =
                cells.iter().filter(|c| c.status == Status::Ok).filter_map(|c| Some((c.id.target.clone(), service_of(c)?))).collect();
            let template = measured.first().map(|(_, s)| *s);
            let levels: Vec<String> = template.map(|s| s.levels.iter().map(|l| l.label.clone()).collect()).unwrap_or_default();
            let closed: Vec<(usize, u32)> = template
                .map(|s| {
                    s.levels
                        .iter()
                        .enumerate()
                        .filter(|(_, l)| !l.stream && l.open_rate.is_none())
                        .map(|(i, l)| (i, l.concurrency))
                        .collect()
                })
                .unwrap_or_default();
            let unmeasured = |c: &&&Cell| matches!(c.status, Status::NotImplemented | Status::Skipped);
            let mut not_measured: Vec<(String, Vec<String>)> = Vec::new();
            for c in cells.iter().filter(unmeasured) {
                let why = format!("{}: {}", c.status.as_str(), c.reason.as_deref().map_or("", view::first_line));
                match not_measured.iter_mut().find(|(w, _)| *w == why) {
                    Some((_, targets)) => targets.push(c.id.target.clone()),
                    None => not_measured.push((why, vec![c.id.target.clone()])),
                }
            }
            let not_measured = not_measured.into_iter().map(|(why, targets)| format!("{} ({why})", targets.join(", "))).collect();
            let rows = cells
                .iter()
                .filter(|c| !unmeasured(c))
                .map(|c| {
                    let s = service_of(c).filter(|_| c.status == Status::Ok);
                    let stream = s.map_or("–".into(), stream_text);
                    let routes: String = s.map_or("–".into(), |s| if s.routes_pass { "all pass".into() } else { "FAIL".into() });
                    let extras = if client {
                        // Each stream level's cell already has its TTFT (the gaps a client does not see).
                        vec![routes.clone(), server_of(results, &c.id.target).unwrap_or_else(|| "–".into())]
                    } else {
                        let idle = s.and_then(|s| s.idle_rss_kib.as_ref()).map_or("–".into(), |r| view::format_kib(r.median as u64));
                        vec![idle, stream.clone(), s.map_or("–".into(), hold_text), routes.clone()]
                    };
                    ServiceRow {
                        target: c.id.target.clone(),
                        status: c.status.as_str().into(),
                        reason: c.reason.as_deref().map(|r| view::first_line(r).chars().take(300).collect()),
                        levels: s.map(|s| s.levels.iter().map(level_cell).collect()).unwrap_or_default(),
                        idle_rss: s.and_then(|s| s.idle_rss_kib.as_ref()).map_or("–".into(), |r| view::format_kib(r.median as u64)),
                        stream,
                        hold: s.map_or("–".into(), hold_text),
                        routes,
                        extras,
                    }
                })
                .collect();
            let load_settings = w.load.as_ref().map(|l| {
                format!(
                    "closed loop at c = {:?}, {} s warm-up + {} s measured per level, payload {} ({} bytes){}{}",
                    l.concurrency,
                    l.warmup.as_secs_f64(),
                    l.measure.as_secs_f64(),
                    l.payload,
                    l.payload_bytes,
                    if l.stream_tokens > 0 { format!(", streams of {} tokens", l.stream_tokens) } else { String::new() },
                    if l.hold_streams > 0 { format!(", {} held streams", l.hold_streams) } else { String::new() },
                )
            });
            let settings = load_settings.or_else(|| w.client.as_ref().map(client_settings)).unwrap_or_default();
            let (heading, intro, extra_heads) = if client {
                (
                    format!("Client against the mock: {}", w.name),
                    CLIENT_INTRO,
                    vec!["error routes".to_string(), "this language's server".into()],
                )
            } else {
                (
                    format!("Service under load: {}", w.name),
                    SERVICE_INTRO,
                    vec!["idle RSS".to_string(), "streams".into(), "held streams".into(), "error routes".into()],
                )
            };
            let charts = if closed.len() >= 2 && !measured.is_empty() {
                vec![
                    chart("throughput (requests/s) against concurrency", &closed, &measured, |l| l.rps.median),
                    chart("p99 latency against concurrency", &closed, &measured, |l| l.p99_ms.median),
                ]
            } else {
                Vec::new()
            };
            Some(ServiceSection {
                workload: w.name.clone(),
                heading,
                intro: intro.into(),
                span: levels.len() + extra_heads.len(),
                extra_heads,
                settings,
                levels,
                rows,
                not_measured,
                charts,
            })
        })
        .collect()
}

/// Terminal lines: "chat-service × rust: c=1 9.1k/s p99 0.2 ms · c=8 … · idle RSS 3.1 MiB".
pub fn lines(results: &Results) -> Vec<String> {
    let mut out = Vec::new();
    for section in sections(results) {
        for row in &section.rows {
            if row.levels.is_empty() {
                out.push(format!(
                    "{} × {}: {}{}",
                    section.workload,
                    row.target,
                    row.status,
                    row.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
                ));
                continue;
            }
            let levels: Vec<String> =
                section.levels.iter().zip(&row.levels).map(|(name, l)| format!("{name} {} {}", l.rps, l.latency)).collect();
            let tail = if section.heading.starts_with("Client") {
                format!("routes {}", row.routes)
            } else {
                format!("idle RSS {} · routes {}", row.idle_rss, row.routes)
            };
            out.push(format!("{} × {}: {} · {tail}", section.workload, row.target, levels.join(" | ")));
        }
        out.extend(section.not_measured.iter().map(|l| format!("{} not measured: {l}", section.workload)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_of_lines_ending_together_are_moved_apart() {
        let s = |y: &str| Series { target: "t".into(), points: String::new(), hue: 0, label_x: "0".into(), label_y: y.into() };
        let mut series = vec![s("50.0"), s("52.0"), s("100.0"), s("51.0")];
        spread_labels(&mut series);
        let ys: Vec<&str> = series.iter().map(|x| x.label_y.as_str()).collect();
        assert_eq!(ys, ["50.0", "72.0", "100.0", "61.0"], "11 px apart in the order of the lines' ends; a label far away stays");
    }
}

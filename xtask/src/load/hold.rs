//! Many concurrent SSE streams held open at once (the connection-count axis).

use super::{body, exchange, Percentiles, RequestSpec, Route};
use http_body_util::{BodyExt, Full};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldReport {
    pub asked: u32,
    /// What the descriptor limit lets this process hold (`asked` when it fits).
    pub allowed: u32,
    pub held: u32,
    pub failed: u32,
    /// Time to the response head, over the streams that got one.
    pub ttfb: Percentiles,
    pub nofile_soft: u64,
    pub nofile_hard: u64,
    pub source_addrs: u32,
    pub note: Option<String>,
    pub first_error: Option<String>,
}

fn raise_nofile() -> (u64, u64) {
    let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut r);
        let want = libc::rlimit { rlim_cur: r.rlim_max, rlim_max: r.rlim_max };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
            r.rlim_cur = r.rlim_max;
        }
    }
    (r.rlim_cur, r.rlim_max)
}

fn ports_per_addr() -> u32 {
    let s = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let v: Vec<u32> = s.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    match v[..] {
        [lo, hi] if hi > lo + 200 => hi - lo + 1 - 100,
        _ => 20_000,
    }
}

/// Opens `n` streams (at most 256 connecting at once), holds them `hold` after the last one
/// opened, then closes them all.
pub fn hold_streams(addr: SocketAddr, n: u32, hold: Duration) -> anyhow::Result<HoldReport> {
    let (soft, hard) = raise_nofile();
    let open_fds = std::fs::read_dir("/proc/self/fd").map(|d| d.count() as u64).unwrap_or(0);
    let allowed = (soft.saturating_sub(open_fds + 64)).min(n as u64) as u32;
    let note = (allowed < n).then(|| format!("asked for {n} streams, the descriptor limit ({soft} soft, {hard} hard, {open_fds} in use) allows {allowed}: held what it allows"));
    let per_addr = ports_per_addr();
    let source_addrs = if addr.ip().is_loopback() && allowed > per_addr { allowed.div_ceil(per_addr) } else { 1 };
    anyhow::ensure!(source_addrs <= 250, "{allowed} streams need {source_addrs} source addresses; at most 250 of 127.0.0.x are used");
    // One event every 250 ms, enough of them to outlast the opening and the hold.
    let delay_us = 250_000u64;
    let max_tokens = ((hold.as_secs() + 300) * 4) as u32;
    let p = body::prepare(&RequestSpec { route: Route::Chat, payload_bytes: 256, stream: true, max_tokens, delay_us });
    let host = hyper::header::HeaderValue::from_str(&addr.to_string())?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async move {
        let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(256));
        // One deadline for the whole opening (10 s + 1 ms per stream): a server that serves
        // only a few streams at a time (a blocking thread pool) fails the rest promptly
        // instead of each waiting out its own timeouts in turn.
        let open_by = tokio::time::Instant::now() + Duration::from_secs(10) + Duration::from_millis(u64::from(allowed));
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let (open_tx, mut open_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        let mut tasks = Vec::new();
        for i in 0..allowed {
            let local = (source_addrs > 1).then(|| IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1 + (i / per_addr) as u8)));
            let (gate, mut stop, open, host, body) = (gate.clone(), stop_rx.clone(), open_tx.clone(), host.clone(), p.body.clone());
            tasks.push(tokio::spawn(async move {
                let opened = tokio::time::timeout_at(open_by, async {
                    let _permit = gate.acquire().await.map_err(|e| e.to_string())?;
                    let t0 = Instant::now();
                    let mut c = tokio::time::timeout(Duration::from_secs(30), exchange::connect(addr, local))
                        .await
                        .map_err(|_| "connect timed out".to_string())?
                        .map_err(|e| e.1)?;
                    let req = hyper::Request::post("/v1/chat/completions")
                        .header("host", host)
                        .header("content-type", "application/json")
                        .body(Full::new(body))
                        .map_err(|e| e.to_string())?;
                    let resp = tokio::time::timeout(Duration::from_secs(30), c.send_request(req))
                        .await
                        .map_err(|_| "no response head within 30 s".to_string())?
                        .map_err(|e| e.to_string())?;
                    if resp.status() != 200 {
                        return Err(format!("status {}", resp.status()));
                    }
                    Ok::<_, String>((t0.elapsed().as_nanos() as u64, resp.into_body(), c))
                })
                .await
                .map_err(|_| "not open by the opening's deadline (10 s + 1 ms per stream)".to_string())
                .and_then(|r| r);
                let _ = open.send(());
                let (ttfb, mut body, _conn) = opened?;
                loop {
                    tokio::select! {
                        _ = stop.changed() => return Ok(ttfb),
                        f = body.frame() => match f {
                            Some(Ok(_)) => {}
                            Some(Err(e)) => return Err(format!("stream broken: {e}")),
                            None => return Err("stream ended before the hold did".into()),
                        }
                    }
                }
            }));
        }
        drop(open_tx);
        let mut opened = 0;
        while opened < allowed && open_rx.recv().await.is_some() {
            opened += 1;
        }
        tokio::time::sleep(hold).await;
        let _ = stop_tx.send(true);
        let mut h = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 3).expect("static bounds");
        let (mut held, mut failed, mut first_error) = (0, 0, None);
        for t in tasks {
            match t.await {
                Ok(Ok(ttfb)) => {
                    held += 1;
                    let _ = h.record(ttfb.max(1));
                }
                Ok(Err(e)) => {
                    failed += 1;
                    first_error.get_or_insert(e.chars().take(300).collect());
                }
                Err(e) => {
                    failed += 1;
                    first_error.get_or_insert(e.to_string());
                }
            }
        }
        Ok(HoldReport {
            asked: n,
            allowed,
            held,
            failed,
            ttfb: Percentiles::of(&h),
            nofile_soft: soft,
            nofile_hard: hard,
            source_addrs,
            note,
            first_error,
        })
    })
}

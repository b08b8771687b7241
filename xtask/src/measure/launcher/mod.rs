//! The launcher process: `xtask __launch <request json>`. It starts one program with
//! `posix_spawn` in its own process group, reaps it with `wait4` on its pid, acts as a child
//! subreaper so orphaned descendants are reaped (continuously) and counted, bounds the number
//! of processes, enforces the timeout on the whole tree, stops the program gracefully on
//! request, captures output with a cap, and prints one `RawRun` as JSON.
//!
//! Never `getrusage(RUSAGE_CHILDREN)`: it accumulates over every child ever reaped.

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
mod shed;
#[cfg(target_os = "linux")]
mod tree;

use super::{RawRun, Request, TimedLine};

/// The hidden first argument that turns the xtask binary into the launcher.
pub const MODE_ARG: &str = "__launch";

/// Upper bound on the bytes of protocol lines kept (they are short; this is a runaway guard).
const PROTOCOL_LIMIT: usize = 4 << 20;
/// Upper bound on the event timestamps kept (the rest are counted as bytes only).
const EVENT_LIMIT: usize = 1 << 20;

/// Entry point of launcher mode. Prints the record and exits 0, or explains on stderr and exits 70.
pub fn main(request_json: &str) -> ! {
    let request: Request = match serde_json::from_str(request_json) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("launcher: bad request: {e}");
            std::process::exit(70);
        }
    };
    match launch(&request) {
        Ok(record) => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            // A supervisor that died meanwhile cannot read it; nothing else is to be done.
            let _ = serde_json::to_writer(&mut lock, &record);
            std::process::exit(0)
        }
        Err(e) => {
            eprintln!("launcher: {e}");
            std::process::exit(70)
        }
    }
}

#[cfg(target_os = "linux")]
fn launch(request: &Request) -> std::io::Result<RawRun> {
    linux::launch(request)
}

#[cfg(not(target_os = "linux"))]
fn launch(_request: &Request) -> std::io::Result<RawRun> {
    Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "the launcher needs Linux (wait4, subreaper, pidfd)"))
}

/// Keeps the first `limit` bytes and counts all of them.
#[derive(Debug)]
pub(crate) struct Capture {
    kept: Vec<u8>,
    total: u64,
    limit: usize,
}

impl Capture {
    pub(crate) fn new(limit: usize) -> Self {
        Capture { kept: Vec::new(), total: 0, limit }
    }

    pub(crate) fn push(&mut self, bytes: &[u8]) {
        self.total += bytes.len() as u64;
        let room = self.limit.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&bytes[..room.min(bytes.len())]);
    }

    pub(crate) fn finish(self) -> (String, u64) {
        (String::from_utf8_lossy(&self.kept).into_owned(), self.total)
    }
}

/// Splits stdout into protocol lines and events (timestamped on arrival) and plain output.
#[derive(Debug)]
pub(crate) struct StdoutSplitter {
    partial: Vec<u8>,
    protocol: Vec<TimedLine>,
    protocol_bytes: usize,
    event_prefix: Option<Vec<u8>>,
    events: Vec<u64>,
    plain: Capture,
    /// Hand protocol lines to the supervisor as they arrive (on this launcher's stderr).
    pub(crate) live: bool,
}

impl StdoutSplitter {
    pub(crate) fn new(limit: usize, event_prefix: Option<&str>) -> Self {
        StdoutSplitter {
            partial: Vec::new(),
            protocol: Vec::new(),
            protocol_bytes: 0,
            event_prefix: event_prefix.map(|p| p.as_bytes().to_vec()),
            events: Vec::new(),
            plain: Capture::new(limit),
            live: false,
        }
    }

    pub(crate) fn feed(&mut self, mut bytes: &[u8], at_ns: u64) {
        while let Some(nl) = bytes.iter().position(|&b| b == b'\n') {
            self.partial.extend_from_slice(&bytes[..nl]);
            self.take_line(at_ns, true);
            bytes = &bytes[nl + 1..];
        }
        self.partial.extend_from_slice(bytes);
        // A line longer than the cap cannot be a protocol line; stop buffering it.
        if self.partial.len() > self.plain.limit {
            let chunk = std::mem::take(&mut self.partial);
            self.plain.push(&chunk);
        }
    }

    fn take_line(&mut self, at_ns: u64, newline: bool) {
        let line = std::mem::take(&mut self.partial);
        let text = line.strip_suffix(b"\r").unwrap_or(&line);
        if let Some(prefix) = &self.event_prefix {
            if text.starts_with(prefix) {
                if self.events.len() < EVENT_LIMIT {
                    self.events.push(at_ns);
                }
                return;
            }
            // Events are separated by blank lines (server-sent events); those are not output.
            if text.is_empty() {
                return;
            }
        }
        if text.starts_with(b"#bm ") && self.protocol_bytes + text.len() <= PROTOCOL_LIMIT {
            self.protocol_bytes += text.len();
            let line = String::from_utf8_lossy(text).into_owned();
            if self.live {
                // One write per line: the supervisor reads them as they come.
                use std::io::Write;
                let _ = std::io::stderr().write_all(format!("live {at_ns} {}\n", line.replace('\n', " ")).as_bytes());
            }
            self.protocol.push(TimedLine { at_ns, line });
        } else {
            self.plain.push(&line);
            if newline {
                self.plain.push(b"\n");
            }
        }
    }

    /// The protocol lines, the event times, the plain output (capped) and its whole length.
    pub(crate) fn finish(mut self, at_ns: u64) -> (Vec<TimedLine>, Vec<u64>, String, u64) {
        if !self.partial.is_empty() {
            self.take_line(at_ns, false);
        }
        let (text, total) = self.plain.finish();
        (self.protocol, self.events, text, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_keeps_the_first_bytes_and_counts_all() {
        let mut c = Capture::new(4);
        c.push(b"abc");
        c.push(b"defg");
        assert_eq!(c.finish(), ("abcd".to_string(), 7));
    }

    #[test]
    fn splitter_separates_protocol_lines_across_chunks() {
        let mut s = StdoutSplitter::new(1024, None);
        s.feed(b"#bm rea", 1);
        s.feed(b"dy\nhello\r\n#bm done\nno newline", 2);
        let (protocol, events, text, total) = s.finish(3);
        assert_eq!(protocol.iter().map(|l| (l.at_ns, l.line.as_str())).collect::<Vec<_>>(), vec![(2, "#bm ready"), (2, "#bm done")]);
        assert!(events.is_empty());
        assert_eq!(text, "hello\r\nno newline");
        assert_eq!(total, text.len() as u64);
    }

    #[test]
    fn splitter_does_not_buffer_a_runaway_line() {
        let mut s = StdoutSplitter::new(8, None);
        s.feed(&[b'x'; 100], 1);
        let (_, _, text, total) = s.finish(2);
        assert_eq!(text.len(), 8);
        assert_eq!(total, 100);
    }

    #[test]
    fn events_are_timestamped_and_kept_out_of_the_output() {
        let mut s = StdoutSplitter::new(1024, Some("data: "));
        s.feed(b"#bm ready\ndata: {\"i\":0}\n\n", 10);
        s.feed(b"data: {\"i\":1}\n\ntokens 2\n", 20);
        let (protocol, events, text, _) = s.finish(30);
        assert_eq!(protocol.len(), 1);
        assert_eq!(events, vec![10, 20]);
        assert_eq!(text, "tokens 2\n", "events and the blank lines between them are not output");
        // Without an event prefix the same lines are plain output.
        let mut plain = StdoutSplitter::new(1024, None);
        plain.feed(b"data: x\n\n", 1);
        assert_eq!(plain.finish(2).2, "data: x\n\n");
    }
}

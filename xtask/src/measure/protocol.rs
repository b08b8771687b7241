//! Reads the runner protocol (runners/PROTOCOL.md) out of a run's timestamped `#bm` lines.

use super::TimedLine;
use serde::{Deserialize, Serialize};

/// One in-process iteration as the runner timed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Iteration {
    pub index: u32,
    pub warmup: bool,
    pub ns: u64,
}

/// What the protocol lines of one run say.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// Spawn to `#bm ready`, as seen by the launcher: the runtime's start-up.
    pub ready_ns: Option<u64>,
    pub iterations: Vec<Iteration>,
    pub done: bool,
    /// `#bm error ...` messages.
    pub errors: Vec<String>,
    /// Lines that break the protocol, kept to explain a failed run.
    pub malformed: Vec<String>,
}

pub fn parse(lines: &[TimedLine]) -> Transcript {
    let mut t = Transcript::default();
    for TimedLine { at_ns, line } in lines {
        let body = line.strip_prefix("#bm ").unwrap_or(line).trim_end();
        let mut words = body.split_whitespace();
        match words.next() {
            Some("ready") if t.ready_ns.is_none() => t.ready_ns = Some(*at_ns),
            Some("done") => t.done = true,
            Some("error") => t.errors.push(body["error".len()..].trim().to_string()),
            Some("iter") => {
                let fields: Vec<&str> = words.collect();
                match fields.as_slice() {
                    [index, kind @ ("warmup" | "measured"), ns] => match (index.parse(), ns.parse()) {
                        (Ok(index), Ok(ns)) => t.iterations.push(Iteration { index, warmup: *kind == "warmup", ns }),
                        _ => t.malformed.push(line.clone()),
                    },
                    _ => t.malformed.push(line.clone()),
                }
            }
            _ => t.malformed.push(line.clone()),
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[(u64, &str)]) -> Vec<TimedLine> {
        text.iter().map(|(at, l)| TimedLine { at_ns: *at, line: l.to_string() }).collect()
    }

    #[test]
    fn reads_a_complete_transcript() {
        let t = parse(&lines(&[(5, "#bm ready"), (9, "#bm iter 0 warmup 100"), (12, "#bm iter 1 measured 90"), (13, "#bm done")]));
        assert_eq!(t.ready_ns, Some(5));
        assert_eq!(t.iterations, vec![Iteration { index: 0, warmup: true, ns: 100 }, Iteration { index: 1, warmup: false, ns: 90 }]);
        assert!(t.done);
        assert!(t.errors.is_empty() && t.malformed.is_empty());
    }

    #[test]
    fn keeps_errors_and_malformed_lines() {
        let t = parse(&lines(&[(1, "#bm error nondeterministic result at iteration 2"), (2, "#bm iter x measured 5"), (3, "#bm what")]));
        assert_eq!(t.errors, vec!["nondeterministic result at iteration 2"]);
        assert_eq!(t.malformed.len(), 2);
        assert!(!t.done);
        assert_eq!(t.ready_ns, None);
    }
}

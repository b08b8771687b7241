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
    /// Stored compactly (see `compact`): a workload may run tens of thousands of iterations.
    #[serde(with = "compact")]
    pub iterations: Vec<Iteration>,
    /// When each `#bm iter` line arrived (ns since the spawn), kept for workloads whose
    /// events are assigned to iterations (`stream`); empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub iteration_at_ns: Vec<u64>,
    pub done: bool,
    /// `#bm error ...` messages.
    pub errors: Vec<String>,
    /// Lines that break the protocol, kept to explain a failed run.
    pub malformed: Vec<String>,
}

impl Transcript {
    /// True when the iterations are numbered 0, 1, 2 ... with every warm-up first, as
    /// runners/PROTOCOL.md requires.
    pub fn in_order(&self) -> bool {
        self.iterations.iter().enumerate().all(|(i, it)| it.index as usize == i)
            && self.iterations.windows(2).all(|w| w[0].warmup || !w[1].warmup)
    }
}

/// `iterations` on disk: `{"warmup": W, "ns": [...]}` when they are in protocol order (the
/// index and the kind then follow from the position), else the full list.
mod compact {
    use super::Iteration;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Compact {
        warmup: u32,
        ns: Vec<u64>,
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Compact(Compact),
        Full(Vec<Iteration>),
    }

    pub fn serialize<S: Serializer>(its: &[Iteration], s: S) -> Result<S::Ok, S::Error> {
        let in_order = its.iter().enumerate().all(|(i, it)| it.index as usize == i) && its.windows(2).all(|w| w[0].warmup || !w[1].warmup);
        if in_order {
            Compact { warmup: its.iter().filter(|i| i.warmup).count() as u32, ns: its.iter().map(|i| i.ns).collect() }.serialize(s)
        } else {
            its.serialize(s)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Iteration>, D::Error> {
        Ok(match Either::deserialize(d)? {
            Either::Full(v) => v,
            Either::Compact(c) => {
                c.ns.into_iter().enumerate().map(|(i, ns)| Iteration { index: i as u32, warmup: (i as u32) < c.warmup, ns }).collect()
            }
        })
    }
}

pub fn parse(lines: &[TimedLine]) -> Transcript {
    let mut t = Transcript::default();
    for TimedLine { at_ns, line } in lines {
        let body = line.strip_prefix("#bm ").unwrap_or(line).trim_end();
        let mut words = body.split_whitespace();
        match words.next() {
            Some("ready") if t.ready_ns.is_none() => t.ready_ns = Some(*at_ns),
            Some("done") => t.done = true,
            // The first word may follow whitespace (any Unicode whitespace, as split_whitespace
            // sees it): take what follows the word itself, never a fixed offset into the line.
            Some("error") => t.errors.push(body.trim_start()["error".len()..].trim().to_string()),
            Some("iter") => {
                let fields: Vec<&str> = words.collect();
                match fields.as_slice() {
                    [index, kind @ ("warmup" | "measured"), ns] => match (index.parse(), ns.parse()) {
                        (Ok(index), Ok(ns)) => {
                            t.iterations.push(Iteration { index, warmup: *kind == "warmup", ns });
                            t.iteration_at_ns.push(*at_ns);
                        }
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
        assert!(t.in_order());
        assert_eq!(t.iteration_at_ns, vec![9, 12]);
    }

    #[test]
    fn iterations_are_stored_compactly_and_read_back_either_way() {
        let t = parse(&lines(&[(5, "#bm ready"), (9, "#bm iter 0 warmup 100"), (12, "#bm iter 1 measured 90"), (13, "#bm done")]));
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["iterations"], serde_json::json!({"warmup": 1, "ns": [100, 90]}));
        assert_eq!(serde_json::from_value::<Transcript>(json).unwrap(), t);
        let shuffled = parse(&lines(&[(9, "#bm iter 1 measured 90"), (12, "#bm iter 0 warmup 100")]));
        assert!(!shuffled.in_order());
        let json = serde_json::to_value(&shuffled).unwrap();
        assert!(json["iterations"].is_array(), "out of order: kept in full");
        assert_eq!(serde_json::from_value::<Transcript>(json).unwrap(), shuffled);
    }

    #[test]
    fn keeps_errors_and_malformed_lines() {
        let t = parse(&lines(&[(1, "#bm error nondeterministic result at iteration 2"), (2, "#bm iter x measured 5"), (3, "#bm what")]));
        assert_eq!(t.errors, vec!["nondeterministic result at iteration 2"]);
        assert_eq!(t.malformed.len(), 2);
        assert!(!t.done);
        assert_eq!(t.ready_ns, None);
    }

    /// Found by the fuzzer: whitespace before the word (here U+0085, which split_whitespace
    /// skips) made the supervisor slice the line at the wrong place and panic.
    #[test]
    fn an_error_after_unicode_whitespace_is_read_not_a_panic() {
        let t = parse(&lines(&[(1, "#bm \u{85}\u{85}error\tbroken")]));
        assert_eq!(t.errors, vec!["broken"]);
        let t = parse(&lines(&[(1, "\u{85}error")]));
        assert_eq!(t.errors, vec![""]);
    }
}

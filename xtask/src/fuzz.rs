//! Entry points for fuzzing the parsers of untrusted or hand-written input: workload.toml,
//! target files and the runner protocol. Each takes arbitrary bytes and checks what must hold
//! for any input (no panic; a rejection names the file and says how to fix it); `fuzz/` runs
//! them under libFuzzer (`cargo +nightly fuzz run <name>`), and tests/fuzz.rs runs them on
//! mutations of the shipped files for a bounded time on stable.

use crate::measure::protocol;
use crate::measure::TimedLine;
use std::path::Path;

/// A workload.toml of these bytes must load or be rejected with a whole error.
pub fn workload_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match crate::spec::workload::parse(Path::new("workloads/fuzz"), text) {
        Ok(w) => {
            // Whatever loads must give a variant for every column of every size.
            for size in crate::spec::Size::ALL {
                for column in w.columns(size) {
                    let v = w.variant(size, &column);
                    assert!(v.iterations >= 1 && v.cycle >= 1, "a loaded workload has at least one iteration and a cycle");
                }
            }
        }
        Err(e) => assert_whole(&e),
    }
}

/// A target file of these bytes must load or be rejected with a whole error.
pub fn target_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = crate::spec::target::parse(Path::new("targets/fuzz.toml"), text) {
        assert_whole(&e);
    }
}

/// Any program output, split into lines, must give a transcript whose figures come from it.
pub fn protocol_lines(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let lines: Vec<TimedLine> = text.split('\n').enumerate().map(|(i, l)| TimedLine { at_ns: i as u64, line: l.to_string() }).collect();
    let t = protocol::parse(&lines);
    assert!(t.iterations.len() <= lines.len(), "no more iterations than lines");
    assert!(t.errors.len() + t.malformed.len() <= lines.len(), "no more complaints than lines");
}

fn assert_whole(e: &crate::error::SpecError) {
    assert!(!e.problem.trim().is_empty(), "a rejection says what is wrong: {e:?}");
    assert!(!e.fix.trim().is_empty(), "a rejection says how to fix it: {e:?}");
    assert!(e.to_string().contains("fuzz"), "a rejection names the file: {e}");
}

//! What a session says while it works: progress bars on a terminal, a progress line at most
//! every 30 s in a log (CI), one line per problem, nothing at all with `--quiet` but errors.
//! Untrusted text is made visible.

use crate::export::escape;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

/// When the last progress line was printed, in seconds of the bar's elapsed time, plus one
/// (0: never).
static LAST_LINE: AtomicU64 = AtomicU64::new(0);

/// Whether a progress line is due: the last one of a phase, or 30 s after the one before.
fn due(elapsed_s: u64, last: &AtomicU64, pos: u64, len: u64) -> bool {
    let before = last.load(Ordering::Relaxed);
    // Never printed, or printed in an earlier phase (a new bar's clock starts again at 0 s):
    // count from this phase's start.
    let since = if before == 0 || elapsed_s + 1 < before { elapsed_s } else { elapsed_s + 1 - before };
    let due = pos == len || since >= 30;
    if due {
        last.store(elapsed_s + 1, Ordering::Relaxed);
    }
    due
}

#[derive(Debug, Clone, Copy)]
pub struct Ui {
    pub quiet: bool,
    /// Progress bars only where a person watches.
    pub bars: bool,
}

impl Ui {
    pub fn new(quiet: bool) -> Ui {
        Ui { quiet, bars: !quiet && std::io::stderr().is_terminal() }
    }

    /// A silent interface, for tests.
    pub fn silent() -> Ui {
        Ui { quiet: true, bars: false }
    }

    pub fn bar(&self, len: u64, what: &str) -> ProgressBar {
        if !self.bars {
            return ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
        }
        let bar = ProgressBar::new(len);
        let style = ProgressStyle::with_template(&format!("{what:>5} [{{elapsed_precise}}] {{bar:30}} {{pos}}/{{len}} {{msg}}"))
            .expect("a valid template");
        bar.set_style(style);
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        bar
    }

    /// After `bar.inc`: where no bar is drawn (a CI log), a line such as
    /// `run 120/364 (33 %) 4m12s, last: nbody × rust` at most every 30 s and at the end, so a
    /// long matrix is seen to move.
    pub fn tick(&self, bar: &ProgressBar, what: &str, last: &str) {
        if self.quiet || self.bars {
            return;
        }
        let (pos, len) = (bar.position(), bar.length().unwrap_or(0));
        let elapsed = bar.elapsed();
        if due(elapsed.as_secs(), &LAST_LINE, pos, len) {
            let pct = (pos * 100).checked_div(len).unwrap_or(0);
            let (m, s) = (elapsed.as_secs() / 60, elapsed.as_secs() % 60);
            eprintln!("{}", escape::terminal(&format!("{what} {pos}/{len} ({pct} %) {m}m{s:02}s, last: {last}")));
        }
    }

    /// One line on stderr (unless quiet), above the bar; control characters made visible.
    pub fn say(&self, bar: &ProgressBar, line: &str) {
        if !self.quiet {
            let line = escape::terminal(line);
            bar.suspend(|| eprintln!("{line}"));
        }
    }

    /// A line that is printed even when quiet (errors, where the results are).
    pub fn always(&self, line: &str) {
        eprintln!("{}", escape::terminal(line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_progress_line_every_30_s_and_at_the_end() {
        let last = AtomicU64::new(0);
        assert!(!due(5, &last, 1, 10), "not at once");
        assert!(due(30, &last, 4, 10), "after 30 s");
        assert!(!due(45, &last, 6, 10), "15 s later: not yet");
        assert!(due(61, &last, 8, 10), "31 s later");
        assert!(due(62, &last, 10, 10), "the last one always");
        assert!(!due(1, &last, 1, 5), "a new phase's clock starts again, and waits its 30 s");
    }
}

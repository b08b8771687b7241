//! Formatting shared by every presentation: figures with their intervals, ratios, sizes.

use crate::records::Status;
use crate::results::Cell;
use crate::stats::{Estimate, Summary};

/// A verified cell's ratio of median wall time to the column's fastest, with its interval;
/// None when not ranked (wrong output and failures are never ranked). A pending cell of an
/// interrupted session has one when some of its runs finished (see [`pending_reason`]).
pub fn ratio(cell: &Cell) -> Option<Estimate> {
    if !matches!(cell.status, Status::Ok | Status::Pending) {
        return None;
    }
    cell.summary.as_ref()?.vs_fastest
}

/// What a pending cell (its session was interrupted) is: not run at all, or measured in part,
/// in which case its figures are shown and marked partial.
pub fn pending_reason(cell: &Cell) -> String {
    match cell.measured().count() {
        0 => "not run yet: the session was interrupted".to_string(),
        n => format!("partial: the session was interrupted after {n} measured run(s); `matrix --resume` continues it"),
    }
}

/// "12.3 ms [11.9–12.8]": a median with its 95 % interval.
pub fn ms_ci(s: &Summary) -> String {
    format!("{} [{}–{}]", format_ms(s.median), format_ms_bare(s.median_ci.lo), format_ms(s.median_ci.hi))
}

pub fn estimate_ms(e: &Estimate) -> String {
    format!("{} [{}–{}]", format_ms(e.value), format_ms_bare(e.lo), format_ms(e.hi))
}

pub fn kib_ci(s: &Summary) -> String {
    format!("{} [{}–{}]", format_kib(s.median as u64), format_mib_bare(s.median_ci.lo), format_kib(s.median_ci.hi as u64))
}

pub fn ratio_ci(e: &Estimate) -> String {
    format!("×{:.2} [{:.2}–{:.2}]", e.value, e.lo, e.hi)
}

fn format_ms_bare(ms: f64) -> String {
    format_ms(ms).trim_end_matches(" ms").trim_end_matches(" s").to_string()
}

fn format_mib_bare(kib: f64) -> String {
    format_kib(kib as u64).trim_end_matches(" MiB").to_string()
}

pub fn format_ms(ms: f64) -> String {
    if ms >= 10_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

pub fn format_kib(kib: u64) -> String {
    let mib = kib as f64 / 1024.0;
    if mib >= 100.0 {
        format!("{mib:.0} MiB")
    } else {
        format!("{mib:.1} MiB")
    }
}

pub fn format_bytes(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    } else if bytes >= 1 << 10 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// The first line of a reason, for tables.
pub fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// A figure in a metric's unit, for people.
pub fn format_metric(metric: crate::metric::Metric, value: f64) -> String {
    match metric.unit() {
        crate::metric::Unit::Kibibytes => format_kib(value as u64),
        crate::metric::Unit::Milliseconds => format_ms(value),
        crate::metric::Unit::Microseconds => format!("{value:.1} µs"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(format_ms(0.5), "0.50 ms");
        assert_eq!(format_ms(42.0), "42.0 ms");
        assert_eq!(format_ms(420.0), "420 ms");
        assert_eq!(format_ms(4200.0), "4.20 s");
        assert_eq!(format_kib(2048), "2.0 MiB");
        assert_eq!(format_bytes(1536), "1.5 KiB");
    }
}

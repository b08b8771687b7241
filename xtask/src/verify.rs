//! Checks a program's result against the workload's canonical expected output.

use crate::spec::CompareRule;

/// Line endings to `\n`, whitespace runs inside a line to one space, no trailing or
/// leading blank lines, no spaces at either end of a line.
pub fn normalise(text: &str) -> String {
    let lines: Vec<String> =
        text.replace("\r\n", "\n").replace('\r', "\n").lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    let start = lines.iter().position(|l| !l.is_empty()).unwrap_or(lines.len());
    let end = lines.iter().rposition(|l| !l.is_empty()).map_or(start, |i| i + 1);
    lines[start..end].join("\n")
}

/// The most characters of a line an excerpt shows.
pub const EXCERPT_CHARS: usize = 240;

/// Why a result does not match: the first differing line, as bounded excerpts around the
/// first differing character, and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub line: usize,
    /// Byte offset of that line in the normalised output.
    pub offset: usize,
    pub expected: String,
    pub got: String,
}

/// At most `EXCERPT_CHARS` characters of `line` around character `at`, marked with `…` where cut.
pub fn excerpt(line: &str, at: usize) -> String {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= EXCERPT_CHARS {
        return line.to_string();
    }
    let start = at.saturating_sub(EXCERPT_CHARS / 3).min(chars.len() - EXCERPT_CHARS);
    let end = start + EXCERPT_CHARS;
    let mut s = String::new();
    if start > 0 {
        s.push('…');
    }
    s.extend(&chars[start..end]);
    if end < chars.len() {
        s.push('…');
    }
    s
}

/// Compares after normalising both sides.
pub fn compare(rule: &CompareRule, expected: &str, got: &str) -> Result<(), Mismatch> {
    let (expected, got) = (normalise(expected), normalise(got));
    let expected_lines: Vec<&str> = expected.lines().collect();
    let got_lines: Vec<&str> = got.lines().collect();
    let mut offset = 0;
    for i in 0..expected_lines.len().max(got_lines.len()) {
        let e = expected_lines.get(i).copied().unwrap_or("");
        let g = got_lines.get(i).copied().unwrap_or("");
        let same = match rule {
            CompareRule::Exact => e == g,
            CompareRule::Numeric { tolerance } => lines_match_numerically(e, g, *tolerance),
        };
        if !same || (i >= expected_lines.len()) != (i >= got_lines.len()) {
            let at = e.chars().zip(g.chars()).take_while(|(a, b)| a == b).count();
            let shown = |present: bool, s: &str| if present { excerpt(s, at) } else { "(no line)".to_string() };
            return Err(Mismatch { line: i + 1, offset, expected: shown(i < expected_lines.len(), e), got: shown(i < got_lines.len(), g) });
        }
        offset += g.len() + 1;
    }
    Ok(())
}

fn lines_match_numerically(expected: &str, got: &str, tolerance: f64) -> bool {
    let (e, g): (Vec<&str>, Vec<&str>) = (expected.split(' ').collect(), got.split(' ').collect());
    e.len() == g.len()
        && e.iter().zip(&g).all(|(a, b)| {
            a == b
                || match (a.parse::<f64>(), b.parse::<f64>()) {
                    (Ok(x), Ok(y)) => x.is_finite() && y.is_finite() && (x - y).abs() <= tolerance,
                    _ => false,
                }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_line_endings_and_spaces() {
        assert_eq!(normalise("\r\n  a   b \r\nc\t d\n\n\n"), "a b\nc d");
        assert_eq!(normalise(""), "");
    }

    #[test]
    fn exact_rule_accepts_equal_text_and_rejects_a_changed_word() {
        assert!(compare(&CompareRule::Exact, "the 3\nof 2\n", "the 3\r\nof  2").is_ok());
        let err = compare(&CompareRule::Exact, "the 3\nof 2\n", "the 3\nof 1\n").unwrap_err();
        assert_eq!(err, Mismatch { line: 2, offset: 6, expected: "of 2".into(), got: "of 1".into() });
    }

    #[test]
    fn missing_and_extra_lines_are_mismatches() {
        assert_eq!(compare(&CompareRule::Exact, "a\nb", "a").unwrap_err().got, "(no line)");
        assert_eq!(compare(&CompareRule::Exact, "a", "a\nb").unwrap_err().expected, "(no line)");
        // An empty result never matches a non-empty expectation.
        assert!(compare(&CompareRule::Exact, "a", "").is_err());
    }

    #[test]
    fn a_huge_line_is_shown_as_a_bounded_excerpt_around_the_difference() {
        let expected = format!("{}A{}", "x".repeat(100_000), "y".repeat(100_000));
        let got = format!("{}B{}", "x".repeat(100_000), "y".repeat(100_000));
        let m = compare(&CompareRule::Exact, &expected, &got).unwrap_err();
        assert!(m.got.chars().count() <= EXCERPT_CHARS + 2 && m.expected.chars().count() <= EXCERPT_CHARS + 2);
        assert!(m.got.contains('B') && m.expected.contains('A'), "the excerpt shows the difference");
        assert!(m.got.starts_with('…') && m.got.ends_with('…'));
    }

    #[test]
    fn numeric_rule_uses_the_tolerance() {
        let rule = CompareRule::Numeric { tolerance: 2e-9 };
        assert!(compare(&rule, "-0.169075164\n-0.169087605", "-0.169075165\n-0.169087605").is_ok());
        assert!(compare(&rule, "-0.169075164", "-0.169075184").is_err());
        assert!(compare(&rule, "energy -0.1", "power -0.1").is_err());
        assert!(compare(&rule, "1", "NaN").is_err());
    }
}

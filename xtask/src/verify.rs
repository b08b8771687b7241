//! Checks a program's result against the workload's canonical expected output.

use crate::spec::CompareRule;

/// Line endings to `\n`, whitespace runs inside a line to one space, no trailing or
/// leading blank lines, no spaces at either end of a line.
pub fn normalise(text: &str) -> String {
    let lines: Vec<String> = text.replace("\r\n", "\n").replace('\r', "\n").lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    let start = lines.iter().position(|l| !l.is_empty()).unwrap_or(lines.len());
    let end = lines.iter().rposition(|l| !l.is_empty()).map_or(start, |i| i + 1);
    lines[start..end].join("\n")
}

/// Why a result does not match, with the first differing line.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub line: usize,
    pub expected: String,
    pub got: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: expected `{}`, got `{}`", self.line, self.expected, self.got)
    }
}

/// Compares after normalising both sides.
pub fn compare(rule: &CompareRule, expected: &str, got: &str) -> Result<(), Mismatch> {
    let (expected, got) = (normalise(expected), normalise(got));
    let expected_lines: Vec<&str> = expected.lines().collect();
    let got_lines: Vec<&str> = got.lines().collect();
    for i in 0..expected_lines.len().max(got_lines.len()) {
        let e = expected_lines.get(i).copied().unwrap_or("");
        let g = got_lines.get(i).copied().unwrap_or("");
        let same = match rule {
            CompareRule::Exact => e == g,
            CompareRule::Numeric { tolerance } => lines_match_numerically(e, g, *tolerance),
        };
        if !same || (i >= expected_lines.len()) != (i >= got_lines.len()) {
            let missing = |present: bool, s: &str| if present { s.to_string() } else { "(no line)".to_string() };
            return Err(Mismatch { line: i + 1, expected: missing(i < expected_lines.len(), e), got: missing(i < got_lines.len(), g) });
        }
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
        assert_eq!(err, Mismatch { line: 2, expected: "of 2".into(), got: "of 1".into() });
    }

    #[test]
    fn missing_and_extra_lines_are_mismatches() {
        assert_eq!(compare(&CompareRule::Exact, "a\nb", "a").unwrap_err().got, "(no line)");
        assert_eq!(compare(&CompareRule::Exact, "a", "a\nb").unwrap_err().expected, "(no line)");
        // An empty result never matches a non-empty expectation.
        assert!(compare(&CompareRule::Exact, "a", "").is_err());
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

//! Untrusted text (program output, build logs, server responses) made safe to show: control
//! characters rendered visibly for terminals, Markdown and HTML (Tera escapes the markup).

/// Control characters (C0 but newline and tab, DEL, C1) as visible `\x1b`-style escapes, so
/// program output cannot move the cursor, clear the screen or retitle the window.
pub fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (0x80..0xa0).contains(&(c as u32)) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// For a terminal: control characters made visible.
pub fn terminal(text: &str) -> String {
    visible(text)
}

/// For a Markdown table cell: one line, pipes escaped, markup shown as text.
pub fn markdown_cell(text: &str) -> String {
    visible(text).replace('\\', "\\\\").replace('|', "\\|").replace('<', "&lt;").replace('>', "&gt;").replace('\n', " ").replace('`', "\\`")
}

/// For a Markdown code span: the text as it is (GitHub shows entities inside code spans
/// literally, so nothing is HTML-escaped), fenced with more backticks than it contains.
pub fn markdown_code(text: &str) -> String {
    let text = visible(text).replace('\n', " ");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// For XML text and attribute values: control characters made visible (XML 1.0 forbids
/// them, even as character references), the five markup characters and line breaks as
/// references (so an attribute keeps its newline), and the two non-characters replaced.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in visible(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_obeyed() {
        assert_eq!(visible("a\x1b[2Jb\x07\n\tc\u{9b}"), "a\\x1b[2Jb\\x07\n\tc\\u{9b}");
        assert_eq!(visible("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
        assert_eq!(visible("plain ünïcode"), "plain ünïcode");
    }

    #[test]
    fn markdown_cells_and_code_spans() {
        assert_eq!(markdown_cell("a|b <script>\nc"), "a\\|b &lt;script&gt; c");
        assert_eq!(markdown_code("apt-get install -y <pkg>"), "`apt-get install -y <pkg>`");
        assert_eq!(markdown_code("a `b` c"), "``a `b` c``");
        assert_eq!(markdown_code("`x`"), "`` `x` ``");
    }

    #[test]
    fn xml_text_is_markup_free_and_control_free() {
        assert_eq!(xml("a<b>&\"c'\n\x1b"), "a&lt;b&gt;&amp;&quot;c&apos;&#10;\\x1b");
    }
}

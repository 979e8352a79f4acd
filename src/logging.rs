//! Log output: `tracing` events to stderr, as text or JSON, filtered by -v/-q or `RUST_LOG`.
//!
//! No code logs the API key: it lives in `settings::ApiKey`, whose formatting hides it, and
//! request headers are never logged. Text shown on the terminal that came from a cell or a server
//! passes through [`shown`]; log messages are escaped by tracing-subscriber itself.

use tracing_subscriber::EnvFilter;

/// Log line format (`--log-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Installs the global subscriber. Safe to call once per process.
pub(crate) fn init(verbose: u8, quiet: bool, format: LogFormat) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn,ontime_import=info",
        (false, 1) => "info,ontime_import=debug",
        (false, 2) => "debug,ontime_import=trace",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none(),
        )
        .with_target(false);
    // A second init (only possible in tests) fails harmlessly: the first subscriber stays.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// `text` made safe for a terminal: every control character except the line break (escape
/// sequences, carriage returns, bells, C1 codes, BiDi overrides) is shown as `\u{…}`, so text
/// that came from a cell or a server cannot move the cursor, recolour or rewrite the screen.
/// Everything the tool prints itself goes through this or [`shown_inline`].
pub(crate) fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    escape(text, |c| c != '\n' && hidden(c))
}

/// [`shown`], with line breaks escaped too: for a value quoted inside one line of output.
pub(crate) fn shown_inline(text: &str) -> std::borrow::Cow<'_, str> {
    escape(text, hidden)
}

/// Characters a terminal acts on rather than shows: C0 and C1 controls, DEL, and the
/// bidirectional overrides that reorder what follows them.
fn hidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn escape(text: &str, escaped: impl Fn(char) -> bool) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(&escaped) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_line_breaks_kept_where_asked() {
        assert_eq!(shown("plain é"), "plain é");
        assert_eq!(shown("a\u{1b}[31mred\r\n"), "a\\u{1b}[31mred\\u{d}\n");
        assert_eq!(
            shown_inline("a\nb\u{9b}c\u{202e}"),
            "a\\u{a}b\\u{9b}c\\u{202e}"
        );
    }
}

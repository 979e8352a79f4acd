//! What a run that writes says of itself in the ledger's history ([`crate::ledger::RunStart`]):
//! its input and mapping (path, size, content hash), its mode, and the options that decide what
//! it sends, in the words of the command line. Never the API key, nor anything else secret.

use crate::cli::{Children, WriteMode};
use crate::ledger::{InputFile, RunStart, file_hash};
use crate::settings::{Settings, Target};

/// The history's start of an import of `settings` into `target`. The input is read through
/// once for its hash (on a blocking thread: a large workbook takes a moment).
pub(crate) async fn import_start(settings: &Settings, target: &Target) -> RunStart {
    let (input, mapping) = (settings.input.clone(), settings.mapping.path.clone());
    let hashed =
        tokio::task::spawn_blocking(move || (InputFile::of(&input).ok(), file_hash(&mapping)));
    let (input, mapping_hash) = hashed.await.unwrap_or((None, None));
    RunStart {
        command: "import".into(),
        undoes: None,
        input,
        mapping_hash,
        mode: mode_name(target.write_mode).into(),
        flags: flags(target),
    }
}

pub(crate) fn mode_name(mode: WriteMode) -> &'static str {
    match mode {
        WriteMode::Upsert => "upsert",
        WriteMode::CreateOnly => "create-only",
        WriteMode::UpdateOnly => "update-only",
    }
}

/// The options of `target` that decide what a run sends, as command-line words.
pub(crate) fn flags(target: &Target) -> String {
    let mut words = vec![format!("--rate {}", target.rate)];
    if target.children == Children::Separate {
        words.push("--children separate".into());
    }
    if target.full {
        words.push("--full".into());
    }
    if let Some(limit) = target.deactivate {
        words.push(format!("--deactivate-missing --max-deactivate {limit}"));
    }
    if let Some(n) = target.max_requests {
        words.push(format!("--max-requests {n}"));
    }
    if let Some(n) = target.reserve {
        words.push(format!("--reserve {n}"));
    }
    words.join(" ")
}

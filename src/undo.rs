//! `ontime-import undo RUN [--plan] [--force]`: the command's settings and runtime; the undo
//! itself is the uploader's (`upload::undo`), which shares its client and ledger.

use std::path::PathBuf;

use crate::cli::UndoArgs;
use crate::error::RunError;
use crate::logging;
use crate::settings::{STATE_FILE, Target};

pub(crate) fn run(args: UndoArgs) -> Result<u8, RunError> {
    logging::init(args.log.verbose, args.log.quiet, args.log.log_format);
    let state = args
        .state
        .clone()
        .unwrap_or_else(|| PathBuf::from(STATE_FILE));
    let target = Target::of_account(&args.service, state)?;
    if !target.state.is_file() {
        return Err(RunError::Refused {
            message: format!(
                "there is no ledger at {}; nothing was sent",
                target.state.display()
            ),
            hint: Some("pass --state FILE: the ledger of the run to undo".into()),
        });
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    runtime.block_on(crate::upload::undo::undo(
        &target, args.run, args.plan, args.force,
    ))
}

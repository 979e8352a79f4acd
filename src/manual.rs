//! Shell completions and the man page, generated from the same clap definitions as the command
//! line itself ([`crate::cli::Cli`]), so they can never list an option the binary lacks.
//! Both are printed to stdout; nothing is installed.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::Cli;

/// The completion script for `shell`, as clap_complete writes it.
pub(crate) fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "ontime-import", &mut script);
    print(&script)
}

/// The man page (roff) of the whole command line, subcommands included as sections.
pub(crate) fn manpage() -> ExitCode {
    let command = Cli::command();
    let mut page = Vec::new();
    if let Err(error) = clap_mangen::Man::new(command).render(&mut page) {
        eprintln!("error: cannot render the man page: {error}");
        return ExitCode::from(crate::error::EXIT_START);
    }
    print(&page)
}

fn print(bytes: &[u8]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) is the reader's choice, not a failure worth a message.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: cannot write to stdout: {error}");
            ExitCode::from(crate::error::EXIT_START)
        }
    }
}

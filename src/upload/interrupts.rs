//! Ctrl-C, SIGTERM and SIGHUP: the first ends the intake of customers (those in flight finish
//! and every row still gets its outcome), a second quits at once with the report published.

use tokio_util::sync::CancellationToken;

use super::Error;

/// The signals that end a run cleanly, as one stream, listening from the moment it is made (not
/// from its first poll, which would leave the start of a run to the default handlers, which
/// kill the process): Ctrl-C (SIGINT), and on Unix SIGTERM (systemd, docker, `timeout`, `kill`)
/// and SIGHUP (the terminal or the session closed).
struct Interrupts {
    #[cfg(unix)]
    signals: [(tokio::signal::unix::Signal, Interrupt); 3],
    #[cfg(not(unix))]
    ctrl_c: tokio::signal::windows::CtrlC,
}

/// Which signal came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Interrupt {
    CtrlC,
    Term,
    Hangup,
}

impl Interrupts {
    /// The next signal; `None` once none can come any more.
    #[cfg(unix)]
    async fn recv(&mut self) -> Option<Interrupt> {
        let [(int, a), (term, b), (hup, c)] = &mut self.signals;
        tokio::select! {
            Some(()) = int.recv() => Some(*a),
            Some(()) = term.recv() => Some(*b),
            Some(()) = hup.recv() => Some(*c),
            else => None,
        }
    }

    #[cfg(not(unix))]
    async fn recv(&mut self) -> Option<Interrupt> {
        self.ctrl_c.recv().await.map(|()| Interrupt::CtrlC)
    }
}

/// Starts listening for Ctrl-C, SIGTERM and SIGHUP (call it before the work they may
/// interrupt): the token is cancelled by the first; the second ends the process at once with
/// 130.
pub(crate) fn listen_for_interrupts() -> Result<CancellationToken, Error> {
    let interrupted = CancellationToken::new();
    tokio::spawn(watch_interrupts(interrupts()?, interrupted.clone()));
    Ok(interrupted)
}

fn interrupts() -> Result<Interrupts, Error> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Interrupts {
            signals: [
                (
                    signal(SignalKind::interrupt()).map_err(Error::Signals)?,
                    Interrupt::CtrlC,
                ),
                (
                    signal(SignalKind::terminate()).map_err(Error::Signals)?,
                    Interrupt::Term,
                ),
                (
                    signal(SignalKind::hangup()).map_err(Error::Signals)?,
                    Interrupt::Hangup,
                ),
            ],
        })
    }
    #[cfg(not(unix))]
    Ok(Interrupts {
        ctrl_c: tokio::signal::windows::ctrl_c().map_err(Error::Signals)?,
    })
}

/// First signal: stop taking new customers (in-flight requests end, the report is written, the
/// summary printed; the run exits 130). Second: exit at once with 130; the report and ledger
/// on disk are valid as they stand. What is said goes to stderr without panicking if stderr is
/// gone (a SIGHUP's closed terminal).
async fn watch_interrupts(mut signals: Interrupts, stopping: CancellationToken) {
    use std::io::Write;
    let Some(first) = signals.recv().await else {
        return;
    };
    let said = match first {
        Interrupt::CtrlC => {
            "\ninterrupted: no new customers; finishing the requests in flight (Ctrl-C again to quit at once)"
        }
        Interrupt::Term => {
            "\nterminated (SIGTERM): no new customers; finishing the requests in flight (a second signal quits at once)"
        }
        Interrupt::Hangup => {
            "\nhung up (SIGHUP): no new customers; finishing the requests in flight (a second signal quits at once)"
        }
    };
    stopping.cancel();
    let _ = writeln!(std::io::stderr(), "{said}");
    if signals.recv().await.is_some() {
        let _ = writeln!(
            std::io::stderr(),
            "quitting at once; run again to finish the job"
        );
        crate::report::publish_now();
        std::process::exit(130);
    }
}

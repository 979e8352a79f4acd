//! The built-in OnTime API simulator (being written on another branch).

/// Options of `ontime-import sandbox`.
#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value = "0")]
    pub port: u16,
}

pub fn serve_cli(_args: SandboxArgs) -> std::process::ExitCode {
    std::process::ExitCode::FAILURE
}

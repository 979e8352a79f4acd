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

/// Stand-in until the sandbox branch lands.
#[derive(Debug, Clone, Default)]
pub struct SandboxConfig {
    pub port: u16,
}

pub struct Sandbox;

impl Sandbox {
    pub fn base_url(&self) -> String {
        String::new()
    }
    pub fn company_id(&self) -> &str {
        ""
    }
    pub fn api_key(&self) -> &str {
        ""
    }
    pub async fn shutdown(self) {}
}

pub async fn start(_config: SandboxConfig) -> std::io::Result<Sandbox> {
    Err(std::io::Error::other("not yet"))
}

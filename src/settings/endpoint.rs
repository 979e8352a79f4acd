//! Where requests go: the service address (https unless on this machine), the company id and
//! the API key, checked once; or the built-in sandbox.

use super::{ApiKey, Endpoint, SettingsError};
use crate::cli::ServiceArgs;

/// The import's endpoint: the sandbox for `--sandbox`, else the account `args` names.
pub(super) fn endpoint(args: &ServiceArgs, sandbox: bool) -> Result<Endpoint, SettingsError> {
    if sandbox {
        return Ok(Endpoint::Sandbox);
    }
    remote(
        args.api_key.as_deref(),
        args.company_id.as_deref(),
        &args.base_url,
        "; to try the tool without an account, add --sandbox, or --dry-run to only check the input",
    )
}

/// The OnTime account at `base_url`, with its key and company id checked; `no_key_hint` ends the
/// hint of a missing key (what else the command could do without one).
pub(crate) fn remote(
    api_key: Option<&str>,
    company_id: Option<&str>,
    base_url: &str,
    no_key_hint: &str,
) -> Result<Endpoint, SettingsError> {
    let key = api_key.filter(|k| !k.trim().is_empty()).ok_or_else(|| {
        SettingsError::Usage(format!(
            "no API key: set the ONTIME_API_KEY environment variable (or pass --api-key)\n\
             hint: an OnTime administrator creates keys under Settings > API{no_key_hint}"
        ))
    })?;
    let company_id = company_id.filter(|c| !c.trim().is_empty()).ok_or_else(|| {
        SettingsError::Usage(
            "no company id: set ONTIME_COMPANY_ID (or pass --company-id)\n\
             hint: it is the {company-id} in your address https://secure.ontime360.com/sites/{company-id}/"
                .into(),
        )
    })?;
    let key = key.trim();
    if !key
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
    {
        // The key itself is never shown, not even in part.
        return Err(SettingsError::Usage(
            "the API key holds a character an HTTP header cannot carry (a line break, a control character, or a letter outside ASCII such as é)\n\
             hint: copy the key again from OnTime's Settings > API, without anything around it"
                .into(),
        ));
    }
    let base = parse_base_url(base_url)?;
    Ok(Endpoint::Remote {
        base,
        company_id: company_id.trim().to_string(),
        key: ApiKey::new(key.to_string()),
    })
}

/// The base URL, which must be https unless it points at this machine, and must not carry a
/// user name or password (`user:pass@`: the HTTP client would send them as Basic credentials in
/// place of the API key). Its path ends in a slash, so that `sites/…` joins under a gateway's
/// path (`https://gw.example/ontime`) instead of replacing its last segment.
pub(crate) fn parse_base_url(text: &str) -> Result<reqwest::Url, SettingsError> {
    let mut url = reqwest::Url::parse(text.trim())
        .map_err(|e| SettingsError::Usage(format!("--base-url \"{text}\" is not a URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        // The URL is not shown: what is before the `@` may be a secret.
        return Err(SettingsError::Usage(
            "--base-url (ONTIME_BASE_URL) holds a user name or password (user:pass@host): OnTime takes no such login, and it would be sent in place of the API key\n\
             hint: remove the `user:pass@` part; the API key goes in the ONTIME_API_KEY environment variable (or --api-key)"
                .into(),
        ));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        scheme => Err(SettingsError::Usage(format!(
            "--base-url {url} uses {scheme}: the API key would cross the network unencrypted\nhint: use https (plain http is allowed only for a loopback address such as 127.0.0.1)"
        ))),
    }
}

/// Whether the URL's host is this machine (`localhost`, 127.0.0.0/8, `[::1]`).
pub(crate) fn is_loopback(url: &reqwest::Url) -> bool {
    url.host_str().is_some_and(|host| {
        host.eq_ignore_ascii_case("localhost")
            || host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    })
}

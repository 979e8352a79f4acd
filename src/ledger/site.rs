//! The OnTime account a ledger entry belongs to: a service address and a company id, as
//! `{base URL}/sites/{company-id}/` names it.
//!
//! Invariant: two spellings of one address are one site (scheme and host in lower case, no
//! default port, the path ending in a slash, no user, query or fragment), so a rerun with
//! `--base-url HTTPS://Secure.OnTime360.com` finds what the default address made; two
//! addresses are two sites, so what was sent to a rehearsal server never counts for the real
//! account.

/// The service address every ledger made before entries had a site was used with, unless its
/// last run recorded another (see `schema.rs`).
pub const DEFAULT_BASE_URL: &str = "https://secure.ontime360.com/";

/// A service address and a company id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    base_url: String,
    company: String,
}

impl Site {
    pub fn new(base: &reqwest::Url, company: &str) -> Site {
        Site {
            base_url: normalise(base),
            company: company.trim().to_string(),
        }
    }

    /// The site at the address `base` (which must be a URL).
    pub fn parse(base: &str, company: &str) -> Result<Site, String> {
        let url = reqwest::Url::parse(base.trim()).map_err(|e| format!("{base:?}: {e}"))?;
        Ok(Site::new(&url, company))
    }

    /// The normalised service address, ending in a slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn company(&self) -> &str {
        &self.company
    }
}

impl std::fmt::Display for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}sites/{}/", self.base_url, self.company)
    }
}

/// The one spelling of a service address (the URL parser already lower-cases the scheme and
/// host and drops a default port).
pub(super) fn normalise(base: &reqwest::Url) -> String {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    // Only a URL that cannot have a user refuses these, and then it has none to drop.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_has_one_spelling() {
        let site = |base: &str| Site::parse(base, " acme ").expect("a URL");
        let default = site(DEFAULT_BASE_URL);
        assert_eq!(default.base_url(), DEFAULT_BASE_URL);
        assert_eq!(default.company(), "acme");
        for same in [
            "https://secure.ontime360.com",
            "HTTPS://Secure.OnTime360.COM:443",
            "https://secure.ontime360.com/?x=1#top",
            "https://user:pw@secure.ontime360.com/",
        ] {
            assert_eq!(site(same), default, "{same}");
        }
        for other in [
            "http://127.0.0.1:8360",
            "https://secure.ontime360.com:8443",
            "https://secure.ontime360.com/gateway",
        ] {
            assert_ne!(site(other), default, "{other}");
        }
        assert_eq!(
            site("https://gw.example/ontime").to_string(),
            "https://gw.example/ontime/sites/acme/"
        );
    }
}

//! One attempt of a request: sent with the key, its answer's quota headers noted, its body read
//! within its cap (a gzip bomb or an endless body is "too large", never held whole) and with
//! the key taken out, then classified.

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use super::classify::Attempt;
use super::{CUSTOMER_POST, CallError, Client};
use crate::upload::http::{ERROR_CAP, describe, read_capped, retry_after, size};
use crate::upload::quota::InFlight;

impl Client {
    pub(super) async fn attempt<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Body<'_>,
        mut in_flight: InFlight<'_>,
        cap: usize,
    ) -> Attempt<T> {
        let mut request = self
            .http
            .request(method, url)
            .header(AUTHORIZATION, self.authorization.clone());
        match body {
            Body::None => {}
            Body::Json(json) => request = request.json(json),
            Body::Text(text) => {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(text.to_vec());
            }
        }
        let mut response = match request.send().await {
            Ok(response) => response,
            // Not sent: no connection, or a request that could not be built.
            Err(error) if error.is_connect() || error.is_builder() => {
                return Attempt::Retry(self.redact.text(&describe(&error)), None);
            }
            Err(error) => return Attempt::Unknown(self.redact.text(&describe(&error))),
        };
        let status = response.status();
        self.note_quota(response.headers(), &mut in_flight);
        self.clock.note(response.headers());
        if status.is_redirection() {
            let to = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok());
            return Attempt::Moved {
                status,
                to: self.redact.text(to.unwrap_or("nowhere (no Location)")),
            };
        }
        let retry_after = retry_after(response.headers());
        let success = status.is_success();
        let cap = if success { cap } else { ERROR_CAP };
        let read = match read_capped(&mut response, cap).await {
            Ok(read) => read,
            Err(error) => return Attempt::Unknown(self.redact.text(&describe(&error))),
        };
        if read.over && success {
            return Attempt::Unreadable(
                status,
                format!(
                    "{status} with an answer too large (more than {}), not read further",
                    size(cap)
                ),
            );
        }
        let redacted = self.redact.bytes(&read.bytes, success);
        let mut body: &[u8] = &redacted;
        if read.over {
            // A key cut by the cap is not whole, so not taken out: what may hold its start goes.
            body = &body[..body.len().saturating_sub(self.redact.longest())];
        }
        // A UTF-8 byte order mark, which .NET servers may write before JSON, is not part of it.
        let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        // The usual answer, a success in JSON, is read straight from its bytes. Anything else
        // is read as text, as `Response::text` would give it (lossy UTF-8).
        if success && let Ok(answer) = serde_json::from_slice(body) {
            return Attempt::Done(answer);
        }
        let mut text = String::from_utf8_lossy(body).into_owned();
        if read.over {
            text.push_str(&format!("… (cut: more than {})", size(ERROR_CAP)));
        }
        self.classify(status, retry_after, text)
    }
}

/// What a request carries.
#[derive(Clone, Copy)]
pub(super) enum Body<'a> {
    None,
    /// Serialised for each attempt.
    Json(&'a Json),
    /// JSON text, sent as it is.
    Text(&'a [u8]),
}

impl Client {
    /// The address of `path` on the site.
    pub(super) fn url(&self, path: &str) -> Result<Url, CallError> {
        if path == CUSTOMER_POST {
            return Ok(self.customer_post.clone());
        }
        self.base.join(path).map_err(|e| CallError::Rejected {
            status: 0,
            body: e.to_string(),
        })
    }
}

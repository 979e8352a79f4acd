//! The sandbox's error answers: one enum, one status per variant, and the `{"Message": "..."}`
//! body the contract assumes for every fault.
//!
//! Invariant: `Retry-After` is only ever set on [`ApiError::Throttled`]; a spent quota never
//! carries it (retrying soon only fails again).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An answer other than success.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ApiError {
    /// 400: the body or a parameter is wrong; the message names the field.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no key, or not a key of this company.
    #[error("Authorization has been denied for this request.")]
    Unauthorized,
    /// 403: the key lacks permission for this action.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such path, company or record.
    #[error("{0}")]
    NotFound(String),
    /// 405: a known path with another method.
    #[error("The requested resource does not support http method '{0}'.")]
    MethodNotAllowed(String),
    /// 415: a post that is not `application/json`.
    #[error("The request entity's media type '{0}' is not supported for this resource.")]
    UnsupportedMediaType(String),
    /// 415: a control request that changes something, sent as anything but JSON (see `guard`).
    #[error(
        "A /__sandbox/ request that changes something must be sent with Content-Type: application/json (it came as '{0}')."
    )]
    ControlNotJson(String),
    /// 400: a Host header that does not name this machine (see `guard`).
    #[error(
        "The Host '{0}' does not name this machine; the sandbox answers only requests addressed to 127.0.0.1 or localhost."
    )]
    WrongHost(String),
    /// 408: the request's headers or body did not arrive within the body timeout.
    #[error("The request did not arrive in time; the connection is closed.")]
    Timeout,
    /// 413: a body larger than the sandbox reads.
    #[error("The request body is larger than {0} bytes.")]
    TooLarge(usize),
    /// 429 without `Retry-After`: the daily or monthly quota is spent.
    #[error("{0}")]
    QuotaExhausted(String),
    /// 429 with `Retry-After: 1`: too many requests within one second.
    #[error("Too many requests within one second; retry after 1 second.")]
    Throttled,
    /// 500: an injected fault.
    #[error("An error has occurred.")]
    Internal,
}

impl ApiError {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::WrongHost(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::UnsupportedMediaType(_) | ApiError::ControlNotJson(_) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            ApiError::Timeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::QuotaExhausted(_) | ApiError::Throttled => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A 400 naming `field`.
    pub(crate) fn field(field: &str, problem: impl std::fmt::Display) -> Self {
        ApiError::BadRequest(format!("The field '{field}' {problem}."))
    }
}

/// `{"Message": message}` as a JSON body.
pub(crate) fn message_body(message: &str) -> Vec<u8> {
    serde_json::json!({ "Message": message })
        .to_string()
        .into_bytes()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status(),
            [(header::CONTENT_TYPE, HeaderValue::from_static(JSON))],
            message_body(&self.to_string()),
        )
            .into_response();
        if self == ApiError::Throttled {
            let headers = response.headers_mut();
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// The content type of every answer.
pub(crate) const JSON: &str = "application/json; charset=utf-8";

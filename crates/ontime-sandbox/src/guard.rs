//! What a request must show before anything reads its body: a Host that names this machine,
//! and, for a control request that changes something, a JSON content type.
//!
//! Why: the sandbox listens on 127.0.0.1, where any web page the user opens can reach it. A page
//! of another site can send "simple" requests (a form post: no custom header, a form or text
//! content type) without asking the server first, so a control request must carry
//! `Content-Type: application/json`, which makes the browser ask (a CORS preflight the sandbox
//! never grants). A page served from a name that resolves to 127.0.0.1 (DNS rebinding) sends its
//! own name as Host, so only loopback names are answered.

use axum::http::{HeaderMap, Method, header};

use super::error::ApiError;

/// The prefix of the control API.
const CONTROL: &str = "/__sandbox";

/// Refuses a request whose Host is not a loopback name, or a changing control request that is
/// not JSON. A request without Host (HTTP/1.0) is let through: no browser sends one.
pub(crate) fn check(method: &Method, path: &str, headers: &HeaderMap) -> Result<(), ApiError> {
    if let Some(host) = headers.get(header::HOST) {
        let host = host.to_str().unwrap_or("");
        if !is_loopback(host) {
            return Err(ApiError::WrongHost(host.to_string()));
        }
    }
    let control = path == CONTROL || path.starts_with("/__sandbox/");
    let reads = matches!(*method, Method::GET | Method::HEAD);
    if control && !reads && !is_json(headers) {
        let given = headers.get(header::CONTENT_TYPE);
        let given = given.and_then(|v| v.to_str().ok()).unwrap_or("");
        return Err(ApiError::ControlNotJson(given.to_string()));
    }
    Ok(())
}

/// `localhost`, `127.0.0.1` (any 127.x.y.z) or `[::1]`, with or without a port.
fn is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    name.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// Whether the content type is `application/json` (parameters such as `charset` allowed).
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    let given = headers.get(header::CONTENT_TYPE);
    let given = given.and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = given.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(host: &str, content_type: Option<&'static str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_str(host).expect("a header"));
        if let Some(content_type) = content_type {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        headers
    }

    #[test]
    fn only_loopback_names_are_answered() {
        for host in [
            "127.0.0.1:8360",
            "localhost",
            "LOCALHOST:1",
            "[::1]:80",
            "127.1.2.3",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "evil.example:8360",
            "evil.example",
            "10.0.0.1:80",
            "",
            "[::2]:80",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn changing_control_requests_must_be_json() {
        let form = headers("127.0.0.1", Some("application/x-www-form-urlencoded"));
        let json = headers("127.0.0.1", Some("application/json; charset=utf-8"));
        let none = headers("localhost", None);
        let reset = "/__sandbox/quota/reset";
        assert!(check(&Method::POST, reset, &form).is_err());
        assert!(check(&Method::POST, reset, &none).is_err());
        assert!(check(&Method::DELETE, "/__sandbox/customers", &none).is_err());
        assert!(check(&Method::POST, reset, &json).is_ok());
        assert!(check(&Method::GET, "/__sandbox/stats", &none).is_ok());
        // The API's own rules (415 on a non-JSON post) are the handler's, not this gate's.
        assert!(check(&Method::POST, "/sites/sandbox/api/customer/post", &form).is_ok());
    }
}

//! Which OnTime endpoint a request under `/sites/` is for. Paths match as ASP.NET routes do:
//! case-insensitively, with or without a trailing slash; the company id matches exactly.
//!
//! Invariant: every request maps to exactly one [`Route`], whose [`Route::name`] is the key the
//! statistics count it under.

use axum::http::Method;

use super::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    CustomerPost,
    CustomerList,
    /// The raw `{id}` segment.
    CustomerGet(String),
    DepartmentPost,
    ContactPost,
    /// Not an endpoint (404 or 405).
    Other(ApiError),
}

impl Route {
    /// Resolves `path` (the whole request path) for `company`.
    pub(crate) fn resolve(company: &str, method: &Method, path: &str) -> Route {
        let Some(rest) = path.strip_prefix("/sites/") else {
            return not_found(path);
        };
        let (site, rest) = rest.split_once('/').unwrap_or((rest, ""));
        if site != company {
            let message = format!("No company '{site}' on this server (it serves '{company}').");
            return Route::Other(ApiError::NotFound(message));
        }
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let segments: Vec<&str> = rest.split('/').collect();
        let is = |s: &str, want: &str| s.eq_ignore_ascii_case(want);
        let (route, wanted) = match segments.as_slice() {
            [api, c, p] if is(api, "api") && is(c, "customer") && is(p, "post") => {
                (Route::CustomerPost, Method::POST)
            }
            [api, c, p] if is(api, "api") && is(c, "department") && is(p, "post") => {
                (Route::DepartmentPost, Method::POST)
            }
            [api, c, p] if is(api, "api") && is(c, "contact") && is(p, "post") => {
                (Route::ContactPost, Method::POST)
            }
            [api, c] if is(api, "api") && is(c, "customers") => (Route::CustomerList, Method::GET),
            [api, c, id] if is(api, "api") && is(c, "customers") && !id.is_empty() => {
                (Route::CustomerGet((*id).to_string()), Method::GET)
            }
            _ => return not_found(path),
        };
        if *method != wanted {
            return Route::Other(ApiError::MethodNotAllowed(method.to_string()));
        }
        route
    }

    /// The statistics key.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Route::CustomerPost => "POST api/customer/post",
            Route::CustomerList => "GET api/customers",
            Route::CustomerGet(_) => "GET api/customers/{id}",
            Route::DepartmentPost => "POST api/department/post",
            Route::ContactPost => "POST api/contact/post",
            Route::Other(_) => "other",
        }
    }

    pub(crate) fn is_post(&self) -> bool {
        matches!(
            self,
            Route::CustomerPost | Route::DepartmentPost | Route::ContactPost
        )
    }
}

fn not_found(path: &str) -> Route {
    let message = format!("No HTTP resource was found that matches the request URI '{path}'.");
    Route::Other(ApiError::NotFound(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve() {
        let r = |m: Method, p: &str| Route::resolve("acme", &m, p);
        assert_eq!(
            r(Method::POST, "/sites/acme/api/customer/post"),
            Route::CustomerPost
        );
        assert_eq!(
            r(Method::POST, "/sites/acme/API/Customer/Post/"),
            Route::CustomerPost
        );
        assert_eq!(
            r(Method::GET, "/sites/acme/api/customers"),
            Route::CustomerList
        );
        assert_eq!(
            r(Method::GET, "/sites/acme/api/customers/abc"),
            Route::CustomerGet("abc".into())
        );
        assert_eq!(
            r(Method::POST, "/sites/acme/api/contact/post"),
            Route::ContactPost
        );
        assert!(matches!(
            r(Method::GET, "/sites/other/api/customers"),
            Route::Other(ApiError::NotFound(_))
        ));
        assert!(matches!(
            r(Method::GET, "/sites/acme/api/customer/post"),
            Route::Other(ApiError::MethodNotAllowed(_))
        ));
        assert!(matches!(
            r(Method::GET, "/sites/acme/api/orders"),
            Route::Other(ApiError::NotFound(_))
        ));
    }
}

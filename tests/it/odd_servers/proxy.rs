//! The hand-made proxy: every request is shown to a rule, which lets it through to the sandbox,
//! changes the sandbox's answer, or answers in its place — with a whole answer, a cut one, a
//! trickle, or none at all. It records what it saw, the `Authorization` header included, so a
//! test can tell where the key went.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

/// The path prefix of a gateway the proxy also answers under.
pub const GATEWAY: &str = "/gateway";

/// One request as the rule sees it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// The path and query under `/sites/{company}/`, e.g. `api/customers?accountNumber=1001`.
    pub target: String,
    pub auth: Option<String>,
    /// Whether it came under [`GATEWAY`].
    pub gateway: bool,
    /// How many requests with the same method and path (query left out) came before this one.
    pub nth: usize,
}

impl Seen {
    pub fn is(&self, method: &str, path: &str) -> bool {
        self.method == method && self.target.split('?').next() == Some(path)
    }

    pub fn is_create(&self) -> bool {
        self.is("POST", "api/customer/post")
    }

    pub fn is_lookup(&self) -> bool {
        self.method == "GET" && self.target.starts_with("api/customers?")
    }
}

/// An HTTP answer, whole.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn json(status: u16, body: &serde_json::Value) -> Answer {
        Answer::new(status, body.to_string()).header("Content-Type", "application/json")
    }

    pub fn header(mut self, name: &str, value: &str) -> Answer {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The answer without the headers whose name starts with `prefix` (ignoring case).
    pub fn without(mut self, prefix: &str) -> Answer {
        let prefix = prefix.to_lowercase();
        self.headers
            .retain(|(n, _)| !n.to_lowercase().starts_with(&prefix));
        self
    }

    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// What the proxy sends back.
pub enum Reply {
    Http(Answer),
    /// Accepts the request and never answers.
    Hang,
    /// The status, headers and a `Content-Length` for the whole body, then the first `n`
    /// bytes of it, then the connection is dropped.
    Cut(Answer, usize),
    /// The answer in chunks of a few bytes, `Transfer-Encoding: chunked`.
    Chunked(Answer),
    /// The answer a byte at a time, one every `Duration`.
    Trickle(Answer, Duration),
    /// The answer's body sent `n` times over, chunked, as fast as the client reads it: an
    /// endless body, as far as any sane reader is concerned.
    Endless(Answer, usize),
}

/// What the rule makes of a request.
pub enum Act {
    /// Forward it, and send the sandbox's answer back as it is.
    Pass,
    /// Forward it, and reply with what the function makes of the sandbox's answer.
    Then(Box<dyn FnOnce(Answer) -> Reply + Send>),
    /// Do not forward it; reply this.
    Instead(Reply),
    /// Forward it only after this long, whether the client is still waiting or not (a server
    /// that stores a slow request after the client gave up on it), and send the answer back.
    Late(Duration),
}

impl Act {
    pub fn then(f: impl FnOnce(Answer) -> Reply + Send + 'static) -> Act {
        Act::Then(Box::new(f))
    }

    pub fn answer(answer: Answer) -> Act {
        Act::Instead(Reply::Http(answer))
    }
}

type Rule = Arc<dyn Fn(&Seen) -> Act + Send + Sync>;

#[derive(Clone)]
struct Shared {
    upstream: String,
    rule: Rule,
    seen: Arc<Mutex<Vec<Seen>>>,
    http: reqwest::Client,
}

/// A running proxy.
pub struct Proxy {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Proxy {
    /// Serves on 127.0.0.1:0 for the rest of the test, forwarding to `upstream`.
    pub async fn start(
        upstream: &str,
        rule: impl Fn(&Seen) -> Act + Send + Sync + 'static,
    ) -> Proxy {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            upstream: upstream.to_string(),
            rule: Arc::new(rule),
            seen: seen.clone(),
            http: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        };
        let router = axum::Router::new().fallback(handle).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Proxy { base, seen }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// `METHOD target` of every request seen, in order of arrival.
    pub fn seen(&self) -> Vec<String> {
        let seen = self.seen.lock().unwrap();
        seen.iter()
            .map(|s| format!("{} {}", s.method, s.target))
            .collect()
    }

    /// Whether each request seen came under [`GATEWAY`].
    pub fn gateway(&self) -> Vec<bool> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| s.gateway)
            .collect()
    }

    /// The `Authorization` header of every request seen.
    pub fn auth(&self) -> Vec<Option<String>> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| s.auth.clone())
            .collect()
    }
}

async fn handle(State(shared): State<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let full = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    // A gateway's path in front of the API (`--base-url http://…/gateway`) is taken off.
    let gateway = full.starts_with(GATEWAY);
    let full = full.strip_prefix(GATEWAY).unwrap_or(full).to_string();
    let target = full.splitn(4, '/').nth(3).unwrap_or_default().to_string();
    let auth = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let seen = {
        let mut log = shared.seen.lock().unwrap();
        let mut seen = Seen {
            method: parts.method.to_string(),
            target,
            auth,
            gateway,
            nth: 0,
        };
        seen.nth = log
            .iter()
            .filter(|s| s.is(&seen.method, seen.target.split('?').next().unwrap_or("")))
            .count();
        log.push(seen.clone());
        seen
    };
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let forward = move || async move {
        let mut request = shared
            .http
            .request(parts.method.clone(), format!("{}{full}", shared.upstream))
            .body(body.clone());
        for name in ["authorization", "content-type"] {
            if let Some(value) = parts.headers.get(name) {
                request = request.header(name, value);
            }
        }
        let answer = request.send().await.unwrap();
        let status = answer.status().as_u16();
        let headers = answer
            .headers()
            .iter()
            .filter(|(n, _)| {
                !matches!(
                    n.as_str(),
                    "content-length" | "transfer-encoding" | "connection"
                )
            })
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = answer.bytes().await.unwrap().to_vec();
        Answer {
            status,
            headers,
            body,
        }
    };
    let reply = match (shared.rule)(&seen) {
        Act::Pass => Reply::Http(forward().await),
        Act::Then(change) => change(forward().await),
        Act::Instead(reply) => reply,
        // Its own task: a handler is dropped when its client hangs up, and this one must not be.
        Act::Late(after) => Reply::Http(
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                forward().await
            })
            .await
            .unwrap(),
        ),
    };
    respond(reply).await
}

async fn respond(reply: Reply) -> Response {
    match reply {
        Reply::Http(answer) => build(&answer, Body::from(answer.body.clone()), false),
        Reply::Hang => std::future::pending().await,
        Reply::Cut(answer, n) => {
            let part = Bytes::from(answer.body[..n.min(answer.body.len())].to_vec());
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(part),
                Err(std::io::Error::other("the proxy cuts the connection")),
            ];
            build(
                &answer,
                Body::from_stream(futures::stream::iter(chunks)),
                true,
            )
        }
        Reply::Chunked(answer) => {
            let chunks: Vec<Result<Bytes, std::io::Error>> = answer
                .body
                .chunks(7)
                .map(|c| Ok(Bytes::from(c.to_vec())))
                .collect();
            build(
                &answer,
                Body::from_stream(futures::stream::iter(chunks)),
                false,
            )
        }
        Reply::Endless(answer, n) => {
            let chunk = Bytes::from(answer.body.clone());
            let chunks =
                futures::stream::iter(std::iter::repeat_n(chunk, n).map(Ok::<_, std::io::Error>));
            build(&answer, Body::from_stream(chunks), false)
        }
        Reply::Trickle(answer, every) => {
            let bytes = answer.body.clone();
            let stream = futures::stream::unfold(0, move |at| {
                let bytes = bytes.clone();
                async move {
                    if at >= bytes.len() {
                        return None;
                    }
                    tokio::time::sleep(every).await;
                    let one = Bytes::from(vec![bytes[at]]);
                    Some((Ok::<_, std::io::Error>(one), at + 1))
                }
            });
            build(&answer, Body::from_stream(stream), true)
        }
    }
}

fn build(answer: &Answer, body: Body, length: bool) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap();
    for (name, value) in &answer.headers {
        response.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_bytes(value.as_bytes()).unwrap(),
        );
    }
    if length {
        response
            .headers_mut()
            .insert("content-length", answer.body.len().into());
    }
    response
}

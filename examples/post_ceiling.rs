//! The HTTP stack's own ceiling for the throughput benchmark: the importer's client library
//! (reqwest on tokio, set up as the importer sets it up) posting ready-made create bodies and
//! reading each answer's bytes, nothing else — no reading, grouping, ledger, report or JSON.
//! Between wrk's plain posts and the importer, it shows what the importer's own work costs.
//!
//! ```text
//! cargo run --release --example post_ceiling -- URL BODIES.jsonl KEY [CONCURRENCY]
//! ```
//! Prints `posts <n> seconds <s> per_second <r> non_2xx <k>`.

use std::time::Instant;

use futures::StreamExt;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, bodies, key, rest @ ..] = args.as_slice() else {
        return Err("usage: post_ceiling URL BODIES.jsonl KEY [CONCURRENCY]".into());
    };
    let concurrency: usize = rest.first().map_or(Ok(32), |c| c.parse())?;
    let bodies: Vec<axum::body::Bytes> = std::fs::read_to_string(bodies)?
        .lines()
        .map(|line| axum::body::Bytes::copy_from_slice(line.as_bytes()))
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .tls_certs_only([])
            .build()?;
        let url = reqwest::Url::parse(url)?;
        let started = Instant::now();
        let failed: usize = futures::stream::iter(bodies.iter().cloned())
            .map(|body| {
                let request = client
                    .post(url.clone())
                    .header(reqwest::header::AUTHORIZATION, key.as_str())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body);
                tokio::spawn(async move {
                    match request.send().await {
                        Ok(answer) if answer.status().is_success() => {
                            usize::from(answer.bytes().await.is_err())
                        }
                        _ => 1,
                    }
                })
            })
            .buffer_unordered(concurrency)
            .map(|joined| joined.unwrap_or(1))
            .fold(0, |sum, failed| async move { sum + failed })
            .await;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "posts {} seconds {seconds:.3} per_second {:.0} non_2xx {failed}",
            bodies.len(),
            bodies.len() as f64 / seconds
        );
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}

//! Answers too large to hold: a gzip bomb (a small body inflating to 256 MiB), an endless
//! chunked success and an endless error page. Each is read up to its cap and no further, so the
//! run's peak memory stays small: measured exactly, as the maximum resident size of the child,
//! from a process of its own (`rss_wrapper`) whose only child is the run.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::process::{Command, Stdio};

use serde_json::json;

use super::*;

/// What the bombs inflate to; far above any cap, and above the peak allowed.
const BOMB: usize = 256 << 20;
/// The most the run may hold at its peak (it holds a 1 MiB answer, an 8 MiB list at most).
const PEAK_KB: i64 = 100 << 10;

/// A gzip member whose deflate stream inflates to at least `size` zero bytes in about a
/// thousandth of that: fixed-Huffman matches of 258 bytes at distance 1, 13 bits each. It has no
/// end (no last block, no trailer): a reader that stops at its cap never notices.
fn gzip_bomb(size: usize) -> Vec<u8> {
    let mut bits = Bits::default();
    bits.put(1, 1); // the last block…
    bits.put(1, 2); // …with the fixed Huffman codes
    bits.code(0x30, 8); // literal 0
    let mut matched = 0;
    let one_match = |bits: &mut Bits| {
        bits.code(0xC5, 8); // length 258 (code 285)
        bits.code(0, 5); // distance 1 (code 0)
    };
    one_match(&mut bits);
    matched += 258;
    assert_eq!(bits.count, 0, "the prefix ends on a byte boundary");
    // Eight matches are 104 bits: 13 bytes that repeat.
    for _ in 0..8 {
        one_match(&mut bits);
    }
    let unit = bits.out.split_off(3);
    let mut body = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    body.extend_from_slice(&bits.out);
    while matched < size {
        body.extend_from_slice(&unit);
        matched += 8 * 258;
    }
    body
}

/// Bits written least significant first, as deflate packs them.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u32,
    count: u32,
}

impl Bits {
    fn put(&mut self, value: u32, len: u32) {
        for i in 0..len {
            self.acc |= ((value >> i) & 1) << self.count;
            self.count += 1;
            if self.count == 8 {
                self.out.push(self.acc as u8);
                self.acc = 0;
                self.count = 0;
            }
        }
    }

    /// A Huffman code: its most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        for i in (0..len).rev() {
            self.put((code >> i) & 1, 1);
        }
    }
}

#[test]
fn the_bomb_inflates_as_built() {
    use std::io::Read;
    let bomb = gzip_bomb(2 << 20);
    assert!(bomb.len() < 16 << 10, "{}", bomb.len());
    let mut inflated = Vec::new();
    // It has no end: reading stops at the error of a stream cut short.
    let _ = flate2::read::GzDecoder::new(&bomb[..]).read_to_end(&mut inflated);
    assert!(inflated.len() >= 1 << 20, "{}", inflated.len());
    assert!(inflated.iter().all(|&b| b == 0));
}

/// Customer 1001's create answered with a gzip bomb (it was stored), 1002's lookup with an
/// endless list, 1003's create with an endless 400 page: the first is confirmed by lookup, the
/// second fails as unreadable, the third fails with the page cut; the run's peak memory stays
/// far below what any of them inflates to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_bomb_or_an_endless_body_is_read_up_to_its_cap() {
    let odd = Odd::new(|seen| {
        if seen.is_lookup() && seen.target.ends_with("=1002") {
            let spaces =
                Answer::new(200, vec![b' '; 64 << 10]).header("Content-Type", "application/json");
            Act::Instead(Reply::Endless(spaces, BOMB / (64 << 10)))
        } else if seen.is_create() && seen.nth == 0 {
            Act::then(|answer| {
                let bomb = Answer {
                    body: gzip_bomb(BOMB),
                    ..answer
                };
                Reply::Http(
                    bomb.without("content-encoding")
                        .header("Content-Encoding", "gzip"),
                )
            })
        } else if seen.is_create() {
            let page =
                Answer::new(400, "no ".repeat(20 << 10)).header("Content-Type", "text/plain");
            Act::Instead(Reply::Endless(page, BOMB / (60 << 10)))
        } else {
            Act::Pass
        }
    })
    .await;
    // One more in OnTime than to import: looked up one by one.
    for acct in ["9996", "9997", "9998", "9999"] {
        odd.sb
            .insert_customer(json!({"Name": "Other", "AccountNumber": acct}));
    }
    odd.work.write("in.csv", customers_csv(3));
    odd.work.write("m.toml", SIMPLE_MAPPING);
    let (run, peak_kb) = peak_rss(
        &odd,
        &["--concurrency", "1", "--timeout", "60", "--retries", "1"],
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = odd.report();
    assert_eq!(report.len(), 3, "{report:?}");
    assert_eq!(
        report[0],
        "2,created,1001,created (confirmed by lookup after: 201 Created with an answer too large (more than 1 MiB), not read further)"
    );
    assert_eq!(
        report[1],
        "3,failed,1002,gave up after retries: 200 OK with an answer too large (more than 8 MiB), not read further"
    );
    assert!(
        report[2].starts_with("4,failed,1003,OnTime answered 400: no no no")
            && report[2].ends_with("… (cut: more than 64 KiB)")
            && report[2].len() < 70 << 10,
        "{}",
        report[2].chars().take(200).collect::<String>()
    );
    assert_eq!(odd.stored().get("1001"), Some(&1));
    assert_eq!(odd.stored().get("1002"), None);
    assert!(peak_kb < PEAK_KB, "peak resident memory {peak_kb} KiB");
}

/// Runs the import of the input written (as [`Odd::rerun`]) in a process of its own, which
/// reports the run's peak resident memory: its exit, its stderr, and that peak in KiB.
async fn peak_rss(odd: &Odd, extra: &[&str]) -> (Run, i64) {
    let ledger = odd.work.path("ledger.db").display().to_string();
    let mut args = vec![
        "in.csv",
        "-m",
        "m.toml",
        "--base-url",
        odd.proxy.base(),
        "--company-id",
        odd.sb.company_id(),
        "--state",
        &ledger,
        "--rate",
        "500",
    ];
    args.extend(extra);
    let mut wrapper = Command::new(std::env::current_exe().unwrap());
    wrapper
        .args([
            "--exact",
            "odd_servers::bodies::rss_wrapper",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .current_dir(odd.work.dir())
        .env_remove("ONTIME_COMPANY_ID")
        .env_remove("ONTIME_BASE_URL")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .env("ONTIME_API_KEY", odd.sb.api_key())
        .env(WRAPPED, serde_json::to_string(&args).unwrap())
        .stdin(Stdio::null());
    let output = tokio::process::Command::from(wrapper)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let field = |name: &str| -> i64 {
        // libtest may print the test's name on the same line.
        let word = stdout.split_whitespace().find_map(|w| w.strip_prefix(name));
        word.unwrap_or_else(|| panic!("no {name} in {stdout}"))
            .trim()
            .parse()
            .unwrap()
    };
    let run = Run {
        code: field("WRAPPED_EXIT=") as i32,
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    (run, field("WRAPPED_PEAK_KB="))
}

/// The arguments of the run `rss_wrapper` makes, as JSON.
const WRAPPED: &str = "ONTIME_IT_WRAPPED_ARGS";

/// Not a test: the process `peak_rss` starts. Runs the binary with the arguments in
/// [`WRAPPED`] as its only child, then prints the child's exit code and peak resident size
/// (which `getrusage` gives for the children waited for: here, that one).
#[test]
#[ignore = "a helper process for peak_rss, which runs it"]
fn rss_wrapper() {
    let Ok(args) = std::env::var(WRAPPED) else {
        return;
    };
    let args: Vec<String> = serde_json::from_str(&args).unwrap();
    let status = Command::new(crate::util::binary())
        .args(&args)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    let usage =
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    println!("WRAPPED_EXIT={}", status.code().unwrap_or(-1));
    println!("WRAPPED_PEAK_KB={}", usage.max_rss());
}

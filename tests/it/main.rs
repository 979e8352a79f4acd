//! The integration tests: one binary, one module per topic. They drive the real binary (and the
//! sandbox on 127.0.0.1:0) through the helpers in `util`.

mod csv_quotes;
mod defaults;
mod dry_run;
mod export;
mod fuzzed_samples;
mod hostile_workbooks;
mod ledger;
mod mapping_errors;
mod matching;
mod messy_exports;
mod messy_input;
mod nightly;
mod numbers;
mod odd_servers;
mod onboarding;
mod outputs;
mod plan_view;
mod safety_net;
mod sandbox;
mod screens;
mod upload;
mod util;

//! Matching, safe updates and the ledger (issue 5) through the real binary against an
//! in-process sandbox: reruns that spend nothing, updates that keep what OnTime holds, ambiguous
//! matches, `--children separate`, `--plan`, the run lock, SIGKILL at any point, `--errors`.

mod crashes;
mod errors;
mod reruns;
mod servers;
mod updates;

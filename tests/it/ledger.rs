//! Matching, safe updates and the ledger (issue 5) through the real binary against an
//! in-process sandbox: reruns that spend nothing, updates that keep what OnTime holds, ambiguous
//! matches, `--children separate`, `--plan`, the run lock, SIGKILL at any point, `--errors`; the
//! ledger's sites and versions, the first request that proves the site, waits said aloud; the
//! ledger's size against what it holds.

mod crashes;
mod errors;
mod proof;
mod reruns;
mod servers;
mod sites;
mod size;
mod updates;
mod waits;

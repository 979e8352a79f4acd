//! The cost before the spending: after the run's first request (which proves the site, tells
//! whether the account is empty and brings the quota headers) and before any customer is sent,
//! how many requests the run is expected to take, how long at `--rate`, and what is left of the
//! quota; on a terminal, a large run asks to go on.
//!
//! The count is an estimate from what is known before sending: the customers, which of them
//! the ledger knows by ID, how the run matches the others ([`Strategy`]: nothing to look up in
//! an empty account, a lookup each, or every record of the account read once), `--children`. It is an upper bound for
//! the posts (a customer the ledger shows unchanged sends nothing; an update that changes
//! nothing posts nothing) and leaves out retries. It never sends a request of its own.

use std::collections::HashMap;
use std::fmt::Write;
use std::io::IsTerminal;

use super::matching::Strategy;
use super::{Client, Intent, Quota, Stop};
use crate::cli::Children;
use crate::group::CustomerGroup;
use crate::ledger::Entry;
use crate::settings::Target;

/// A run above this many requests asks to go on (on a terminal, without `--yes`).
pub(super) const ASK_ABOVE: u64 = 1_000;

/// The requests a run is expected to send after its first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Estimate {
    pub customers: u64,
    /// Lookups by the match key: customers the ledger has no ID for, in an account not empty
    /// (with [`Strategy::ReadAll`], only those an earlier run's create left pending).
    pub lookups: u64,
    /// [`Strategy::ReadAll`]: every record of the account, read once to match here.
    pub reads: u64,
    /// Records fetched by the ledger's ID, to compare before an update.
    pub fetches: u64,
    pub creates: u64,
    /// At most this many: the customers the ledger knows by ID.
    pub updates: u64,
    /// Departments and contacts posted one by one (`--children separate`) for the creates.
    pub children: u64,
    /// The listing after creating into an empty account, which checks that nobody else created
    /// customers meanwhile (README, "The empty-account shortcut"): 1 or 0.
    pub check: u64,
    /// Change queries that let updates go over the ledger's copy without a read.
    pub queries: u64,
}

impl Estimate {
    /// `customers` to send, `ledgered` of them known to the ledger by ID, `children` the
    /// departments and contacts of the others posted one by one (0 unless
    /// `--children separate`), `strategy` how the others are matched.
    pub(super) fn new(
        customers: u64,
        ledgered: u64,
        children: u64,
        strategy: Strategy,
        intent: Intent,
    ) -> Self {
        let new = customers.saturating_sub(ledgered);
        let empty = strategy == Strategy::Empty;
        let (lookups, reads, served) = match strategy {
            Strategy::Empty => (0, 0, 0),
            Strategy::Lookups => (new, 0, 0),
            Strategy::ReadAll {
                reads,
                pending,
                known,
            } => (pending, reads, known),
        };
        let looked = Estimate {
            customers,
            lookups,
            reads,
            fetches: ledgered.saturating_sub(served),
            ..Estimate::default()
        };
        match intent {
            Intent::Preview => looked,
            Intent::Write => Estimate {
                creates: new,
                updates: ledgered,
                children,
                check: u64::from(empty && new > 0),
                ..looked
            },
        }
    }

    /// Less a read for each update over the ledger's copy, plus the change queries.
    pub(super) fn with_copies(self, copies: Copies) -> Estimate {
        Estimate {
            fetches: self.fetches.saturating_sub(copies.covered),
            queries: copies.queries,
            ..self
        }
    }

    pub(super) fn total(&self) -> u64 {
        self.queries
            + self.lookups
            + self.reads
            + self.fetches
            + self.creates
            + self.updates
            + self.children
            + self.check
    }

    /// What the quota leaves this run: the lesser of the daily and monthly counts, less
    /// `--reserve` (which keeps part of the daily one); `None` when no answer told it.
    pub(super) fn allowed(quota: &Quota, reserve: Option<u64>) -> Option<u64> {
        let daily = quota
            .daily_remaining
            .map(|left| left.saturating_sub(reserve.unwrap_or(0)));
        match (daily, quota.monthly_remaining) {
            (Some(d), Some(m)) => Some(d.min(m)),
            (one, other) => one.or(other),
        }
    }

    /// Whether a run on a terminal asks before it sends: above [`ASK_ABOVE`] requests, or above
    /// what the quota leaves it.
    pub(super) fn asks(&self, allowed: Option<u64>) -> bool {
        let total = self.total();
        total > ASK_ABOVE || allowed.is_some_and(|allowed| total > allowed)
    }

    /// The lines on screen: the requests by kind and the time at `rate`, the quota left, and
    /// where the run stops when it is short.
    pub(super) fn lines(&self, rate: u32, quota: &Quota, reserve: Option<u64>) -> String {
        let mut out = String::new();
        let seconds = self.total().div_ceil(u64::from(rate.max(1)));
        let _ = write!(
            out,
            "estimate: about {} requests for {} customers: {} lookups, {} creates, up to {} updates, {} records fetched by the ledger's ID",
            self.total(),
            self.customers,
            self.lookups,
            self.creates,
            self.updates,
            self.fetches,
        );
        if self.reads > 0 {
            let _ = write!(
                out,
                ", {} records of the account read once to match here",
                self.reads
            );
        }
        if self.children > 0 {
            let _ = write!(out, ", {} departments and contacts", self.children);
        }
        if self.check > 0 {
            let _ = write!(
                out,
                ", 1 listing to check nobody else created customers meanwhile"
            );
        }
        if self.queries > 0 {
            let _ = write!(
                out,
                ", {} change queries (nobody else changed the ledger's copies)",
                self.queries
            );
        }
        let _ = writeln!(out, "; about {} at --rate {rate}", duration(seconds));
        out.push_str(&quota_left(quota, reserve));
        if let Some(allowed) = Estimate::allowed(quota, reserve).filter(|a| *a < self.total()) {
            // The closing listing comes after every customer: it is not theirs to share.
            // Nor are the records read in before the first customer.
            let per_customers = self.total() - self.check - self.reads;
            let reached = allowed
                .saturating_sub(self.reads)
                .saturating_mul(self.customers)
                / per_customers.max(1);
            let _ = writeln!(
                out,
                "the quota left allows about {allowed} more requests: the run will stop after about {reached} of {} customers (exit 3); run it again after the reset and it finishes, skipping those already sent",
                self.customers
            );
        }
        out
    }
}

/// What the ledger and the customers tell before the first request: how many customers are to
/// be sent (those the ledger judges `unchanged` send nothing), how many of them the ledger knows
/// by ID, the children the others post one by one, and what the ledger's `copies` of changed
/// customers save ([`Copies`]).
pub(super) fn known(
    groups: &[CustomerGroup],
    known: &HashMap<String, Entry>,
    children: Children,
    unchanged: u64,
    copies: &[super::fresh::Candidate],
) -> ((u64, u64, u64), Copies) {
    let ledgered = |group: &&CustomerGroup| {
        known
            .get(&group.key)
            .is_some_and(|entry| entry.customer_id.is_some() && !entry.pending_create)
    };
    let count = groups.iter().filter(ledgered).count() as u64;
    let separate = match children {
        Children::Separate => groups
            .iter()
            .filter(|group| !ledgered(group))
            .map(|group| (group.draft.departments.len() + group.draft.contacts.len()) as u64)
            .sum(),
        _ => 0,
    };
    let sent = (groups.len() as u64).saturating_sub(unchanged);
    (
        (sent, count.saturating_sub(unchanged), separate),
        Copies::of(copies),
    )
}

/// The updates that need no read, since the ledger holds OnTime's last answer for them, and
/// the change queries that make sure nobody else changed them since.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Copies {
    pub queries: u64,
    pub covered: u64,
}

impl Copies {
    fn of(candidates: &[super::fresh::Candidate]) -> Copies {
        let (queries, covered) = super::fresh::queries(candidates);
        Copies { queries, covered }
    }
}

/// After the first request: says the estimate and, for a run that writes on a terminal above
/// [`ASK_ABOVE`] requests or the quota left, asks to go on unless `--yes`. `false` (the run
/// stopped, [`Stop::Declined`]) when the answer is no.
pub(super) async fn before_sending(
    client: &Client,
    target: &Target,
    intent: Intent,
    (((customers, ledgered, children), copies), strategy): (((u64, u64, u64), Copies), Strategy),
) -> bool {
    let estimate = Estimate::new(customers, ledgered, children, strategy, intent);
    let estimate = match strategy {
        // Every record read in: the changed customers are merged over those.
        Strategy::ReadAll { .. } => estimate,
        _ => estimate.with_copies(copies),
    };
    let quota = client.quota();
    eprint!(
        "{}",
        estimate.lines(target.rate.get(), &quota, target.reserve)
    );
    let asks = intent == Intent::Write
        && !target.yes
        && estimate.asks(Estimate::allowed(&quota, target.reserve))
        && can_ask();
    !asks || go_on(client).await
}

/// Asks on the terminal whether to go on; a "no" stops the run ([`Stop::Declined`]).
pub(super) async fn go_on(client: &Client) -> bool {
    let yes = tokio::task::spawn_blocking(confirmed)
        .await
        .unwrap_or(false);
    if !yes {
        client.stop(Stop::Declined);
    }
    yes
}

/// The quota line: `quota left: 5 today (resets …), this month not told; --reserve keeps 2`.
fn quota_left(quota: &Quota, reserve: Option<u64>) -> String {
    let left = |count: Option<u64>, reset: &Option<String>, when: &str| match (count, reset) {
        (Some(count), Some(reset)) => format!("{count} {when} (resets {reset})"),
        (Some(count), None) => format!("{count} {when}"),
        (None, _) => format!("{when} not told"),
    };
    let mut out = format!(
        "quota left: {}, {}",
        left(quota.daily_remaining, &quota.daily_reset, "today"),
        left(quota.monthly_remaining, &quota.monthly_reset, "this month"),
    );
    if let Some(reserve) = reserve {
        let _ = write!(out, "; --reserve keeps {reserve}");
    }
    out.push('\n');
    out
}

/// The cost of another command that spends requests (the export), after its first answer told
/// the quota: `cost` as it words it, the time the `total` requests it has still to send take at
/// `--rate`, the quota left, and a warning when that is short; then, on a terminal and without `--yes`, the same
/// question as a run's above [`ASK_ABOVE`] requests or the quota left. `false` when the answer
/// is no (the client is then stopped: [`Stop::Declined`]).
pub(crate) async fn say_cost(client: &Client, target: &Target, cost: &str, total: u64) -> bool {
    let quota = client.quota();
    let rate = target.rate.get();
    let seconds = total.div_ceil(u64::from(rate));
    eprint!(
        "{cost}; about {} at --rate {rate}\n{}",
        duration(seconds),
        quota_left(&quota, target.reserve)
    );
    let allowed = Estimate::allowed(&quota, target.reserve);
    if let Some(allowed) = allowed.filter(|allowed| *allowed < total) {
        eprintln!(
            "the quota left allows about {allowed} more requests: it will stop after about that many (exit 3); run the same command again after the reset and it goes on"
        );
    }
    let short = allowed.is_some_and(|allowed| total > allowed);
    target.yes || !(total > ASK_ABOVE || short) || !can_ask() || go_on(client).await
}

/// `45s`, `12m 5s`, `3h 20m`.
pub(super) fn duration(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {}s", s / 60, s % 60),
        s => format!("{}h {}m", s / 3600, s % 3600 / 60),
    }
}

/// Asks on the terminal whether to go on; `true` for `y` or `yes`. Never called unless stdin
/// and stderr are terminals ([`can_ask`]): a run from cron never waits for an answer.
fn confirmed() -> bool {
    eprint!("send these requests? [y/N] ");
    let mut answer = String::new();
    match std::io::stdin().read_line(&mut answer) {
        Ok(_) => matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"),
        Err(_) => false,
    }
}

/// Whether the run can ask: its stdin and stderr are terminals.
pub(super) fn can_ask() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(daily: u64, monthly: u64) -> Quota {
        Quota {
            daily_remaining: Some(daily),
            monthly_remaining: Some(monthly),
            ..Quota::default()
        }
    }

    #[test]
    fn an_empty_account_needs_no_lookups_and_a_plan_no_posts() {
        let write = Estimate::new(10, 4, 0, Strategy::Empty, Intent::Write);
        assert_eq!((write.lookups, write.creates, write.updates), (0, 6, 4));
        // With the listing after the creates that checks for customers made meanwhile.
        assert_eq!((write.check, write.total()), (1, 15));
        let plan = Estimate::new(10, 4, 0, Strategy::Lookups, Intent::Preview);
        assert_eq!((plan.lookups, plan.fetches, plan.total()), (6, 4, 10));
    }

    #[test]
    fn reading_the_account_counts_its_records_instead_of_the_lookups() {
        let read = Strategy::ReadAll {
            reads: 1_000,
            pending: 0,
            known: 0,
        };
        let write = Estimate::new(2_000, 0, 0, read, Intent::Write);
        assert_eq!(
            (write.lookups, write.reads, write.creates),
            (0, 1_000, 2_000)
        );
        // With the first request (the listing): 3,001.
        assert_eq!((write.check, write.total()), (0, 3_000));
        // The reads come before every customer: 1,500 left reach 500 of them.
        let lines = write.lines(1, &quota(1_500, 100_000), None);
        assert!(
            lines.contains("stop after about 500 of 2000 customers"),
            "{lines}"
        );
    }

    #[test]
    fn the_reserve_and_the_lesser_quota_decide_what_is_allowed() {
        assert_eq!(Estimate::allowed(&quota(100, 50), Some(10)), Some(50));
        assert_eq!(Estimate::allowed(&quota(100, 500), Some(10)), Some(90));
        assert_eq!(Estimate::allowed(&Quota::default(), Some(10)), None);
    }

    #[test]
    fn a_run_asks_above_a_thousand_requests_or_above_the_quota() {
        let small = Estimate::new(10, 0, 0, Strategy::Empty, Intent::Write);
        assert!(!small.asks(None));
        assert!(small.asks(Some(9)));
        assert!(Estimate::new(1_001, 0, 0, Strategy::Empty, Intent::Write).asks(None));
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(45), "45s");
        assert_eq!(duration(725), "12m 5s");
        assert_eq!(duration(12_000), "3h 20m");
    }
}

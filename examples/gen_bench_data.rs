//! Generates large customer spreadsheets for benchmarks, in the layout of the shipped samples
//! (`examples/support/layout.rs`, read by `mappings/default.toml`).
//!
//! ```text
//! cargo run --release --example gen_bench_data -- --rows 1000000 --out target/bench/customers-1m.csv
//! cargo run --release --example gen_bench_data -- --rows 100000 --out target/bench/customers-100k.xlsx
//! ```
//!
//! The format follows the extension (`.csv` or `.xlsx`). Output is deterministic: the same
//! `--rows` and `--seed` give the same bytes (a CSV of N rows is, up to its last customer, the
//! first N rows of any longer one). Every row is valid for the importer: customers have 1 to 5
//! adjacent rows (3 on average) sharing `Acct No` and `Company`; other customer columns are
//! repeated exactly or left blank on follow-up rows, `Country` and `Pricing` always repeated.
//! The CSV is streamed; the workbook is written in rust_xlsxwriter's low-memory mode (rows go to
//! a temp file, strings to the shared-string table as Excel itself writes them).

#[path = "support/layout.rs"]
mod layout;
#[path = "support/words.rs"]
mod words;

use std::error::Error;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use layout::{COLUMNS, Formats, Row};
use rust_xlsxwriter::Workbook;
use words::{
    BILLING_LOCAL_PARTS, CITIES, FIRST_NAMES, LOCAL_PARTS, NOTES, PLACES, SECTORS, STREET_KINDS,
    STREETS, SURNAMES, YES_NO,
};

/// Writes a benchmark spreadsheet of customer rows.
#[derive(Debug, Parser)]
struct Args {
    /// Data rows to write (the header is extra).
    #[arg(long)]
    rows: u64,
    /// Output file; `.csv` or `.xlsx` picks the format. Parent folders are created.
    #[arg(long)]
    out: PathBuf,
    /// PRNG seed; the same seed gives the same file.
    #[arg(long, default_value_t = 0x0D15_EA5E_C0FF_EE42)]
    seed: u64,
    /// xlsx only: write strings inline (rust_xlsxwriter's constant-memory mode) instead of in a
    /// shared-string table. Excel itself always uses the table.
    #[arg(long)]
    inline_strings: bool,
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let started = Instant::now();
    let mut generator = Generator::new(args.seed, args.rows);
    let ext = args.out.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext.to_ascii_lowercase().as_str() {
        "csv" => write_csv(&args.out, &mut generator)?,
        "xlsx" => write_xlsx(&args.out, &mut generator, args.inline_strings)?,
        _ => return Err(format!("{}: use a .csv or .xlsx name", args.out.display()).into()),
    }
    let seconds = started.elapsed().as_secs_f64();
    let size = fs::metadata(&args.out)?.len();
    println!(
        "{}: {} rows, {} customers, {:.1} MB, {seconds:.2} s",
        args.out.display(),
        generator.rows_done,
        generator.customers_done,
        size as f64 / 1e6,
    );
    Ok(())
}

fn write_csv(path: &Path, generator: &mut Generator) -> Result<(), Box<dyn Error>> {
    // RFC 4180 like the samples: CRLF, quotes only where needed. BufWriter keeps memory flat.
    let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(file);
    out.write_record(COLUMNS)?;
    while let Some(row) = generator.next_row() {
        out.write_record(row)?;
    }
    out.flush()?;
    Ok(())
}

fn write_xlsx(
    path: &Path,
    generator: &mut Generator,
    inline_strings: bool,
) -> Result<(), Box<dyn Error>> {
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    let sheet = if inline_strings {
        workbook.add_worksheet_with_constant_memory()?
    } else {
        workbook.add_worksheet_with_low_memory()?
    };
    layout::start_sheet(sheet, &formats)?;
    let mut n = 0u32;
    while let Some(row) = generator.next_row() {
        n += 1;
        layout::write_row(sheet, &formats, n, &row)?;
    }
    layout::finish_sheet(sheet, n)?;
    workbook.save(path)?;
    Ok(())
}

/// xorshift64*: tiny, fast, good enough for test data, and stable across platforms and
/// versions (unlike `rand`'s `StdRng`), so a seed names a file forever.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // Zero is xorshift's one fixed point; splitmix the seed so every seed works.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0; the modulo bias is irrelevant here).
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 32) % n as u64) as usize
    }

    fn range(&mut self, low: u32, high: u32) -> u32 {
        low + self.below((high - low + 1) as usize) as u32
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// Picks from `(weight, item)` pairs.
    fn weighted<T: Copy>(&mut self, items: &[(usize, T)]) -> T {
        let total: usize = items.iter().map(|(w, _)| w).sum();
        let mut at = self.below(total);
        for &(w, item) in items {
            if at < w {
                return item;
            }
            at -= w;
        }
        items[items.len() - 1].1
    }
}

/// How a follow-up row fills the customer columns (see `make_samples`).
#[derive(Clone, Copy)]
enum FollowUp {
    Repeat,
    Blank,
    Partial,
}

/// Columns, by index in `COLUMNS`.
mod col {
    pub const ACCT: usize = 0;
    pub const COMPANY: usize = 1;
    pub const CITY: usize = 5;
    pub const COUNTRY: usize = 8;
    pub const PRICING: usize = 15;
    pub const DEPARTMENT: usize = 21;
    pub const CONTACT: usize = 22;
    pub const CONTACT_EMAIL: usize = 23;
    pub const CONTACT_PHONE: usize = 24;
}

/// Makes rows one at a time into reused buffers, so memory stays flat at any row count.
struct Generator {
    rng: Rng,
    rows_wanted: u64,
    rows_done: u64,
    customers_done: u64,
    /// The current customer's full first row.
    customer: [String; 25],
    /// The row being handed out.
    row: [String; 25],
    style: FollowUp,
    lines_left: u32,
    line_no: u32,
    sector: usize,
    /// A single-row customer without department or contact.
    bare: bool,
    slug: String,
    area_code: u32,
    departments_used: Vec<&'static str>,
    contacts_used: Vec<(usize, usize)>,
}

impl Generator {
    fn new(seed: u64, rows: u64) -> Self {
        Generator {
            rng: Rng::new(seed),
            rows_wanted: rows,
            rows_done: 0,
            customers_done: 0,
            customer: Default::default(),
            row: Default::default(),
            style: FollowUp::Repeat,
            lines_left: 0,
            line_no: 0,
            sector: 0,
            bare: false,
            slug: String::new(),
            area_code: 0,
            departments_used: Vec::new(),
            contacts_used: Vec::new(),
        }
    }

    /// The next row, or `None` once `--rows` rows have been made.
    fn next_row(&mut self) -> Option<Row<'_>> {
        if self.rows_done == self.rows_wanted {
            return None;
        }
        if self.lines_left == 0 {
            self.new_customer();
        }
        self.make_row();
        self.lines_left -= 1;
        self.line_no += 1;
        self.rows_done += 1;
        Some(std::array::from_fn(|i| self.row[i].as_str()))
    }

    fn new_customer(&mut self) {
        let r = &mut self.rng;
        self.customers_done += 1;
        self.line_no = 0;
        // 1..=5 rows, 3 on average.
        self.lines_left = r.range(1, 5);
        self.style = r.weighted(&[
            (4, FollowUp::Repeat),
            (4, FollowUp::Blank),
            (2, FollowUp::Partial),
        ]);
        self.sector = r.below(SECTORS.len());
        self.departments_used.clear();
        self.contacts_used.clear();
        let sector = &SECTORS[self.sector];
        let c = &mut self.customer;
        for cell in c.iter_mut() {
            cell.clear();
        }

        // Acct No: digits, stored as text.
        let _ = write!(c[0], "{}", 100_000 + self.customers_done);
        // Company.
        let template = r.pick(sector.names);
        let place = r.pick(PLACES);
        let surname = r.pick(SURNAMES).0;
        let other = r.pick(SURNAMES).0;
        c[1] = template
            .replace("{P}", place)
            .replace("{S}", surname)
            .replace("{T}", other);
        self.slug.clear();
        slugify(&c[1], &mut self.slug);
        // Primary Contact.
        let (first, _) = r.pick(FIRST_NAMES);
        let (last, _) = r.pick(SURNAMES);
        let _ = write!(c[2], "{first} {last}");
        // Address 1, Address 2.
        let _ = write!(
            c[3],
            "{} {} {}",
            r.range(1, 9999),
            r.pick(STREETS),
            r.pick(STREET_KINDS)
        );
        match r.below(10) {
            0..=2 => {
                let _ = write!(c[4], "Suite {}", r.range(100, 2999));
            }
            3 => {
                let _ = write!(c[4], "Floor {}", r.range(2, 40));
            }
            4 => {
                let _ = write!(c[4], "Bldg {}", r.pick(&["A", "B", "C", "D", "2", "3"]));
            }
            _ => {}
        }
        // City, State, ZIP (five digits, leading zeros kept).
        let (city, state, zip, span, area) = r.pick(CITIES);
        self.area_code = area;
        c[col::CITY].push_str(city);
        c[6].push_str(state);
        let _ = write!(c[7], "{:05}", zip + r.below(span as usize) as u32);
        // Country: blank means the mapping's default, US.
        if r.chance(85) {
            c[col::COUNTRY].push_str("US");
        }
        // Phone, Fax.
        let _ = write!(c[9], "({area}) 555-01{:02}", r.below(100));
        if r.chance(30) {
            let _ = write!(c[10], "({area}) 555-01{:02}", r.below(100));
        }
        // Email, Billing Email, Website.
        let slug = &self.slug;
        let _ = write!(c[11], "{}@{slug}.example", r.pick(LOCAL_PARTS));
        if r.chance(60) {
            let _ = write!(c[12], "{}@{slug}.example", r.pick(BILLING_LOCAL_PARTS));
        }
        if r.chance(50) {
            let _ = write!(c[13], "www.{slug}.example");
        }
        // Status, Pricing.
        c[14].push_str(r.weighted(&[(90, "Active"), (6, "On hold"), (4, "Closed")]));
        c[col::PRICING].push_str(r.weighted(&[
            (25, ""),
            (10, "None"),
            (25, "Zone to Zone"),
            (25, "Distance"),
            (15, "Flat Rate"),
        ]));
        // Billing Adj %: integers, halves, sometimes with a `%` (the xlsx stores the number).
        if r.chance(45) {
            let whole = r.range(0, 35) as i32 - 15;
            let _ = write!(c[16], "{whole}");
            if r.chance(30) {
                c[16].push_str(".5");
            }
            if r.chance(30) {
                c[16].push('%');
            }
        }
        // Invoice By Email, Web Portal.
        c[17].push_str(r.weighted(YES_NO));
        c[18].push_str(r.weighted(YES_NO));
        // Ref, Notes (a few with a line break inside the quoted CSV field).
        if r.chance(40) {
            let prefix: String = slug.chars().take(3).collect::<String>().to_uppercase();
            let _ = write!(c[19], "{prefix}-{}", r.range(1000, 99_999));
        }
        if r.chance(35) {
            c[20].push_str(r.pick(NOTES));
            if r.chance(3) {
                c[20].push('\n');
                c[20].push_str(r.pick(NOTES));
            }
        }
        // A single-row customer has no department or contact one time in four.
        self.bare = self.lines_left == 1 && r.chance(25);
    }

    /// Fills `self.row` from the customer and a fresh department/contact line.
    fn make_row(&mut self) {
        for cell in self.row.iter_mut() {
            cell.clear();
        }
        // Which customer columns this row carries: all on the first row; on follow-ups, per
        // style (Country and Pricing always, see the module comment).
        let keep: Option<&[usize]> = match (self.line_no, self.style) {
            (0, _) | (_, FollowUp::Repeat) => None,
            (_, FollowUp::Blank) => Some(&[col::ACCT, col::COMPANY, col::COUNTRY, col::PRICING]),
            (_, FollowUp::Partial) => Some(&[0, 1, 3, 4, 5, 6, 7, 8, 9, 15]),
        };
        for i in 0..col::DEPARTMENT {
            if keep.is_none_or(|k| k.contains(&i)) {
                self.row[i].push_str(&self.customer[i]);
            }
        }
        if self.bare {
            return;
        }
        let r = &mut self.rng;
        // Both a department and a contact half the time, else one of them.
        let kind = r.weighted(&[(5, 0), (2, 1), (3, 2)]);
        if kind != 2 {
            let departments = SECTORS[self.sector].departments;
            let free: Vec<&str> = departments
                .iter()
                .copied()
                .filter(|d| !self.departments_used.contains(d))
                .collect();
            if let Some(&name) = free.get(r.below(free.len().max(1))) {
                self.departments_used.push(name);
                self.row[col::DEPARTMENT].push_str(name);
            }
        }
        if kind != 1 || self.row[col::DEPARTMENT].is_empty() {
            // A contact not already on this customer.
            let mut who = (r.below(FIRST_NAMES.len()), r.below(SURNAMES.len()));
            while self.contacts_used.contains(&who) {
                who.1 = (who.1 + 1) % SURNAMES.len();
            }
            self.contacts_used.push(who);
            let (first, first_ascii) = FIRST_NAMES[who.0];
            let (last, last_ascii) = SURNAMES[who.1];
            let row = &mut self.row;
            let _ = write!(row[col::CONTACT], "{first} {last}");
            if r.chance(85) {
                let _ = write!(
                    row[col::CONTACT_EMAIL],
                    "{first_ascii}.{last_ascii}@{}.example",
                    self.slug
                );
            }
            if r.chance(80) {
                let _ = write!(
                    row[col::CONTACT_PHONE],
                    "({}) 555-01{:02}",
                    self.area_code,
                    r.below(100)
                );
                if r.chance(25) {
                    let _ = write!(row[col::CONTACT_PHONE], " x{}", r.range(100, 499));
                }
            }
        }
    }
}

/// A mail domain label from a company name: its first two words as ASCII letters and digits,
/// lowercased, accents dropped (`Café Müller Catering` → `cafemuller`), never empty.
fn slugify(name: &str, out: &mut String) {
    for word in name.split_whitespace().filter(|w| *w != "St.").take(2) {
        for ch in word.chars() {
            let ch = match ch {
                'à' | 'á' | 'â' | 'ä' | 'å' | 'Á' => 'a',
                'é' | 'è' | 'ê' | 'ë' | 'É' => 'e',
                'í' | 'ï' => 'i',
                'ó' | 'ö' | 'ø' => 'o',
                'ú' | 'ü' => 'u',
                'ñ' | 'ń' => 'n',
                c => c,
            };
            if ch.is_ascii_alphanumeric() {
                out.push(ch.to_ascii_lowercase());
            }
        }
    }
    if out.is_empty() {
        out.push_str("customer");
    }
}

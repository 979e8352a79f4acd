//! Bad mapping files: each kind stops the run with exit 2, writes nothing (at most a report with
//! its header only), and lists every problem at once as `file:line: message` with a hint.
#![allow(clippy::unwrap_used)]

use crate::util::{Run, Work, X};

const CSV: &str = "Acct,Company,Email,Dept,Contact\n1001,Acme,a@acme.com,Sales,Ann\n";

/// Runs a dry run of `input` with `mapping` as `m.toml` and checks the run stopped cleanly:
/// exit 2, no panic, nothing written but (maybe) a report holding only its header.
fn stops(work: &Work, input: &str, mapping: &str) -> Run {
    work.write("m.toml", mapping);
    let before: Vec<_> = files(work);
    let run = work.run(&[input, "-m", "m.toml", "--dry-run"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
    let report = format!("{input}.report.csv");
    for file in files(work) {
        if before.contains(&file) {
            continue;
        }
        assert_eq!(file, report, "unexpected file written");
        assert_eq!(work.report(&report).len(), 1, "the report holds rows");
    }
    run
}

fn files(work: &Work) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(work.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The `m.toml:N:` lines of stderr, in order.
fn located(run: &Run) -> Vec<String> {
    run.stderr
        .lines()
        .filter(|l| l.starts_with("m.toml"))
        .map(str::to_string)
        .collect()
}

#[test]
fn unknown_field_suggests_the_closest() {
    let work = Work::new();
    work.write("in.csv", CSV);
    let run = stops(
        &work,
        "in.csv",
        "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\nEmial = \"Email\"\n\n[contact]\nNmae = \"Contact\"\n",
    );
    assert_eq!(
        located(&run),
        [
            "m.toml:4: unknown customer field `Emial`",
            "m.toml:7: unknown contact field `Nmae`",
        ],
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: did you mean `Email`?"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: did you mean `Name`?"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .starts_with("error: 2 problems in the mapping file m.toml"),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_table_and_key_suggest_the_closest() {
    let work = Work::new();
    work.write("in.csv", CSV);
    let run = stops(
        &work,
        "in.csv",
        "[sourse]\nsheet = \"A\"\n[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n",
    );
    assert_eq!(
        located(&run),
        ["m.toml:1: unknown key `sourse` in [the file]"],
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `source`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn header_not_in_the_input_lists_the_headers_and_suggests() {
    let work = Work::new();
    work.write("in.csv", CSV);
    let run = stops(
        &work,
        "in.csv",
        "[customer]\nAccountNumber = \"Acct\"\nName = \"Compnay\"\nCity = \"Town\"\n",
    );
    assert_eq!(
        located(&run),
        [
            "m.toml:3: column \"Compnay\" (for customer.Name) is not in the header row 1 of in.csv",
            "m.toml:4: column \"Town\" (for customer.City) is not in the header row 1 of in.csv",
        ],
        "{}",
        run.stderr
    );
    let columns = "\"Acct\", \"Company\", \"Email\", \"Dept\", \"Contact\"";
    assert!(
        run.stderr.contains(&format!(
            "hint: did you mean \"Company\"? The columns are: {columns}"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("hint: the columns are: {columns}")),
        "{}",
        run.stderr
    );
}

#[test]
fn headers_match_trimmed_and_ignoring_case() {
    let work = Work::new();
    work.write("in.csv", " ACCT ,company\n1,A\n");
    work.write(
        "m.toml",
        "[customer]\nAccountNumber = \"acct\"\nName = \" Company \"\n",
    );
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run"]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn header_on_another_row_suggests_header_row() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Customer list\nExported 2024-01-31\nAcct,Company\n1,A\n",
    );
    let run = stops(
        &work,
        "in.csv",
        "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n",
    );
    assert!(
        run.stderr
            .contains("hint: that name is in row 3: set `header_row = 3` under [source]"),
        "{}",
        run.stderr
    );
    // The group key defaults to the AccountNumber column: one problem for that column, not two.
    assert_eq!(
        located(&run),
        [
            "m.toml:2: column \"Acct\" (for customer.AccountNumber) is not in the header row 1 of in.csv",
            "m.toml:3: column \"Company\" (for customer.Name) is not in the header row 1 of in.csv",
        ],
        "{}",
        run.stderr
    );
}

#[test]
fn sheet_that_does_not_exist_lists_the_sheets() {
    let work = Work::new();
    work.xlsx(
        "in.xlsx",
        &[
            (
                "Export",
                vec![
                    vec![X::S("Acct"), X::S("Company")],
                    vec![X::N(1.0), X::S("A")],
                ],
            ),
            ("Notes", vec![vec![X::S("x")]]),
        ],
    );
    let run = stops(
        &work,
        "in.xlsx",
        "[source]\nsheet = \"Customers\"\n\n[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n",
    );
    assert_eq!(
        located(&run),
        [
            "m.toml:2: sheet \"Customers\" does not exist in in.xlsx; the sheets are: \"Export\", \"Notes\""
        ],
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_child_sheet_is_listed_with_the_other_problems() {
    let work = Work::new();
    work.xlsx(
        "in.xlsx",
        &[(
            "Export",
            vec![
                vec![X::S("Acct"), X::S("Company")],
                vec![X::N(1.0), X::S("A")],
            ],
        )],
    );
    let run = stops(
        &work,
        "in.xlsx",
        "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\nCity = \"Town\"\n\n[contact]\nsheet = \"Contacts\"\nlink = \"Acct\"\nName = \"Contact\"\n",
    );
    let found = located(&run);
    assert_eq!(found.len(), 2, "{}", run.stderr);
    assert!(
        found[0].starts_with("m.toml:4: column \"Town\""),
        "{}",
        run.stderr
    );
    assert_eq!(
        found[1],
        "m.toml:7: sheet \"Contacts\" does not exist in in.xlsx; the sheets are: \"Export\""
    );
}

#[test]
fn wrong_value_types_are_each_reported() {
    let work = Work::new();
    work.write("in.csv", CSV);
    let run = stops(
        &work,
        "in.csv",
        r#"[source]
header_row = "two"
delimiter = 5

[customer]
AccountNumber = "Acct"
Name = "Company"
Phone = 5
Inactive = { column = "Email", map = { "Active" = "maybe" } }
Country = { column = "Dept", default = [1] }
PricingMethod = { value = "Per mile" }
BillingAdjustmentPercentage = { value = "lots" }
group_by = 3
"#,
    );
    let lines: Vec<String> = located(&run)
        .iter()
        .map(|l| l.split(": ").next().unwrap().to_string())
        .collect();
    assert_eq!(
        lines,
        [
            "m.toml:2",
            "m.toml:3",
            "m.toml:8",
            "m.toml:9",
            "m.toml:10",
            "m.toml:11",
            "m.toml:12",
            "m.toml:13"
        ],
        "{}",
        run.stderr
    );
    for text in [
        "`header_row` must be a whole number",
        "`delimiter` must be a string in quotes, not integer",
        "`Phone` must be a column name in quotes",
        "`Inactive`: map value for \"Active\" \"maybe\" is not a yes/no value",
        "`Country`: `default` must be a string, number or true/false, not array",
        "`PricingMethod`: value \"Per mile\" is not a pricing method",
        "`BillingAdjustmentPercentage`: value \"lots\" is not a number",
        "`group_by` must be a string in quotes, not integer",
    ] {
        assert!(
            run.stderr.contains(text),
            "{text} missing from:\n{}",
            run.stderr
        );
    }
}

#[test]
fn toml_syntax_error_has_its_line() {
    let work = Work::new();
    work.write("in.csv", CSV);
    let run = stops(
        &work,
        "in.csv",
        "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\nCity = \"City\"\n",
    );
    let found = located(&run);
    assert_eq!(found.len(), 1, "{}", run.stderr);
    assert!(
        found[0].starts_with("m.toml:3: TOML syntax: "),
        "{}",
        run.stderr
    );
}

#[test]
fn match_by_unknown_suggests() {
    let work = Work::new();
    work.write("in.csv", CSV);
    let run = stops(
        &work,
        "in.csv",
        "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n\n[match]\nby = \"AcountNumber\"\n",
    );
    assert_eq!(
        located(&run),
        ["m.toml:6: [match] by = \"AcountNumber\" is not a field customers can be matched by"],
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: did you mean \"AccountNumber\"?"),
        "{}",
        run.stderr
    );
}

#[test]
fn match_by_a_field_that_is_not_mapped() {
    let work = Work::new();
    work.write("in.csv", CSV);
    let run = stops(
        &work,
        "in.csv",
        "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n\n[match]\nby = \"Email\"\n",
    );
    assert_eq!(
        located(&run),
        ["m.toml:6: [match] by = \"Email\", but [customer] does not map Email to a column"],
        "{}",
        run.stderr
    );
}

#[test]
fn missing_name_mapping() {
    let work = Work::new();
    work.write("in.csv", CSV);
    let run = stops(
        &work,
        "in.csv",
        "[customer]\nAccountNumber = \"Acct\"\nCity = \"Company\"\n",
    );
    assert_eq!(
        located(&run),
        ["m.toml:1: [customer] does not map `Name`: OnTime needs a name for every customer"],
        "{}",
        run.stderr
    );
}

#[test]
fn missing_customer_table() {
    let work = Work::new();
    work.write("in.csv", CSV);
    let run = stops(&work, "in.csv", "[department]\nName = \"Dept\"\n");
    assert!(
        run.stderr.contains("there is no [customer] table"),
        "{}",
        run.stderr
    );
}

#[test]
fn child_sheet_without_link() {
    let work = Work::new();
    work.write("in.csv", CSV);
    let run = stops(
        &work,
        "in.csv",
        "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n\n[contact]\nsheet = \"Contacts\"\nName = \"Contact\"\n",
    );
    assert_eq!(
        located(&run),
        ["m.toml:6: [contact] reads its own sheet or file but has no `link`"],
        "{}",
        run.stderr
    );
}

#[test]
fn every_problem_is_listed_at_once() {
    let work = Work::new();
    work.write("in.csv", CSV);
    let run = stops(
        &work,
        "in.csv",
        "[customer]\nAccountNumber = \"Acct\"\nNmae = \"Company\"\nPhone = 5\n\n[match]\nby = \"Acount\"\n\n[contact]\nsheet = \"Contacts\"\nName = \"Contact\"\n",
    );
    assert!(
        run.stderr
            .starts_with("error: 5 problems in the mapping file m.toml\n"),
        "{}",
        run.stderr
    );
    let lines: Vec<String> = located(&run)
        .iter()
        .map(|l| l.split(": ").next().unwrap().to_string())
        .collect();
    assert_eq!(
        lines,
        ["m.toml:1", "m.toml:3", "m.toml:4", "m.toml:7", "m.toml:10"],
        "{}",
        run.stderr
    );
}

#[test]
fn unreadable_mapping_file() {
    let work = Work::new();
    work.write("in.csv", CSV);
    let run = work.run(&["in.csv", "-m", "nope.toml", "--dry-run"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("cannot read the mapping file nope.toml"),
        "{}",
        run.stderr
    );
    assert!(!work.path("in.csv.report.csv").exists());
}

#[test]
fn child_sheet_of_a_csv_input() {
    let work = Work::new();
    work.write("in.csv", CSV);
    let run = stops(
        &work,
        "in.csv",
        "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n\n[contact]\nsheet = \"Contacts\"\nlink = \"Acct\"\nName = \"Contact\"\n",
    );
    assert_eq!(
        located(&run),
        ["m.toml:6: [contact] sheet = \"Contacts\", but in.csv is a CSV file, which has no sheets"],
        "{}",
        run.stderr
    );
}

#[test]
fn child_table_that_is_the_customer_table() {
    let work = Work::new();
    work.xlsx(
        "in.xlsx",
        &[(
            "Export",
            vec![
                vec![X::S("Acct"), X::S("Company"), X::S("Contact")],
                vec![X::N(1.0), X::S("A"), X::S("Ann")],
            ],
        )],
    );
    let run = stops(
        &work,
        "in.xlsx",
        "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n\n[contact]\nsheet = \"export\"\nlink = \"Acct\"\nName = \"Contact\"\n",
    );
    assert_eq!(
        located(&run),
        [
            "m.toml:6: [contact] reads in.xlsx, sheet \"Export\", the rows [customer] reads: each row would be read twice"
        ],
        "{}",
        run.stderr
    );
    work.write("in.csv", CSV);
    let run = stops(
        &work,
        "in.csv",
        "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n\n[contact]\nfile = \"./in.csv\"\nlink = \"Acct\"\nName = \"Contact\"\n",
    );
    assert_eq!(
        located(&run),
        [
            "m.toml:7: [contact] reads ./in.csv, the rows [customer] reads: each row would be read twice"
        ],
        "{}",
        run.stderr
    );
}

#[test]
fn header_on_another_row_of_a_sheet_suggests_header_row() {
    let work = Work::new();
    work.xlsx(
        "in.xlsx",
        &[(
            "Export",
            vec![
                vec![X::S("Customer list")],
                vec![],
                vec![X::Blank, X::S("Acct"), X::S("Company")],
                vec![X::Blank, X::N(1.0), X::S("A")],
            ],
        )],
    );
    let run = stops(
        &work,
        "in.xlsx",
        "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n",
    );
    assert!(
        run.stderr
            .contains("hint: that name is in row 3: set `header_row = 3` under [source]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("is not in the header row 1 of in.xlsx, sheet \"Export\""),
        "{}",
        run.stderr
    );
}

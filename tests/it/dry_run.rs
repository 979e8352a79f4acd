//! `--dry-run` end to end: the exact report lines for small CSV and XLSX fixtures, exit codes,
//! the summary on stderr, where the report goes, formula neutralisation, and `--help`.
#![allow(clippy::unwrap_used)]

use crate::util::{SIMPLE_MAPPING, Work, X, brief};

/// The report file as text lines (header first), after its UTF-8 byte-order mark.
fn lines(work: &Work, name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(work.path(name)).unwrap();
    text.strip_prefix('\u{feff}')
        .expect("the report starts with a BOM")
        .lines()
        .map(str::to_string)
        .collect()
}

const HEADER: &str = "source,row,status,customer_key,customer_id,field,column,message";

#[test]
fn small_csv_gives_exact_report_lines() {
    let work = Work::new();
    work.write("m.toml", SIMPLE_MAPPING);
    work.write(
        "in.csv",
        "Acct,Company,Email,Dept,Contact\n\
         1001,Acme,ops@acme.com,Sales,Ann\n\
         1001,Acme,,Ops,Bob\n\
         \n\
         1002,Beta,bad,,\n\
         1003,Gamma,,,\n\
         1001,Acme Corp,,,\n\
         ,NoKey,,,\n",
    );
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        lines(&work, "in.csv.report.csv"),
        [
            HEADER,
            r#"in.csv,2,invalid,1001,,,,"not sent: customer ""1001"" has a problem on row 7""#,
            r#"in.csv,3,invalid,1001,,,,"not sent: customer ""1001"" has a problem on row 7""#,
            r#"in.csv,5,invalid,1002,,Email,Email,"Email: column ""Email"" value ""bad"" is not an email address (expected name@example.com)""#,
            "in.csv,6,valid,1003,,,,",
            r#"in.csv,7,invalid,1001,,Name,Company,"Name: column ""Company"" has ""Acme"" on row 2 but ""Acme Corp"" here; a customer's rows must agree (or leave the cell blank)""#,
            r#"in.csv,8,invalid,,,,Acct,"column ""Acct"" is blank: every customer row needs the customer's Acct""#,
        ]
    );
}

#[test]
fn small_xlsx_gives_exact_report_lines() {
    let work = Work::new();
    work.write("m.toml", SIMPLE_MAPPING);
    work.xlsx(
        "in.xlsx",
        &[(
            "Customers",
            vec![
                vec![
                    X::S("Acct"),
                    X::S("Company"),
                    X::S("Email"),
                    X::S("Dept"),
                    X::S("Contact"),
                ],
                vec![
                    X::N(1001.0),
                    X::S("Acme"),
                    X::S("ops@acme.com"),
                    X::S("Sales"),
                    X::S("Ann"),
                ],
                vec![],
                vec![X::N(1002.0), X::S("Beta"), X::Blank, X::S("Ops"), X::Blank],
                vec![X::N(1001.0), X::Blank, X::Blank, X::S("Ops"), X::S("Bob")],
                vec![
                    X::N(1003.0),
                    X::Blank,
                    X::S("c@gamma.com"),
                    X::Blank,
                    X::Blank,
                ],
            ],
        )],
    );
    let run = work.run(&["in.xlsx", "-m", "m.toml", "--dry-run"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        lines(&work, "in.xlsx.report.csv"),
        [
            HEADER,
            r#""in.xlsx, sheet ""Customers""",2,valid,1001,,,,"#,
            r#""in.xlsx, sheet ""Customers""",4,valid,1002,,,,"#,
            r#""in.xlsx, sheet ""Customers""",5,valid,1001,,,,"#,
            r#""in.xlsx, sheet ""Customers""",6,invalid,1003,,Name,Company,"Name: customer ""1003"" has no name (column ""Company""): it is blank on its row""#,
        ]
    );
}

#[test]
fn all_valid_exits_0_with_the_summary_on_stderr() {
    let work = Work::new();
    work.write("m.toml", SIMPLE_MAPPING);
    work.write(
        "in.csv",
        "Acct,Company,Email,Dept,Contact\n1,A,a@a.com,,\n2,B,,,\n1,A,,D,\n",
    );
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "");
    let report = work.report("in.csv.report.csv");
    assert_eq!(report.len(), 4);
    assert!(report[1..].iter().all(|r| r[2] == "valid"), "{report:?}");
    assert!(
        run.stderr.contains("3 rows, 2 customers: 3 valid\n"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("elapsed: "), "{}", run.stderr);
    assert!(
        run.stderr.contains("report: in.csv.report.csv"),
        "{}",
        run.stderr
    );
}

#[test]
fn some_invalid_exits_1_and_counts_them() {
    let work = Work::new();
    work.write("m.toml", SIMPLE_MAPPING);
    work.write(
        "in.csv",
        "Acct,Company,Email,Dept,Contact\n1,A,nope,,\n2,B,,,\n",
    );
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("2 rows, 2 customers: 1 valid, 1 invalid"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_mapping_exits_2_before_reading() {
    let work = Work::new();
    work.write(
        "m.toml",
        "[customer]\nName = \"Company\"\nAccountNumber = 7\n",
    );
    work.write("in.csv", "Acct,Company\n1,A\n");
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(!work.path("in.csv.report.csv").exists());
}

#[test]
fn missing_arguments_exit_2() {
    let work = Work::new();
    work.write("in.csv", "Acct,Company\n1,A\n");
    let run = work.run(&["in.csv", "--dry-run"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--mapping"), "{}", run.stderr);
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run", "--no-such-flag"]);
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn default_report_goes_beside_the_input() {
    let work = Work::new();
    std::fs::create_dir(work.path("data")).unwrap();
    work.write("m.toml", SIMPLE_MAPPING);
    work.write("data/in.csv", "Acct,Company,Email,Dept,Contact\n1,A,,,\n");
    let run = work.run(&["data/in.csv", "-m", "m.toml", "--dry-run"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        lines(&work, "data/in.csv.report.csv"),
        [HEADER, "data/in.csv,2,valid,1,,,,"]
    );
    assert!(!work.path("in.csv.report.csv").exists());
    assert!(
        run.stderr.contains("report: data/in.csv.report.csv"),
        "{}",
        run.stderr
    );
}

#[test]
fn report_option_chooses_the_path() {
    let work = Work::new();
    work.write("m.toml", SIMPLE_MAPPING);
    work.write("in.csv", "Acct,Company,Email,Dept,Contact\n1,A,,,\n");
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run", "--report", "out.csv"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(lines(&work, "out.csv"), [HEADER, "in.csv,2,valid,1,,,,"]);
    assert!(!work.path("in.csv.report.csv").exists());
    assert!(run.stderr.contains("report: out.csv"), "{}", run.stderr);
}

#[test]
fn report_in_a_missing_folder_exits_2() {
    let work = Work::new();
    work.write("m.toml", SIMPLE_MAPPING);
    work.write("in.csv", "Acct,Company,Email,Dept,Contact\n1,A,,,\n");
    let run = work.run(&[
        "in.csv",
        "-m",
        "m.toml",
        "--dry-run",
        "--report",
        "nope/out.csv",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("--report nope/out.csv: the folder nope does not exist"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn formulas_are_neutralised_in_the_report() {
    let work = Work::new();
    work.write("m.toml", SIMPLE_MAPPING);
    work.write(
        "in.csv",
        "Acct,Company,Email,Dept,Contact\n\
         \"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",Acme,,,\n\
         @SUM(A1),\"=HYPERLINK(\"\"http://evil.example\"\")\",,,\n\
         @SUM(A1),Other,,,\n\
         -5,Minus,,,\n",
    );
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = work.report("in.csv.report.csv");
    assert_eq!(report[1][3], "'=HYPERLINK(\"http://evil.example\",\"x\")");
    assert_eq!(report[1][2], "valid");
    assert_eq!(report[2][3], "'@SUM(A1)");
    assert_eq!(report[3][3], "'@SUM(A1)");
    assert_eq!(report[3][2], "invalid");
    // The conflicting values appear inside the message, which starts with the field name.
    assert!(report[3][7].starts_with("Name: "), "{report:?}");
    assert!(report[3][7].contains("=HYPERLINK"), "{report:?}");
    // A plain negative number is data, not a formula.
    assert_eq!(report[4][3], "-5");
    for row in &report {
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '@']), "{cell:?} in {row:?}");
        }
    }
}

#[test]
fn help_documents_every_option_the_exit_codes_and_the_environment() {
    use clap::CommandFactory;
    let work = Work::new();
    let run = work.run(&["--help"]);
    assert_eq!(run.code, 0, "{run:?}");
    let help = run.stdout;
    let command = ontime_import::cli::Cli::command();
    let mut longs = 0;
    for arg in command.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        longs += 1;
        assert!(
            help.contains(&format!("--{long}")),
            "--{long} missing from:\n{help}"
        );
        if !matches!(long, "help" | "version") {
            assert!(arg.get_help().is_some(), "--{long} has no help text");
        }
    }
    assert!(longs >= 4, "{longs}");
    for fixed in ["--mapping", "-m", "--dry-run", "--report", "<INPUT>"] {
        assert!(help.contains(fixed), "{fixed} missing from:\n{help}");
    }
    assert!(help.contains(".report.csv"), "the report default:\n{help}");
    let exit = help
        .split("Exit codes:")
        .nth(1)
        .expect("an Exit codes section");
    for code in ["0 ", "1 ", "2 ", "3 ", "130 "] {
        assert!(
            exit.lines().any(|l| l.trim_start().starts_with(code)),
            "exit code {code} missing from:\n{exit}"
        );
    }
    for var in [
        "ONTIME_API_KEY",
        "ONTIME_COMPANY_ID",
        "ONTIME_BASE_URL",
        "RUST_LOG",
    ] {
        assert!(help.contains(var), "{var} missing from:\n{help}");
    }
    // Every environment variable an option reads is documented too.
    for arg in command.get_arguments() {
        if let Some(env) = arg.get_env() {
            let env = env.to_string_lossy();
            assert!(help.contains(env.as_ref()), "{env} missing from:\n{help}");
        }
    }
}

#[test]
fn report_over_an_input_is_refused_and_the_input_kept() {
    let work = Work::new();
    work.write("m.toml", SIMPLE_MAPPING);
    let csv = "Acct,Company,Email,Dept,Contact\n1,A,,,\n";
    work.write("in.csv", csv);
    for (option, path) in [
        ("--report", "in.csv"),
        ("--report", "./m.toml"),
        ("--errors", "in.csv"),
        ("--summary-json", "in.csv"),
    ] {
        let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run", option, path]);
        assert_eq!(run.code, 2, "{option} {path}: {run:?}");
        assert!(
            run.stderr.contains(&format!("{option} {path} is ")),
            "{}",
            run.stderr
        );
        assert_eq!(std::fs::read_to_string(work.path("in.csv")).unwrap(), csv);
        assert_eq!(
            std::fs::read_to_string(work.path("m.toml")).unwrap(),
            SIMPLE_MAPPING
        );
    }
}

/// Two customers grouped apart but sharing the match value would be one customer to OnTime's
/// lookup: both are invalid before anything is sent, each naming the other.
#[test]
fn two_customers_with_one_match_value_are_invalid() {
    let work = Work::new();
    work.write(
        "m.toml",
        "[customer]\ngroup_by = [\"Acct\", \"Branch\"]\nAccountNumber = \"Acct\"\nName = \"Company\"\n",
    );
    work.write(
        "in.csv",
        "Acct,Branch,Company\n1001,East,Acme East\n1002,North,Beta\n1001,West,Acme West\n1001,East,\n",
    );
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = work.report("in.csv.report.csv");
    let clash = |me: &str, other: &str, row: u32| {
        format!(
            "AccountNumber: customer \"{me}\" and customer \"{other}\" (row {row}) both have AccountNumber \"1001\": OnTime finds customers by AccountNumber, so it could not tell them apart; give each its own AccountNumber, or group their rows as one customer"
        )
    };
    assert_eq!(
        brief(&report),
        [
            format!(
                "2,invalid,1001 / East,{}",
                clash("1001 / East", "1001 / West", 4)
            ),
            "3,valid,1002 / North,".to_string(),
            format!(
                "4,invalid,1001 / West,{}",
                clash("1001 / West", "1001 / East", 2)
            ),
            format!(
                "5,invalid,1001 / East,{}",
                clash("1001 / East", "1001 / West", 4)
            ),
        ]
    );
    assert_eq!(report[1][5], "AccountNumber");
    assert_eq!(report[1][6], "Acct");
}

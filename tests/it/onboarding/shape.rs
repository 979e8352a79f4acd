//! Fields built from several cells: `join`, `pad`, `trim`, `replace`, through the dry run, the
//! report and the errors file; a failing joined field names every source column.
#![allow(clippy::unwrap_used)]

use crate::util::{Work, dry};

const INPUT: &str = "Acct,Company,First Name,Last Name,Zip,User,Domain,Phone\n\
1,Acme,Ann,Lee,2134,ann,acme.example, 617.555.0100 \n\
1,Acme,Bob,,2134,,,\n\
2,Bolt,,Marsh,501,bob,,617.555.0101\n";

const MAPPING: &str = r#"
[customer]
AccountNumber = "Acct"
Name = "Company"
PostalCode = { column = "Zip", pad = 5 }
Email = { join = ["User", "Domain"], sep = "@" }
Phone = { column = "Phone", replace = { "." = "-" }, trim = true }

[contact]
Name = { join = ["First Name", "Last Name"] }
"#;

#[test]
fn joined_and_cleaned_fields_reach_the_report_and_errors_name_all_sources() {
    let work = Work::new();
    work.write("in.csv", INPUT);
    let (run, report) = dry(&work, "in.csv", MAPPING);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // Customer 1 is valid; customer 2's e-mail is "bob" alone (Domain blank, skipped).
    assert!(report[0].starts_with("2,valid,1"), "{report:?}");
    assert!(
        report[2].contains("Email: column \"User + Domain\" value \"bob\""),
        "{report:?}"
    );
    let full = work.report("r.csv");
    let column = full[0].iter().position(|h| h == "column").unwrap();
    assert_eq!(full[3][column], "User + Domain");
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run", "--errors", "fix.csv"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let fix = std::fs::read_to_string(work.path("fix.csv")).unwrap();
    let fix = fix.trim_start_matches('\u{feff}');
    assert!(
        fix.starts_with("Acct,Company,First Name,Last Name,Zip,User,Domain,Phone,Error\n"),
        "{fix}"
    );
    assert!(
        fix.contains("2,Bolt,,Marsh,501,bob,,617.555.0101,"),
        "{fix}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_values_built_are_the_ones_sent() {
    let e = crate::upload::env_default().await;
    e.work.write("in.csv", INPUT);
    e.work.write("m.toml", MAPPING);
    let run = e.run(&[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let acme = e.customer("1");
    assert_eq!(acme["PostalCode"], "02134");
    assert_eq!(acme["Email"], "ann@acme.example");
    assert_eq!(acme["Phone"], "617-555-0100");
    let names: Vec<&str> = acme["Contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ann Lee", "Bob"]);
}

#[test]
fn a_join_with_missing_columns_names_each_of_them() {
    let work = Work::new();
    work.write("in.csv", "Acct,Company\n1,Acme\n");
    let (run, _) = dry(
        &work,
        "in.csv",
        "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n[contact]\nName = { join = [\"First\", \"Last\"] }\n",
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("column \"First\" (for contact.Name)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("column \"Last\" (for contact.Name)"),
        "{}",
        run.stderr
    );
}

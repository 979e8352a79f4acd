//! `--errors FILE`: the invalid and failed rows in the input's layout, fixed and re-imported.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use serde_json::json;

use crate::upload::env_default;
use crate::util::{SIMPLE_MAPPING, read_csv};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_errors_file_reimports_after_fixing() {
    let e = env_default().await;
    e.sb.insert_customer(json!({"Name": "One", "AccountNumber": "1004"}));
    e.sb.insert_customer(json!({"Name": "Two", "AccountNumber": "1004"}));
    let csv = "Acct,Company,Email,Dept,Contact\n\
               1001,Acme,a@x.com,Ship,Ann\n\
               1002,,b@x.com,Lab,Bob\n\
               1003,Gamma,c@x.com,,\n\
               1003,Gamma,c@x.com,,Carl\n\
               1004,Delta,d@x.com,,\n";
    e.input(csv);
    let run = e.run(&["--errors", "fix.csv"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("2 rows to fix written to fix.csv"),
        "{}",
        run.stderr
    );
    let rows = read_csv(&e.work.path("fix.csv"));
    assert_eq!(
        rows[0],
        ["Acct", "Company", "Email", "Dept", "Contact", "Error"]
    );
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert_eq!(rows[1][..5], ["1002", "", "b@x.com", "Lab", "Bob"]);
    assert!(rows[1][5].contains("has no name"), "{rows:#?}");
    assert_eq!(rows[2][..5], ["1004", "Delta", "d@x.com", "", ""]);
    assert!(
        rows[2][5].contains("2 OnTime customers have accountNumber \"1004\""),
        "{rows:#?}"
    );
    // Fix the name; leave 1004 as it is (it fails again).
    let text = std::fs::read_to_string(e.work.path("fix.csv")).unwrap();
    let fixed = text.replace("1002,,b@x.com", "1002,Beta,b@x.com");
    e.work.write("fix.csv", fixed);
    let mut args = e.args(&[]);
    args[0] = "fix.csv".into();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = e.work.run_async(&args, &[("ONTIME_API_KEY", &e.key)]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Vec<String> = crate::util::brief(&e.work.report("fix.csv.report.csv"));
    assert_eq!(report[0], "2,created,1002,created");
    assert!(
        report[1].starts_with("3,failed,1004,2 OnTime customers"),
        "{report:?}"
    );
    let beta = e.customer("1002");
    assert_eq!(beta["Name"], "Beta");
    assert_eq!(beta["Departments"][0]["Name"], "Lab");
    assert_eq!(beta["Contacts"][0]["Name"], "Bob");
    let _ = SIMPLE_MAPPING;
}

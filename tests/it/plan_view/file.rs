//! `--plan-file`: every change the plan would make, one row per field, as CSV or xlsx; any
//! other extension is refused before a request is sent.

use super::*;

/// The rows of the small case's plan file, the customer ID of 1001 as `<id>`.
fn want(id: &str) -> Vec<Vec<String>> {
    let rows = [
        [
            "customer key",
            "customer ID",
            "action",
            "field",
            "old",
            "new",
        ],
        ["1001", id, "update", "Name", "Acme", "Acme Ltd"],
        ["1001", id, "update", "Email", "old@x.com", "new@x.com"],
        ["1001", id, "update", "Departments: added", "", "Sales"],
        ["1002", "", "create", "AccountNumber", "", "1002"],
        ["1002", "", "create", "Email", "", "b@x.com"],
        ["1002", "", "create", "Name", "", "Beta"],
        ["1003", "", "create", "AccountNumber", "", "1003"],
        ["1003", "", "create", "Email", "", "c@x.com"],
        ["1003", "", "create", "Name", "", "Gamma"],
    ];
    rows.iter()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_plan_file_has_a_row_per_changed_field() {
    let e = small_case().await;
    let run = e.run(&["--plan", "--plan-file", "plan.csv"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let id = e.customer("1001")["ID"].as_str().unwrap().to_string();
    assert_eq!(crate::util::read_csv(&e.work.path("plan.csv")), want(&id));
    assert_eq!(e.posts(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xlsx_plan_file_holds_the_same_rows() {
    use calamine::{Data, Reader, Xlsx};
    let e = small_case().await;
    let run = e.run(&["--plan", "--plan-file", "plan.xlsx"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut book: Xlsx<_> = calamine::open_workbook(e.work.path("plan.xlsx")).unwrap();
    let sheet = book.worksheet_range("Plan").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    let id = e.customer("1001")["ID"].as_str().unwrap().to_string();
    assert_eq!(rows, want(&id));
    assert_eq!(e.posts(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_file_of_another_format_is_refused_before_any_request() {
    let e = small_case().await;
    let run = e.run(&["--plan", "--plan-file", "plan.txt"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "--plan-file plan.txt: the plan file is written as CSV or as an xlsx workbook, so its name must end in .csv or .xlsx"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(e.sb.stats().total, 0, "{:?}", e.log());
    assert!(!e.work.path("plan.txt").exists());
}

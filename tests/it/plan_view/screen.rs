//! The plan on screen and in the report: the action, and each changed field as `old → new`.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_shows_each_change_as_old_and_new_and_posts_nothing() {
    let e = small_case().await;
    let run = e.run(&["--plan"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("plan_on_screen", plan_block(&run.stderr));
    assert_eq!(
        e.report(),
        [
            "2,valid,1001,would update: Name \"Acme\" → \"Acme Ltd\", Email \"old@x.com\" → \"new@x.com\", Departments: added \"Sales\", 1 kept",
            "3,valid,1002,would create",
            "4,valid,1003,would create",
        ]
    );
    assert_eq!(e.posts(), 0, "{:?}", e.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_screen_shows_twenty_customers_and_says_where_the_rest_are() {
    let e = env_default().await;
    e.input(&crate::upload::customers_csv(23));
    let run = e.run(&["--plan"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let block = plan_block(&run.stderr);
    let lines: Vec<&str> = block.lines().collect();
    assert_eq!(lines.len(), 22, "{block}");
    assert_eq!(lines[1], "  1001  would create");
    assert_eq!(lines[20], "  1020  would create");
    assert!(
        lines[21].starts_with("… and 3 more in ") && lines[21].ends_with("in.csv.report.csv"),
        "{block}"
    );
    assert_eq!(e.posts(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_from_the_server_cannot_drive_the_terminal() {
    let e = env_default().await;
    typed_in_ontime(
        &e,
        json!({"Name": "Acme\u{1b}[2J", "AccountNumber": "1001", "Email": "old@x.com"}),
    )
    .await;
    e.input("Acct,Company,Email,Dept,Contact\n1001,Acme,old@x.com,,\n");
    let run = e.run(&["--plan"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(r#"would update: Name "Acme\u{1b}[2J" → "Acme""#),
        "{}",
        run.stderr
    );
}

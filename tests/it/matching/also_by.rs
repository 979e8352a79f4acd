//! `[match] also_by`: a customer the match key does not find is matched by another field (Name
//! compared normalised): one record is a match, several an ambiguity, none a create; checked in
//! the mapping like `by`.

use super::*;

const ACME: &str = "c56a4180-65aa-42ec-a945-5fd21dec0538";
const ALSO_BY_NAME: &str = "\n[match]\nby = \"AccountNumber\"\nalso_by = \"Name\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn also_by_name_makes_one_an_update_and_two_an_ambiguity() {
    let e = fresh().await;
    e.sb.insert_customer(json!({"ID": ACME, "Name": "ACME, Inc."}));
    let gammas = [
        e.sb.insert_customer(json!({"Name": "Gamma"})),
        e.sb.insert_customer(json!({"Name": "gamma."})),
    ];
    e.sb.insert_customer(json!({"Name": "Beta", "AccountNumber": "7"}));
    let rows: Vec<_> = [
        ("1001", "acme inc"),
        ("1002", "BETA"),
        ("1003", "GAMMA"),
        ("1004", "Epsilon"),
    ]
    .iter()
    .map(|(a, n)| (a.to_string(), n.to_string(), format!("c{a}@x.com")))
    .collect();
    input(&e, &rows, ALSO_BY_NAME);
    // Four in OnTime, four to match: also_by reads them all (no lookup could compare names).
    let (run, by_kind) = counted(&e, &[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        by_kind,
        kinds(&[("list", 1), ("read", 4), ("update", 1), ("create", 1)])
    );
    assert_eq!(
        estimated(&run.stderr),
        4 + 4,
        "reads, and up to a post each"
    );
    let report = e.report();
    assert_eq!(
        report[0],
        format!("2,updated,1001,updated: Name, Email, AccountNumber")
    );
    assert!(
        report[1].starts_with("3,failed,1002,OnTime customer ")
            && report[1].contains("matches by Name, but its AccountNumber is \"7\""),
        "{report:#?}"
    );
    assert!(
        report[2].starts_with("4,failed,1003,no OnTime customer has accountNumber \"1003\", and 2 have a Name like \"GAMMA\"")
            && gammas.iter().all(|id| report[2].contains(id.as_str())),
        "{report:#?}"
    );
    assert_eq!(report[3], "5,created,1004,created");
    let acme = e.customer("1001");
    assert_eq!(
        (acme["ID"].as_str(), acme["Name"].as_str()),
        (Some(ACME), Some("acme inc"))
    );
    assert_eq!(e.sb.customers().len(), 5, "one created, none duplicated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn also_by_is_checked_like_by() {
    let work = crate::util::Work::new();
    work.write("in.csv", "Acct,Company,Email\n1,A,a@x.com\n");
    let cases = [
        (
            "also_by = \"Nmae\"",
            "[match] also_by = \"Nmae\" is not a customer text field to match by",
            "did you mean \"Name\"?",
        ),
        (
            "also_by = \"Phone\"",
            "[match] also_by = \"Phone\", but [customer] does not map Phone to a column",
            "map Phone in [customer], or remove also_by",
        ),
        (
            "also_by = \"AccountNumber\"",
            "[match] also_by = \"AccountNumber\" is the field customers are matched `by` already",
            "name another field",
        ),
    ];
    for (line, message, hint) in cases {
        let mapping = format!("{MAPPING}\n[match]\n{line}\n");
        let (run, _) = crate::util::dry(&work, "in.csv", &mapping);
        assert_eq!(run.code, 2, "{line}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("m.toml:8: {message}")),
            "{line}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(hint), "{line}: {}", run.stderr);
    }
}

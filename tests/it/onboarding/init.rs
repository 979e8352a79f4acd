//! `init`: a starter mapping that reproduces the shipped one on the samples, and that
//! `--dry-run` accepts, every customer valid, on workbooks laid out in other ways.
#![allow(clippy::unwrap_used)]

use super::{choices, init_and_dry_run};
use crate::util::{Work, X};

fn all_valid(report: &[String]) {
    assert!(!report.is_empty());
    for line in report {
        assert!(line.split(',').nth(1) == Some("valid"), "{report:#?}");
    }
}

#[test]
fn init_on_the_samples_chooses_the_fields_of_the_shipped_mapping() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let shipped = choices(&root.join("mappings/default.toml"));
    for sample in ["customers.xlsx", "customers.csv"] {
        let work = Work::new();
        std::fs::copy(root.join("samples").join(sample), work.path(sample)).unwrap();
        let (_, _, dry, report) = init_and_dry_run(&work, sample, "gen.toml");
        assert_eq!(choices(&work.path("gen.toml")), shipped, "{sample}");
        assert_eq!(dry.code, 0, "{}", dry.stderr);
        all_valid(&report);
    }
}

#[test]
fn one_row_per_contact_with_a_title_gets_a_join_and_a_pad() {
    let work = Work::new();
    super::inspect::contacts_workbook(&work, "contacts.xlsx");
    let (init, text, dry, report) = init_and_dry_run(&work, "contacts.xlsx", "contacts.toml");
    insta::assert_snapshot!("init_contacts_stdout", init.stdout);
    insta::assert_snapshot!("init_contacts_toml", text);
    assert_eq!(dry.code, 0, "{}\n{text}", dry.stderr);
    all_valid(&report);
    let chosen = choices(&work.path("contacts.toml"));
    assert!(
        chosen.contains(&"contact.Name=First Name+Last Name".to_string()),
        "{chosen:?}"
    );
}

#[test]
fn contacts_on_a_linked_sheet_become_a_linked_contact_table() {
    use X::S;
    let work = Work::new();
    let customers = vec![
        vec![
            S("Account No"),
            S("Account Name"),
            S("Telephone"),
            S("Status"),
        ],
        vec![
            S("A-1"),
            S("Acme Freight"),
            S("(617) 555-0100"),
            S("Active"),
        ],
        vec![
            S("A-2"),
            S("Bolt Couriers"),
            S("(617) 555-0101"),
            S("Inactive"),
        ],
        vec![S("A-3"), S("Cargo Co"), S("(617) 555-0102"), S("Active")],
        vec![S("A-4"), S("Delta Drop"), S("(617) 555-0103"), S("Active")],
    ];
    let contacts = vec![
        vec![
            S("Account No"),
            S("Contact Person"),
            S("Email"),
            S("Mobile"),
        ],
        vec![
            S("A-1"),
            S("Ann Lee"),
            S("ann@acme.example"),
            S("617-555-0200"),
        ],
        vec![
            S("A-1"),
            S("Bob Marsh"),
            S("bob@acme.example"),
            S("617-555-0201"),
        ],
        vec![
            S("A-3"),
            S("Cy Ng"),
            S("cy@cargo.example"),
            S("617-555-0202"),
        ],
    ];
    work.xlsx(
        "linked.xlsx",
        &[("Customers", customers), ("Contacts", contacts)],
    );
    let (_, text, dry, report) = init_and_dry_run(&work, "linked.xlsx", "linked.toml");
    assert_eq!(dry.code, 0, "{}\n{text}", dry.stderr);
    all_valid(&report);
    insta::assert_snapshot!("init_linked_toml", text);
}

#[test]
fn odd_headers_in_a_semicolon_csv_are_matched() {
    let work = Work::new();
    work.write(
        "odd.csv",
        "Cust. ID;Client;Addr;Zip/Postal Code;Telephone #;Mail;Active?;Discount %;Rate Type\n\
         C1;Acme;1 Main St;02134;(617) 555-0100;a@acme.example;Yes;5%;Per Mile\n\
         C2;Bolt;2 Elm St;02135;(617) 555-0101;b@bolt.example;No;10%;Zone to Zone\n\
         C3;Cargo;3 Oak St;02136;(617) 555-0102;c@cargo.example;Yes;0%;Per Mile\n\
         C4;Delta;4 Ash St;02137;(617) 555-0103;d@delta.example;Yes;2.5%;Zone to Zone\n",
    );
    let (_, text, dry, report) = init_and_dry_run(&work, "odd.csv", "odd.toml");
    assert_eq!(dry.code, 0, "{}\n{text}", dry.stderr);
    all_valid(&report);
    let chosen = choices(&work.path("odd.toml"));
    for want in [
        "AccountNumber=Cust. ID",
        "Name=Client",
        "AddressLine1=Addr",
        "PostalCode=Zip/Postal Code",
        "Phone=Telephone #",
        "Email=Mail",
        "Inactive=Active?",
        "BillingAdjustmentPercentage=Discount %",
        "PricingMethod=Rate Type",
    ] {
        assert!(
            chosen.contains(&want.to_string()),
            "{want} not in {chosen:?}\n{text}"
        );
    }
    assert!(
        text.contains("\"Yes\" = false"),
        "Active? is inverted: {text}"
    );
    assert!(text.contains("\"Per Mile\" = \"Distance\""), "{text}");
}

#[test]
fn init_never_overwrites_without_force() {
    let work = Work::new();
    work.write("in.csv", "Acct,Company\n1,Acme\n");
    work.write("in.mapping.toml", "mine");
    let run = work.run(&["init", "in.csv"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("exists; nothing was written"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(work.path("in.mapping.toml")).unwrap(),
        "mine"
    );
    let run = work.run(&["init", "in.csv", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        std::fs::read_to_string(work.path("in.mapping.toml"))
            .unwrap()
            .contains("Name = \"Company\"")
    );
}

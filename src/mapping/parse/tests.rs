//! The mapping parser's unit tests.

use super::*;
use std::path::PathBuf;

use crate::mapping::{ChildMap, Origin};
use ontime_api::Value;

fn problems(text: &str) -> Vec<(Option<usize>, String)> {
    match parse(Path::new("m.toml"), text) {
        Ok(_) => Vec::new(),
        Err(e) => e
            .problems
            .into_iter()
            .map(|p| {
                (
                    p.line,
                    format!("{} | {}", p.message, p.hint.unwrap_or_default()),
                )
            })
            .collect(),
    }
}

#[test]
fn the_default_mapping_parses() {
    let text = include_str!("../../../mappings/default.toml");
    let mapping = parse(Path::new("default.toml"), text).expect("default.toml is valid");
    assert_eq!(mapping.group_by[0].name, "Acct No");
    assert_eq!(mapping.match_by, MatchBy::Field("AccountNumber"));
    assert_eq!(mapping.customer.len(), 22);
    let inactive = mapping
        .customer
        .iter()
        .find(|r| r.field.name == "Inactive")
        .expect("Inactive");
    let RuleSource::Column { map, .. } = &inactive.source else {
        panic!("column rule")
    };
    assert!(map.contains(&("closed".to_string(), Some(Value::Bool(true)))));
    assert!(mapping.department.is_some() && mapping.contact.is_some());
}

#[test]
fn every_problem_is_reported_with_its_line() {
    let text = r#"[source]
header_row = 0
delimeter = ";"

[customer]
Nmae = "Company"
AccountNumber = "Acct"
Inactive = { column = "Status", map = { "Active" = "maybe" } }
Country = { value = "US", column = "Country" }
PricingMethod = { value = "Per mile" }
Phone = 5

[match]
by = "AcountNumber"
"#;
    let found = problems(text);
    let lines: Vec<Option<usize>> = found.iter().map(|(l, _)| *l).collect();
    assert_eq!(
        lines,
        [
            Some(2),
            Some(3),
            Some(5),
            Some(6),
            Some(8),
            Some(9),
            Some(10),
            Some(11),
            Some(14)
        ],
        "{found:#?}"
    );
    let all = format!("{found:?}");
    assert!(all.contains("did you mean `Name`?"), "{all}");
    assert!(all.contains("did you mean `delimiter`?"), "{all}");
    assert!(all.contains("did you mean \\\"AccountNumber\\\"?"), "{all}");
    assert!(all.contains("does not map `Name`"), "{all}");
}

#[test]
fn a_default_alone_is_a_default_for_every_customer() {
    let ok = parse(
        Path::new("m.toml"),
        "[customer]\nName = \"Company\"\nAccountNumber = \"Acct\"\nTimeZone = { default = \"Eastern Standard Time\" }\nComments = { value = \"x\" }\n",
    )
    .expect("valid");
    let source = |name: &str| {
        let rule = ok.customer.iter().find(|r| r.field.name == name);
        rule.map(|r| r.source.clone())
    };
    let zone = Value::Text("Eastern Standard Time".into());
    assert_eq!(source("TimeZone"), Some(RuleSource::Default(zone.clone())));
    assert_eq!(
        source("TimeZone").and_then(|s| s.fallback().map(|(v, d)| (v.clone(), d))),
        Some((zone, true))
    );
    let comments = source("Comments").expect("Comments");
    assert_eq!(comments.fallback().map(|(_, d)| d), Some(false));
    let found = problems(
        "[customer]\nName = \"Company\"\nAccountNumber = \"Acct\"\nTimeZone = { default = \"\" }\nCountry = { default = \"US\", map = { \"x\" = \"y\" } }\nPricingMethod = { default = \"Per mile\" }\nCity = {}\n",
    );
    let lines: Vec<Option<usize>> = found.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [Some(4), Some(5), Some(6), Some(7)], "{found:#?}");
    assert!(
        found[0]
            .1
            .contains("a blank `default` without `column` sets nothing")
    );
    assert!(found[1].1.contains("`map` needs `column"));
    assert!(found[2].1.contains("default \"Per mile\""));
    assert!(
        found[3].1.contains(
            "needs `column = \"…\"`, `join = [\"…\", \"…\"]`, `value = …` or `default = …`"
        )
    );
}

#[test]
fn encodings_by_their_save_as_names_too() {
    for (label, want) in [
        ("windows-1252", encoding_rs::WINDOWS_1252),
        (" ANSI ", encoding_rs::WINDOWS_1252),
        ("latin1", encoding_rs::WINDOWS_1252),
        ("UTF-8 with BOM", encoding_rs::UTF_8),
        ("UTF-16 LE", encoding_rs::UTF_16LE),
        ("Unicode", encoding_rs::UTF_16LE),
        ("Unicode big endian", encoding_rs::UTF_16BE),
        ("macintosh", encoding_rs::MACINTOSH),
    ] {
        assert_eq!(encoding(label), Some(want), "{label}");
    }
    assert_eq!(encoding("Western European"), None);
}

#[test]
fn syntax_errors_have_lines() {
    let found = problems("[customer]\nName = \"Company\nCity = \"City\"\n");
    assert_eq!(found[0].0, Some(2), "{found:?}");
    assert!(found[0].1.starts_with("TOML syntax"));
}

#[test]
fn children_from_elsewhere_need_a_link() {
    let found = problems(
        "[customer]\nName = \"Company\"\nAccountNumber = \"Acct\"\n[contact]\nsheet = \"Contacts\"\nName = \"Contact\"\n",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.contains("no `link`"));
    let ok = parse(
        Path::new("m.toml"),
        "[customer]\nName = \"Company\"\nAccountNumber = \"Acct\"\n[contact]\nfile = \"c.csv\"\nlink = [\"Acct\"]\nName = \"Contact\"\n",
    )
    .expect("valid");
    let Some(ChildMap {
        origin: Origin::Elsewhere { file, link, .. },
        ..
    }) = ok.contact
    else {
        panic!("elsewhere")
    };
    assert_eq!(file, Some(PathBuf::from("c.csv")));
    assert_eq!(link[0].name, "Acct");
}

#[test]
fn joins_and_clean_ups_are_read_and_checked() {
    let ok = parse(
        Path::new("m.toml"),
        "[customer]\nName = \"Company\"\nAccountNumber = \"Acct\"\nPostalCode = { column = \"Zip\", pad = 5, trim = true, replace = { \" \" = \"\" } }\n[contact]\nName = { join = [\"First\", \"Last\"] }\n",
    )
    .expect("valid");
    let RuleSource::Column { column, shape, .. } = &ok.contact.expect("contact").rules[0].source
    else {
        panic!("column rule")
    };
    let shape = shape.as_ref().expect("shape");
    assert_eq!((column.name.as_str(), shape.sep.as_str()), ("First", " "));
    assert_eq!(shape.join.len(), 2);
    let found = problems(
        "[customer]\nName = \"Company\"\nComments = { join = [\"A\", \"B\"], column = \"C\" }\nAccountNumber = { column = \"Acct\", pad = 0 }\nEmail = { column = \"E\", pad = 5 }\nCity = { column = \"City\", sep = \"-\" }\nState = { value = \"MA\", trim = true }\nFax = { column = \"Fax\", trim = 3 }\n",
    );
    let lines: Vec<Option<usize>> = found.iter().map(|(l, _)| *l).collect();
    assert_eq!(
        lines,
        [Some(3), Some(4), Some(5), Some(6), Some(7), Some(8)],
        "{found:#?}"
    );
    assert!(
        found[0]
            .1
            .contains("`join` and `column` cannot go together")
    );
    assert!(found[2].1.contains("`pad` is for text fields"));
    assert!(found[3].1.contains("`sep` goes with `join"));
}

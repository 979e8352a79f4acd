//! `init`'s header matching, table-driven: each header set (written as a two-customer CSV)
//! must give these field choices, and the mapping must pass `--dry-run`.
#![allow(clippy::unwrap_used)]

use super::{choices, init_and_dry_run};
use crate::util::Work;

/// Header line, two data lines, and choices the mapping must hold.
const CASES: &[(&str, &str, &str, &[&str])] = &[
    (
        "Customer Name,Acct #,E-mail Address",
        "Acme,1,a@acme.example",
        "Bolt,2,b@bolt.example",
        &[
            "Name=Customer Name",
            "AccountNumber=Acct #",
            "Email=E-mail Address",
            "match=AccountNumber",
        ],
    ),
    (
        "Company,Account No,Street,Town,Zip",
        "Acme,1,1 Main St,Boston,02134",
        "Bolt,2,2 Elm St,Salem,01970",
        &[
            "Name=Company",
            "AccountNumber=Account No",
            "AddressLine1=Street",
            "City=Town",
            "PostalCode=Zip",
        ],
    ),
    (
        "Account Name,Customer Code,Address,City,Province,Postcode",
        "Acme,C1,1 Rue,Montreal,QC,H2X 1Y4",
        "Bolt,C2,2 Rue,Laval,QC,H7N 2A1",
        &[
            "Name=Account Name",
            "AccountNumber=Customer Code",
            "AddressLine1=Address",
            "State=Province",
            "PostalCode=Postcode",
        ],
    ),
    (
        "Client,Client ID,Tel,Fax",
        "Acme,7,(617) 555-0100,(617) 555-0199",
        "Bolt,8,(617) 555-0101,",
        &[
            "Name=Client",
            "AccountNumber=Client ID",
            "Phone=Tel",
            "Fax=Fax",
        ],
    ),
    (
        "Business Name,Customer Number,Telephone,Region",
        "Acme,100,617-555-0100,North",
        "Bolt,101,617-555-0101,South",
        &[
            "Name=Business Name",
            "AccountNumber=Customer Number",
            "Phone=Telephone",
            "State=Region",
        ],
    ),
    (
        "Name,Acct,Contact Person,Dept",
        "Acme,1,Ann Lee,Sales",
        "Bolt,2,Bob Marsh,Ops",
        &[
            "Name=Name",
            "AccountNumber=Acct",
            "PrimaryContactName=Contact Person",
            "department.Name=Dept",
        ],
    ),
    (
        "Organisation,Account Code,Primary Contact,Email Address,Billing Email",
        "Acme,X1,Ann,a@acme.example,ap@acme.example",
        "Bolt,X2,Bob,b@bolt.example,ap@bolt.example",
        &[
            "Name=Organisation",
            "AccountNumber=Account Code",
            "PrimaryContactName=Primary Contact",
            "Email=Email Address",
            "BillingEmail=Billing Email",
        ],
    ),
    (
        "CUSTOMER NAME,ACCT NO,ZIP CODE,STATE",
        "ACME,1,02134,MA",
        "BOLT,2,01970,MA",
        &[
            "Name=CUSTOMER NAME",
            "AccountNumber=ACCT NO",
            "PostalCode=ZIP CODE",
            "State=STATE",
        ],
    ),
    (
        "company_name,account_number,address_line_1,address_line_2",
        "Acme,1,1 Main St,Suite 2",
        "Bolt,2,2 Elm St,",
        &[
            "Name=company_name",
            "AccountNumber=account_number",
            "AddressLine1=address_line_1",
            "AddressLine2=address_line_2",
        ],
    ),
    (
        "Name,AccountNumber,PostalCode,Website,Notes",
        "Acme,1,02134,www.acme.example,fragile",
        "Bolt,2,01970,,",
        &[
            "Name=Name",
            "AccountNumber=AccountNumber",
            "PostalCode=PostalCode",
            "Website=Website",
            "Comments=Notes",
        ],
    ),
    (
        "Customer,Cust ID,Web Portal,Invoice By Email",
        "Acme,1,Yes,No",
        "Bolt,2,No,Yes",
        &[
            "Name=Customer",
            "AccountNumber=Cust ID",
            "HasWebPortalAccess=Web Portal",
            "SendInvoiceByEmail=Invoice By Email",
        ],
    ),
    (
        "Company,Account,Pricing Method,Billing Adjustment %",
        "Acme,1,Flat Rate,5",
        "Bolt,2,Distance,-2.5",
        &[
            "Name=Company",
            "AccountNumber=Account",
            "PricingMethod=Pricing Method",
            "BillingAdjustmentPercentage=Billing Adjustment %",
        ],
    ),
    (
        "Company,Ref #,PO Number,Time Zone",
        "Acme,R1,PO-1,Eastern Standard Time",
        "Bolt,R2,PO-2,Eastern Standard Time",
        &[
            "Name=Company",
            "ReferenceNumber=Ref #",
            "PurchaseOrderNumber=PO Number",
            "TimeZone=Time Zone",
            "group_by=Company",
            "match=Name",
        ],
    ),
    (
        "Company,Acct #,First Name,Last Name",
        "Acme,1,Ann,Lee",
        "Bolt,2,Bob,Marsh",
        &[
            "Name=Company",
            "AccountNumber=Acct #",
            "PrimaryContactName=First Name+Last Name",
        ],
    ),
    (
        "Company,Code,Contact Email,Mobile,Attn",
        "Acme,1,ann@acme.example,617-555-0100,Ann",
        "Bolt,2,bob@bolt.example,617-555-0101,Bob",
        &[
            "Name=Company",
            "contact.Email=Contact Email",
            "contact.Phone=Mobile",
            "contact.Name=Attn",
        ],
    ),
    (
        "Firm,Customer Account,Contact,Contact Phone,Division",
        "Acme,1,Ann,617-555-0100,East",
        "Bolt,2,Bob,617-555-0101,West",
        &[
            "AccountNumber=Customer Account",
            "contact.Name=Contact",
            "contact.Phone=Contact Phone",
            "department.Name=Division",
        ],
    ),
    (
        "Company,Acct,Status,Country",
        "Acme,1,Active,US",
        "Bolt,2,Closed,US",
        &["Name=Company", "AccountNumber=Acct", "Country=Country"],
    ),
];

#[test]
fn header_sets_give_the_expected_fields_and_pass_a_dry_run() {
    assert!(CASES.len() >= 15);
    for (header, one, two, want) in CASES {
        let work = Work::new();
        work.write("in.csv", format!("{header}\n{one}\n{two}\n"));
        let (_, text, dry, report) = init_and_dry_run(&work, "in.csv", "m.toml");
        let chosen = choices(&work.path("m.toml"));
        for w in *want {
            assert!(
                chosen.contains(&w.to_string()),
                "{header}: {w} not in {chosen:?}\n{text}"
            );
        }
        assert_eq!(dry.code, 0, "{header}: {}\n{text}", dry.stderr);
        assert!(
            report.iter().all(|l| l.contains(",valid,")),
            "{header}: {report:?}"
        );
    }
}

//! Writes the shipped samples, `samples/customers.xlsx` and `samples/customers.csv`, with the
//! same rows: a courier company's customer list in the layout `mappings/default.toml` reads.
//!
//! Run from the crate root: `cargo run --example make_samples`. The output is deterministic, so
//! rerunning it after editing `CUSTOMERS` gives a reviewable diff of the CSV.
//!
//! Invariants (the importer must accept every row): each customer's rows are adjacent and share
//! `Acct No` and `Company`; follow-up rows either repeat a customer column exactly or leave it
//! blank, never a different value; `Country` and `Pricing` (which have defaults in the mapping)
//! are always repeated, so a default filled in per row can never conflict with the first row.
//! All addresses are invented, phone numbers are in the fictional 555-01xx range and mail domains
//! end in `.example` (RFC 2606), so an import into a real account cannot email anyone.

#[path = "support/layout.rs"]
mod layout;

use std::error::Error;
use std::fs;
use std::path::Path;

use layout::{COLUMNS, Formats, Row};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook};

/// How a customer's second and later rows fill the customer columns.
#[derive(Clone, Copy)]
enum FollowUp {
    /// Every customer column repeated, as an export from a database does.
    Repeat,
    /// Only `Acct No`, `Company`, `Country` and `Pricing` repeated; the rest blank, as people
    /// type it.
    Blank,
    /// Address and phone repeated, the rest blank.
    Partial,
}

/// One department and/or contact line of a customer.
struct Line {
    department: &'static str,
    contact: &'static str,
    email: &'static str,
    phone: &'static str,
}

const fn line(
    department: &'static str,
    contact: &'static str,
    email: &'static str,
    phone: &'static str,
) -> Line {
    Line {
        department,
        contact,
        email,
        phone,
    }
}

/// One customer: the customer columns, then its department/contact lines (none: one row with
/// those four columns blank).
struct Customer {
    acct: &'static str,
    company: &'static str,
    primary: &'static str,
    address1: &'static str,
    address2: &'static str,
    city: &'static str,
    state: &'static str,
    zip: &'static str,
    country: &'static str,
    phone: &'static str,
    fax: &'static str,
    email: &'static str,
    billing_email: &'static str,
    website: &'static str,
    status: &'static str,
    pricing: &'static str,
    adj: &'static str,
    invoice_by_email: &'static str,
    web_portal: &'static str,
    reference: &'static str,
    notes: &'static str,
    follow_up: FollowUp,
    lines: &'static [Line],
}

/// The default for the fields most customers leave alone.
const BASE: Customer = Customer {
    acct: "",
    company: "",
    primary: "",
    address1: "",
    address2: "",
    city: "",
    state: "",
    zip: "",
    country: "US",
    phone: "",
    fax: "",
    email: "",
    billing_email: "",
    website: "",
    status: "Active",
    pricing: "",
    adj: "",
    invoice_by_email: "Yes",
    web_portal: "No",
    reference: "",
    notes: "",
    follow_up: FollowUp::Repeat,
    lines: &[],
};

const CUSTOMERS: &[Customer] = &[
    Customer {
        acct: "1001",
        company: "Harbor & Pike LLP",
        primary: "Margaret Doyle",
        address1: "160 Federal St",
        address2: "Suite 1200",
        city: "Boston",
        state: "MA",
        zip: "02110",
        phone: "(617) 555-0142",
        fax: "(617) 555-0143",
        email: "frontdesk@harborpike.example",
        billing_email: "ap@harborpike.example",
        website: "www.harborpike.example",
        pricing: "Zone to Zone",
        adj: "-5",
        web_portal: "Yes",
        reference: "HP-2291",
        notes: "Court filings: same-day, signature required",
        follow_up: FollowUp::Blank,
        lines: &[
            line(
                "Litigation",
                "Daniel Okafor",
                "dokafor@harborpike.example",
                "(617) 555-0144",
            ),
            line(
                "Real Estate",
                "Priya Raman",
                "praman@harborpike.example",
                "(617) 555-0145",
            ),
            line(
                "Mail Room",
                "Tom Keane",
                "mailroom@harborpike.example",
                "(617) 555-0146",
            ),
        ],
        ..BASE
    },
    Customer {
        acct: "1002",
        company: "St. Brendan's Medical Center",
        primary: "Linda Chu",
        address1: "330 Brookline Ave",
        city: "Boston",
        state: "MA",
        zip: "02215",
        phone: "(617) 555-0100",
        fax: "(617) 555-0101",
        email: "logistics@stbrendans.example",
        billing_email: "payables@stbrendans.example",
        website: "www.stbrendans.example",
        pricing: "Distance",
        adj: "-10",
        web_portal: "Yes",
        reference: "PO-88412",
        notes: "Specimens: keep upright, 2-8 °C; deliver to the east loading dock",
        follow_up: FollowUp::Repeat,
        lines: &[
            line(
                "Radiology",
                "Dr. Samuel Greene",
                "sgreene@stbrendans.example",
                "(617) 555-0102",
            ),
            line(
                "Pathology",
                "Ana Souza",
                "asouza@stbrendans.example",
                "(617) 555-0103",
            ),
            line(
                "Pharmacy",
                "Kevin Walsh",
                "pharmacy@stbrendans.example",
                "(617) 555-0104",
            ),
            line("Emergency Department", "", "", ""),
        ],
        ..BASE
    },
    Customer {
        acct: "1003",
        company: "Longwood Clinical Laboratories",
        primary: "Rachel Stein",
        address1: "45 Francis St",
        address2: "Floor 3",
        city: "Boston",
        state: "MA",
        zip: "02115",
        phone: "(617) 555-0110",
        email: "dispatch@longwoodlabs.example",
        billing_email: "billing@longwoodlabs.example",
        website: "www.longwoodlabs.example",
        pricing: "Distance",
        adj: "5",
        web_portal: "Yes",
        reference: "LCL-0007",
        notes: "Stat pickups 24/7",
        follow_up: FollowUp::Partial,
        lines: &[
            line(
                "Microbiology",
                "Hiro Tanaka",
                "htanaka@longwoodlabs.example",
                "(617) 555-0111",
            ),
            line(
                "Toxicology",
                "Grace Mbeki",
                "gmbeki@longwoodlabs.example",
                "(617) 555-0112",
            ),
        ],
        ..BASE
    },
    Customer {
        acct: "1004",
        company: "Allston Print & Copy",
        primary: "Joe Fitzgerald",
        address1: "1234 Commonwealth Ave",
        city: "Allston",
        state: "MA",
        zip: "02134",
        phone: "(617) 555-0120",
        email: "orders@allstonprint.example",
        pricing: "Flat Rate",
        invoice_by_email: "No",
        ..BASE
    },
    Customer {
        acct: "1005",
        company: "Café Lumière Catering",
        primary: "Hélène Marchand",
        address1: "88 Hampshire St",
        city: "Cambridge",
        state: "MA",
        zip: "02139",
        phone: "(617) 555-0125",
        email: "bonjour@cafelumiere.example",
        billing_email: "comptes@cafelumiere.example",
        website: "www.cafelumiere.example",
        pricing: "Flat Rate",
        notes: "Food deliveries: insulated bags, \"this side up\" on all trays",
        lines: &[line(
            "Events",
            "Étienne Roux",
            "etienne@cafelumiere.example",
            "(617) 555-0126",
        )],
        ..BASE
    },
    Customer {
        acct: "1006",
        company: "Beacon Hill Dental Associates",
        primary: "Dr. Susan Park",
        address1: "21 Charles St",
        address2: "2nd Floor",
        city: "Boston",
        state: "MA",
        zip: "02114",
        phone: "(617) 555-0130",
        fax: "(617) 555-0131",
        email: "office@beaconhilldental.example",
        pricing: "Zone to Zone",
        follow_up: FollowUp::Blank,
        lines: &[
            line(
                "",
                "Maria Lopez",
                "mlopez@beaconhilldental.example",
                "(617) 555-0132",
            ),
            line(
                "",
                "Dr. Susan Park",
                "spark@beaconhilldental.example",
                "(617) 555-0133",
            ),
        ],
        ..BASE
    },
    Customer {
        acct: "1007",
        company: "Kendall Square Genomics",
        primary: "Arjun Mehta",
        address1: "300 Binney St",
        city: "Cambridge",
        state: "MA",
        zip: "02142",
        phone: "(617) 555-0150",
        email: "shipping@ksgenomics.example",
        billing_email: "finance@ksgenomics.example",
        website: "www.ksgenomics.example",
        pricing: "Distance",
        adj: "12.5",
        web_portal: "Yes",
        notes: "Dry ice shipments; driver must sign the chain-of-custody form",
        follow_up: FollowUp::Blank,
        lines: &[
            line(
                "Sequencing Core",
                "Lena Fischer",
                "lfischer@ksgenomics.example",
                "(617) 555-0151",
            ),
            line("Receiving", "", "", ""),
        ],
        ..BASE
    },
    Customer {
        acct: "1008",
        company: "Müller & Søn Logistics",
        primary: "Jens Sørensen",
        address1: "75 Terminal St",
        address2: "Bldg 2",
        city: "Charlestown",
        state: "MA",
        zip: "02129",
        phone: "(617) 555-0155",
        email: "ops@mullerson.example",
        billing_email: "invoices@mullerson.example",
        pricing: "Zone to Zone",
        adj: "-3",
        lines: &[line(
            "Warehouse",
            "Björn Müller",
            "bjorn@mullerson.example",
            "(617) 555-0156",
        )],
        ..BASE
    },
    Customer {
        acct: "1009",
        company: "Providence Federal Savings Bank",
        primary: "Catherine Almeida",
        address1: "1 Financial Plaza",
        address2: "14th Floor",
        city: "Providence",
        state: "RI",
        zip: "02903",
        phone: "(401) 555-0160",
        fax: "(401) 555-0161",
        email: "courier@pfsb.example",
        billing_email: "vendorpay@pfsb.example",
        website: "www.pfsb.example",
        pricing: "Flat Rate",
        web_portal: "Yes",
        reference: "PFSB-VND-311",
        notes: "Bank bags: two-person handoff, ID checked at the teller line",
        follow_up: FollowUp::Repeat,
        lines: &[
            line(
                "Branch Operations",
                "Paul Medeiros",
                "pmedeiros@pfsb.example",
                "(401) 555-0162",
            ),
            line(
                "Loan Servicing",
                "Dana Whitfield",
                "dwhitfield@pfsb.example",
                "(401) 555-0163",
            ),
            line("Records", "", "", ""),
        ],
        ..BASE
    },
    Customer {
        acct: "1010",
        company: "Rosewood Florist",
        primary: "Nancy Pereira",
        address1: "412 Thayer St",
        city: "Providence",
        state: "RI",
        zip: "02906",
        phone: "(401) 555-0165",
        email: "rosewoodflowers@rosewood.example",
        status: "Closed",
        invoice_by_email: "No",
        notes: "Closed March 2024; kept for history",
        ..BASE
    },
    Customer {
        acct: "1011",
        company: "Capitol Title & Escrow",
        primary: "Gregory Hall",
        address1: "100 Pearl St",
        address2: "Suite 400",
        city: "Hartford",
        state: "CT",
        zip: "06103",
        phone: "(860) 555-0170",
        fax: "(860) 555-0171",
        email: "closings@capitoltitle.example",
        pricing: "Zone to Zone",
        notes: "Closing packages, originals only",
        lines: &[line(
            "Closings",
            "Beth Nowak",
            "bnowak@capitoltitle.example",
            "(860) 555-0172",
        )],
        ..BASE
    },
    Customer {
        acct: "1012",
        company: "Garden State Imaging",
        primary: "Anthony Russo",
        address1: "150 Bergen St",
        city: "Newark",
        state: "NJ",
        zip: "07103",
        phone: "(973) 555-0175",
        email: "frontdesk@gsimaging.example",
        billing_email: "billing@gsimaging.example",
        pricing: "Distance",
        adj: "7.5",
        web_portal: "Yes",
        follow_up: FollowUp::Partial,
        lines: &[
            line(
                "MRI",
                "Nicole Bauer",
                "nbauer@gsimaging.example",
                "(973) 555-0176",
            ),
            line(
                "Film Library",
                "Luis Ortega",
                "lortega@gsimaging.example",
                "(973) 555-0177",
            ),
        ],
        ..BASE
    },
    Customer {
        acct: "1013",
        company: "Morristown Orthodontics",
        primary: "Dr. Karen Wu",
        address1: "55 Madison Ave",
        address2: "Suite 210",
        city: "Morristown",
        state: "NJ",
        zip: "07960",
        phone: "(973) 555-0180",
        email: "smile@morristownortho.example",
        ..BASE
    },
    Customer {
        acct: "1014",
        company: "Whitcombe, Reyes & Dunn LLP",
        primary: "Eleanor Whitcombe",
        address1: "420 Lexington Ave",
        address2: "Suite 2600",
        city: "New York",
        state: "NY",
        zip: "10170",
        phone: "(212) 555-0185",
        fax: "(212) 555-0186",
        email: "reception@wrdlaw.example",
        billing_email: "accounting@wrdlaw.example",
        website: "www.wrdlaw.example",
        pricing: "Zone to Zone",
        adj: "-3",
        web_portal: "Yes",
        reference: "WRD-1999",
        notes: "After 6 pm use the 43rd St entrance, ring \"Deliveries\"",
        follow_up: FollowUp::Blank,
        lines: &[
            line(
                "Corporate",
                "Marcus Reyes",
                "mreyes@wrdlaw.example",
                "(212) 555-0187",
            ),
            line(
                "Litigation Support",
                "Ji-woo Han",
                "jhan@wrdlaw.example",
                "(212) 555-0188",
            ),
            line(
                "",
                "Accounts Payable",
                "accounting@wrdlaw.example",
                "(212) 555-0189",
            ),
        ],
        ..BASE
    },
    Customer {
        acct: "1015",
        company: "Hudson Yards Print Studio",
        primary: "Carlos Medina",
        address1: "450 W 33rd St",
        city: "New York",
        state: "NY",
        zip: "10001",
        phone: "(212) 555-0190",
        email: "jobs@hyprint.example",
        pricing: "Flat Rate",
        adj: "0",
        ..BASE
    },
    Customer {
        acct: "1016",
        company: "Riverside Presbyterian Hospital",
        primary: "Deborah King",
        address1: "5141 Broadway",
        city: "New York",
        state: "NY",
        zip: "10034",
        phone: "(212) 555-0195",
        fax: "(212) 555-0196",
        email: "materials@riversidepres.example",
        billing_email: "ap@riversidepres.example",
        website: "www.riversidepres.example",
        pricing: "Distance",
        adj: "-10",
        web_portal: "Yes",
        reference: "RPH-MM-4410",
        follow_up: FollowUp::Blank,
        lines: &[
            line(
                "Blood Bank",
                "Olga Petrova",
                "opetrova@riversidepres.example",
                "(212) 555-0197",
            ),
            line(
                "Pharmacy",
                "James Lee",
                "jlee@riversidepres.example",
                "(212) 555-0198",
            ),
            line(
                "Medical Records",
                "Zoë Nakamura",
                "znakamura@riversidepres.example",
                "(212) 555-0199",
            ),
        ],
        ..BASE
    },
    Customer {
        acct: "1017",
        company: "Liberty Bell Diagnostics",
        primary: "Frank DiNardo",
        address1: "1500 Market St",
        address2: "Suite 1850",
        city: "Philadelphia",
        state: "PA",
        zip: "19102",
        phone: "(215) 555-0110",
        email: "couriers@libertybelldx.example",
        billing_email: "ar@libertybelldx.example",
        pricing: "Distance",
        web_portal: "Yes",
        follow_up: FollowUp::Repeat,
        lines: &[
            line(
                "Specimen Receiving",
                "Tasha Brooks",
                "tbrooks@libertybelldx.example",
                "(215) 555-0111",
            ),
            line(
                "Client Services",
                "Mike Kowalski",
                "mkowalski@libertybelldx.example",
                "(215) 555-0112",
            ),
        ],
        ..BASE
    },
    Customer {
        acct: "1018",
        company: "Chesapeake Community Bank",
        primary: "Howard Bell",
        address1: "10 Light St",
        city: "Baltimore",
        state: "MD",
        zip: "21202",
        phone: "(410) 555-0120",
        email: "operations@chesapeakecb.example",
        billing_email: "payables@chesapeakecb.example",
        pricing: "Flat Rate",
        status: "On hold",
        notes: "On hold: past-due balance, call before dispatch",
        ..BASE
    },
    Customer {
        acct: "1019",
        company: "Dupont Circle Florals",
        primary: "Ivy Thompson",
        address1: "1350 Connecticut Ave NW",
        city: "Washington",
        state: "DC",
        zip: "20036",
        phone: "(202) 555-0125",
        email: "hello@dupontflorals.example",
        pricing: "Zone to Zone",
        invoice_by_email: "No",
        ..BASE
    },
    Customer {
        acct: "1020",
        company: "Peachtree Pediatric Dental",
        primary: "Dr. Monique Harris",
        address1: "1100 Peachtree St NE",
        address2: "Suite 300",
        city: "Atlanta",
        state: "GA",
        zip: "30309",
        phone: "(404) 555-0130",
        email: "office@peachtreekids.example",
        lines: &[line(
            "",
            "Keisha Moore",
            "kmoore@peachtreekids.example",
            "(404) 555-0131",
        )],
        ..BASE
    },
    Customer {
        acct: "1021",
        company: "Lakeshore Pathology Partners",
        primary: "Dr. Robert Novak",
        address1: "233 S Wacker Dr",
        address2: "Suite 5400",
        city: "Chicago",
        state: "IL",
        zip: "60606",
        phone: "(312) 555-0135",
        fax: "(312) 555-0136",
        email: "lab@lakeshorepath.example",
        billing_email: "billing@lakeshorepath.example",
        website: "www.lakeshorepath.example",
        pricing: "Distance",
        adj: "2.5",
        web_portal: "Yes",
        follow_up: FollowUp::Partial,
        lines: &[
            line(
                "Histology",
                "Agnieszka Zielińska",
                "azielinska@lakeshorepath.example",
                "(312) 555-0137",
            ),
            line(
                "Cytology",
                "Omar Haddad",
                "ohaddad@lakeshorepath.example",
                "(312) 555-0138",
            ),
        ],
        ..BASE
    },
    Customer {
        acct: "1022",
        company: "Wabash Reprographics",
        primary: "Steve Carlson",
        address1: "180 N Wabash Ave",
        city: "Chicago",
        state: "IL",
        zip: "60601",
        phone: "(312) 555-0140",
        email: "plans@wabashrepro.example",
        pricing: "Flat Rate",
        reference: "WR-22",
        notes: "Large-format plan sets, tubes only",
        ..BASE
    },
    Customer {
        acct: "1023",
        company: "Mile High Veterinary Hospital",
        primary: "Dr. Emily Sandoval",
        address1: "1600 Downing St",
        city: "Denver",
        state: "CO",
        zip: "80218",
        phone: "(303) 555-0145",
        email: "frontdesk@milehighvet.example",
        pricing: "Zone to Zone",
        lines: &[
            line(
                "Surgery",
                "Dr. Emily Sandoval",
                "esandoval@milehighvet.example",
                "(303) 555-0146",
            ),
            line(
                "Lab",
                "Tyler Nguyen",
                "tnguyen@milehighvet.example",
                "(303) 555-0147",
            ),
        ],
        ..BASE
    },
    Customer {
        acct: "1024",
        company: "Front Range Credit Union",
        primary: "Sharon Mills",
        address1: "1700 Lincoln St",
        city: "Denver",
        state: "CO",
        zip: "80203",
        phone: "(303) 555-0150",
        email: "branchops@frontrangecu.example",
        billing_email: "ap@frontrangecu.example",
        status: "On hold",
        pricing: "Flat Rate",
        adj: "-2",
        ..BASE
    },
    Customer {
        acct: "1025",
        company: "Bayou City Medical Labs",
        primary: "Dr. Alicia Ramos",
        address1: "6565 Fannin St",
        city: "Houston",
        state: "TX",
        zip: "77030",
        phone: "(713) 555-0155",
        email: "courier@bayoucitylabs.example",
        billing_email: "billing@bayoucitylabs.example",
        pricing: "Distance",
        web_portal: "Yes",
        follow_up: FollowUp::Blank,
        lines: &[
            line(
                "Chemistry",
                "José Álvarez",
                "jalvarez@bayoucitylabs.example",
                "(713) 555-0156",
            ),
            line(
                "Hematology",
                "Brenda Scott",
                "bscott@bayoucitylabs.example",
                "(713) 555-0157",
            ),
        ],
        ..BASE
    },
    Customer {
        acct: "1026",
        company: "Lone Star Title & Abstract",
        primary: "Wade Collins",
        address1: "300 Convent St",
        address2: "Suite 1300",
        city: "San Antonio",
        state: "TX",
        zip: "78205",
        phone: "(210) 555-0160",
        email: "escrow@lonestartitle.example",
        pricing: "Zone to Zone",
        reference: "LST-77",
        ..BASE
    },
    Customer {
        acct: "1027",
        company: "Puget Sound Orthopedics",
        primary: "Dr. Ingrid Halvorsen",
        address1: "1100 9th Ave",
        address2: "Suite 700",
        city: "Seattle",
        state: "WA",
        zip: "98101",
        phone: "(206) 555-0165",
        fax: "(206) 555-0166",
        email: "clinic@pugetortho.example",
        billing_email: "billing@pugetortho.example",
        pricing: "Distance",
        lines: &[line(
            "Imaging",
            "Chris Yamamoto",
            "cyamamoto@pugetortho.example",
            "(206) 555-0167",
        )],
        ..BASE
    },
    Customer {
        acct: "1028",
        company: "Pike Place Flowers & Gifts",
        primary: "Rosa Delgado",
        address1: "1501 Pike Pl",
        address2: "Stall 12",
        city: "Seattle",
        state: "WA",
        zip: "98101",
        phone: "(206) 555-0170",
        email: "shop@pikeplaceflowers.example",
        status: "Closed",
        invoice_by_email: "No",
        ..BASE
    },
    Customer {
        acct: "1029",
        company: "Golden Gate Biologics",
        primary: "Dr. Wei Zhang",
        address1: "1700 Owens St",
        city: "San Francisco",
        state: "CA",
        zip: "94158",
        phone: "(415) 555-0175",
        email: "logistics@ggbiologics.example",
        billing_email: "ap@ggbiologics.example",
        website: "www.ggbiologics.example",
        pricing: "Distance",
        adj: "10",
        web_portal: "Yes",
        reference: "GGB-2024-01",
        notes: "Temperature-controlled: -20 °C and 2-8 °C boxes supplied by the customer",
        follow_up: FollowUp::Repeat,
        lines: &[
            line(
                "Clinical Supply",
                "Meera Iyer",
                "miyer@ggbiologics.example",
                "(415) 555-0176",
            ),
            line(
                "QC Lab",
                "Patrick O'Brien",
                "pobrien@ggbiologics.example",
                "(415) 555-0177",
            ),
        ],
        ..BASE
    },
    Customer {
        acct: "1030",
        company: "Sunset Boulevard Dental Group",
        primary: "Dr. Nina Petrosyan",
        address1: "8500 Sunset Blvd",
        city: "West Hollywood",
        state: "CA",
        zip: "90069",
        phone: "(310) 555-0180",
        email: "smiles@sunsetdental.example",
        pricing: "Zone to Zone",
        ..BASE
    },
    Customer {
        acct: "1031",
        company: "Burlington Family Pharmacy",
        primary: "George Antonakos",
        address1: "75 Cambridge St",
        city: "Burlington",
        state: "MA",
        zip: "01803",
        phone: "(781) 555-0185",
        email: "rx@burlingtonrx.example",
        pricing: "Flat Rate",
        lines: &[line(
            "",
            "Sofia Antonakos",
            "sofia@burlingtonrx.example",
            "(781) 555-0186",
        )],
        ..BASE
    },
    Customer {
        acct: "1032",
        company: "Salisbury & Grant, Attorneys at Law",
        primary: "Henry Salisbury",
        address1: "370 Main St",
        address2: "Suite 800",
        city: "Worcester",
        state: "MA",
        zip: "01608",
        phone: "(508) 555-0190",
        fax: "(508) 555-0191",
        email: "office@salisburygrant.example",
        pricing: "Zone to Zone",
        notes: "Probate court runs Tue and Thu",
        follow_up: FollowUp::Blank,
        lines: &[
            line(
                "Probate",
                "Julia Grant",
                "jgrant@salisburygrant.example",
                "(508) 555-0192",
            ),
            line("Estate Planning", "", "", ""),
        ],
        ..BASE
    },
    Customer {
        acct: "1033",
        company: "Casco Bay Medical Imaging",
        primary: "Ellen Thibodeau",
        address1: "22 Bramhall St",
        city: "Portland",
        state: "ME",
        zip: "04102",
        phone: "(207) 555-0195",
        email: "imaging@cascobayimaging.example",
        billing_email: "billing@cascobayimaging.example",
        pricing: "Distance",
        web_portal: "Yes",
        ..BASE
    },
    Customer {
        acct: "1034",
        company: "Green Mountain Print Works",
        primary: "Ben Lavoie",
        address1: "200 Church St",
        city: "Burlington",
        state: "VT",
        zip: "05401",
        phone: "(802) 555-0105",
        email: "print@gmprintworks.example",
        pricing: "Flat Rate",
        invoice_by_email: "No",
        ..BASE
    },
    Customer {
        acct: "1035",
        company: "Nashua Dental Arts",
        primary: "Dr. Paul Gagnon",
        address1: "9 Northeastern Blvd",
        city: "Nashua",
        state: "NH",
        zip: "03062",
        phone: "(603) 555-0115",
        email: "frontdesk@nashuadentalarts.example",
        lines: &[line(
            "Lab Cases",
            "Amy Gagnon",
            "agagnon@nashuadentalarts.example",
            "(603) 555-0116",
        )],
        ..BASE
    },
    Customer {
        acct: "1036",
        company: "Seaport Bank & Trust",
        primary: "Victoria Lang",
        address1: "1 Seaport Ln",
        address2: "Floor 9",
        city: "Boston",
        state: "MA",
        zip: "02210",
        phone: "(617) 555-0160",
        fax: "(617) 555-0161",
        email: "vault@seaportbank.example",
        billing_email: "ap@seaportbank.example",
        website: "www.seaportbank.example",
        pricing: "Flat Rate",
        adj: "15",
        web_portal: "Yes",
        reference: "SBT-VAULT",
        notes: "Armored pickups are NOT ours; documents only",
        follow_up: FollowUp::Repeat,
        lines: &[
            line(
                "Treasury",
                "Robert Chen",
                "rchen@seaportbank.example",
                "(617) 555-0162",
            ),
            line(
                "Legal",
                "Fiona Gallagher",
                "fgallagher@seaportbank.example",
                "(617) 555-0163",
            ),
        ],
        ..BASE
    },
];

fn main() -> Result<(), Box<dyn Error>> {
    let rows = rows();
    fs::create_dir_all("samples")?;
    write_csv(Path::new("samples/customers.csv"), &rows)?;
    write_xlsx(Path::new("samples/customers.xlsx"), &rows)?;
    println!(
        "wrote samples/customers.csv and samples/customers.xlsx: {} rows, {} customers",
        rows.len(),
        CUSTOMERS.len()
    );
    Ok(())
}

/// Every data row, customers in `CUSTOMERS` order, each customer's rows adjacent.
fn rows() -> Vec<Row<'static>> {
    let mut rows = Vec::new();
    for c in CUSTOMERS {
        let full: Row<'static> = [
            c.acct,
            c.company,
            c.primary,
            c.address1,
            c.address2,
            c.city,
            c.state,
            c.zip,
            c.country,
            c.phone,
            c.fax,
            c.email,
            c.billing_email,
            c.website,
            c.status,
            c.pricing,
            c.adj,
            c.invoice_by_email,
            c.web_portal,
            c.reference,
            c.notes,
            "",
            "",
            "",
            "",
        ];
        if c.lines.is_empty() {
            rows.push(full);
        }
        for (i, l) in c.lines.iter().enumerate() {
            let mut row = if i == 0 {
                full
            } else {
                follow_up(&full, c.follow_up)
            };
            row[21..].copy_from_slice(&[l.department, l.contact, l.email, l.phone]);
            rows.push(row);
        }
    }
    rows
}

/// A second or later row of a customer, before its department/contact columns are filled.
fn follow_up(full: &Row<'static>, style: FollowUp) -> Row<'static> {
    // Acct No, Company, Country, Pricing: always repeated (see the module comment).
    const ALWAYS: [usize; 4] = [0, 1, 8, 15];
    // Address 1, Address 2, City, State, ZIP, Phone.
    const PARTIAL: [usize; 6] = [3, 4, 5, 6, 7, 9];
    let keep: &[usize] = match style {
        FollowUp::Repeat => return *full,
        FollowUp::Blank => &ALWAYS,
        FollowUp::Partial => &PARTIAL,
    };
    let mut row: Row<'static> = [""; COLUMNS.len()];
    for &col in ALWAYS.iter().chain(keep) {
        row[col] = full[col];
    }
    row
}

fn write_csv(path: &Path, rows: &[Row<'_>]) -> Result<(), Box<dyn Error>> {
    // RFC 4180: CRLF line ends, fields quoted only when they hold a comma, quote or line break.
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_path(path)?;
    out.write_record(COLUMNS)?;
    for row in rows {
        out.write_record(row)?;
    }
    out.flush()?;
    Ok(())
}

fn write_xlsx(path: &Path, rows: &[Row<'_>]) -> Result<(), Box<dyn Error>> {
    let mut workbook = Workbook::new();
    // A fixed creation date keeps the file byte-for-byte the same from one run to the next.
    let created = ExcelDateTime::from_ymd(2026, 1, 1)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title("OnTime 360 customer import sample")
            .set_author("ontime-import")
            .set_creation_datetime(&created),
    );
    let formats = Formats::new();
    let sheet = workbook.add_worksheet();
    layout::start_sheet(sheet, &formats)?;
    let mut last = 0;
    for (n, row) in (1u32..).zip(rows) {
        layout::write_row(sheet, &formats, n, row)?;
        last = n;
    }
    layout::finish_sheet(sheet, last)?;
    workbook.save(path)?;
    Ok(())
}

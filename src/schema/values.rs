//! Plausible leaf values: words, names, places, dates, emails, UUIDs and URLs that look like
//! data, chosen by a hash of the property name and the item's position, so the same schema
//! always gives the same instance. Nothing here reads the schema's bounds; `numbers` and the
//! generator fit what is chosen here into them.

/// A 64-bit hash of a property name and a position (FNV-1a, then mixed), the only source of
/// variety: no clock and no randomness, so instances are deterministic.
pub(super) fn pick(name: &str, variant: usize) -> u64 {
    let bytes = name.bytes().chain((variant as u64).to_le_bytes());
    let h = crate::ids::fnv1a(crate::ids::FNV_OFFSET, bytes);
    // splitmix64 spreads the low bits FNV leaves close together.
    crate::ids::splitmix64(h, 0)
}

fn one<'a>(list: &[&'a str], p: u64) -> &'a str {
    list[(p % list.len() as u64) as usize]
}

const FIRST: [&str; 12] = [
    "Alice", "Bruno", "Chloe", "Daniel", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas",
    "Keiko", "Liam",
];
const LAST: [&str; 12] = [
    "Martin", "Silva", "Dubois", "Novak", "Rossi", "Haddad", "Kim", "Larsen", "Garcia", "Weber",
    "Tanaka", "Okafor",
];
pub(crate) const CITIES: [&str; 10] = [
    "Lisbon",
    "Paris",
    "Berlin",
    "Toronto",
    "Osaka",
    "Nairobi",
    "Madrid",
    "Oslo",
    "Austin",
    "Melbourne",
];
const COUNTRIES: [&str; 10] = [
    "Portugal",
    "France",
    "Germany",
    "Canada",
    "Japan",
    "Kenya",
    "Spain",
    "Norway",
    "Brazil",
    "Australia",
];
const STREETS: [&str; 6] = ["Market", "Oak", "Harbor", "Maple", "Station", "River"];
const COMPANIES: [&str; 6] = [
    "Acme Corp",
    "Globex",
    "Initech",
    "Northwind Traders",
    "Umbrella Labs",
    "Blue Harbor Ltd",
];
const ADJECTIVES: [&str; 12] = [
    "quiet", "amber", "swift", "golden", "gentle", "bright", "silver", "brisk", "calm", "bold",
    "green", "clever",
];
const NOUNS: [&str; 12] = [
    "harbor", "meadow", "river", "summit", "lantern", "garden", "canyon", "orchard", "beacon",
    "forest", "island", "valley",
];
const SENTENCES: [&str; 6] = [
    "A short summary of the main points.",
    "Everything went as planned this week.",
    "The results look promising so far.",
    "Follow up with the team on Monday.",
    "Customers asked for faster delivery.",
    "The draft is ready for review.",
];
const TITLES: [&str; 6] = [
    "Quarterly report",
    "Team offsite plan",
    "Release notes",
    "Onboarding checklist",
    "Budget review",
    "Product roadmap",
];

/// The words of a property name, lowercased: `homeCity`, `home_city` and `home-city` all give
/// `["home", "city"]`.
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            out.extend((!current.is_empty()).then(|| std::mem::take(&mut current)));
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower {
            out.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    out.extend((!current.is_empty()).then_some(current));
    out
}

/// What a property name says its value is, for the few kinds the generator knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    FullName,
    FirstName,
    LastName,
    Username,
    City,
    Country,
    Street,
    PostalCode,
    Company,
    Title,
    Prose,
    Email,
    Url,
    Phone,
    Uuid,
    Identifier,
    Sku,
    Age,
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Percent,
    Count,
    Money,
    Rating,
    Latitude,
    Longitude,
    Other,
}

fn kind_of_word(word: &str) -> Option<Kind> {
    Some(match word {
        "name" | "fullname" | "author" | "owner" | "customer" | "person" | "contact"
        | "assignee" | "speaker" => Kind::FullName,
        "firstname" | "givenname" | "forename" => Kind::FirstName,
        "lastname" | "surname" | "familyname" => Kind::LastName,
        "username" | "login" | "handle" | "nickname" | "user" => Kind::Username,
        "city" | "town" | "location" | "destination" | "origin" => Kind::City,
        "country" | "nation" | "nationality" => Kind::Country,
        "street" | "address" | "addressline" | "streetaddress" => Kind::Street,
        "zip" | "zipcode" | "postcode" | "postalcode" => Kind::PostalCode,
        "company" | "organization" | "organisation" | "org" | "employer" | "brand" => Kind::Company,
        "title" | "headline" | "subject" | "heading" => Kind::Title,
        "description" | "summary" | "bio" | "notes" | "note" | "comment" | "content" | "body"
        | "message" | "answer" | "reason" | "reasoning" | "explanation" | "text" => Kind::Prose,
        "email" | "mail" | "emailaddress" => Kind::Email,
        "url" | "uri" | "link" | "website" | "homepage" | "href" => Kind::Url,
        "phone" | "telephone" | "mobile" | "phonenumber" | "tel" => Kind::Phone,
        "uuid" | "guid" => Kind::Uuid,
        "id" | "identifier" | "uid" => Kind::Identifier,
        "sku" => Kind::Sku,
        "age" => Kind::Age,
        "year" => Kind::Year,
        "month" => Kind::Month,
        "day" => Kind::Day,
        "hour" | "hours" => Kind::Hour,
        "minute" | "minutes" | "second" | "seconds" => Kind::Minute,
        "percent" | "percentage" | "pct" => Kind::Percent,
        "count" | "quantity" | "qty" | "number" | "total" | "size" => Kind::Count,
        "price" | "cost" | "amount" | "salary" | "balance" | "budget" | "fee" => Kind::Money,
        "rating" | "stars" | "score" => Kind::Rating,
        "lat" | "latitude" => Kind::Latitude,
        "lng" | "lon" | "long" | "longitude" => Kind::Longitude,
        _ => return None,
    })
}

/// What `name` says its value is: the whole name joined (`first_name` → `firstname`), else its
/// last word, else any word, singular or plural.
pub(super) fn kind(name: &str) -> Kind {
    let words = words(name);
    let joined = words.concat();
    let singular = |w: &str| -> Option<String> {
        if let Some(stem) = w.strip_suffix("ies") {
            return Some(format!("{stem}y"));
        }
        w.strip_suffix('s').map(str::to_string)
    };
    let candidates = std::iter::once(joined.clone())
        .chain(singular(&joined))
        .chain(
            words
                .iter()
                .rev()
                .flat_map(|w| [w.clone()].into_iter().chain(singular(w))),
        );
    candidates
        .filter_map(|w| kind_of_word(&w))
        .next()
        .unwrap_or(Kind::Other)
}

/// The integer a property named so would usually hold (before the schema's bounds).
pub(super) fn integer_target(kind: Kind, p: u64) -> i128 {
    let r = |n: u64| i128::from(p % n);
    match kind {
        Kind::Age => 18 + r(50),
        Kind::Year => 2000 + r(26),
        Kind::Month => 1 + r(12),
        Kind::Day => 1 + r(28),
        Kind::Hour => r(24),
        Kind::Minute => r(60),
        Kind::Percent => 5 + r(91),
        Kind::Count => 1 + r(20),
        Kind::Money => 5 + r(495),
        Kind::Rating => 1 + r(5),
        _ => 1 + r(100),
    }
}

/// The number a property named so would usually hold (before the schema's bounds).
pub(super) fn number_target(kind: Kind, p: u64) -> f64 {
    let cents = (p % 100) as f64 / 100.0;
    match kind {
        Kind::Money => (5 + p % 495) as f64 + cents,
        Kind::Percent => (5 + p % 91) as f64 + cents,
        Kind::Rating => (1 + p % 4) as f64 + (p % 10) as f64 / 10.0,
        Kind::Latitude => ((p % 1600) as f64 - 800.0) / 10.0 + cents / 10.0,
        Kind::Longitude => ((p % 3400) as f64 - 1700.0) / 10.0 + cents / 10.0,
        _ => integer_target(kind, p) as f64 + ((p >> 8) % 100) as f64 / 100.0,
    }
}

/// A boolean: either, by the hash.
pub(super) fn boolean(p: u64) -> bool {
    p & 1 == 0
}

fn full_name(p: u64) -> (&'static str, &'static str) {
    (one(&FIRST, p), one(&LAST, p / 16))
}

fn email(p: u64) -> String {
    let (first, last) = full_name(p);
    format!(
        "{}.{}@example.com",
        first.to_lowercase(),
        last.to_lowercase()
    )
}

fn url(p: u64) -> String {
    format!("https://example.com/{}/{}", one(&NOUNS, p), 1 + p % 999)
}

fn uuid(p: u64) -> String {
    let q = pick("uuid", p as usize);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        p >> 32,
        (p >> 16) & 0xffff,
        p & 0xfff,
        8 + (q >> 62),
        (q >> 48) & 0xfff,
        q & 0xffff_ffff_ffff
    )
}

/// A string whose property name implies a format (`email`, `url`, `phone`, `uuid`, `id`, `sku`):
/// such a property does not take the caller's text.
pub(super) fn implied(kind: Kind, p: u64) -> Option<String> {
    Some(match kind {
        Kind::Email => email(p),
        Kind::Url => url(p),
        Kind::Phone => format!("+1-555-01{:02}", p % 100),
        Kind::Uuid => uuid(p),
        Kind::Identifier => format!("{:08x}", p >> 32),
        Kind::Sku => format!("SKU-{:04}", p % 10_000),
        _ => return None,
    })
}

/// Words for a free string named so.
pub(super) fn words_for(kind: Kind, p: u64) -> String {
    let (first, last) = full_name(p);
    match kind {
        Kind::FullName => format!("{first} {last}"),
        Kind::FirstName => first.to_string(),
        Kind::LastName => last.to_string(),
        Kind::Username => format!("{}_{}", first.to_lowercase(), last.to_lowercase()),
        Kind::City => one(&CITIES, p).to_string(),
        Kind::Country => one(&COUNTRIES, p).to_string(),
        Kind::Street => format!("{} {} Street", 1 + p % 200, one(&STREETS, p / 8)),
        Kind::PostalCode => format!("{:05}", 10_000 + p % 90_000),
        Kind::Company => one(&COMPANIES, p).to_string(),
        Kind::Title => one(&TITLES, p).to_string(),
        Kind::Prose => one(&SENTENCES, p).to_string(),
        _ => match implied(kind, p) {
            Some(text) => text,
            None => format!("{} {}", one(&ADJECTIVES, p), one(&NOUNS, p / 16)),
        },
    }
}

/// More words to pad a string to its `minLength`.
pub(super) fn filler(p: u64, i: usize) -> &'static str {
    one(&NOUNS, p.wrapping_add(i as u64))
}

/// An example of a string `format`; `None` for formats the generator does not know.
pub(super) fn format_example(format: &str, p: u64) -> Option<String> {
    let date = || {
        format!(
            "{}-{:02}-{:02}",
            2024 + p % 2,
            1 + (p >> 4) % 12,
            1 + (p >> 8) % 28
        )
    };
    let time = || {
        let (h, m, s) = (8 + (p >> 12) % 10, (p >> 16) % 60, (p >> 22) % 60);
        format!("{h:02}:{m:02}:{s:02}Z")
    };
    Some(match format {
        "date-time" => format!("{}T{}", date(), time()),
        "date" => date(),
        "time" => time(),
        "duration" => match p % 3 {
            0 => format!("PT{}M", 5 + p % 55),
            1 => format!("PT{}H", 1 + p % 8),
            _ => format!("P{}D", 1 + p % 14),
        },
        "email" | "idn-email" => email(p),
        "uuid" => uuid(p),
        "uri" | "iri" | "url" => url(p),
        "uri-reference" | "iri-reference" => format!("/{}/{}", one(&NOUNS, p), 1 + p % 999),
        "uri-template" => format!("https://example.com/{}/{{id}}", one(&NOUNS, p)),
        "hostname" | "idn-hostname" => format!("{}.example.com", one(&NOUNS, p)),
        "ipv4" => format!("192.0.2.{}", 1 + p % 254),
        "ipv6" => format!("2001:db8::{:x}", 1 + p % 0xfffe),
        "json-pointer" => format!("/{}/{}", one(&NOUNS, p), p % 10),
        "relative-json-pointer" => format!("{}/{}", p % 3, one(&NOUNS, p)),
        "regex" => "^[a-z]+$".to_string(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_in_every_spelling() {
        for (name, kind) in [
            ("firstName", Kind::FirstName),
            ("first_name", Kind::FirstName),
            ("home-city", Kind::City),
            ("userEmail", Kind::Email),
            ("cities", Kind::City),
            ("zip_code", Kind::PostalCode),
            ("estimate_hours", Kind::Hour),
            ("userId", Kind::Identifier),
            ("zzz", Kind::Other),
            ("", Kind::Other),
        ] {
            assert_eq!(super::kind(name), kind, "{name}");
        }
    }

    #[test]
    fn uuids_have_the_version_4_shape() {
        for p in [0, 1, u64::MAX, pick("id", 3)] {
            let u = uuid(p);
            let parts: Vec<&str> = u.split('-').collect();
            let lengths: Vec<usize> = parts.iter().map(|s| s.len()).collect();
            assert_eq!(lengths, [8, 4, 4, 4, 12], "{u}");
            assert!(parts[2].starts_with('4'), "{u}");
            assert!("89ab".contains(&parts[3][..1]), "{u}");
        }
    }
}

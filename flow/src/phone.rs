use std::fmt;

/// A phone number in E.164 form: `+`, a country code, the national number; 8 to 15 digits in
/// all, no other characters. The only way to make one is [`PhoneNumber::parse`] or
/// [`PhoneNumber::from_national`], so a value of this type is always sendable as it is, and the
/// same bytes go into the code request and the request that uses the code.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhoneError {
    Empty,
    /// Something other than digits and the usual separators (space, dash, dot, brackets).
    InvalidCharacters,
    /// No `+` and country code in front, where one was needed.
    MissingCountryCode,
    TooShort,
    TooLong,
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PhoneError::Empty => "Enter a phone number.",
            PhoneError::InvalidCharacters => "A phone number can only contain digits.",
            PhoneError::MissingCountryCode => "Start the number with + and the country code.",
            PhoneError::TooShort => "This number is too short to be a phone number.",
            PhoneError::TooLong => "This number is too long to be a phone number.",
        })
    }
}

const MIN_DIGITS: usize = 8;
const MAX_DIGITS: usize = 15;

impl PhoneNumber {
    /// Parses an international number as people write it: `+1 (416) 555-1234`, `+44 7911 123456`,
    /// `0044 7911 123456`.
    pub fn parse(input: &str) -> Result<PhoneNumber, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let digits = digits_of(trimmed.strip_prefix('+').unwrap_or(trimmed))?;
        let digits = if trimmed.starts_with('+') {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else {
            return Err(PhoneError::MissingCountryCode);
        };
        PhoneNumber::from_digits(&digits)
    }

    /// Joins a country's calling code and a number typed the way it is dialled at home, e.g.
    /// `("44", "07911 123456")` → `+447911123456`. A number typed with its own `+` wins over the
    /// selected country.
    pub fn from_national(country: &Country, national: &str) -> Result<PhoneNumber, PhoneError> {
        let trimmed = national.trim();
        if trimmed.starts_with('+') || trimmed.starts_with("00") {
            return PhoneNumber::parse(trimmed);
        }
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let mut digits = digits_of(trimmed)?;
        if country.trunk_zero && digits.starts_with('0') {
            digits.remove(0);
        }
        if country.dial_code == "1" && digits.len() == 11 && digits.starts_with('1') {
            // North Americans often type the long-distance prefix: 1 416 555 1234.
            digits.remove(0);
        }
        PhoneNumber::from_digits(&format!("{}{}", country.dial_code, digits))
    }

    fn from_digits(digits: &str) -> Result<PhoneNumber, PhoneError> {
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        if digits.starts_with('0') {
            // No country code begins with 0.
            return Err(PhoneError::MissingCountryCode);
        }
        if digits.len() < MIN_DIGITS {
            return Err(PhoneError::TooShort);
        }
        if digits.len() > MAX_DIGITS {
            return Err(PhoneError::TooLong);
        }
        Ok(PhoneNumber(format!("+{digits}")))
    }

    /// The E.164 string, exactly as it goes on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with all but its last four digits hidden, for showing where a code went when
    /// the server did not say: `+1 ••• ••• 1234` for a North American number, `+••• 3456` otherwise.
    pub fn masked(&self) -> String {
        let digits = &self.0[1..];
        let last4 = &digits[digits.len() - 4..];
        match COUNTRIES.iter().find(|c| digits.starts_with(c.dial_code)) {
            Some(c) if c.dial_code == "1" => format!("+1 ••• ••• {last4}"),
            Some(c) => format!("+{} ••• {last4}", c.dial_code),
            None => format!("+••• {last4}"),
        }
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn digits_of(input: &str) -> Result<String, PhoneError> {
    let mut digits = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
            _ => return Err(PhoneError::InvalidCharacters),
        }
    }
    Ok(digits)
}

/// A country in the phone selector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Country {
    /// ISO 3166-1 alpha-2, also the key a merchant configures the default with.
    pub iso: &'static str,
    pub name: &'static str,
    pub dial_code: &'static str,
    /// Whether numbers are dialled at home with a leading 0 that the international form drops.
    pub trunk_zero: bool,
}

impl Country {
    pub fn by_iso(iso: &str) -> Option<&'static Country> {
        COUNTRIES.iter().find(|c| c.iso.eq_ignore_ascii_case(iso))
    }

    /// The selector's starting country: the first of `preferences` (ISO codes, best first: the
    /// merchant's setting, then the browser's region) that is listed, else the United States.
    pub fn preferred<'a>(preferences: impl IntoIterator<Item = &'a str>) -> &'static Country {
        preferences
            .into_iter()
            .find_map(Country::by_iso)
            .unwrap_or(&FALLBACK_COUNTRY)
    }
}

const FALLBACK_COUNTRY: Country = Country {
    iso: "US",
    name: "United States",
    dial_code: "1",
    trunk_zero: false,
};

macro_rules! countries {
    ($(($iso:literal, $name:literal, $dial:literal, $trunk:literal)),* $(,)?) => {
        &[$(Country { iso: $iso, name: $name, dial_code: $dial, trunk_zero: $trunk }),*]
    };
}

/// The selector's list, by name. Deliberately a short hand-made table instead of a full
/// numbering-plan library: those weigh hundreds of kilobytes of wasm, and the server is the one
/// that validates.
pub const COUNTRIES: &[Country] = countries![
    ("AR", "Argentina", "54", true),
    ("AU", "Australia", "61", true),
    ("AT", "Austria", "43", true),
    ("BE", "Belgium", "32", true),
    ("BR", "Brazil", "55", true),
    ("CA", "Canada", "1", false),
    ("CN", "China", "86", true),
    ("DK", "Denmark", "45", false),
    ("FI", "Finland", "358", true),
    ("FR", "France", "33", true),
    ("DE", "Germany", "49", true),
    ("HK", "Hong Kong", "852", false),
    ("IN", "India", "91", true),
    ("IE", "Ireland", "353", true),
    ("IL", "Israel", "972", true),
    ("IT", "Italy", "39", false),
    ("JP", "Japan", "81", true),
    ("MX", "Mexico", "52", false),
    ("NL", "Netherlands", "31", true),
    ("NZ", "New Zealand", "64", true),
    ("NO", "Norway", "47", false),
    ("PL", "Poland", "48", false),
    ("PT", "Portugal", "351", false),
    ("SG", "Singapore", "65", false),
    ("ZA", "South Africa", "27", true),
    ("KR", "South Korea", "82", true),
    ("ES", "Spain", "34", false),
    ("SE", "Sweden", "46", true),
    ("CH", "Switzerland", "41", true),
    ("GB", "United Kingdom", "44", true),
    ("US", "United States", "1", false),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn country(iso: &str) -> &'static Country {
        Country::by_iso(iso).unwrap()
    }

    #[test]
    fn international_forms_become_e164() {
        for input in [
            "+1 (416) 555-1234",
            "+14165551234",
            "001 416 555 1234",
            " +1.416.555.1234 ",
        ] {
            assert_eq!(
                PhoneNumber::parse(input).unwrap().as_str(),
                "+14165551234",
                "{input}"
            );
        }
    }

    #[test]
    fn national_forms_take_the_country_code() {
        let ca = country("CA");
        assert_eq!(
            PhoneNumber::from_national(ca, "416 555 1234")
                .unwrap()
                .as_str(),
            "+14165551234"
        );
        assert_eq!(
            PhoneNumber::from_national(ca, "1-416-555-1234")
                .unwrap()
                .as_str(),
            "+14165551234"
        );
        let gb = country("GB");
        assert_eq!(
            PhoneNumber::from_national(gb, "07911 123456")
                .unwrap()
                .as_str(),
            "+447911123456"
        );
        let it = country("IT");
        assert_eq!(
            PhoneNumber::from_national(it, "06 1234 5678")
                .unwrap()
                .as_str(),
            "+390612345678"
        );
        assert_eq!(
            PhoneNumber::from_national(gb, "+1 416 555 1234")
                .unwrap()
                .as_str(),
            "+14165551234"
        );
    }

    #[test]
    fn numbers_that_cannot_be_valid_are_refused() {
        assert_eq!(PhoneNumber::parse(""), Err(PhoneError::Empty));
        assert_eq!(
            PhoneNumber::parse("416 555 1234"),
            Err(PhoneError::MissingCountryCode)
        );
        assert_eq!(PhoneNumber::parse("+1 555 12"), Err(PhoneError::TooShort));
        assert_eq!(
            PhoneNumber::parse("+1234567890123456"),
            Err(PhoneError::TooLong)
        );
        assert_eq!(
            PhoneNumber::parse("+1 416 CALL NOW"),
            Err(PhoneError::InvalidCharacters)
        );
        assert_eq!(
            PhoneNumber::parse("+0 416 555 1234"),
            Err(PhoneError::MissingCountryCode)
        );
        assert_eq!(
            PhoneNumber::from_national(country("US"), "  "),
            Err(PhoneError::Empty)
        );
    }

    #[test]
    fn masking_keeps_only_the_last_four_digits() {
        assert_eq!(
            PhoneNumber::parse("+14165551234").unwrap().masked(),
            "+1 ••• ••• 1234"
        );
        assert_eq!(
            PhoneNumber::parse("+447911123456").unwrap().masked(),
            "+44 ••• 3456"
        );
    }

    #[test]
    fn the_preferred_country_is_the_first_listed_preference() {
        assert_eq!(Country::preferred(["XX", "gb", "CA"]).iso, "GB");
        assert_eq!(Country::preferred([]), country("US"));
        assert_eq!(Country::preferred(["ZZ"]), country("US"));
    }

    #[test]
    fn every_country_is_listed_once() {
        for (i, c) in COUNTRIES.iter().enumerate() {
            assert!(
                COUNTRIES[i + 1..].iter().all(|d| d.iso != c.iso),
                "{}",
                c.iso
            );
        }
    }
}

//! Domain values and the small pure rules around them: auth methods, usernames, phone numbers,
//! email addresses, and how a destination is masked in the OTP step.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Simple,
    TfaSms,
    TfaEmail,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Simple => "simple",
            AuthMethod::TfaSms => "tfa_sms",
            AuthMethod::TfaEmail => "tfa_email",
        }
    }

    pub fn is_tfa(self) -> bool {
        self != AuthMethod::Simple
    }
}

impl FromStr for AuthMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "simple" => Ok(AuthMethod::Simple),
            "tfa_sms" => Ok(AuthMethod::TfaSms),
            "tfa_email" => Ok(AuthMethod::TfaEmail),
            other => Err(format!(
                "unknown auth method {other:?} (simple, tfa_sms or tfa_email)"
            )),
        }
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a code goes: the kinds of message the server sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }
}

/// Freshcom stores usernames lowercased with every space removed; logins normalise the same way.
pub fn normalize_username(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// E.164: `+`, a country code that does not start with 0, digits only, at least 9 characters
/// in all and at most 15 digits.
pub fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    s.len() >= 9
        && digits.len() <= 15
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// Deliberately loose (one `@`, something on both sides, a dot in the domain, no spaces): the
/// verification code proves an address, not a regular expression.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !s.chars().any(char::is_whitespace)
}

const DOT: &str = "\u{2022}\u{2022}\u{2022}";

/// `+14165551234` → `+1 ••• ••• 1234`: the country code and the last four digits stay visible.
pub fn mask_phone(phone: &str) -> String {
    let digits = phone.trim_start_matches('+');
    let cc_len = country_code_len(digits).min(digits.len().saturating_sub(4));
    let last4 = &digits[digits.len().saturating_sub(4)..];
    format!("+{} {DOT} {DOT} {last4}", &digits[..cc_len])
}

/// The length of an E.164 country code, from ITU's assignment: 1 and 7 are one digit, a fixed
/// set of zones is two digits, every other code is three.
fn country_code_len(digits: &str) -> usize {
    const TWO_DIGIT: &[&str] = &[
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    if digits.starts_with('1') || digits.starts_with('7') {
        1
    } else if TWO_DIGIT.iter().any(|cc| digits.starts_with(cc)) {
        2
    } else {
        3
    }
}

/// `joe@example.com` → `j•••@example.com`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}{DOT}@{domain}")
        }
        None => DOT.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_lose_case_and_spaces() {
        assert_eq!(normalize_username("  Joe@Example.com "), "joe@example.com");
        assert_eq!(normalize_username("Joe Doe"), "joedoe");
    }

    #[test]
    fn e164() {
        assert!(is_e164("+14165551234"));
        assert!(is_e164("+4930123456"));
        for bad in [
            "4165551234",
            "+1 416 555 1234",
            "+1416",
            "+1416555123x",
            "+01234567890",
            "+1234567890123456",
        ] {
            assert!(!is_e164(bad), "{bad}");
        }
    }

    #[test]
    fn masks() {
        assert_eq!(mask_phone("+14165551234"), "+1 ••• ••• 1234");
        assert_eq!(mask_phone("+442071234567"), "+44 ••• ••• 4567");
        assert_eq!(mask_phone("+353861234567"), "+353 ••• ••• 4567");
        assert_eq!(mask_email("joe@example.com"), "j•••@example.com");
    }

    #[test]
    fn emails() {
        assert!(is_email("joe@example.com"));
        assert!(!is_email("joe"));
        assert!(!is_email("joe@example"));
        assert!(!is_email("jo e@example.com"));
    }
}

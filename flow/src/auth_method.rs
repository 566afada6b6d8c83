use std::fmt;

/// How a user proves who they are at login. Only these three values are ever sent: the real
/// backend stores anything else unvalidated (the docs' `tfa_phone` locks a user out).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthMethod {
    Simple,
    TfaSms,
    TfaEmail,
}

impl AuthMethod {
    pub const ALL: [AuthMethod; 3] = [AuthMethod::Simple, AuthMethod::TfaSms, AuthMethod::TfaEmail];

    /// The wire value of `authMethod`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Simple => "simple",
            AuthMethod::TfaSms => "tfa_sms",
            AuthMethod::TfaEmail => "tfa_email",
        }
    }

    /// Parses a wire value; `None` for anything the app does not know, so the caller decides
    /// what an unknown method means instead of guessing.
    pub fn parse(value: &str) -> Option<AuthMethod> {
        AuthMethod::ALL.into_iter().find(|m| m.as_str() == value)
    }

    pub fn is_two_factor(self) -> bool {
        self != AuthMethod::Simple
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_round_trip() {
        for m in AuthMethod::ALL {
            assert_eq!(AuthMethod::parse(m.as_str()), Some(m));
        }
    }

    #[test]
    fn the_docs_tfa_phone_is_not_a_method() {
        assert_eq!(AuthMethod::parse("tfa_phone"), None);
    }
}

//! What the client's methods take and give back: plain Rust values, no wire shapes.

use std::fmt;

use tfa_flow::{AuthMethod, PhoneNumber};

/// An OAuth token pair from `POST /v1/token`.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    pub access_token: String,
    /// Lifetime of the access token as the server gave it (3600 on Freshcom).
    pub expires_in_secs: u32,
    /// Freshcom always sends one; kept optional so that a server that does not still signs in
    /// (the session then simply cannot refresh).
    pub refresh_token: Option<String>,
}

// Tokens are credentials: a Debug print (a log line, a panic message) must not leak them.
impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &"<redacted>")
            .field("expires_in_secs", &self.expires_in_secs)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// `GET /v1/account`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The bare UUID, as sent in `scope=aid:<id>`.
    pub id: String,
    pub name: String,
    /// `live` or `test`.
    pub mode: String,
    /// `None` when the account names a method this app does not know.
    pub default_auth_method: Option<AuthMethod>,
}

/// `GET`/`PATCH /v1/user`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub username: String,
    pub name: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    /// `None` for a value this app does not know, such as the docs' `tfa_phone` that another
    /// client may have stored on the real backend: the app must not guess what it means.
    pub auth_method: Option<AuthMethod>,
    pub email_verified: bool,
}

/// How a new customer proves the second factor they register with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// `phoneNumber` + `phoneVerificationCode` (Part 1).
    Phone { number: PhoneNumber, code: String },
    /// `emailVerificationCode` beside the customer's `email` (Part 2).
    Email { code: String },
}

/// `POST /v1/customers`. Lives only as long as the request: the flow that builds it drops it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewCustomer {
    pub name: String,
    pub email: String,
    pub username: String,
    pub password: String,
    pub verification: Verification,
    pub auth_method: AuthMethod,
}

impl fmt::Debug for NewCustomer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewCustomer")
            .field("name", &self.name)
            .field("email", &self.email)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("verification", &self.verification)
            .field("auth_method", &self.auth_method)
            .finish()
    }
}

/// `PATCH /v1/user`: only the fields that are `Some` are sent. The constructors build the
/// combinations the API accepts for TFA enrolment.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct UserUpdate {
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_verification_code: Option<String>,
    pub phone_number: Option<PhoneNumber>,
    pub phone_verification_code: Option<String>,
    pub auth_method: Option<AuthMethod>,
    /// Part 2 requires it to turn TFA off.
    pub current_password: Option<String>,
}

impl UserUpdate {
    /// Enrol in SMS TFA with a code sent to `number` by `send_phone_code`.
    pub fn enable_sms(number: PhoneNumber, code: &str) -> UserUpdate {
        UserUpdate {
            auth_method: Some(AuthMethod::TfaSms),
            phone_number: Some(number),
            phone_verification_code: Some(code.to_owned()),
            ..UserUpdate::default()
        }
    }

    /// Enrol in email TFA (Part 2) with a code sent to `email` by `send_email_code`.
    pub fn enable_email(email: &str, code: &str) -> UserUpdate {
        UserUpdate {
            auth_method: Some(AuthMethod::TfaEmail),
            email: Some(email.to_owned()),
            email_verification_code: Some(code.to_owned()),
            ..UserUpdate::default()
        }
    }

    /// Back to password only; Part 2 asks for the current password as proof.
    pub fn disable_tfa(current_password: &str) -> UserUpdate {
        UserUpdate {
            auth_method: Some(AuthMethod::Simple),
            current_password: Some(current_password.to_owned()),
            ..UserUpdate::default()
        }
    }
}

impl fmt::Debug for UserUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserUpdate")
            .field("name", &self.name)
            .field("email", &self.email)
            .field("phone_number", &self.phone_number)
            .field("auth_method", &self.auth_method)
            .field(
                "current_password",
                &self.current_password.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

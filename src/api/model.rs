//! What the client's methods give back that the flow crate has no type for: plain Rust values,
//! no wire shapes. Requests and the user take `tfa_flow`'s own types (`NewCustomer`,
//! `UserUpdate`, `UserSummary`), so that a flow's effect goes to the client as it is.

use std::fmt;

use tfa_flow::AuthMethod;

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

use crate::AuthMethod;

/// Everything a request to the identity API can end in, other than success. The API client maps
/// every HTTP outcome (and every unreadable body) to exactly one of these; the flows decide what
/// each means for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// The password was right and the user has TFA: a code is needed (or the one sent was wrong,
    /// expired or locked). Recognised from the body, since the real backend's
    /// `X-Freshcom-OTP` response header is not readable by scripts.
    OtpRequired(OtpChallenge),
    /// `invalid_grant` on a password grant: unknown user, wrong password or bad scope.
    InvalidCredentials,
    /// `invalid_grant` on a refresh-token grant.
    InvalidRefreshToken,
    /// 422 (or another JSON:API error document) with errors tied to fields.
    Validation(Vec<FieldError>),
    /// 429: wait this many seconds before trying again.
    RateLimited {
        retry_after_secs: u32,
    },
    /// 401: no token, or an expired or revoked one.
    Unauthorized,
    /// 403: the token may not do this (a guest token on `/v1/user`).
    Forbidden,
    NotFound,
    /// Another 4xx with an error code the client has no special meaning for.
    Rejected {
        status: u16,
        code: String,
        message: String,
    },
    /// The request never got an answer: offline, DNS, CORS, server down.
    Network,
    /// No answer within the client's time limit.
    Timeout,
    /// 5xx.
    Server {
        status: u16,
    },
    /// An answer the client could not make sense of.
    Unreadable {
        status: u16,
    },
}

impl ApiError {
    /// Worth trying the same request again later without changing anything.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ApiError::Network
                | ApiError::Timeout
                | ApiError::Server { .. }
                | ApiError::RateLimited { .. }
        )
    }
}

impl std::fmt::Display for ApiError {
    /// A short technical description, for details under a friendly message and for logs; the
    /// screens word each case for people themselves.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::OtpRequired(_) => f.write_str("a one-time code is required"),
            ApiError::InvalidCredentials => f.write_str("username and password do not match"),
            ApiError::InvalidRefreshToken => f.write_str("the refresh token was refused"),
            ApiError::Validation(errors) => {
                write!(f, "{} field(s) were not accepted", errors.len())
            }
            ApiError::RateLimited { retry_after_secs } => {
                write!(f, "too many requests, retry in {retry_after_secs} s")
            }
            ApiError::Unauthorized => f.write_str("not signed in (HTTP 401)"),
            ApiError::Forbidden => f.write_str("not allowed (HTTP 403)"),
            ApiError::NotFound => f.write_str("not found (HTTP 404)"),
            ApiError::Rejected { status, code, .. } => {
                write!(f, "request rejected: {code} (HTTP {status})")
            }
            ApiError::Network => f.write_str("no answer from the server (network error)"),
            ApiError::Timeout => f.write_str("the server took too long to answer"),
            ApiError::Server { status } => write!(f, "server error (HTTP {status})"),
            ApiError::Unreadable { status } => write!(f, "unreadable answer (HTTP {status})"),
        }
    }
}

/// What the server said about the code step. Every field is optional: Part 2 of the API adds
/// the `otp` object, a Part 1 backend sends none of it, and the flows fall back on their own
/// knowledge (5-minute expiry, 30-second resend delay, "sent" vs "wrong" from their own state).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OtpChallenge {
    pub status: Option<OtpStatus>,
    pub method: Option<AuthMethod>,
    /// Already masked by the server, e.g. `+1 ••• ••• 1234`.
    pub destination: Option<String>,
    pub expires_in_secs: Option<u32>,
    pub resend_after_secs: Option<u32>,
    pub attempts_left: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtpStatus {
    Sent,
    Invalid,
    Expired,
    Locked,
}

impl OtpStatus {
    pub fn parse(value: &str) -> Option<OtpStatus> {
        match value {
            "sent" => Some(OtpStatus::Sent),
            "invalid" => Some(OtpStatus::Invalid),
            "expired" => Some(OtpStatus::Expired),
            "locked" => Some(OtpStatus::Locked),
            _ => None,
        }
    }
}

/// One validation error, tied to the attribute its `source.pointer` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    /// The JSON:API error code: `required`, `format`, `length`, `taken`, `invalid`, `mustMatch`,
    /// `inclusion`, …
    pub code: String,
    /// The server's own words, shown when the app has no better message for the code.
    pub title: String,
    /// `meta.count` of a `length` error.
    pub count: Option<u32>,
}

/// The attributes the flows send, as named on the wire (`/data/attributes/<name>`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Username,
    Password,
    CurrentPassword,
    Name,
    Email,
    PhoneNumber,
    PhoneVerificationCode,
    EmailVerificationCode,
    AuthMethod,
    /// The second password box of the registration form. Never sent: only the client checks it.
    PasswordConfirmation,
    /// An error about the request as a whole (no pointer).
    Base,
    /// An attribute this app does not send; kept so that its message is still shown.
    Other(String),
}

impl Field {
    /// From a JSON:API `source.pointer` such as `/data/attributes/phoneNumber`.
    pub fn from_pointer(pointer: Option<&str>) -> Field {
        let Some(pointer) = pointer else {
            return Field::Base;
        };
        let name = pointer.rsplit('/').next().unwrap_or_default();
        match name {
            "username" => Field::Username,
            "password" => Field::Password,
            "currentPassword" => Field::CurrentPassword,
            "name" => Field::Name,
            "email" => Field::Email,
            "phoneNumber" => Field::PhoneNumber,
            "phoneVerificationCode" => Field::PhoneVerificationCode,
            "emailVerificationCode" => Field::EmailVerificationCode,
            "authMethod" => Field::AuthMethod,
            "" | "data" | "attributes" => Field::Base,
            other => Field::Other(other.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_name_fields() {
        assert_eq!(
            Field::from_pointer(Some("/data/attributes/phoneNumber")),
            Field::PhoneNumber
        );
        assert_eq!(
            Field::from_pointer(Some("/data/attributes/currentPassword")),
            Field::CurrentPassword
        );
        assert_eq!(Field::from_pointer(Some("/data")), Field::Base);
        assert_eq!(Field::from_pointer(None), Field::Base);
        assert_eq!(
            Field::from_pointer(Some("/data/attributes/nickname")),
            Field::Other("nickname".into())
        );
    }
}

//! What a step tells the user besides its own fields: the one message of the error summary
//! (`role="alert"`), field errors from the client's own checks, and those checks themselves.

use crate::{ApiError, Field, FieldError};

/// The step-level message. A flow keeps the step (and everything typed) and shows this above the
/// form, so that the user can retry the same step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Alert {
    /// Offline, or no answer in time: nothing to fix but the connection.
    Connection,
    /// The server failed (5xx) or answered something the client could not read.
    Server,
    /// Username and password do not match.
    InvalidCredentials,
    /// Too many attempts: the action stays disabled until this instant of the driver's clock.
    RateLimited { until_ms: u64 },
    /// The (guest or user) session is no longer valid: reloading gets a new one.
    SessionExpired,
    /// Refused for a reason the app has no words of its own for: the server's words.
    Rejected { message: String },
}

impl Alert {
    /// The alert for a failed request. Validation errors and the code step are handled by each
    /// flow before it gets here; if one arrives anyway it is an answer the step did not expect.
    pub fn from_error(error: &ApiError, now_ms: u64) -> Alert {
        match error {
            ApiError::Network | ApiError::Timeout => Alert::Connection,
            ApiError::InvalidCredentials => Alert::InvalidCredentials,
            ApiError::RateLimited { retry_after_secs } => Alert::RateLimited {
                until_ms: now_ms + u64::from(*retry_after_secs) * 1000,
            },
            ApiError::Unauthorized | ApiError::InvalidRefreshToken | ApiError::Forbidden => {
                Alert::SessionExpired
            }
            ApiError::Rejected { message, .. } => Alert::Rejected {
                message: message.clone(),
            },
            ApiError::NotFound
            | ApiError::Server { .. }
            | ApiError::Unreadable { .. }
            | ApiError::Validation(_)
            | ApiError::OtpRequired(_) => Alert::Server,
        }
    }

    /// Seconds of the rate-limit countdown still to run (rounded up, so the screen never shows
    /// 0:00 while the action is still refused); `None` for other alerts.
    pub fn retry_in_secs(&self, now_ms: u64) -> Option<u32> {
        match self {
            Alert::RateLimited { until_ms } => Some(secs_until(*until_ms, now_ms)),
            _ => None,
        }
    }

    /// Whether the step's action is refused for now.
    pub fn blocks(&self, now_ms: u64) -> bool {
        self.retry_in_secs(now_ms).is_some_and(|secs| secs > 0)
    }
}

/// Whether an optional alert refuses the step's action at `now_ms`.
pub(crate) fn blocked(alert: &Option<Alert>, now_ms: u64) -> bool {
    alert.as_ref().is_some_and(|a| a.blocks(now_ms))
}

/// A tick clears a rate-limit alert whose countdown has run out, which re-enables the action.
pub(crate) fn expire_alert(alert: &mut Option<Alert>, now_ms: u64) {
    if matches!(alert, Some(Alert::RateLimited { .. })) && !blocked(alert, now_ms) {
        *alert = None;
    }
}

/// Whole seconds from `now_ms` until `deadline_ms`, rounded up; 0 once it has passed.
pub fn secs_until(deadline_ms: u64, now_ms: u64) -> u32 {
    let secs = deadline_ms.saturating_sub(now_ms).div_ceil(1000);
    u32::try_from(secs).unwrap_or(u32::MAX)
}

/// The error the screen shows beside `field`, if any.
pub fn error_for<'a>(errors: &'a [FieldError], field: &Field) -> Option<&'a FieldError> {
    errors.iter().find(|e| &e.field == field)
}

pub const MIN_PASSWORD_CHARS: usize = 8;

/// A field error found by the client before sending anything, in the server's vocabulary so
/// that the screen shows both kinds the same way.
pub(crate) fn client_error(field: Field, code: &str, title: impl Into<String>) -> FieldError {
    FieldError {
        field,
        code: code.to_owned(),
        title: title.into(),
        count: None,
    }
}

pub(crate) fn require(errors: &mut Vec<FieldError>, field: Field, value: &str, title: &str) {
    if value.trim().is_empty() {
        errors.push(client_error(field, "required", title));
    }
}

pub(crate) fn check_password(errors: &mut Vec<FieldError>, field: Field, password: &str) {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        errors.push(FieldError {
            count: Some(MIN_PASSWORD_CHARS as u32),
            ..client_error(
                field,
                "length",
                format!("Use at least {MIN_PASSWORD_CHARS} characters."),
            )
        });
    }
}

/// Something, an `@`, something with a dot inside: enough to catch typos, while the server (and
/// the code sent there) is the real check.
pub fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !email.chars().any(char::is_whitespace)
        && domain
            .split_once('.')
            .is_some_and(|(host, tld)| !host.is_empty() && !tld.is_empty() && !tld.ends_with('.'))
}

/// Checks an email field: returns the trimmed address, or pushes the field's error.
pub(crate) fn check_email(errors: &mut Vec<FieldError>, email: &str) -> Option<String> {
    let email = email.trim();
    if email.is_empty() {
        errors.push(client_error(
            Field::Email,
            "required",
            "Enter your email address.",
        ));
        None
    } else if !is_plausible_email(email) {
        errors.push(client_error(
            Field::Email,
            "format",
            "Enter an email address like name@example.com.",
        ));
        None
    } else {
        Some(email.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdowns_round_up_and_stop_at_zero() {
        assert_eq!(secs_until(10_000, 0), 10);
        assert_eq!(secs_until(10_000, 9_001), 1);
        assert_eq!(secs_until(10_000, 10_000), 0);
        assert_eq!(secs_until(10_000, 20_000), 0);
    }

    #[test]
    fn a_rate_limit_blocks_until_its_countdown_ends_and_a_tick_clears_it() {
        let mut alert = Some(Alert::from_error(
            &ApiError::RateLimited {
                retry_after_secs: 3,
            },
            1_000,
        ));
        assert_eq!(alert.as_ref().unwrap().retry_in_secs(1_500), Some(3));
        assert!(blocked(&alert, 3_999));
        expire_alert(&mut alert, 3_999);
        assert!(alert.is_some());
        expire_alert(&mut alert, 4_000);
        assert_eq!(alert, None);
    }

    #[test]
    fn transient_and_session_errors_get_their_own_alerts() {
        assert_eq!(Alert::from_error(&ApiError::Timeout, 0), Alert::Connection);
        assert_eq!(
            Alert::from_error(&ApiError::Server { status: 503 }, 0),
            Alert::Server
        );
        assert_eq!(
            Alert::from_error(&ApiError::Unauthorized, 0),
            Alert::SessionExpired
        );
    }

    #[test]
    fn emails_need_an_at_and_a_dotted_domain() {
        for ok in ["joe@example.com", "a.b+c@mail.example.co.uk"] {
            assert!(is_plausible_email(ok), "{ok}");
        }
        for bad in [
            "",
            "joe",
            "joe@",
            "@example.com",
            "joe@example",
            "joe@@x.com",
            "jo e@x.com",
            "joe@x.",
        ] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
    }
}

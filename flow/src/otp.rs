//! The code step the three flows share: where the code went, what the last answer said about
//! it, the countdowns until it expires and until another may be sent, and the check that a typed
//! code is six digits before anything is sent.
//!
//! Deadlines are instants of the driver's monotonic clock (`now_ms` in events), so the screen
//! computes "Resend code in 0:24" from the same clock that the machine checks.

use std::fmt;

use crate::feedback::{self, Alert, secs_until};
use crate::{AuthMethod, OtpChallenge, OtpStatus, PhoneNumber};

/// A login OTP lives 5 minutes (API Part 1); used when the server does not say.
pub const LOGIN_CODE_EXPIRY_SECS: u32 = 5 * 60;
/// A verification code lives 30 minutes (API Part 2); used when the server does not say.
pub const VERIFICATION_CODE_EXPIRY_SECS: u32 = 30 * 60;
/// Another code is refused for 30 s after the last one; used when the server does not say.
pub const RESEND_AFTER_SECS: u32 = 30;
pub const CODE_DIGITS: usize = 6;

/// Where a verification code is to be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    Phone(PhoneNumber),
    Email(String),
}

impl Destination {
    /// For "We sent a code to …": the phone's last four digits, or the email's first letter
    /// and domain, so that a shoulder-surfer learns little from the screen.
    pub fn masked(&self) -> String {
        match self {
            Destination::Phone(phone) => phone.masked(),
            Destination::Email(email) => match email.split_once('@') {
                Some((local, domain)) => {
                    let first: String = local.chars().take(1).collect();
                    format!("{first}•••@{domain}")
                }
                None => "•••".to_owned(),
            },
        }
    }

    pub fn method(&self) -> AuthMethod {
        match self {
            Destination::Phone(_) => AuthMethod::TfaSms,
            Destination::Email(_) => AuthMethod::TfaEmail,
        }
    }
}

/// What the screen says about the code, from the last answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeNotice {
    /// A code was sent: enter it.
    Sent,
    /// Another code was sent on request: the previous one no longer works.
    Resent,
    /// The code entered was wrong: try again (see `attempts_left`).
    Wrong,
    /// The code's time ran out: ask for a new one.
    Expired,
    /// Too many wrong codes: this code is dead; wait for the resend countdown, then resend.
    Locked,
}

/// A typed code that cannot be a code, found before anything is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeError {
    Empty,
    NotSixDigits,
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CodeError::Empty => "Enter the code we sent you.",
            CodeError::NotSixDigits => "The code is 6 digits.",
        })
    }
}

/// The six digits of a typed code, accepting the spaces and dashes people paste ("123 456").
pub fn parse_code(input: &str) -> Result<String, CodeError> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if code.is_empty() {
        Err(CodeError::Empty)
    } else if code.len() == CODE_DIGITS && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        Err(CodeError::NotSixDigits)
    }
}

/// The code step's state, shared by the flows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeEntry {
    /// Masked, as the server gave it, or as the flow masked the destination it knows.
    pub destination: Option<String>,
    pub method: Option<AuthMethod>,
    /// The last code typed, kept when a request fails so the user can submit it again.
    pub code: String,
    pub code_error: Option<CodeError>,
    pub notice: CodeNotice,
    /// Only a Part 2 server says this.
    pub attempts_left: Option<u32>,
    pub expires_at_ms: u64,
    pub resend_at_ms: u64,
    /// A failed request of this step (resend, or submitting the code).
    pub alert: Option<Alert>,
}

impl CodeEntry {
    /// A code has just been sent. `challenge` is what the server said about it (all of it may be
    /// missing); `expiry_secs` and `destination` are the flow's own fallbacks.
    pub fn sent(
        challenge: &OtpChallenge,
        expiry_secs: u32,
        destination: Option<String>,
        notice: CodeNotice,
        now_ms: u64,
    ) -> CodeEntry {
        let mut entry = CodeEntry {
            destination: challenge.destination.clone().or(destination),
            method: challenge.method,
            code: String::new(),
            code_error: None,
            notice,
            attempts_left: challenge.attempts_left,
            expires_at_ms: deadline(now_ms, challenge.expires_in_secs.unwrap_or(expiry_secs)),
            resend_at_ms: deadline(
                now_ms,
                challenge.resend_after_secs.unwrap_or(RESEND_AFTER_SECS),
            ),
            alert: None,
        };
        if challenge.status == Some(OtpStatus::Locked) || challenge.attempts_left == Some(0) {
            entry.notice = CodeNotice::Locked;
        }
        entry
    }

    /// The server refused the code that was sent with the request. Without a status (Part 1)
    /// that means wrong or expired; the local clock tells which.
    pub fn refused(&mut self, challenge: &OtpChallenge, now_ms: u64) {
        let status = challenge.status.unwrap_or(if now_ms >= self.expires_at_ms {
            OtpStatus::Expired
        } else {
            OtpStatus::Invalid
        });
        self.notice = match status {
            // A Part 2 server that sent a new code in answer to a code: the old one is gone.
            OtpStatus::Sent => CodeNotice::Resent,
            OtpStatus::Invalid => CodeNotice::Wrong,
            OtpStatus::Expired => CodeNotice::Expired,
            OtpStatus::Locked => CodeNotice::Locked,
        };
        if challenge.attempts_left.is_some() {
            self.attempts_left = challenge.attempts_left;
        }
        if self.attempts_left == Some(0) {
            self.notice = CodeNotice::Locked;
        }
        if let Some(secs) = challenge.expires_in_secs {
            self.expires_at_ms = deadline(now_ms, secs);
        }
        if let Some(secs) = challenge.resend_after_secs {
            self.resend_at_ms = deadline(now_ms, secs);
        }
        self.alert = None;
    }

    /// Checks and keeps a typed code; the six digits when it may be sent now.
    pub(crate) fn enter(&mut self, input: &str, now_ms: u64) -> Option<String> {
        if self.is_locked() || feedback::blocked(&self.alert, now_ms) {
            return None;
        }
        self.code = input.to_owned();
        match parse_code(input) {
            Ok(code) => {
                self.code_error = None;
                Some(code)
            }
            Err(error) => {
                self.code_error = Some(error);
                None
            }
        }
    }

    /// A request of this step failed for a reason that is not about the code itself.
    pub(crate) fn failed(&mut self, alert: Alert) {
        self.alert = Some(alert);
    }

    pub fn is_locked(&self) -> bool {
        self.notice == CodeNotice::Locked
    }

    pub fn can_resend(&self, now_ms: u64) -> bool {
        now_ms >= self.resend_at_ms && !feedback::blocked(&self.alert, now_ms)
    }

    /// Seconds until "Resend" is enabled, counting a rate limit too.
    pub fn resend_in_secs(&self, now_ms: u64) -> u32 {
        let rate_limit = self
            .alert
            .as_ref()
            .and_then(|a| a.retry_in_secs(now_ms))
            .unwrap_or(0);
        secs_until(self.resend_at_ms, now_ms).max(rate_limit)
    }

    pub fn expires_in_secs(&self, now_ms: u64) -> u32 {
        secs_until(self.expires_at_ms, now_ms)
    }

    /// The clock moved: an ended rate limit re-enables the actions, and a code whose time ran
    /// out is shown as expired instead of letting the user type it in vain.
    pub(crate) fn tick(&mut self, now_ms: u64) {
        feedback::expire_alert(&mut self.alert, now_ms);
        if now_ms >= self.expires_at_ms && !self.is_locked() {
            self.notice = CodeNotice::Expired;
        }
    }
}

fn deadline(now_ms: u64, secs: u32) -> u64 {
    now_ms + u64::from(secs) * 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part1_entry(now_ms: u64) -> CodeEntry {
        CodeEntry::sent(
            &OtpChallenge::default(),
            LOGIN_CODE_EXPIRY_SECS,
            None,
            CodeNotice::Sent,
            now_ms,
        )
    }

    #[test]
    fn codes_are_six_digits_however_they_are_pasted() {
        assert_eq!(parse_code("123456"), Ok("123456".into()));
        assert_eq!(parse_code(" 123 456 "), Ok("123456".into()));
        assert_eq!(parse_code("123-456"), Ok("123456".into()));
        assert_eq!(parse_code(""), Err(CodeError::Empty));
        assert_eq!(parse_code("12345"), Err(CodeError::NotSixDigits));
        assert_eq!(parse_code("1234567"), Err(CodeError::NotSixDigits));
        assert_eq!(parse_code("12345a"), Err(CodeError::NotSixDigits));
        assert_eq!(parse_code("１２３４５６"), Err(CodeError::NotSixDigits));
    }

    #[test]
    fn without_the_otp_object_a_code_gets_five_minutes_and_a_thirty_second_resend_delay() {
        let entry = part1_entry(1_000);
        assert_eq!(entry.destination, None);
        assert_eq!(entry.expires_in_secs(1_000), 300);
        assert_eq!(entry.resend_in_secs(1_000), 30);
        assert!(!entry.can_resend(30_999));
        assert!(entry.can_resend(31_000));
    }

    #[test]
    fn the_otp_object_wins_over_the_fallbacks() {
        let challenge = OtpChallenge {
            status: Some(OtpStatus::Sent),
            method: Some(AuthMethod::TfaEmail),
            destination: Some("j•••@example.com".into()),
            expires_in_secs: Some(120),
            resend_after_secs: Some(10),
            attempts_left: Some(5),
        };
        let entry = CodeEntry::sent(
            &challenge,
            LOGIN_CODE_EXPIRY_SECS,
            Some("fallback".into()),
            CodeNotice::Sent,
            0,
        );
        assert_eq!(entry.destination.as_deref(), Some("j•••@example.com"));
        assert_eq!(entry.method, Some(AuthMethod::TfaEmail));
        assert_eq!(entry.expires_in_secs(0), 120);
        assert_eq!(entry.resend_in_secs(0), 10);
        assert_eq!(entry.attempts_left, Some(5));
    }

    #[test]
    fn a_refusal_without_status_is_wrong_before_expiry_and_expired_after() {
        let mut entry = part1_entry(0);
        entry.refused(&OtpChallenge::default(), 299_999);
        assert_eq!(entry.notice, CodeNotice::Wrong);
        entry.refused(&OtpChallenge::default(), 300_000);
        assert_eq!(entry.notice, CodeNotice::Expired);
    }

    #[test]
    fn no_attempts_left_locks_the_code() {
        let mut entry = part1_entry(0);
        entry.refused(
            &OtpChallenge {
                status: Some(OtpStatus::Invalid),
                attempts_left: Some(0),
                ..OtpChallenge::default()
            },
            1_000,
        );
        assert!(entry.is_locked());
        assert_eq!(entry.enter("123456", 2_000), None);
    }

    #[test]
    fn a_tick_past_the_expiry_shows_the_code_as_expired() {
        let mut entry = part1_entry(0);
        entry.tick(299_000);
        assert_eq!(entry.notice, CodeNotice::Sent);
        entry.tick(300_000);
        assert_eq!(entry.notice, CodeNotice::Expired);
    }

    #[test]
    fn a_rate_limit_holds_back_resend_longer_than_the_resend_delay() {
        let mut entry = part1_entry(0);
        entry.failed(Alert::RateLimited { until_ms: 60_000 });
        assert_eq!(entry.resend_in_secs(0), 60);
        assert!(!entry.can_resend(45_000));
        entry.tick(60_000);
        assert!(entry.can_resend(60_000));
    }

    #[test]
    fn emails_are_masked_to_their_first_letter_and_domain() {
        assert_eq!(
            Destination::Email("joe@example.com".into()).masked(),
            "j•••@example.com"
        );
    }
}

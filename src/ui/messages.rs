//! The words the screens show for what the flow machines report: alerts, field errors and the
//! code step's notices. Plain, specific and calm: what happened and what to do next.
//!
//! Errors found by the client's own checks arrive as `FieldError`s whose title is already a
//! sentence for people (the machines write them, e.g. `PhoneError`'s message); the server's titles
//! are fragments ("has already been taken.") and get the app's own words instead.

use tfa_flow::feedback::{error_for, secs_until};
use tfa_flow::{Alert, AuthMethod, CodeEntry, CodeError, CodeNotice, Field, FieldError};

use crate::ui::components::format_clock;

/// The error summary's text for a step-level alert.
pub fn alert_text(alert: &Alert, now_ms: u64) -> String {
    match alert {
        Alert::Connection => "We couldn't reach the server. Check your connection and try again. \
                              Nothing you typed was lost."
            .to_owned(),
        Alert::Server => {
            "Something went wrong on our side. Wait a moment and try again.".to_owned()
        }
        Alert::InvalidCredentials => {
            "That username and password don't match. Check them and try again.".to_owned()
        }
        Alert::RateLimited { until_ms } => format!(
            "Too many attempts. Try again in {}.",
            format_clock(secs_until(*until_ms, now_ms))
        ),
        Alert::SessionExpired => {
            "Your session has ended. Reload the page to start again.".to_owned()
        }
        Alert::Rejected { message } => sentence(message),
    }
}

/// What the user should do about one field error.
pub fn field_error_text(error: &FieldError) -> String {
    if is_sentence(&error.title) {
        return error.title.clone();
    }
    let noun = noun(&error.field);
    let own_words = match (error.code.as_str(), &error.field) {
        ("required", Field::AuthMethod) => Some("Choose how to get codes.".to_owned()),
        ("required", field) if noun.is_some() => Some(format!("Enter your {}.", noun_of(field))),
        ("taken", field) if noun.is_some() => {
            Some(format!("This {} is already registered.", noun_of(field)))
        }
        ("format" | "invalid", Field::PhoneNumber) => {
            Some("Enter a valid mobile number with its country code.".to_owned())
        }
        ("format" | "invalid", Field::Email) => {
            Some("Enter an email address like name@example.com.".to_owned())
        }
        ("length", _) => error
            .count
            .map(|count| format!("Use at least {count} characters.")),
        ("mustMatch", Field::CurrentPassword) => Some("That password isn't right.".to_owned()),
        ("mustMatch", Field::PasswordConfirmation) => {
            Some("The passwords do not match.".to_owned())
        }
        ("invalid", Field::PhoneVerificationCode | Field::EmailVerificationCode) => {
            Some("That code isn't right.".to_owned())
        }
        _ => None,
    };
    own_words.unwrap_or_else(|| match noun {
        // "has invalid format" beside the Username field reads "Username has invalid format."
        Some(noun) => sentence(&format!("{noun} {}", error.title.trim())),
        None => sentence(&error.title),
    })
}

/// The text beside `field`, if it has an error.
pub fn field_error(errors: &[FieldError], field: &Field) -> Option<String> {
    error_for(errors, field).map(field_error_text)
}

/// What the last answer said about the code, when there is more to say than where it went.
pub fn code_notice_text(entry: &CodeEntry) -> Option<String> {
    match entry.notice {
        CodeNotice::Sent => None,
        CodeNotice::Resent => {
            Some("We sent a new code. The one before it no longer works.".to_owned())
        }
        CodeNotice::Wrong => Some(match entry.attempts_left {
            Some(1) => "That code isn't right. 1 attempt left.".to_owned(),
            Some(n) => format!("That code isn't right. {n} attempts left."),
            None => "That code isn't right. Check it and try again.".to_owned(),
        }),
        CodeNotice::Expired => Some("This code has expired. Send a new one.".to_owned()),
        CodeNotice::Locked => Some(
            "Too many wrong codes, so this one no longer works. Send a new code to try again."
                .to_owned(),
        ),
    }
}

/// A typed code that cannot be sent.
pub fn code_error_text(error: &CodeError) -> String {
    error.to_string()
}

/// The lead of the code step: where the code went.
pub fn sent_to_text(entry: &CodeEntry) -> String {
    let method = entry.method.or_else(|| {
        // A flow that knows the destination but not the method: an address has an `@`.
        entry.destination.as_ref().map(|d| {
            if d.contains('@') {
                AuthMethod::TfaEmail
            } else {
                AuthMethod::TfaSms
            }
        })
    });
    match (method, entry.destination.as_deref()) {
        (Some(AuthMethod::TfaEmail), Some(to)) => format!("We emailed a 6-digit code to {to}."),
        (Some(AuthMethod::TfaEmail), None) => {
            "We emailed a 6-digit code to your email address.".to_owned()
        }
        (Some(_), Some(to)) => format!("We texted a 6-digit code to {to}."),
        (Some(_), None) => "We sent a 6-digit code to your phone.".to_owned(),
        (None, _) => "We sent you a 6-digit code.".to_owned(),
    }
}

/// The error summary of a step: its alert, or else a pointer to the fields to fix.
pub fn summary_text(alert: Option<&Alert>, errors: &[FieldError], now_ms: u64) -> Option<String> {
    match (alert, errors.len()) {
        (Some(alert), _) => Some(alert_text(alert, now_ms)),
        (None, 0) => None,
        (None, 1) => Some("Check the field marked below.".to_owned()),
        (None, n) => Some(format!("Check the {n} fields marked below.")),
    }
}

/// How a field is called in a sentence; `None` for errors about no field the user can see.
fn noun(field: &Field) -> Option<&'static str> {
    Some(match field {
        Field::Username => "username",
        Field::Password | Field::CurrentPassword | Field::PasswordConfirmation => "password",
        Field::Name => "name",
        Field::Email => "email address",
        Field::PhoneNumber => "mobile number",
        Field::PhoneVerificationCode | Field::EmailVerificationCode => "verification code",
        Field::AuthMethod => "two-factor method",
        Field::Base | Field::Other(_) => return None,
    })
}

fn noun_of(field: &Field) -> &'static str {
    noun(field).unwrap_or("answer")
}

/// Written for people already: starts with a capital and ends with a full stop.
fn is_sentence(text: &str) -> bool {
    let text = text.trim();
    text.chars().next().is_some_and(char::is_uppercase) && text.ends_with(['.', '!', '?'])
}

/// `text` with a capital first letter and a full stop.
fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return "Something went wrong. Try again.".to_owned();
    };
    let mut out: String = first.to_uppercase().chain(chars).collect();
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfa_flow::otp::{CodeEntry, LOGIN_CODE_EXPIRY_SECS};
    use tfa_flow::{OtpChallenge, PhoneError};

    fn server_error(field: Field, code: &str, title: &str, count: Option<u32>) -> FieldError {
        FieldError {
            field,
            code: code.into(),
            title: title.into(),
            count,
        }
    }

    fn entry(method: Option<AuthMethod>, destination: Option<&str>) -> CodeEntry {
        let challenge = OtpChallenge {
            method,
            destination: destination.map(str::to_owned),
            ..OtpChallenge::default()
        };
        CodeEntry::sent(
            &challenge,
            LOGIN_CODE_EXPIRY_SECS,
            None,
            CodeNotice::Sent,
            0,
        )
    }

    #[test]
    fn alerts_say_what_happened_and_what_to_do() {
        assert_eq!(
            alert_text(&Alert::Connection, 0),
            "We couldn't reach the server. Check your connection and try again. \
             Nothing you typed was lost."
        );
        assert_eq!(
            alert_text(&Alert::InvalidCredentials, 0),
            "That username and password don't match. Check them and try again."
        );
        assert_eq!(
            alert_text(&Alert::RateLimited { until_ms: 30_000 }, 6_000),
            "Too many attempts. Try again in 0:24."
        );
        assert_eq!(
            alert_text(&Alert::RateLimited { until_ms: 90_000 }, 0),
            "Too many attempts. Try again in 1:30."
        );
        assert_eq!(
            alert_text(
                &Alert::Rejected {
                    message: "account is suspended".into()
                },
                0
            ),
            "Account is suspended."
        );
    }

    #[test]
    fn server_codes_get_the_apps_words() {
        let cases = [
            (
                Field::Name,
                "required",
                "can't be blank",
                None,
                "Enter your name.",
            ),
            (
                Field::Username,
                "taken",
                "has already been taken.",
                None,
                "This username is already registered.",
            ),
            (
                Field::Email,
                "taken",
                "has already been taken.",
                None,
                "This email address is already registered.",
            ),
            (
                Field::PhoneNumber,
                "format",
                "has invalid format",
                None,
                "Enter a valid mobile number with its country code.",
            ),
            (
                Field::Password,
                "length",
                "should be at least 8 character(s)",
                Some(8),
                "Use at least 8 characters.",
            ),
            (
                Field::CurrentPassword,
                "mustMatch",
                "must match",
                None,
                "That password isn't right.",
            ),
            (
                Field::PhoneVerificationCode,
                "invalid",
                "is invalid.",
                None,
                "That code isn't right.",
            ),
            (
                Field::EmailVerificationCode,
                "invalid",
                "is invalid.",
                None,
                "That code isn't right.",
            ),
        ];
        for (field, code, title, count, expected) in cases {
            let error = server_error(field, code, title, count);
            assert_eq!(field_error_text(&error), expected, "{error:?}");
        }
    }

    #[test]
    fn unknown_codes_fall_back_on_the_servers_title() {
        let error = server_error(Field::Username, "exclusion", "is reserved", None);
        assert_eq!(field_error_text(&error), "Username is reserved.");
        let error = server_error(Field::Base, "odd", "something is off", None);
        assert_eq!(field_error_text(&error), "Something is off.");
    }

    #[test]
    fn the_clients_own_checks_keep_their_words() {
        // The machines put PhoneError's message into a `format` error of the phone field.
        let error = server_error(
            Field::PhoneNumber,
            "format",
            &PhoneError::MissingCountryCode.to_string(),
            None,
        );
        assert_eq!(
            field_error_text(&error),
            "Start the number with + and the country code."
        );
        let error = server_error(Field::Username, "required", "Choose a username.", None);
        assert_eq!(field_error_text(&error), "Choose a username.");
        let errors = [error, server_error(Field::Name, "required", "x", None)];
        assert_eq!(
            field_error(&errors, &Field::Username).as_deref(),
            Some("Choose a username.")
        );
        assert_eq!(field_error(&errors, &Field::Email), None);
    }

    #[test]
    fn code_errors_and_notices() {
        assert_eq!(
            code_error_text(&CodeError::NotSixDigits),
            "The code is 6 digits."
        );
        let mut wrong = entry(None, None);
        assert_eq!(code_notice_text(&wrong), None);
        wrong.notice = CodeNotice::Wrong;
        wrong.attempts_left = Some(4);
        assert_eq!(
            code_notice_text(&wrong).as_deref(),
            Some("That code isn't right. 4 attempts left.")
        );
        wrong.attempts_left = Some(1);
        assert_eq!(
            code_notice_text(&wrong).as_deref(),
            Some("That code isn't right. 1 attempt left.")
        );
    }

    #[test]
    fn the_lead_says_where_the_code_went() {
        assert_eq!(
            sent_to_text(&entry(Some(AuthMethod::TfaSms), Some("+1 ••• ••• 1234"))),
            "We texted a 6-digit code to +1 ••• ••• 1234."
        );
        assert_eq!(
            sent_to_text(&entry(Some(AuthMethod::TfaEmail), Some("j•••@example.com"))),
            "We emailed a 6-digit code to j•••@example.com."
        );
        assert_eq!(
            sent_to_text(&entry(None, Some("j•••@example.com"))),
            "We emailed a 6-digit code to j•••@example.com."
        );
        assert_eq!(
            sent_to_text(&entry(Some(AuthMethod::TfaSms), None)),
            "We sent a 6-digit code to your phone."
        );
        assert_eq!(
            sent_to_text(&entry(None, None)),
            "We sent you a 6-digit code."
        );
    }

    #[test]
    fn the_summary_counts_field_errors_when_there_is_no_alert() {
        let errors = [
            server_error(Field::Name, "required", "x", None),
            server_error(Field::Email, "required", "x", None),
        ];
        assert_eq!(
            summary_text(None, &errors, 0).as_deref(),
            Some("Check the 2 fields marked below.")
        );
        assert_eq!(summary_text(None, &[], 0), None);
        assert_eq!(
            summary_text(Some(&Alert::Server), &errors, 0).as_deref(),
            Some("Something went wrong on our side. Wait a moment and try again.")
        );
    }
}

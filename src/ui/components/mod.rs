//! The pieces every flow screen is built from. Each one owns its accessibility wiring (labels,
//! `aria-invalid`/`aria-describedby`, focus, live announcements), so the screens only pass values
//! and words.

mod countdown;
mod error_summary;
mod field;
mod heading;
mod method;
mod otp_input;
mod password;
mod phone;
mod submit;

pub use countdown::{Countdown, format_clock};
pub use error_summary::ErrorSummary;
pub use field::TextField;
pub use heading::StepHeading;
pub use method::MethodChoice;
pub use otp_input::{OtpInput, extract_code};
pub use password::PasswordField;
pub use phone::PhoneField;
pub use submit::SubmitButton;

/// The `aria-describedby` of a field: its error first (read first), then its hint.
fn described_by(id: &str, has_hint: bool, has_error: bool) -> Option<String> {
    let ids: Vec<String> = [(has_error, "error"), (has_hint, "hint")]
        .into_iter()
        .filter(|(present, _)| *present)
        .map(|(_, kind)| format!("{id}-{kind}"))
        .collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

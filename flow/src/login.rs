//! Login with a password and, for a TFA user, a one-time code.
//!
//! State names (`data-state` on the login screen):
//! - `credentials`: the username and password form; also where wrong credentials, a rate limit
//!   (with its countdown) and a failed request land, with the username kept.
//! - `submitting_credentials`: the password grant is in flight.
//! - `code_entry`: a code was sent (or the last one was wrong or expired); the countdowns for
//!   expiry and resend run here.
//! - `submitting_code`: the password grant with the code is in flight.
//! - `resending`: the password grant without a code, to get a new code, is in flight.
//! - `locked`: too many wrong codes; the only way on is "Resend" once its countdown ends.
//! - `signed_in`: terminal; the driver keeps the tokens, the machine forgets the password.

use std::fmt;

use crate::feedback::{self, Alert, client_error};
use crate::otp::{CodeEntry, CodeNotice, LOGIN_CODE_EXPIRY_SECS};
use crate::{ApiError, Field, FieldError, normalize_username};

/// Every name [`LoginFlow::state_name`] returns.
pub const LOGIN_STATE_NAMES: [&str; 7] = [
    "credentials",
    "submitting_credentials",
    "code_entry",
    "submitting_code",
    "resending",
    "locked",
    "signed_in",
];

#[derive(Clone, PartialEq, Eq)]
pub struct CredentialsStep {
    /// As typed; normalised only on the wire.
    pub username: String,
    pub password: String,
    pub errors: Vec<FieldError>,
    pub alert: Option<Alert>,
}

impl fmt::Debug for CredentialsStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsStep")
            .field("username", &self.username)
            .field("password", &"***")
            .field("errors", &self.errors)
            .field("alert", &self.alert)
            .finish()
    }
}

/// The code step: the password stays here, out of the screen's reach, because every request of
/// this step is the password grant again.
#[derive(Clone, PartialEq, Eq)]
pub struct CodeStep {
    /// Normalised, as sent.
    pub username: String,
    password: String,
    pub entry: CodeEntry,
}

impl fmt::Debug for CodeStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodeStep")
            .field("username", &self.username)
            .field("password", &"***")
            .field("entry", &self.entry)
            .finish()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoginState {
    Credentials(CredentialsStep),
    SubmittingCredentials(CredentialsStep),
    CodeEntry(CodeStep),
    SubmittingCode(CodeStep),
    Resending(CodeStep),
    Locked(CodeStep),
    SignedIn,
}

#[derive(Clone, PartialEq, Eq)]
pub enum LoginEvent {
    Submit {
        username: String,
        password: String,
        now_ms: u64,
    },
    CodeEntered {
        code: String,
        now_ms: u64,
    },
    Resend {
        now_ms: u64,
    },
    /// "Use another account": back to the credentials.
    Back,
    TokenResult {
        result: Result<(), ApiError>,
        now_ms: u64,
    },
    Tick {
        now_ms: u64,
    },
}

impl fmt::Debug for LoginEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginEvent::Submit {
                username, now_ms, ..
            } => f
                .debug_struct("Submit")
                .field("username", username)
                .field("password", &"***")
                .field("now_ms", now_ms)
                .finish(),
            LoginEvent::CodeEntered { code, now_ms } => f
                .debug_struct("CodeEntered")
                .field("code", code)
                .field("now_ms", now_ms)
                .finish(),
            LoginEvent::Resend { now_ms } => {
                f.debug_struct("Resend").field("now_ms", now_ms).finish()
            }
            LoginEvent::Back => f.write_str("Back"),
            LoginEvent::TokenResult { result, now_ms } => f
                .debug_struct("TokenResult")
                .field("result", result)
                .field("now_ms", now_ms)
                .finish(),
            LoginEvent::Tick { now_ms } => f.debug_struct("Tick").field("now_ms", now_ms).finish(),
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub enum LoginEffect {
    /// `POST /v1/token` with the password grant; `otp` goes in the `X-Freshcom-OTP` header.
    /// Answered with [`LoginEvent::TokenResult`]; the driver keeps the tokens of a success.
    RequestToken {
        username: String,
        password: String,
        otp: Option<String>,
    },
    /// The user is signed in: tell the host page, go where the app goes after login.
    SignedIn,
}

impl fmt::Debug for LoginEffect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginEffect::RequestToken { username, otp, .. } => f
                .debug_struct("RequestToken")
                .field("username", username)
                .field("password", &"***")
                .field("otp", otp)
                .finish(),
            LoginEffect::SignedIn => f.write_str("SignedIn"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginFlow {
    state: LoginState,
}

impl Default for LoginFlow {
    fn default() -> Self {
        LoginFlow::new()
    }
}

impl LoginFlow {
    pub fn new() -> Self {
        LoginFlow {
            state: credentials(String::new(), None),
        }
    }

    /// A login whose first password grant someone else already sent: registration's sign-in
    /// with the verification code, whose answer the login step then takes over.
    pub(crate) fn awaiting_token(username: String, password: String) -> Self {
        LoginFlow {
            state: LoginState::SubmittingCredentials(CredentialsStep {
                username,
                password,
                errors: Vec::new(),
                alert: None,
            }),
        }
    }

    pub fn state(&self) -> &LoginState {
        &self.state
    }

    pub fn state_name(&self) -> &'static str {
        match self.state {
            LoginState::Credentials(_) => "credentials",
            LoginState::SubmittingCredentials(_) => "submitting_credentials",
            LoginState::CodeEntry(_) => "code_entry",
            LoginState::SubmittingCode(_) => "submitting_code",
            LoginState::Resending(_) => "resending",
            LoginState::Locked(_) => "locked",
            LoginState::SignedIn => "signed_in",
        }
    }

    pub fn is_terminal(&self) -> bool {
        self.state == LoginState::SignedIn
    }

    /// The current step's message for the error summary, whichever step it is.
    pub fn alert(&self) -> Option<&Alert> {
        match &self.state {
            LoginState::Credentials(step) | LoginState::SubmittingCredentials(step) => {
                step.alert.as_ref()
            }
            LoginState::SignedIn => None,
            _ => self.code_entry().and_then(|entry| entry.alert.as_ref()),
        }
    }

    /// The errors to show beside the fields of the current step.
    pub fn field_errors(&self) -> &[FieldError] {
        match &self.state {
            LoginState::Credentials(step) | LoginState::SubmittingCredentials(step) => &step.errors,
            _ => &[],
        }
    }

    /// The code step's countdowns and notice, in any of its states.
    pub fn code_entry(&self) -> Option<&CodeEntry> {
        match &self.state {
            LoginState::CodeEntry(step)
            | LoginState::SubmittingCode(step)
            | LoginState::Resending(step)
            | LoginState::Locked(step) => Some(&step.entry),
            _ => None,
        }
    }

    /// Whether any state holds a password (for the tests of the "forgotten after login" rule).
    pub fn holds_secret(&self) -> bool {
        match &self.state {
            LoginState::Credentials(step) | LoginState::SubmittingCredentials(step) => {
                !step.password.is_empty()
            }
            LoginState::CodeEntry(step)
            | LoginState::SubmittingCode(step)
            | LoginState::Resending(step)
            | LoginState::Locked(step) => !step.password.is_empty(),
            LoginState::SignedIn => false,
        }
    }

    pub fn handle(&mut self, event: LoginEvent) -> Vec<LoginEffect> {
        let state = std::mem::replace(&mut self.state, LoginState::SignedIn);
        let (next, effects) = transition(state, event);
        self.state = next;
        effects
    }
}

fn transition(state: LoginState, event: LoginEvent) -> (LoginState, Vec<LoginEffect>) {
    use LoginEvent as E;
    use LoginState as S;
    match (state, event) {
        (
            S::Credentials(step),
            E::Submit {
                username,
                password,
                now_ms,
            },
        ) => submit_credentials(step, username, password, now_ms),
        (S::Credentials(mut step), E::Tick { now_ms }) => {
            feedback::expire_alert(&mut step.alert, now_ms);
            (S::Credentials(step), vec![])
        }
        (S::SubmittingCredentials(step), E::TokenResult { result, now_ms }) => {
            credentials_answered(step, result, now_ms)
        }
        (S::CodeEntry(mut step), E::CodeEntered { code, now_ms }) => {
            match step.entry.enter(&code, now_ms) {
                Some(code) => {
                    let effect = request_token(&step, Some(code));
                    (S::SubmittingCode(step), vec![effect])
                }
                None => (S::CodeEntry(step), vec![]),
            }
        }
        (S::CodeEntry(step) | S::Locked(step), E::Resend { now_ms })
            if step.entry.can_resend(now_ms) =>
        {
            let effect = request_token(&step, None);
            (S::Resending(step), vec![effect])
        }
        (S::CodeEntry(step) | S::Locked(step), E::Back) => {
            (credentials(step.username, None), vec![])
        }
        (S::CodeEntry(mut step) | S::Locked(mut step), E::Tick { now_ms }) => {
            step.entry.tick(now_ms);
            (code_state(step), vec![])
        }
        (S::SubmittingCode(mut step), E::TokenResult { result, now_ms }) => match result {
            Err(ApiError::OtpRequired(challenge)) => {
                step.entry.refused(&challenge, now_ms);
                (code_state(step), vec![])
            }
            other => code_request_answered(step, other, now_ms),
        },
        (S::Resending(step), E::TokenResult { result, now_ms }) => match result {
            // Without a code, the TFA answer means that a new code was sent.
            Err(ApiError::OtpRequired(challenge)) => {
                let entry = CodeEntry::sent(
                    &challenge,
                    LOGIN_CODE_EXPIRY_SECS,
                    step.entry.destination.clone(),
                    CodeNotice::Resent,
                    now_ms,
                );
                (code_state(CodeStep { entry, ..step }), vec![])
            }
            other => code_request_answered(step, other, now_ms),
        },
        // Anything else is an event this state does not take: a double submit while a request
        // is in flight, a late click, anything after signing in.
        (state, _) => (state, vec![]),
    }
}

fn credentials(username: String, alert: Option<Alert>) -> LoginState {
    LoginState::Credentials(CredentialsStep {
        username,
        password: String::new(),
        errors: Vec::new(),
        alert,
    })
}

fn code_state(step: CodeStep) -> LoginState {
    if step.entry.is_locked() {
        LoginState::Locked(step)
    } else {
        LoginState::CodeEntry(step)
    }
}

fn request_token(step: &CodeStep, otp: Option<String>) -> LoginEffect {
    LoginEffect::RequestToken {
        username: step.username.clone(),
        password: step.password.clone(),
        otp,
    }
}

fn submit_credentials(
    mut step: CredentialsStep,
    username: String,
    password: String,
    now_ms: u64,
) -> (LoginState, Vec<LoginEffect>) {
    step.username = username;
    step.password = password;
    if feedback::blocked(&step.alert, now_ms) {
        return (LoginState::Credentials(step), vec![]);
    }
    step.errors.clear();
    if normalize_username(&step.username).is_empty() {
        step.errors.push(client_error(
            Field::Username,
            "required",
            "Enter your username.",
        ));
    }
    if step.password.is_empty() {
        step.errors.push(client_error(
            Field::Password,
            "required",
            "Enter your password.",
        ));
    }
    if !step.errors.is_empty() {
        return (LoginState::Credentials(step), vec![]);
    }
    step.alert = None;
    let effect = LoginEffect::RequestToken {
        username: normalize_username(&step.username),
        password: step.password.clone(),
        otp: None,
    };
    (LoginState::SubmittingCredentials(step), vec![effect])
}

fn credentials_answered(
    mut step: CredentialsStep,
    result: Result<(), ApiError>,
    now_ms: u64,
) -> (LoginState, Vec<LoginEffect>) {
    match result {
        Ok(()) => (LoginState::SignedIn, vec![LoginEffect::SignedIn]),
        // Without a code, the TFA answer means that a code was sent.
        Err(ApiError::OtpRequired(challenge)) => {
            let entry = CodeEntry::sent(
                &challenge,
                LOGIN_CODE_EXPIRY_SECS,
                None,
                CodeNotice::Sent,
                now_ms,
            );
            let step = CodeStep {
                username: normalize_username(&step.username),
                password: step.password,
                entry,
            };
            (code_state(step), vec![])
        }
        Err(ApiError::InvalidCredentials) => (
            credentials(step.username, Some(Alert::InvalidCredentials)),
            vec![],
        ),
        Err(ApiError::Validation(errors)) => {
            step.errors = errors;
            (LoginState::Credentials(step), vec![])
        }
        Err(error) => {
            step.alert = Some(Alert::from_error(&error, now_ms));
            (LoginState::Credentials(step), vec![])
        }
    }
}

/// The answers that mean the same after submitting a code and after asking for a new one.
fn code_request_answered(
    mut step: CodeStep,
    result: Result<(), ApiError>,
    now_ms: u64,
) -> (LoginState, Vec<LoginEffect>) {
    match result {
        // Without a code this means the user no longer has TFA: signed in all the same.
        Ok(()) => (LoginState::SignedIn, vec![LoginEffect::SignedIn]),
        // The password stopped matching (changed elsewhere): only the credentials step helps.
        Err(ApiError::InvalidCredentials) => (
            credentials(step.username, Some(Alert::InvalidCredentials)),
            vec![],
        ),
        Err(error) => {
            step.entry.failed(Alert::from_error(&error, now_ms));
            (code_state(step), vec![])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OtpChallenge, OtpStatus};

    const PASSWORD: &str = "correct horse";

    fn submit(flow: &mut LoginFlow, username: &str, password: &str) -> Vec<LoginEffect> {
        flow.handle(LoginEvent::Submit {
            username: username.into(),
            password: password.into(),
            now_ms: 0,
        })
    }

    fn answer(flow: &mut LoginFlow, result: Result<(), ApiError>, now_ms: u64) -> Vec<LoginEffect> {
        flow.handle(LoginEvent::TokenResult { result, now_ms })
    }

    fn code_sent() -> Result<(), ApiError> {
        Err(ApiError::OtpRequired(OtpChallenge::default()))
    }

    fn enter(flow: &mut LoginFlow, code: &str, now_ms: u64) -> Vec<LoginEffect> {
        flow.handle(LoginEvent::CodeEntered {
            code: code.into(),
            now_ms,
        })
    }

    fn token(otp: Option<&str>) -> LoginEffect {
        LoginEffect::RequestToken {
            username: "joe@example.com".into(),
            password: PASSWORD.into(),
            otp: otp.map(Into::into),
        }
    }

    /// A TFA user whose code was sent at t=0 by a Part 1 server.
    fn at_code_entry() -> LoginFlow {
        let mut flow = LoginFlow::new();
        submit(&mut flow, "joe@example.com", PASSWORD);
        answer(&mut flow, code_sent(), 0);
        assert_eq!(flow.state_name(), "code_entry");
        flow
    }

    fn code_step(flow: &LoginFlow) -> &CodeStep {
        match flow.state() {
            LoginState::CodeEntry(step) | LoginState::Locked(step) => step,
            other => panic!("not at the code step: {other:?}"),
        }
    }

    fn credentials_step(flow: &LoginFlow) -> &CredentialsStep {
        match flow.state() {
            LoginState::Credentials(step) => step,
            other => panic!("not at the credentials step: {other:?}"),
        }
    }

    #[test]
    fn a_simple_user_signs_in_with_the_normalised_username() {
        let mut flow = LoginFlow::new();
        assert_eq!(flow.state_name(), "credentials");
        assert_eq!(
            submit(&mut flow, " Joe@Example.com", PASSWORD),
            vec![token(None)]
        );
        assert_eq!(flow.state_name(), "submitting_credentials");
        assert_eq!(answer(&mut flow, Ok(()), 100), vec![LoginEffect::SignedIn]);
        assert_eq!(flow.state_name(), "signed_in");
        assert!(!flow.holds_secret());
    }

    #[test]
    fn empty_fields_are_refused_without_a_request() {
        let mut flow = LoginFlow::new();
        assert_eq!(submit(&mut flow, "  ", ""), vec![]);
        let step = credentials_step(&flow);
        assert!(feedback::error_for(&step.errors, &Field::Username).is_some());
        assert!(feedback::error_for(&step.errors, &Field::Password).is_some());
    }

    #[test]
    fn a_tfa_user_enters_the_code_and_is_signed_in() {
        let mut flow = at_code_entry();
        let step = code_step(&flow);
        assert_eq!(step.entry.notice, CodeNotice::Sent);
        assert_eq!(step.entry.expires_in_secs(0), 300);
        assert_eq!(step.entry.resend_in_secs(0), 30);
        assert_eq!(
            enter(&mut flow, "123 456", 5_000),
            vec![token(Some("123456"))]
        );
        assert_eq!(flow.state_name(), "submitting_code");
        assert_eq!(
            answer(&mut flow, Ok(()), 6_000),
            vec![LoginEffect::SignedIn]
        );
        assert_eq!(flow.state_name(), "signed_in");
        assert!(!flow.holds_secret());
    }

    #[test]
    fn a_code_that_is_not_six_digits_is_not_sent() {
        let mut flow = at_code_entry();
        assert_eq!(enter(&mut flow, "12345", 1_000), vec![]);
        assert_eq!(flow.state_name(), "code_entry");
        assert_eq!(
            code_step(&flow).entry.code_error,
            Some(crate::otp::CodeError::NotSixDigits)
        );
    }

    #[test]
    fn a_wrong_code_keeps_the_user_on_the_code_step_with_the_attempts_left() {
        let mut flow = at_code_entry();
        enter(&mut flow, "111111", 1_000);
        let refused = OtpChallenge {
            status: Some(OtpStatus::Invalid),
            attempts_left: Some(3),
            ..OtpChallenge::default()
        };
        answer(&mut flow, Err(ApiError::OtpRequired(refused)), 2_000);
        let step = code_step(&flow);
        assert_eq!(flow.state_name(), "code_entry");
        assert_eq!(step.entry.notice, CodeNotice::Wrong);
        assert_eq!(step.entry.attempts_left, Some(3));
        assert_eq!(step.entry.code, "111111");
    }

    #[test]
    fn without_a_status_a_refused_code_is_wrong_or_expired_by_the_clock() {
        let mut flow = at_code_entry();
        enter(&mut flow, "111111", 1_000);
        answer(&mut flow, code_sent(), 2_000);
        assert_eq!(code_step(&flow).entry.notice, CodeNotice::Wrong);
        enter(&mut flow, "111111", 301_000);
        answer(&mut flow, code_sent(), 301_000);
        assert_eq!(code_step(&flow).entry.notice, CodeNotice::Expired);
    }

    #[test]
    fn the_code_is_shown_as_expired_when_its_time_runs_out() {
        let mut flow = at_code_entry();
        assert_eq!(flow.handle(LoginEvent::Tick { now_ms: 300_000 }), vec![]);
        assert_eq!(code_step(&flow).entry.notice, CodeNotice::Expired);
    }

    #[test]
    fn resend_waits_for_its_countdown_then_sends_a_new_code() {
        let mut flow = at_code_entry();
        assert_eq!(flow.handle(LoginEvent::Resend { now_ms: 29_999 }), vec![]);
        assert_eq!(
            flow.handle(LoginEvent::Resend { now_ms: 30_000 }),
            vec![token(None)]
        );
        assert_eq!(flow.state_name(), "resending");
        answer(&mut flow, code_sent(), 31_000);
        let step = code_step(&flow);
        assert_eq!(step.entry.notice, CodeNotice::Resent);
        assert_eq!(step.entry.resend_in_secs(31_000), 30);
        assert_eq!(step.entry.expires_in_secs(31_000), 300);
    }

    #[test]
    fn too_many_wrong_codes_lock_until_a_resend() {
        let mut flow = at_code_entry();
        enter(&mut flow, "111111", 1_000);
        let locked = OtpChallenge {
            status: Some(OtpStatus::Locked),
            resend_after_secs: Some(60),
            attempts_left: Some(0),
            ..OtpChallenge::default()
        };
        answer(&mut flow, Err(ApiError::OtpRequired(locked)), 1_000);
        assert_eq!(flow.state_name(), "locked");
        assert_eq!(code_step(&flow).entry.resend_in_secs(1_000), 60);
        assert_eq!(enter(&mut flow, "222222", 2_000), vec![]);
        assert_eq!(flow.handle(LoginEvent::Tick { now_ms: 61_000 }), vec![]);
        assert_eq!(flow.state_name(), "locked");
        assert_eq!(flow.handle(LoginEvent::Resend { now_ms: 60_999 }), vec![]);
        assert_eq!(
            flow.handle(LoginEvent::Resend { now_ms: 61_000 }),
            vec![token(None)]
        );
        answer(&mut flow, code_sent(), 62_000);
        assert_eq!(flow.state_name(), "code_entry");
    }

    #[test]
    fn a_failed_resend_from_the_locked_step_stays_locked() {
        let mut flow = at_code_entry();
        enter(&mut flow, "111111", 1_000);
        let locked = OtpChallenge {
            status: Some(OtpStatus::Locked),
            ..OtpChallenge::default()
        };
        answer(&mut flow, Err(ApiError::OtpRequired(locked)), 1_000);
        flow.handle(LoginEvent::Resend { now_ms: 40_000 });
        answer(&mut flow, Err(ApiError::Network), 41_000);
        assert_eq!(flow.state_name(), "locked");
        assert_eq!(code_step(&flow).entry.alert, Some(Alert::Connection));
    }

    #[test]
    fn a_user_already_locked_out_lands_on_the_locked_step_and_can_leave_it() {
        let mut flow = LoginFlow::new();
        submit(&mut flow, "joe", PASSWORD);
        let locked = OtpChallenge {
            status: Some(OtpStatus::Locked),
            ..OtpChallenge::default()
        };
        answer(&mut flow, Err(ApiError::OtpRequired(locked)), 0);
        assert_eq!(flow.state_name(), "locked");
        assert_eq!(flow.handle(LoginEvent::Back), vec![]);
        assert_eq!(flow.state_name(), "credentials");
        assert!(!flow.holds_secret());
    }

    #[test]
    fn a_resend_refused_for_the_password_goes_back_to_the_credentials() {
        let mut flow = at_code_entry();
        flow.handle(LoginEvent::Resend { now_ms: 30_000 });
        answer(&mut flow, Err(ApiError::InvalidCredentials), 31_000);
        assert_eq!(
            credentials_step(&flow).alert,
            Some(Alert::InvalidCredentials)
        );
    }

    #[test]
    fn wrong_credentials_return_to_the_first_step_with_the_username_kept() {
        let mut flow = LoginFlow::new();
        submit(&mut flow, "Joe@example.com", "wrong password");
        answer(&mut flow, Err(ApiError::InvalidCredentials), 100);
        let step = credentials_step(&flow);
        assert_eq!(step.username, "Joe@example.com");
        assert_eq!(step.password, "");
        assert_eq!(step.alert, Some(Alert::InvalidCredentials));
    }

    #[test]
    fn invalid_grant_during_code_entry_goes_back_to_the_credentials() {
        let mut flow = at_code_entry();
        enter(&mut flow, "123456", 1_000);
        answer(&mut flow, Err(ApiError::InvalidCredentials), 2_000);
        let step = credentials_step(&flow);
        assert_eq!(step.username, "joe@example.com");
        assert_eq!(step.alert, Some(Alert::InvalidCredentials));
        assert!(!flow.holds_secret());
    }

    #[test]
    fn back_from_the_code_step_forgets_the_password() {
        let mut flow = at_code_entry();
        assert_eq!(flow.handle(LoginEvent::Back), vec![]);
        assert_eq!(credentials_step(&flow).username, "joe@example.com");
        assert!(!flow.holds_secret());
    }

    #[test]
    fn a_rate_limit_counts_down_and_then_allows_another_try() {
        let mut flow = LoginFlow::new();
        submit(&mut flow, "joe", PASSWORD);
        answer(
            &mut flow,
            Err(ApiError::RateLimited {
                retry_after_secs: 10,
            }),
            1_000,
        );
        let alert = credentials_step(&flow).alert.clone().unwrap();
        assert_eq!(alert.retry_in_secs(1_000), Some(10));
        assert_eq!(
            flow.handle(LoginEvent::Submit {
                username: "joe".into(),
                password: PASSWORD.into(),
                now_ms: 5_000
            }),
            vec![]
        );
        flow.handle(LoginEvent::Tick { now_ms: 11_000 });
        assert_eq!(credentials_step(&flow).alert, None);
        assert_eq!(submit(&mut flow, "joe", PASSWORD).len(), 1);
    }

    #[test]
    fn a_rate_limited_code_keeps_the_code_and_blocks_until_the_countdown_ends() {
        let mut flow = at_code_entry();
        enter(&mut flow, "123456", 1_000);
        answer(
            &mut flow,
            Err(ApiError::RateLimited {
                retry_after_secs: 5,
            }),
            1_000,
        );
        assert_eq!(flow.state_name(), "code_entry");
        assert_eq!(enter(&mut flow, "123456", 3_000), vec![]);
        flow.handle(LoginEvent::Tick { now_ms: 6_000 });
        assert_eq!(
            enter(&mut flow, "123456", 6_000),
            vec![token(Some("123456"))]
        );
    }

    #[test]
    fn a_network_error_keeps_everything_typed_for_a_retry() {
        let mut flow = LoginFlow::new();
        submit(&mut flow, "joe", PASSWORD);
        answer(&mut flow, Err(ApiError::Timeout), 100);
        let step = credentials_step(&flow);
        assert_eq!(
            (step.username.as_str(), step.password.as_str()),
            ("joe", PASSWORD)
        );
        assert_eq!(step.alert, Some(Alert::Connection));

        let mut flow = at_code_entry();
        enter(&mut flow, "123456", 1_000);
        answer(&mut flow, Err(ApiError::Server { status: 502 }), 2_000);
        let step = code_step(&flow);
        assert_eq!(step.entry.code, "123456");
        assert_eq!(step.entry.alert, Some(Alert::Server));
    }

    #[test]
    fn field_errors_from_the_server_are_shown_on_the_credentials() {
        let mut flow = LoginFlow::new();
        submit(&mut flow, "joe", PASSWORD);
        let error = client_error(Field::Username, "required", "is required");
        answer(
            &mut flow,
            Err(ApiError::Validation(vec![error.clone()])),
            100,
        );
        assert_eq!(credentials_step(&flow).errors, vec![error]);
    }

    #[test]
    fn a_double_submit_sends_one_request() {
        let mut flow = LoginFlow::new();
        assert_eq!(submit(&mut flow, "joe", PASSWORD).len(), 1);
        assert_eq!(submit(&mut flow, "joe", PASSWORD), vec![]);
        let mut flow = at_code_entry();
        assert_eq!(enter(&mut flow, "123456", 1_000).len(), 1);
        assert_eq!(enter(&mut flow, "123456", 1_000), vec![]);
        assert_eq!(flow.handle(LoginEvent::Resend { now_ms: 60_000 }), vec![]);
    }

    #[test]
    fn a_resend_answered_with_success_signs_in() {
        let mut flow = at_code_entry();
        flow.handle(LoginEvent::Resend { now_ms: 30_000 });
        assert_eq!(
            answer(&mut flow, Ok(()), 31_000),
            vec![LoginEffect::SignedIn]
        );
        assert_eq!(flow.state_name(), "signed_in");
    }

    #[test]
    fn the_screen_finds_the_alert_errors_and_code_step_whatever_the_state() {
        let mut flow = LoginFlow::new();
        submit(&mut flow, "", "");
        assert_eq!(flow.field_errors().len(), 2);
        assert_eq!(flow.code_entry(), None);
        submit(&mut flow, "joe", PASSWORD);
        answer(&mut flow, Err(ApiError::Network), 0);
        assert_eq!(flow.alert(), Some(&Alert::Connection));
        let mut flow = at_code_entry();
        enter(&mut flow, "123456", 1_000);
        assert_eq!(flow.code_entry().map(|e| e.code.as_str()), Some("123456"));
        answer(&mut flow, Err(ApiError::Timeout), 2_000);
        assert_eq!(flow.alert(), Some(&Alert::Connection));
        assert_eq!(flow.field_errors(), &[]);
    }

    #[test]
    fn nothing_happens_after_signing_in() {
        let mut flow = LoginFlow::new();
        submit(&mut flow, "joe", PASSWORD);
        answer(&mut flow, Ok(()), 0);
        assert_eq!(submit(&mut flow, "joe", PASSWORD), vec![]);
        assert_eq!(flow.handle(LoginEvent::Resend { now_ms: 99_000 }), vec![]);
        assert_eq!(flow.state_name(), "signed_in");
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let mut flow = LoginFlow::new();
        let event = LoginEvent::Submit {
            username: "joe".into(),
            password: PASSWORD.into(),
            now_ms: 0,
        };
        assert!(!format!("{event:?}").contains(PASSWORD));
        let effects = flow.handle(event);
        assert!(!format!("{effects:?}").contains(PASSWORD));
        assert!(!format!("{flow:?}").contains(PASSWORD));
        answer(&mut flow, code_sent(), 0);
        assert!(!format!("{flow:?}").contains(PASSWORD));
    }
}

//! TFA enrolment for a signed-in user: see the current method, turn TFA on (or move it to
//! another phone or address) by proving the destination with a code, or turn it off with the
//! password.
//!
//! State names (`data-state` on the enrolment screen):
//! - `idle`: nothing loaded yet; the driver sends [`EnrollEvent::Load`] when the screen mounts.
//! - `loading`: the current user is being fetched.
//! - `load_failed`: that failed; `Load` again retries.
//! - `overview`: the current method; "Set up" (or "Change") and, with TFA on, "Turn off".
//! - `choose_method`: SMS or email.
//! - `destination`: the phone number or email address, pre-filled from the user when known.
//! - `sending_code`: the verification code request is in flight.
//! - `code_entry`: enter the code, resend it, or go back to change the destination.
//! - `resending`: another verification code request is in flight.
//! - `saving`: the user is being updated with the method, destination and code.
//! - `enabled`: terminal; TFA is on, the confirmation is shown.
//! - `confirm_disable`: turning TFA off asks for the password.
//! - `disabling`: the update to `simple` is in flight.
//! - `disabled`: terminal; TFA is off.
//! - `needs_login`: terminal; the session is gone (401), the user must sign in again.

use std::fmt;

use crate::feedback::{self, Alert, check_email, client_error, require};
use crate::otp::{CodeEntry, CodeNotice, Destination, VERIFICATION_CODE_EXPIRY_SECS};
use crate::{ApiError, AuthMethod, Country, Field, FieldError, OtpChallenge, PhoneNumber};

/// Every name [`EnrollFlow::state_name`] returns.
pub const ENROLL_STATE_NAMES: [&str; 15] = [
    "idle",
    "loading",
    "load_failed",
    "overview",
    "choose_method",
    "destination",
    "sending_code",
    "code_entry",
    "resending",
    "saving",
    "enabled",
    "confirm_disable",
    "disabling",
    "disabled",
    "needs_login",
];

/// The current user, as far as enrolment cares (`GET /v1/user`, and the answer to a PATCH).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSummary {
    pub username: String,
    pub name: String,
    pub email: Option<String>,
    /// As stored: E.164 when it was set by a verified change.
    pub phone_number: Option<String>,
    pub auth_method: AuthMethod,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChooseMethodStep {
    pub user: UserSummary,
    /// A 422 on `authMethod`.
    pub errors: Vec<FieldError>,
}

/// Where the code goes, as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DestinationForm {
    pub country: &'static Country,
    /// National or with its own `+`; only for SMS.
    pub phone: String,
    /// Only for email.
    pub email: String,
}

impl DestinationForm {
    fn validate(&self, method: AuthMethod) -> Result<Destination, Vec<FieldError>> {
        let mut errors = Vec::new();
        let destination = match method {
            AuthMethod::TfaEmail => check_email(&mut errors, &self.email).map(Destination::Email),
            AuthMethod::TfaSms | AuthMethod::Simple => {
                match PhoneNumber::from_national(self.country, &self.phone) {
                    Ok(phone) => Some(Destination::Phone(phone)),
                    Err(error) => {
                        errors.push(client_error(
                            Field::PhoneNumber,
                            "format",
                            error.to_string(),
                        ));
                        None
                    }
                }
            }
        };
        destination.ok_or(errors)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DestinationStep {
    pub user: UserSummary,
    pub method: AuthMethod,
    pub form: DestinationForm,
    pub errors: Vec<FieldError>,
    pub alert: Option<Alert>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrollCodeStep {
    pub user: UserSummary,
    pub method: AuthMethod,
    pub form: DestinationForm,
    /// The exact destination the code went to: the update must carry the same bytes.
    pub destination: Destination,
    pub entry: CodeEntry,
}

/// The password that proves it is the user who turns TFA off.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct DisableForm {
    pub password: String,
}

impl fmt::Debug for DisableForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DisableForm")
            .field("password", &"***")
            .finish()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisableStep {
    pub user: UserSummary,
    pub form: DisableForm,
    pub errors: Vec<FieldError>,
    pub alert: Option<Alert>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnrollState {
    Idle,
    Loading,
    LoadFailed(Alert),
    Overview(UserSummary),
    ChooseMethod(ChooseMethodStep),
    Destination(DestinationStep),
    SendingCode {
        step: DestinationStep,
        destination: Destination,
    },
    CodeEntry(EnrollCodeStep),
    Resending(EnrollCodeStep),
    Saving(EnrollCodeStep),
    Enabled(UserSummary),
    ConfirmDisable(DisableStep),
    Disabling(DisableStep),
    Disabled(UserSummary),
    NeedsLogin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnrollEvent {
    /// Fetch the current user (on mount, and to retry).
    Load,
    /// The answer to [`EnrollEffect::LoadUser`].
    UserLoaded {
        result: Result<UserSummary, ApiError>,
        now_ms: u64,
    },
    /// "Set up" or "Change" on the overview.
    SetUp,
    /// "Turn off" on the overview.
    TurnOff,
    ChooseMethod(AuthMethod),
    SubmitDestination {
        form: DestinationForm,
        now_ms: u64,
    },
    /// The answer to [`EnrollEffect::SendVerificationCode`] (204 is `Ok`).
    CodeSent {
        result: Result<(), ApiError>,
        now_ms: u64,
    },
    CodeEntered {
        code: String,
        now_ms: u64,
    },
    Resend {
        now_ms: u64,
    },
    /// One step back: destination → method → overview, code → destination, confirm → overview.
    Back,
    SubmitPassword {
        form: DisableForm,
        now_ms: u64,
    },
    /// The answer to [`EnrollEffect::UpdateUser`].
    UserUpdated {
        result: Result<UserSummary, ApiError>,
        now_ms: u64,
    },
    Tick {
        now_ms: u64,
    },
}

/// `PATCH /v1/user`: the attributes to send; `None` ones are left out of the document.
#[derive(Clone, PartialEq, Eq)]
pub struct UserUpdate {
    pub auth_method: AuthMethod,
    pub phone_number: Option<PhoneNumber>,
    pub phone_verification_code: Option<String>,
    pub email: Option<String>,
    pub email_verification_code: Option<String>,
    /// Turning TFA off needs the password (API Part 2).
    pub current_password: Option<String>,
}

impl UserUpdate {
    fn enable(destination: &Destination, code: String) -> UserUpdate {
        let none = UserUpdate {
            auth_method: destination.method(),
            phone_number: None,
            phone_verification_code: None,
            email: None,
            email_verification_code: None,
            current_password: None,
        };
        match destination {
            Destination::Phone(phone) => UserUpdate {
                phone_number: Some(phone.clone()),
                phone_verification_code: Some(code),
                ..none
            },
            Destination::Email(email) => UserUpdate {
                email: Some(email.clone()),
                email_verification_code: Some(code),
                ..none
            },
        }
    }

    fn disable(current_password: String) -> UserUpdate {
        UserUpdate {
            auth_method: AuthMethod::Simple,
            phone_number: None,
            phone_verification_code: None,
            email: None,
            email_verification_code: None,
            current_password: Some(current_password),
        }
    }
}

impl fmt::Debug for UserUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserUpdate")
            .field("auth_method", &self.auth_method)
            .field("phone_number", &self.phone_number)
            .field("phone_verification_code", &self.phone_verification_code)
            .field("email", &self.email)
            .field("email_verification_code", &self.email_verification_code)
            .field(
                "current_password",
                &self.current_password.as_ref().map(|_| "***"),
            )
            .finish()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnrollEffect {
    /// `GET /v1/user`; answered with [`EnrollEvent::UserLoaded`].
    LoadUser,
    /// Answered with [`EnrollEvent::CodeSent`].
    SendVerificationCode(Destination),
    /// Answered with [`EnrollEvent::UserUpdated`].
    UpdateUser(UserUpdate),
    /// The user's method changed: for the host page and anything showing the user.
    MethodChanged(AuthMethod),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrollFlow {
    state: EnrollState,
    /// Preselected in the phone field when the user has no number yet.
    country: &'static Country,
}

impl EnrollFlow {
    pub fn new(country: &'static Country) -> Self {
        EnrollFlow {
            state: EnrollState::Idle,
            country,
        }
    }

    pub fn state(&self) -> &EnrollState {
        &self.state
    }

    pub fn state_name(&self) -> &'static str {
        match self.state {
            EnrollState::Idle => "idle",
            EnrollState::Loading => "loading",
            EnrollState::LoadFailed(_) => "load_failed",
            EnrollState::Overview(_) => "overview",
            EnrollState::ChooseMethod(_) => "choose_method",
            EnrollState::Destination(_) => "destination",
            EnrollState::SendingCode { .. } => "sending_code",
            EnrollState::CodeEntry(_) => "code_entry",
            EnrollState::Resending(_) => "resending",
            EnrollState::Saving(_) => "saving",
            EnrollState::Enabled(_) => "enabled",
            EnrollState::ConfirmDisable(_) => "confirm_disable",
            EnrollState::Disabling(_) => "disabling",
            EnrollState::Disabled(_) => "disabled",
            EnrollState::NeedsLogin => "needs_login",
        }
    }

    pub fn is_terminal(&self) -> bool {
        matches!(
            self.state,
            EnrollState::Enabled(_) | EnrollState::Disabled(_) | EnrollState::NeedsLogin
        )
    }

    /// The current step's message for the error summary, whichever step it is.
    pub fn alert(&self) -> Option<&Alert> {
        match &self.state {
            EnrollState::LoadFailed(alert) => Some(alert),
            EnrollState::Destination(step) | EnrollState::SendingCode { step, .. } => {
                step.alert.as_ref()
            }
            EnrollState::ConfirmDisable(step) | EnrollState::Disabling(step) => step.alert.as_ref(),
            _ => self.code_entry().and_then(|entry| entry.alert.as_ref()),
        }
    }

    /// The errors to show beside the fields of the current step.
    pub fn field_errors(&self) -> &[FieldError] {
        match &self.state {
            EnrollState::ChooseMethod(step) => &step.errors,
            EnrollState::Destination(step) | EnrollState::SendingCode { step, .. } => &step.errors,
            EnrollState::ConfirmDisable(step) | EnrollState::Disabling(step) => &step.errors,
            _ => &[],
        }
    }

    /// The code step's countdowns and notice, in any of its states.
    pub fn code_entry(&self) -> Option<&CodeEntry> {
        match &self.state {
            EnrollState::CodeEntry(step)
            | EnrollState::Resending(step)
            | EnrollState::Saving(step) => Some(&step.entry),
            _ => None,
        }
    }

    /// Whether any state holds a password (for the tests of the "forgotten after use" rule).
    pub fn holds_secret(&self) -> bool {
        match &self.state {
            EnrollState::ConfirmDisable(step) | EnrollState::Disabling(step) => {
                !step.form.password.is_empty()
            }
            _ => false,
        }
    }

    pub fn handle(&mut self, event: EnrollEvent) -> Vec<EnrollEffect> {
        let state = std::mem::replace(&mut self.state, EnrollState::NeedsLogin);
        let (next, effects) = transition(state, event, self.country);
        self.state = next;
        effects
    }
}

fn transition(
    state: EnrollState,
    event: EnrollEvent,
    country: &'static Country,
) -> (EnrollState, Vec<EnrollEffect>) {
    use EnrollEvent as E;
    use EnrollState as S;
    match (state, event) {
        // A 401 answering any request: the session is gone, and only signing in again helps.
        (state, event) if unauthorized(&state, &event) => (S::NeedsLogin, vec![]),
        (S::Idle | S::LoadFailed(_), E::Load) => (S::Loading, vec![EnrollEffect::LoadUser]),
        (S::Loading, E::UserLoaded { result, now_ms }) => match result {
            Ok(user) => (S::Overview(user), vec![]),
            Err(error) => (S::LoadFailed(Alert::from_error(&error, now_ms)), vec![]),
        },
        (S::Overview(user), E::SetUp) => (choose_method(user), vec![]),
        (S::Overview(user), E::TurnOff) if user.auth_method.is_two_factor() => (
            S::ConfirmDisable(DisableStep {
                user,
                form: DisableForm::default(),
                errors: Vec::new(),
                alert: None,
            }),
            vec![],
        ),
        (S::ChooseMethod(step), E::ChooseMethod(method)) if method.is_two_factor() => {
            let form = DestinationForm {
                country,
                phone: step.user.phone_number.clone().unwrap_or_default(),
                email: step.user.email.clone().unwrap_or_default(),
            };
            (
                S::Destination(DestinationStep {
                    user: step.user,
                    method,
                    form,
                    errors: Vec::new(),
                    alert: None,
                }),
                vec![],
            )
        }
        (S::ChooseMethod(step), E::Back) => (S::Overview(step.user), vec![]),
        (S::Destination(step), E::SubmitDestination { form, now_ms }) => {
            submit_destination(step, form, now_ms)
        }
        (S::Destination(step), E::Back) => (choose_method(step.user), vec![]),
        (S::Destination(mut step), E::Tick { now_ms }) => {
            feedback::expire_alert(&mut step.alert, now_ms);
            (S::Destination(step), vec![])
        }
        (
            S::SendingCode {
                mut step,
                destination,
            },
            E::CodeSent { result, now_ms },
        ) => match result {
            Ok(()) => {
                let entry = code_sent(&destination, CodeNotice::Sent, now_ms);
                (
                    S::CodeEntry(EnrollCodeStep {
                        user: step.user,
                        method: step.method,
                        form: step.form,
                        destination,
                        entry,
                    }),
                    vec![],
                )
            }
            Err(ApiError::Validation(errors)) => {
                step.errors = errors;
                (S::Destination(step), vec![])
            }
            Err(error) => {
                step.alert = Some(Alert::from_error(&error, now_ms));
                (S::Destination(step), vec![])
            }
        },
        (S::CodeEntry(mut step), E::CodeEntered { code, now_ms }) => {
            match step.entry.enter(&code, now_ms) {
                Some(code) => {
                    let effect =
                        EnrollEffect::UpdateUser(UserUpdate::enable(&step.destination, code));
                    (S::Saving(step), vec![effect])
                }
                None => (S::CodeEntry(step), vec![]),
            }
        }
        (S::CodeEntry(step), E::Resend { now_ms }) if step.entry.can_resend(now_ms) => {
            let effect = EnrollEffect::SendVerificationCode(step.destination.clone());
            (S::Resending(step), vec![effect])
        }
        (S::CodeEntry(step), E::Back) => (back_to_destination(step, Vec::new()), vec![]),
        (S::CodeEntry(mut step), E::Tick { now_ms }) => {
            step.entry.tick(now_ms);
            (S::CodeEntry(step), vec![])
        }
        (S::Resending(mut step), E::CodeSent { result, now_ms }) => match result {
            Ok(()) => {
                step.entry = code_sent(&step.destination, CodeNotice::Resent, now_ms);
                (S::CodeEntry(step), vec![])
            }
            Err(ApiError::Validation(errors)) => (back_to_destination(step, errors), vec![]),
            Err(error) => {
                step.entry.failed(Alert::from_error(&error, now_ms));
                (S::CodeEntry(step), vec![])
            }
        },
        (S::Saving(mut step), E::UserUpdated { result, now_ms }) => match result {
            Ok(user) => {
                let method = user.auth_method;
                (S::Enabled(user), vec![EnrollEffect::MethodChanged(method)])
            }
            Err(ApiError::Validation(errors))
                if !errors.is_empty() && errors.iter().all(is_code_error) =>
            {
                step.entry.refused(&OtpChallenge::default(), now_ms);
                (S::CodeEntry(step), vec![])
            }
            Err(ApiError::Validation(errors))
                if errors.iter().any(|e| e.field == Field::AuthMethod) =>
            {
                (
                    S::ChooseMethod(ChooseMethodStep {
                        user: step.user,
                        errors,
                    }),
                    vec![],
                )
            }
            Err(ApiError::Validation(errors)) => (back_to_destination(step, errors), vec![]),
            Err(error) => {
                step.entry.failed(Alert::from_error(&error, now_ms));
                (S::CodeEntry(step), vec![])
            }
        },
        (S::ConfirmDisable(mut step), E::SubmitPassword { form, now_ms }) => {
            step.form = form;
            if feedback::blocked(&step.alert, now_ms) {
                return (S::ConfirmDisable(step), vec![]);
            }
            step.errors.clear();
            require(
                &mut step.errors,
                Field::CurrentPassword,
                &step.form.password,
                "Enter your password.",
            );
            if !step.errors.is_empty() {
                return (S::ConfirmDisable(step), vec![]);
            }
            step.alert = None;
            let effect = EnrollEffect::UpdateUser(UserUpdate::disable(step.form.password.clone()));
            (S::Disabling(step), vec![effect])
        }
        (S::ConfirmDisable(step), E::Back) => (S::Overview(step.user), vec![]),
        (S::ConfirmDisable(mut step), E::Tick { now_ms }) => {
            feedback::expire_alert(&mut step.alert, now_ms);
            (S::ConfirmDisable(step), vec![])
        }
        (S::Disabling(mut step), E::UserUpdated { result, now_ms }) => match result {
            Ok(user) => {
                let method = user.auth_method;
                (S::Disabled(user), vec![EnrollEffect::MethodChanged(method)])
            }
            Err(ApiError::Validation(errors)) => {
                step.errors = errors;
                (S::ConfirmDisable(step), vec![])
            }
            Err(error) => {
                step.alert = Some(Alert::from_error(&error, now_ms));
                (S::ConfirmDisable(step), vec![])
            }
        },
        // Anything else is an event this state does not take: a double submit while a request
        // is in flight, a late click, anything after the end.
        (state, _) => (state, vec![]),
    }
}

fn unauthorized(state: &EnrollState, event: &EnrollEvent) -> bool {
    use EnrollEvent as E;
    use EnrollState as S;
    const DENIED: ApiError = ApiError::Unauthorized;
    matches!(
        (state, event),
        (
            S::Loading,
            E::UserLoaded {
                result: Err(DENIED),
                ..
            }
        ) | (
            S::SendingCode { .. } | S::Resending(_),
            E::CodeSent {
                result: Err(DENIED),
                ..
            }
        ) | (
            S::Saving(_) | S::Disabling(_),
            E::UserUpdated {
                result: Err(DENIED),
                ..
            }
        )
    )
}

fn choose_method(user: UserSummary) -> EnrollState {
    EnrollState::ChooseMethod(ChooseMethodStep {
        user,
        errors: Vec::new(),
    })
}

fn back_to_destination(step: EnrollCodeStep, errors: Vec<FieldError>) -> EnrollState {
    EnrollState::Destination(DestinationStep {
        user: step.user,
        method: step.method,
        form: step.form,
        errors,
        alert: None,
    })
}

fn code_sent(destination: &Destination, notice: CodeNotice, now_ms: u64) -> CodeEntry {
    // The verification code routes answer 204 with no body: the fallbacks are all there is.
    CodeEntry::sent(
        &OtpChallenge::default(),
        VERIFICATION_CODE_EXPIRY_SECS,
        Some(destination.masked()),
        notice,
        now_ms,
    )
}

fn is_code_error(error: &FieldError) -> bool {
    matches!(
        error.field,
        Field::PhoneVerificationCode | Field::EmailVerificationCode
    )
}

fn submit_destination(
    mut step: DestinationStep,
    form: DestinationForm,
    now_ms: u64,
) -> (EnrollState, Vec<EnrollEffect>) {
    step.form = form;
    if feedback::blocked(&step.alert, now_ms) {
        return (EnrollState::Destination(step), vec![]);
    }
    match step.form.validate(step.method) {
        Ok(destination) => {
            step.errors.clear();
            step.alert = None;
            let effect = EnrollEffect::SendVerificationCode(destination.clone());
            (EnrollState::SendingCode { step, destination }, vec![effect])
        }
        Err(errors) => {
            step.errors = errors;
            (EnrollState::Destination(step), vec![])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feedback::error_for;

    const PASSWORD: &str = "supersecret";

    fn canada() -> &'static Country {
        Country::by_iso("CA").unwrap()
    }

    fn user(method: AuthMethod) -> UserSummary {
        UserSummary {
            username: "joe@example.com".into(),
            name: "Joe Doe".into(),
            email: Some("joe@example.com".into()),
            phone_number: Some("+14165551234".into()),
            auth_method: method,
        }
    }

    fn phone() -> PhoneNumber {
        PhoneNumber::parse("+14165551234").unwrap()
    }

    fn loaded(method: AuthMethod) -> EnrollFlow {
        let mut flow = EnrollFlow::new(canada());
        assert_eq!(flow.state_name(), "idle");
        assert_eq!(flow.handle(EnrollEvent::Load), vec![EnrollEffect::LoadUser]);
        assert_eq!(flow.state_name(), "loading");
        flow.handle(EnrollEvent::UserLoaded {
            result: Ok(user(method)),
            now_ms: 0,
        });
        assert_eq!(flow.state_name(), "overview");
        flow
    }

    fn at_destination(method: AuthMethod) -> EnrollFlow {
        let mut flow = loaded(AuthMethod::Simple);
        flow.handle(EnrollEvent::SetUp);
        assert_eq!(flow.state_name(), "choose_method");
        flow.handle(EnrollEvent::ChooseMethod(method));
        assert_eq!(flow.state_name(), "destination");
        flow
    }

    fn submit_destination(flow: &mut EnrollFlow) -> Vec<EnrollEffect> {
        let form = destination_step(flow).form.clone();
        flow.handle(EnrollEvent::SubmitDestination { form, now_ms: 0 })
    }

    /// SMS enrolment with the code sent at t=0.
    fn at_code_entry() -> EnrollFlow {
        let mut flow = at_destination(AuthMethod::TfaSms);
        submit_destination(&mut flow);
        flow.handle(EnrollEvent::CodeSent {
            result: Ok(()),
            now_ms: 0,
        });
        assert_eq!(flow.state_name(), "code_entry");
        flow
    }

    fn at_saving() -> EnrollFlow {
        let mut flow = at_code_entry();
        flow.handle(EnrollEvent::CodeEntered {
            code: "482913".into(),
            now_ms: 1_000,
        });
        assert_eq!(flow.state_name(), "saving");
        flow
    }

    fn updated(flow: &mut EnrollFlow, result: Result<UserSummary, ApiError>) -> Vec<EnrollEffect> {
        flow.handle(EnrollEvent::UserUpdated {
            result,
            now_ms: 2_000,
        })
    }

    fn at_confirm_disable() -> EnrollFlow {
        let mut flow = loaded(AuthMethod::TfaSms);
        flow.handle(EnrollEvent::TurnOff);
        assert_eq!(flow.state_name(), "confirm_disable");
        flow
    }

    fn submit_password(flow: &mut EnrollFlow, password: &str) -> Vec<EnrollEffect> {
        flow.handle(EnrollEvent::SubmitPassword {
            form: DisableForm {
                password: password.into(),
            },
            now_ms: 0,
        })
    }

    fn destination_step(flow: &EnrollFlow) -> &DestinationStep {
        match flow.state() {
            EnrollState::Destination(step) => step,
            other => panic!("not at the destination: {other:?}"),
        }
    }

    fn code_step(flow: &EnrollFlow) -> &EnrollCodeStep {
        match flow.state() {
            EnrollState::CodeEntry(step) => step,
            other => panic!("not at the code step: {other:?}"),
        }
    }

    fn disable_step(flow: &EnrollFlow) -> &DisableStep {
        match flow.state() {
            EnrollState::ConfirmDisable(step) => step,
            other => panic!("not at the confirmation: {other:?}"),
        }
    }

    #[test]
    fn sms_enrolment_proves_the_phone_and_ends_enabled() {
        let mut flow = at_destination(AuthMethod::TfaSms);
        assert_eq!(destination_step(&flow).form.phone, "+14165551234");
        assert_eq!(
            submit_destination(&mut flow),
            vec![EnrollEffect::SendVerificationCode(Destination::Phone(
                phone()
            ))]
        );
        assert_eq!(flow.state_name(), "sending_code");
        flow.handle(EnrollEvent::CodeSent {
            result: Ok(()),
            now_ms: 0,
        });
        let entry = &code_step(&flow).entry;
        assert_eq!(entry.destination.as_deref(), Some("+1 ••• ••• 1234"));
        assert_eq!(entry.resend_in_secs(0), 30);
        let effects = flow.handle(EnrollEvent::CodeEntered {
            code: "482913".into(),
            now_ms: 1_000,
        });
        assert_eq!(
            effects,
            vec![EnrollEffect::UpdateUser(UserUpdate {
                auth_method: AuthMethod::TfaSms,
                phone_number: Some(phone()),
                phone_verification_code: Some("482913".into()),
                email: None,
                email_verification_code: None,
                current_password: None,
            })]
        );
        assert_eq!(
            updated(&mut flow, Ok(user(AuthMethod::TfaSms))),
            vec![EnrollEffect::MethodChanged(AuthMethod::TfaSms)]
        );
        assert_eq!(flow.state_name(), "enabled");
        assert!(flow.is_terminal());
    }

    #[test]
    fn email_enrolment_proves_the_address() {
        let mut flow = at_destination(AuthMethod::TfaEmail);
        assert_eq!(destination_step(&flow).form.email, "joe@example.com");
        assert_eq!(
            submit_destination(&mut flow),
            vec![EnrollEffect::SendVerificationCode(Destination::Email(
                "joe@example.com".into()
            ))]
        );
        flow.handle(EnrollEvent::CodeSent {
            result: Ok(()),
            now_ms: 0,
        });
        let effects = flow.handle(EnrollEvent::CodeEntered {
            code: "482913".into(),
            now_ms: 1_000,
        });
        let [EnrollEffect::UpdateUser(update)] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        assert_eq!(update.auth_method, AuthMethod::TfaEmail);
        assert_eq!(update.email.as_deref(), Some("joe@example.com"));
        assert_eq!(update.email_verification_code.as_deref(), Some("482913"));
        assert_eq!(update.phone_number, None);
    }

    #[test]
    fn a_user_without_a_phone_starts_from_an_empty_field_and_a_bad_number_is_refused() {
        let mut flow = EnrollFlow::new(canada());
        flow.handle(EnrollEvent::Load);
        flow.handle(EnrollEvent::UserLoaded {
            result: Ok(UserSummary {
                phone_number: None,
                ..user(AuthMethod::Simple)
            }),
            now_ms: 0,
        });
        flow.handle(EnrollEvent::SetUp);
        flow.handle(EnrollEvent::ChooseMethod(AuthMethod::TfaSms));
        assert_eq!(destination_step(&flow).form.phone, "");
        assert_eq!(submit_destination(&mut flow), vec![]);
        let errors = &destination_step(&flow).errors;
        assert_eq!(
            error_for(errors, &Field::PhoneNumber).unwrap().title,
            crate::PhoneError::Empty.to_string()
        );
    }

    #[test]
    fn simple_is_not_a_method_to_enrol_in() {
        let mut flow = loaded(AuthMethod::Simple);
        flow.handle(EnrollEvent::SetUp);
        assert_eq!(
            flow.handle(EnrollEvent::ChooseMethod(AuthMethod::Simple)),
            vec![]
        );
        assert_eq!(flow.state_name(), "choose_method");
    }

    #[test]
    fn back_walks_the_steps_in_reverse() {
        let mut flow = at_code_entry();
        flow.handle(EnrollEvent::Back);
        assert_eq!(flow.state_name(), "destination");
        flow.handle(EnrollEvent::Back);
        assert_eq!(flow.state_name(), "choose_method");
        flow.handle(EnrollEvent::Back);
        assert_eq!(flow.state_name(), "overview");
    }

    #[test]
    fn a_failed_user_load_can_be_retried() {
        let mut flow = EnrollFlow::new(canada());
        flow.handle(EnrollEvent::Load);
        flow.handle(EnrollEvent::UserLoaded {
            result: Err(ApiError::Network),
            now_ms: 0,
        });
        assert_eq!(flow.state(), &EnrollState::LoadFailed(Alert::Connection));
        assert_eq!(flow.handle(EnrollEvent::Load), vec![EnrollEffect::LoadUser]);
    }

    #[test]
    fn a_lost_session_needs_a_new_login() {
        let mut flow = EnrollFlow::new(canada());
        flow.handle(EnrollEvent::Load);
        flow.handle(EnrollEvent::UserLoaded {
            result: Err(ApiError::Unauthorized),
            now_ms: 0,
        });
        assert_eq!(flow.state_name(), "needs_login");
        let mut flow = at_saving();
        updated(&mut flow, Err(ApiError::Unauthorized));
        assert_eq!(flow.state_name(), "needs_login");
        let mut flow = at_destination(AuthMethod::TfaSms);
        submit_destination(&mut flow);
        flow.handle(EnrollEvent::CodeSent {
            result: Err(ApiError::Unauthorized),
            now_ms: 0,
        });
        assert_eq!(flow.state_name(), "needs_login");
        assert_eq!(flow.handle(EnrollEvent::Load), vec![]);
        let mut flow = at_confirm_disable();
        submit_password(&mut flow, PASSWORD);
        updated(&mut flow, Err(ApiError::Unauthorized));
        assert_eq!(flow.state_name(), "needs_login");
        assert!(!flow.holds_secret());
    }

    #[test]
    fn a_number_the_server_refuses_returns_to_the_destination_with_its_message() {
        let mut flow = at_destination(AuthMethod::TfaSms);
        submit_destination(&mut flow);
        let error = client_error(Field::PhoneNumber, "invalid", "is invalid.");
        flow.handle(EnrollEvent::CodeSent {
            result: Err(ApiError::Validation(vec![error.clone()])),
            now_ms: 0,
        });
        assert_eq!(destination_step(&flow).errors, vec![error]);
    }

    #[test]
    fn a_rate_limited_code_request_counts_down_on_the_destination() {
        let mut flow = at_destination(AuthMethod::TfaSms);
        submit_destination(&mut flow);
        flow.handle(EnrollEvent::CodeSent {
            result: Err(ApiError::RateLimited {
                retry_after_secs: 30,
            }),
            now_ms: 0,
        });
        assert_eq!(
            destination_step(&flow)
                .alert
                .as_ref()
                .and_then(|a| a.retry_in_secs(10_000)),
            Some(20)
        );
        assert_eq!(submit_destination(&mut flow), vec![]);
        flow.handle(EnrollEvent::Tick { now_ms: 30_000 });
        assert_eq!(destination_step(&flow).alert, None);
    }

    #[test]
    fn resend_waits_for_its_countdown_and_a_failure_keeps_the_code_step() {
        let mut flow = at_code_entry();
        assert_eq!(flow.handle(EnrollEvent::Resend { now_ms: 1_000 }), vec![]);
        assert_eq!(flow.handle(EnrollEvent::Resend { now_ms: 30_000 }).len(), 1);
        assert_eq!(flow.state_name(), "resending");
        flow.handle(EnrollEvent::CodeSent {
            result: Err(ApiError::Server { status: 500 }),
            now_ms: 31_000,
        });
        assert_eq!(code_step(&flow).entry.alert, Some(Alert::Server));
        flow.handle(EnrollEvent::Resend { now_ms: 32_000 });
        flow.handle(EnrollEvent::CodeSent {
            result: Ok(()),
            now_ms: 33_000,
        });
        assert_eq!(code_step(&flow).entry.notice, CodeNotice::Resent);
    }

    #[test]
    fn a_resend_refused_for_the_number_returns_to_the_destination() {
        let mut flow = at_code_entry();
        flow.handle(EnrollEvent::Resend { now_ms: 30_000 });
        let error = client_error(Field::PhoneNumber, "invalid", "is invalid.");
        flow.handle(EnrollEvent::CodeSent {
            result: Err(ApiError::Validation(vec![error.clone()])),
            now_ms: 30_000,
        });
        assert_eq!(destination_step(&flow).errors, vec![error]);
    }

    #[test]
    fn the_code_step_checks_the_code_and_shows_its_expiry() {
        let mut flow = at_code_entry();
        let effects = flow.handle(EnrollEvent::CodeEntered {
            code: "abc".into(),
            now_ms: 1_000,
        });
        assert_eq!(effects, vec![]);
        assert!(code_step(&flow).entry.code_error.is_some());
        flow.handle(EnrollEvent::Tick {
            now_ms: 30 * 60 * 1000,
        });
        assert_eq!(code_step(&flow).entry.notice, CodeNotice::Expired);
    }

    #[test]
    fn a_wrong_code_stays_on_the_code_step() {
        let mut flow = at_saving();
        let error = client_error(Field::PhoneVerificationCode, "invalid", "is invalid.");
        updated(&mut flow, Err(ApiError::Validation(vec![error])));
        assert_eq!(code_step(&flow).entry.notice, CodeNotice::Wrong);
        assert_eq!(code_step(&flow).entry.code, "482913");
    }

    #[test]
    fn a_refused_method_returns_to_the_method_choice() {
        let mut flow = at_saving();
        let error = client_error(Field::AuthMethod, "inclusion", "is not included.");
        updated(&mut flow, Err(ApiError::Validation(vec![error.clone()])));
        let EnrollState::ChooseMethod(step) = flow.state() else {
            panic!("{:?}", flow.state());
        };
        assert_eq!(step.errors, vec![error]);
    }

    #[test]
    fn a_refused_destination_returns_to_the_destination_with_the_form() {
        let mut flow = at_saving();
        let error = client_error(Field::PhoneNumber, "taken", "is taken.");
        updated(&mut flow, Err(ApiError::Validation(vec![error.clone()])));
        let step = destination_step(&flow);
        assert_eq!(step.errors, vec![error]);
        assert_eq!(step.form.phone, "+14165551234");
    }

    #[test]
    fn a_failed_save_keeps_the_code_for_a_retry() {
        let mut flow = at_saving();
        updated(&mut flow, Err(ApiError::Timeout));
        assert_eq!(code_step(&flow).entry.alert, Some(Alert::Connection));
        let effects = flow.handle(EnrollEvent::CodeEntered {
            code: "482913".into(),
            now_ms: 3_000,
        });
        assert_eq!(effects.len(), 1);
    }

    #[test]
    fn turning_tfa_off_asks_for_the_password() {
        let mut flow = at_confirm_disable();
        assert_eq!(submit_password(&mut flow, ""), vec![]);
        assert!(error_for(&disable_step(&flow).errors, &Field::CurrentPassword).is_some());
        assert_eq!(
            submit_password(&mut flow, PASSWORD),
            vec![EnrollEffect::UpdateUser(UserUpdate::disable(
                PASSWORD.into()
            ))]
        );
        assert_eq!(flow.state_name(), "disabling");
        assert_eq!(
            updated(&mut flow, Ok(user(AuthMethod::Simple))),
            vec![EnrollEffect::MethodChanged(AuthMethod::Simple)]
        );
        assert_eq!(flow.state_name(), "disabled");
        assert!(!flow.holds_secret());
    }

    #[test]
    fn a_wrong_password_stays_on_the_confirmation_with_the_field_error() {
        let mut flow = at_confirm_disable();
        submit_password(&mut flow, "wrong one");
        let error = client_error(Field::CurrentPassword, "mustMatch", "does not match.");
        updated(&mut flow, Err(ApiError::Validation(vec![error.clone()])));
        assert_eq!(disable_step(&flow).errors, vec![error]);
        submit_password(&mut flow, PASSWORD);
        updated(&mut flow, Err(ApiError::Network));
        assert_eq!(disable_step(&flow).alert, Some(Alert::Connection));
        assert_eq!(disable_step(&flow).form.password, PASSWORD);
    }

    #[test]
    fn a_rate_limited_confirmation_counts_down() {
        let mut flow = at_confirm_disable();
        submit_password(&mut flow, PASSWORD);
        updated(
            &mut flow,
            Err(ApiError::RateLimited {
                retry_after_secs: 5,
            }),
        );
        assert_eq!(submit_password(&mut flow, PASSWORD), vec![]);
        flow.handle(EnrollEvent::Tick { now_ms: 7_000 });
        assert_eq!(submit_password(&mut flow, PASSWORD).len(), 1);
    }

    #[test]
    fn leaving_the_confirmation_forgets_the_password() {
        let mut flow = at_confirm_disable();
        submit_password(&mut flow, PASSWORD);
        updated(&mut flow, Err(ApiError::Network));
        assert!(flow.holds_secret());
        flow.handle(EnrollEvent::Back);
        assert_eq!(flow.state_name(), "overview");
        assert!(!flow.holds_secret());
    }

    #[test]
    fn tfa_can_only_be_turned_off_when_it_is_on() {
        let mut flow = loaded(AuthMethod::Simple);
        assert_eq!(flow.handle(EnrollEvent::TurnOff), vec![]);
        assert_eq!(flow.state_name(), "overview");
    }

    #[test]
    fn the_screen_finds_the_alert_errors_and_code_step_whatever_the_state() {
        let mut flow = at_confirm_disable();
        submit_password(&mut flow, "");
        assert_eq!(flow.field_errors().len(), 1);
        submit_password(&mut flow, PASSWORD);
        updated(&mut flow, Err(ApiError::Server { status: 500 }));
        assert_eq!(flow.alert(), Some(&Alert::Server));
        let mut flow = at_saving();
        assert_eq!(flow.code_entry().map(|e| e.code.as_str()), Some("482913"));
        updated(&mut flow, Err(ApiError::Network));
        assert_eq!(flow.alert(), Some(&Alert::Connection));
        assert_eq!(flow.field_errors(), &[]);
    }

    #[test]
    fn requests_in_flight_ignore_the_user() {
        let mut flow = at_saving();
        let again = EnrollEvent::CodeEntered {
            code: "482913".into(),
            now_ms: 1_000,
        };
        assert_eq!(flow.handle(again), vec![]);
        assert_eq!(flow.handle(EnrollEvent::Back), vec![]);
        assert_eq!(flow.state_name(), "saving");
        let mut flow = EnrollFlow::new(canada());
        flow.handle(EnrollEvent::Load);
        assert_eq!(flow.handle(EnrollEvent::Load), vec![]);
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let mut flow = at_confirm_disable();
        let event = EnrollEvent::SubmitPassword {
            form: DisableForm {
                password: PASSWORD.into(),
            },
            now_ms: 0,
        };
        assert!(!format!("{event:?}").contains(PASSWORD));
        let effects = flow.handle(event);
        assert!(!format!("{flow:?}{effects:?}").contains(PASSWORD));
    }
}

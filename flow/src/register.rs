//! Registration with TFA: choose SMS or email, fill in the details, prove the destination with a
//! verification code, and be signed in with that same code as the first OTP. `simple` is not
//! offered: this is the TFA registration.
//!
//! State names (`data-state` on the registration screen):
//! - `method`: choose SMS or email (also where a 422 on `authMethod` lands).
//! - `details`: username, password (with confirmation, or shown), name, email, phone; field
//!   errors from the client or from a 422 are shown beside their fields.
//! - `sending_code`: the verification code request is in flight.
//! - `code_entry`: a verification code was sent; enter it, resend it, or go back to the details.
//! - `resending`: another verification code request is in flight.
//! - `creating_customer`: the customer is being created with the code.
//! - `signing_in`: the password grant with the verification code as the OTP is in flight.
//! - `login_credentials`, `login_submitting_credentials`, `login_code_entry`,
//!   `login_submitting_code`, `login_resending`, `login_locked`: that sign-in did not work, and
//!   the normal login (see [`crate::login`]) takes over, its states prefixed with `login_`.
//! - `signed_in`: terminal; the account exists and the user is signed in.

use std::fmt;

use crate::feedback::{self, Alert, check_email, check_password, client_error, require};
use crate::login::{LoginEffect, LoginEvent, LoginFlow, LoginState};
use crate::otp::{CodeEntry, CodeNotice, Destination, VERIFICATION_CODE_EXPIRY_SECS};
use crate::{
    ApiError, AuthMethod, Country, Field, FieldError, OtpChallenge, PhoneNumber, normalize_username,
};

/// Every name [`RegisterFlow::state_name`] returns.
pub const REGISTER_STATE_NAMES: [&str; 14] = [
    "method",
    "details",
    "sending_code",
    "code_entry",
    "resending",
    "creating_customer",
    "signing_in",
    "login_credentials",
    "login_submitting_credentials",
    "login_code_entry",
    "login_submitting_code",
    "login_resending",
    "login_locked",
    "signed_in",
];

/// Everything the details step asks for, as typed.
#[derive(Clone, PartialEq, Eq)]
pub struct DetailsForm {
    pub username: String,
    pub password: String,
    pub password_confirmation: String,
    /// With the password shown as it is typed, the confirmation box is not needed.
    pub show_password: bool,
    pub name: String,
    pub email: String,
    pub country: &'static Country,
    /// The number as typed, national or with its own `+`; only asked for SMS.
    pub phone: String,
}

impl DetailsForm {
    pub fn new(country: &'static Country) -> Self {
        DetailsForm {
            username: String::new(),
            password: String::new(),
            password_confirmation: String::new(),
            show_password: false,
            name: String::new(),
            email: String::new(),
            country,
            phone: String::new(),
        }
    }

    fn holds_secret(&self) -> bool {
        !self.password.is_empty() || !self.password_confirmation.is_empty()
    }

    /// The client's checks; the destination to prove when they all pass.
    fn validate(&self, method: AuthMethod) -> Result<Destination, Vec<FieldError>> {
        let mut errors = Vec::new();
        require(&mut errors, Field::Name, &self.name, "Enter your name.");
        require(
            &mut errors,
            Field::Username,
            &normalize_username(&self.username),
            "Choose a username.",
        );
        check_password(&mut errors, Field::Password, &self.password);
        if !self.show_password && self.password_confirmation != self.password {
            errors.push(client_error(
                Field::PasswordConfirmation,
                "mustMatch",
                "The passwords do not match.",
            ));
        }
        let email = check_email(&mut errors, &self.email);
        let phone = match method {
            AuthMethod::TfaSms => match PhoneNumber::from_national(self.country, &self.phone) {
                Ok(phone) => Some(phone),
                Err(error) => {
                    errors.push(client_error(
                        Field::PhoneNumber,
                        "format",
                        error.to_string(),
                    ));
                    None
                }
            },
            AuthMethod::TfaEmail | AuthMethod::Simple => None,
        };
        match (errors.is_empty(), phone, email) {
            (true, Some(phone), _) => Ok(Destination::Phone(phone)),
            (true, None, Some(email)) => Ok(Destination::Email(email)),
            _ => Err(errors),
        }
    }
}

impl fmt::Debug for DetailsForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DetailsForm")
            .field("username", &self.username)
            .field("password", &"***")
            .field("password_confirmation", &"***")
            .field("show_password", &self.show_password)
            .field("name", &self.name)
            .field("email", &self.email)
            .field("country", &self.country.iso)
            .field("phone", &self.phone)
            .finish()
    }
}

/// The method step keeps the details typed so far, for a user who goes back and forth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodStep {
    pub chosen: Option<AuthMethod>,
    pub form: DetailsForm,
    pub errors: Vec<FieldError>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetailsStep {
    pub method: AuthMethod,
    pub form: DetailsForm,
    pub errors: Vec<FieldError>,
    pub alert: Option<Alert>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterCodeStep {
    pub method: AuthMethod,
    pub form: DetailsForm,
    /// The exact destination the code went to: the customer must be created with the same bytes.
    pub destination: Destination,
    pub entry: CodeEntry,
}

/// Signing in after the customer was created, with the verification code as the OTP.
#[derive(Clone, PartialEq, Eq)]
pub struct PendingSignIn {
    pub username: String,
    password: String,
}

impl fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegisterState {
    Method(MethodStep),
    Details(DetailsStep),
    SendingCode {
        step: DetailsStep,
        destination: Destination,
    },
    CodeEntry(RegisterCodeStep),
    Resending(RegisterCodeStep),
    CreatingCustomer {
        step: RegisterCodeStep,
        code: String,
    },
    SigningIn(PendingSignIn),
    /// The normal login, after the sign-in with the verification code did not work.
    SignIn(LoginFlow),
    SignedIn,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegisterEvent {
    ChooseMethod(AuthMethod),
    SubmitDetails {
        form: DetailsForm,
        now_ms: u64,
    },
    /// The answer to [`RegisterEffect::SendVerificationCode`] (204 is `Ok`).
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
    /// From the details to the method, from the code to the details (to change the destination).
    Back,
    /// The answer to [`RegisterEffect::CreateCustomer`] (201 is `Ok`).
    CustomerCreated {
        result: Result<(), ApiError>,
        now_ms: u64,
    },
    /// The answer to [`RegisterEffect::RequestToken`], in `signing_in` and in the login states.
    TokenResult {
        result: Result<(), ApiError>,
        now_ms: u64,
    },
    Tick {
        now_ms: u64,
    },
    /// The login screen's own events, once registration has fallen back to it.
    Login(LoginEvent),
}

/// What registration creates: `POST /v1/customers` with `status: "registered"`.
#[derive(Clone, PartialEq, Eq)]
pub struct NewCustomer {
    pub name: String,
    pub email: String,
    /// Normalised, so that the login that follows sends the same.
    pub username: String,
    pub password: String,
    pub auth_method: AuthMethod,
    /// Present for `tfa_sms`: the same bytes the code was sent to.
    pub phone_number: Option<PhoneNumber>,
    /// `phoneVerificationCode` for `tfa_sms`, `emailVerificationCode` for `tfa_email`.
    pub verification_code: String,
}

impl fmt::Debug for NewCustomer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewCustomer")
            .field("name", &self.name)
            .field("email", &self.email)
            .field("username", &self.username)
            .field("password", &"***")
            .field("auth_method", &self.auth_method)
            .field("phone_number", &self.phone_number)
            .field("verification_code", &self.verification_code)
            .finish()
    }
}

#[derive(Clone, PartialEq, Eq)]
pub enum RegisterEffect {
    /// `POST /v1/phone_verification_codes` or `/v1/email_verification_codes`; answered with
    /// [`RegisterEvent::CodeSent`].
    SendVerificationCode(Destination),
    /// Answered with [`RegisterEvent::CustomerCreated`].
    CreateCustomer(NewCustomer),
    /// The password grant, as [`LoginEffect::RequestToken`]; answered with
    /// [`RegisterEvent::TokenResult`].
    RequestToken {
        username: String,
        password: String,
        otp: Option<String>,
    },
    SignedIn,
}

impl fmt::Debug for RegisterEffect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterEffect::SendVerificationCode(destination) => f
                .debug_tuple("SendVerificationCode")
                .field(destination)
                .finish(),
            RegisterEffect::CreateCustomer(customer) => {
                f.debug_tuple("CreateCustomer").field(customer).finish()
            }
            RegisterEffect::RequestToken { username, otp, .. } => f
                .debug_struct("RequestToken")
                .field("username", username)
                .field("password", &"***")
                .field("otp", otp)
                .finish(),
            RegisterEffect::SignedIn => f.write_str("SignedIn"),
        }
    }
}

impl From<LoginEffect> for RegisterEffect {
    fn from(effect: LoginEffect) -> Self {
        match effect {
            LoginEffect::RequestToken {
                username,
                password,
                otp,
            } => RegisterEffect::RequestToken {
                username,
                password,
                otp,
            },
            LoginEffect::SignedIn => RegisterEffect::SignedIn,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterFlow {
    state: RegisterState,
}

impl RegisterFlow {
    /// `country` preselects the phone number's country (the merchant's or the browser's).
    pub fn new(country: &'static Country) -> Self {
        RegisterFlow {
            state: RegisterState::Method(MethodStep {
                chosen: None,
                form: DetailsForm::new(country),
                errors: Vec::new(),
            }),
        }
    }

    pub fn state(&self) -> &RegisterState {
        &self.state
    }

    pub fn state_name(&self) -> &'static str {
        match &self.state {
            RegisterState::Method(_) => "method",
            RegisterState::Details(_) => "details",
            RegisterState::SendingCode { .. } => "sending_code",
            RegisterState::CodeEntry(_) => "code_entry",
            RegisterState::Resending(_) => "resending",
            RegisterState::CreatingCustomer { .. } => "creating_customer",
            RegisterState::SigningIn(_) => "signing_in",
            RegisterState::SignIn(login) => match login.state() {
                LoginState::Credentials(_) => "login_credentials",
                LoginState::SubmittingCredentials(_) => "login_submitting_credentials",
                LoginState::CodeEntry(_) => "login_code_entry",
                LoginState::SubmittingCode(_) => "login_submitting_code",
                LoginState::Resending(_) => "login_resending",
                LoginState::Locked(_) => "login_locked",
                // Replaced by `RegisterState::SignedIn` in the step that reaches it.
                LoginState::SignedIn => "signed_in",
            },
            RegisterState::SignedIn => "signed_in",
        }
    }

    pub fn is_terminal(&self) -> bool {
        self.state == RegisterState::SignedIn
    }

    /// The current step's message for the error summary, whichever step it is.
    pub fn alert(&self) -> Option<&Alert> {
        match &self.state {
            RegisterState::Details(step) | RegisterState::SendingCode { step, .. } => {
                step.alert.as_ref()
            }
            RegisterState::SignIn(login) => login.alert(),
            _ => self.code_entry().and_then(|entry| entry.alert.as_ref()),
        }
    }

    /// The errors to show beside the fields of the current step.
    pub fn field_errors(&self) -> &[FieldError] {
        match &self.state {
            RegisterState::Method(step) => &step.errors,
            RegisterState::Details(step) | RegisterState::SendingCode { step, .. } => &step.errors,
            RegisterState::SignIn(login) => login.field_errors(),
            _ => &[],
        }
    }

    /// The code step's countdowns and notice, in any of its states (the login's too).
    pub fn code_entry(&self) -> Option<&CodeEntry> {
        match &self.state {
            RegisterState::CodeEntry(step)
            | RegisterState::Resending(step)
            | RegisterState::CreatingCustomer { step, .. } => Some(&step.entry),
            RegisterState::SignIn(login) => login.code_entry(),
            _ => None,
        }
    }

    /// Whether any state holds a password (for the tests of the "forgotten after login" rule).
    pub fn holds_secret(&self) -> bool {
        match &self.state {
            RegisterState::Method(MethodStep { form, .. })
            | RegisterState::Details(DetailsStep { form, .. })
            | RegisterState::SendingCode {
                step: DetailsStep { form, .. },
                ..
            }
            | RegisterState::CodeEntry(RegisterCodeStep { form, .. })
            | RegisterState::Resending(RegisterCodeStep { form, .. })
            | RegisterState::CreatingCustomer {
                step: RegisterCodeStep { form, .. },
                ..
            } => form.holds_secret(),
            RegisterState::SigningIn(pending) => !pending.password.is_empty(),
            RegisterState::SignIn(login) => login.holds_secret(),
            RegisterState::SignedIn => false,
        }
    }

    pub fn handle(&mut self, event: RegisterEvent) -> Vec<RegisterEffect> {
        let state = std::mem::replace(&mut self.state, RegisterState::SignedIn);
        let (next, effects) = transition(state, event);
        self.state = next;
        effects
    }
}

fn transition(state: RegisterState, event: RegisterEvent) -> (RegisterState, Vec<RegisterEffect>) {
    use RegisterEvent as E;
    use RegisterState as S;
    match (state, event) {
        (S::Method(step), E::ChooseMethod(method)) if method.is_two_factor() => (
            S::Details(DetailsStep {
                method,
                form: step.form,
                errors: Vec::new(),
                alert: None,
            }),
            vec![],
        ),
        (S::Details(step), E::SubmitDetails { form, now_ms }) => submit_details(step, form, now_ms),
        (S::Details(step), E::Back) => (
            S::Method(MethodStep {
                chosen: Some(step.method),
                form: step.form,
                errors: Vec::new(),
            }),
            vec![],
        ),
        (S::Details(mut step), E::Tick { now_ms }) => {
            feedback::expire_alert(&mut step.alert, now_ms);
            (S::Details(step), vec![])
        }
        (S::SendingCode { step, destination }, E::CodeSent { result, now_ms }) => match result {
            Ok(()) => {
                let entry = code_sent(&destination, CodeNotice::Sent, now_ms);
                (
                    S::CodeEntry(RegisterCodeStep {
                        method: step.method,
                        form: step.form,
                        destination,
                        entry,
                    }),
                    vec![],
                )
            }
            Err(error) => (details_failed(step, error, now_ms), vec![]),
        },
        (S::CodeEntry(mut step), E::CodeEntered { code, now_ms }) => {
            match step.entry.enter(&code, now_ms) {
                Some(code) => {
                    let effect = RegisterEffect::CreateCustomer(new_customer(&step, &code));
                    (S::CreatingCustomer { step, code }, vec![effect])
                }
                None => (S::CodeEntry(step), vec![]),
            }
        }
        (S::CodeEntry(step), E::Resend { now_ms }) if step.entry.can_resend(now_ms) => {
            let effect = RegisterEffect::SendVerificationCode(step.destination.clone());
            (S::Resending(step), vec![effect])
        }
        (S::CodeEntry(step), E::Back) => (
            S::Details(DetailsStep {
                method: step.method,
                form: step.form,
                errors: Vec::new(),
                alert: None,
            }),
            vec![],
        ),
        (S::CodeEntry(mut step), E::Tick { now_ms }) => {
            step.entry.tick(now_ms);
            (S::CodeEntry(step), vec![])
        }
        (S::Resending(mut step), E::CodeSent { result, now_ms }) => match result {
            Ok(()) => {
                step.entry = code_sent(&step.destination, CodeNotice::Resent, now_ms);
                (S::CodeEntry(step), vec![])
            }
            Err(ApiError::Validation(errors)) => {
                (fields_refused(step.method, step.form, errors), vec![])
            }
            Err(error) => {
                step.entry.failed(Alert::from_error(&error, now_ms));
                (S::CodeEntry(step), vec![])
            }
        },
        (S::CreatingCustomer { step, code }, E::CustomerCreated { result, now_ms }) => {
            customer_answered(step, code, result, now_ms)
        }
        (S::SigningIn(pending), E::TokenResult { result, now_ms }) => match result {
            Ok(()) => (S::SignedIn, vec![RegisterEffect::SignedIn]),
            // The normal login takes the answer over: a TFA answer to a grant whose code did
            // not work means that a new login code was sent; anything else is its error.
            Err(error) => {
                let mut login = LoginFlow::awaiting_token(pending.username, pending.password);
                let effects = login.handle(LoginEvent::TokenResult {
                    result: Err(error),
                    now_ms,
                });
                (
                    S::SignIn(login),
                    effects.into_iter().map(Into::into).collect(),
                )
            }
        },
        (S::SignIn(login), E::TokenResult { result, now_ms }) => {
            sign_in(login, LoginEvent::TokenResult { result, now_ms })
        }
        (S::SignIn(login), E::Tick { now_ms }) => sign_in(login, LoginEvent::Tick { now_ms }),
        (S::SignIn(login), E::Login(event)) => sign_in(login, event),
        // Anything else is an event this state does not take: a double submit while a request
        // is in flight, a late click, anything after signing in.
        (state, _) => (state, vec![]),
    }
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

fn submit_details(
    mut step: DetailsStep,
    form: DetailsForm,
    now_ms: u64,
) -> (RegisterState, Vec<RegisterEffect>) {
    step.form = form;
    if feedback::blocked(&step.alert, now_ms) {
        return (RegisterState::Details(step), vec![]);
    }
    match step.form.validate(step.method) {
        Ok(destination) => {
            step.errors.clear();
            step.alert = None;
            let effect = RegisterEffect::SendVerificationCode(destination.clone());
            (
                RegisterState::SendingCode { step, destination },
                vec![effect],
            )
        }
        Err(errors) => {
            step.errors = errors;
            (RegisterState::Details(step), vec![])
        }
    }
}

fn details_failed(mut step: DetailsStep, error: ApiError, now_ms: u64) -> RegisterState {
    match error {
        ApiError::Validation(errors) => fields_refused(step.method, step.form, errors),
        error => {
            step.alert = Some(Alert::from_error(&error, now_ms));
            RegisterState::Details(step)
        }
    }
}

/// A 422 about something typed on an earlier step: back to the step that holds the field, with
/// the messages beside the fields and everything typed kept.
fn fields_refused(method: AuthMethod, form: DetailsForm, errors: Vec<FieldError>) -> RegisterState {
    if errors.iter().any(|e| e.field == Field::AuthMethod) {
        RegisterState::Method(MethodStep {
            chosen: Some(method),
            form,
            errors,
        })
    } else {
        RegisterState::Details(DetailsStep {
            method,
            form,
            errors,
            alert: None,
        })
    }
}

fn is_code_error(error: &FieldError) -> bool {
    matches!(
        error.field,
        Field::PhoneVerificationCode | Field::EmailVerificationCode
    )
}

fn new_customer(step: &RegisterCodeStep, code: &str) -> NewCustomer {
    let form = &step.form;
    let phone_number = match &step.destination {
        Destination::Phone(phone) => Some(phone.clone()),
        Destination::Email(_) => None,
    };
    NewCustomer {
        name: form.name.trim().to_owned(),
        email: form.email.trim().to_owned(),
        username: normalize_username(&form.username),
        password: form.password.clone(),
        auth_method: step.method,
        phone_number,
        verification_code: code.to_owned(),
    }
}

fn customer_answered(
    mut step: RegisterCodeStep,
    code: String,
    result: Result<(), ApiError>,
    now_ms: u64,
) -> (RegisterState, Vec<RegisterEffect>) {
    match result {
        Ok(()) => {
            // The verification code works as the first OTP for a while after registration.
            let pending = PendingSignIn {
                username: normalize_username(&step.form.username),
                password: step.form.password,
            };
            let effect = RegisterEffect::RequestToken {
                username: pending.username.clone(),
                password: pending.password.clone(),
                otp: Some(code),
            };
            (RegisterState::SigningIn(pending), vec![effect])
        }
        Err(ApiError::Validation(errors))
            if !errors.is_empty() && errors.iter().all(is_code_error) =>
        {
            step.entry.refused(&OtpChallenge::default(), now_ms);
            (RegisterState::CodeEntry(step), vec![])
        }
        Err(ApiError::Validation(errors)) => {
            (fields_refused(step.method, step.form, errors), vec![])
        }
        Err(error) => {
            step.entry.failed(Alert::from_error(&error, now_ms));
            (RegisterState::CodeEntry(step), vec![])
        }
    }
}

fn sign_in(mut login: LoginFlow, event: LoginEvent) -> (RegisterState, Vec<RegisterEffect>) {
    let effects = login.handle(event).into_iter().map(Into::into).collect();
    if login.is_terminal() {
        (RegisterState::SignedIn, effects)
    } else {
        (RegisterState::SignIn(login), effects)
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

    fn filled_form() -> DetailsForm {
        DetailsForm {
            username: "Joe@Example.com".into(),
            password: PASSWORD.into(),
            password_confirmation: PASSWORD.into(),
            show_password: false,
            name: "Joe Doe".into(),
            email: "joe@example.com".into(),
            country: canada(),
            phone: "416 555 1234".into(),
        }
    }

    fn phone() -> PhoneNumber {
        PhoneNumber::parse("+14165551234").unwrap()
    }

    fn submit(flow: &mut RegisterFlow, form: DetailsForm) -> Vec<RegisterEffect> {
        flow.handle(RegisterEvent::SubmitDetails { form, now_ms: 0 })
    }

    fn at_details(method: AuthMethod) -> RegisterFlow {
        let mut flow = RegisterFlow::new(canada());
        assert_eq!(flow.handle(RegisterEvent::ChooseMethod(method)), vec![]);
        assert_eq!(flow.state_name(), "details");
        flow
    }

    /// An SMS registration whose code was sent at t=0.
    fn at_code_entry() -> RegisterFlow {
        let mut flow = at_details(AuthMethod::TfaSms);
        submit(&mut flow, filled_form());
        flow.handle(RegisterEvent::CodeSent {
            result: Ok(()),
            now_ms: 0,
        });
        assert_eq!(flow.state_name(), "code_entry");
        flow
    }

    fn at_creating_customer() -> RegisterFlow {
        let mut flow = at_code_entry();
        flow.handle(RegisterEvent::CodeEntered {
            code: "482913".into(),
            now_ms: 1_000,
        });
        assert_eq!(flow.state_name(), "creating_customer");
        flow
    }

    fn created(flow: &mut RegisterFlow, result: Result<(), ApiError>) -> Vec<RegisterEffect> {
        flow.handle(RegisterEvent::CustomerCreated {
            result,
            now_ms: 2_000,
        })
    }

    fn at_signing_in() -> RegisterFlow {
        let mut flow = at_creating_customer();
        created(&mut flow, Ok(()));
        assert_eq!(flow.state_name(), "signing_in");
        flow
    }

    fn token_result(flow: &mut RegisterFlow, result: Result<(), ApiError>) -> Vec<RegisterEffect> {
        flow.handle(RegisterEvent::TokenResult {
            result,
            now_ms: 3_000,
        })
    }

    fn details(flow: &RegisterFlow) -> &DetailsStep {
        match flow.state() {
            RegisterState::Details(step) => step,
            other => panic!("not at the details: {other:?}"),
        }
    }

    fn code_step(flow: &RegisterFlow) -> &RegisterCodeStep {
        match flow.state() {
            RegisterState::CodeEntry(step) => step,
            other => panic!("not at the code step: {other:?}"),
        }
    }

    fn taken(field: Field) -> FieldError {
        client_error(field, "taken", "has already been taken.")
    }

    #[test]
    fn an_sms_registration_ends_signed_in_with_the_verification_code_as_the_otp() {
        let mut flow = at_details(AuthMethod::TfaSms);
        assert_eq!(
            submit(&mut flow, filled_form()),
            vec![RegisterEffect::SendVerificationCode(Destination::Phone(
                phone()
            ))]
        );
        assert_eq!(flow.state_name(), "sending_code");
        flow.handle(RegisterEvent::CodeSent {
            result: Ok(()),
            now_ms: 0,
        });
        let entry = &code_step(&flow).entry;
        assert_eq!(entry.destination.as_deref(), Some("+1 ••• ••• 1234"));
        assert_eq!(entry.resend_in_secs(0), 30);
        assert_eq!(entry.expires_in_secs(0), 30 * 60);
        assert_eq!(
            flow.handle(RegisterEvent::CodeEntered {
                code: "482 913".into(),
                now_ms: 1_000
            }),
            vec![RegisterEffect::CreateCustomer(NewCustomer {
                name: "Joe Doe".into(),
                email: "joe@example.com".into(),
                username: "joe@example.com".into(),
                password: PASSWORD.into(),
                auth_method: AuthMethod::TfaSms,
                phone_number: Some(phone()),
                verification_code: "482913".into(),
            })]
        );
        assert_eq!(
            created(&mut flow, Ok(())),
            vec![RegisterEffect::RequestToken {
                username: "joe@example.com".into(),
                password: PASSWORD.into(),
                otp: Some("482913".into()),
            }]
        );
        assert_eq!(
            token_result(&mut flow, Ok(())),
            vec![RegisterEffect::SignedIn]
        );
        assert_eq!(flow.state_name(), "signed_in");
        assert!(!flow.holds_secret());
    }

    #[test]
    fn an_email_registration_proves_the_email_address() {
        let mut flow = at_details(AuthMethod::TfaEmail);
        let form = DetailsForm {
            phone: String::new(),
            ..filled_form()
        };
        assert_eq!(
            submit(&mut flow, form),
            vec![RegisterEffect::SendVerificationCode(Destination::Email(
                "joe@example.com".into()
            ))]
        );
        flow.handle(RegisterEvent::CodeSent {
            result: Ok(()),
            now_ms: 0,
        });
        assert_eq!(
            code_step(&flow).entry.destination.as_deref(),
            Some("j•••@example.com")
        );
        let effects = flow.handle(RegisterEvent::CodeEntered {
            code: "482913".into(),
            now_ms: 1_000,
        });
        let [RegisterEffect::CreateCustomer(customer)] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        assert_eq!(customer.auth_method, AuthMethod::TfaEmail);
        assert_eq!(customer.phone_number, None);
    }

    #[test]
    fn simple_is_not_offered() {
        let mut flow = RegisterFlow::new(canada());
        assert_eq!(
            flow.handle(RegisterEvent::ChooseMethod(AuthMethod::Simple)),
            vec![]
        );
        assert_eq!(flow.state_name(), "method");
    }

    #[test]
    fn the_details_are_checked_before_any_request() {
        let mut flow = at_details(AuthMethod::TfaSms);
        let form = DetailsForm {
            password: "short".into(),
            password_confirmation: "other".into(),
            email: "joe@".into(),
            phone: "555 12".into(),
            ..DetailsForm::new(canada())
        };
        assert_eq!(submit(&mut flow, form), vec![]);
        let errors = &details(&flow).errors;
        for field in [
            Field::Name,
            Field::Username,
            Field::Password,
            Field::PasswordConfirmation,
            Field::Email,
        ] {
            assert!(error_for(errors, &field).is_some(), "{field:?}");
        }
        assert_eq!(
            error_for(errors, &Field::PhoneNumber).unwrap().title,
            crate::PhoneError::TooShort.to_string()
        );
        assert_eq!(details(&flow).form.password, "short");
    }

    #[test]
    fn a_shown_password_needs_no_confirmation() {
        let mut flow = at_details(AuthMethod::TfaSms);
        let form = DetailsForm {
            show_password: true,
            password_confirmation: String::new(),
            ..filled_form()
        };
        assert_eq!(submit(&mut flow, form).len(), 1);
    }

    #[test]
    fn going_back_to_the_method_keeps_the_details_typed() {
        let mut flow = at_details(AuthMethod::TfaSms);
        submit(
            &mut flow,
            DetailsForm {
                email: String::new(),
                ..filled_form()
            },
        );
        flow.handle(RegisterEvent::Back);
        assert_eq!(flow.state_name(), "method");
        flow.handle(RegisterEvent::ChooseMethod(AuthMethod::TfaEmail));
        let step = details(&flow);
        assert_eq!(step.method, AuthMethod::TfaEmail);
        assert_eq!(step.form.name, "Joe Doe");
    }

    #[test]
    fn a_number_the_server_refuses_returns_to_the_details_with_its_message() {
        let mut flow = at_details(AuthMethod::TfaSms);
        submit(&mut flow, filled_form());
        let error = client_error(Field::PhoneNumber, "invalid", "is invalid.");
        flow.handle(RegisterEvent::CodeSent {
            result: Err(ApiError::Validation(vec![error.clone()])),
            now_ms: 0,
        });
        assert_eq!(details(&flow).errors, vec![error]);
        assert_eq!(details(&flow).form, filled_form());
    }

    #[test]
    fn a_failed_code_request_stays_on_the_details_for_a_retry() {
        let mut flow = at_details(AuthMethod::TfaSms);
        submit(&mut flow, filled_form());
        flow.handle(RegisterEvent::CodeSent {
            result: Err(ApiError::Network),
            now_ms: 0,
        });
        assert_eq!(details(&flow).alert, Some(Alert::Connection));
        assert_eq!(details(&flow).form, filled_form());
        assert_eq!(submit(&mut flow, filled_form()).len(), 1);
    }

    #[test]
    fn a_rate_limited_code_request_counts_down_before_the_next_try() {
        let mut flow = at_details(AuthMethod::TfaSms);
        submit(&mut flow, filled_form());
        flow.handle(RegisterEvent::CodeSent {
            result: Err(ApiError::RateLimited {
                retry_after_secs: 20,
            }),
            now_ms: 0,
        });
        assert_eq!(submit(&mut flow, filled_form()), vec![]);
        flow.handle(RegisterEvent::Tick { now_ms: 20_000 });
        assert_eq!(details(&flow).alert, None);
        assert_eq!(
            flow.handle(RegisterEvent::SubmitDetails {
                form: filled_form(),
                now_ms: 20_000
            })
            .len(),
            1
        );
    }

    #[test]
    fn resend_waits_for_its_countdown() {
        let mut flow = at_code_entry();
        assert_eq!(
            flow.handle(RegisterEvent::Resend { now_ms: 10_000 }),
            vec![]
        );
        assert_eq!(
            flow.handle(RegisterEvent::Resend { now_ms: 30_000 }),
            vec![RegisterEffect::SendVerificationCode(Destination::Phone(
                phone()
            ))]
        );
        assert_eq!(flow.state_name(), "resending");
        flow.handle(RegisterEvent::CodeSent {
            result: Ok(()),
            now_ms: 31_000,
        });
        assert_eq!(code_step(&flow).entry.notice, CodeNotice::Resent);
        assert_eq!(code_step(&flow).entry.resend_in_secs(31_000), 30);
    }

    #[test]
    fn a_failed_resend_stays_on_the_code_step_with_the_reason() {
        let mut flow = at_code_entry();
        flow.handle(RegisterEvent::Resend { now_ms: 30_000 });
        flow.handle(RegisterEvent::CodeSent {
            result: Err(ApiError::RateLimited {
                retry_after_secs: 60,
            }),
            now_ms: 30_000,
        });
        assert_eq!(code_step(&flow).entry.resend_in_secs(30_000), 60);
    }

    #[test]
    fn a_resend_refused_for_the_number_returns_to_the_details() {
        let mut flow = at_code_entry();
        flow.handle(RegisterEvent::Resend { now_ms: 30_000 });
        let error = client_error(Field::PhoneNumber, "invalid", "is invalid.");
        flow.handle(RegisterEvent::CodeSent {
            result: Err(ApiError::Validation(vec![error.clone()])),
            now_ms: 30_000,
        });
        assert_eq!(details(&flow).errors, vec![error]);
    }

    #[test]
    fn the_destination_can_be_changed_from_the_code_step() {
        let mut flow = at_code_entry();
        flow.handle(RegisterEvent::Back);
        assert_eq!(details(&flow).form, filled_form());
    }

    #[test]
    fn the_code_step_shows_an_expired_code() {
        let mut flow = at_code_entry();
        flow.handle(RegisterEvent::Tick {
            now_ms: 30 * 60 * 1000,
        });
        assert_eq!(code_step(&flow).entry.notice, CodeNotice::Expired);
    }

    #[test]
    fn a_malformed_code_is_not_sent() {
        let mut flow = at_code_entry();
        let effects = flow.handle(RegisterEvent::CodeEntered {
            code: "48291".into(),
            now_ms: 1_000,
        });
        assert_eq!(effects, vec![]);
        assert!(code_step(&flow).entry.code_error.is_some());
    }

    #[test]
    fn a_wrong_verification_code_stays_on_the_code_step() {
        let mut flow = at_creating_customer();
        let error = client_error(Field::PhoneVerificationCode, "invalid", "is invalid.");
        created(&mut flow, Err(ApiError::Validation(vec![error])));
        let step = code_step(&flow);
        assert_eq!(step.entry.notice, CodeNotice::Wrong);
        assert_eq!(step.entry.code, "482913");
    }

    #[test]
    fn a_taken_username_returns_to_the_details_with_everything_typed() {
        let mut flow = at_creating_customer();
        created(
            &mut flow,
            Err(ApiError::Validation(vec![taken(Field::Username)])),
        );
        let step = details(&flow);
        assert_eq!(step.errors, vec![taken(Field::Username)]);
        assert_eq!(step.form, filled_form());
    }

    #[test]
    fn a_refused_method_returns_to_the_method_step() {
        let mut flow = at_creating_customer();
        let error = client_error(
            Field::AuthMethod,
            "inclusion",
            "is not included in the list.",
        );
        created(&mut flow, Err(ApiError::Validation(vec![error.clone()])));
        let RegisterState::Method(step) = flow.state() else {
            panic!("{:?}", flow.state());
        };
        assert_eq!(step.errors, vec![error]);
        assert_eq!(step.chosen, Some(AuthMethod::TfaSms));
        assert_eq!(step.form, filled_form());
    }

    #[test]
    fn a_failed_customer_request_keeps_the_code_for_a_retry() {
        let mut flow = at_creating_customer();
        created(&mut flow, Err(ApiError::Timeout));
        let step = code_step(&flow);
        assert_eq!(step.entry.alert, Some(Alert::Connection));
        assert_eq!(step.entry.code, "482913");
    }

    #[test]
    fn when_the_verification_code_is_not_taken_as_otp_the_login_code_step_takes_over() {
        let mut flow = at_signing_in();
        token_result(
            &mut flow,
            Err(ApiError::OtpRequired(OtpChallenge::default())),
        );
        assert_eq!(flow.state_name(), "login_code_entry");
        let effects = flow.handle(RegisterEvent::Login(LoginEvent::CodeEntered {
            code: "777777".into(),
            now_ms: 4_000,
        }));
        assert_eq!(
            effects,
            vec![RegisterEffect::RequestToken {
                username: "joe@example.com".into(),
                password: PASSWORD.into(),
                otp: Some("777777".into()),
            }]
        );
        assert_eq!(flow.state_name(), "login_submitting_code");
        assert_eq!(
            token_result(&mut flow, Ok(())),
            vec![RegisterEffect::SignedIn]
        );
        assert_eq!(flow.state_name(), "signed_in");
        assert!(!flow.holds_secret());
    }

    #[test]
    fn when_the_sign_in_is_refused_the_sign_in_screen_shows_why() {
        let mut flow = at_signing_in();
        token_result(&mut flow, Err(ApiError::InvalidCredentials));
        assert_eq!(flow.state_name(), "login_credentials");
        let RegisterState::SignIn(login) = flow.state() else {
            panic!("{:?}", flow.state());
        };
        let crate::LoginState::Credentials(step) = login.state() else {
            panic!("{:?}", login.state());
        };
        assert_eq!(step.username, "joe@example.com");
        assert_eq!(step.alert, Some(Alert::InvalidCredentials));
        assert!(!flow.holds_secret());
    }

    #[test]
    fn after_a_network_error_on_the_sign_in_one_click_retries() {
        let mut flow = at_signing_in();
        token_result(&mut flow, Err(ApiError::Network));
        assert_eq!(flow.state_name(), "login_credentials");
        let effects = flow.handle(RegisterEvent::Login(LoginEvent::Submit {
            username: "joe@example.com".into(),
            password: PASSWORD.into(),
            now_ms: 5_000,
        }));
        assert_eq!(effects.len(), 1);
        assert_eq!(flow.state_name(), "login_submitting_credentials");
        flow.handle(RegisterEvent::Tick { now_ms: 6_000 });
        assert_eq!(flow.state_name(), "login_submitting_credentials");
    }

    #[test]
    fn the_screen_finds_the_alert_errors_and_code_step_whatever_the_state() {
        let mut flow = at_creating_customer();
        assert_eq!(flow.code_entry().map(|e| e.code.as_str()), Some("482913"));
        created(&mut flow, Err(ApiError::Network));
        assert_eq!(flow.alert(), Some(&Alert::Connection));
        flow.handle(RegisterEvent::CodeEntered {
            code: "482913".into(),
            now_ms: 3_000,
        });
        created(
            &mut flow,
            Err(ApiError::Validation(vec![taken(Field::Email)])),
        );
        assert_eq!(flow.field_errors(), &[taken(Field::Email)]);
        assert_eq!(flow.alert(), None);
        let mut flow = at_signing_in();
        token_result(
            &mut flow,
            Err(ApiError::OtpRequired(OtpChallenge::default())),
        );
        assert_eq!(flow.code_entry().map(|e| e.notice), Some(CodeNotice::Sent));
    }

    #[test]
    fn requests_in_flight_ignore_the_user() {
        let mut flow = at_details(AuthMethod::TfaSms);
        submit(&mut flow, filled_form());
        assert_eq!(submit(&mut flow, filled_form()), vec![]);
        assert_eq!(flow.handle(RegisterEvent::Back), vec![]);
        let mut flow = at_creating_customer();
        let again = RegisterEvent::CodeEntered {
            code: "482913".into(),
            now_ms: 1_000,
        };
        assert_eq!(flow.handle(again), vec![]);
        assert_eq!(flow.state_name(), "creating_customer");
    }

    #[test]
    fn nothing_happens_after_signing_in() {
        let mut flow = at_signing_in();
        token_result(&mut flow, Ok(()));
        assert_eq!(
            flow.handle(RegisterEvent::Resend { now_ms: 99_000 }),
            vec![]
        );
        assert_eq!(flow.handle(RegisterEvent::Back), vec![]);
        assert_eq!(flow.state_name(), "signed_in");
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let mut flow = at_details(AuthMethod::TfaSms);
        let effects = submit(&mut flow, filled_form());
        assert!(!format!("{flow:?}{effects:?}").contains(PASSWORD));
        let mut flow = at_creating_customer();
        let effects = created(&mut flow, Ok(()));
        assert!(!format!("{flow:?}{effects:?}").contains(PASSWORD));
    }
}

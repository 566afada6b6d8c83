//! Properties of the three flows under random event sequences, with random API answers.
//!
//! A harness stands in for the driver: it pairs every request effect with the one answer the
//! driver would feed back, so "a request in flight" is known outside the machine, and it checks
//! after every event:
//! - never a request while another is in flight (and no effect at all from user input then);
//! - an answer nobody asked for changes nothing;
//! - nothing comes out of a terminal state, and no terminal state holds the password;
//! - the password never shows in a `Debug` of the machine, its events or its effects.
//!
//! A breadth-first walk over a finite alphabet of the same events checks that every state name
//! the UI may wait on is reachable from the start.

use std::collections::{HashSet, VecDeque};
use std::fmt::Debug;

use proptest::prelude::*;
use tfa_flow::enroll::ENROLL_STATE_NAMES;
use tfa_flow::login::LOGIN_STATE_NAMES;
use tfa_flow::register::REGISTER_STATE_NAMES;
use tfa_flow::*;

const PASSWORD: &str = "pw-Secret-7731";
/// The clock of the breadth-first walk: answers come at 0, users act at 0 or much later, when
/// every countdown has run out.
const TIMES: [u64; 2] = [0, 1_000_000];

/// A result the fake API can give, for any request.
#[derive(Clone, Debug)]
enum Outcome {
    Ok(AuthMethod),
    Otp(OtpChallenge),
    InvalidCredentials,
    Invalid(Field),
    RateLimited(u32),
    Unauthorized,
    Network,
    Server,
}

impl Outcome {
    fn all() -> Vec<Outcome> {
        let challenge = |status, attempts_left| OtpChallenge {
            status: Some(status),
            method: Some(AuthMethod::TfaSms),
            destination: Some("+1 ••• ••• 1234".into()),
            expires_in_secs: Some(300),
            resend_after_secs: Some(30),
            attempts_left: Some(attempts_left),
        };
        vec![
            Outcome::Ok(AuthMethod::Simple),
            Outcome::Ok(AuthMethod::TfaSms),
            Outcome::Otp(OtpChallenge::default()),
            Outcome::Otp(challenge(OtpStatus::Sent, 5)),
            Outcome::Otp(challenge(OtpStatus::Invalid, 2)),
            Outcome::Otp(challenge(OtpStatus::Expired, 2)),
            Outcome::Otp(challenge(OtpStatus::Locked, 0)),
            Outcome::InvalidCredentials,
            Outcome::Invalid(Field::Username),
            Outcome::Invalid(Field::PhoneNumber),
            Outcome::Invalid(Field::PhoneVerificationCode),
            Outcome::Invalid(Field::AuthMethod),
            Outcome::Invalid(Field::CurrentPassword),
            Outcome::RateLimited(30),
            Outcome::Unauthorized,
            Outcome::Network,
            Outcome::Server,
        ]
    }

    fn error(&self) -> Option<ApiError> {
        Some(match self {
            Outcome::Ok(_) => return None,
            Outcome::Otp(challenge) => ApiError::OtpRequired(challenge.clone()),
            Outcome::InvalidCredentials => ApiError::InvalidCredentials,
            Outcome::Invalid(field) => ApiError::Validation(vec![FieldError {
                field: field.clone(),
                code: "invalid".into(),
                title: "is invalid.".into(),
                count: None,
            }]),
            Outcome::RateLimited(secs) => ApiError::RateLimited {
                retry_after_secs: *secs,
            },
            Outcome::Unauthorized => ApiError::Unauthorized,
            Outcome::Network => ApiError::Network,
            Outcome::Server => ApiError::Server { status: 503 },
        })
    }

    fn unit(&self) -> Result<(), ApiError> {
        self.error().map_or(Ok(()), Err)
    }

    fn user(&self) -> Result<UserSummary, ApiError> {
        match self {
            Outcome::Ok(method) => Ok(UserSummary {
                username: "joe@example.com".into(),
                name: "Joe Doe".into(),
                email: Some("joe@example.com".into()),
                phone_number: Some("+14165551234".into()),
                auth_method: *method,
            }),
            other => Err(other.error().expect("only Ok is a success")),
        }
    }
}

/// What the harness needs to know of a flow.
trait Machine: Clone + Debug {
    type Event: Clone + Debug;
    type Effect: Debug;
    /// Which answer a request effect waits for.
    type Request: Copy + Debug + PartialEq;
    /// A user action, turned into an event at a given time.
    type Input: Clone + Debug;

    fn start() -> Self;
    fn handle(&mut self, event: Self::Event) -> Vec<Self::Effect>;
    fn name(&self) -> &'static str;
    fn is_terminal(&self) -> bool;
    fn holds_secret(&self) -> bool;
    fn all_names() -> &'static [&'static str];

    fn request(effect: &Self::Effect) -> Option<Self::Request>;
    fn requests() -> Vec<Self::Request>;
    fn answer(request: Self::Request, outcome: &Outcome, now_ms: u64) -> Self::Event;
    fn inputs() -> Vec<Self::Input>;
    fn input(input: &Self::Input, now_ms: u64) -> Self::Event;
    fn tick(now_ms: u64) -> Self::Event;
}

#[derive(Clone, Debug)]
enum Step<I, R> {
    /// One of the user actions that the current state takes (changes it or makes an effect),
    /// so that random sequences get deep into the flows instead of knocking on closed doors.
    Guided(proptest::sample::Index),
    /// Any user action, taken or not.
    User(I),
    Answer(Outcome),
    /// An answer to a request that was never made.
    Stray(R, Outcome),
    Wait(u64),
}

/// The driver's view: the machine and the request it waits on.
struct Harness<M: Machine> {
    flow: M,
    in_flight: Option<M::Request>,
    now_ms: u64,
}

impl<M: Machine> Harness<M> {
    fn new() -> Self {
        Harness {
            flow: M::start(),
            in_flight: None,
            now_ms: 0,
        }
    }

    /// Feeds one event and checks every property that holds after any event.
    fn feed(&mut self, event: M::Event, from_user: bool) {
        let was_terminal = self.flow.is_terminal();
        let before = format!("{:?}", self.flow);
        assert!(!format!("{event:?}").contains(PASSWORD), "{event:?}");
        let effects = self.flow.handle(event);
        let after = format!("{:?}", self.flow);
        assert!(!after.contains(PASSWORD), "{after}");
        assert!(!format!("{effects:?}").contains(PASSWORD), "{effects:?}");
        if was_terminal {
            assert!(
                effects.is_empty(),
                "effects from a terminal state: {effects:?}"
            );
            assert!(
                self.flow.is_terminal(),
                "left a terminal state: {before} → {after}"
            );
        }
        if from_user && self.in_flight.is_some() {
            assert!(
                effects.is_empty(),
                "effects while a request is in flight: {effects:?}"
            );
        }
        for effect in &effects {
            if let Some(request) = M::request(effect) {
                assert_eq!(
                    self.in_flight, None,
                    "{request:?} while another request is in flight, in {before}"
                );
                self.in_flight = Some(request);
            }
        }
        if self.flow.is_terminal() {
            assert!(
                !self.flow.holds_secret(),
                "a terminal state holds the password: {after}"
            );
        }
    }

    fn step(&mut self, step: &Step<M::Input, M::Request>) {
        match step {
            Step::Guided(index) => {
                let taken: Vec<_> = M::inputs()
                    .into_iter()
                    .map(|input| M::input(&input, self.now_ms))
                    .filter(|event| {
                        let mut probe = self.flow.clone();
                        let effects = probe.handle(event.clone());
                        !effects.is_empty() || format!("{probe:?}") != format!("{:?}", self.flow)
                    })
                    .collect();
                if !taken.is_empty() {
                    self.feed(index.get(&taken).clone(), true);
                }
            }
            Step::User(input) => self.feed(M::input(input, self.now_ms), true),
            Step::Answer(outcome) => {
                if let Some(request) = self.in_flight.take() {
                    self.feed(M::answer(request, outcome, self.now_ms), false);
                }
            }
            Step::Stray(request, outcome) => {
                if self.in_flight.is_none() {
                    let before = self.flow.clone();
                    let effects = self.flow.handle(M::answer(*request, outcome, self.now_ms));
                    assert!(effects.is_empty(), "a stray answer made {effects:?}");
                    assert_eq!(format!("{before:?}"), format!("{:?}", self.flow));
                }
            }
            Step::Wait(ms) => {
                self.now_ms += ms;
                self.feed(M::tick(self.now_ms), false);
            }
        }
    }
}

fn steps<M: Machine + 'static>() -> impl Strategy<Value = Vec<Step<M::Input, M::Request>>> {
    // Successes are most of what a real server answers; without the weight, few sequences
    // would get past the first request.
    let outcome = prop_oneof![
        2 => proptest::sample::select(vec![AuthMethod::Simple, AuthMethod::TfaSms]).prop_map(Outcome::Ok),
        3 => proptest::sample::select(Outcome::all()),
    ];
    let step = prop_oneof![
        4 => any::<proptest::sample::Index>().prop_map(Step::Guided),
        1 => proptest::sample::select(M::inputs()).prop_map(Step::User),
        4 => outcome.prop_map(Step::Answer),
        1 => (
            proptest::sample::select(M::requests()),
            proptest::sample::select(Outcome::all())
        )
            .prop_map(|(request, outcome)| Step::Stray(request, outcome)),
        1 => (0u64..400_000).prop_map(Step::Wait),
    ];
    proptest::collection::vec(step, 1..60)
}

fn run<M: Machine>(steps: &[Step<M::Input, M::Request>]) {
    let mut harness = Harness::<M>::new();
    for step in steps {
        harness.step(step);
    }
}

/// Every state name reached by some sequence of the alphabet, breadth first.
fn reachable_names<M: Machine>() -> HashSet<&'static str> {
    let start = Harness::<M>::new();
    let mut seen = HashSet::new();
    let mut names = HashSet::from([start.flow.name()]);
    let mut queue = VecDeque::from([(start.flow, start.in_flight)]);
    while let Some((flow, in_flight)) = queue.pop_front() {
        let mut next = Vec::new();
        match in_flight {
            Some(request) => {
                for outcome in Outcome::all() {
                    next.push(M::answer(request, &outcome, 0));
                }
            }
            None => {
                for now_ms in TIMES {
                    next.extend(M::inputs().iter().map(|input| M::input(input, now_ms)));
                    next.push(M::tick(now_ms));
                }
            }
        }
        for event in next {
            let mut flow = flow.clone();
            let request = flow.handle(event).iter().find_map(M::request);
            names.insert(flow.name());
            let key = format!("{flow:?}{request:?}");
            if seen.insert(key) {
                queue.push_back((flow, request));
            }
        }
        assert!(seen.len() < 500_000, "the walk does not end");
    }
    names
}

fn assert_all_reachable<M: Machine>() {
    let reached = reachable_names::<M>();
    let missing: Vec<_> = M::all_names()
        .iter()
        .filter(|name| !reached.contains(*name))
        .collect();
    assert!(missing.is_empty(), "never reached: {missing:?}");
}

// ---- login ----

#[derive(Clone, Debug)]
enum LoginInput {
    Submit(&'static str, &'static str),
    Code(&'static str),
    Resend,
    Back,
}

impl Machine for LoginFlow {
    type Event = LoginEvent;
    type Effect = LoginEffect;
    type Request = ();
    type Input = LoginInput;

    fn start() -> Self {
        LoginFlow::new()
    }
    fn handle(&mut self, event: LoginEvent) -> Vec<LoginEffect> {
        LoginFlow::handle(self, event)
    }
    fn name(&self) -> &'static str {
        self.state_name()
    }
    fn is_terminal(&self) -> bool {
        LoginFlow::is_terminal(self)
    }
    fn holds_secret(&self) -> bool {
        LoginFlow::holds_secret(self)
    }
    fn all_names() -> &'static [&'static str] {
        &LOGIN_STATE_NAMES
    }
    fn request(effect: &LoginEffect) -> Option<()> {
        matches!(effect, LoginEffect::RequestToken { .. }).then_some(())
    }
    fn requests() -> Vec<()> {
        vec![()]
    }
    fn answer(_: (), outcome: &Outcome, now_ms: u64) -> LoginEvent {
        LoginEvent::TokenResult {
            result: outcome.unit(),
            now_ms,
        }
    }
    fn inputs() -> Vec<LoginInput> {
        vec![
            LoginInput::Submit(" Joe@Example.com", PASSWORD),
            LoginInput::Submit("", ""),
            LoginInput::Code("123 456"),
            LoginInput::Code("12345"),
            LoginInput::Resend,
            LoginInput::Back,
        ]
    }
    fn input(input: &LoginInput, now_ms: u64) -> LoginEvent {
        match input {
            LoginInput::Submit(username, password) => LoginEvent::Submit {
                username: (*username).into(),
                password: (*password).into(),
                now_ms,
            },
            LoginInput::Code(code) => LoginEvent::CodeEntered {
                code: (*code).into(),
                now_ms,
            },
            LoginInput::Resend => LoginEvent::Resend { now_ms },
            LoginInput::Back => LoginEvent::Back,
        }
    }
    fn tick(now_ms: u64) -> LoginEvent {
        LoginEvent::Tick { now_ms }
    }
}

// ---- registration ----

#[derive(Clone, Copy, Debug, PartialEq)]
enum RegisterRequest {
    Code,
    Customer,
    Token,
}

#[derive(Clone, Debug)]
enum RegisterInput {
    Choose(AuthMethod),
    /// Good for SMS, good for email only, and refused by the client's checks.
    Details(u8),
    Code(&'static str),
    Resend,
    Back,
    Login(LoginInput),
}

fn details(which: u8) -> DetailsForm {
    let good = DetailsForm {
        username: "Joe".into(),
        password: PASSWORD.into(),
        password_confirmation: PASSWORD.into(),
        show_password: false,
        name: "Joe Doe".into(),
        email: "joe@example.com".into(),
        country: Country::by_iso("CA").unwrap(),
        phone: "416 555 1234".into(),
    };
    match which {
        0 => good,
        1 => DetailsForm {
            phone: String::new(),
            ..good
        },
        _ => DetailsForm {
            password_confirmation: "something else".into(),
            ..good
        },
    }
}

impl Machine for RegisterFlow {
    type Event = RegisterEvent;
    type Effect = RegisterEffect;
    type Request = RegisterRequest;
    type Input = RegisterInput;

    fn start() -> Self {
        RegisterFlow::new(Country::by_iso("CA").unwrap())
    }
    fn handle(&mut self, event: RegisterEvent) -> Vec<RegisterEffect> {
        RegisterFlow::handle(self, event)
    }
    fn name(&self) -> &'static str {
        self.state_name()
    }
    fn is_terminal(&self) -> bool {
        RegisterFlow::is_terminal(self)
    }
    fn holds_secret(&self) -> bool {
        RegisterFlow::holds_secret(self)
    }
    fn all_names() -> &'static [&'static str] {
        &REGISTER_STATE_NAMES
    }
    fn request(effect: &RegisterEffect) -> Option<RegisterRequest> {
        match effect {
            RegisterEffect::SendVerificationCode(_) => Some(RegisterRequest::Code),
            RegisterEffect::CreateCustomer(_) => Some(RegisterRequest::Customer),
            RegisterEffect::RequestToken { .. } => Some(RegisterRequest::Token),
            RegisterEffect::SignedIn => None,
        }
    }
    fn requests() -> Vec<RegisterRequest> {
        vec![
            RegisterRequest::Code,
            RegisterRequest::Customer,
            RegisterRequest::Token,
        ]
    }
    fn answer(request: RegisterRequest, outcome: &Outcome, now_ms: u64) -> RegisterEvent {
        let result = outcome.unit();
        match request {
            RegisterRequest::Code => RegisterEvent::CodeSent { result, now_ms },
            RegisterRequest::Customer => RegisterEvent::CustomerCreated { result, now_ms },
            RegisterRequest::Token => RegisterEvent::TokenResult { result, now_ms },
        }
    }
    fn inputs() -> Vec<RegisterInput> {
        let mut inputs: Vec<_> = AuthMethod::ALL
            .into_iter()
            .map(RegisterInput::Choose)
            .collect();
        inputs.extend((0..3).map(RegisterInput::Details));
        inputs.extend([
            RegisterInput::Code("482913"),
            RegisterInput::Code(""),
            RegisterInput::Resend,
            RegisterInput::Back,
        ]);
        inputs.extend(LoginFlow::inputs().into_iter().map(RegisterInput::Login));
        inputs
    }
    fn input(input: &RegisterInput, now_ms: u64) -> RegisterEvent {
        match input {
            RegisterInput::Choose(method) => RegisterEvent::ChooseMethod(*method),
            RegisterInput::Details(which) => RegisterEvent::SubmitDetails {
                form: details(*which),
                now_ms,
            },
            RegisterInput::Code(code) => RegisterEvent::CodeEntered {
                code: (*code).into(),
                now_ms,
            },
            RegisterInput::Resend => RegisterEvent::Resend { now_ms },
            RegisterInput::Back => RegisterEvent::Back,
            RegisterInput::Login(input) => RegisterEvent::Login(LoginFlow::input(input, now_ms)),
        }
    }
    fn tick(now_ms: u64) -> RegisterEvent {
        RegisterEvent::Tick { now_ms }
    }
}

// ---- enrolment ----

#[derive(Clone, Copy, Debug, PartialEq)]
enum EnrollRequest {
    Load,
    Code,
    Update,
}

#[derive(Clone, Debug)]
enum EnrollInput {
    Load,
    SetUp,
    TurnOff,
    Choose(AuthMethod),
    /// As pre-filled, and emptied.
    Destination(bool),
    Code(&'static str),
    Resend,
    Back,
    Password(&'static str),
}

impl Machine for EnrollFlow {
    type Event = EnrollEvent;
    type Effect = EnrollEffect;
    type Request = EnrollRequest;
    type Input = EnrollInput;

    fn start() -> Self {
        EnrollFlow::new(Country::by_iso("CA").unwrap())
    }
    fn handle(&mut self, event: EnrollEvent) -> Vec<EnrollEffect> {
        EnrollFlow::handle(self, event)
    }
    fn name(&self) -> &'static str {
        self.state_name()
    }
    fn is_terminal(&self) -> bool {
        EnrollFlow::is_terminal(self)
    }
    fn holds_secret(&self) -> bool {
        EnrollFlow::holds_secret(self)
    }
    fn all_names() -> &'static [&'static str] {
        &ENROLL_STATE_NAMES
    }
    fn request(effect: &EnrollEffect) -> Option<EnrollRequest> {
        match effect {
            EnrollEffect::LoadUser => Some(EnrollRequest::Load),
            EnrollEffect::SendVerificationCode(_) => Some(EnrollRequest::Code),
            EnrollEffect::UpdateUser(_) => Some(EnrollRequest::Update),
            EnrollEffect::MethodChanged(_) => None,
        }
    }
    fn requests() -> Vec<EnrollRequest> {
        vec![
            EnrollRequest::Load,
            EnrollRequest::Code,
            EnrollRequest::Update,
        ]
    }
    fn answer(request: EnrollRequest, outcome: &Outcome, now_ms: u64) -> EnrollEvent {
        match request {
            EnrollRequest::Load => EnrollEvent::UserLoaded {
                result: outcome.user(),
                now_ms,
            },
            EnrollRequest::Code => EnrollEvent::CodeSent {
                result: outcome.unit(),
                now_ms,
            },
            EnrollRequest::Update => EnrollEvent::UserUpdated {
                result: outcome.user(),
                now_ms,
            },
        }
    }
    fn inputs() -> Vec<EnrollInput> {
        let mut inputs = vec![EnrollInput::Load, EnrollInput::SetUp, EnrollInput::TurnOff];
        inputs.extend(AuthMethod::ALL.into_iter().map(EnrollInput::Choose));
        inputs.extend([
            EnrollInput::Destination(true),
            EnrollInput::Destination(false),
            EnrollInput::Code("482913"),
            EnrollInput::Code("4829"),
            EnrollInput::Resend,
            EnrollInput::Back,
            EnrollInput::Password(PASSWORD),
            EnrollInput::Password(""),
        ]);
        inputs
    }
    fn input(input: &EnrollInput, now_ms: u64) -> EnrollEvent {
        match input {
            EnrollInput::Load => EnrollEvent::Load,
            EnrollInput::SetUp => EnrollEvent::SetUp,
            EnrollInput::TurnOff => EnrollEvent::TurnOff,
            EnrollInput::Choose(method) => EnrollEvent::ChooseMethod(*method),
            EnrollInput::Destination(filled) => {
                let text = |s: &str| if *filled { s.to_owned() } else { String::new() };
                EnrollEvent::SubmitDestination {
                    form: DestinationForm {
                        country: Country::by_iso("CA").unwrap(),
                        phone: text("+14165551234"),
                        email: text("joe@example.com"),
                    },
                    now_ms,
                }
            }
            EnrollInput::Code(code) => EnrollEvent::CodeEntered {
                code: (*code).into(),
                now_ms,
            },
            EnrollInput::Resend => EnrollEvent::Resend { now_ms },
            EnrollInput::Back => EnrollEvent::Back,
            EnrollInput::Password(password) => EnrollEvent::SubmitPassword {
                form: DisableForm {
                    password: (*password).into(),
                },
                now_ms,
            },
        }
    }
    fn tick(now_ms: u64) -> EnrollEvent {
        EnrollEvent::Tick { now_ms }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn login_keeps_its_promises(steps in steps::<LoginFlow>()) {
        run::<LoginFlow>(&steps);
    }

    #[test]
    fn registration_keeps_its_promises(steps in steps::<RegisterFlow>()) {
        run::<RegisterFlow>(&steps);
    }

    #[test]
    fn enrolment_keeps_its_promises(steps in steps::<EnrollFlow>()) {
        run::<EnrollFlow>(&steps);
    }
}

#[test]
fn every_login_state_is_reachable() {
    assert_all_reachable::<LoginFlow>();
}

#[test]
fn every_registration_state_is_reachable() {
    assert_all_reachable::<RegisterFlow>();
}

#[test]
fn every_enrolment_state_is_reachable() {
    assert_all_reachable::<EnrollFlow>();
}

//! The registration screen: choose SMS or email, fill in the details, enter the verification
//! code, and be signed in with it. When that sign-in does not work, the login steps take over.

use leptos::prelude::*;
use tfa_flow::{
    ApiError, AuthMethod, DetailsForm, Field, FieldError, RegisterEffect, RegisterEvent,
    RegisterFlow, RegisterState,
};

use super::app::SignedIn;
use super::boot::Services;
use super::code_step::CodeStepView;
use super::components::{
    ErrorSummary, MethodChoice, PasswordField, PhoneField, StepHeading, SubmitButton, TextField,
};
use super::driver::{Driver, EffectFuture, now_ms};
use super::login::{LoginSteps, clock, request_token, typed_credentials};
use super::messages::{alert_text, field_error, field_error_text, summary_text};

#[component]
pub fn RegisterView(
    #[prop(into)] on_signed_in: Callback<()>,
    #[prop(optional, into)] login_href: Option<String>,
) -> impl IntoView {
    let services = expect_context::<Services>();
    let country = services.phone_country();
    let SignedIn(signed_in) = expect_context::<SignedIn>();
    let driver = Driver::new(RegisterFlow::new(country), move |effect| {
        run_effect(services.clone(), signed_in, on_signed_in, effect)
    });
    let state = driver.state_name();
    let screen = Memo::new(move |_| screen_of(state.get()));
    let now = clock(driver);
    let alert = Memo::new(move |_| {
        let now = now.get();
        driver.with(|m| m.alert().map(|a| alert_text(a, now)))
    });
    let errors = Memo::new(move |_| driver.with(|m| m.field_errors().to_vec()));
    let entry = Signal::derive(move || driver.with(|m| m.code_entry().cloned()));
    let steps = move || {
        let step = match screen.get() {
            Screen::Method => 1,
            Screen::Details => 2,
            _ => 3,
        };
        (1..=3)
            .map(|i| view! { <i class:on=i <= step></i> })
            .collect_view()
    };

    view! {
        <section class="card" data-flow="register" data-state=move || state.get()>
            <Show when=move || !matches!(screen.get(), Screen::Login | Screen::SignedIn)>
                <div class="steps" aria-hidden="true">{steps}</div>
            </Show>
            {move || match screen.get() {
                Screen::Method => view! {
                    <MethodForm
                        chosen=untrack(|| driver.with(|m| match m.state() {
                            RegisterState::Method(step) => step.chosen,
                            _ => None,
                        }))
                        errors
                        on_choose=move |method| driver.dispatch(RegisterEvent::ChooseMethod(method))
                        login_href=login_href.clone()
                    />
                }
                .into_any(),
                Screen::Details => {
                    let (method, form) = untrack(|| driver.with(details_of))
                        .unwrap_or_else(|| (AuthMethod::TfaSms, DetailsForm::new(country)));
                    view! {
                        <DetailsFormView
                            method
                            form
                            busy=Signal::derive(move || state.get() == "sending_code")
                            alert
                            errors
                            on_submit=move |form| {
                                driver.dispatch(RegisterEvent::SubmitDetails { form, now_ms: now_ms() })
                            }
                            on_back=move |()| driver.dispatch(RegisterEvent::Back)
                        />
                    }
                    .into_any()
                }
                Screen::Code => {
                    let back_label = match untrack(|| driver.with(|m| details_of(m).map(|d| d.0))) {
                        Some(AuthMethod::TfaEmail) => "Change email",
                        _ => "Change phone number",
                    };
                    view! {
                        <CodeStepView
                            entry
                            busy=Signal::derive(move || state.get() != "code_entry")
                            now
                            on_code=move |code| {
                                driver.dispatch(RegisterEvent::CodeEntered { code, now_ms: now_ms() })
                            }
                            on_resend=move |()| driver.dispatch(RegisterEvent::Resend { now_ms: now_ms() })
                            on_back=move |()| driver.dispatch(RegisterEvent::Back)
                            back_label
                        />
                    }
                    .into_any()
                }
                Screen::Login => view! {
                    <LoginSteps
                        register_href=None
                        state=Signal::derive(move || {
                            let name = state.get();
                            name.strip_prefix("login_").unwrap_or(name)
                        })
                        username=Signal::derive(move || driver.with(|m| match m.state() {
                            RegisterState::SignIn(login) => typed_credentials(login).0,
                            _ => String::new(),
                        }))
                        password=Signal::derive(move || driver.with(|m| match m.state() {
                            RegisterState::SignIn(login) => typed_credentials(login).1,
                            _ => String::new(),
                        }))
                        alert
                        errors
                        entry
                        now
                        on_event=move |event| driver.dispatch(RegisterEvent::Login(event))
                    />
                }
                .into_any(),
                Screen::SignedIn => view! {
                    <StepHeading text="Your account is ready"/>
                    <p class="lead">"You're signed in."</p>
                }
                .into_any(),
            }}
        </section>
    }
}

/// Which step is on screen; changes only when the step does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Screen {
    Method,
    Details,
    Code,
    Login,
    SignedIn,
}

fn screen_of(state: &str) -> Screen {
    match state {
        "method" => Screen::Method,
        "details" | "sending_code" => Screen::Details,
        "signed_in" => Screen::SignedIn,
        name if name.starts_with("login_") => Screen::Login,
        // code_entry, resending, creating_customer, and signing_in with the code just entered.
        _ => Screen::Code,
    }
}

/// The method and everything typed so far, in the states that keep them.
fn details_of(flow: &RegisterFlow) -> Option<(AuthMethod, DetailsForm)> {
    match flow.state() {
        RegisterState::Method(step) => {
            Some((step.chosen.unwrap_or(AuthMethod::TfaSms), step.form.clone()))
        }
        RegisterState::Details(step) | RegisterState::SendingCode { step, .. } => {
            Some((step.method, step.form.clone()))
        }
        RegisterState::CodeEntry(step)
        | RegisterState::Resending(step)
        | RegisterState::CreatingCustomer { step, .. } => Some((step.method, step.form.clone())),
        _ => None,
    }
}

fn run_effect(
    services: Services,
    signed_in: RwSignal<bool>,
    on_signed_in: Callback<()>,
    effect: RegisterEffect,
) -> EffectFuture<RegisterEvent> {
    Box::pin(async move {
        let api = &services.api;
        let prt = services.config.publishable_refresh_token.as_str();
        match effect {
            RegisterEffect::SendVerificationCode(destination) => {
                let destination = &destination;
                let result = services
                    .session
                    .with_guest(api, prt, |token| async move {
                        api.send_verification_code(&token, destination).await
                    })
                    .await;
                Some(RegisterEvent::CodeSent {
                    result,
                    now_ms: now_ms(),
                })
            }
            RegisterEffect::CreateCustomer(customer) => {
                let customer = &customer;
                let result = services
                    .session
                    .with_guest(api, prt, |token| async move {
                        api.create_customer(&token, customer).await
                    })
                    .await;
                Some(RegisterEvent::CustomerCreated {
                    result,
                    now_ms: now_ms(),
                })
            }
            RegisterEffect::RequestToken {
                username,
                password,
                otp,
            } => {
                let result: Result<(), ApiError> =
                    request_token(&services, &username, &password, otp.as_deref()).await;
                Some(RegisterEvent::TokenResult {
                    result,
                    now_ms: now_ms(),
                })
            }
            RegisterEffect::SignedIn => {
                signed_in.set(true);
                on_signed_in.try_run(());
                None
            }
        }
    })
}

#[component]
fn MethodForm(
    chosen: Option<AuthMethod>,
    errors: Memo<Vec<FieldError>>,
    #[prop(into)] on_choose: Callback<AuthMethod>,
    login_href: Option<String>,
) -> impl IntoView {
    let method = RwSignal::new(chosen.unwrap_or(AuthMethod::TfaSms));
    let summary = Memo::new(move |_| errors.with(|e| field_error(e, &Field::AuthMethod)));
    view! {
        <form
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                on_choose.run(method.get_untracked());
            }
        >
            <StepHeading text="Create your account"/>
            <p class="lead">"How should we confirm it's you when you sign in?"</p>
            <ErrorSummary message=summary/>
            <MethodChoice value=method legend="Two-factor method"/>
            <SubmitButton label="Continue" busy_label="Continue" busy=false/>
            {login_href.map(|href| view! {
                <div class="row">
                    <span class="muted">"Have an account?"</span>
                    <a href=href>"Sign in"</a>
                </div>
            })}
        </form>
    }
}

/// The fields this step shows, for the errors that belong beside them.
const DETAILS_FIELDS: [Field; 5] = [
    Field::Name,
    Field::Email,
    Field::Username,
    Field::Password,
    Field::PhoneNumber,
];

#[component]
fn DetailsFormView(
    method: AuthMethod,
    form: DetailsForm,
    busy: Signal<bool>,
    alert: Memo<Option<String>>,
    errors: Memo<Vec<FieldError>>,
    #[prop(into)] on_submit: Callback<DetailsForm>,
    #[prop(into)] on_back: Callback<()>,
) -> impl IntoView {
    let name = RwSignal::new(form.name);
    let email = RwSignal::new(form.email);
    let username = RwSignal::new(form.username);
    let password = RwSignal::new(form.password);
    let country = RwSignal::new(form.country);
    let phone = RwSignal::new(form.phone);
    let by_sms = method == AuthMethod::TfaSms;
    let summary = Memo::new(move |_| {
        alert.get().or_else(|| {
            errors.with(|errors| {
                let mut text = summary_text(None, errors, 0)?;
                // Errors about something this step does not show are spelled out here.
                for error in errors.iter().filter(|e| !shown(&e.field, by_sms)) {
                    text.push(' ');
                    text.push_str(&field_error_text(error));
                }
                Some(text)
            })
        })
    });
    let error_of = move |field: Field| Memo::new(move |_| errors.with(|e| field_error(e, &field)));
    view! {
        <form
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                on_submit.run(DetailsForm {
                    username: username.get_untracked(),
                    // One password box with a "Show password" toggle stands in for a second
                    // box to retype it in, so there is no confirmation to check.
                    password_confirmation: String::new(),
                    show_password: true,
                    password: password.get_untracked(),
                    name: name.get_untracked(),
                    email: email.get_untracked(),
                    country: country.get_untracked(),
                    phone: if by_sms { phone.get_untracked() } else { String::new() },
                });
            }
        >
            <StepHeading text="Your details"/>
            <ErrorSummary message=summary/>
            <TextField
                id="register-name"
                label="Full name"
                value=name
                autocomplete="name"
                error=error_of(Field::Name)
            />
            <TextField
                id="register-email"
                label="Email"
                value=email
                input_type="email"
                autocomplete="email"
                error=error_of(Field::Email)
            />
            <TextField
                id="register-username"
                label="Username"
                value=username
                autocomplete="username"
                hint="You'll sign in with this."
                error=error_of(Field::Username)
            />
            <PasswordField
                id="register-password"
                label="Password"
                value=password
                autocomplete="new-password"
                hint="At least 8 characters."
                error=error_of(Field::Password)
            />
            {by_sms.then(|| view! {
                <PhoneField
                    id="register-phone"
                    label="Mobile phone"
                    country
                    national=phone
                    error=error_of(Field::PhoneNumber)
                />
            })}
            <div class="actions">
                <SubmitButton label="Send code" busy_label="Sending code…" busy=busy/>
                <button
                    type="button"
                    class="secondary"
                    disabled=move || busy.get()
                    on:click=move |_| on_back.run(())
                >
                    "Back"
                </button>
            </div>
        </form>
    }
}

fn shown(field: &Field, by_sms: bool) -> bool {
    DETAILS_FIELDS.contains(field) && (by_sms || *field != Field::PhoneNumber)
}

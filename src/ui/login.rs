//! The login screen: username and password, then, for a TFA user, the code step. The steps take
//! their data and callbacks as props, so registration shows the same screens when its own
//! sign-in falls back to a normal login.

use leptos::prelude::*;
use tfa_flow::{
    ApiError, CodeEntry, Field, FieldError, LoginEffect, LoginEvent, LoginFlow, LoginState,
};

use super::app::SignedIn;
use super::boot::Services;
use super::code_step::CodeStepView;
use super::components::{ErrorSummary, PasswordField, StepHeading, SubmitButton, TextField};
use super::driver::{Driver, EffectFuture, Machine, now_ms};
use super::messages::{alert_text, field_error, summary_text};

#[component]
pub fn LoginView(
    #[prop(into)] on_signed_in: Callback<()>,
    #[prop(optional, into)] register_href: Option<String>,
) -> impl IntoView {
    let services = expect_context::<Services>();
    let SignedIn(signed_in) = expect_context::<SignedIn>();
    let driver = Driver::new(LoginFlow::new(), move |effect| {
        run_effect(services.clone(), signed_in, on_signed_in, effect)
    });
    let state = driver.state_name();
    let now = clock(driver);
    view! {
        <section class="card" data-flow="login" data-state=move || state.get()>
            <LoginSteps
                state=state
                username=Signal::derive(move || driver.with(|m| typed_credentials(m).0))
                password=Signal::derive(move || driver.with(|m| typed_credentials(m).1))
                alert=Signal::derive(move || {
                    let now = now.get();
                    driver.with(|m| m.alert().map(|a| alert_text(a, now)))
                })
                errors=Signal::derive(move || driver.with(|m| m.field_errors().to_vec()))
                entry=Signal::derive(move || driver.with(|m| m.code_entry().cloned()))
                now
                on_event=move |event| driver.dispatch(event)
                register_href
            />
        </section>
    }
}

/// The time for countdowns: updated by the driver's ticks, but read from the clock itself, so
/// that a deadline set by an answer that arrived between two ticks is never shown a second long.
pub(super) fn clock<M: Machine>(driver: Driver<M>) -> Signal<u64> {
    Signal::derive(move || driver.now().max(now_ms()))
}

/// What the credentials step holds: kept across a failed request, and the username after "Use a
/// different account".
pub(super) fn typed_credentials(flow: &LoginFlow) -> (String, String) {
    match flow.state() {
        LoginState::Credentials(step) | LoginState::SubmittingCredentials(step) => {
            (step.username.clone(), step.password.clone())
        }
        _ => Default::default(),
    }
}

/// The password grant; a success is kept in the session before the flow hears of it.
pub(super) async fn request_token(
    services: &Services,
    username: &str,
    password: &str,
    otp: Option<&str>,
) -> Result<(), ApiError> {
    let token = services
        .api
        .password_token(username, password, &services.config.account_id, otp)
        .await?;
    services.session.sign_in(token);
    Ok(())
}

fn run_effect(
    services: Services,
    signed_in: RwSignal<bool>,
    on_signed_in: Callback<()>,
    effect: LoginEffect,
) -> EffectFuture<LoginEvent> {
    Box::pin(async move {
        match effect {
            LoginEffect::RequestToken {
                username,
                password,
                otp,
            } => {
                let result = request_token(&services, &username, &password, otp.as_deref()).await;
                Some(LoginEvent::TokenResult {
                    result,
                    now_ms: now_ms(),
                })
            }
            LoginEffect::SignedIn => {
                signed_in.set(true);
                on_signed_in.try_run(());
                None
            }
        }
    })
}

/// Which step is on screen; changes only when the step does, so ticks and requests in flight
/// never rebuild a form.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Screen {
    Credentials,
    Code,
    SignedIn,
}

fn screen_of(state: &str) -> Screen {
    match state {
        "credentials" | "submitting_credentials" => Screen::Credentials,
        "signed_in" => Screen::SignedIn,
        _ => Screen::Code,
    }
}

/// The login steps for a login machine, wherever it lives. `state` is the login's own state name
/// (without registration's `login_` prefix); `username` and `password` are read once, when the
/// credentials step appears; events go to `on_event`.
#[component]
pub fn LoginSteps(
    #[prop(into)] state: Signal<&'static str>,
    #[prop(into)] username: Signal<String>,
    #[prop(into)] password: Signal<String>,
    #[prop(into)] alert: Signal<Option<String>>,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
    #[prop(into)] entry: Signal<Option<CodeEntry>>,
    #[prop(into)] now: Signal<u64>,
    #[prop(into)] on_event: Callback<LoginEvent>,
    register_href: Option<String>,
) -> impl IntoView {
    let screen = Memo::new(move |_| screen_of(state.get()));
    let alert = Memo::new(move |_| alert.get());
    let errors = Memo::new(move |_| errors.get());
    move || match screen.get() {
        Screen::Credentials => view! {
            <CredentialsForm
                username=username.get_untracked()
                password=password.get_untracked()
                busy=Signal::derive(move || state.get() == "submitting_credentials")
                alert
                errors
                on_event
                register_href=register_href.clone()
            />
        }
        .into_any(),
        Screen::Code => view! {
            <CodeStepView
                entry
                busy=Signal::derive(move || matches!(state.get(), "submitting_code" | "resending"))
                now
                on_code=move |code| on_event.run(LoginEvent::CodeEntered { code, now_ms: now_ms() })
                on_resend=move |()| on_event.run(LoginEvent::Resend { now_ms: now_ms() })
                on_back=move |()| on_event.run(LoginEvent::Back)
                back_label="Use a different account"
            />
        }
        .into_any(),
        Screen::SignedIn => view! {
            <StepHeading text="You're signed in"/>
            <p class="lead">"Taking you on…"</p>
        }
        .into_any(),
    }
}

#[component]
fn CredentialsForm(
    username: String,
    password: String,
    busy: Signal<bool>,
    alert: Memo<Option<String>>,
    errors: Memo<Vec<FieldError>>,
    on_event: Callback<LoginEvent>,
    register_href: Option<String>,
) -> impl IntoView {
    let username = RwSignal::new(username);
    let password = RwSignal::new(password);
    let summary = Memo::new(move |_| {
        alert
            .get()
            .or_else(|| errors.with(|e| summary_text(None, e, 0)))
    });
    let username_error = Memo::new(move |_| errors.with(|e| field_error(e, &Field::Username)));
    let password_error = Memo::new(move |_| errors.with(|e| field_error(e, &Field::Password)));
    view! {
        <form
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                on_event.run(LoginEvent::Submit {
                    username: username.get_untracked(),
                    password: password.get_untracked(),
                    now_ms: now_ms(),
                });
            }
        >
            <StepHeading text="Sign in"/>
            <p class="lead">"Welcome back."</p>
            <ErrorSummary message=summary/>
            <TextField
                id="login-username"
                label="Email or username"
                value=username
                autocomplete="username"
                error=username_error
            />
            <PasswordField
                id="login-password"
                label="Password"
                value=password
                autocomplete="current-password"
                error=password_error
            />
            <SubmitButton label="Sign in" busy_label="Signing in…" busy=busy/>
            {register_href.map(|href| view! {
                <div class="row">
                    <span class="muted">"New here?"</span>
                    <a href=href>"Create an account"</a>
                </div>
            })}
        </form>
    }
}

//! The enrolment screen: a signed-in user sees whether two-factor authentication is on, turns it
//! on (or moves it to another phone or address) by proving the destination with a code, or turns
//! it off with the password. The machine is `tfa_flow::EnrollFlow`; this file only draws it.

use leptos::prelude::*;
use tfa_flow::{
    AuthMethod, Destination, DestinationForm, DisableForm, EnrollEffect, EnrollEvent, EnrollFlow,
    EnrollState, Field, PhoneNumber, UserSummary,
};

use super::app::SignedIn;
use super::boot::Services;
use super::code_step::CodeStepView;
use super::components::{
    ErrorSummary, MethodChoice, PasswordField, PhoneField, StepHeading, SubmitButton, TextField,
};
use super::driver::{Driver, EffectFuture, now_ms};
use super::messages::{field_error, summary_text};

type Enroll = Driver<EnrollFlow>;

/// Which step is on screen. In-flight states share their step's screen, so a request or a tick
/// never rebuilds the form the user is typing in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Screen {
    Loading,
    LoadFailed,
    Overview,
    ChooseMethod,
    Destination,
    Code,
    Enabled,
    ConfirmDisable,
    Disabled,
    NeedsLogin,
}

impl Screen {
    fn of(state_name: &str) -> Screen {
        match state_name {
            "load_failed" => Screen::LoadFailed,
            "overview" => Screen::Overview,
            "choose_method" => Screen::ChooseMethod,
            "destination" | "sending_code" => Screen::Destination,
            "code_entry" | "resending" | "saving" => Screen::Code,
            "enabled" => Screen::Enabled,
            "confirm_disable" | "disabling" => Screen::ConfirmDisable,
            "disabled" => Screen::Disabled,
            "needs_login" => Screen::NeedsLogin,
            _ => Screen::Loading,
        }
    }
}

#[component]
pub fn EnrollView(
    /// Where "Sign in" leads when the session is gone.
    #[prop(optional, into)]
    login_href: Option<String>,
    /// Leaving the screen: "Done" after a change, or "Back to your account" from the overview.
    #[prop(into)]
    on_done: Callback<()>,
) -> impl IntoView {
    let services = expect_context::<Services>();
    let signed_in = use_context::<SignedIn>();
    let api = services.api.clone();
    let session = services.session.clone();
    let driver = Driver::new(EnrollFlow::new(services.phone_country()), move |effect| {
        run_effect(api.clone(), session.clone(), effect)
    });
    let state_name = driver.state_name();
    let screen = Memo::new(move |_| Screen::of(state_name.get()));

    // A lost session ends any signed-in look elsewhere on the page, too.
    Effect::new(move |_| {
        if screen.get() == Screen::NeedsLogin
            && let Some(SignedIn(flag)) = signed_in
        {
            flag.set(services.session.is_signed_in());
        }
    });

    driver.dispatch(EnrollEvent::Load);

    view! {
        <section class="card" data-flow="enroll" data-state=move || state_name.get()>
            {move || match screen.get() {
                Screen::Loading => view! { <Loading/> }.into_any(),
                Screen::LoadFailed => view! { <LoadFailed driver/> }.into_any(),
                Screen::Overview => view! { <Overview driver on_done/> }.into_any(),
                Screen::ChooseMethod => view! { <ChooseMethod driver/> }.into_any(),
                Screen::Destination => view! { <DestinationStep driver/> }.into_any(),
                Screen::Code => view! { <CodeStep driver/> }.into_any(),
                Screen::Enabled => view! { <Enabled driver on_done/> }.into_any(),
                Screen::ConfirmDisable => view! { <ConfirmDisable driver/> }.into_any(),
                Screen::Disabled => view! { <Disabled on_done/> }.into_any(),
                Screen::NeedsLogin => {
                    view! { <NeedsLogin login_href=login_href.clone()/> }.into_any()
                }
            }}
        </section>
    }
}

/// Performs one of the machine's effects with the user's session.
fn run_effect(
    api: crate::api::ApiClient,
    session: crate::session::Session,
    effect: EnrollEffect,
) -> EffectFuture<EnrollEvent> {
    Box::pin(async move {
        let api = &api;
        match effect {
            EnrollEffect::LoadUser => {
                let result = session
                    .with_user(api, |token| async move { api.user(&token).await })
                    .await;
                Some(EnrollEvent::UserLoaded {
                    result,
                    now_ms: now_ms(),
                })
            }
            EnrollEffect::SendVerificationCode(destination) => {
                let destination = &destination;
                let result = session
                    .with_user(api, |token| async move {
                        api.send_verification_code(&token, destination).await
                    })
                    .await;
                Some(EnrollEvent::CodeSent {
                    result,
                    now_ms: now_ms(),
                })
            }
            EnrollEffect::UpdateUser(update) => {
                let update = &update;
                let result = session
                    .with_user(
                        api,
                        |token| async move { api.update_user(&token, update).await },
                    )
                    .await;
                Some(EnrollEvent::UserUpdated {
                    result,
                    now_ms: now_ms(),
                })
            }
            // The machine already holds the user the server answered with, and this screen
            // draws only from the machine: nothing else to update.
            EnrollEffect::MethodChanged(_) => None,
        }
    })
}

/// The step-level message: the machine's alert, or how many fields need fixing.
fn summary(driver: Enroll) -> Signal<Option<String>> {
    Signal::derive(move || step_summary(driver))
}

fn step_summary(driver: Enroll) -> Option<String> {
    let now = driver.now();
    driver.with(|m| summary_text(m.alert(), m.field_errors(), now))
}

fn error_beside(driver: Enroll, field: Field) -> Signal<Option<String>> {
    Signal::derive(move || driver.with(|m| field_error(m.field_errors(), &field)))
}

/// Whether the machine is in one of `states` (for a step's busy button).
fn in_state(driver: Enroll, states: &'static [&'static str]) -> Signal<bool> {
    let state_name = driver.state_name();
    Signal::derive(move || states.contains(&state_name.get()))
}

/// "+1 ••• ••• 1234" or "j•••@example.com": where codes go, without showing all of it.
fn masked_destination(user: &UserSummary) -> Option<String> {
    match user.auth_method {
        AuthMethod::TfaSms => user.phone_number.as_deref().map(|phone| {
            PhoneNumber::parse(phone).map_or_else(|_| phone.to_owned(), |p| p.masked())
        }),
        AuthMethod::TfaEmail => user
            .email
            .clone()
            .map(|email| Destination::Email(email).masked()),
        AuthMethod::Simple => None,
    }
}

/// The status line: "Off — password only", "On — text message to +1 ••• ••• 1234".
fn status_text(user: &UserSummary) -> String {
    let to = masked_destination(user)
        .map(|d| format!(" to {d}"))
        .unwrap_or_default();
    match user.auth_method {
        AuthMethod::Simple => "Off — password only".to_owned(),
        AuthMethod::TfaSms => format!("On — text message{to}"),
        AuthMethod::TfaEmail => format!("On — email{to}"),
    }
}

#[component]
fn Status(user: UserSummary) -> impl IntoView {
    let on = user.auth_method.is_two_factor();
    view! {
        <div class="status">
            <div>
                <strong>"Status"</strong>
                <div class="muted small">{status_text(&user)}</div>
            </div>
            <span class=if on { "pill on" } else { "pill off" }>{if on { "On" } else { "Off" }}</span>
        </div>
    }
}

#[component]
fn Loading() -> impl IntoView {
    view! {
        <div aria-busy="true">
            <h1>"Two-factor authentication"</h1>
            <p class="muted">
                <span class="spinner" aria-hidden="true"></span>
                "Loading your settings…"
            </p>
        </div>
    }
}

#[component]
fn LoadFailed(driver: Enroll) -> impl IntoView {
    let retry = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        driver.dispatch(EnrollEvent::Load);
    };
    view! {
        <form on:submit=retry novalidate>
            <StepHeading text="We couldn't load your settings"/>
            <ErrorSummary message=summary(driver)/>
            <SubmitButton label="Try again" busy_label="Loading…" busy=false/>
        </form>
    }
}

#[component]
fn Overview(driver: Enroll, on_done: Callback<()>) -> impl IntoView {
    let user = driver.with(|m| match m.state() {
        EnrollState::Overview(user) => Some(user.clone()),
        _ => None,
    });
    let on = user.as_ref().is_some_and(|u| u.auth_method.is_two_factor());
    let set_up = move |_| driver.dispatch(EnrollEvent::SetUp);
    let turn_off = move |_| driver.dispatch(EnrollEvent::TurnOff);
    view! {
        <StepHeading text="Two-factor authentication"/>
        <p class="lead">"Add a second step when you sign in: a code sent to your phone or inbox."</p>
        {user.map(|user| view! { <Status user/> })}
        {if on {
            view! {
                <div class="actions">
                    <button type="button" class="primary" on:click=set_up>"Change method"</button>
                    <button type="button" class="secondary" on:click=turn_off>"Turn off"</button>
                </div>
            }
                .into_any()
        } else {
            view! {
                <button type="button" class="primary" on:click=set_up>"Turn on"</button>
            }
                .into_any()
        }}
        <div class="row">
            <button type="button" class="link" on:click=move |_| on_done.run(())>
                "Back to your account"
            </button>
        </div>
    }
}

#[component]
fn ChooseMethod(driver: Enroll) -> impl IntoView {
    // Start from the method in use, so "Change method" shows where the user is now.
    let current = driver.with(|m| match m.state() {
        EnrollState::ChooseMethod(step) if step.user.auth_method.is_two_factor() => {
            step.user.auth_method
        }
        _ => AuthMethod::TfaSms,
    });
    let method = RwSignal::new(current);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        driver.dispatch(EnrollEvent::ChooseMethod(method.get_untracked()));
    };
    // The radio group has no error slot of its own: a refused method is said at the top.
    let message = Signal::derive(move || {
        driver
            .with(|m| field_error(m.field_errors(), &Field::AuthMethod))
            .or_else(|| step_summary(driver))
    });
    view! {
        <form on:submit=submit novalidate>
            <div class="steps" aria-hidden="true"><i class="on"></i><i></i><i></i></div>
            <StepHeading text="Choose how to get codes"/>
            <p class="lead">"Each time you sign in, we'll send a 6-digit code here."</p>
            <ErrorSummary message/>
            <MethodChoice value=method legend="Two-factor method"/>
            <SubmitButton label="Continue" busy_label="Continue" busy=false/>
            <div class="row">
                <button type="button" class="link" on:click=move |_| driver.dispatch(EnrollEvent::Back)>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}

#[component]
fn DestinationStep(driver: Enroll) -> impl IntoView {
    let (method, form) = driver.with(|m| match m.state() {
        EnrollState::Destination(step) | EnrollState::SendingCode { step, .. } => {
            (step.method, step.form.clone())
        }
        _ => (
            AuthMethod::TfaSms,
            DestinationForm {
                country: expect_context::<Services>().phone_country(),
                phone: String::new(),
                email: String::new(),
            },
        ),
    });
    let country = RwSignal::new(form.country);
    let phone = RwSignal::new(form.phone);
    let email = RwSignal::new(form.email);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        driver.dispatch(EnrollEvent::SubmitDestination {
            form: DestinationForm {
                country: country.get_untracked(),
                phone: phone.get_untracked(),
                email: email.get_untracked(),
            },
            now_ms: now_ms(),
        });
    };
    let rate_limited = Signal::derive(move || {
        let now = driver.now();
        driver.with(|m| m.alert().is_some_and(|a| a.blocks(now)))
    });
    let (heading, lead, field) = match method {
        AuthMethod::TfaEmail => (
            "Your email",
            "We'll email a code to this address to make sure it's yours.",
            view! {
                <TextField
                    id="enroll-email"
                    label="Email"
                    value=email
                    input_type="email"
                    autocomplete="email"
                    error=error_beside(driver, Field::Email)
                />
            }
            .into_any(),
        ),
        AuthMethod::TfaSms | AuthMethod::Simple => (
            "Your mobile phone",
            "We'll text a code to this number to make sure it's yours.",
            view! {
                <PhoneField
                    id="enroll-phone"
                    label="Mobile phone"
                    country
                    national=phone
                    error=error_beside(driver, Field::PhoneNumber)
                />
            }
            .into_any(),
        ),
    };
    view! {
        <form on:submit=submit novalidate>
            <div class="steps" aria-hidden="true"><i class="on"></i><i class="on"></i><i></i></div>
            <StepHeading text=heading/>
            <p class="lead">{lead}</p>
            <ErrorSummary message=summary(driver)/>
            {field}
            <SubmitButton
                label="Send code"
                busy_label="Sending code…"
                busy=in_state(driver, &["sending_code"])
                disabled=rate_limited
            />
            <div class="row">
                <button type="button" class="link" on:click=move |_| driver.dispatch(EnrollEvent::Back)>
                    "Back"
                </button>
            </div>
        </form>
    }
}

#[component]
fn CodeStep(driver: Enroll) -> impl IntoView {
    let back_label = driver.with(|m| match m.state() {
        EnrollState::CodeEntry(step) | EnrollState::Resending(step) | EnrollState::Saving(step)
            if step.method == AuthMethod::TfaEmail =>
        {
            "Change email"
        }
        _ => "Change phone number",
    });
    let entry = Signal::derive(move || driver.with(|m| m.code_entry().cloned()));
    let now = Signal::derive(move || driver.now());
    view! {
        <div class="steps" aria-hidden="true"><i class="on"></i><i class="on"></i><i class="on"></i></div>
        <CodeStepView
            entry
            busy=in_state(driver, &["resending", "saving"])
            now
            on_code=move |code: String| {
                driver.dispatch(EnrollEvent::CodeEntered { code, now_ms: now_ms() })
            }
            on_resend=move |()| driver.dispatch(EnrollEvent::Resend { now_ms: now_ms() })
            on_back=move |()| driver.dispatch(EnrollEvent::Back)
            back_label
        />
    }
}

#[component]
fn Enabled(driver: Enroll, on_done: Callback<()>) -> impl IntoView {
    let user = driver.with(|m| match m.state() {
        EnrollState::Enabled(user) => Some(user.clone()),
        _ => None,
    });
    let lead = user.as_ref().and_then(|user| {
        let to = masked_destination(user)?;
        let how = match user.auth_method {
            AuthMethod::TfaEmail => "email",
            AuthMethod::TfaSms | AuthMethod::Simple => "text",
        };
        Some(view! {
            <p class="lead">
                {format!("From now on we'll {how} a code to ")}<strong>{to}</strong>
                " when you sign in."
            </p>
        })
    });
    view! {
        <div class="check" aria-hidden="true">"✓"</div>
        <StepHeading text="Two-factor authentication is on"/>
        {lead}
        {user.map(|user| view! { <Status user/> })}
        <button type="button" class="primary" on:click=move |_| on_done.run(())>"Done"</button>
    }
}

#[component]
fn ConfirmDisable(driver: Enroll) -> impl IntoView {
    // The password the machine still holds after a failed attempt, so a retry keeps it.
    let password = RwSignal::new(driver.with(|m| match m.state() {
        EnrollState::ConfirmDisable(step) | EnrollState::Disabling(step) => {
            step.form.password.clone()
        }
        _ => String::new(),
    }));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        driver.dispatch(EnrollEvent::SubmitPassword {
            form: DisableForm {
                password: password.get_untracked(),
            },
            now_ms: now_ms(),
        });
    };
    let rate_limited = Signal::derive(move || {
        let now = driver.now();
        driver.with(|m| m.alert().is_some_and(|a| a.blocks(now)))
    });
    view! {
        <form on:submit=submit novalidate>
            <StepHeading text="Turn off two-factor authentication"/>
            <p class="lead">
                "Enter your password to confirm. After this you'll sign in with your password only."
            </p>
            <ErrorSummary message=summary(driver)/>
            <PasswordField
                id="enroll-current-password"
                label="Password"
                value=password
                autocomplete="current-password"
                error=error_beside(driver, Field::CurrentPassword)
            />
            <SubmitButton
                label="Turn off"
                busy_label="Turning off…"
                busy=in_state(driver, &["disabling"])
                disabled=rate_limited
            />
            <div class="row">
                <button type="button" class="link" on:click=move |_| driver.dispatch(EnrollEvent::Back)>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}

#[component]
fn Disabled(on_done: Callback<()>) -> impl IntoView {
    view! {
        <StepHeading text="Two-factor authentication is off"/>
        <p class="lead">"You'll sign in with your password only. You can turn it on again at any time."</p>
        <div class="status">
            <div>
                <strong>"Status"</strong>
                <div class="muted small">"Off — password only"</div>
            </div>
            <span class="pill off">"Off"</span>
        </div>
        <button type="button" class="primary" on:click=move |_| on_done.run(())>"Done"</button>
    }
}

#[component]
fn NeedsLogin(login_href: Option<String>) -> impl IntoView {
    view! {
        <StepHeading text="Sign in first"/>
        <p class="lead">"Your two-factor settings are only shown to you once you're signed in."</p>
        {login_href.map(|href| view! { <a class="primary" href=href>"Sign in"</a> })}
    }
}

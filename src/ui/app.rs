//! The full-page app: start-up, then the routes. The flows themselves never read or write the
//! URL (a merchant's page mounts them too); only this shell does.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::hooks::use_navigate;
use leptos_router::path;

use tfa_flow::{ApiError, AuthMethod, UserSummary};

use super::boot::{BootError, Services, boot};
use super::enroll::EnrollView;
use super::login::LoginView;
use super::register::RegisterView;

/// Start-up as the screen sees it.
#[derive(Clone)]
enum Boot {
    Starting,
    Failed(BootError),
    Ready(Services),
}

#[component]
pub fn App() -> impl IntoView {
    let state = RwSignal::new_local(Boot::Starting);
    let start = move || {
        state.set(Boot::Starting);
        spawn_local(async move {
            state.set(match boot().await {
                Ok(services) => Boot::Ready(services),
                Err(e) => Boot::Failed(e),
            });
        });
    };
    start();

    view! {
        <main class="fc-page">
            {move || match state.get() {
                Boot::Starting => view! { <Starting/> }.into_any(),
                Boot::Failed(error) => view! { <StartFailed error on_retry=start/> }.into_any(),
                Boot::Ready(services) => view! { <Pages services/> }.into_any(),
            }}
        </main>
    }
}

#[component]
fn Starting() -> impl IntoView {
    view! {
        <div class="card" aria-busy="true" data-state="starting">
            <p class="muted"><span class="spinner" aria-hidden="true"></span>"Loading…"</p>
        </div>
    }
}

#[component]
fn StartFailed(error: BootError, on_retry: impl Fn() + Clone + 'static) -> impl IntoView {
    view! {
        <div class="card" data-state="start_failed">
            <h1>{error.title()}</h1>
            <div class="alert danger" role="alert">{error.advice()}</div>
            <p class="muted small">{error.to_string()}</p>
            <button type="button" class="primary" on:click=move |_| on_retry()>"Try again"</button>
        </div>
    }
}

/// Whether a user is signed in, as the pages show it; set by the flows and by "Sign out".
#[derive(Clone, Copy)]
pub struct SignedIn(pub RwSignal<bool>);

#[component]
fn Pages(services: Services) -> impl IntoView {
    provide_context(SignedIn(RwSignal::new(services.session.is_signed_in())));
    let shop = services.account.name.clone();
    provide_context(services);
    view! {
        <Router>
            <div class="brand"><img src="/favicon.svg" alt=""/>{shop}</div>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/") view=Home/>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/register") view=RegisterPage/>
                <Route path=path!("/account/security") view=SecurityPage/>
            </Routes>
        </Router>
    }
}

#[component]
fn Home() -> impl IntoView {
    let services = expect_context::<Services>();
    let SignedIn(signed_in) = expect_context::<SignedIn>();
    let name = services.account.name.clone();
    let navigate = use_navigate();
    let sign_out = move |_| {
        services.session.sign_out();
        signed_in.set(false);
        navigate("/", Default::default());
    };
    view! {
        <div class="card" data-state=move || if signed_in.get() { "signed_in" } else { "home" }>
            <h1>{format!("Welcome to {name}")}</h1>
            <Show
                when=move || signed_in.get()
                fallback=|| {
                    view! {
                        <p class="lead">"Sign in securely with a one-time code."</p>
                        <div class="actions">
                            <A href="/login" attr:class="primary">"Sign in"</A>
                            <A href="/register" attr:class="secondary">"Create an account"</A>
                        </div>
                    }
                }
            >
                <SignedInUser/>
                <div class="actions">
                    <A href="/account/security" attr:class="primary">"Two-factor settings"</A>
                    <button type="button" class="secondary" on:click=sign_out.clone()>"Sign out"</button>
                </div>
            </Show>
        </div>
    }
}

/// Who is signed in, read from `GET /v1/user`. A session that turns out to be gone flips the page
/// back to signed out.
#[component]
fn SignedInUser() -> impl IntoView {
    let services = expect_context::<Services>();
    let SignedIn(signed_in) = expect_context::<SignedIn>();
    let user = RwSignal::new(None::<Result<UserSummary, ApiError>>);
    spawn_local(async move {
        let api = &services.api;
        let result = services
            .session
            .with_user(api, |token| async move { api.user(&token).await })
            .await;
        if result == Err(ApiError::Unauthorized) {
            signed_in.set(false);
        }
        user.set(Some(result));
    });
    move || match user.get() {
        None => view! { <p class="lead muted">"You are signed in."</p> }.into_any(),
        Some(Ok(user)) => {
            let method = match user.auth_method {
                AuthMethod::Simple => "Off".to_owned(),
                AuthMethod::TfaSms => "On, by text message".to_owned(),
                AuthMethod::TfaEmail => "On, by email".to_owned(),
            };
            view! {
                <p class="lead">{format!("You are signed in as {}.", user.name)}</p>
                <dl class="facts">
                    <dt>"Username"</dt>
                    <dd>{user.username}</dd>
                    <dt>"Two-factor"</dt>
                    <dd>{method}</dd>
                </dl>
            }
            .into_any()
        }
        Some(Err(e)) => view! {
            <p class="lead">"You are signed in."</p>
            <p class="muted small">{format!("Your details could not be loaded: {e}.")}</p>
        }
        .into_any(),
    }
}

/// After signing in, the start page shows the signed-in state.
fn go_home() -> Callback<()> {
    let navigate = use_navigate();
    Callback::new(move |()| navigate("/", Default::default()))
}

#[component]
fn LoginPage() -> impl IntoView {
    view! { <LoginView on_signed_in=go_home() register_href="/register"/> }
}

#[component]
fn RegisterPage() -> impl IntoView {
    view! { <RegisterView on_signed_in=go_home() login_href="/login"/> }
}

#[component]
fn SecurityPage() -> impl IntoView {
    view! { <EnrollView login_href="/login" on_done=go_home()/> }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <div class="card" data-state="not_found">
            <h1>"Page not found"</h1>
            <p class="lead">"There is nothing at this address."</p>
            <A href="/">"Go to the start page"</A>
        </div>
    }
}

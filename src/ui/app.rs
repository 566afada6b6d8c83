//! The full-page app: start-up, then the routes. The flows themselves never read or write the
//! URL (a merchant's page mounts them too); only this shell does.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::boot::{BootError, Services, boot};

/// Start-up as the screen sees it.
#[derive(Clone)]
enum Boot {
    Starting,
    Failed(BootError),
    Ready(StoredValue<Services, LocalStorage>),
}

#[component]
pub fn App() -> impl IntoView {
    let state = RwSignal::new_local(Boot::Starting);
    let start = move || {
        state.set(Boot::Starting);
        spawn_local(async move {
            state.set(match boot().await {
                Ok(services) => Boot::Ready(StoredValue::new_local(services)),
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
                Boot::Ready(services) => view! { <Home services/> }.into_any(),
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

#[component]
fn Home(services: StoredValue<Services, LocalStorage>) -> impl IntoView {
    let name = services.with_value(|s| s.account.name.clone());
    view! {
        <div class="card" data-state="home">
            <div class="brand">{name.clone()}</div>
            <h1>{format!("Welcome to {name}")}</h1>
            <p class="lead">"Sign in securely with a one-time code."</p>
        </div>
    }
}

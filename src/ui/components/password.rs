use leptos::prelude::*;

use super::described_by;
use super::field::ErrorLine;

/// A password input with a show/hide toggle. The toggle's name stays "Show password" and its
/// state is `aria-pressed`, so a screen reader hears one control that is on or off.
#[component]
pub fn PasswordField(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    autocomplete: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let shown = RwSignal::new(false);
    let has_error = move || error.with(Option::is_some);
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <div class="password">
                <input
                    id=id
                    type=move || if shown.get() { "text" } else { "password" }
                    autocomplete=autocomplete
                    autocapitalize="none"
                    spellcheck="false"
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                    aria-invalid=move || has_error().then_some("true")
                    aria-describedby=move || described_by(id, hint.is_some(), has_error())
                />
                <button
                    type="button"
                    class="link"
                    aria-label="Show password"
                    aria-controls=id
                    aria-pressed=move || shown.get().to_string()
                    on:click=move |_| shown.update(|s| *s = !*s)
                >
                    {move || if shown.get() { "Hide" } else { "Show" }}
                </button>
            </div>
            <ErrorLine id=id error=error />
            {hint.map(|hint| view! { <p class="hint" id=format!("{id}-hint")>{hint}</p> })}
        </div>
    }
}

use leptos::prelude::*;

use super::described_by;

/// A labelled text input with an optional hint and its error beside it.
#[component]
pub fn TextField(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(default = "text")] input_type: &'static str,
    autocomplete: &'static str,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let has_error = move || error.with(Option::is_some);
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                type=input_type
                autocomplete=autocomplete
                inputmode=inputmode
                spellcheck="false"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                disabled=move || disabled.get()
                aria-invalid=move || has_error().then_some("true")
                aria-describedby=move || described_by(id, hint.is_some(), has_error())
            />
            <ErrorLine id=id error=error />
            {hint.map(|hint| view! { <p class="hint" id=format!("{id}-hint")>{hint}</p> })}
        </div>
    }
}

/// The error line of field `id`, with the id that the field's `aria-describedby` points at.
#[component]
pub(super) fn ErrorLine(id: &'static str, error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error
            .get()
            .map(|text| view! { <p class="error" id=format!("{id}-error")>{text}</p> })
    }
}

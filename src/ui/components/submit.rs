use leptos::prelude::*;

/// The form's submit button: while a request is in flight it shows a spinner and `busy_label`,
/// and is disabled so that Enter or a second click cannot send the request twice.
#[component]
pub fn SubmitButton(
    label: &'static str,
    busy_label: &'static str,
    #[prop(into)] busy: Signal<bool>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class="primary"
            aria-busy=move || busy.get().to_string()
            disabled=move || busy.get() || disabled.get()
        >
            {move || {
                if busy.get() {
                    view! {
                        <span class="spinner" aria-hidden="true"></span>
                        {busy_label}
                    }
                        .into_any()
                } else {
                    label.into_any()
                }
            }}
        </button>
    }
}

use leptos::prelude::*;

/// The step's one message at the top of the form. The `role="alert"` container stays in the
/// DOM (hidden when empty) so that a new message is announced when it appears.
#[component]
pub fn ErrorSummary(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div class="alert danger" role="alert" hidden=move || message.with(Option::is_none)>
            {move || message.get().unwrap_or_default()}
        </div>
    }
}

use leptos::prelude::*;
use tfa_flow::AuthMethod;

/// The choice of where codes go. Each radio's label is only its name ("Text message", "Email"),
/// and the description is tied to it with `aria-describedby`, so the name stays short and exact.
#[component]
pub fn MethodChoice(value: RwSignal<AuthMethod>, legend: &'static str) -> impl IntoView {
    let options = [
        (
            AuthMethod::TfaSms,
            "method-sms",
            "Text message",
            "A code to your phone each time you sign in.",
        ),
        (
            AuthMethod::TfaEmail,
            "method-email",
            "Email",
            "A code to your inbox each time you sign in.",
        ),
    ];
    view! {
        <fieldset class="choice">
            <legend>{legend}</legend>
            {options
                .into_iter()
                .map(|(method, id, name, description)| {
                    view! {
                        <div class="option">
                            <input
                                type="radio"
                                id=id
                                name="auth-method"
                                value=method.as_str()
                                aria-describedby=format!("{id}-desc")
                                prop:checked=move || value.get() == method
                                on:change=move |_| value.set(method)
                            />
                            <div class="choice-body">
                                <label for=id>
                                    <strong>{name}</strong>
                                </label>
                                <span id=format!("{id}-desc")>{description}</span>
                            </div>
                        </div>
                    }
                })
                .collect_view()}
        </fieldset>
    }
}

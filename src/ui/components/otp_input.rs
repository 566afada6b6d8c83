use leptos::html::Input;
use leptos::prelude::*;
use tfa_flow::otp::CODE_DIGITS;

/// The code in whatever was typed, pasted or autofilled. Up to six digits are simply kept; from
/// a longer text (an SMS pasted whole) the code is the run of exactly six digits, joined across
/// single spaces or dashes ("123 456"), or failing that the first six digits.
pub fn extract_code(text: &str) -> String {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if digits.len() <= CODE_DIGITS {
        return digits;
    }
    six_digit_run(text)
        .or_else(|| six_digit_run(&join_digit_groups(text)))
        .unwrap_or_else(|| digits[..CODE_DIGITS].to_owned())
}

/// The first run of exactly six ASCII digits, with no digit right before or after it.
fn six_digit_run(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == CODE_DIGITS)
        .map(str::to_owned)
}

/// Drops a single space or dash between two digits: "123 456" → "123456".
fn join_digit_groups(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars
        .iter()
        .enumerate()
        .filter(|&(i, c)| {
            let between_digits = i > 0
                && chars.get(i + 1).is_some_and(char::is_ascii_digit)
                && chars[i - 1].is_ascii_digit();
            !(matches!(c, ' ' | '-') && between_digits)
        })
        .map(|(_, c)| *c)
        .collect()
}

/// The code input: ONE real input (which holds the value, takes paste and autofill, and is what
/// a screen reader reads) drawn as six boxes.
#[component]
pub fn OtpInput(
    value: RwSignal<String>,
    #[prop(into)] on_complete: Callback<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(into)] clear: Signal<u64>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let input = NodeRef::<Input>::new();
    // The last code handed to `on_complete`: the same six digits arriving again (another input
    // event, a re-render) must not submit twice; any other value re-arms it.
    let completed = StoredValue::new(None::<String>);

    let accept = move |code: String| {
        if let Some(el) = input.get_untracked()
            && el.value() != code
        {
            // The element may hold what the browser let in (letters, a whole pasted SMS).
            el.set_value(&code);
        }
        value.set(code.clone());
        if code.len() == CODE_DIGITS {
            if completed.get_value().as_deref() != Some(code.as_str()) {
                completed.set_value(Some(code.clone()));
                on_complete.try_run(code);
            }
        } else {
            completed.set_value(None);
        }
    };

    let on_input = move |ev: web_sys::Event| accept(extract_code(&event_target_value(&ev)));
    let on_paste = move |ev: web_sys::ClipboardEvent| {
        let Some(text) = ev
            .clipboard_data()
            .and_then(|data| data.get_data("text").ok())
        else {
            return;
        };
        // Handled here, not by the browser: maxlength would cut "Your code: 123456" to its
        // first six characters before any input event saw the digits.
        ev.prevent_default();
        accept(extract_code(&text));
    };

    // Not on the first render: only a change of `clear` (a refused or replaced code) empties it.
    Effect::watch(
        move || clear.get(),
        move |_, _, _| {
            completed.set_value(None);
            value.set(String::new());
            if let Some(el) = input.get_untracked() {
                el.set_value("");
                let _ = el.focus();
            }
        },
        false,
    );

    web_otp::request(accept);

    let has_error = move || error.with(Option::is_some);
    let boxes = move || {
        let digits: Vec<char> = value.with(|v| v.chars().collect());
        let active = digits.len().min(CODE_DIGITS - 1);
        (0..CODE_DIGITS)
            .map(|i| {
                let class = if i == active { "box active" } else { "box" };
                view! { <div class=class>{digits.get(i).copied().map(String::from)}</div> }
            })
            .collect_view()
    };

    view! {
        <div class="otp-field">
            <label for="otp-code">"Verification code"</label>
            <div class="otp" class:invalid=has_error>
                <input
                    id="otp-code"
                    node_ref=input
                    type="text"
                    autocomplete="one-time-code"
                    inputmode="numeric"
                    pattern="[0-9]*"
                    maxlength="6"
                    spellcheck="false"
                    prop:value=move || value.get()
                    on:input=on_input
                    on:paste=on_paste
                    disabled=move || disabled.get()
                    aria-invalid=move || has_error().then_some("true")
                    aria-describedby=move || has_error().then_some("otp-code-error")
                />
                <div class="boxes" aria-hidden="true">
                    {boxes}
                </div>
            </div>
            {move || {
                error.get().map(|text| view! { <p class="error" id="otp-code-error">{text}</p> })
            }}
        </div>
    }
}

/// WebOTP: where the browser supports it, it offers the code of an SMS bound to this origin,
/// and the input fills itself.
mod web_otp {
    use leptos::prelude::*;
    use leptos::task::spawn_local;
    use wasm_bindgen::JsValue;
    use web_sys::{AbortController, CredentialRequestOptions};

    /// Asks for a code and hands it to `fill`; the request is aborted when the component is
    /// unmounted, so an SMS that arrives later fills nothing.
    pub(super) fn request(fill: impl Fn(String) + 'static) {
        let Some(window) = web_sys::window() else {
            return;
        };
        if !js_sys::Reflect::has(&window, &JsValue::from_str("OTPCredential")).unwrap_or(false) {
            return;
        }
        let Ok(controller) = AbortController::new() else {
            return;
        };
        let Some(promise) = get_code(&window, &controller) else {
            return;
        };
        let controller = StoredValue::new_local(controller);
        on_cleanup(move || {
            controller.try_with_value(AbortController::abort);
        });
        spawn_local(async move {
            let Ok(credential) = wasm_bindgen_futures::JsFuture::from(promise).await else {
                return; // aborted, refused, or no SMS
            };
            let code = js_sys::Reflect::get(&credential, &JsValue::from_str("code"))
                .ok()
                .and_then(|code| code.as_string());
            if let Some(code) = code {
                fill(super::extract_code(&code));
            }
        });
    }

    /// `navigator.credentials.get({otp: {transport: ["sms"]}, signal})`. web-sys has no WebOTP
    /// types, so the `otp` member is set by hand.
    fn get_code(window: &web_sys::Window, controller: &AbortController) -> Option<js_sys::Promise> {
        let otp = js_sys::Object::new();
        let transport = js_sys::Array::of1(&JsValue::from_str("sms"));
        js_sys::Reflect::set(&otp, &JsValue::from_str("transport"), &transport).ok()?;
        let options = CredentialRequestOptions::new();
        js_sys::Reflect::set(&options, &JsValue::from_str("otp"), &otp).ok()?;
        options.set_signal(&controller.signal());
        window
            .navigator()
            .credentials()
            .get_with_options(&options)
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::extract_code;

    #[test]
    fn typed_codes_keep_their_digits_only() {
        assert_eq!(extract_code("12a3"), "123");
        assert_eq!(extract_code("123456"), "123456");
        assert_eq!(extract_code(""), "");
    }

    #[test]
    fn pasted_messages_give_their_code() {
        assert_eq!(extract_code("Your code: 123 456"), "123456");
        assert_eq!(extract_code("123-456"), "123456");
        assert_eq!(extract_code("Your code: 123456"), "123456");
        assert_eq!(
            extract_code("Your code is 654321. It expires in 5 minutes."),
            "654321"
        );
        assert_eq!(
            extract_code("654321 is your code.\n\n@example.com #654321"),
            "654321"
        );
        assert_eq!(extract_code("Code 123 456, valid for 10 minutes"), "123456");
        assert_eq!(extract_code("1234567890"), "123456");
    }
}

//! The code input in a real browser: what typing, pasting and autofill leave in it, when it
//! submits, and what a refused code does to it.
#![cfg(target_arch = "wasm32")]

use std::sync::{Arc, Mutex};

use leptos::prelude::*;
use tfa_app::ui::components::OtpInput;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{
    ClipboardEvent, ClipboardEventInit, DataTransfer, Event, EventInit, HtmlElement,
    HtmlInputElement,
};

wasm_bindgen_test_configure!(run_in_browser);

/// A mounted `OtpInput` and what it reported.
struct Mounted {
    input: HtmlInputElement,
    host: HtmlElement,
    value: RwSignal<String>,
    clear: RwSignal<u64>,
    error: RwSignal<Option<String>>,
    completed: Arc<Mutex<Vec<String>>>,
    _handle: Box<dyn std::any::Any>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.host.remove();
    }
}

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

async fn mount() -> Mounted {
    let host: HtmlElement = document()
        .create_element("div")
        .expect("a div")
        .unchecked_into();
    document()
        .body()
        .expect("a body")
        .append_child(&host)
        .expect("appended");
    let value = RwSignal::new(String::new());
    let clear = RwSignal::new(0_u64);
    let error = RwSignal::new(None::<String>);
    let completed = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&completed);
    let handle = leptos::mount::mount_to(host.clone(), move || {
        view! {
            <OtpInput
                value=value
                on_complete=move |code: String| seen.lock().expect("unpoisoned").push(code)
                error=error
                clear=clear
            />
        }
    });
    settle().await;
    let input = host
        .query_selector("#otp-code")
        .expect("a valid selector")
        .expect("the code input")
        .unchecked_into();
    Mounted {
        input,
        host,
        value,
        clear,
        error,
        completed,
        _handle: Box::new(handle),
    }
}

/// Lets the reactive system run its effects.
async fn settle() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("a window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20)
            .expect("a timeout");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("the timeout fires");
}

/// What the browser does when something is typed or autofilled: the value changes, then `input`.
fn type_value(input: &HtmlInputElement, text: &str) {
    input.set_value(text);
    let init = EventInit::new();
    init.set_bubbles(true);
    let event = Event::new_with_event_init_dict("input", &init).expect("an input event");
    input.dispatch_event(&event).expect("dispatched");
}

/// A paste of `text`; true when the input handled it itself (default prevented).
fn paste(input: &HtmlInputElement, text: &str) -> bool {
    let data = DataTransfer::new().expect("a DataTransfer");
    data.set_data("text/plain", text).expect("set data");
    let init = ClipboardEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_clipboard_data(Some(&data));
    let event = ClipboardEvent::new_with_event_init_dict("paste", &init).expect("a paste event");
    !input.dispatch_event(&event).expect("dispatched")
}

impl Mounted {
    fn completed(&self) -> Vec<String> {
        self.completed.lock().expect("unpoisoned").clone()
    }
}

#[wasm_bindgen_test]
async fn typing_keeps_digits_only() {
    let m = mount().await;
    type_value(&m.input, "1a2b3");
    settle().await;
    assert_eq!(m.input.value(), "123");
    assert_eq!(m.value.get_untracked(), "123");
    let fourth_active = m
        .host
        .query_selector(".boxes .box:nth-child(4).active")
        .expect("a valid selector");
    assert!(fourth_active.is_some(), "the next box is the active one");
    let boxes = m.host.query_selector(".boxes").expect("ok").expect("boxes");
    assert_eq!(boxes.text_content().as_deref(), Some("123"));
    assert_eq!(boxes.get_attribute("aria-hidden").as_deref(), Some("true"));
    assert!(m.completed().is_empty());
}

#[wasm_bindgen_test]
async fn a_pasted_message_fills_the_code() {
    let m = mount().await;
    assert!(
        paste(&m.input, "Your code: 123 456"),
        "the paste is handled"
    );
    settle().await;
    assert_eq!(m.input.value(), "123456");
    assert_eq!(m.completed(), ["123456"]);
}

#[wasm_bindgen_test]
async fn an_autofilled_message_fills_the_code() {
    let m = mount().await;
    type_value(&m.input, "Your code: 123 456");
    settle().await;
    assert_eq!(m.input.value(), "123456");
    assert_eq!(m.value.get_untracked(), "123456");
}

#[wasm_bindgen_test]
async fn the_sixth_digit_submits_once() {
    let m = mount().await;
    type_value(&m.input, "12345");
    settle().await;
    assert!(m.completed().is_empty());
    type_value(&m.input, "123456");
    type_value(&m.input, "123456");
    type_value(&m.input, "123456x");
    settle().await;
    assert_eq!(m.completed(), ["123456"], "the same code submits once");
    // A change re-arms it.
    type_value(&m.input, "12345");
    type_value(&m.input, "123457");
    settle().await;
    assert_eq!(m.completed(), ["123456", "123457"]);
}

#[wasm_bindgen_test]
async fn a_clear_empties_and_focuses_the_input() {
    let m = mount().await;
    type_value(&m.input, "123456");
    settle().await;
    m.input.blur().expect("blurred");
    m.clear.update(|n| *n += 1);
    settle().await;
    assert_eq!(m.input.value(), "");
    assert_eq!(m.value.get_untracked(), "");
    let active = document().active_element().map(JsValue::from);
    assert_eq!(active, Some(JsValue::from(m.input.clone())), "focused");
    // The same code typed again after a clear is a new attempt.
    type_value(&m.input, "123456");
    settle().await;
    assert_eq!(m.completed(), ["123456", "123456"]);
}

#[wasm_bindgen_test]
async fn mounting_neither_clears_nor_submits() {
    let m = mount().await;
    m.value.set("123456".into());
    settle().await;
    assert_eq!(m.input.value(), "123456", "a value from the flow is shown");
    assert!(m.completed().is_empty(), "but not submitted");
    assert_eq!(
        m.input.get_attribute("autocomplete").as_deref(),
        Some("one-time-code")
    );
    assert_eq!(
        m.input.get_attribute("inputmode").as_deref(),
        Some("numeric")
    );
    assert_eq!(m.input.get_attribute("maxlength").as_deref(), Some("6"));
    let label = m
        .host
        .query_selector("label[for=otp-code]")
        .expect("a valid selector")
        .expect("a label");
    assert_eq!(label.text_content().as_deref(), Some("Verification code"));
}

#[wasm_bindgen_test]
async fn an_error_is_tied_to_the_input() {
    let m = mount().await;
    assert_eq!(m.input.get_attribute("aria-invalid"), None);
    assert_eq!(m.input.get_attribute("aria-describedby"), None);
    m.error.set(Some("That code isn't right.".into()));
    settle().await;
    assert_eq!(
        m.input.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(
        m.input.get_attribute("aria-describedby").as_deref(),
        Some("otp-code-error")
    );
    let error = m
        .host
        .query_selector("#otp-code-error")
        .expect("a valid selector")
        .expect("the error");
    assert_eq!(
        error.text_content().as_deref(),
        Some("That code isn't right.")
    );
    m.error.set(None);
    settle().await;
    assert_eq!(m.input.get_attribute("aria-invalid"), None);
    assert!(
        m.host
            .query_selector("#otp-code-error")
            .expect("ok")
            .is_none()
    );
}

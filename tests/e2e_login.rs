//! Signing in, in a real browser against the reference server: password only, a code by SMS or
//! by email, wrong codes, the lock after too many, "Resend code" held back by its countdown, and
//! a server that speaks only the 2018 API. The users are set up over HTTP; the stories are told
//! through the screens only (labels, button names, `data-state`), with codes from the outbox.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::{
    Browser, PASSWORD, guest_token, latest_code, messages_to, post_doc, sign_in, start_server,
    start_server_with, wait_signed_in,
};
use tfa_server::testing::{TestOptions, TestServer};

const PHONE: &str = "+14165551234";

/// Registers a customer over HTTP. `proof` is the destination to verify first, if any:
/// `("phoneNumber", PHONE)` or `("email", address)`.
async fn register(server: &TestServer, username: &str, method: &str, proof: Option<(&str, &str)>) {
    let guest = guest_token(server).await;
    let mut attributes = json!({
        "status": "registered", "name": "Joe Doe", "email": username, "username": username,
        "password": PASSWORD, "authMethod": method,
    });
    if let Some((attribute, to)) = proof {
        let (path, kind, code_attribute) = if attribute == "email" {
            (
                "/v1/email_verification_codes",
                "EmailVerificationCode",
                "emailVerificationCode",
            )
        } else {
            (
                "/v1/phone_verification_codes",
                "PhoneVerificationCode",
                "phoneVerificationCode",
            )
        };
        let doc = json!({"data": {"type": kind, "attributes": {attribute: to}}});
        post_doc(server, path, &guest, doc, 204).await;
        attributes[attribute] = json!(to);
        attributes[code_attribute] = json!(latest_code(server, to).await);
    }
    let doc = json!({"data": {"type": "Customer", "attributes": attributes}});
    post_doc(server, "/v1/customers", &guest, doc, 201).await;
}

/// A six-digit code that is not `code`.
fn wrong(code: &str) -> String {
    let n: u32 = code.parse().expect("a numeric code");
    format!("{:06}", (n + 1) % 1_000_000)
}

/// Enters a code that the server refuses and waits for the answer (the boxes are emptied).
async fn enter_wrong_code(browser: &Browser, code: &str) {
    browser.fill("Verification code", &wrong(code)).await;
    browser
        .wait_js(
            "the wrong code answered",
            "document.querySelector('[data-flow=login][data-state=code_entry], [data-flow=login][data-state=locked]') \
             && !(document.getElementById('otp-code') || {value: ''}).value",
        )
        .await;
}

/// Whether the button with exactly this text is disabled.
async fn is_disabled(browser: &Browser, name: &str) -> bool {
    browser
        .button(name)
        .await
        .prop("disabled")
        .await
        .ok()
        .flatten()
        .is_some_and(|v| v == "true")
}

async fn resend_button_text(browser: &Browser) -> String {
    browser
        .client
        .execute(
            "const b = [...document.querySelectorAll('button')].find(b => b.innerText.startsWith('Resend code')); \
             return b ? b.innerText.trim() + (b.disabled ? ' (disabled)' : '') : '';",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tfa_user_signs_in_with_a_texted_code() {
    let server = start_server().await;
    register(
        &server,
        "joe@example.com",
        "tfa_sms",
        Some(("phoneNumber", PHONE)),
    )
    .await;
    let browser = Browser::start().await;
    sign_in(
        &browser,
        &server,
        "Joe@Example.com ",
        Some("login-credentials"),
    )
    .await;
    browser.wait_state("login", "code_entry").await;
    browser
        .wait_text("We texted a 6-digit code to +1 ••• ••• 1234.")
        .await;
    browser.wait_text("Code expires in 4:").await;
    browser.screenshot("login-code").await;
    browser.set_viewport(360, 800).await;
    browser.screenshot("login-code-360").await;
    browser.set_viewport(1024, 900).await;
    let code = latest_code(&server, PHONE).await;
    browser.fill("Verification code", &code).await;
    wait_signed_in(&browser).await;
    browser.screenshot("login-signed-in").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tfa_user_signs_in_with_an_emailed_code() {
    let server = start_server().await;
    let email = "emma@example.com";
    register(&server, email, "tfa_email", Some(("email", email))).await;
    let browser = Browser::start().await;
    sign_in(&browser, &server, email, None).await;
    browser.wait_state("login", "code_entry").await;
    browser
        .wait_text("We emailed a 6-digit code to e•••@example.com.")
        .await;
    browser.screenshot("login-code-email").await;
    let code = latest_code(&server, email).await;
    browser.fill("Verification code", &code).await;
    wait_signed_in(&browser).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_only_user_is_signed_in_straight_away() {
    let server = start_server().await;
    register(&server, "sam@example.com", "simple", None).await;
    let browser = Browser::start().await;
    sign_in(&browser, &server, "sam@example.com", None).await;
    wait_signed_in(&browser).await;
    assert_eq!(messages_to(&server, "sam@example.com").await, 0);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_code_says_how_many_attempts_are_left_and_the_right_one_still_works() {
    let server = start_server().await;
    register(
        &server,
        "joe@example.com",
        "tfa_sms",
        Some(("phoneNumber", PHONE)),
    )
    .await;
    let browser = Browser::start().await;
    sign_in(&browser, &server, "joe@example.com", None).await;
    browser.wait_state("login", "code_entry").await;
    let code = latest_code(&server, PHONE).await;
    enter_wrong_code(&browser, &code).await;
    browser
        .wait_text("That code isn't right. 4 attempts left.")
        .await;
    let alert = browser.alert_text().await;
    assert!(alert.contains("4 attempts left"), "alert says: {alert}");
    browser.screenshot("login-wrong-code").await;
    browser.fill("Verification code", &code).await;
    wait_signed_in(&browser).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn five_wrong_codes_lock_the_code_until_a_new_one_is_sent() {
    let server = start_server().await;
    register(
        &server,
        "joe@example.com",
        "tfa_sms",
        Some(("phoneNumber", PHONE)),
    )
    .await;
    let browser = Browser::start().await;
    sign_in(&browser, &server, "joe@example.com", None).await;
    browser.wait_state("login", "code_entry").await;
    let code = latest_code(&server, PHONE).await;
    for _ in 0..5 {
        enter_wrong_code(&browser, &code).await;
    }
    browser.wait_state("login", "locked").await;
    browser.wait_text("Too many attempts").await;
    browser.wait_text("You can ask for a new code in 0:").await;
    assert!(is_disabled(&browser, "Send a new code").await);
    browser.screenshot("login-locked").await;

    // The server's wait is skipped; the screen's own countdown runs in real time.
    server.clock.advance(Duration::from_secs(31));
    let deadline = Instant::now() + Duration::from_secs(40);
    while is_disabled(&browser, "Send a new code").await {
        assert!(Instant::now() < deadline, "Send a new code stayed disabled");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    browser.click("Send a new code").await;
    browser.wait_state("login", "code_entry").await;
    browser.wait_text("We sent a new code.").await;
    let new_code = latest_code(&server, PHONE).await;
    assert_ne!(new_code, code);
    browser.fill("Verification code", &new_code).await;
    wait_signed_in(&browser).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn resend_is_held_back_by_a_visible_countdown() {
    let server = start_server().await;
    register(
        &server,
        "joe@example.com",
        "tfa_sms",
        Some(("phoneNumber", PHONE)),
    )
    .await;
    let browser = Browser::start().await;
    sign_in(&browser, &server, "joe@example.com", None).await;
    browser.wait_state("login", "code_entry").await;
    let sent = messages_to(&server, PHONE).await;
    let first = resend_button_text(&browser).await;
    assert!(
        first.starts_with("Resend code in 0:2") || first.starts_with("Resend code in 0:30"),
        "the resend button reads {first:?}"
    );
    assert!(first.ends_with("(disabled)"), "{first:?}");
    // A click on the disabled button sends nothing.
    browser
        .client
        .execute(
            "[...document.querySelectorAll('button')].find(b => b.innerText.startsWith('Resend code')).click();",
            vec![],
        )
        .await
        .expect("click the resend button");
    // The countdown moves on each one-second tick of the screen's clock.
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut later = resend_button_text(&browser).await;
    while later == first && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        later = resend_button_text(&browser).await;
    }
    assert_ne!(later, first, "the countdown moves");
    assert!(later.ends_with("(disabled)"), "{later:?}");
    assert_eq!(messages_to(&server, PHONE).await, sent);
    browser.screenshot("login-resend-countdown").await;
    let code = latest_code(&server, PHONE).await;
    browser.fill("Verification code", &code).await;
    wait_signed_in(&browser).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn against_a_part1_server_the_fallbacks_carry_the_code_step() {
    let server = start_server_with(TestOptions {
        part1_only: true,
        ..Default::default()
    })
    .await;
    register(
        &server,
        "joe@example.com",
        "tfa_sms",
        Some(("phoneNumber", PHONE)),
    )
    .await;
    let browser = Browser::start().await;
    sign_in(&browser, &server, "joe@example.com", None).await;
    browser.wait_state("login", "code_entry").await;
    // No destination, no expiry, no resend delay from the server: the app's own.
    browser
        .wait_text("We sent a 6-digit code to your phone.")
        .await;
    browser.wait_text("Code expires in 4:").await;
    let resend = resend_button_text(&browser).await;
    assert!(resend.starts_with("Resend code in 0:"), "{resend:?}");
    let code = latest_code(&server, PHONE).await;
    enter_wrong_code(&browser, &code).await;
    browser
        .wait_text("That code isn't right. Check it and try again.")
        .await;
    browser.screenshot("login-part1-wrong-code").await;
    browser.fill("Verification code", &code).await;
    wait_signed_in(&browser).await;
    browser.close().await;
}

//! Two-factor settings in a real browser: a signed-in user turns TFA on by text message or by
//! email, proving the destination with a code from the outbox, and turns it off again with the
//! password; without a session the page asks to sign in. Users are set up directly over HTTP in
//! the shapes of API.md, and signed in through the login screen, as a person would.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use serde_json::json;
use support::{
    Browser, PASSWORD, guest_token, latest_code, post_doc, sign_in, start_server, wait_signed_in,
};
use tfa_server::testing::TestServer;

const PHONE: &str = "+14165551234";

/// A password-only customer whose username is their email.
async fn register_simple(server: &TestServer, name: &str, email: &str) {
    let guest = guest_token(server).await;
    let customer = json!({"data": {"type": "Customer", "attributes": {
        "status": "registered", "name": name, "email": email, "username": email,
        "password": PASSWORD, "authMethod": "simple"}}});
    post_doc(server, "/v1/customers", &guest, customer, 201).await;
}

/// A customer with text-message TFA on `PHONE`, proved with a verification code.
async fn register_sms(server: &TestServer, email: &str) {
    let guest = guest_token(server).await;
    let request = json!({"data": {"type": "PhoneVerificationCode",
        "attributes": {"phoneNumber": PHONE}}});
    post_doc(server, "/v1/phone_verification_codes", &guest, request, 204).await;
    let code = latest_code(server, PHONE).await;
    let customer = json!({"data": {"type": "Customer", "attributes": {
        "status": "registered", "name": "Joe Doe", "email": email, "username": email,
        "password": PASSWORD, "phoneNumber": PHONE, "phoneVerificationCode": code,
        "authMethod": "tfa_sms"}}});
    post_doc(server, "/v1/customers", &guest, customer, 201).await;
}

/// From the signed-in start page to the two-factor settings, by the link a person follows.
async fn open_settings(browser: &Browser) {
    browser.click("Two-factor settings").await;
    browser.wait_state("enroll", "overview").await;
}

/// Picks a radio option by clicking its label, as a person does (the label covers the radio).
async fn choose(browser: &Browser, option: &str) {
    let quoted = serde_json::to_string(option).expect("a string serialises");
    let xpath = format!("//label[normalize-space(.)={quoted}]");
    browser
        .client
        .find(fantoccini::Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no option labelled {option:?}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("choose {option:?}: {e}"));
    let field = browser.field(option).await;
    assert_eq!(
        field.prop("checked").await.ok().flatten().as_deref(),
        Some("true"),
        "{option:?} is not chosen"
    );
}

/// JavaScript for the text of the error shown beside the field labelled `label` (what its
/// `aria-describedby` points at with the `error` class); empty when there is none.
fn error_beside_js(label: &str) -> String {
    let label = serde_json::to_string(label).expect("a string serialises");
    format!(
        "(() => {{ const l = [...document.querySelectorAll('label')].find(l => l.innerText.trim() === {label}); \
         const input = l && document.getElementById(l.htmlFor); \
         const ids = (input && input.getAttribute('aria-describedby')) || ''; \
         return ids.split(' ').map(id => document.getElementById(id)) \
         .filter(el => el && el.classList.contains('error')) \
         .map(el => el.innerText.trim()).join(' '); }})()"
    )
}

async fn error_beside(browser: &Browser, label: &str) -> String {
    browser
        .client
        .execute(&format!("return {};", error_beside_js(label)), vec![])
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_turns_on_text_message_codes_and_is_asked_for_one_at_the_next_sign_in() {
    let server = start_server().await;
    register_simple(&server, "Sam Simple", "sam@example.com").await;
    let browser = Browser::start().await;
    sign_in(&browser, &server, "sam@example.com", None).await;
    wait_signed_in(&browser).await;
    open_settings(&browser).await;
    browser.wait_text("Off — password only").await;
    browser.screenshot("enroll-overview").await;

    browser.click("Turn on").await;
    browser.wait_state("enroll", "choose_method").await;
    browser.screenshot("enroll-choose").await;
    choose(&browser, "Text message").await;
    browser.click("Continue").await;
    browser.wait_state("enroll", "destination").await;
    browser.wait_text("Your mobile phone").await;
    browser.fill("Mobile phone", "416 555 1234").await;
    browser.screenshot("enroll-phone").await;
    browser.click("Send code").await;
    browser.wait_state("enroll", "code_entry").await;
    browser.wait_text("+1 ••• ••• 1234").await;
    browser.screenshot("enroll-code").await;

    let code = latest_code(&server, PHONE).await;
    browser.fill("Verification code", &code).await;
    browser.wait_state("enroll", "enabled").await;
    browser.wait_text("Two-factor authentication is on").await;
    browser
        .wait_text("On — text message to +1 ••• ••• 1234")
        .await;
    browser.screenshot("enroll-enabled").await;

    browser.click("Done").await;
    wait_signed_in(&browser).await;
    browser.click("Sign out").await;
    browser
        .wait_js(
            "the signed-out start page",
            "document.querySelector('[data-state=home]')",
        )
        .await;
    sign_in(&browser, &server, "sam@example.com", None).await;
    browser.wait_state("login", "code_entry").await;
    browser.wait_text("Enter the code").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_turns_on_email_codes_for_their_own_address() {
    let server = start_server().await;
    register_simple(&server, "Emma Mail", "emma@example.com").await;
    let browser = Browser::start().await;
    sign_in(&browser, &server, "emma@example.com", None).await;
    wait_signed_in(&browser).await;
    open_settings(&browser).await;

    browser.click("Turn on").await;
    browser.wait_state("enroll", "choose_method").await;
    choose(&browser, "Email").await;
    browser.click("Continue").await;
    browser.wait_state("enroll", "destination").await;
    browser.wait_text("Your email").await;
    // The address the account already has is offered.
    assert_eq!(browser.value_of("Email").await, "emma@example.com");
    browser.screenshot("enroll-email").await;
    browser.click("Send code").await;
    browser.wait_state("enroll", "code_entry").await;
    browser.wait_text("e•••@example.com").await;

    let code = latest_code(&server, "emma@example.com").await;
    browser.fill("Verification code", &code).await;
    browser.wait_state("enroll", "enabled").await;
    browser.wait_text("On — email to e•••@example.com").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn turning_two_factor_off_needs_the_right_password() {
    let server = start_server().await;
    register_sms(&server, "joe@example.com").await;
    let browser = Browser::start().await;
    sign_in(&browser, &server, "joe@example.com", None).await;
    browser.wait_state("login", "code_entry").await;
    let otp = latest_code(&server, PHONE).await;
    browser.fill("Verification code", &otp).await;
    wait_signed_in(&browser).await;
    open_settings(&browser).await;
    browser
        .wait_text("On — text message to +1 ••• ••• 1234")
        .await;
    browser.screenshot("enroll-overview-on").await;

    browser.click("Turn off").await;
    browser.wait_state("enroll", "confirm_disable").await;
    let password = browser.field("Password").await;
    assert_eq!(
        password
            .attr("autocomplete")
            .await
            .ok()
            .flatten()
            .as_deref(),
        Some("current-password")
    );
    // Nothing typed: the field says so before anything is sent.
    browser.click("Turn off").await;
    let beside = error_beside_js("Password");
    browser
        .wait_js("an error beside Password", &format!("{beside} !== ''"))
        .await;
    let required = error_beside(&browser, "Password").await;
    assert_eq!(
        password
            .attr("aria-invalid")
            .await
            .ok()
            .flatten()
            .as_deref(),
        Some("true")
    );

    // A wrong password: the server's refusal is shown beside the field, in other words.
    browser.fill("Password", "not-my-password").await;
    browser.click("Turn off").await;
    let quoted = serde_json::to_string(&required).expect("a string serialises");
    browser
        .wait_js(
            "the wrong-password error beside Password",
            &format!("{beside} !== '' && {beside} !== {quoted}"),
        )
        .await;
    browser.wait_state("enroll", "confirm_disable").await;
    browser.screenshot("enroll-turn-off").await;

    browser.fill("Password", PASSWORD).await;
    browser.click("Turn off").await;
    browser.wait_state("enroll", "disabled").await;
    browser.wait_text("Two-factor authentication is off").await;
    browser.screenshot("enroll-disabled").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn after_signing_out_the_settings_ask_to_sign_in() {
    let server = start_server().await;
    register_simple(&server, "Sam Simple", "sam@example.com").await;
    let browser = Browser::start().await;
    sign_in(&browser, &server, "sam@example.com", None).await;
    wait_signed_in(&browser).await;
    browser.click("Sign out").await;
    browser
        .wait_js(
            "the signed-out start page",
            "document.querySelector('[data-state=home]')",
        )
        .await;
    browser.wait_text("Sign in securely").await;
    browser.goto(&server.url("/account/security")).await;
    browser.wait_state("enroll", "needs_login").await;
    browser.wait_text("Sign in first").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_session_the_settings_lead_to_the_login() {
    let server = start_server().await;
    let browser = Browser::start().await;
    browser.goto(&server.url("/account/security")).await;
    browser.wait_state("enroll", "needs_login").await;
    browser.wait_text("Sign in first").await;
    browser.screenshot("enroll-needs-login").await;
    browser.click("Sign in").await;
    browser.wait_state("login", "credentials").await;
    browser.close().await;
}

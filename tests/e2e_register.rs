//! Registering with two-factor authentication, in a real browser against the reference server:
//! by SMS and by email, each ending signed in; a taken username sending the user back to the
//! details with everything kept; and the server going away in the middle of the flow.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use fantoccini::Locator;
use serde_json::{Value, json};
use support::{
    Browser, PASSWORD, guest_token, latest_code, post_doc, start_server, wait_signed_in,
};
use tfa_server::testing::TestServer;

struct Person<'a> {
    name: &'a str,
    email: &'a str,
    username: &'a str,
    /// National number, in Canada; `None` registers by email.
    phone: Option<&'a str>,
}

/// Opens the registration screen, chooses the method and fills in the details.
async fn fill_details(browser: &Browser, server: &TestServer, person: &Person<'_>) {
    browser.goto(&server.url("/register")).await;
    browser.wait_state("register", "method").await;
    let method = if person.phone.is_some() {
        "Text message"
    } else {
        "Email"
    };
    // As a person does: a click on the option's label.
    browser
        .client
        .find(Locator::XPath(&format!(
            "//label[normalize-space(.)='{method}']"
        )))
        .await
        .expect("the method's label")
        .click()
        .await
        .expect("choose the method");
    assert_eq!(
        browser
            .field(method)
            .await
            .prop("checked")
            .await
            .ok()
            .flatten()
            .as_deref(),
        Some("true")
    );
    browser.click("Continue").await;
    browser.wait_state("register", "details").await;
    browser.fill("Full name", person.name).await;
    browser.fill("Email", person.email).await;
    browser.fill("Username", person.username).await;
    browser.fill("Password", PASSWORD).await;
    if let Some(phone) = person.phone {
        browser
            .field("Country")
            .await
            .select_by_label("Canada (+1)")
            .await
            .expect("choose Canada");
        browser.fill("Mobile phone", phone).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn registering_by_sms_ends_signed_in() {
    let server = start_server().await;
    let browser = Browser::start().await;
    browser.goto(&server.url("/register")).await;
    browser.wait_state("register", "method").await;
    browser.screenshot("register-method").await;
    let person = Person {
        name: "Joe Doe",
        email: "joe@example.com",
        username: "joe",
        phone: Some("416 555 1234"),
    };
    fill_details(&browser, &server, &person).await;
    browser.screenshot("register-details").await;
    browser.click("Send code").await;
    browser.wait_state("register", "code_entry").await;
    browser
        .wait_text("We texted a 6-digit code to +1 ••• ••• 1234.")
        .await;
    browser.screenshot("register-code").await;
    browser.set_viewport(360, 800).await;
    browser.screenshot("register-code-360").await;
    browser.set_viewport(1024, 900).await;
    let code = latest_code(&server, "+14165551234").await;
    browser.fill("Verification code", &code).await;
    wait_signed_in(&browser).await;
    browser.screenshot("register-signed-in").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn registering_by_email_ends_signed_in() {
    let server = start_server().await;
    let browser = Browser::start().await;
    let person = Person {
        name: "Emma Mail",
        email: "emma@example.com",
        username: "emma@example.com",
        phone: None,
    };
    fill_details(&browser, &server, &person).await;
    assert!(
        !browser.page_text().await.contains("Mobile phone"),
        "no phone asked for by email"
    );
    browser.screenshot("register-details-email").await;
    browser.click("Send code").await;
    browser.wait_state("register", "code_entry").await;
    browser
        .wait_text("We emailed a 6-digit code to e•••@example.com.")
        .await;
    browser.button("Change email").await;
    let code = latest_code(&server, "emma@example.com").await;
    browser.fill("Verification code", &code).await;
    wait_signed_in(&browser).await;
    browser.close().await;
}

async fn register_over_http(server: &TestServer, username: &str) {
    let guest = guest_token(server).await;
    let doc = json!({"data": {"type": "Customer", "attributes": {
        "status": "registered", "name": "First Joe", "email": "first@example.com",
        "username": username, "password": PASSWORD, "authMethod": "simple"}}});
    post_doc(server, "/v1/customers", &guest, doc, 201).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_taken_username_goes_back_to_the_details_with_everything_kept() {
    let server = start_server().await;
    register_over_http(&server, "joe").await;
    let browser = Browser::start().await;
    let person = Person {
        name: "Joe Doe",
        email: "joe@example.com",
        username: "Joe",
        phone: Some("416 555 1234"),
    };
    fill_details(&browser, &server, &person).await;
    browser.click("Send code").await;
    browser.wait_state("register", "code_entry").await;
    let code = latest_code(&server, "+14165551234").await;
    browser.fill("Verification code", &code).await;
    browser.wait_state("register", "details").await;
    browser
        .wait_text("This username is already registered.")
        .await;
    let username = browser.field("Username").await;
    assert_eq!(
        username
            .attr("aria-invalid")
            .await
            .ok()
            .flatten()
            .as_deref(),
        Some("true")
    );
    let described = username
        .attr("aria-describedby")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let error_id = described.split(' ').next().unwrap_or_default();
    let error_text: Value = browser
        .client
        .execute(
            "const el = document.getElementById(arguments[0]); return el ? el.innerText : '';",
            vec![json!(error_id)],
        )
        .await
        .expect("read the error");
    assert_eq!(error_text, json!("This username is already registered."));
    assert!(
        !browser.alert_text().await.is_empty(),
        "the summary says so"
    );
    assert_eq!(browser.value_of("Full name").await, "Joe Doe");
    assert_eq!(browser.value_of("Email").await, "joe@example.com");
    assert_eq!(browser.value_of("Username").await, "Joe");
    assert_eq!(browser.value_of("Password").await, PASSWORD);
    assert_eq!(browser.value_of("Mobile phone").await, "416 555 1234");
    browser.screenshot("register-username-taken").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn when_the_server_goes_away_the_step_says_so_and_keeps_what_was_typed() {
    let mut server = start_server().await;
    let browser = Browser::start().await;
    let person = Person {
        name: "Joe Doe",
        email: "joe@example.com",
        username: "joe",
        phone: Some("416 555 1234"),
    };
    fill_details(&browser, &server, &person).await;
    server.stop().await;
    browser.click("Send code").await;
    browser.wait_state("register", "details").await;
    browser.wait_text("We couldn't reach the server.").await;
    let alert = browser.alert_text().await;
    assert!(
        alert.contains("Check your connection"),
        "alert says: {alert}"
    );
    assert_eq!(browser.value_of("Full name").await, "Joe Doe");
    assert_eq!(browser.value_of("Email").await, "joe@example.com");
    assert_eq!(browser.value_of("Username").await, "joe");
    assert_eq!(browser.value_of("Password").await, PASSWORD);
    assert_eq!(browser.value_of("Mobile phone").await, "416 555 1234");
    browser.screenshot("register-server-down").await;

    server.restart().await;
    browser.click("Send code").await;
    browser.wait_state("register", "code_entry").await;
    let code = latest_code(&server, "+14165551234").await;
    browser.fill("Verification code", &code).await;
    wait_signed_in(&browser).await;
    browser.close().await;
}

//! The success paths: guest token, registration, TFA login, refresh, enrolment, opting out.

use std::time::Duration;

use serde_json::json;
use tfa_server::testing::{TestOptions, TestServer};

use crate::common::*;

#[tokio::test]
async fn guest_token_from_publishable_token_reads_the_account() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let prt = srv.publishable_token().to_string();
    assert!(prt.starts_with("prt-test-"), "{prt}");

    let r = token(
        &srv,
        &[("grant_type", "refresh_token"), ("refresh_token", &prt)],
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let body = r.json();
    assert_eq!(body["token_type"], "bearer", "{body}");
    assert_eq!(body["expires_in"], 3600, "{body}");
    assert!(body["refresh_token"].is_string(), "{body}");
    let guest = body["access_token"].as_str().expect("access_token");

    let account = get(&srv, "/v1/account", Some(guest)).await;
    assert_eq!(account.status, 200, "{account:?}");
    let doc = account.json();
    assert_eq!(doc["data"]["id"], srv.account_id().to_string(), "{doc}");
    assert_eq!(doc["data"]["type"], "Account", "{doc}");
    let attrs = &doc["data"]["attributes"];
    assert_eq!(attrs["name"], "Acme Outfitters", "{doc}");
    assert_eq!(attrs["mode"], "test", "{doc}");
    let method = attrs["defaultAuthMethod"]
        .as_str()
        .expect("defaultAuthMethod");
    assert!(
        ["simple", "tfa_sms", "tfa_email"].contains(&method),
        "{doc}"
    );
    srv.stop().await;
}

#[tokio::test]
async fn config_json_names_the_api_and_the_seeded_account() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let r = Resp::read(
        client()
            .get(srv.url("/config.json"))
            .send()
            .await
            .expect("GET /config.json"),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let body = r.json();
    assert_eq!(
        body["publishableRefreshToken"],
        srv.publishable_token().to_string()
    );
    assert_eq!(body["accountId"], srv.account_id().to_string());
    assert!(body["apiBaseUrl"].is_string(), "{body}");
    srv.stop().await;
}

#[tokio::test]
async fn register_with_tfa_sms_then_verification_code_is_the_first_otp() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let guest = guest_token(&srv).await;
    let sent = send_phone_code(&srv, &guest, PHONE).await;
    assert_eq!(sent.status, 204, "{sent:?}");
    assert!(sent.text.is_empty(), "204 has no body: {sent:?}");
    let code = latest_code(&srv, PHONE).await;
    assert_eq!(code.len(), 6, "{code}");
    assert!(code.chars().all(|c| c.is_ascii_digit()), "{code}");
    let sms = &outbox(&srv).await[0];
    assert_eq!(sms["channel"], "sms", "{sms}");
    assert!(sms["body"].as_str().expect("body").contains(&code), "{sms}");
    assert!(sms["sentAt"].is_string(), "{sms}");

    let r = register(
        &srv,
        &guest,
        json!({"status": "registered", "name": "Joe Doe", "email": "joe@example.com",
            "username": "joe@example.com", "password": PASSWORD, "phoneNumber": PHONE,
            "phoneVerificationCode": code, "authMethod": "tfa_sms"}),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    let doc = r.json();
    assert_eq!(doc["data"]["type"], "Customer", "{doc}");
    assert!(
        doc["data"]["relationships"]["user"]["data"]["id"].is_string(),
        "{doc}"
    );

    let login = password_login(&srv, "joe@example.com", PASSWORD, Some(&code)).await;
    assert_eq!(login.status, 200, "{login:?}");
    let body = login.json();
    assert_eq!(body["token_type"], "bearer", "{body}");
    assert_eq!(body["expires_in"], 3600, "{body}");
    let urt = body["refresh_token"].as_str().expect("refresh_token");
    assert!(urt.starts_with("urt-test-"), "{urt}");

    let user = get(&srv, "/v1/user", Some(&login.access_token())).await;
    assert_eq!(user.status, 200, "{user:?}");
    let attrs = user.json()["data"]["attributes"].clone();
    assert_eq!(attrs["username"], "joe@example.com", "{attrs}");
    assert_eq!(attrs["authMethod"], "tfa_sms", "{attrs}");
    assert_eq!(attrs["phoneNumber"], PHONE, "{attrs}");
    srv.stop().await;
}

#[tokio::test]
async fn verification_code_stops_working_as_otp_after_five_minutes() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let code = register_sms(&srv, "late@example.com", PHONE).await;
    srv.clock.advance(Duration::from_secs(301));

    let login = password_login(&srv, "late@example.com", PASSWORD, Some(&code)).await;
    login.assert_tfa_error();
    srv.stop().await;
}

#[tokio::test]
async fn register_with_tfa_email_then_verification_code_is_the_first_otp() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let email = "emma@example.com";
    let code = register_email(&srv, email).await;
    let mail = &outbox(&srv).await[0];
    assert_eq!(mail["channel"], "email", "{mail}");
    assert_eq!(mail["to"], email, "{mail}");

    let login = password_login(&srv, email, PASSWORD, Some(&code)).await;
    assert_eq!(login.status, 200, "{login:?}");
    let user = get(&srv, "/v1/user", Some(&login.access_token())).await;
    assert_eq!(user.json()["data"]["attributes"]["authMethod"], "tfa_email");
    srv.stop().await;
}

#[tokio::test]
async fn email_verification_code_stops_working_as_otp_after_five_minutes() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let email = "slow@example.com";
    let code = register_email(&srv, email).await;
    srv.clock.advance(Duration::from_secs(301));
    password_login(&srv, email, PASSWORD, Some(&code))
        .await
        .assert_tfa_error();
    srv.stop().await;
}

#[tokio::test]
async fn sms_otp_login_with_code_from_outbox() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_sms(&srv, "joe@example.com", PHONE).await;
    let before = messages_to(&srv, PHONE).await;

    let first = password_login(&srv, "joe@example.com", PASSWORD, None).await;
    assert_eq!(
        first.header(OTP_HEADER).as_deref(),
        Some("required; auth_method=tfa_sms"),
        "{first:?}"
    );
    let otp = first.otp();
    assert_eq!(otp["status"], "sent", "{otp}");
    assert_eq!(otp["method"], "tfa_sms", "{otp}");
    assert_eq!(otp["expires_in"], 300, "{otp}");
    assert_eq!(otp["resend_after"], 30, "{otp}");
    assert_eq!(otp["attempts_left"], 5, "{otp}");
    assert_eq!(otp["destination"], "+1 ••• ••• 1234", "{otp}");

    assert_eq!(messages_to(&srv, PHONE).await, before + 1, "one SMS sent");
    let sms = &outbox(&srv).await[0];
    assert_eq!(sms["channel"], "sms", "{sms}");
    assert_eq!(sms["to"], PHONE, "{sms}");
    let code = sms["code"].as_str().expect("code").to_string();

    let login = password_login(&srv, "joe@example.com", PASSWORD, Some(&code)).await;
    assert_eq!(login.status, 200, "{login:?}");
    assert!(
        login.json()["refresh_token"]
            .as_str()
            .expect("refresh_token")
            .starts_with("urt-test-")
    );

    // Single use.
    let again = password_login(&srv, "joe@example.com", PASSWORD, Some(&code)).await;
    again.assert_tfa_error();
    srv.stop().await;
}

#[tokio::test]
async fn email_otp_login_with_code_from_outbox() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let email = "emma@example.com";
    register_email(&srv, email).await;

    let first = password_login(&srv, email, PASSWORD, None).await;
    let otp = first.otp();
    assert_eq!(otp["status"], "sent", "{otp}");
    assert_eq!(otp["method"], "tfa_email", "{otp}");
    let dest = otp["destination"].as_str().expect("destination");
    assert!(!dest.contains("emma"), "the address is masked: {dest}");
    assert_eq!(
        first.header(OTP_HEADER).as_deref(),
        Some("required; auth_method=tfa_email"),
        "{first:?}"
    );

    let mail = &outbox(&srv).await[0];
    assert_eq!(mail["channel"], "email", "{mail}");
    assert_eq!(mail["to"], email, "{mail}");
    let code = mail["code"].as_str().expect("code").to_string();

    let login = password_login(&srv, email, PASSWORD, Some(&code)).await;
    assert_eq!(login.status, 200, "{login:?}");
    srv.stop().await;
}

#[tokio::test]
async fn refresh_token_grant_with_the_users_refresh_token() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_simple(&srv, "sam@example.com").await;
    let login = password_login(&srv, "sam@example.com", PASSWORD, None).await;
    assert_eq!(login.status, 200, "{login:?}");
    let urt = login.json()["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_string();
    assert!(urt.starts_with("urt-test-"), "{urt}");

    let scope = scope(&srv);
    let refreshed = token(
        &srv,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &urt),
            ("scope", &scope),
        ],
        None,
    )
    .await;
    assert_eq!(refreshed.status, 200, "{refreshed:?}");
    let body = refreshed.json();
    assert_eq!(body["token_type"], "bearer", "{body}");
    assert_eq!(body["expires_in"], 3600, "{body}");
    let user = get(&srv, "/v1/user", Some(&refreshed.access_token())).await;
    assert_eq!(user.status, 200, "{user:?}");
    assert_eq!(
        user.json()["data"]["attributes"]["username"],
        "sam@example.com"
    );
    srv.stop().await;
}

#[tokio::test]
async fn enrolment_by_sms_via_patch_user_then_login_needs_otp() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_simple(&srv, "sam@example.com").await;
    let user_token = password_login(&srv, "sam@example.com", PASSWORD, None)
        .await
        .access_token();

    let sent = send_phone_code(&srv, &user_token, PHONE).await;
    assert_eq!(sent.status, 204, "{sent:?}");
    let code = latest_code(&srv, PHONE).await;
    let r = patch_user(
        &srv,
        &user_token,
        json!({"authMethod": "tfa_sms", "phoneNumber": PHONE, "phoneVerificationCode": code}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let doc = r.json();
    assert_eq!(doc["data"]["type"], "User", "{doc}");
    let attrs = &doc["data"]["attributes"];
    assert_eq!(attrs["authMethod"], "tfa_sms", "{doc}");
    assert_eq!(attrs["phoneNumber"], PHONE, "{doc}");
    assert_eq!(attrs["username"], "sam@example.com", "{doc}");

    let first = password_login(&srv, "sam@example.com", PASSWORD, None).await;
    assert_eq!(first.otp()["method"], "tfa_sms", "{first:?}");
    let otp = latest_code(&srv, PHONE).await;
    let login = password_login(&srv, "sam@example.com", PASSWORD, Some(&otp)).await;
    assert_eq!(login.status, 200, "{login:?}");
    srv.stop().await;
}

#[tokio::test]
async fn enrolment_by_email_via_patch_user_then_login_needs_otp() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let email = "sam@example.com";
    register_simple(&srv, email).await;
    let user_token = password_login(&srv, email, PASSWORD, None)
        .await
        .access_token();

    let sent = send_email_code(&srv, &user_token, email).await;
    assert_eq!(sent.status, 204, "{sent:?}");
    let code = latest_code(&srv, email).await;
    let r = patch_user(
        &srv,
        &user_token,
        json!({"authMethod": "tfa_email", "email": email, "emailVerificationCode": code}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["data"]["attributes"]["authMethod"], "tfa_email");

    let first = password_login(&srv, email, PASSWORD, None).await;
    assert_eq!(first.otp()["method"], "tfa_email", "{first:?}");
    let otp = latest_code(&srv, email).await;
    let login = password_login(&srv, email, PASSWORD, Some(&otp)).await;
    assert_eq!(login.status, 200, "{login:?}");
    srv.stop().await;
}

#[tokio::test]
async fn turning_tfa_off_needs_the_current_password() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_sms(&srv, "joe@example.com", PHONE).await;
    let user_token = tfa_login(&srv, "joe@example.com", PHONE).await;

    let missing = patch_user(&srv, &user_token, json!({"authMethod": "simple"})).await;
    missing.assert_field_error(422, "required", "/data/attributes/currentPassword");

    let wrong = patch_user(
        &srv,
        &user_token,
        json!({"authMethod": "simple", "currentPassword": "not-my-password"}),
    )
    .await;
    wrong.assert_field_error(422, "mustMatch", "/data/attributes/currentPassword");

    // Still TFA after the two refusals (past the 30 s resend pause, so a new code is sent).
    srv.clock.advance(Duration::from_secs(31));
    let still = password_login(&srv, "joe@example.com", PASSWORD, None).await;
    still.assert_tfa_error();

    let ok = patch_user(
        &srv,
        &user_token,
        json!({"authMethod": "simple", "currentPassword": PASSWORD}),
    )
    .await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(ok.json()["data"]["attributes"]["authMethod"], "simple");

    let login = password_login(&srv, "joe@example.com", PASSWORD, None).await;
    assert_eq!(login.status, 200, "{login:?}");
    srv.stop().await;
}

#[tokio::test]
async fn simple_user_logs_in_with_one_request() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_simple(&srv, "sam@example.com").await;
    let before = outbox(&srv).await.len();

    let login = password_login(&srv, "sam@example.com", PASSWORD, None).await;
    assert_eq!(login.status, 200, "{login:?}");
    let body = login.json();
    assert_eq!(body["token_type"], "bearer", "{body}");
    assert_eq!(body["expires_in"], 3600, "{body}");
    assert!(body.get("otp").is_none(), "{body}");
    assert_eq!(
        outbox(&srv).await.len(),
        before,
        "no message for a simple login"
    );

    let user = get(&srv, "/v1/user", Some(&login.access_token())).await;
    assert_eq!(user.status, 200, "{user:?}");
    let attrs = user.json()["data"]["attributes"].clone();
    assert_eq!(attrs["username"], "sam@example.com", "{attrs}");
    assert_eq!(attrs["authMethod"], "simple", "{attrs}");
    assert_eq!(attrs["email"], "sam@example.com", "{attrs}");
    assert_eq!(attrs["name"], "Simple Sam", "{attrs}");
    assert!(attrs["emailVerified"].is_boolean(), "{attrs}");
    assert!(attrs.get("password").is_none(), "{attrs}");
    srv.stop().await;
}

#[tokio::test]
async fn usernames_are_stored_lowercased_without_spaces() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let guest = guest_token(&srv).await;
    let r = register(
        &srv,
        &guest,
        json!({"status": "registered", "name": "Joe Doe", "email": "joe@example.com",
            "username": "  Joe@Example.com ", "password": PASSWORD}),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");

    let login = password_login(&srv, "joe@example.com", PASSWORD, None).await;
    assert_eq!(login.status, 200, "{login:?}");
    let user = get(&srv, "/v1/user", Some(&login.access_token())).await;
    assert_eq!(
        user.json()["data"]["attributes"]["username"],
        "joe@example.com"
    );
    srv.stop().await;
}

#[tokio::test]
async fn registered_user_logs_in_after_a_restart_on_the_same_database() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_simple(&srv, "sam@example.com").await;
    register_sms(&srv, "joe@example.com", PHONE).await;
    let port_before = srv.base_url.clone();

    srv.stop().await;
    srv.restart().await;
    assert_eq!(srv.base_url, port_before, "same address after restart");

    let login = password_login(&srv, "sam@example.com", PASSWORD, None).await;
    assert_eq!(login.status, 200, "{login:?}");
    // The TFA user and their phone survive as well.
    let token = tfa_login(&srv, "joe@example.com", PHONE).await;
    let user = get(&srv, "/v1/user", Some(&token)).await;
    assert_eq!(user.json()["data"]["attributes"]["authMethod"], "tfa_sms");
    srv.stop().await;
}

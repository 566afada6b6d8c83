//! Error answers: OAuth-style on `/v1/token`, JSON:API validation errors elsewhere.

use std::time::Duration;

use serde_json::json;
use tfa_server::testing::{TestOptions, TestServer};

use crate::common::*;

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_identical_invalid_grant() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_simple(&srv, "sam@example.com").await;

    let wrong = password_login(&srv, "sam@example.com", "not-the-password", None).await;
    let unknown = password_login(&srv, "nobody@example.com", "not-the-password", None).await;
    for r in [&wrong, &unknown] {
        assert_eq!(r.status, 400, "{r:?}");
        let body = r.json();
        assert_eq!(body["error"], "invalid_grant", "{body}");
        assert_eq!(body["error_description"], BAD_CREDENTIALS, "{body}");
        assert!(r.header(OTP_HEADER).is_none(), "{r:?}");
    }
    assert_eq!(wrong.text, unknown.text, "byte-identical bodies");
    srv.stop().await;
}

#[tokio::test]
async fn tfa_user_with_wrong_password_never_reaches_the_otp_step() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_sms(&srv, "joe@example.com", PHONE).await;
    let before = messages_to(&srv, PHONE).await;

    let r = password_login(&srv, "joe@example.com", "not-the-password", None).await;
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.json()["error"], "invalid_grant", "{r:?}");
    assert_eq!(r.json()["error_description"], BAD_CREDENTIALS, "{r:?}");
    assert!(r.json().get("otp").is_none(), "{r:?}");
    assert_eq!(messages_to(&srv, PHONE).await, before, "no SMS sent");

    // A wrong password with an OTP header is still just invalid_grant.
    let with_otp =
        password_login(&srv, "joe@example.com", "not-the-password", Some("123456")).await;
    assert_eq!(with_otp.json()["error"], "invalid_grant", "{with_otp:?}");
    srv.stop().await;
}

#[tokio::test]
async fn bad_scope_is_invalid_grant() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_simple(&srv, "sam@example.com").await;
    let r = token(
        &srv,
        &[
            ("grant_type", "password"),
            ("username", "sam@example.com"),
            ("password", PASSWORD),
            ("scope", "aid:00000000-0000-4000-8000-000000000000"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.json()["error"], "invalid_grant", "{r:?}");
    assert_eq!(r.json()["error_description"], BAD_CREDENTIALS, "{r:?}");
    srv.stop().await;
}

#[tokio::test]
async fn unknown_refresh_token_is_invalid_grant() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let r = token(
        &srv,
        &[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                "urt-test-00000000-0000-4000-8000-000000000000",
            ),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, 400, "{r:?}");
    let body = r.json();
    assert_eq!(body["error"], "invalid_grant", "{body}");
    assert_eq!(
        body["error_description"], "Refresh token is invalid.",
        "{body}"
    );
    srv.stop().await;
}

#[tokio::test]
async fn otp_missing_then_wrong_then_expired_says_what_happened() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_sms(&srv, "joe@example.com", PHONE).await;

    // Missing: a code is sent.
    let missing = password_login(&srv, "joe@example.com", PASSWORD, None).await;
    let otp = missing.otp();
    assert_eq!(otp["status"], "sent", "{otp}");
    assert_eq!(otp["attempts_left"], 5, "{otp}");
    let code = latest_code(&srv, PHONE).await;
    let sent = messages_to(&srv, PHONE).await;

    // Wrong: the same Part 1 body, status invalid, one attempt fewer, no new code.
    let wrong = password_login(&srv, "joe@example.com", PASSWORD, Some(&wrong_code(&code))).await;
    let otp = wrong.otp();
    assert_eq!(otp["status"], "invalid", "{otp}");
    assert_eq!(otp["method"], "tfa_sms", "{otp}");
    assert_eq!(otp["attempts_left"], 4, "{otp}");
    assert_eq!(
        wrong.header(OTP_HEADER).as_deref(),
        Some("required; auth_method=tfa_sms")
    );
    let wrong2 = password_login(&srv, "joe@example.com", PASSWORD, Some(&wrong_code(&code))).await;
    assert_eq!(wrong2.otp()["attempts_left"], 3, "{wrong2:?}");
    assert_eq!(
        messages_to(&srv, PHONE).await,
        sent,
        "no new code on a wrong one"
    );

    // Expired: the right code after five minutes and a second.
    srv.clock.advance(Duration::from_secs(301));
    let expired = password_login(&srv, "joe@example.com", PASSWORD, Some(&code)).await;
    let otp = expired.otp();
    assert_eq!(otp["status"], "expired", "{otp}");
    assert_eq!(
        messages_to(&srv, PHONE).await,
        sent,
        "no new code on an expired one"
    );
    srv.stop().await;
}

#[tokio::test]
async fn code_is_locked_after_five_wrong_tries() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_sms(&srv, "joe@example.com", PHONE).await;
    password_login(&srv, "joe@example.com", PASSWORD, None)
        .await
        .assert_tfa_error();
    let code = latest_code(&srv, PHONE).await;
    let bad = wrong_code(&code);

    for left in (0..5).rev() {
        let r = password_login(&srv, "joe@example.com", PASSWORD, Some(&bad)).await;
        let otp = r.otp();
        assert_eq!(otp["attempts_left"], left, "{otp}");
        if left > 0 {
            assert_eq!(otp["status"], "invalid", "{otp}");
        } else {
            assert!(
                otp["status"] == "invalid" || otp["status"] == "locked",
                "{otp}"
            );
        }
    }

    let right = password_login(&srv, "joe@example.com", PASSWORD, Some(&code)).await;
    let otp = right.otp();
    assert_eq!(otp["status"], "locked", "{otp}");
    assert_eq!(otp["attempts_left"], 0, "{otp}");
    srv.stop().await;
}

#[tokio::test]
async fn invalid_phone_number_is_a_format_error() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let guest = guest_token(&srv).await;
    for bad in ["4165551234", "+1 416 555 1234", "+1416", "+1416555123x"] {
        let r = send_phone_code(&srv, &guest, bad).await;
        r.assert_field_error(422, "format", "/data/attributes/phoneNumber");
    }
    assert!(
        outbox(&srv).await.is_empty(),
        "nothing sent to a bad number"
    );
    srv.stop().await;
}

#[tokio::test]
async fn wrong_verification_code_at_registration_is_refused() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let guest = guest_token(&srv).await;
    assert_eq!(send_phone_code(&srv, &guest, PHONE).await.status, 204);
    let code = latest_code(&srv, PHONE).await;
    let r = register(
        &srv,
        &guest,
        json!({"status": "registered", "name": "Joe Doe", "email": "joe@example.com",
            "username": "joe@example.com", "password": PASSWORD, "phoneNumber": PHONE,
            "phoneVerificationCode": wrong_code(&code), "authMethod": "tfa_sms"}),
    )
    .await;
    r.assert_field_error(422, "invalid", "/data/attributes/phoneVerificationCode");

    // Nobody was registered.
    let login = password_login(&srv, "joe@example.com", PASSWORD, None).await;
    assert_eq!(login.json()["error"], "invalid_grant", "{login:?}");
    srv.stop().await;
}

#[tokio::test]
async fn verification_code_for_another_number_is_refused() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let guest = guest_token(&srv).await;
    assert_eq!(send_phone_code(&srv, &guest, PHONE).await.status, 204);
    let code = latest_code(&srv, PHONE).await;
    let r = register(
        &srv,
        &guest,
        json!({"status": "registered", "name": "Joe Doe", "email": "joe@example.com",
            "username": "joe@example.com", "password": PASSWORD, "phoneNumber": "+14165559999",
            "phoneVerificationCode": code, "authMethod": "tfa_sms"}),
    )
    .await;
    r.assert_field_error(422, "invalid", "/data/attributes/phoneVerificationCode");
    srv.stop().await;
}

#[tokio::test]
async fn username_taken_is_refused() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_simple(&srv, "sam@example.com").await;
    let guest = guest_token(&srv).await;
    let r = register(
        &srv,
        &guest,
        json!({"status": "registered", "name": "Other Sam", "email": "other@example.com",
            "username": "Sam@Example.com", "password": PASSWORD}),
    )
    .await;
    r.assert_field_error(422, "taken", "/data/attributes/username");
    srv.stop().await;
}

#[tokio::test]
async fn unknown_auth_method_is_an_inclusion_error_not_a_lock_out() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let guest = guest_token(&srv).await;
    let r = register(
        &srv,
        &guest,
        json!({"status": "registered", "name": "Pat Phone", "email": "pat@example.com",
            "username": "pat@example.com", "password": PASSWORD, "authMethod": "tfa_phone"}),
    )
    .await;
    r.assert_field_error(422, "inclusion", "/data/attributes/authMethod");

    register_simple(&srv, "sam@example.com").await;
    let user_token = password_login(&srv, "sam@example.com", PASSWORD, None)
        .await
        .access_token();
    let patch = patch_user(&srv, &user_token, json!({"authMethod": "tfa_phone"})).await;
    patch.assert_field_error(422, "inclusion", "/data/attributes/authMethod");

    // Not locked out: the user still logs in with one request.
    let login = password_login(&srv, "sam@example.com", PASSWORD, None).await;
    assert_eq!(login.status, 200, "{login:?}");
    srv.stop().await;
}

#[tokio::test]
async fn unsupported_grant_type() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let r = token(
        &srv,
        &[
            ("grant_type", "client_credentials"),
            ("scope", &scope(&srv)),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.json()["error"], "unsupported_grant_type", "{r:?}");
    assert!(r.json()["error_description"].is_string(), "{r:?}");
    srv.stop().await;
}

#[tokio::test]
async fn missing_params_are_invalid_request() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let scope = scope(&srv);
    let cases: [&[(&str, &str)]; 3] = [
        &[
            ("grant_type", "password"),
            ("username", "sam@example.com"),
            ("scope", &scope),
        ],
        &[
            ("grant_type", "password"),
            ("password", PASSWORD),
            ("scope", &scope),
        ],
        &[("grant_type", "refresh_token")],
    ];
    for params in cases {
        let r = token(&srv, params, None).await;
        assert_eq!(r.status, 400, "{params:?}: {r:?}");
        let body = r.json();
        assert_eq!(body["error"], "invalid_request", "{params:?}: {body}");
        assert_eq!(body["error_description"], MALFORMED, "{params:?}: {body}");
    }
    srv.stop().await;
}

#[tokio::test]
async fn missing_token_on_user_is_401_with_empty_body() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let r = get(&srv, "/v1/user", None).await;
    assert_eq!(r.status, 401, "{r:?}");
    assert!(r.text.is_empty(), "{r:?}");

    let bad = get(&srv, "/v1/user", Some("not-a-token")).await;
    assert_eq!(bad.status, 401, "{bad:?}");
    assert!(bad.text.is_empty(), "{bad:?}");
    srv.stop().await;
}

#[tokio::test]
async fn guest_token_on_user_is_403_access_denied() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let guest = guest_token(&srv).await;
    let r = get(&srv, "/v1/user", Some(&guest)).await;
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(r.first_error()["code"], "access_denied", "{r:?}");
    srv.stop().await;
}

#[tokio::test]
async fn wrong_email_verification_code_at_registration_is_refused() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let guest = guest_token(&srv).await;
    let email = "emma@example.com";
    assert_eq!(send_email_code(&srv, &guest, email).await.status, 204);
    let code = latest_code(&srv, email).await;
    let r = register(
        &srv,
        &guest,
        json!({"status": "registered", "name": "Emma Mail", "email": email,
            "username": email, "password": PASSWORD,
            "emailVerificationCode": wrong_code(&code), "authMethod": "tfa_email"}),
    )
    .await;
    r.assert_field_error(422, "invalid", "/data/attributes/emailVerificationCode");
    srv.stop().await;
}

#[tokio::test]
async fn verification_code_expires_after_30_minutes() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let guest = guest_token(&srv).await;
    assert_eq!(send_phone_code(&srv, &guest, PHONE).await.status, 204);
    let code = latest_code(&srv, PHONE).await;
    srv.clock.advance(Duration::from_secs(30 * 60 + 1));
    // The guest token from before is still valid (an hour), but take the usual path anyway.
    let guest = guest_token(&srv).await;
    let r = register(
        &srv,
        &guest,
        json!({"status": "registered", "name": "Joe Doe", "email": "joe@example.com",
            "username": "joe@example.com", "password": PASSWORD, "phoneNumber": PHONE,
            "phoneVerificationCode": code, "authMethod": "tfa_sms"}),
    )
    .await;
    r.assert_field_error(422, "invalid", "/data/attributes/phoneVerificationCode");
    srv.stop().await;
}

#[tokio::test]
async fn verification_code_is_single_use() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let code = register_sms(&srv, "joe@example.com", PHONE).await;
    let guest = guest_token(&srv).await;
    let r = register(
        &srv,
        &guest,
        json!({"status": "registered", "name": "Jane Doe", "email": "jane@example.com",
            "username": "jane@example.com", "password": PASSWORD, "phoneNumber": PHONE,
            "phoneVerificationCode": code, "authMethod": "tfa_sms"}),
    )
    .await;
    r.assert_field_error(422, "invalid", "/data/attributes/phoneVerificationCode");
    srv.stop().await;
}

#[tokio::test]
async fn verification_code_dies_after_five_wrong_tries() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let guest = guest_token(&srv).await;
    assert_eq!(send_phone_code(&srv, &guest, PHONE).await.status, 204);
    let code = latest_code(&srv, PHONE).await;
    let attempt = |c: String| {
        json!({"status": "registered", "name": "Joe Doe", "email": "joe@example.com",
            "username": "joe@example.com", "password": PASSWORD, "phoneNumber": PHONE,
            "phoneVerificationCode": c, "authMethod": "tfa_sms"})
    };
    for _ in 0..5 {
        let r = register(&srv, &guest, attempt(wrong_code(&code))).await;
        r.assert_field_error(422, "invalid", "/data/attributes/phoneVerificationCode");
    }
    let r = register(&srv, &guest, attempt(code)).await;
    r.assert_field_error(422, "invalid", "/data/attributes/phoneVerificationCode");
    srv.stop().await;
}

#[tokio::test]
async fn enrolment_with_a_wrong_verification_code_is_refused() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_simple(&srv, "sam@example.com").await;
    let user_token = password_login(&srv, "sam@example.com", PASSWORD, None)
        .await
        .access_token();
    assert_eq!(send_phone_code(&srv, &user_token, PHONE).await.status, 204);
    let code = latest_code(&srv, PHONE).await;
    let r = patch_user(
        &srv,
        &user_token,
        json!({"authMethod": "tfa_sms", "phoneNumber": PHONE,
            "phoneVerificationCode": wrong_code(&code)}),
    )
    .await;
    r.assert_field_error(422, "invalid", "/data/attributes/phoneVerificationCode");

    // Still a simple user.
    let login = password_login(&srv, "sam@example.com", PASSWORD, None).await;
    assert_eq!(login.status, 200, "{login:?}");
    srv.stop().await;
}

#[tokio::test]
async fn access_token_expires_after_an_hour_and_the_refresh_token_renews_it() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_simple(&srv, "sam@example.com").await;
    let login = password_login(&srv, "sam@example.com", PASSWORD, None).await;
    let access = login.access_token();
    let urt = login.json()["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_string();

    srv.clock.advance(Duration::from_secs(3601));
    let r = get(&srv, "/v1/user", Some(&access)).await;
    assert_eq!(r.status, 401, "{r:?}");
    assert!(r.text.is_empty(), "{r:?}");

    let scope = scope(&srv);
    let renewed = token(
        &srv,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &urt),
            ("scope", &scope),
        ],
        None,
    )
    .await;
    let user = get(&srv, "/v1/user", Some(&renewed.access_token())).await;
    assert_eq!(user.status, 200, "{user:?}");
    srv.stop().await;
}

#[tokio::test]
async fn locked_code_is_replaced_by_a_resend_after_the_pause() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_sms(&srv, "joe@example.com", PHONE).await;
    password_login(&srv, "joe@example.com", PASSWORD, None)
        .await
        .assert_tfa_error();
    let code = latest_code(&srv, PHONE).await;
    for _ in 0..5 {
        password_login(&srv, "joe@example.com", PASSWORD, Some(&wrong_code(&code)))
            .await
            .assert_tfa_error();
    }
    srv.clock.advance(Duration::from_secs(31));
    let resend = password_login(&srv, "joe@example.com", PASSWORD, None).await;
    let otp = resend.otp();
    assert_eq!(otp["status"], "sent", "{otp}");
    assert_eq!(otp["attempts_left"], 5, "{otp}");
    let fresh = latest_code(&srv, PHONE).await;
    let login = password_login(&srv, "joe@example.com", PASSWORD, Some(&fresh)).await;
    assert_eq!(login.status, 200, "{login:?}");
    srv.stop().await;
}

#[tokio::test]
async fn malformed_json_api_documents_are_400() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let guest = guest_token(&srv).await;
    let bad_json = Resp::read(
        client()
            .post(srv.url("/v1/customers"))
            .header("Accept", JSONAPI)
            .header("Content-Type", JSONAPI)
            .bearer_auth(&guest)
            .body("{\"data\": {")
            .send()
            .await
            .expect("POST"),
    )
    .await;
    assert_eq!(bad_json.status, 400, "{bad_json:?}");
    assert_eq!(
        bad_json.first_error()["code"],
        "invalid_json",
        "{bad_json:?}"
    );

    let no_type = post_doc(
        &srv,
        "/v1/customers",
        Some(&guest),
        &json!({"data": {"attributes": {"name": "Joe Doe"}}}),
    )
    .await;
    assert_eq!(no_type.status, 400, "{no_type:?}");
    assert_eq!(no_type.first_error()["code"], "missing_type", "{no_type:?}");
    srv.stop().await;
}

#[tokio::test]
async fn json_api_routes_without_a_token_are_401_with_empty_body() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let code = post_doc(
        &srv,
        "/v1/phone_verification_codes",
        None,
        &json!({"data": {"type": "PhoneVerificationCode", "attributes": {"phoneNumber": PHONE}}}),
    )
    .await;
    assert_eq!(code.status, 401, "{code:?}");
    assert!(code.text.is_empty(), "{code:?}");
    assert!(
        outbox(&srv).await.is_empty(),
        "nothing sent without a token"
    );

    let customer = post_doc(
        &srv,
        "/v1/customers",
        None,
        &customer_doc(json!({"status": "registered", "name": "Joe Doe",
            "email": "joe@example.com", "username": "joe@example.com", "password": PASSWORD})),
    )
    .await;
    assert_eq!(customer.status, 401, "{customer:?}");
    assert!(customer.text.is_empty(), "{customer:?}");

    let account = get(&srv, "/v1/account", None).await;
    assert_eq!(account.status, 401, "{account:?}");
    srv.stop().await;
}

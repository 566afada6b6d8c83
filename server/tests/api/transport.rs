//! Transport: content types, the OTP header, CORS, Part 1-only mode, the 2018 SDK's requests.

use std::time::Duration;

use serde_json::json;
use tfa_server::testing::{TestOptions, TestServer};

use crate::common::*;

const ORIGIN: &str = "http://localhost:8080";

async fn raw_token(srv: &TestServer, content_type: &str, body: String) -> Resp {
    Resp::read(
        client()
            .post(srv.url("/v1/token"))
            .header("Accept", JSONAPI)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("POST /v1/token"),
    )
    .await
}

fn guest_form(srv: &TestServer) -> String {
    serde_urlencoded::to_string([
        ("grant_type", "refresh_token"),
        ("refresh_token", srv.publishable_token()),
    ])
    .expect("form")
}

#[tokio::test]
async fn form_with_charset_suffix_is_415_with_empty_body() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let r = raw_token(
        &srv,
        "application/x-www-form-urlencoded; charset=UTF-8",
        guest_form(&srv),
    )
    .await;
    assert_eq!(r.status, 415, "{r:?}");
    assert!(r.text.is_empty(), "{r:?}");

    // The same body with the exact type works.
    assert_eq!(raw_token(&srv, FORM, guest_form(&srv)).await.status, 200);
    srv.stop().await;
}

#[tokio::test]
async fn text_plain_token_request_is_415() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let r = raw_token(&srv, "text/plain", guest_form(&srv)).await;
    assert_eq!(r.status, 415, "{r:?}");
    assert!(r.text.is_empty(), "{r:?}");
    srv.stop().await;
}

#[tokio::test]
async fn json_body_on_token_endpoint_works() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_simple(&srv, "sam@example.com").await;
    let body = json!({"grant_type": "password", "username": "sam@example.com",
        "password": PASSWORD, "scope": scope(&srv)});
    let r = raw_token(&srv, "application/json", body.to_string()).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["token_type"], "bearer");

    let guest = json!({"grant_type": "refresh_token",
        "refresh_token": srv.publishable_token().to_string()});
    let g = raw_token(&srv, "application/json", guest.to_string()).await;
    assert_eq!(g.status, 200, "{g:?}");
    srv.stop().await;
}

#[tokio::test]
async fn otp_body_field_is_ignored_only_the_header_counts() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_sms(&srv, "joe@example.com", PHONE).await;
    password_login(&srv, "joe@example.com", PASSWORD, None)
        .await
        .assert_tfa_error();
    let code = latest_code(&srv, PHONE).await;
    srv.clock.advance(Duration::from_secs(31));

    let scope = scope(&srv);
    let in_body = token(
        &srv,
        &[
            ("grant_type", "password"),
            ("username", "joe@example.com"),
            ("password", PASSWORD),
            ("scope", &scope),
            ("otp", &code),
        ],
        None,
    )
    .await;
    // Without the header this is step 1 again: a new code is sent, no token.
    assert_eq!(in_body.otp()["status"], "sent", "{in_body:?}");

    let code = latest_code(&srv, PHONE).await;
    let in_header = password_login(&srv, "joe@example.com", PASSWORD, Some(&code)).await;
    assert_eq!(in_header.status, 200, "{in_header:?}");
    srv.stop().await;
}

#[tokio::test]
async fn cors_preflight_allows_the_otp_header() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let r = Resp::read(
        client()
            .request(reqwest::Method::OPTIONS, srv.url("/v1/token"))
            .header("Origin", ORIGIN)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization,content-type,accept,x-freshcom-otp",
            )
            .send()
            .await
            .expect("OPTIONS"),
    )
    .await;
    assert!((200..300).contains(&r.status), "{r:?}");
    let origin = r
        .header("Access-Control-Allow-Origin")
        .expect("allow origin");
    assert!(origin == "*" || origin == ORIGIN, "{origin}");
    let allowed = r.header_list("Access-Control-Allow-Headers");
    for h in ["authorization", "content-type", "accept", "x-freshcom-otp"] {
        assert!(
            allowed.iter().any(|a| a == h || a == "*"),
            "{h} not allowed: {allowed:?}"
        );
    }
    let methods = r.header_list("Access-Control-Allow-Methods");
    for m in ["post", "patch"] {
        assert!(
            methods.iter().any(|a| a == m || a == "*"),
            "{m} not allowed: {methods:?}"
        );
    }
    srv.stop().await;
}

#[tokio::test]
async fn tfa_response_exposes_otp_and_retry_after_headers() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_sms(&srv, "joe@example.com", PHONE).await;
    let scope = scope(&srv);
    let form = serde_urlencoded::to_string([
        ("grant_type", "password"),
        ("username", "joe@example.com"),
        ("password", PASSWORD),
        ("scope", &scope),
    ])
    .expect("form");
    let r = Resp::read(
        client()
            .post(srv.url("/v1/token"))
            .header("Origin", ORIGIN)
            .header("Accept", JSONAPI)
            .header("Content-Type", FORM)
            .body(form)
            .send()
            .await
            .expect("POST"),
    )
    .await;
    r.assert_tfa_error();
    assert!(r.header("Access-Control-Allow-Origin").is_some(), "{r:?}");
    let exposed = r.header_list("Access-Control-Expose-Headers");
    for h in ["x-freshcom-otp", "retry-after"] {
        assert!(
            exposed.iter().any(|e| e == h),
            "{h} not exposed: {exposed:?}"
        );
    }
    assert_eq!(
        r.header(OTP_HEADER).as_deref(),
        Some("required; auth_method=tfa_sms")
    );
    srv.stop().await;
}

#[tokio::test]
async fn part1_only_mode_has_no_otp_object_and_exposes_no_headers() {
    let mut srv = TestServer::start(TestOptions {
        part1_only: true,
        ..TestOptions::default()
    })
    .await;
    register_sms(&srv, "joe@example.com", PHONE).await;
    let scope = scope(&srv);
    let form = serde_urlencoded::to_string([
        ("grant_type", "password"),
        ("username", "joe@example.com"),
        ("password", PASSWORD),
        ("scope", &scope),
    ])
    .expect("form");
    let r = Resp::read(
        client()
            .post(srv.url("/v1/token"))
            .header("Origin", ORIGIN)
            .header("Accept", JSONAPI)
            .header("Content-Type", FORM)
            .body(form)
            .send()
            .await
            .expect("POST"),
    )
    .await;
    r.assert_tfa_error();
    let body = r.json();
    let keys: Vec<&String> = body.as_object().expect("object").keys().collect();
    assert_eq!(keys.len(), 2, "only error and error_description: {body}");
    let exposed = r.header_list("Access-Control-Expose-Headers");
    assert!(
        !exposed
            .iter()
            .any(|e| e == "x-freshcom-otp" || e == "retry-after"),
        "{exposed:?}"
    );
    // The header is still sent (scripts just cannot read it on a Part 1 backend).
    assert_eq!(
        r.header(OTP_HEADER).as_deref(),
        Some("required; auth_method=tfa_sms")
    );

    // The login itself still works.
    let code = latest_code(&srv, PHONE).await;
    let login = password_login(&srv, "joe@example.com", PASSWORD, Some(&code)).await;
    assert_eq!(login.status, 200, "{login:?}");
    srv.stop().await;
}

#[tokio::test]
async fn the_2018_js_sdk_request_shape_works_for_token_account_and_user() {
    const SDK_ACCEPT: &str = "application/json, text/plain, */*";
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_sms(&srv, "joe@example.com", PHONE).await;
    let http = client();

    let sdk_token = |form: String, otp: Option<String>| {
        let mut req = http
            .post(srv.url("/v1/token?locale=en"))
            .header("Accept", SDK_ACCEPT)
            .header("Content-Type", FORM)
            .body(form);
        if let Some(code) = otp {
            req = req.header(OTP_HEADER, code);
        }
        req
    };
    let sdk_get = |path: &str, bearer: &str| {
        http.get(srv.url(path))
            .header("Accept", SDK_ACCEPT)
            .header("Content-Type", JSONAPI)
            .bearer_auth(bearer)
    };

    let prt = srv.publishable_token().to_string();
    let guest_form =
        serde_urlencoded::to_string([("grant_type", "refresh_token"), ("refresh_token", &prt)])
            .expect("form");
    let guest = Resp::read(sdk_token(guest_form, None).send().await.expect("guest")).await;
    let guest = guest.access_token();
    let account = Resp::read(
        sdk_get("/v1/account?locale=en", &guest)
            .send()
            .await
            .expect("account"),
    )
    .await;
    assert_eq!(account.status, 200, "{account:?}");
    assert_eq!(
        account.json()["data"]["attributes"]["name"],
        "Acme Outfitters"
    );

    let scope = scope(&srv);
    let login_form = |otp: Option<&str>| {
        let mut p = vec![
            ("grant_type", "password"),
            ("username", "joe@example.com"),
            ("password", PASSWORD),
            ("scope", scope.as_str()),
        ];
        if let Some(code) = otp {
            p.push(("otp", code));
        }
        serde_urlencoded::to_string(p).expect("form")
    };
    let first = Resp::read(
        sdk_token(login_form(None), None)
            .send()
            .await
            .expect("login"),
    )
    .await;
    first.assert_tfa_error();
    let code = latest_code(&srv, PHONE).await;
    let second = Resp::read(
        sdk_token(login_form(Some(&code)), Some(code.clone()))
            .send()
            .await
            .expect("login with otp"),
    )
    .await;
    let user_token = second.access_token();

    let user = Resp::read(
        sdk_get("/v1/user?locale=en", &user_token)
            .send()
            .await
            .expect("user"),
    )
    .await;
    assert_eq!(user.status, 200, "{user:?}");
    assert_eq!(
        user.json()["data"]["attributes"]["username"],
        "joe@example.com"
    );
    srv.stop().await;
}

#[tokio::test]
async fn dev_outbox_exists_in_development_mode() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    assert!(
        outbox(&srv).await.is_empty(),
        "a fresh server has sent nothing"
    );

    let guest = guest_token(&srv).await;
    assert_eq!(send_phone_code(&srv, &guest, PHONE).await.status, 204);
    srv.clock.advance(Duration::from_secs(1));
    assert_eq!(
        send_email_code(&srv, &guest, "emma@example.com")
            .await
            .status,
        204
    );
    let messages = outbox(&srv).await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(
        messages[0]["channel"], "email",
        "newest first: {messages:?}"
    );
    assert_eq!(messages[1]["channel"], "sms", "{messages:?}");
    for m in &messages {
        for key in ["channel", "to", "body", "code", "sentAt"] {
            assert!(m[key].is_string(), "{key} in {m}");
        }
    }

    let page = Resp::read(
        client()
            .get(srv.url("/_dev/outbox/"))
            .send()
            .await
            .expect("GET /_dev/outbox/"),
    )
    .await;
    assert_eq!(page.status, 200, "{page:?}");
    let ct = page.header("Content-Type").unwrap_or_default();
    assert!(ct.starts_with("text/html"), "{ct}");
    srv.stop().await;
}

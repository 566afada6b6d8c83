//! Small black-box helpers for the HTTP tests: every request is built by hand, in the exact
//! shape `API.md` gives, against a real server on 127.0.0.1.

#![allow(dead_code)]

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};
use tfa_server::testing::TestServer;

pub const JSONAPI: &str = "application/vnd.api+json";
pub const FORM: &str = "application/x-www-form-urlencoded";
pub const OTP_HEADER: &str = "X-Freshcom-OTP";
pub const TFA_DESCRIPTION: &str = "OTP is invalid, please set OTP using the X-Freshcom-OTP header.";
pub const BAD_CREDENTIALS: &str = "Username and password does not match.";
pub const MALFORMED: &str =
    "Your request is missing required parameters or is otherwise malformed.";
pub const PHONE: &str = "+14165551234";
pub const PASSWORD: &str = "supersecret";

/// One HTTP answer, read completely.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Resp {
    pub async fn read(r: reqwest::Response) -> Resp {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.expect("read body");
        Resp {
            status,
            headers,
            text,
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}); status {}: {:?}",
                self.status, self.text
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ascii header").to_string())
    }

    /// All values of a comma-separated header, lowercased and trimmed.
    pub fn header_list(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .flat_map(|v| {
                v.to_str()
                    .unwrap_or("")
                    .split(',')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .collect::<Vec<_>>()
            })
            .filter(|s| !s.is_empty())
            .collect()
    }

    pub fn access_token(&self) -> String {
        assert_eq!(self.status, 200, "expected a token, got {self:?}");
        self.json()["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    /// The first JSON:API error object.
    pub fn first_error(&self) -> Value {
        let body = self.json();
        body["errors"]
            .as_array()
            .and_then(|a| a.first())
            .cloned()
            .unwrap_or_else(|| panic!("no errors array in {body}"))
    }

    /// Asserts a JSON:API validation error with this code on this pointer (any position).
    pub fn assert_field_error(&self, status: u16, code: &str, pointer: &str) {
        assert_eq!(self.status, status, "{self:?}");
        let body = self.json();
        let errors = body["errors"].as_array().expect("errors array");
        assert!(
            errors
                .iter()
                .any(|e| e["code"] == code && e["source"]["pointer"] == pointer),
            "expected {code} on {pointer}, got {body}"
        );
    }

    /// Asserts Part 1's TFA error: 400, exactly `invalid_request` and the OTP description.
    pub fn assert_tfa_error(&self) {
        assert_eq!(self.status, 400, "{self:?}");
        let body = self.json();
        assert_eq!(body["error"], "invalid_request", "{body}");
        assert_eq!(body["error_description"], TFA_DESCRIPTION, "{body}");
        assert!(body.get("access_token").is_none(), "{body}");
    }

    /// The Part 2 `otp` object of a TFA error.
    pub fn otp(&self) -> Value {
        self.assert_tfa_error();
        let body = self.json();
        assert!(body["otp"].is_object(), "no otp object in {body}");
        body["otp"].clone()
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

pub fn scope(srv: &TestServer) -> String {
    format!("aid:{}", srv.account_id())
}

/// `POST /v1/token`, form-encoded, exactly as API.md says; the OTP only in the header.
pub async fn token(srv: &TestServer, params: &[(&str, &str)], otp: Option<&str>) -> Resp {
    let body = serde_urlencoded::to_string(params).expect("encode form");
    let mut req = client()
        .post(srv.url("/v1/token"))
        .header("Accept", JSONAPI)
        .header("Content-Type", FORM)
        .body(body);
    if let Some(code) = otp {
        req = req.header(OTP_HEADER, code);
    }
    Resp::read(req.send().await.expect("POST /v1/token")).await
}

/// A guest access token from the account's publishable refresh token.
pub async fn guest_token(srv: &TestServer) -> String {
    let prt = srv.publishable_token().to_string();
    let r = token(
        srv,
        &[("grant_type", "refresh_token"), ("refresh_token", &prt)],
        None,
    )
    .await;
    r.access_token()
}

/// The password grant for a customer of the test account.
pub async fn password_login(
    srv: &TestServer,
    username: &str,
    password: &str,
    otp: Option<&str>,
) -> Resp {
    let scope = scope(srv);
    token(
        srv,
        &[
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
            ("scope", &scope),
        ],
        otp,
    )
    .await
}

pub async fn get(srv: &TestServer, path: &str, bearer: Option<&str>) -> Resp {
    let mut req = client().get(srv.url(path)).header("Accept", JSONAPI);
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    Resp::read(req.send().await.expect("GET")).await
}

/// POST or PATCH a JSON:API document.
pub async fn send_doc(
    srv: &TestServer,
    method: reqwest::Method,
    path: &str,
    bearer: Option<&str>,
    doc: &Value,
) -> Resp {
    let mut req = client()
        .request(method, srv.url(path))
        .header("Accept", JSONAPI)
        .header("Content-Type", JSONAPI)
        .body(doc.to_string());
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    Resp::read(req.send().await.expect("send JSON:API document")).await
}

pub async fn post_doc(srv: &TestServer, path: &str, bearer: Option<&str>, doc: &Value) -> Resp {
    send_doc(srv, reqwest::Method::POST, path, bearer, doc).await
}

pub async fn patch_user(srv: &TestServer, bearer: &str, attributes: Value) -> Resp {
    let doc = json!({"data": {"type": "User", "attributes": attributes}});
    send_doc(srv, reqwest::Method::PATCH, "/v1/user", Some(bearer), &doc).await
}

/// `POST /v1/phone_verification_codes` (the caller checks the 204).
pub async fn send_phone_code(srv: &TestServer, bearer: &str, phone: &str) -> Resp {
    let doc = json!({"data": {"type": "PhoneVerificationCode",
        "attributes": {"phoneNumber": phone}}});
    post_doc(srv, "/v1/phone_verification_codes", Some(bearer), &doc).await
}

/// `POST /v1/email_verification_codes` (Part 2; the caller checks the 204).
pub async fn send_email_code(srv: &TestServer, bearer: &str, email: &str) -> Resp {
    let doc = json!({"data": {"type": "EmailVerificationCode",
        "attributes": {"email": email}}});
    post_doc(srv, "/v1/email_verification_codes", Some(bearer), &doc).await
}

/// The development outbox, newest first.
pub async fn outbox(srv: &TestServer) -> Vec<Value> {
    let r = Resp::read(
        client()
            .get(srv.url("/_dev/outbox"))
            .send()
            .await
            .expect("GET /_dev/outbox"),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    r.json().as_array().expect("outbox is an array").clone()
}

/// The newest code sent to this destination (phone number or email address).
pub async fn latest_code(srv: &TestServer, to: &str) -> String {
    try_latest_code(srv, to)
        .await
        .unwrap_or_else(|| panic!("no message to {to} in the outbox"))
}

pub async fn try_latest_code(srv: &TestServer, to: &str) -> Option<String> {
    outbox(srv)
        .await
        .into_iter()
        .find(|m| m["to"] == to)
        .map(|m| m["code"].as_str().expect("code is a string").to_string())
}

pub async fn messages_to(srv: &TestServer, to: &str) -> usize {
    outbox(srv)
        .await
        .into_iter()
        .filter(|m| m["to"] == to)
        .count()
}

/// A six-digit code that differs from `code`.
pub fn wrong_code(code: &str) -> String {
    let n: u32 = code.parse().expect("numeric code");
    format!("{:06}", (n + 1) % 1_000_000)
}

pub fn customer_doc(attributes: Value) -> Value {
    json!({"data": {"type": "Customer", "attributes": attributes}})
}

/// `POST /v1/customers` with a guest token.
pub async fn register(srv: &TestServer, guest: &str, attributes: Value) -> Resp {
    post_doc(srv, "/v1/customers", Some(guest), &customer_doc(attributes)).await
}

/// Registers a simple (password-only) customer and checks the 201.
pub async fn register_simple(srv: &TestServer, username: &str) {
    let guest = guest_token(srv).await;
    let r = register(
        srv,
        &guest,
        json!({"status": "registered", "name": "Simple Sam", "email": username,
            "username": username, "password": PASSWORD}),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
}

/// Registers a `tfa_sms` customer with a fresh phone verification code; returns that code.
pub async fn register_sms(srv: &TestServer, username: &str, phone: &str) -> String {
    let guest = guest_token(srv).await;
    let sent = send_phone_code(srv, &guest, phone).await;
    assert_eq!(sent.status, 204, "{sent:?}");
    let code = latest_code(srv, phone).await;
    let r = register(
        srv,
        &guest,
        json!({"status": "registered", "name": "Joe Doe", "email": username,
            "username": username, "password": PASSWORD, "phoneNumber": phone,
            "phoneVerificationCode": code, "authMethod": "tfa_sms"}),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    code
}

/// Registers a `tfa_email` customer with a fresh email verification code; returns that code.
pub async fn register_email(srv: &TestServer, email: &str) -> String {
    let guest = guest_token(srv).await;
    let sent = send_email_code(srv, &guest, email).await;
    assert_eq!(sent.status, 204, "{sent:?}");
    let code = latest_code(srv, email).await;
    let r = register(
        srv,
        &guest,
        json!({"status": "registered", "name": "Emma Mail", "email": email,
            "username": email, "password": PASSWORD,
            "emailVerificationCode": code, "authMethod": "tfa_email"}),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    code
}

/// Logs a TFA user in completely: password, code from the outbox, password + code.
pub async fn tfa_login(srv: &TestServer, username: &str, to: &str) -> String {
    let first = password_login(srv, username, PASSWORD, None).await;
    assert_eq!(first.otp()["status"], "sent", "{first:?}");
    let code = latest_code(srv, to).await;
    password_login(srv, username, PASSWORD, Some(&code))
        .await
        .access_token()
}

pub fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).expect("header value")
}

//! The JSON:API resources: Account, User, Customer (registration) and the verification codes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::reply::{FieldError, jsonapi};
use super::{
    ApiError, App, AppState, Attr, Auth, CODE_ATTEMPTS, Doc, LOGIN_CODE_TTL_SECS,
    VERIFICATION_CODE_TTL_SECS, millis, parse_auth_method, send_wait, user_failure_key,
};
use crate::model::{AuthMethod, Channel, is_e164, is_email, normalize_username};
use crate::notify::Message;
use crate::secrets;
use crate::store::{self, CodeCheck, Principal, User, VerificationKind};

const MIN_PASSWORD: usize = 8;

fn account_doc(account: &store::Account) -> Value {
    json!({"data": {
        "id": account.id,
        "type": "Account",
        "attributes": {
            "name": account.name,
            "mode": account.mode,
            "defaultAuthMethod": account.default_auth_method.as_str(),
        },
    }})
}

fn user_doc(user: &User) -> Value {
    json!({"data": {
        "id": user.id,
        "type": "User",
        "attributes": {
            "username": user.username,
            "email": user.email,
            "name": user.name,
            "phoneNumber": user.phone_number,
            "authMethod": user.auth_method.as_str(),
            "emailVerified": user.email_verified,
            "phoneVerified": user.phone_verified,
            "role": "customer",
            "status": "active",
        },
    }})
}

fn customer_doc(user: &User) -> Value {
    json!({"data": {
        "id": user.customer_id,
        "type": "Customer",
        "attributes": {
            "status": "registered",
            "name": user.name,
            "email": user.email,
            "username": user.username,
            "phoneNumber": user.phone_number,
        },
        "relationships": {
            "user": {"data": {"id": user.id, "type": "User"}},
        },
    }})
}

pub async fn account(State(app): State<App>, Auth(who): Auth) -> Result<Response, ApiError> {
    let account = app
        .store
        .call(move |conn| store::account_by_id(conn, &who.account_id))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(jsonapi(StatusCode::OK, &account_doc(&account)))
}

/// The user behind a user token; a guest token may not see or change a user.
async fn current_user(app: &AppState, who: Principal) -> Result<User, ApiError> {
    let user_id = who.user_id.ok_or(ApiError::AccessDenied)?;
    app.store
        .call(move |conn| store::user_by_id(conn, &user_id))
        .await?
        .ok_or(ApiError::Unauthorized)
}

pub async fn get_user(State(app): State<App>, Auth(who): Auth) -> Result<Response, ApiError> {
    let user = current_user(&app, who).await?;
    Ok(jsonapi(StatusCode::OK, &user_doc(&user)))
}

pub async fn phone_verification_code(
    State(app): State<App>,
    Auth(who): Auth,
    doc: Doc,
) -> Result<Response, ApiError> {
    let phone = doc.text("phoneNumber").map(|p| p.trim().to_string());
    let phone = match phone {
        None => {
            return Err(ApiError::Validation(vec![FieldError::required(
                "phoneNumber",
            )]));
        }
        Some(p) if !is_e164(&p) => {
            return Err(ApiError::Validation(vec![FieldError::format(
                "phoneNumber",
            )]));
        }
        Some(p) => p,
    };
    send_verification_code(&app, &who, VerificationKind::Phone, phone).await
}

pub async fn email_verification_code(
    State(app): State<App>,
    Auth(who): Auth,
    doc: Doc,
) -> Result<Response, ApiError> {
    let email = match doc.text("email").map(|e| e.trim().to_string()) {
        None => return Err(ApiError::Validation(vec![FieldError::required("email")])),
        Some(e) if !is_email(&e) => {
            return Err(ApiError::Validation(vec![FieldError::format("email")]));
        }
        Some(e) => e,
    };
    send_verification_code(&app, &who, VerificationKind::Email, email).await
}

/// 204 after the code is stored and sent; the code itself is never in the response.
async fn send_verification_code(
    app: &AppState,
    who: &Principal,
    kind: VerificationKind,
    to: String,
) -> Result<Response, ApiError> {
    let code = secrets::new_code();
    let hash = app.code_hash(&code);
    let now = app.now();
    let expires_at = now + VERIFICATION_CODE_TTL_SECS * 1000;
    let limits = app.send_limits();
    let account_id = who.account_id.clone();
    let dest = to.clone();
    let (wait, account) = app
        .store
        .call(move |conn| {
            let account = store::account_by_id(conn, &account_id)?.map(|a| a.name);
            if let Some(seconds) = send_wait(limits, conn, kind.as_str(), &dest, now)? {
                return Ok((Some(seconds), account));
            }
            store::put_verification_code(conn, kind, &dest, &hash, expires_at, CODE_ATTEMPTS)?;
            store::record_send(conn, kind.as_str(), &dest, now)?;
            Ok((None, account))
        })
        .await?;
    if let Some(seconds) = wait {
        return Err(ApiError::RateLimited(seconds));
    }
    let account = account.unwrap_or_else(|| app.config.account_name.clone());
    let channel = match kind {
        VerificationKind::Phone => Channel::Sms,
        VerificationKind::Email => Channel::Email,
    };
    let message = Message {
        channel,
        to,
        subject: format!("Your {account} verification code"),
        body: app.message_body(
            channel,
            format!("{code} is your {account} verification code. It expires in 30 minutes."),
            &code,
        ),
        code,
    };
    if !app.deliver(message).await {
        return Err(ApiError::Delivery);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A verification code presented with a request: which kind, for which destination, and the
/// attribute to blame when it is wrong.
struct Presented {
    kind: VerificationKind,
    destination: String,
    hash: Vec<u8>,
    attribute: &'static str,
}

/// Checks the presented codes (a wrong one costs an attempt); the error list grows.
fn check_codes(
    conn: &rusqlite::Connection,
    presented: &[Presented],
    now: i64,
    errors: &mut Vec<FieldError>,
) -> anyhow::Result<()> {
    for p in presented {
        let check = store::check_verification_code(conn, p.kind, &p.destination, &p.hash, now)?;
        if check != CodeCheck::Valid {
            errors.push(FieldError::invalid(p.attribute));
        }
    }
    Ok(())
}

fn consume_codes(conn: &rusqlite::Connection, presented: &[Presented]) -> anyhow::Result<()> {
    for p in presented {
        store::consume_verification_code(conn, p.kind, &p.destination)?;
    }
    Ok(())
}

/// Reads `phoneNumber` (E.164) into `errors` and returns it when it is usable.
fn phone_attr(doc: &Doc, errors: &mut Vec<FieldError>) -> Option<String> {
    let phone = doc.text("phoneNumber")?.trim().to_string();
    if is_e164(&phone) {
        Some(phone)
    } else {
        errors.push(FieldError::format("phoneNumber"));
        None
    }
}

fn email_attr(doc: &Doc, errors: &mut Vec<FieldError>) -> Option<String> {
    let email = doc.text("email")?.trim().to_string();
    if is_email(&email) {
        Some(email)
    } else {
        errors.push(FieldError::format("email"));
        None
    }
}

fn password_attr(
    doc: &Doc,
    attribute: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match doc.text(attribute) {
        None => {
            errors.push(FieldError::required(attribute));
            None
        }
        Some(p) if p.chars().count() < MIN_PASSWORD => {
            errors.push(FieldError::too_short(attribute, MIN_PASSWORD));
            None
        }
        Some(p) => Some(p),
    }
}

/// `POST /v1/customers`: registration, with TFA from the start when the verification code is
/// right. For five minutes that code also serves as the first login OTP.
pub async fn register(
    State(app): State<App>,
    Auth(who): Auth,
    doc: Doc,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let username = doc.text("username").map(|u| normalize_username(&u));
    if username.as_deref().is_none_or(str::is_empty) {
        errors.push(FieldError::required("username"));
    }
    let password = password_attr(&doc, "password", &mut errors);
    let phone = phone_attr(&doc, &mut errors);
    let email = email_attr(&doc, &mut errors);
    let account = {
        let id = who.account_id.clone();
        app.store
            .call(move |conn| store::account_by_id(conn, &id))
            .await?
            .ok_or(ApiError::Unauthorized)?
    };
    // The account's default applies when none is asked for, and must be satisfied the same way.
    let method = match doc.text("authMethod") {
        Some(raw) => parse_auth_method(&raw).map_err(|e| errors.push(e)).ok(),
        None => Some(account.default_auth_method),
    };
    let phone_code = doc.text("phoneVerificationCode");
    let email_code = doc.text("emailVerificationCode");
    match method {
        Some(AuthMethod::TfaSms) => {
            if doc.text("phoneNumber").is_none() {
                errors.push(FieldError::required("phoneNumber"));
            }
            if phone_code.is_none() {
                errors.push(FieldError::required("phoneVerificationCode"));
            }
        }
        Some(AuthMethod::TfaEmail) => {
            if doc.text("email").is_none() {
                errors.push(FieldError::required("email"));
            }
            if email_code.is_none() {
                errors.push(FieldError::required("emailVerificationCode"));
            }
        }
        Some(AuthMethod::Simple) | None => {}
    }

    let mut presented = Vec::new();
    if let (Some(phone), Some(code)) = (&phone, &phone_code) {
        presented.push(Presented {
            kind: VerificationKind::Phone,
            destination: phone.clone(),
            hash: app.code_hash(code),
            attribute: "phoneVerificationCode",
        });
    }
    if let (Some(email), Some(code)) = (&email, &email_code) {
        presented.push(Presented {
            kind: VerificationKind::Email,
            destination: email.clone(),
            hash: app.code_hash(code),
            attribute: "emailVerificationCode",
        });
    }
    // Argon2 is slow: only for a request that can still succeed.
    let password_hash = match (&password, errors.is_empty()) {
        (Some(p), true) => {
            let p = p.clone();
            Some(
                tokio::task::spawn_blocking(move || secrets::hash_password(&p))
                    .await
                    .map_err(anyhow::Error::from)??,
            )
        }
        _ => None,
    };

    let now = app.now();
    let name = doc.text("name");
    let first_otp = match method {
        Some(AuthMethod::TfaSms) => phone_code.as_deref().map(|c| app.code_hash(c)),
        Some(AuthMethod::TfaEmail) => email_code.as_deref().map(|c| app.code_hash(c)),
        _ => None,
    };
    let result = app
        .store
        .call(move |conn| {
            if let Some(u) = &username
                && store::user_by_username(conn, &account.id, u)?.is_some()
            {
                errors.push(FieldError::taken("username"));
            }
            check_codes(conn, &presented, now, &mut errors)?;
            let (Some(username), Some(password_hash), Some(auth_method), true) =
                (username, password_hash, method, errors.is_empty())
            else {
                return Ok(Err(errors));
            };
            let verified = |kind| presented.iter().any(|p| p.kind == kind);
            let user = User {
                id: uuid::Uuid::new_v4().to_string(),
                customer_id: uuid::Uuid::new_v4().to_string(),
                account_id: account.id.clone(),
                username,
                password_hash,
                name,
                email_verified: verified(VerificationKind::Email),
                email,
                phone_verified: verified(VerificationKind::Phone),
                phone_number: phone,
                auth_method,
                created_at: now,
            };
            let tx = conn.transaction()?;
            consume_codes(&tx, &presented)?;
            store::insert_user(&tx, &user)?;
            if let Some(hash) = &first_otp {
                let expires_at = now + LOGIN_CODE_TTL_SECS * 1000;
                store::put_login_code(&tx, &user.id, hash, expires_at, CODE_ATTEMPTS)?;
            }
            tx.commit()?;
            Ok(Ok(user))
        })
        .await?;
    let user = result.map_err(ApiError::Validation)?;
    Ok(jsonapi(StatusCode::CREATED, &customer_doc(&user)))
}

/// `PATCH /v1/user`: name, contact details, TFA enrolment and change of method, and turning
/// TFA off or changing the password, both of which need `currentPassword`.
pub async fn patch_user(
    State(app): State<App>,
    Auth(who): Auth,
    doc: Doc,
) -> Result<Response, ApiError> {
    let user = current_user(&app, who).await?;
    let mut errors = Vec::new();

    let method = match doc.text("authMethod") {
        Some(raw) => parse_auth_method(&raw).map_err(|e| errors.push(e)).ok(),
        None => None,
    };
    let new_method = method.unwrap_or(user.auth_method);
    let phone = match doc.attr("phoneNumber") {
        Attr::Absent => user.phone_number.clone(),
        Attr::Null => None,
        Attr::Text(_) => phone_attr(&doc, &mut errors),
    };
    let email = match doc.attr("email") {
        Attr::Absent => user.email.clone(),
        Attr::Null => None,
        Attr::Text(_) => email_attr(&doc, &mut errors),
    };
    let new_password = match doc.attr("password") {
        Attr::Absent => None,
        _ => password_attr(&doc, "password", &mut errors),
    };

    // Proof that the person is the user, not just someone holding their token.
    let needs_password = (user.auth_method.is_tfa() && new_method == AuthMethod::Simple)
        || doc.attr("password") != Attr::Absent;
    if needs_password {
        match doc.text("currentPassword") {
            None => errors.push(FieldError::required("currentPassword")),
            Some(current) => {
                // The login's per-user limit guards this check too: a stolen access token must
                // not become a way to guess the password.
                let key = user_failure_key(&user.account_id, &user.username);
                let limits = app.config.limits.clone();
                let window = millis(limits.password_window);
                let now = app.now();
                let wait = {
                    let key = key.clone();
                    app.store
                        .call(move |conn| {
                            store::failure_wait(
                                conn,
                                &key,
                                now,
                                window,
                                limits.password_per_username,
                            )
                        })
                        .await?
                };
                if let Some(seconds) = wait {
                    return Err(ApiError::RateLimited(seconds));
                }
                let hash = user.password_hash.clone();
                let ok =
                    tokio::task::spawn_blocking(move || secrets::verify_password(&current, &hash))
                        .await
                        .map_err(anyhow::Error::from)?;
                if !ok {
                    app.store
                        .call(move |conn| store::record_failure(conn, &key, now, window))
                        .await?;
                    errors.push(FieldError::must_match("currentPassword"));
                }
            }
        }
    }

    let phone_changed = phone != user.phone_number;
    let email_changed = email != user.email;
    let phone_code = doc.text("phoneVerificationCode");
    let email_code = doc.text("emailVerificationCode");
    let mut presented = Vec::new();
    match (&phone, &phone_code) {
        (Some(p), Some(code)) => presented.push(Presented {
            kind: VerificationKind::Phone,
            destination: p.clone(),
            hash: app.code_hash(code),
            attribute: "phoneVerificationCode",
        }),
        // A malformed number has its `format` error already.
        (None, Some(_)) if !matches!(doc.attr("phoneNumber"), Attr::Text(_)) => {
            errors.push(FieldError::required("phoneNumber"));
        }
        _ => {}
    }
    match (&email, &email_code) {
        (Some(e), Some(code)) => presented.push(Presented {
            kind: VerificationKind::Email,
            destination: e.clone(),
            hash: app.code_hash(code),
            attribute: "emailVerificationCode",
        }),
        (None, Some(_)) if !matches!(doc.attr("email"), Attr::Text(_)) => {
            errors.push(FieldError::required("email"));
        }
        _ => {}
    }
    let phone_verified = (user.phone_verified && !phone_changed) || phone_code.is_some();
    let email_verified = (user.email_verified && !email_changed) || email_code.is_some();
    // Only what is newly chosen must be proven: a user who keeps their method keeps working.
    let method_changes = new_method != user.auth_method;
    match new_method {
        AuthMethod::TfaSms if method_changes || phone_changed => {
            if phone.is_none() {
                errors.push(FieldError::required("phoneNumber"));
            } else if !phone_verified {
                errors.push(FieldError::required("phoneVerificationCode"));
            }
        }
        AuthMethod::TfaEmail if method_changes || email_changed => {
            if email.is_none() {
                errors.push(FieldError::required("email"));
            } else if !email_verified {
                errors.push(FieldError::required("emailVerificationCode"));
            }
        }
        _ => {}
    }
    let mut seen = Vec::new();
    errors.retain(|e| {
        let first = !seen.contains(e);
        seen.push(e.clone());
        first
    });

    let password_hash = match (new_password, errors.is_empty()) {
        (Some(p), true) => tokio::task::spawn_blocking(move || secrets::hash_password(&p))
            .await
            .map_err(anyhow::Error::from)??,
        _ => user.password_hash.clone(),
    };
    let name = match doc.attr("name") {
        Attr::Absent => user.name.clone(),
        Attr::Null => None,
        Attr::Text(n) => Some(n),
    };
    let updated = User {
        password_hash,
        name,
        email,
        email_verified,
        phone_number: phone,
        phone_verified,
        auth_method: new_method,
        ..user
    };
    let now = app.now();
    let result = app
        .store
        .call(move |conn| {
            check_codes(conn, &presented, now, &mut errors)?;
            if !errors.is_empty() {
                return Ok(Err(errors));
            }
            let tx = conn.transaction()?;
            consume_codes(&tx, &presented)?;
            store::update_user(&tx, &updated)?;
            tx.commit()?;
            Ok(Ok(updated))
        })
        .await?;
    let user = result.map_err(ApiError::Validation)?;
    Ok(jsonapi(StatusCode::OK, &user_doc(&user)))
}

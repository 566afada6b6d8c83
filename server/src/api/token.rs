//! `POST /v1/token`: the password and refresh-token grants, with the OTP step for TFA users.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::reply::{json, retry_after};
use super::{
    ACCESS_TOKEN_TTL_SECS, App, AppState, CODE_ATTEMPTS, LOGIN_CODE_TTL_SECS, millis, send_wait,
    user_failure_key,
};
use crate::model::{AuthMethod, Channel, mask_email, mask_phone, normalize_username};
use crate::notify::Message;
use crate::secrets;
use crate::store::{self, CodeCheck, Principal, User};

const OTP_HEADER: &str = "x-freshcom-otp";
const MALFORMED: &str = "Your request is missing required parameters or is otherwise malformed.";
const BAD_CREDENTIALS: &str = "Username and password does not match.";
const BAD_REFRESH: &str = "Refresh token is invalid.";
const OTP_REQUIRED: &str = "OTP is invalid, please set OTP using the X-Freshcom-OTP header.";
/// The kind under which login codes count against the resend limits.
const LOGIN_SEND_KIND: &str = "login_otp";

/// What the OTP step tells a Part 2 client.
struct OtpState {
    status: &'static str,
    expires_in: u64,
    attempts_left: u32,
}

enum TokenError {
    UnsupportedMediaType,
    InvalidRequest,
    UnsupportedGrant,
    BadCredentials,
    BadRefresh,
    /// The OTP step: `otp` is left out in Part 1 mode.
    OtpRequired {
        method: AuthMethod,
        otp: Option<Value>,
    },
    TooManyRequests(u64),
    Delivery,
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for TokenError {
    fn from(e: anyhow::Error) -> Self {
        TokenError::Internal(e)
    }
}

fn oauth_error(error: &str, description: &str) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        &json!({"error": error, "error_description": description}),
    )
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        match self {
            TokenError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response(),
            TokenError::InvalidRequest => oauth_error("invalid_request", MALFORMED),
            TokenError::UnsupportedGrant => oauth_error(
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            ),
            TokenError::BadCredentials => oauth_error("invalid_grant", BAD_CREDENTIALS),
            TokenError::BadRefresh => oauth_error("invalid_grant", BAD_REFRESH),
            TokenError::OtpRequired { method, otp } => {
                let mut body =
                    json!({"error": "invalid_request", "error_description": OTP_REQUIRED});
                if let Some(otp) = otp {
                    body["otp"] = otp;
                }
                let mut response = json(StatusCode::BAD_REQUEST, &body);
                let value = format!("required; auth_method={}", method.as_str());
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.headers_mut().insert(OTP_HEADER, value);
                }
                response
            }
            TokenError::TooManyRequests(seconds) => retry_after(
                json(
                    StatusCode::TOO_MANY_REQUESTS,
                    &json!({
                        "error": "too_many_requests",
                        "error_description": format!("Too many attempts, please retry after {seconds} seconds."),
                        "retry_after": seconds,
                    }),
                ),
                seconds,
            ),
            TokenError::Delivery => json(
                StatusCode::SERVICE_UNAVAILABLE,
                &json!({
                    "error": "temporarily_unavailable",
                    "error_description": "The code could not be sent, please try again later.",
                }),
            ),
            TokenError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                json(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &json!({"error": "server_error", "error_description": "Something went wrong on the server."}),
                )
            }
        }
    }
}

pub async fn token(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match grant(&app, peer, &headers, &body).await {
        Ok(tokens) => {
            let mut response = json(StatusCode::OK, &tokens);
            // Tokens must not be cached by the browser or a proxy (RFC 6749, 5.1).
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(e) => e.into_response(),
    }
}

async fn grant(
    app: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, TokenError> {
    let params = parse_params(headers, body)?;
    let param = |key: &str| params.get(key).filter(|v| !v.is_empty()).cloned();
    match param("grant_type").as_deref() {
        None => Err(TokenError::InvalidRequest),
        Some("password") => {
            let (Some(username), Some(password)) = (param("username"), param("password")) else {
                return Err(TokenError::InvalidRequest);
            };
            // The OTP counts only from the header; an `otp` body field is ignored on purpose.
            let otp = headers
                .get(OTP_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string);
            let login = Login {
                username: normalize_username(&username),
                password,
                scope: param("scope"),
                otp,
                peer,
            };
            password_grant(app, login).await
        }
        Some("refresh_token") => {
            let refresh = param("refresh_token").ok_or(TokenError::InvalidRequest)?;
            refresh_grant(app, refresh, param("scope")).await
        }
        Some(_) => Err(TokenError::UnsupportedGrant),
    }
}

/// The body as string parameters. Only the two exact content types of the real backend pass;
/// even a `; charset=UTF-8` suffix is refused there, and here.
fn parse_params(headers: &HeaderMap, body: &[u8]) -> Result<HashMap<String, String>, TokenError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    if content_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(body).map_err(|_| TokenError::InvalidRequest)?;
        let mut params = HashMap::new();
        for (k, v) in pairs {
            params.entry(k).or_insert(v);
        }
        Ok(params)
    } else if content_type.eq_ignore_ascii_case("application/json") {
        let value: Value = serde_json::from_slice(body).map_err(|_| TokenError::InvalidRequest)?;
        let Value::Object(map) = value else {
            return Err(TokenError::InvalidRequest);
        };
        Ok(map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                Value::Number(n) => Some((k, n.to_string())),
                _ => None,
            })
            .collect())
    } else {
        Err(TokenError::UnsupportedMediaType)
    }
}

struct Login {
    username: String,
    password: String,
    scope: Option<String>,
    otp: Option<String>,
    peer: SocketAddr,
}

/// `aid:<uuid>` names the account; without a scope the configured account is meant.
fn scope_account(app: &AppState, scope: Option<&str>) -> Option<String> {
    match scope {
        None => Some(app.config.account_id.clone()),
        Some(s) => s
            .strip_prefix("aid:")
            .and_then(|id| uuid::Uuid::parse_str(id).ok())
            .map(|id| id.to_string()),
    }
}

async fn password_grant(app: &AppState, login: Login) -> Result<Value, TokenError> {
    let account_id = scope_account(app, login.scope.as_deref());
    let limits = app.config.limits.clone();
    let window = millis(limits.password_window);
    let user_key = user_failure_key(account_id.as_deref().unwrap_or("-"), &login.username);
    let addr_key = format!("addr:{}", login.peer.ip());
    let now = app.now();

    let (user, wait) = {
        let (user_key, addr_key, username) =
            (user_key.clone(), addr_key.clone(), login.username.clone());
        app.store
            .call(move |conn| {
                let wait = [
                    store::failure_wait(
                        conn,
                        &user_key,
                        now,
                        window,
                        limits.password_per_username,
                    )?,
                    store::failure_wait(conn, &addr_key, now, window, limits.password_per_address)?,
                ]
                .into_iter()
                .flatten()
                .max();
                let user = match &account_id {
                    Some(id) if store::account_by_id(conn, id)?.is_some() => {
                        store::user_by_username(conn, id, &username)?
                    }
                    _ => None,
                };
                Ok((user, wait))
            })
            .await?
    };
    if let Some(seconds) = wait {
        return Err(TokenError::TooManyRequests(seconds));
    }

    // The same Argon2 work whether or not the user exists, so that timing does not tell.
    let hash = user
        .as_ref()
        .map_or_else(|| app.dummy_hash.clone(), |u| u.password_hash.clone());
    let password = login.password;
    let matches = tokio::task::spawn_blocking(move || secrets::verify_password(&password, &hash))
        .await
        .map_err(anyhow::Error::from)?;
    let user = match user {
        Some(user) if matches => user,
        _ => {
            app.store
                .call(move |conn| {
                    store::record_failure(conn, &user_key, now, window)?;
                    store::record_failure(conn, &addr_key, now, window)
                })
                .await?;
            return Err(TokenError::BadCredentials);
        }
    };
    app.store
        .call(move |conn| store::clear_failures(conn, &user_key))
        .await?;

    if user.auth_method.is_tfa() {
        match login.otp {
            Some(code) => check_otp(app, &user, &code).await?,
            None => return Err(send_otp(app, &user).await),
        }
    }
    issue_user_tokens(app, &user).await
}

/// Where a TFA user's codes go.
fn destination(user: &User) -> anyhow::Result<(Channel, String)> {
    let (channel, to) = match user.auth_method {
        AuthMethod::TfaSms => (Channel::Sms, user.phone_number.clone()),
        AuthMethod::TfaEmail => (Channel::Email, user.email.clone()),
        AuthMethod::Simple => anyhow::bail!("a simple user has no OTP destination"),
    };
    let to = to.ok_or_else(|| anyhow::anyhow!("TFA user {} has no destination", user.id))?;
    Ok((channel, to))
}

fn masked(channel: Channel, to: &str) -> String {
    match channel {
        Channel::Sms => mask_phone(to),
        Channel::Email => mask_email(to),
    }
}

fn otp_required(
    app: &AppState,
    user: &User,
    channel: Channel,
    to: &str,
    state: OtpState,
    resend_after: u64,
) -> TokenError {
    let otp = (!app.config.part1_only).then(|| {
        json!({
            "status": state.status,
            "method": user.auth_method.as_str(),
            "destination": masked(channel, to),
            "expires_in": state.expires_in,
            "resend_after": resend_after,
            "attempts_left": state.attempts_left,
        })
    });
    TokenError::OtpRequired {
        method: user.auth_method,
        otp,
    }
}

/// Step 1 (and resend): a new code replaces the old one, unless the resend limits say wait.
async fn send_otp(app: &AppState, user: &User) -> TokenError {
    match try_send_otp(app, user).await {
        Ok(e) | Err(e) => e,
    }
}

async fn try_send_otp(app: &AppState, user: &User) -> Result<TokenError, TokenError> {
    let (channel, to) = destination(user)?;
    let code = secrets::new_code();
    let hash = app.code_hash(&code);
    let now = app.now();
    let expires_at = now + LOGIN_CODE_TTL_SECS * 1000;
    let wait = {
        let (user_id, to) = (user.id.clone(), to.clone());
        let limits = app.send_limits();
        app.store
            .call(move |conn| {
                if let Some(seconds) = send_wait(limits, conn, LOGIN_SEND_KIND, &to, now)? {
                    return Ok(Some(seconds));
                }
                store::put_login_code(conn, &user_id, &hash, expires_at, CODE_ATTEMPTS)?;
                store::record_send(conn, LOGIN_SEND_KIND, &to, now)?;
                Ok(None)
            })
            .await?
    };
    if let Some(seconds) = wait {
        return Err(TokenError::TooManyRequests(seconds));
    }
    let account = account_name(app, &user.account_id).await?;
    let message = Message {
        channel,
        to: to.clone(),
        subject: format!("Your {account} sign-in code"),
        body: app.message_body(
            channel,
            format!(
                "{code} is your {account} sign-in code. It expires in 5 minutes. Never share it with anyone."
            ),
            &code,
        ),
        code,
    };
    if !app.deliver(message).await {
        return Err(TokenError::Delivery);
    }
    let state = OtpState {
        status: "sent",
        expires_in: LOGIN_CODE_TTL_SECS.unsigned_abs(),
        attempts_left: CODE_ATTEMPTS,
    };
    let resend_after = app.config.limits.resend_pause.as_secs();
    Ok(otp_required(app, user, channel, &to, state, resend_after))
}

async fn account_name(app: &AppState, account_id: &str) -> anyhow::Result<String> {
    let id = account_id.to_string();
    Ok(app
        .store
        .call(move |conn| store::account_by_id(conn, &id))
        .await?
        .map_or_else(|| app.config.account_name.clone(), |a| a.name))
}

/// Step 2: the code from the header. Ok means the user may have tokens.
async fn check_otp(app: &AppState, user: &User, code: &str) -> Result<(), TokenError> {
    let (channel, to) = destination(user)?;
    let presented = app.code_hash(code);
    let now = app.now();
    let user_id = user.id.clone();
    let limits = app.send_limits();
    let dest = to.clone();
    let (check, resend_wait) = app
        .store
        .call(move |conn| {
            let check = store::check_login_code(conn, &user_id, &presented, now)?;
            let wait = send_wait(limits, conn, LOGIN_SEND_KIND, &dest, now)?;
            Ok((check, wait))
        })
        .await?;
    let dead = |status| OtpState {
        status,
        expires_in: 0,
        attempts_left: 0,
    };
    let state = match check {
        CodeCheck::Valid => return Ok(()),
        CodeCheck::Invalid {
            attempts_left: 0, ..
        }
        | CodeCheck::Locked => dead("locked"),
        CodeCheck::Invalid {
            attempts_left,
            expires_at,
        } => OtpState {
            status: "invalid",
            expires_in: u64::try_from((expires_at - now) / 1000).unwrap_or(0),
            attempts_left,
        },
        // A used code reads like an expired one: either way the client needs a new code.
        CodeCheck::Expired | CodeCheck::Missing => dead("expired"),
    };
    Err(otp_required(
        app,
        user,
        channel,
        &to,
        state,
        resend_wait.unwrap_or(0),
    ))
}

async fn issue_user_tokens(app: &AppState, user: &User) -> Result<Value, TokenError> {
    let mode = app
        .store
        .call({
            let id = user.account_id.clone();
            move |conn| store::account_by_id(conn, &id)
        })
        .await?
        .map_or_else(|| "test".to_string(), |a| a.mode);
    let refresh = format!("urt-{mode}-{}", uuid::Uuid::new_v4());
    let refresh_hash = secrets::token_hash(&refresh);
    let (user_id, now) = (user.id.clone(), app.now());
    app.store
        .call(move |conn| store::insert_refresh_token(conn, &refresh_hash, &user_id, now))
        .await?;
    let principal = Principal {
        account_id: user.account_id.clone(),
        user_id: Some(user.id.clone()),
    };
    issue_access_token(app, principal, refresh).await
}

async fn issue_access_token(
    app: &AppState,
    principal: Principal,
    refresh_token: String,
) -> Result<Value, TokenError> {
    let access = secrets::new_access_token();
    let hash = secrets::token_hash(&access);
    let expires_at = app.now() + ACCESS_TOKEN_TTL_SECS * 1000;
    app.store
        .call(move |conn| store::insert_access_token(conn, &hash, &principal, expires_at))
        .await?;
    Ok(json!({
        "access_token": access,
        "token_type": "bearer",
        "expires_in": ACCESS_TOKEN_TTL_SECS,
        "refresh_token": refresh_token,
    }))
}

/// A publishable token gives a guest token of its account; a user's refresh token a new
/// access token of that user. The refresh token itself stays the same.
async fn refresh_grant(
    app: &AppState,
    refresh: String,
    scope: Option<String>,
) -> Result<Value, TokenError> {
    let scoped = scope.as_deref().map(|s| scope_account(app, Some(s)));
    let lookup = refresh.clone();
    let principal = app
        .store
        .call(move |conn| {
            if lookup.starts_with("prt-") {
                Ok(
                    store::account_by_publishable_token(conn, &lookup)?.map(|a| Principal {
                        account_id: a.id,
                        user_id: None,
                    }),
                )
            } else {
                let hash = secrets::token_hash(&lookup);
                Ok(store::refresh_token_user(conn, &hash)?.map(|u| Principal {
                    account_id: u.account_id,
                    user_id: Some(u.id),
                }))
            }
        })
        .await?
        .ok_or(TokenError::BadRefresh)?;
    if let Some(scoped) = scoped
        && scoped.as_deref() != Some(principal.account_id.as_str())
    {
        return Err(TokenError::BadRefresh);
    }
    issue_access_token(app, principal, refresh).await
}

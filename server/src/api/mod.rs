//! The `/v1` API: shared state, request checks (Accept, Content-Type, bearer token, JSON:API
//! document) and the routes.

mod reply;
mod resources;
mod token;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value};

use crate::clock::Clock;
use crate::config::Config;
use crate::model::{AuthMethod, Channel};
use crate::notify::{Message, Notifier};
use crate::secrets;
use crate::store::{self, Principal, Store};

pub use reply::ApiError;

/// Lifetimes of what the server hands out.
const ACCESS_TOKEN_TTL_SECS: i64 = 3600;
const LOGIN_CODE_TTL_SECS: i64 = 5 * 60;
const VERIFICATION_CODE_TTL_SECS: i64 = 30 * 60;
/// Wrong tries before a code dies.
const CODE_ATTEMPTS: u32 = 5;

pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub config: Config,
    /// Key of the code hashes.
    pub secret: Vec<u8>,
    pub email: Arc<dyn Notifier>,
    pub sms: Arc<dyn Notifier>,
    /// Verified for unknown usernames, so that they take as long as a wrong password.
    pub dummy_hash: String,
}

pub type App = Arc<AppState>;

impl AppState {
    fn now(&self) -> i64 {
        self.clock.now_millis()
    }

    fn code_hash(&self, code: &str) -> Vec<u8> {
        secrets::code_hash(&self.secret, code)
    }

    fn notifier(&self, channel: Channel) -> &dyn Notifier {
        match channel {
            Channel::Sms => self.sms.as_ref(),
            Channel::Email => self.email.as_ref(),
        }
    }

    /// The text of a message; an SMS ends with the WebOTP origin line (`@host #code`) when a
    /// domain is configured, so that the browser can offer the code to the app.
    fn message_body(&self, channel: Channel, text: String, code: &str) -> String {
        match (&self.config.webotp_domain, channel) {
            (Some(domain), Channel::Sms) => format!("{text}\n\n@{domain} #{code}"),
            _ => text,
        }
    }

    /// Sends a message; a failure is logged here (without the code) and reported as `false`.
    async fn deliver(&self, message: Message) -> bool {
        match self.notifier(message.channel).send(&message).await {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(channel = message.channel.as_str(), error = %e, "delivery failed");
                false
            }
        }
    }

    /// The resend pause and hourly allowance; `None` in Part 1 mode, as the 2018 backend has
    /// neither.
    fn send_limits(&self) -> Option<SendLimits> {
        (!self.config.part1_only).then(|| SendLimits {
            pause_ms: millis(self.config.limits.resend_pause),
            per_hour: self.config.limits.codes_per_hour,
        })
    }
}

/// The resend limits, copied out of the state so that a database closure can own them.
#[derive(Debug, Clone, Copy)]
struct SendLimits {
    pause_ms: i64,
    per_hour: u32,
}

/// Seconds to wait before the next code of `kind` to `destination`, or `None` when allowed.
fn send_wait(
    limits: Option<SendLimits>,
    conn: &rusqlite::Connection,
    kind: &str,
    destination: &str,
    now: i64,
) -> anyhow::Result<Option<u64>> {
    match limits {
        Some(l) => store::send_wait(conn, kind, destination, now, l.pause_ms, l.per_hour),
        None => Ok(None),
    }
}

/// The key under which wrong passwords of one user are counted.
fn user_failure_key(account_id: &str, username: &str) -> String {
    format!("user:{account_id}:{username}")
}

fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

pub fn router() -> Router<App> {
    Router::new()
        .route("/token", post(token::token))
        .route("/account", get(resources::account))
        .route(
            "/user",
            get(resources::get_user).patch(resources::patch_user),
        )
        .route("/customers", post(resources::register))
        .route(
            "/phone_verification_codes",
            post(resources::phone_verification_code),
        )
        .route(
            "/email_verification_codes",
            post(resources::email_verification_code),
        )
        .fallback(|| async { ApiError::NotFound })
        .layer(middleware::from_fn(check_accept))
}

/// The real backend answers 406 unless one Accept entry is exactly `application/vnd.api+json`
/// or `*/*` (so `*/*;q=0.8` and a bare `application/json` fail, while the 2018 SDK's
/// `application/json, text/plain, */*` passes). A missing Accept header is taken as `*/*`.
async fn check_accept(request: Request, next: Next) -> Response {
    let acceptable = match request.headers().get(header::ACCEPT) {
        None => true,
        Some(value) => value.to_str().is_ok_and(accepts_jsonapi),
    };
    if acceptable {
        next.run(request).await
    } else {
        StatusCode::NOT_ACCEPTABLE.into_response()
    }
}

fn accepts_jsonapi(accept: &str) -> bool {
    accept.trim().is_empty()
        || accept.split(',').any(|entry| {
            let entry: String = entry.chars().filter(|c| !c.is_whitespace()).collect();
            entry.eq_ignore_ascii_case(reply::JSONAPI) || entry == "*/*"
        })
}

/// The bearer of a valid access token: a guest of the account, or a user.
pub struct Auth(pub Principal);

impl FromRequestParts<App> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or(ApiError::Unauthorized)?;
        let hash = secrets::token_hash(&token);
        let now = app.now();
        app.store
            .call(move |conn| store::access_token(conn, &hash, now))
            .await?
            .map(Auth)
            .ok_or(ApiError::Unauthorized)
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

/// The attributes of a JSON:API request document.
pub struct Doc(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for Doc {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !content_type.trim().eq_ignore_ascii_case(reply::JSONAPI) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::InvalidJson)?;
        let doc: Value = serde_json::from_slice(&body).map_err(|_| ApiError::InvalidJson)?;
        let data = doc.get("data").ok_or(ApiError::MissingType)?;
        if !data.get("type").is_some_and(Value::is_string) {
            return Err(ApiError::MissingType);
        }
        let attributes = match data.get("attributes") {
            Some(Value::Object(map)) => map.clone(),
            _ => Map::new(),
        };
        Ok(Doc(attributes))
    }
}

/// An attribute as PATCH sees it: not sent, sent as null (clear it), or sent with a value.
#[derive(Debug, Clone, PartialEq)]
enum Attr {
    Absent,
    Null,
    Text(String),
}

impl Doc {
    fn attr(&self, key: &str) -> Attr {
        match self.0.get(key) {
            None => Attr::Absent,
            Some(Value::Null) => Attr::Null,
            Some(Value::String(s)) => Attr::Text(s.clone()),
            // Values are not converted on the wire; a number where text belongs is kept as its
            // text so that the format checks can judge it.
            Some(other) => Attr::Text(other.to_string()),
        }
    }

    /// The attribute as text; absent, null and blank all read as `None`.
    fn text(&self, key: &str) -> Option<String> {
        match self.attr(key) {
            Attr::Text(s) if !s.trim().is_empty() => Some(s),
            _ => None,
        }
    }
}

/// Parses an `authMethod` attribute, or reports the `inclusion` error.
fn parse_auth_method(raw: &str) -> Result<AuthMethod, reply::FieldError> {
    raw.parse()
        .map_err(|_| reply::FieldError::inclusion("authMethod"))
}

#[cfg(test)]
mod tests {
    use super::accepts_jsonapi;

    #[test]
    fn accept_header_as_the_real_backend_and_the_2018_sdk_need_it() {
        for ok in [
            "",
            "application/vnd.api+json",
            "*/*",
            "application/json, text/plain, */*",
            "text/html, application/vnd.api+json",
        ] {
            assert!(accepts_jsonapi(ok), "{ok}");
        }
        for bad in [
            "application/json",
            "*/*;q=0.8",
            "text/html,application/xhtml+xml,*/*;q=0.8",
            "application/vnd.api+json; ext=bulk",
        ] {
            assert!(!accepts_jsonapi(bad), "{bad}");
        }
    }
}

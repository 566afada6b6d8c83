//! Everything outside `/v1`: the app's runtime configuration, the development outbox, the
//! single-page app with its fallback, and the request log.

use std::path::Path;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::api::App;
use crate::store::{self, OutboxEntry};

/// How many messages the outbox lists.
const OUTBOX_LIMIT: u32 = 200;

/// One line a request. The query string is left out: it is not needed and could carry data.
pub async fn log_requests(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let start = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        %path,
        status = response.status().as_u16(),
        latency = ?start.elapsed(),
        "request"
    );
    response
}

/// `GET /config.json`: what the app needs to talk to this server.
pub async fn config_json(State(app): State<App>) -> Response {
    let Some(token) = &app.config.publishable_token else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let body = json!({
        "apiBaseUrl": app.config.public_api_base_url,
        "publishableRefreshToken": token,
        "accountId": app.config.account_id,
    });
    let mut response = axum::Json(body).into_response();
    // The app must see a changed configuration after a restart, not a cached one.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

async fn outbox_entries(app: &App) -> anyhow::Result<Vec<OutboxEntry>> {
    app.store
        .call(|conn| store::list_outbox(conn, OUTBOX_LIMIT))
        .await
}

fn rfc3339(millis: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn internal(e: &anyhow::Error) -> Response {
    tracing::error!(error = %e, "reading the outbox");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// `GET /_dev/outbox`: every message sent, newest first.
pub async fn outbox_json(State(app): State<App>) -> Response {
    match outbox_entries(&app).await {
        Ok(entries) => {
            let list: Vec<Value> = entries
                .iter()
                .map(|e| {
                    json!({
                        "channel": e.channel,
                        "to": e.to,
                        "body": e.body,
                        "code": e.code,
                        "sentAt": rfc3339(e.sent_at),
                    })
                })
                .collect();
            axum::Json(list).into_response()
        }
        Err(e) => internal(&e),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /_dev/outbox/`: the same list for a person, refreshing itself.
pub async fn outbox_html(State(app): State<App>) -> Response {
    let entries = match outbox_entries(&app).await {
        Ok(entries) => entries,
        Err(e) => return internal(&e),
    };
    let rows: String = entries
        .iter()
        .map(|e| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=code>{}</td><td>{}</td></tr>\n",
                escape(&rfc3339(e.sent_at)),
                escape(&e.channel),
                escape(&e.to),
                escape(&e.code),
                escape(&e.body)
            )
        })
        .collect();
    let table = if entries.is_empty() {
        "<p>No messages yet. Ask for a code in the app and it shows up here.</p>".to_string()
    } else {
        format!(
            "<table><thead><tr><th>Sent</th><th>Channel</th><th>To</th><th>Code</th><th>Message</th></tr></thead>\n<tbody>\n{rows}</tbody></table>"
        )
    };
    Html(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="3">
<title>Development outbox</title>
<style>
 body {{ font: 15px/1.5 system-ui, sans-serif; margin: 2rem; color-scheme: light dark; }}
 table {{ border-collapse: collapse; width: 100%; }}
 th, td {{ text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #8884; vertical-align: top; }}
 .code {{ font: 600 1.2rem ui-monospace, monospace; letter-spacing: .1em; }}
</style></head>
<body><h1>Development outbox</h1>
<p>Every SMS and email this server would have sent, newest first. The page refreshes every 3 seconds; JSON at <a href="/_dev/outbox">/_dev/outbox</a>.</p>
{table}
</body></html>"#
    ))
    .into_response()
}

/// Anything under `/_dev` that is not a development route (all of it in production).
pub async fn not_found() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

const NOT_BUILT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>App not built</title></head>
<body style="font: 16px/1.5 system-ui, sans-serif; margin: 2rem; max-width: 40rem">
<h1>The app is not built yet</h1>
<p>This server serves the app from its <code>--dist</code> directory, and there is no
<code>index.html</code> there. Build the app first, from the repository root:</p>
<pre>trunk build --release --offline</pre>
<p>then reload this page. The API answers under <code>/v1</code> meanwhile, and the development
outbox is at <a href="/_dev/outbox/">/_dev/outbox/</a>.</p>
</body></html>"#;

/// Static files of the built app, and `index.html` for the app's own routes (`/login`, …).
/// A missing file with an extension stays a 404, so a stale asset URL does not get HTML.
pub async fn spa(State(app): State<App>, request: Request) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return StatusCode::NOT_FOUND.into_response();
    }
    let dist = &app.config.dist_dir;
    let index = dist.join("index.html");
    if !index.is_file() {
        return Html(NOT_BUILT).into_response();
    }
    let looks_like_file = Path::new(request.uri().path()).extension().is_some();
    let result = if looks_like_file {
        ServeDir::new(dist).oneshot(request).await
    } else {
        ServeDir::new(dist)
            .fallback(ServeFile::new(index))
            .oneshot(request)
            .await
    };
    match result {
        Ok(response) => response.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "serving a static file");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

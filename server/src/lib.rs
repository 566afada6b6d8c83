//! The reference server of the Freshcom identity API (TFA subset): see `API.md` at the
//! repository's shared documents. One port serves the API, the development outbox and the
//! built single-page app.

pub mod clock;
pub mod config;
pub mod model;
pub mod notify;
pub mod testing;

mod api;
mod secrets;
mod store;
mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, Method, header};
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use config::{Config, Limits, Mode, SmsConfig, SmtpConfig, SmtpSecurity};

use crate::api::{App, AppState};
use crate::clock::Clock;
use crate::notify::{Notifier, Outbox, SmsWebhook, Smtp};
use crate::store::Store;

/// Runs the server on `listener` until `shutdown` completes, then finishes the requests in
/// flight.
pub async fn serve(
    config: Config,
    listener: tokio::net::TcpListener,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let router = build(config, clock).await?;
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}

/// Opens (and seeds) the database and assembles the routes: everything that can fail at start.
async fn build(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Router> {
    config.validate()?;
    let store = Store::open(&config.db_path)?;
    let seed = config.publishable_token.clone().map(|token| {
        let account = store::Account {
            id: config.account_id.clone(),
            name: config.account_name.clone(),
            mode: config.account_mode().to_string(),
            default_auth_method: config.default_auth_method,
        };
        (account, token)
    });
    let secret = store
        .call(move |conn| {
            if let Some((account, token)) = &seed {
                store::upsert_account(conn, account, token)?;
            }
            store::server_secret(conn)
        })
        .await?;
    let (email, sms): (Arc<dyn Notifier>, Arc<dyn Notifier>) = match config.mode {
        Mode::Development => {
            let outbox = Arc::new(Outbox::new(store.clone(), clock.clone()));
            (outbox.clone(), outbox)
        }
        Mode::Production => {
            let (Some(smtp), Some(sms)) = (&config.smtp, &config.sms) else {
                anyhow::bail!("production mode needs SMTP and SMS settings");
            };
            (Arc::new(Smtp::new(smtp)?), Arc::new(SmsWebhook::new(sms)?))
        }
    };
    let dummy_hash =
        tokio::task::spawn_blocking(|| secrets::hash_password(&secrets::random_hex32())).await??;
    let app: App = Arc::new(AppState {
        store,
        clock,
        config,
        secret,
        email,
        sms,
        dummy_hash,
    });
    Ok(router(app))
}

fn router(app: App) -> Router {
    let mut router = Router::new()
        .nest("/v1", api::router())
        .route("/config.json", get(web::config_json))
        .route("/_dev", get(web::not_found))
        .route("/_dev/{*rest}", get(web::not_found));
    if app.config.mode == Mode::Development {
        router = router
            .route("/_dev/outbox", get(web::outbox_json))
            .route("/_dev/outbox/", get(web::outbox_html));
    }
    router
        .fallback(web::spa)
        .layer(cors(&app.config))
        .layer(axum::middleware::from_fn(web::log_requests))
        .with_state(app)
}

fn cors(config: &Config) -> CorsLayer {
    let otp = HeaderName::from_static("x-freshcom-otp");
    let layer = CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::OPTIONS])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            otp.clone(),
        ])
        .max_age(std::time::Duration::from_secs(600));
    if config.part1_only {
        // The 2018 backend exposes no response headers to scripts.
        layer
    } else {
        layer.expose_headers([otp, header::RETRY_AFTER])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    fn production(dir: &std::path::Path) -> Config {
        let mut config = Config::development();
        config.mode = Mode::Production;
        config.db_path = dir.join("prod.sqlite3");
        config.publishable_token = None;
        config
    }

    #[tokio::test]
    async fn production_refuses_to_start_without_smtp_and_sms() {
        let dir = tempfile::tempdir().unwrap();
        let err = build(production(dir.path()), Arc::new(ManualClock::new()))
            .await
            .expect_err("refused");
        assert!(err.to_string().contains("SMTP"), "{err}");
    }

    #[tokio::test]
    async fn production_has_no_dev_routes_and_no_config_without_a_token() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = production(dir.path());
        config.smtp = Some(SmtpConfig {
            host: "localhost".into(),
            port: 25,
            username: None,
            password: None,
            from: "Acme <no-reply@example.com>".into(),
            security: SmtpSecurity::Plain,
        });
        config.sms = Some(SmsConfig {
            webhook_url: "http://127.0.0.1:9/sms".into(),
            bearer_secret: None,
        });
        let router = build(config, Arc::new(ManualClock::new())).await.unwrap();
        for path in ["/_dev/outbox", "/_dev/outbox/", "/_dev", "/config.json"] {
            let response = router
                .clone()
                .oneshot(Request::get(path).body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        }
    }
}

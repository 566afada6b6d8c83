//! `tfa-server`: the reference identity server, configured by flags or `TFA_*` variables.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tfa_server::clock::SystemClock;
use tfa_server::config::{DEV_ACCOUNT_ID, DEV_ACCOUNT_NAME, DEV_PUBLISHABLE_TOKEN};
use tfa_server::model::AuthMethod;
use tfa_server::{Config, Limits, Mode, SmsConfig, SmtpConfig, SmtpSecurity};

#[derive(Debug, Parser)]
#[command(
    version,
    about = "Reference server of the Freshcom identity API (TFA subset)"
)]
struct Args {
    /// development seeds a test account and keeps messages in an outbox; production sends them.
    #[arg(long, env = "TFA_MODE", value_enum, default_value = "development")]
    mode: Mode,
    #[arg(long, env = "TFA_BIND", default_value = "127.0.0.1")]
    bind: IpAddr,
    #[arg(long, env = "TFA_PORT", default_value_t = 8080)]
    port: u16,
    /// SQLite database file, created (with its directory) on first start.
    #[arg(long, env = "TFA_DB", default_value = "data/tfa.sqlite3")]
    db: PathBuf,
    /// The built app (Trunk's output).
    #[arg(long, env = "TFA_DIST", default_value = "dist")]
    dist: PathBuf,
    #[arg(long, env = "TFA_ACCOUNT_ID", default_value = DEV_ACCOUNT_ID)]
    account_id: String,
    #[arg(long, env = "TFA_ACCOUNT_NAME", default_value = DEV_ACCOUNT_NAME)]
    account_name: String,
    /// simple, tfa_sms or tfa_email.
    #[arg(long, env = "TFA_DEFAULT_AUTH_METHOD", default_value = "simple", value_parser = parse_method)]
    default_auth_method: AuthMethod,
    /// The account's publishable refresh token (prt-test-… or prt-live-…). Development mode has
    /// a default; in production the account is only created when this is set.
    #[arg(long, env = "TFA_PUBLISHABLE_TOKEN")]
    publishable_token: Option<String>,
    /// The API base URL that /config.json gives the app; empty means the same origin.
    #[arg(long, env = "TFA_PUBLIC_API_BASE_URL", default_value = "")]
    public_api_base_url: String,
    /// Behave like the real 2018 Freshcom backend: no `otp` object, no exposed headers.
    #[arg(long, env = "TFA_PART1_ONLY", action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new())]
    part1_only: bool,
    /// The app's host name: SMS then end with a WebOTP line `@host #code`.
    #[arg(long, env = "TFA_WEBOTP_DOMAIN")]
    webotp_domain: Option<String>,

    #[arg(long, env = "TFA_SMTP_HOST")]
    smtp_host: Option<String>,
    #[arg(long, env = "TFA_SMTP_PORT", default_value_t = 587)]
    smtp_port: u16,
    #[arg(long, env = "TFA_SMTP_USERNAME")]
    smtp_username: Option<String>,
    #[arg(long, env = "TFA_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<String>,
    /// Sender address, e.g. "Acme <no-reply@example.com>".
    #[arg(long, env = "TFA_SMTP_FROM")]
    smtp_from: Option<String>,
    #[arg(
        long,
        env = "TFA_SMTP_SECURITY",
        value_enum,
        default_value = "starttls"
    )]
    smtp_security: SmtpSecurity,
    /// Receives a JSON POST {"to","body"} for every SMS.
    #[arg(long, env = "TFA_SMS_WEBHOOK_URL")]
    sms_webhook_url: Option<String>,
    /// Sent to the webhook as a bearer token.
    #[arg(long, env = "TFA_SMS_WEBHOOK_SECRET", hide_env_values = true)]
    sms_webhook_secret: Option<String>,

    /// Wrong passwords allowed per username within the window.
    #[arg(long, env = "TFA_LIMIT_PASSWORD_PER_USERNAME", default_value_t = 10)]
    limit_password_per_username: u32,
    /// Wrong passwords allowed per client address within the window.
    #[arg(long, env = "TFA_LIMIT_PASSWORD_PER_ADDRESS", default_value_t = 300)]
    limit_password_per_address: u32,
    #[arg(long, env = "TFA_LIMIT_PASSWORD_WINDOW_SECS", default_value_t = 900)]
    limit_password_window_secs: u64,
    /// Seconds between two codes to the same destination.
    #[arg(long, env = "TFA_LIMIT_RESEND_SECS", default_value_t = 30)]
    limit_resend_secs: u64,
    /// Codes of one kind to one destination per hour.
    #[arg(long, env = "TFA_LIMIT_CODES_PER_HOUR", default_value_t = 5)]
    limit_codes_per_hour: u32,
}

fn parse_method(s: &str) -> Result<AuthMethod, String> {
    s.parse()
}

impl Args {
    fn into_config(self) -> Config {
        let publishable_token = match self.mode {
            Mode::Development => self
                .publishable_token
                .or_else(|| Some(DEV_PUBLISHABLE_TOKEN.to_string())),
            Mode::Production => self.publishable_token,
        };
        let smtp = match (self.smtp_host, self.smtp_from) {
            (Some(host), Some(from)) => Some(SmtpConfig {
                host,
                port: self.smtp_port,
                username: self.smtp_username,
                password: self.smtp_password,
                from,
                security: self.smtp_security,
            }),
            _ => None,
        };
        let sms = self.sms_webhook_url.map(|webhook_url| SmsConfig {
            webhook_url,
            bearer_secret: self.sms_webhook_secret,
        });
        Config {
            mode: self.mode,
            bind: self.bind,
            port: self.port,
            db_path: self.db,
            dist_dir: self.dist,
            account_id: self.account_id,
            account_name: self.account_name,
            default_auth_method: self.default_auth_method,
            publishable_token,
            public_api_base_url: self.public_api_base_url,
            part1_only: self.part1_only,
            webotp_domain: self.webotp_domain,
            smtp,
            sms,
            limits: Limits {
                password_per_username: self.limit_password_per_username,
                password_per_address: self.limit_password_per_address,
                password_window: Duration::from_secs(self.limit_password_window_secs),
                resend_pause: Duration::from_secs(self.limit_resend_secs),
                codes_per_hour: self.limit_codes_per_hour,
            },
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "listening for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "listening for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let config = Args::parse().into_config();
    config.validate()?;
    let listener = tokio::net::TcpListener::bind((config.bind, config.port)).await?;
    let addr = listener.local_addr()?;
    let host = if addr.ip().is_unspecified() {
        format!("localhost:{}", addr.port())
    } else {
        addr.to_string()
    };
    println!(
        "tfa-server ({:?} mode{}) listening on http://{host}/",
        config.mode,
        if config.part1_only {
            ", Part 1 only"
        } else {
            ""
        }
    );
    if let Some(token) = &config.publishable_token {
        println!(
            "  account: {} (id {}, {}), publishable token {token}",
            config.account_name,
            config.account_id,
            config.account_mode()
        );
    } else {
        println!("  account: none (set --publishable-token to create one and serve /config.json)");
    }
    if config.mode == Mode::Development {
        println!("  outbox:  http://{host}/_dev/outbox/");
    }
    if !config.dist_dir.join("index.html").is_file() {
        println!(
            "  app:     not built ({} has no index.html): run `trunk build --release --offline`",
            config.dist_dir.display()
        );
    }
    tfa_server::serve(config, listener, Arc::new(SystemClock), shutdown_signal()).await
}

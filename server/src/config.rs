//! Everything the command line sets, as plain data, so that tests build a server without clap.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use crate::model::AuthMethod;

/// The seeded development account: the values the app's default configuration expects.
pub const DEV_ACCOUNT_ID: &str = "0c6a8f3e-2b1d-4c7a-9e5f-3d2b1a0c9e8f";
pub const DEV_ACCOUNT_NAME: &str = "Acme Outfitters";
pub const DEV_PUBLISHABLE_TOKEN: &str = "prt-test-9b3e6c1d-7a2f-4e8b-b5c4-2f1a0e9d8c7b";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Seeds a test account, keeps sent messages in an outbox served at /_dev/outbox.
    Development,
    /// Sends through the configured SMTP relay and SMS webhook; no /_dev routes.
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (usually port 587).
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
    /// No encryption: only for a relay on the same host or a local test catcher.
    Plain,
}

#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
    pub security: SmtpSecurity,
}

// Hand-written so that a logged or printed configuration never shows the password.
impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("security", &self.security)
            .finish()
    }
}

#[derive(Clone)]
pub struct SmsConfig {
    /// Receives a JSON POST `{"to","body"}` for every SMS.
    pub webhook_url: String,
    /// Sent as `Authorization: Bearer <secret>` when set.
    pub bearer_secret: Option<String>,
}

impl fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsConfig")
            .field("webhook_url", &self.webhook_url)
            .field(
                "bearer_secret",
                &self.bearer_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct Limits {
    /// Wrong passwords allowed per username within `password_window`.
    pub password_per_username: u32,
    /// Wrong passwords allowed per client address within `password_window`.
    pub password_per_address: u32,
    pub password_window: Duration,
    /// Pause between two codes of the same kind to the same destination.
    pub resend_pause: Duration,
    /// Codes of the same kind to the same destination within an hour.
    pub codes_per_hour: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            password_per_username: 10,
            password_per_address: 300,
            password_window: Duration::from_secs(15 * 60),
            resend_pause: Duration::from_secs(30),
            codes_per_hour: 5,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    pub bind: IpAddr,
    pub port: u16,
    pub db_path: PathBuf,
    pub dist_dir: PathBuf,
    pub account_id: String,
    pub account_name: String,
    pub default_auth_method: AuthMethod,
    /// The account is created (or updated) at start only when this is set.
    pub publishable_token: Option<String>,
    /// What `/config.json` tells the app; empty means "the same origin".
    pub public_api_base_url: String,
    /// Behave like the real 2018 backend: no `otp` object, no exposed headers, no resend limits.
    pub part1_only: bool,
    /// The app's host (e.g. `shop.example.com`) for the WebOTP line of SMS; none by default.
    pub webotp_domain: Option<String>,
    pub smtp: Option<SmtpConfig>,
    pub sms: Option<SmsConfig>,
    pub limits: Limits,
}

impl Config {
    /// Development defaults; the caller fills in `db_path` and `port` as it needs.
    pub fn development() -> Config {
        Config {
            mode: Mode::Development,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8080,
            db_path: PathBuf::from("data/tfa.sqlite3"),
            dist_dir: PathBuf::from("dist"),
            account_id: DEV_ACCOUNT_ID.to_string(),
            account_name: DEV_ACCOUNT_NAME.to_string(),
            default_auth_method: AuthMethod::Simple,
            publishable_token: Some(DEV_PUBLISHABLE_TOKEN.to_string()),
            public_api_base_url: String::new(),
            part1_only: false,
            webotp_domain: None,
            smtp: None,
            sms: None,
            limits: Limits::default(),
        }
    }

    /// Refuses configurations that would silently lose messages or mis-seed the account.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.mode == Mode::Production && (self.smtp.is_none() || self.sms.is_none()) {
            anyhow::bail!(
                "production mode needs an SMTP relay (--smtp-host, --smtp-from) and an SMS webhook (--sms-webhook-url)"
            );
        }
        uuid::Uuid::parse_str(&self.account_id)
            .map_err(|_| anyhow::anyhow!("--account-id must be a UUID"))?;
        if let Some(token) = &self.publishable_token
            && !(token.starts_with("prt-test-") || token.starts_with("prt-live-"))
        {
            anyhow::bail!("--publishable-token must start with prt-test- or prt-live-");
        }
        Ok(())
    }

    /// `test` or `live`, read from the publishable token the way Freshcom names its twins.
    pub fn account_mode(&self) -> &'static str {
        match &self.publishable_token {
            Some(t) if t.starts_with("prt-live-") => "live",
            _ => "test",
        }
    }
}

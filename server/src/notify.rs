//! Delivery of codes: the development outbox, an SMTP relay, an SMS webhook.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::clock::Clock;
use crate::config::{SmsConfig, SmtpConfig, SmtpSecurity};
use crate::model::Channel;
use crate::store::{self, OutboxEntry, Store};

/// One message carrying a code.
#[derive(Debug, Clone)]
pub struct Message {
    pub channel: Channel,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// Kept apart from the body only for the development outbox, which lists it for tests.
    pub code: String,
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>>;

pub trait Notifier: Send + Sync + 'static {
    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a>;
}

/// Development: keeps every message in the database, for `/_dev/outbox`.
pub struct Outbox {
    store: Store,
    clock: Arc<dyn Clock>,
}

impl Outbox {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Outbox {
        Outbox { store, clock }
    }
}

impl Notifier for Outbox {
    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a> {
        let entry = OutboxEntry {
            channel: message.channel.as_str().to_string(),
            to: message.to.clone(),
            body: message.body.clone(),
            code: message.code.clone(),
            sent_at: self.clock.now_millis(),
        };
        Box::pin(async move {
            self.store
                .call(move |conn| store::insert_outbox(conn, &entry))
                .await?;
            tracing::info!(
                channel = message.channel.as_str(),
                "message kept in the development outbox"
            );
            Ok(())
        })
    }
}

/// Production email: through an SMTP relay.
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl Smtp {
    pub fn new(config: &SmtpConfig) -> anyhow::Result<Smtp> {
        let builder = match config.security {
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)?,
            SmtpSecurity::Plain => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            }
        };
        let mut builder = builder
            .port(config.port)
            .timeout(Some(Duration::from_secs(20)));
        if let Some(user) = &config.username {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                config.password.clone().unwrap_or_default(),
            ));
        }
        let from = config
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("--smtp-from {:?}: {e}", config.from))?;
        Ok(Smtp {
            transport: builder.build(),
            from,
        })
    }
}

impl Notifier for Smtp {
    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a> {
        Box::pin(async move {
            let email = lettre::Message::builder()
                .from(self.from.clone())
                .to(message.to.parse()?)
                .subject(message.subject.clone())
                .header(lettre::message::header::ContentType::TEXT_PLAIN)
                .body(message.body.clone())?;
            self.transport.send(email).await?;
            Ok(())
        })
    }
}

/// Production SMS: a JSON POST `{"to","body"}` to the operator's gateway.
pub struct SmsWebhook {
    client: reqwest::Client,
    config: SmsConfig,
}

impl SmsWebhook {
    pub fn new(config: &SmsConfig) -> anyhow::Result<SmsWebhook> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()?;
        Ok(SmsWebhook {
            client,
            config: config.clone(),
        })
    }
}

impl Notifier for SmsWebhook {
    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a> {
        Box::pin(async move {
            let mut req = self
                .client
                .post(&self.config.webhook_url)
                .json(&serde_json::json!({"to": message.to, "body": message.body}));
            if let Some(secret) = &self.config.bearer_secret {
                req = req.bearer_auth(secret);
            }
            req.send().await?.error_for_status()?;
            Ok(())
        })
    }
}

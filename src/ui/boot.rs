//! Start-up: read the runtime configuration, get a guest token for the account, load the account.
//! Every way this can fail ends in a message a person can act on, never a blank page.

use std::fmt;

use tfa_flow::{ApiError, Country};

use crate::api::{Account, ApiClient, ConfigError, RuntimeConfig, load_runtime_config};
use crate::session::Session;

/// What the screens need once the app has started; provided as context to every screen.
#[derive(Clone)]
pub struct Services {
    pub config: RuntimeConfig,
    pub api: ApiClient,
    pub session: Session,
    pub account: Account,
}

impl Services {
    /// The country the phone selector starts on: the merchant's `defaultCountry`, else the
    /// browser's region ("en-CA" → Canada), else the United States.
    pub fn phone_country(&self) -> &'static Country {
        let region = web_sys::window()
            .and_then(|w| w.navigator().language())
            .and_then(|lang| lang.rsplit(['-', '_']).next().map(str::to_owned));
        let configured = self.config.default_country.map(|c| c.iso);
        Country::preferred(configured.into_iter().chain(region.as_deref()))
    }
}

#[derive(Clone, Debug)]
pub enum BootError {
    Config(ConfigError),
    Api(ApiError),
}

impl BootError {
    /// The headline: what the person can do about it.
    pub fn title(&self) -> &'static str {
        match self {
            BootError::Api(ApiError::Network | ApiError::Timeout) => {
                "We can't reach the sign-in service"
            }
            BootError::Api(ApiError::Server { .. }) => "The sign-in service is having trouble",
            BootError::Api(_) | BootError::Config(_) => "Sign-in isn't set up correctly",
        }
    }

    pub fn advice(&self) -> &'static str {
        match self {
            BootError::Api(ApiError::Network | ApiError::Timeout) => {
                "Check your internet connection, then try again. If it keeps happening, the service may be down for a moment."
            }
            BootError::Api(ApiError::Server { .. }) => {
                "This is on our side. Please try again in a minute."
            }
            BootError::Api(_) | BootError::Config(_) => {
                "The shop's sign-in settings were not accepted. Please try again later, or contact the shop."
            }
        }
    }
}

impl fmt::Display for BootError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BootError::Config(e) => write!(f, "Configuration: {e}"),
            BootError::Api(e) => write!(f, "Service: {e}"),
        }
    }
}

pub async fn boot() -> Result<Services, BootError> {
    let config = load_runtime_config().await.map_err(BootError::Config)?;
    let api = ApiClient::new(&config.api_base_url);
    let session = Session::new(config.token_storage);
    let guest = session
        .guest_token(&api, &config.publishable_refresh_token)
        .await
        .map_err(BootError::Api)?;
    let account = api.account(&guest).await.map_err(BootError::Api)?;
    Ok(Services {
        config,
        api,
        session,
        account,
    })
}

//! The typed client for the identity API (`/work/shared/API.md`): requests, responses, and every
//! failure mapped to one [`tfa_flow::ApiError`].
//!
//! Only `transport` touches the browser; the body encoders (`wire`) and the error mapping
//! (`error`) are pure and tested natively.

mod client;
mod config;
pub mod error;
mod model;
mod transport;
mod wire;

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;

pub use client::ApiClient;
pub use config::{ConfigError, RuntimeConfig, load_runtime_config, load_runtime_config_from};
pub use error::{DEFAULT_RETRY_AFTER_SECS, apply_headers, classify};
pub use model::{Account, Token};

//! `config.json`, read at start-up: which API, which account. Kept out of the wasm so that one
//! build serves any deployment.

use std::fmt;
use std::time::Duration;

use gloo_net::http::RequestBuilder;
use serde::Deserialize;
use tfa_flow::{ApiError, Country};

use super::transport::exchange;
use crate::session::TokenStorage;

const CONFIG_FILE: &str = "config.json";
const CONFIG_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// `""` for the page's own origin.
    pub api_base_url: String,
    /// `prt-test-…` or `prt-live-…`: public by design, it only ever yields a guest token.
    pub publishable_refresh_token: String,
    /// The account's bare UUID, for `scope=aid:<id>`.
    pub account_id: String,
    /// Where the session keeps the refresh token: `tokenStorage` is `"memory"`,
    /// `"sessionStorage"` (the default) or `"localStorage"`, the deployer's choice of how long a
    /// login lasts on a shared computer.
    pub token_storage: TokenStorage,
    /// `defaultCountry`: the ISO code of the country the phone selector starts on, when the
    /// merchant knows better than the browser's language.
    pub default_country: Option<&'static Country>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// No answer at all: offline, server down, blocked, or too slow.
    Unreachable {
        url: String,
    },
    NotFound {
        url: String,
    },
    /// Another non-success status.
    Status {
        url: String,
        status: u16,
    },
    /// An answer that is not the expected JSON; `reason` says what is wrong with it.
    Malformed {
        url: String,
        reason: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Unreachable { url } => write!(
                f,
                "Could not load the app's settings from {url}: the server did not answer. \
                 Check the connection and reload the page."
            ),
            ConfigError::NotFound { url } => write!(
                f,
                "The app's settings file is missing: {url} was not found. \
                 It must be deployed next to index.html."
            ),
            ConfigError::Status { url, status } => write!(
                f,
                "Could not load the app's settings from {url}: the server answered with \
                 HTTP {status}."
            ),
            ConfigError::Malformed { url, reason } => {
                write!(f, "The app's settings in {url} are not valid: {reason}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfigFile {
    api_base_url: Option<String>,
    publishable_refresh_token: Option<String>,
    account_id: Option<String>,
    token_storage: Option<String>,
    default_country: Option<String>,
}

impl RuntimeConfig {
    /// Parses the file's text; the error is the reason, worded for the person who deploys.
    pub fn parse(text: &str) -> Result<RuntimeConfig, String> {
        let file: ConfigFile = serde_json::from_str(text).map_err(|e| {
            format!(
                "expected a JSON object with apiBaseUrl, publishableRefreshToken and accountId ({e})."
            )
        })?;
        let token = file
            .publishable_refresh_token
            .map(|t| t.trim().to_owned())
            .unwrap_or_default();
        if token.is_empty() {
            return Err("publishableRefreshToken is missing.".into());
        }
        if !token.starts_with("prt-") {
            return Err(
                "publishableRefreshToken must be the account's publishable token (prt-test-… or prt-live-…)."
                    .into(),
            );
        }
        let account_id = file
            .account_id
            .map(|a| a.trim().to_owned())
            .unwrap_or_default();
        if account_id.is_empty() {
            return Err("accountId is missing.".into());
        }
        if account_id.contains(char::is_whitespace) || account_id.starts_with("aid") {
            return Err("accountId must be the account's bare UUID.".into());
        }
        let token_storage = match file.token_storage.as_deref().map(str::trim) {
            None | Some("") | Some("sessionStorage") => TokenStorage::SessionStorage,
            Some("localStorage") => TokenStorage::LocalStorage,
            Some("memory") => TokenStorage::Memory,
            Some(other) => {
                return Err(format!(
                    "tokenStorage is \"{other}\"; use \"memory\", \"sessionStorage\" or \"localStorage\"."
                ));
            }
        };
        let default_country = match file.default_country.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(iso) => Some(Country::by_iso(iso).ok_or_else(|| {
                format!(
                    "defaultCountry is \"{iso}\"; use a two-letter country code such as \"US\"."
                )
            })?),
        };
        Ok(RuntimeConfig {
            api_base_url: file
                .api_base_url
                .map(|u| u.trim().trim_end_matches('/').to_owned())
                .unwrap_or_default(),
            publishable_refresh_token: token,
            account_id,
            token_storage,
            default_country,
        })
    }
}

/// Loads `config.json` from beside the page: resolved against the document's base URI, so that
/// an app served under a sub-path (`/shop/login/`) finds its own file.
pub async fn load_runtime_config() -> Result<RuntimeConfig, ConfigError> {
    let url = document_base_uri()
        .map(|base| sibling_url(&base, CONFIG_FILE))
        .unwrap_or_else(|| CONFIG_FILE.to_owned());
    load_runtime_config_from(&url).await
}

/// Loads a config file from an explicit URL (an embedding page may keep it elsewhere).
pub async fn load_runtime_config_from(url: &str) -> Result<RuntimeConfig, ConfigError> {
    let request = RequestBuilder::new(url).header("Accept", "application/json");
    let answer = exchange(request, None, CONFIG_TIMEOUT)
        .await
        .map_err(|e| match e {
            ApiError::Unreadable { status } => ConfigError::Status {
                url: url.to_owned(),
                status,
            },
            _ => ConfigError::Unreachable {
                url: url.to_owned(),
            },
        })?;
    match answer.status {
        200..=299 => RuntimeConfig::parse(&answer.body).map_err(|reason| ConfigError::Malformed {
            url: url.to_owned(),
            reason,
        }),
        404 => Err(ConfigError::NotFound {
            url: url.to_owned(),
        }),
        status => Err(ConfigError::Status {
            url: url.to_owned(),
            status,
        }),
    }
}

#[cfg(target_arch = "wasm32")]
fn document_base_uri() -> Option<String> {
    web_sys::window()?.document()?.base_uri().ok().flatten()
}

// Natively there is no document; the relative name is the best there is (and the fetch that
// follows needs a browser anyway).
#[cfg(not(target_arch = "wasm32"))]
fn document_base_uri() -> Option<String> {
    None
}

/// `file` in the same directory as `base`: `https://x.test/app/index.html?a#b` → `https://x.test/app/<file>`.
fn sibling_url(base: &str, file: &str) -> String {
    let base = base.split(['?', '#']).next().unwrap_or_default();
    let path_start = base
        .find("://")
        .map(|scheme_end| scheme_end + 3)
        .and_then(|authority| base[authority..].find('/').map(|p| authority + p));
    match path_start {
        Some(start) => {
            let dir_end = base[start..]
                .rfind('/')
                .map_or(base.len(), |p| start + p + 1);
            format!("{}{file}", &base[..dir_end])
        }
        // `https://x.test` with no path at all: the directory is the root.
        None if base.contains("://") => format!("{base}/{file}"),
        None => file.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"apiBaseUrl":"https://api.example.com/","publishableRefreshToken":"prt-test-1","accountId":"0b7d1c8e-3f55-4a57-9d3b-1d2f0f6f1a11"}"#;

    #[test]
    fn a_full_config_parses() {
        assert_eq!(
            RuntimeConfig::parse(GOOD),
            Ok(RuntimeConfig {
                api_base_url: "https://api.example.com".into(),
                publishable_refresh_token: "prt-test-1".into(),
                account_id: "0b7d1c8e-3f55-4a57-9d3b-1d2f0f6f1a11".into(),
                token_storage: TokenStorage::SessionStorage,
                default_country: None,
            })
        );
    }

    #[test]
    fn the_default_country_is_a_listed_iso_code() {
        let with = |iso: &str| {
            RuntimeConfig::parse(&format!(
                r#"{{"publishableRefreshToken":"prt-test-1","accountId":"a1","defaultCountry":"{iso}"}}"#
            ))
        };
        assert_eq!(
            with("gb").map(|c| c.default_country.map(|c| c.iso)),
            Ok(Some("GB"))
        );
        assert_eq!(with("").map(|c| c.default_country), Ok(None));
        assert!(with("Atlantis").is_err());
    }

    #[test]
    fn a_missing_or_empty_base_url_means_same_origin() {
        for text in [
            r#"{"publishableRefreshToken":"prt-test-1","accountId":"a1"}"#,
            r#"{"apiBaseUrl":"","publishableRefreshToken":"prt-test-1","accountId":"a1"}"#,
            r#"{"apiBaseUrl":null,"publishableRefreshToken":"prt-test-1","accountId":"a1"}"#,
        ] {
            assert_eq!(
                RuntimeConfig::parse(text).map(|c| c.api_base_url),
                Ok(String::new())
            );
        }
    }

    #[test]
    fn token_storage_is_the_deployers_choice() {
        for (wire, storage) in [
            ("memory", TokenStorage::Memory),
            ("sessionStorage", TokenStorage::SessionStorage),
            ("localStorage", TokenStorage::LocalStorage),
        ] {
            let text = format!(
                r#"{{"publishableRefreshToken":"prt-test-1","accountId":"a1","tokenStorage":"{wire}"}}"#
            );
            assert_eq!(
                RuntimeConfig::parse(&text).map(|c| c.token_storage),
                Ok(storage)
            );
        }
    }

    #[test]
    fn bad_configs_say_what_is_wrong() {
        let cases = [
            ("<html>", "expected a JSON object"),
            ("[]", "expected a JSON object"),
            (
                r#"{"accountId":"a1"}"#,
                "publishableRefreshToken is missing",
            ),
            (
                r#"{"publishableRefreshToken":"urt-test-1","accountId":"a1"}"#,
                "publishable token",
            ),
            (
                r#"{"publishableRefreshToken":"prt-test-1"}"#,
                "accountId is missing",
            ),
            (
                r#"{"publishableRefreshToken":"prt-test-1","accountId":"a1","tokenStorage":"cookie"}"#,
                "tokenStorage is \"cookie\"",
            ),
            (
                r#"{"publishableRefreshToken":"prt-test-1","accountId":"aid-test-a1"}"#,
                "bare UUID",
            ),
        ];
        for (text, expected) in cases {
            let reason = RuntimeConfig::parse(text).expect_err(text);
            assert!(reason.contains(expected), "{text}: {reason}");
        }
    }

    #[test]
    fn errors_read_as_sentences() {
        let error = ConfigError::Malformed {
            url: "https://x.test/config.json".into(),
            reason: "accountId is missing.".into(),
        };
        assert_eq!(
            error.to_string(),
            "The app's settings in https://x.test/config.json are not valid: accountId is missing."
        );
        assert!(
            ConfigError::NotFound {
                url: "/config.json".into()
            }
            .to_string()
            .contains("was not found")
        );
    }

    #[test]
    fn the_config_sits_beside_the_page() {
        let cases = [
            ("https://x.test/", "https://x.test/config.json"),
            ("https://x.test", "https://x.test/config.json"),
            ("https://x.test/index.html", "https://x.test/config.json"),
            (
                "https://x.test/shop/login/",
                "https://x.test/shop/login/config.json",
            ),
            (
                "https://x.test/shop/login/index.html?next=/a/b#c/d",
                "https://x.test/shop/login/config.json",
            ),
            (
                "http://localhost:8080/a",
                "http://localhost:8080/config.json",
            ),
            ("garbage", "config.json"),
        ];
        for (base, expected) in cases {
            assert_eq!(sibling_url(base, CONFIG_FILE), expected, "{base}");
        }
    }
}

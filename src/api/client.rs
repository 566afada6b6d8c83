//! The typed client: one method per API call, each answer mapped to a model type or an
//! [`ApiError`].

use std::time::Duration;

use gloo_net::http::{Method, RequestBuilder};
use tfa_flow::{ApiError, Destination, NewCustomer, PhoneNumber, UserSummary, UserUpdate};

use super::error::{apply_headers, classify};
use super::model::{Account, Token};
use super::transport::{Exchange, exchange};
use super::wire;

const JSON_API: &str = "application/vnd.api+json";
/// Exactly this: the real backend answers 415 to any `; charset=…` suffix.
const FORM: &str = "application/x-www-form-urlencoded";

/// The identity API at one base URL. Cheap to clone; holds no tokens (those live in
/// [`crate::session::Session`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiClient {
    base_url: String,
    timeout: Duration,
}

/// A request body and the `Content-Type` it goes with.
enum Body {
    None,
    Form(String),
    JsonApi(String),
}

impl ApiClient {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

    /// `base_url` is the API's origin (`https://api.example.com`), or `""` for the page's own
    /// origin; the client appends `/v1/…` itself.
    pub fn new(base_url: &str) -> ApiClient {
        ApiClient {
            base_url: base_url.trim().trim_end_matches('/').to_owned(),
            timeout: ApiClient::DEFAULT_TIMEOUT,
        }
    }

    /// How long a request may take, headers and body together, before it ends in
    /// [`ApiError::Timeout`].
    pub fn with_timeout(mut self, timeout: Duration) -> ApiClient {
        self.timeout = timeout;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Exchanges the account's publishable refresh token for a guest access token.
    pub async fn guest_token(&self, publishable_refresh_token: &str) -> Result<Token, ApiError> {
        self.refresh(publishable_refresh_token).await
    }

    /// The password grant for a customer of `account_id`. Without `otp`, a TFA user gets
    /// [`ApiError::OtpRequired`] (and a new code is sent); with it, the code is checked.
    pub async fn password_token(
        &self,
        username: &str,
        password: &str,
        account_id: &str,
        otp: Option<&str>,
    ) -> Result<Token, ApiError> {
        let otp = otp.map(str::trim).filter(|code| !code.is_empty());
        let body = wire::password_grant(username, password, account_id);
        let answer = self
            .send(Method::POST, "/v1/token", None, otp, Body::Form(body))
            .await?;
        let body = success(answer, otp.is_some())?;
        wire::parse_token(&body.text).ok_or(ApiError::Unreadable {
            status: body.status,
        })
    }

    pub async fn refresh(&self, refresh_token: &str) -> Result<Token, ApiError> {
        let body = wire::refresh_grant(refresh_token);
        let answer = self
            .send(Method::POST, "/v1/token", None, None, Body::Form(body))
            .await?;
        // A refresh grant has no credentials to be wrong: any `invalid_grant` is the token.
        let body = success(answer, false).map_err(|e| match e {
            ApiError::InvalidCredentials => ApiError::InvalidRefreshToken,
            other => other,
        })?;
        wire::parse_token(&body.text).ok_or(ApiError::Unreadable {
            status: body.status,
        })
    }

    pub async fn account(&self, access: &str) -> Result<Account, ApiError> {
        let body = self.get("/v1/account", access).await?;
        wire::parse_account(&body.text).ok_or(ApiError::Unreadable {
            status: body.status,
        })
    }

    /// Sends a verification code by SMS. The same `number` must go into the request that uses
    /// the code; [`PhoneNumber`] guarantees the same bytes.
    pub async fn send_phone_code(
        &self,
        access: &str,
        number: &PhoneNumber,
    ) -> Result<(), ApiError> {
        let body = wire::phone_code_document(number);
        self.post_json_api("/v1/phone_verification_codes", access, body)
            .await
            .map(drop)
    }

    /// Sends a verification code by email (Part 2).
    pub async fn send_email_code(&self, access: &str, email: &str) -> Result<(), ApiError> {
        let body = wire::email_code_document(email);
        self.post_json_api("/v1/email_verification_codes", access, body)
            .await
            .map(drop)
    }

    /// Sends a verification code to either kind of destination, as the flows ask for it.
    pub async fn send_verification_code(
        &self,
        access: &str,
        destination: &Destination,
    ) -> Result<(), ApiError> {
        match destination {
            Destination::Phone(number) => self.send_phone_code(access, number).await,
            Destination::Email(email) => self.send_email_code(access, email).await,
        }
    }

    /// Registers a customer with a guest token.
    pub async fn create_customer(
        &self,
        access: &str,
        customer: &NewCustomer,
    ) -> Result<(), ApiError> {
        let body = wire::customer_document(customer);
        self.post_json_api("/v1/customers", access, body)
            .await
            .map(drop)
    }

    pub async fn user(&self, access: &str) -> Result<UserSummary, ApiError> {
        let body = self.get("/v1/user", access).await?;
        wire::parse_user(&body.text).ok_or(ApiError::Unreadable {
            status: body.status,
        })
    }

    pub async fn update_user(
        &self,
        access: &str,
        update: &UserUpdate,
    ) -> Result<UserSummary, ApiError> {
        let body = Body::JsonApi(wire::user_update_document(update));
        let answer = self
            .send(Method::PATCH, "/v1/user", Some(access), None, body)
            .await?;
        let body = success(answer, false)?;
        wire::parse_user(&body.text).ok_or(ApiError::Unreadable {
            status: body.status,
        })
    }

    async fn get(&self, path: &str, access: &str) -> Result<Success, ApiError> {
        let answer = self
            .send(Method::GET, path, Some(access), None, Body::None)
            .await?;
        success(answer, false)
    }

    async fn post_json_api(
        &self,
        path: &str,
        access: &str,
        document: String,
    ) -> Result<Success, ApiError> {
        let answer = self
            .send(
                Method::POST,
                path,
                Some(access),
                None,
                Body::JsonApi(document),
            )
            .await?;
        success(answer, false)
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        access: Option<&str>,
        otp: Option<&str>,
        body: Body,
    ) -> Result<Exchange, ApiError> {
        let mut request = RequestBuilder::new(&format!("{}{path}", self.base_url))
            .method(method)
            .header("Accept", JSON_API);
        if let Some(access) = access {
            request = request.header("Authorization", &format!("Bearer {access}"));
        }
        if let Some(otp) = otp {
            request = request.header("X-Freshcom-OTP", otp);
        }
        let body = match body {
            Body::None => None,
            Body::Form(text) => {
                request = request.header("Content-Type", FORM);
                Some(text)
            }
            Body::JsonApi(text) => {
                request = request.header("Content-Type", JSON_API);
                Some(text)
            }
        };
        exchange(request, body, self.timeout).await
    }
}

/// A 2xx answer's body.
struct Success {
    status: u16,
    text: String,
}

fn success(answer: Exchange, request_had_otp: bool) -> Result<Success, ApiError> {
    if (200..300).contains(&answer.status) {
        return Ok(Success {
            status: answer.status,
            text: answer.body,
        });
    }
    let error = classify(answer.status, &answer.body, request_had_otp);
    Err(apply_headers(
        error,
        answer.retry_after.as_deref(),
        answer.otp.as_deref(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_loses_its_trailing_slash() {
        assert_eq!(
            ApiClient::new("https://api.example.com/").base_url(),
            "https://api.example.com"
        );
        assert_eq!(ApiClient::new("").base_url(), "");
        assert_eq!(ApiClient::new(" / ").base_url(), "");
    }

    #[test]
    fn timeout_defaults_to_fifteen_seconds_and_can_change() {
        let client = ApiClient::new("");
        assert_eq!(client.timeout(), Duration::from_secs(15));
        assert_eq!(
            client.with_timeout(Duration::from_secs(3)).timeout(),
            Duration::from_secs(3)
        );
    }

    fn answer(status: u16, body: &str) -> Exchange {
        Exchange {
            status,
            body: body.into(),
            retry_after: None,
            otp: None,
        }
    }

    #[test]
    fn success_passes_2xx_and_classifies_the_rest() {
        assert_eq!(success(answer(204, ""), false).map(|s| s.status), Ok(204));
        assert_eq!(
            success(answer(401, ""), false).map(|s| s.status),
            Err(ApiError::Unauthorized)
        );
        let mut limited = answer(429, r#"{"retry_after":5}"#);
        limited.retry_after = Some("9".into());
        assert_eq!(
            success(limited, false).map(|s| s.status),
            Err(ApiError::RateLimited {
                retry_after_secs: 9
            })
        );
    }
}

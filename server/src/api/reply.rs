//! Response shapes: JSON:API documents and errors, OAuth token errors, empty status answers.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const JSONAPI: &str = "application/vnd.api+json";

pub fn jsonapi(status: StatusCode, body: &Value) -> Response {
    with_type(status, JSONAPI, body)
}

pub fn json(status: StatusCode, body: &Value) -> Response {
    with_type(status, "application/json", body)
}

fn with_type(status: StatusCode, content_type: &'static str, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body.to_string(),
    )
        .into_response()
}

pub fn retry_after(mut response: Response, seconds: u64) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// One JSON:API validation error on an attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub code: &'static str,
    pub attribute: &'static str,
    pub title: String,
    pub meta: Option<Value>,
}

impl FieldError {
    fn new(code: &'static str, attribute: &'static str, title: &str) -> FieldError {
        FieldError {
            code,
            attribute,
            title: title.to_string(),
            meta: None,
        }
    }

    pub fn required(attribute: &'static str) -> FieldError {
        FieldError::new("required", attribute, "can't be blank.")
    }

    pub fn format(attribute: &'static str) -> FieldError {
        FieldError::new("format", attribute, "has invalid format.")
    }

    pub fn invalid(attribute: &'static str) -> FieldError {
        FieldError::new("invalid", attribute, "is invalid.")
    }

    pub fn taken(attribute: &'static str) -> FieldError {
        FieldError::new("taken", attribute, "has already been taken.")
    }

    pub fn inclusion(attribute: &'static str) -> FieldError {
        FieldError::new("inclusion", attribute, "is invalid.")
    }

    pub fn must_match(attribute: &'static str) -> FieldError {
        FieldError::new("mustMatch", attribute, "must match.")
    }

    pub fn too_short(attribute: &'static str, count: usize) -> FieldError {
        FieldError {
            meta: Some(json!({ "count": count })),
            ..FieldError::new(
                "length",
                attribute,
                &format!("should be at least {count} character(s)."),
            )
        }
    }

    fn to_json(&self) -> Value {
        let mut e = json!({
            "code": self.code,
            "source": {"pointer": format!("/data/attributes/{}", self.attribute)},
            "title": self.title,
        });
        if let Some(meta) = &self.meta {
            e["meta"] = meta.clone();
        }
        e
    }
}

/// Every way a JSON:API route can fail.
#[derive(Debug)]
pub enum ApiError {
    Unauthorized,
    AccessDenied,
    NotFound,
    UnsupportedMediaType,
    InvalidJson,
    MissingType,
    Validation(Vec<FieldError>),
    RateLimited(u64),
    /// The SMTP relay or SMS gateway refused the message.
    Delivery,
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::Internal(e)
    }
}

fn error_doc(code: &str, title: &str) -> Value {
    json!({"errors": [{"code": code, "title": title}]})
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED.into_response(),
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response(),
            ApiError::AccessDenied => jsonapi(
                StatusCode::FORBIDDEN,
                &error_doc("access_denied", "Access denied."),
            ),
            ApiError::NotFound => {
                jsonapi(StatusCode::NOT_FOUND, &error_doc("not_found", "Not found."))
            }
            ApiError::InvalidJson => jsonapi(
                StatusCode::BAD_REQUEST,
                &error_doc("invalid_json", "The request body is not valid JSON."),
            ),
            ApiError::MissingType => jsonapi(
                StatusCode::BAD_REQUEST,
                &error_doc("missing_type", "The document has no data.type."),
            ),
            ApiError::Validation(errors) => jsonapi(
                StatusCode::UNPROCESSABLE_ENTITY,
                &json!({"errors": errors.iter().map(FieldError::to_json).collect::<Vec<_>>()}),
            ),
            ApiError::RateLimited(seconds) => retry_after(
                jsonapi(
                    StatusCode::TOO_MANY_REQUESTS,
                    &json!({"errors": [{
                        "code": "rate_limited",
                        "title": format!("Too many requests, retry after {seconds} seconds."),
                        "meta": {"retryAfter": seconds},
                    }]}),
                ),
                seconds,
            ),
            ApiError::Delivery => jsonapi(
                StatusCode::SERVICE_UNAVAILABLE,
                &error_doc(
                    "delivery_failed",
                    "The code could not be sent. Try again later.",
                ),
            ),
            ApiError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                jsonapi(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &error_doc("internal_error", "Something went wrong on the server."),
                )
            }
        }
    }
}

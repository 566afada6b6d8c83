//! Every answer that is not a success, mapped to exactly one [`ApiError`].
//!
//! Pure functions over the status, the body text and the two headers a Part 2 server exposes, so
//! that each row of API.md's error tables is a native unit test. Bodies are read as loose JSON
//! values field by field: a malformed or surprising body degrades to a less specific error, never
//! to a panic.

use serde_json::{Map, Value};
use tfa_flow::{ApiError, AuthMethod, Field, FieldError, OtpChallenge, OtpStatus};

/// Used when a 429 says nothing readable about when to retry: the server's shortest refusal
/// (a new code for the same destination) lasts 30 seconds.
pub const DEFAULT_RETRY_AFTER_SECS: u32 = 30;

/// Maps a non-2xx answer to an [`ApiError`].
///
/// `request_had_otp` says whether the request carried `X-Freshcom-OTP`: a Part 1 server gives the
/// same TFA error for "code sent" and "code wrong", and only the request tells them apart.
pub fn classify(status: u16, body: &str, request_had_otp: bool) -> ApiError {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let object = json.as_ref().and_then(Value::as_object);
    match status {
        // A fetch that was never answered (an opaque or failed response).
        0 => ApiError::Network,
        401 => ApiError::Unauthorized,
        403 => ApiError::Forbidden,
        404 => ApiError::NotFound,
        429 => ApiError::RateLimited {
            retry_after_secs: object
                .and_then(body_retry_after)
                .unwrap_or(DEFAULT_RETRY_AFTER_SECS),
        },
        400..=499 => match object {
            Some(object) => client_error(status, object, request_had_otp),
            None if body.trim().is_empty() => rejected(status, "", ""),
            None => ApiError::Unreadable { status },
        },
        500..=599 => ApiError::Server { status },
        // Successes never come here; an informational or unfollowed redirect status is not an
        // answer this client understands.
        _ => ApiError::Unreadable { status },
    }
}

/// Refines a classified error with the response headers, when the browser lets scripts read
/// them (a Part 2 server exposes both; the real backend exposes neither, so nothing depends on
/// them).
pub fn apply_headers(error: ApiError, retry_after: Option<&str>, otp: Option<&str>) -> ApiError {
    match error {
        ApiError::RateLimited { retry_after_secs } => ApiError::RateLimited {
            retry_after_secs: retry_after
                .and_then(parse_delta_seconds)
                .unwrap_or(retry_after_secs),
        },
        ApiError::OtpRequired(mut challenge) => {
            if challenge.method.is_none() {
                challenge.method = otp.and_then(otp_header_method);
            }
            ApiError::OtpRequired(challenge)
        }
        other => other,
    }
}

/// A 4xx with a JSON object body: OAuth-style (`/v1/token`) or a JSON:API error document.
fn client_error(status: u16, body: &Map<String, Value>, request_had_otp: bool) -> ApiError {
    if let Some(code) = body.get("error").and_then(Value::as_str) {
        let description = body
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        return oauth_error(status, code, description, body, request_had_otp);
    }
    match body.get("errors").and_then(Value::as_array) {
        Some(errors) => json_api_error(status, errors),
        None => ApiError::Unreadable { status },
    }
}

fn oauth_error(
    status: u16,
    code: &str,
    description: &str,
    body: &Map<String, Value>,
    request_had_otp: bool,
) -> ApiError {
    let otp = body.get("otp").and_then(Value::as_object);
    match code {
        // Part 1 names the header in the description; Part 2 adds the `otp` object.
        "invalid_request"
            if otp.is_some() || description.to_ascii_lowercase().contains("x-freshcom-otp") =>
        {
            ApiError::OtpRequired(otp_challenge(otp, request_had_otp))
        }
        "invalid_grant" if description.to_ascii_lowercase().contains("refresh token") => {
            ApiError::InvalidRefreshToken
        }
        "invalid_grant" => ApiError::InvalidCredentials,
        "too_many_requests" => ApiError::RateLimited {
            retry_after_secs: body_retry_after(body).unwrap_or(DEFAULT_RETRY_AFTER_SECS),
        },
        _ => rejected(status, code, description),
    }
}

fn otp_challenge(otp: Option<&Map<String, Value>>, request_had_otp: bool) -> OtpChallenge {
    let field = |name: &str| otp.and_then(|o| o.get(name));
    let status = field("status")
        .and_then(Value::as_str)
        .and_then(OtpStatus::parse)
        // A Part 1 server sends a new code on every attempt without one, and answers a code it
        // did not accept (wrong or expired, it does not say which) with the same error.
        .or(Some(if request_had_otp {
            OtpStatus::Invalid
        } else {
            OtpStatus::Sent
        }));
    OtpChallenge {
        status,
        method: field("method")
            .and_then(Value::as_str)
            .and_then(AuthMethod::parse)
            .filter(|m| m.is_two_factor()),
        destination: field("destination")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
        expires_in_secs: field("expires_in").and_then(as_u32),
        resend_after_secs: field("resend_after").and_then(as_u32),
        attempts_left: field("attempts_left").and_then(as_u32),
    }
}

fn json_api_error(status: u16, errors: &[Value]) -> ApiError {
    let errors: Vec<&Map<String, Value>> = errors.iter().filter_map(Value::as_object).collect();
    if let Some(limited) = errors
        .iter()
        .find(|e| e.get("code").and_then(Value::as_str) == Some("rate_limited"))
    {
        return ApiError::RateLimited {
            retry_after_secs: meta(limited)
                .and_then(|m| m.get("retryAfter"))
                .and_then(as_u32)
                .unwrap_or(DEFAULT_RETRY_AFTER_SECS),
        };
    }
    let has_pointer = errors.iter().any(|e| pointer(e).is_some());
    match errors.first() {
        Some(_) if status == 422 || has_pointer => {
            ApiError::Validation(errors.into_iter().map(field_error).collect())
        }
        Some(first) => rejected(
            status,
            first
                .get("code")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            &message(first),
        ),
        None => rejected(status, "", ""),
    }
}

fn field_error(error: &Map<String, Value>) -> FieldError {
    FieldError {
        field: Field::from_pointer(pointer(error)),
        code: error
            .get("code")
            .and_then(Value::as_str)
            .unwrap_or("invalid")
            .to_owned(),
        title: message(error),
        count: meta(error).and_then(|m| m.get("count")).and_then(as_u32),
    }
}

fn pointer(error: &Map<String, Value>) -> Option<&str> {
    error
        .get("source")
        .and_then(Value::as_object)
        .and_then(|s| s.get("pointer"))
        .and_then(Value::as_str)
}

fn meta(error: &Map<String, Value>) -> Option<&Map<String, Value>> {
    error.get("meta").and_then(Value::as_object)
}

/// `title` is what Freshcom fills; `detail` is the JSON:API field other servers use.
fn message(error: &Map<String, Value>) -> String {
    ["title", "detail"]
        .iter()
        .find_map(|k| error.get(*k).and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned()
}

/// A 4xx with no code of its own gets `http_<status>`, so that the flows can still tell a 406
/// from a 415 in a bug report.
fn rejected(status: u16, code: &str, message: &str) -> ApiError {
    ApiError::Rejected {
        status,
        code: if code.is_empty() {
            format!("http_{status}")
        } else {
            code.to_owned()
        },
        message: message.to_owned(),
    }
}

/// `retry_after` on `/v1/token`, `errors[].meta.retryAfter` on JSON:API routes.
fn body_retry_after(body: &Map<String, Value>) -> Option<u32> {
    body.get("retry_after").and_then(as_u32).or_else(|| {
        body.get("errors")
            .and_then(Value::as_array)?
            .iter()
            .filter_map(Value::as_object)
            .find_map(|e| meta(e)?.get("retryAfter").and_then(as_u32))
    })
}

/// A count of seconds as a server may write it: an integer, a fraction (rounded up, so that a
/// retry never comes early) or a numeric string. Negative and absurd values are not counts.
fn as_u32(value: &Value) -> Option<u32> {
    if let Some(n) = value.as_u64() {
        return Some(u32::try_from(n).unwrap_or(u32::MAX));
    }
    if let Some(f) = value.as_f64() {
        return (f.is_finite() && f >= 0.0).then(|| f.ceil().min(f64::from(u32::MAX)) as u32);
    }
    value
        .as_str()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
}

/// `Retry-After` in its delta-seconds form. The HTTP-date form would need the clock and the
/// server's clock to agree; it falls back on the body's value instead.
fn parse_delta_seconds(value: &str) -> Option<u32> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(
        value
            .parse::<u64>()
            .map_or(u32::MAX, |n| u32::try_from(n).unwrap_or(u32::MAX)),
    )
}

/// `X-Freshcom-OTP: required; auth_method=tfa_sms`.
fn otp_header_method(value: &str) -> Option<AuthMethod> {
    value
        .split(';')
        .filter_map(|part| part.trim().strip_prefix("auth_method="))
        .find_map(|m| AuthMethod::parse(m.trim().trim_matches('"')))
        .filter(|m| m.is_two_factor())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OTP_DESCRIPTION: &str = "OTP is invalid, please set OTP using the X-Freshcom-OTP header.";

    fn otp_body(otp: &str) -> String {
        format!(
            r#"{{"error":"invalid_request","error_description":"{OTP_DESCRIPTION}","otp":{otp}}}"#
        )
    }

    fn challenge(error: ApiError) -> OtpChallenge {
        match error {
            ApiError::OtpRequired(c) => c,
            other => panic!("expected OtpRequired, got {other:?}"),
        }
    }

    // Part 1, token endpoint.

    #[test]
    fn unsupported_grant_type_is_rejected_with_its_code() {
        let body = r#"{"error":"unsupported_grant_type","error_description":"nope"}"#;
        assert_eq!(
            classify(400, body, false),
            ApiError::Rejected {
                status: 400,
                code: "unsupported_grant_type".into(),
                message: "nope".into()
            }
        );
    }

    #[test]
    fn missing_parameters_are_rejected_not_an_otp_step() {
        let body = r#"{"error":"invalid_request","error_description":"Your request is missing required parameters or is otherwise malformed."}"#;
        assert!(matches!(
            classify(400, body, false),
            ApiError::Rejected { status: 400, ref code, .. } if code == "invalid_request"
        ));
    }

    #[test]
    fn wrong_password_is_invalid_credentials_with_or_without_otp() {
        let body = r#"{"error":"invalid_grant","error_description":"Username and password does not match."}"#;
        assert_eq!(classify(400, body, false), ApiError::InvalidCredentials);
        assert_eq!(classify(400, body, true), ApiError::InvalidCredentials);
    }

    #[test]
    fn unknown_refresh_token_is_invalid_refresh_token() {
        let body = r#"{"error":"invalid_grant","error_description":"Refresh token is invalid."}"#;
        assert_eq!(classify(400, body, false), ApiError::InvalidRefreshToken);
    }

    #[test]
    fn part1_otp_error_without_a_code_means_one_was_sent() {
        let body =
            format!(r#"{{"error":"invalid_request","error_description":"{OTP_DESCRIPTION}"}}"#);
        assert_eq!(
            classify(400, &body, false),
            ApiError::OtpRequired(OtpChallenge {
                status: Some(OtpStatus::Sent),
                ..OtpChallenge::default()
            })
        );
    }

    #[test]
    fn part1_otp_error_after_a_code_means_the_code_was_refused() {
        let body =
            format!(r#"{{"error":"invalid_request","error_description":"{OTP_DESCRIPTION}"}}"#);
        assert_eq!(
            challenge(classify(400, &body, true)).status,
            Some(OtpStatus::Invalid)
        );
    }

    // Part 1, JSON:API errors and bodiless statuses.

    #[test]
    fn validation_errors_name_their_fields() {
        let body = r#"{"errors":[
            {"code":"invalid","source":{"pointer":"/data/attributes/phoneVerificationCode"},"title":"is invalid."},
            {"code":"length","source":{"pointer":"/data/attributes/password"},"title":"should be at least 8 character(s)","meta":{"count":8}},
            {"code":"taken","source":{"pointer":"/data/attributes/username"},"title":"has already been taken."},
            {"code":"required","source":{"pointer":"/data/attributes/name"},"title":"can't be blank"},
            {"code":"format","source":{"pointer":"/data/attributes/email"},"title":"has invalid format"},
            {"code":"mustMatch","source":{"pointer":"/data/attributes/currentPassword"},"title":"must match"}
        ]}"#;
        let ApiError::Validation(errors) = classify(422, body, false) else {
            panic!("expected Validation");
        };
        let summary: Vec<(Field, &str, Option<u32>)> = errors
            .iter()
            .map(|e| (e.field.clone(), e.code.as_str(), e.count))
            .collect();
        assert_eq!(
            summary,
            vec![
                (Field::PhoneVerificationCode, "invalid", None),
                (Field::Password, "length", Some(8)),
                (Field::Username, "taken", None),
                (Field::Name, "required", None),
                (Field::Email, "format", None),
                (Field::CurrentPassword, "mustMatch", None),
            ]
        );
        assert_eq!(errors[0].title, "is invalid.");
    }

    #[test]
    fn a_422_error_without_pointer_is_about_the_whole_request() {
        let body = r#"{"errors":[{"code":"invalid","detail":"Something is off."}]}"#;
        assert_eq!(
            classify(422, body, false),
            ApiError::Validation(vec![FieldError {
                field: Field::Base,
                code: "invalid".into(),
                title: "Something is off.".into(),
                count: None
            }])
        );
    }

    #[test]
    fn status_rows_without_bodies() {
        assert_eq!(classify(401, "", false), ApiError::Unauthorized);
        assert_eq!(classify(403, "", false), ApiError::Forbidden);
        assert_eq!(
            classify(403, r#"{"errors":[{"code":"access_denied"}]}"#, false),
            ApiError::Forbidden
        );
        assert_eq!(
            classify(404, r#"{"errors":[{"code":"not_found"}]}"#, false),
            ApiError::NotFound
        );
        assert_eq!(classify(406, "", false), rejected(406, "", ""));
        assert_eq!(
            classify(415, "  ", false),
            ApiError::Rejected {
                status: 415,
                code: "http_415".into(),
                message: String::new()
            }
        );
        assert_eq!(
            classify(500, "<html>", false),
            ApiError::Server { status: 500 }
        );
        assert_eq!(classify(503, "", false), ApiError::Server { status: 503 });
    }

    #[test]
    fn malformed_request_codes_are_rejected_with_their_code() {
        for code in ["invalid_json", "missing_type"] {
            let body = format!(r#"{{"errors":[{{"code":"{code}","title":"Bad."}}]}}"#);
            assert_eq!(
                classify(400, &body, false),
                ApiError::Rejected {
                    status: 400,
                    code: code.into(),
                    message: "Bad.".into()
                }
            );
        }
    }

    // Part 2.

    #[test]
    fn part2_inclusion_error_on_auth_method() {
        let body = r#"{"errors":[{"code":"inclusion","source":{"pointer":"/data/attributes/authMethod"},"title":"is invalid"}]}"#;
        let ApiError::Validation(errors) = classify(422, body, false) else {
            panic!("expected Validation");
        };
        assert_eq!(errors[0].field, Field::AuthMethod);
        assert_eq!(errors[0].code, "inclusion");
    }

    #[test]
    fn part2_otp_object_is_read_in_full() {
        let body = otp_body(
            r#"{"status":"sent","method":"tfa_sms","destination":"+1 ••• ••• 1234","expires_in":300,"resend_after":30,"attempts_left":5}"#,
        );
        assert_eq!(
            classify(400, &body, false),
            ApiError::OtpRequired(OtpChallenge {
                status: Some(OtpStatus::Sent),
                method: Some(AuthMethod::TfaSms),
                destination: Some("+1 ••• ••• 1234".into()),
                expires_in_secs: Some(300),
                resend_after_secs: Some(30),
                attempts_left: Some(5),
            })
        );
    }

    #[test]
    fn part2_otp_statuses_win_over_the_guess() {
        for (wire, status) in [
            ("invalid", OtpStatus::Invalid),
            ("expired", OtpStatus::Expired),
            ("locked", OtpStatus::Locked),
            ("sent", OtpStatus::Sent),
        ] {
            let body = otp_body(&format!(r#"{{"status":"{wire}","method":"tfa_email"}}"#));
            let c = challenge(classify(400, &body, true));
            assert_eq!(c.status, Some(status));
            assert_eq!(c.method, Some(AuthMethod::TfaEmail));
        }
    }

    #[test]
    fn part2_otp_object_with_odd_fields_keeps_what_it_can() {
        let body = otp_body(
            r#"{"status":"teleported","method":"simple","destination":"  ","expires_in":-5,"resend_after":"12","attempts_left":2.2}"#,
        );
        let c = challenge(classify(400, &body, true));
        assert_eq!(c.status, Some(OtpStatus::Invalid));
        assert_eq!(c.method, None);
        assert_eq!(c.destination, None);
        assert_eq!(c.expires_in_secs, None);
        assert_eq!(c.resend_after_secs, Some(12));
        assert_eq!(c.attempts_left, Some(3));
    }

    #[test]
    fn part2_token_rate_limit_reads_retry_after() {
        let body =
            r#"{"error":"too_many_requests","error_description":"Slow down.","retry_after":42}"#;
        assert_eq!(
            classify(429, body, false),
            ApiError::RateLimited {
                retry_after_secs: 42
            }
        );
    }

    #[test]
    fn part2_json_api_rate_limit_reads_meta_retry_after() {
        let body = r#"{"errors":[{"code":"rate_limited","meta":{"retryAfter":17}}]}"#;
        assert_eq!(
            classify(429, body, false),
            ApiError::RateLimited {
                retry_after_secs: 17
            }
        );
    }

    #[test]
    fn a_429_without_a_readable_delay_uses_the_default() {
        for body in ["", "busy", "{}", r#"{"retry_after":"soon"}"#] {
            assert_eq!(
                classify(429, body, false),
                ApiError::RateLimited {
                    retry_after_secs: DEFAULT_RETRY_AFTER_SECS
                },
                "{body}"
            );
        }
    }

    #[test]
    fn the_retry_after_header_wins_when_readable() {
        let body = r#"{"errors":[{"code":"rate_limited","meta":{"retryAfter":17}}]}"#;
        let classified = classify(429, body, false);
        assert_eq!(
            apply_headers(classified.clone(), Some(" 25 "), None),
            ApiError::RateLimited {
                retry_after_secs: 25
            }
        );
        for unreadable in ["Wed, 21 Oct 2026 07:28:00 GMT", "-3", "", "1.5"] {
            assert_eq!(
                apply_headers(classified.clone(), Some(unreadable), None),
                classified
            );
        }
        assert_eq!(
            apply_headers(classified.clone(), Some("99999999999"), None),
            ApiError::RateLimited {
                retry_after_secs: u32::MAX
            }
        );
    }

    #[test]
    fn the_otp_header_fills_in_a_missing_method() {
        let body =
            format!(r#"{{"error":"invalid_request","error_description":"{OTP_DESCRIPTION}"}}"#);
        let c = challenge(apply_headers(
            classify(400, &body, false),
            None,
            Some("required; auth_method=tfa_email"),
        ));
        assert_eq!(c.method, Some(AuthMethod::TfaEmail));
        let with_method = otp_body(r#"{"method":"tfa_sms"}"#);
        let c = challenge(apply_headers(
            classify(400, &with_method, false),
            None,
            Some("required; auth_method=tfa_email"),
        ));
        assert_eq!(c.method, Some(AuthMethod::TfaSms));
        assert_eq!(
            apply_headers(ApiError::NotFound, Some("3"), Some("required")),
            ApiError::NotFound
        );
    }

    #[test]
    fn odd_bodies_never_panic_and_land_somewhere_sensible() {
        let deep = "[".repeat(10_000);
        let odd = [
            "",
            "null",
            "true",
            "0",
            "\"text\"",
            "[]",
            "{}",
            "{",
            "\u{0}",
            "\u{feff}{}",
            "{\"error\":null}",
            "{\"error\":5}",
            "{\"error\":\"invalid_request\",\"error_description\":5}",
            "{\"error\":\"invalid_request\",\"otp\":[]}",
            "{\"error\":\"invalid_request\",\"otp\":{}}",
            "{\"errors\":null}",
            "{\"errors\":{}}",
            "{\"errors\":[]}",
            "{\"errors\":[null,1,\"x\",[]]}",
            "{\"errors\":[{\"source\":5,\"meta\":[],\"code\":7}]}",
            "{\"errors\":[{\"source\":{\"pointer\":null},\"meta\":{\"count\":1e300}}]}",
            "{\"errors\":[{\"code\":\"rate_limited\",\"meta\":{\"retryAfter\":-1}}]}",
            "{\"retry_after\":1.7976931348623157e308}",
            "<html><body>Bad Gateway</body></html>",
            &deep,
        ];
        let statuses = [
            0,
            100,
            200,
            204,
            301,
            400,
            401,
            403,
            404,
            406,
            409,
            415,
            422,
            429,
            500,
            599,
            600,
            u16::MAX,
        ];
        for body in odd {
            for status in statuses {
                for had_otp in [false, true] {
                    let error = classify(status, body, had_otp);
                    let error = apply_headers(error, Some(body), Some(body));
                    if (500..=599).contains(&status) {
                        assert_eq!(error, ApiError::Server { status });
                    }
                    if status == 429 {
                        assert!(matches!(error, ApiError::RateLimited { .. }));
                    }
                }
            }
        }
    }

    #[test]
    fn an_otp_object_alone_marks_the_otp_step() {
        let body = r#"{"error":"invalid_request","otp":{}}"#;
        assert_eq!(
            challenge(classify(400, body, false)).status,
            Some(OtpStatus::Sent)
        );
    }

    #[test]
    fn non_json_4xx_bodies_are_unreadable() {
        assert_eq!(
            classify(400, "<html>oops</html>", false),
            ApiError::Unreadable { status: 400 }
        );
        assert_eq!(
            classify(422, r#"{"weird":true}"#, false),
            ApiError::Unreadable { status: 422 }
        );
        assert_eq!(
            classify(302, "", false),
            ApiError::Unreadable { status: 302 }
        );
        assert_eq!(classify(0, "", false), ApiError::Network);
    }
}

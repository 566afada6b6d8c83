//! Part 2's abuse limits, driven by the manual clock.

use std::time::Duration;

use tfa_server::testing::{TestOptions, TestServer};

use crate::common::*;

fn retry_after(r: &Resp) -> u64 {
    r.header("Retry-After")
        .unwrap_or_else(|| panic!("no Retry-After header: {r:?}"))
        .parse()
        .expect("Retry-After in seconds")
}

#[tokio::test]
async fn login_otp_resend_is_refused_within_30_seconds_and_replaces_the_code_after() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_sms(&srv, "joe@example.com", PHONE).await;

    password_login(&srv, "joe@example.com", PASSWORD, None)
        .await
        .assert_tfa_error();
    let old = latest_code(&srv, PHONE).await;
    let sent = messages_to(&srv, PHONE).await;

    srv.clock.advance(Duration::from_secs(10));
    let early = password_login(&srv, "joe@example.com", PASSWORD, None).await;
    assert_eq!(early.status, 429, "{early:?}");
    let secs = retry_after(&early);
    assert!((19..=21).contains(&secs), "20 s of the pause left: {secs}");
    let body = early.json();
    assert_eq!(body["error"], "too_many_requests", "{body}");
    assert!(body["error_description"].is_string(), "{body}");
    assert_eq!(body["retry_after"], secs, "{body}");
    assert_eq!(messages_to(&srv, PHONE).await, sent, "no SMS while refused");

    srv.clock.advance(Duration::from_secs(21));
    let resend = password_login(&srv, "joe@example.com", PASSWORD, None).await;
    assert_eq!(resend.otp()["status"], "sent", "{resend:?}");
    assert_eq!(messages_to(&srv, PHONE).await, sent + 1, "one new SMS");
    let new = latest_code(&srv, PHONE).await;

    if new != old {
        let stale = password_login(&srv, "joe@example.com", PASSWORD, Some(&old)).await;
        stale.assert_tfa_error();
    }
    let login = password_login(&srv, "joe@example.com", PASSWORD, Some(&new)).await;
    assert_eq!(login.status, 200, "{login:?}");
    srv.stop().await;
}

#[tokio::test]
async fn verification_code_resend_within_30_seconds_is_rate_limited() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let guest = guest_token(&srv).await;
    assert_eq!(send_phone_code(&srv, &guest, PHONE).await.status, 204);

    srv.clock.advance(Duration::from_secs(5));
    let again = send_phone_code(&srv, &guest, PHONE).await;
    assert_eq!(again.status, 429, "{again:?}");
    let secs = retry_after(&again);
    assert!((24..=26).contains(&secs), "25 s of the pause left: {secs}");
    let err = again.first_error();
    assert_eq!(err["code"], "rate_limited", "{err}");
    assert_eq!(err["meta"]["retryAfter"], secs, "{err}");
    assert_eq!(messages_to(&srv, PHONE).await, 1);

    // Another number is not held up by this one.
    assert_eq!(
        send_phone_code(&srv, &guest, "+14165550000").await.status,
        204
    );

    srv.clock.advance(Duration::from_secs(26));
    assert_eq!(send_phone_code(&srv, &guest, PHONE).await.status, 204);
    assert_eq!(messages_to(&srv, PHONE).await, 2);
    srv.stop().await;
}

#[tokio::test]
async fn email_verification_code_resend_within_30_seconds_is_rate_limited() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let guest = guest_token(&srv).await;
    let email = "emma@example.com";
    assert_eq!(send_email_code(&srv, &guest, email).await.status, 204);
    let again = send_email_code(&srv, &guest, email).await;
    assert_eq!(again.status, 429, "{again:?}");
    retry_after(&again);
    assert_eq!(again.first_error()["code"], "rate_limited", "{again:?}");
    srv.stop().await;
}

#[tokio::test]
async fn more_than_five_verification_codes_in_an_hour_are_refused() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    let guest = guest_token(&srv).await;
    for i in 0..5 {
        let r = send_phone_code(&srv, &guest, PHONE).await;
        assert_eq!(r.status, 204, "code {}: {r:?}", i + 1);
        srv.clock.advance(Duration::from_secs(31));
    }
    let sixth = send_phone_code(&srv, &guest, PHONE).await;
    assert_eq!(sixth.status, 429, "{sixth:?}");
    let secs = retry_after(&sixth);
    assert!(
        secs > 30,
        "the hourly limit waits longer than the pause: {secs}"
    );
    assert_eq!(sixth.first_error()["code"], "rate_limited", "{sixth:?}");
    assert_eq!(messages_to(&srv, PHONE).await, 5);

    // An hour after the first, one more is allowed.
    // (The guest token has expired by then: take a new one.)
    srv.clock.advance(Duration::from_secs(3600 - 5 * 31 + 1));
    let guest = guest_token(&srv).await;
    assert_eq!(send_phone_code(&srv, &guest, PHONE).await.status, 204);
    srv.stop().await;
}

#[tokio::test]
async fn more_than_five_login_otps_in_an_hour_are_refused() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_sms(&srv, "joe@example.com", PHONE).await;
    for i in 0..5 {
        let r = password_login(&srv, "joe@example.com", PASSWORD, None).await;
        assert_eq!(r.otp()["status"], "sent", "OTP {}: {r:?}", i + 1);
        srv.clock.advance(Duration::from_secs(31));
    }
    let sixth = password_login(&srv, "joe@example.com", PASSWORD, None).await;
    assert_eq!(sixth.status, 429, "{sixth:?}");
    retry_after(&sixth);
    assert_eq!(sixth.json()["error"], "too_many_requests", "{sixth:?}");
    srv.stop().await;
}

#[tokio::test]
async fn password_guessing_is_throttled_per_username() {
    let mut srv = TestServer::start(TestOptions::default()).await;
    register_simple(&srv, "sam@example.com").await;

    let mut refused = None;
    for i in 0..50 {
        let r = password_login(&srv, "sam@example.com", &format!("guess-{i}"), None).await;
        if r.status == 429 {
            refused = Some(r);
            break;
        }
        assert_eq!(r.json()["error"], "invalid_grant", "guess {i}: {r:?}");
    }
    let refused = refused.expect("50 wrong passwords in a row are never refused");
    let secs = retry_after(&refused);
    let body = refused.json();
    assert_eq!(body["error"], "too_many_requests", "{body}");
    assert_eq!(body["retry_after"], secs, "{body}");

    // Once the wait is over, the right password works again.
    srv.clock.advance(Duration::from_secs(secs + 1));
    let login = password_login(&srv, "sam@example.com", PASSWORD, None).await;
    assert_eq!(login.status, 200, "{login:?}");
    srv.stop().await;
}

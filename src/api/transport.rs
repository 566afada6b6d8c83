//! One HTTP exchange through `fetch`, under a deadline.
//!
//! The deadline is a `setTimeout` promise raced against the whole exchange (headers and body);
//! when it wins, the request's `AbortController` cancels the fetch so that the browser stops
//! waiting too. gloo-timers is not a dependency, so the timer is bound here directly.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use gloo_net::http::RequestBuilder;
use tfa_flow::ApiError;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen_futures::JsFuture;

/// What came back, before anyone decided whether it is a success.
pub struct Exchange {
    pub status: u16,
    pub body: String,
    /// `Retry-After`, when the server exposes it to scripts.
    pub retry_after: Option<String>,
    /// `X-Freshcom-OTP`, when the server exposes it to scripts.
    pub otp: Option<String>,
}

// Bound on the global object rather than through `web_sys::Window`, so that the client also
// works where there is no window (a worker).
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, millis: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
}

/// Clears its timer when dropped, so that a finished request leaves nothing scheduled behind.
struct TimerGuard(JsValue);

impl Drop for TimerGuard {
    fn drop(&mut self) {
        clear_timeout(&self.0);
    }
}

/// Runs `future` for at most `timeout`; `None` when the time ran out first.
pub(super) async fn within<F: Future>(timeout: Duration, future: F) -> Option<F::Output> {
    // Held to the end of the race: dropping it clears the timer.
    let (_timer, fired) = deadline(timeout);
    let mut future = pin!(future);
    let mut fired = pin!(fired);
    poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        // The timer promise never rejects; either way it means the time is up.
        match fired.as_mut().poll(cx) {
            Poll::Ready(_) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// A future that resolves after `duration`, and the guard that cancels it.
fn deadline(duration: Duration) -> (TimerGuard, JsFuture) {
    let millis = i32::try_from(duration.as_millis()).unwrap_or(i32::MAX);
    let mut handle = JsValue::UNDEFINED;
    // The executor runs synchronously inside the Promise constructor, so `handle` is set before
    // `new` returns.
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        handle = set_timeout(&resolve, millis);
    });
    (TimerGuard(handle), JsFuture::from(promise))
}

/// Sends the request (with `body` when there is one) and reads the whole answer as text.
pub async fn exchange(
    request: RequestBuilder,
    body: Option<String>,
    timeout: Duration,
) -> Result<Exchange, ApiError> {
    // An AbortController is missing only in very old browsers; the race below still enforces the
    // deadline there, the fetch just keeps running in the background.
    let controller = web_sys::AbortController::new().ok();
    let request = request.abort_signal(controller.as_ref().map(|c| c.signal()).as_ref());
    let request = match body {
        Some(body) => request.body(body),
        None => request.build(),
    }
    // Building fails only for a URL that cannot be parsed: nothing was sent.
    .map_err(|_| ApiError::Network)?;

    let answer = async {
        let response = request.send().await.map_err(|_| ApiError::Network)?;
        let status = response.status();
        let headers = response.headers();
        let retry_after = headers.get("Retry-After");
        let otp = headers.get("X-Freshcom-OTP");
        let body = response
            .text()
            .await
            .map_err(|_| ApiError::Unreadable { status })?;
        Ok(Exchange {
            status,
            body,
            retry_after,
            otp,
        })
    };

    let outcome = within(timeout, answer).await;
    match outcome {
        Some(result) => result,
        None => {
            if let Some(controller) = controller {
                controller.abort();
            }
            Err(ApiError::Timeout)
        }
    }
}

//! The parts only a browser can run: the `fetch` exchange, its deadline, and the config loader,
//! against the test runner's own server (which answers 404 to anything it does not serve).

use std::time::Duration;

use tfa_flow::ApiError;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use super::transport::within;
use super::{ApiClient, ConfigError, load_runtime_config};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_request_that_never_ends_times_out() {
    let outcome = within(Duration::from_millis(20), std::future::pending::<()>()).await;
    assert_eq!(outcome, None);
}

#[wasm_bindgen_test]
async fn an_answer_before_the_deadline_wins() {
    assert_eq!(within(Duration::from_secs(5), async { 7 }).await, Some(7));
}

#[wasm_bindgen_test]
async fn an_unreachable_server_is_a_network_error() {
    // Port 1 is refused (and on Chrome's list of blocked ports): either way no answer.
    let client = ApiClient::new("http://127.0.0.1:1");
    assert_eq!(client.user("token").await, Err(ApiError::Network));
}

#[wasm_bindgen_test]
async fn a_real_404_reaches_the_error_mapping() {
    let client = ApiClient::new("");
    assert_eq!(client.account("token").await, Err(ApiError::NotFound));
}

#[wasm_bindgen_test]
async fn a_missing_config_file_says_where_it_was_looked_for() {
    match load_runtime_config().await {
        Err(ConfigError::NotFound { url }) => {
            assert!(url.starts_with("http"), "{url}");
            assert!(url.ends_with("/config.json"), "{url}");
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

//! The app starts in a real browser: it reads its configuration, gets a guest token and shows the
//! shop's name; and when the API cannot be reached it says so instead of showing a blank page.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::{Browser, free_port, start_server, start_server_with};
use tfa_server::testing::TestOptions;

#[tokio::test(flavor = "multi_thread")]
async fn the_app_loads_and_shows_the_shops_name() {
    let server = start_server().await;
    let browser = Browser::start().await;
    browser.goto(&server.base_url).await;
    browser
        .wait_js(
            "the home screen",
            "document.querySelector('[data-state=home]')",
        )
        .await;
    browser.wait_text("Acme Outfitters").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_api_gets_a_clear_message_and_a_way_to_retry() {
    // The page comes from a live server whose configuration points the app at an API address
    // where nothing listens.
    let dead_api = format!("http://127.0.0.1:{}", free_port());
    let server = start_server_with(TestOptions {
        public_api_base_url: Some(dead_api),
        ..Default::default()
    })
    .await;
    let browser = Browser::start().await;
    browser.goto(&server.base_url).await;
    browser
        .wait_js(
            "the start-up error",
            "document.querySelector('[data-state=start_failed]')",
        )
        .await;
    browser
        .wait_text("We can't reach the sign-in service")
        .await;
    let alert = browser.alert_text().await;
    assert!(
        alert.contains("Check your internet connection"),
        "alert says: {alert}"
    );
    browser.button("Try again").await;
    browser.close().await;
}

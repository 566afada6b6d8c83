//! Drives the built app in Debian's headless Chromium, through ChromeDriver, against the real
//! reference server. Elements are found the way a person finds them (labels, button names,
//! roles), and the flows are followed through their `data-state`, never through timing.
#![allow(dead_code)] // each test file uses its own part of this module

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tfa_server::testing::{TestOptions, TestServer};
use tokio::sync::{Semaphore, SemaphorePermit};

const WAIT: Duration = Duration::from_secs(15);

/// Two browsers at most at once: the machine has two cores, and more only makes every test slower
/// and timing-sensitive.
static BROWSER_SLOTS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(2));

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The release build that `scripts/build-app` made.
pub fn dist_dir() -> PathBuf {
    let dist = std::env::var_os("TFA_DIST").map_or_else(|| repo_root().join("dist"), PathBuf::from);
    assert!(
        dist.join("index.html").is_file(),
        "no built app in {}: run scripts/build-app (scripts/test does) before the end-to-end tests",
        dist.display()
    );
    dist
}

/// A reference server in development mode, with a fresh database, serving the built app.
pub async fn start_server() -> TestServer {
    start_server_with(TestOptions::default()).await
}

pub async fn start_server_with(opts: TestOptions) -> TestServer {
    TestServer::start(TestOptions {
        dist_dir: Some(dist_dir()),
        ..opts
    })
    .await
}

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    _slot: SemaphorePermit<'static>,
}

impl Browser {
    pub async fn start() -> Browser {
        let slot = BROWSER_SLOTS
            .acquire()
            .await
            .expect("semaphore is never closed");
        let port = free_port();
        let driver = Command::new(
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()),
        )
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start /usr/bin/chromedriver (scripts/setup installs Debian's chromium-driver)");
        let profile = tempfile::tempdir().expect("temporary Chromium profile");
        let caps = json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--window-size=1024,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let caps = caps
            .as_object()
            .expect("capabilities are an object")
            .clone();
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + WAIT;
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if Instant::now() > deadline => panic!("ChromeDriver did not start: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Browser {
            client,
            driver,
            _profile: profile,
            _slot: slot,
        }
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// Waits until `predicate` holds, evaluated as JavaScript in the page, and panics with `what`
    /// and the page's state if it does not within the time limit.
    pub async fn wait_js(&self, what: &str, predicate: &str) {
        let script = format!("return !!({predicate});");
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(Value::Bool(true)) = self.client.execute(&script, vec![]).await {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out waiting for {what}; page text:\n{}",
                    self.page_text().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the flow's root says it is in `state`.
    pub async fn wait_state(&self, flow: &str, state: &str) {
        self.wait_js(
            &format!("{flow} flow in state {state}"),
            &format!("document.querySelector('[data-flow=\"{flow}\"][data-state=\"{state}\"]')"),
        )
        .await;
    }

    pub async fn state_of(&self, flow: &str) -> String {
        let script = format!(
            "const el = document.querySelector('[data-flow=\"{flow}\"]'); return el ? el.dataset.state : '';"
        );
        self.client
            .execute(&script, vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    pub async fn wait_text(&self, text: &str) {
        let quoted = serde_json::to_string(text).expect("a string serialises");
        self.wait_js(
            &format!("the text {text:?}"),
            &format!("document.body.innerText.includes({quoted})"),
        )
        .await;
    }

    pub async fn page_text(&self) -> String {
        self.client
            .execute(
                "return document.body ? document.body.innerText : '';",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// Waits for the element `xpath` finds; panics naming `what`, with the page's text.
    async fn find(&self, what: &str, xpath: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(xpath))
            .await
        {
            Ok(element) => element,
            Err(e) => panic!("no {what}: {e}\npage text:\n{}", self.page_text().await),
        }
    }

    /// The form control a person finds by its label (a `<label for>`, or `aria-label`).
    pub async fn field(&self, label: &str) -> Element {
        let xpath = format!(
            "//*[@id=//label[normalize-space(.)={q}]/@for] | //*[@aria-label={q}]",
            q = xpath_literal(label)
        );
        self.find(&format!("field labelled {label:?}"), &xpath)
            .await
    }

    /// Replaces a field's value as typing would.
    pub async fn fill(&self, label: &str, value: &str) {
        let field = self.field(label).await;
        field
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clear {label:?}: {e}"));
        field
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("type into {label:?}: {e}"));
    }

    pub async fn value_of(&self, label: &str) -> String {
        self.field(label)
            .await
            .prop("value")
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    pub async fn button(&self, name: &str) -> Element {
        let xpath = format!(
            "//button[normalize-space(.)={q} or @aria-label={q}] | //a[normalize-space(.)={q}]",
            q = xpath_literal(name)
        );
        self.find(&format!("button named {name:?}"), &xpath).await
    }

    pub async fn click(&self, name: &str) {
        self.button(name)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {name:?}: {e}"));
    }

    /// The text of the first `role="alert"` element that has any.
    pub async fn alert_text(&self) -> String {
        self.client
            .execute(
                "for (const el of document.querySelectorAll('[role=alert]')) { const t = el.innerText.trim(); if (t) return t; } return '';",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    pub async fn set_viewport(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("resize the window");
    }

    /// Saves a PNG of the page into docs/screenshots/, which the README links.
    pub async fn screenshot(&self, name: &str) {
        let dir = repo_root().join("docs/screenshots");
        std::fs::create_dir_all(&dir).expect("create docs/screenshots");
        let png = self.client.screenshot().await.expect("take a screenshot");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write the screenshot");
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A failing test panics before close(): ChromeDriver must not outlive it.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The password every test user gets.
pub const PASSWORD: &str = "supersecret";
const JSONAPI: &str = "application/vnd.api+json";

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("HTTP client")
}

/// A guest access token from the account's publishable refresh token, asked for exactly as API.md
/// shows it.
pub async fn guest_token(server: &TestServer) -> String {
    let answer: Value = http()
        .post(server.url("/v1/token"))
        .header("Accept", JSONAPI)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=refresh_token&refresh_token={}",
            server.publishable_token()
        ))
        .send()
        .await
        .expect("POST /v1/token")
        .json()
        .await
        .expect("a token document");
    answer["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no guest token in {answer}"))
        .to_owned()
}

/// POSTs a JSON:API document with a bearer token and checks the answer's status.
pub async fn post_doc(server: &TestServer, path: &str, bearer: &str, doc: Value, status: u16) {
    let answer = http()
        .post(server.url(path))
        .header("Accept", JSONAPI)
        .header("Content-Type", JSONAPI)
        .bearer_auth(bearer)
        .body(doc.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    let got = answer.status().as_u16();
    let body = answer.text().await.unwrap_or_default();
    assert_eq!(got, status, "POST {path}: {body}");
}

/// Opens the login screen and submits `username` with [`PASSWORD`]; `shot` names a screenshot of
/// the filled-in form.
pub async fn sign_in(browser: &Browser, server: &TestServer, username: &str, shot: Option<&str>) {
    browser.goto(&server.url("/login")).await;
    browser.wait_state("login", "credentials").await;
    browser.fill("Email or username", username).await;
    browser.fill("Password", PASSWORD).await;
    if let Some(name) = shot {
        browser.screenshot(name).await;
    }
    browser.click("Sign in").await;
}

/// The start page says that the user is signed in.
pub async fn wait_signed_in(browser: &Browser) {
    browser
        .wait_js(
            "the start page, signed in",
            "document.querySelector('.card[data-state=signed_in]:not([data-flow])')",
        )
        .await;
}

/// The newest code the development outbox holds for `to` (a phone number or an email address).
pub async fn latest_code(server: &TestServer, to: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let outbox: Value = reqwest::get(server.url("/_dev/outbox"))
            .await
            .expect("read the outbox")
            .json()
            .await
            .expect("the outbox is JSON");
        let newest = outbox
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["to"].as_str() == Some(to))
            .and_then(|m| m["code"].as_str().map(str::to_owned));
        if let Some(code) = newest {
            return code;
        }
        if Instant::now() > deadline {
            panic!("no code sent to {to}; outbox: {outbox}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How many messages the outbox holds for `to`.
pub async fn messages_to(server: &TestServer, to: &str) -> usize {
    let outbox: Value = reqwest::get(server.url("/_dev/outbox"))
        .await
        .expect("read the outbox")
        .json()
        .await
        .expect("JSON");
    outbox
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["to"].as_str() == Some(to))
        .count()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .expect("local address")
        .port()
}

fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

//! A real server for integration and browser tests: 127.0.0.1, a free port, a fresh database
//! in a temporary directory, and a manual clock.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::clock::ManualClock;
use crate::config::Config;

#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    /// The built app to serve; `None` serves the "not built" page.
    pub dist_dir: Option<PathBuf>,
    /// Behave like the 2018 backend (see `Config::part1_only`).
    pub part1_only: bool,
    /// What `/config.json` names as the API (`None`: the same origin), to point the app elsewhere.
    pub public_api_base_url: Option<String>,
}

struct Running {
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

pub struct TestServer {
    /// `http://127.0.0.1:PORT`, the same across `restart`.
    pub base_url: String,
    /// Shared with the server: advance it to expire codes and lift limits.
    pub clock: ManualClock,
    addr: SocketAddr,
    config: Config,
    running: Option<Running>,
    // Last, so that the database is deleted after the server is told to stop.
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server; panics if it cannot, as a test cannot go on without it.
    pub async fn start(opts: TestOptions) -> TestServer {
        let dir = tempfile::tempdir().expect("temporary directory for the test database");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let mut config = Config::development();
        config.port = addr.port();
        config.db_path = dir.path().join("tfa.sqlite3");
        config.dist_dir = opts
            .dist_dir
            .clone()
            .unwrap_or_else(|| dir.path().join("no-dist"));
        config.part1_only = opts.part1_only;
        if let Some(url) = opts.public_api_base_url {
            config.public_api_base_url = url;
        }
        let clock = ManualClock::new();
        let mut server = TestServer {
            base_url: format!("http://{addr}"),
            clock,
            addr,
            config,
            running: None,
            _dir: dir,
        };
        server.run(listener).await;
        server
    }

    async fn run(&mut self, listener: tokio::net::TcpListener) {
        let router = crate::build(self.config.clone(), Arc::new(self.clock.clone()))
            .await
            .expect("test server setup");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                // A dropped sender stops the server as well.
                let _ = stopped.await;
            })
            .await
        });
        self.running = Some(Running { stop, task });
    }

    /// Stops gracefully; the database file is kept for `restart`.
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.stop.send(());
            let mut task = running.task;
            // Idle keep-alive connections end with the shutdown; this only guards a hang.
            if tokio::time::timeout(Duration::from_secs(10), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }

    /// Starts again on the same port with the same database file (stopping first if needed).
    pub async fn restart(&mut self) {
        self.stop().await;
        let mut tries = 0;
        let listener = loop {
            match tokio::net::TcpListener::bind(self.addr).await {
                Ok(listener) => break listener,
                Err(e) if tries < 50 => {
                    tries += 1;
                    tracing::debug!(error = %e, "port not free yet");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("rebinding {}: {e}", self.addr),
            }
        };
        self.run(listener).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn account_id(&self) -> &str {
        &self.config.account_id
    }

    pub fn publishable_token(&self) -> &str {
        self.config
            .publishable_token
            .as_deref()
            .expect("the development configuration has a publishable token")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.stop.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn starts_serves_config_and_restarts_on_the_same_port() {
        let mut srv = TestServer::start(TestOptions::default()).await;
        let get = |url: String| async move {
            let r = reqwest::Client::builder()
                .no_proxy()
                .build()
                .unwrap()
                .get(url)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        };
        let (status, body) = get(srv.url("/config.json")).await;
        assert_eq!(status, 200);
        assert!(body.contains(srv.publishable_token()), "{body}");
        let (status, body) = get(srv.url("/login")).await;
        assert_eq!(status, 200);
        assert!(body.contains("not built"), "{body}");
        let before = srv.base_url.clone();
        srv.restart().await;
        assert_eq!(srv.base_url, before);
        assert_eq!(get(srv.url("/_dev/outbox")).await, (200, "[]".to_string()));
        srv.stop().await;
    }

    #[tokio::test]
    async fn serves_the_built_app_with_a_fallback_for_its_routes() {
        let dist = tempfile::tempdir().unwrap();
        std::fs::write(dist.path().join("index.html"), "<p>the app</p>").unwrap();
        std::fs::write(dist.path().join("app.js"), "// js").unwrap();
        let mut srv = TestServer::start(TestOptions {
            dist_dir: Some(dist.path().to_path_buf()),
            ..TestOptions::default()
        })
        .await;
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        for (path, status, body) in [
            ("/", 200, "<p>the app</p>"),
            ("/account/security", 200, "<p>the app</p>"),
            ("/app.js", 200, "// js"),
            ("/missing.js", 404, ""),
        ] {
            let r = client.get(srv.url(path)).send().await.unwrap();
            assert_eq!(r.status().as_u16(), status, "{path}");
            assert_eq!(r.text().await.unwrap(), body, "{path}");
        }
        let api = client.get(srv.url("/v1/nothing")).send().await.unwrap();
        assert_eq!(api.status().as_u16(), 404);
        assert!(api.text().await.unwrap().contains("not_found"));
        srv.stop().await;
    }
}

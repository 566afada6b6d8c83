//! Tokens: keep, refresh, forget.
//!
//! Access tokens (the user's and the account's guest token) live in memory only, with the time
//! they should be replaced. The user's refresh token is what survives a reload: it goes to the
//! chosen Web Storage, or stays in memory when that storage is unavailable (disabled, private
//! mode, a sandboxed iframe) or refuses a write. The password never reaches this module.
//!
//! A [`Session`] is `Send + Sync` and cheap to clone, so it can be put in a Leptos context. It
//! holds no `JsValue`: Web Storage is opened again on each write.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tfa_flow::ApiError;

use crate::api::{ApiClient, Token};

/// Where the user's refresh token is kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenStorage {
    /// Gone on reload.
    Memory,
    /// Survives a reload, gone with the tab.
    #[default]
    SessionStorage,
    /// Survives the browser closing ("remember me").
    LocalStorage,
}

/// The current time in milliseconds since the epoch; a trait so that native tests set the time.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> f64;
}

/// The real clock: `Date.now()` in the browser. `SystemTime` panics on
/// `wasm32-unknown-unknown`, so it serves only native builds.
pub struct SystemClock;

impl Clock for SystemClock {
    #[cfg(target_arch = "wasm32")]
    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn now_ms(&self) -> f64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }
}

/// A token is replaced this long before it expires (or halfway through a shorter life), so that
/// a request never sets off with a token that dies on the way.
const REFRESH_MARGIN_MS: f64 = 60_000.0;

/// An access token and the moment it should be replaced.
struct Access {
    token: String,
    refresh_at_ms: f64,
}

impl Access {
    fn new(token: String, expires_in_secs: u32, now_ms: f64) -> Access {
        let lifetime = f64::from(expires_in_secs) * 1000.0;
        Access {
            token,
            refresh_at_ms: now_ms + lifetime - REFRESH_MARGIN_MS.min(lifetime / 2.0),
        }
    }

    fn is_fresh(&self, now_ms: f64) -> bool {
        now_ms < self.refresh_at_ms
    }
}

/// The storage refused: unavailable, or the write threw.
struct Unavailable;

/// Persistent home of the refresh token.
trait RefreshStore: Send + Sync {
    fn load(&self, key: &str) -> Result<Option<String>, Unavailable>;
    fn save(&self, key: &str, value: Option<&str>) -> Result<(), Unavailable>;
}

/// `sessionStorage` or `localStorage`.
#[cfg(target_arch = "wasm32")]
struct WebStorage(TokenStorage);

#[cfg(target_arch = "wasm32")]
impl WebStorage {
    fn open(&self) -> Result<web_sys::Storage, Unavailable> {
        let window = web_sys::window().ok_or(Unavailable)?;
        // Reading the property itself throws where storage is disabled.
        let storage = match self.0 {
            TokenStorage::SessionStorage => window.session_storage(),
            TokenStorage::LocalStorage => window.local_storage(),
            TokenStorage::Memory => return Err(Unavailable),
        };
        storage.ok().flatten().ok_or(Unavailable)
    }
}

#[cfg(target_arch = "wasm32")]
impl RefreshStore for WebStorage {
    fn load(&self, key: &str) -> Result<Option<String>, Unavailable> {
        self.open()?.get_item(key).map_err(|_| Unavailable)
    }

    fn save(&self, key: &str, value: Option<&str>) -> Result<(), Unavailable> {
        let storage = self.open()?;
        match value {
            Some(value) => storage.set_item(key, value),
            None => storage.remove_item(key),
        }
        .map_err(|_| Unavailable)
    }
}

#[cfg(target_arch = "wasm32")]
fn web_storage(kind: TokenStorage) -> Option<Box<dyn RefreshStore>> {
    match kind {
        TokenStorage::Memory => None,
        kind => Some(Box::new(WebStorage(kind))),
    }
}

// Natively there is no Web Storage: the session keeps the token in memory, as it does in a
// browser with storage disabled.
#[cfg(not(target_arch = "wasm32"))]
fn web_storage(_kind: TokenStorage) -> Option<Box<dyn RefreshStore>> {
    None
}

struct State {
    /// `None` once the session keeps the refresh token in memory only.
    store: Option<Box<dyn RefreshStore>>,
    storage: TokenStorage,
    /// The in-memory copy, always current; the store is written through.
    refresh_token: Option<String>,
    user: Option<Access>,
    /// With the publishable token it came from.
    guest: Option<(String, Access)>,
}

/// One key for the app on its origin. Web Storage is per origin, and each tab has its own
/// `sessionStorage`.
const STORAGE_KEY: &str = "tfa-app.refresh-token";

impl State {
    fn set_refresh_token(&mut self, value: Option<String>) {
        if let Some(store) = &self.store
            && store.save(STORAGE_KEY, value.as_deref()).is_err()
        {
            self.fall_back_to_memory();
        }
        self.refresh_token = value;
    }

    fn fall_back_to_memory(&mut self) {
        if let Some(store) = self.store.take() {
            // Best effort: a token written earlier must not outlive a sign-out in a storage
            // that has started refusing writes but may still be read after a reload.
            let _ = store.save(STORAGE_KEY, None);
        }
        self.storage = TokenStorage::Memory;
    }
}

/// Which of the two access tokens an operation is about.
#[derive(Clone, Copy)]
enum Holder<'a> {
    User,
    /// The account's guest token, from this publishable refresh token.
    Guest(&'a str),
}

#[derive(Clone)]
pub struct Session {
    state: Arc<Mutex<State>>,
    clock: Arc<dyn Clock>,
}

impl Session {
    /// A session that keeps the refresh token in `storage`, picking up one left there by an
    /// earlier page load.
    pub fn new(storage: TokenStorage) -> Session {
        let store = web_storage(storage).map(|store| (storage, store));
        Session::from_parts(store, Arc::new(SystemClock))
    }

    fn from_parts(
        store: Option<(TokenStorage, Box<dyn RefreshStore>)>,
        clock: Arc<dyn Clock>,
    ) -> Session {
        let (storage, store) = match store {
            Some((kind, store)) => (kind, Some(store)),
            None => (TokenStorage::Memory, None),
        };
        let mut state = State {
            store,
            storage,
            refresh_token: None,
            user: None,
            guest: None,
        };
        let stored = state.store.as_ref().map(|store| store.load(STORAGE_KEY));
        match stored {
            Some(Ok(token)) => state.refresh_token = token.filter(|t| !t.is_empty()),
            Some(Err(Unavailable)) => state.fall_back_to_memory(),
            None => {}
        }
        Session {
            state: Arc::new(Mutex::new(state)),
            clock,
        }
    }

    // A panic elsewhere while the lock was held leaves plain data behind, still usable.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Where the refresh token actually is: `Memory` after a fallback.
    pub fn storage(&self) -> TokenStorage {
        self.state().storage
    }

    /// Whether a user is signed in (their access token may still need a refresh).
    pub fn is_signed_in(&self) -> bool {
        let state = self.state();
        state.refresh_token.is_some() || state.user.is_some()
    }

    /// Keeps a user's token pair from a password grant.
    pub fn sign_in(&self, token: Token) {
        let now = self.clock.now_ms();
        let mut state = self.state();
        state.user = Some(Access::new(token.access_token, token.expires_in_secs, now));
        state.set_refresh_token(token.refresh_token);
    }

    /// Forgets the user's tokens, in memory and in storage. The guest token stays: it belongs to
    /// the account, not to the user.
    pub fn sign_out(&self) {
        let mut state = self.state();
        state.user = None;
        state.set_refresh_token(None);
    }

    /// The user's access token, refreshed first when it has expired or nearly so.
    /// [`ApiError::Unauthorized`] when nobody is signed in or the refresh token was refused
    /// (the session is then signed out).
    pub async fn access_token(&self, client: &ApiClient) -> Result<String, ApiError> {
        self.token_via(Holder::User, &|token: String| async move {
            client.refresh(&token).await
        })
        .await
    }

    /// The account's guest access token, fetched with its publishable refresh token when there
    /// is none or it has nearly expired.
    pub async fn guest_token(
        &self,
        client: &ApiClient,
        publishable_refresh_token: &str,
    ) -> Result<String, ApiError> {
        let holder = Holder::Guest(publishable_refresh_token);
        self.token_via(holder, &|token: String| async move {
            client.guest_token(&token).await
        })
        .await
    }

    /// Runs `call` with the user's access token; on [`ApiError::Unauthorized`] (revoked, or
    /// expired early) refreshes once and runs it again.
    ///
    /// ```no_run
    /// # use tfa_app::{api::ApiClient, session::Session};
    /// # use tfa_flow::{ApiError, UserSummary};
    /// async fn current_user(session: &Session, api: &ApiClient) -> Result<UserSummary, ApiError> {
    ///     session
    ///         .with_user(api, |token| async move { api.user(&token).await })
    ///         .await
    /// }
    /// ```
    pub async fn with_user<T, F, Fut>(&self, client: &ApiClient, call: F) -> Result<T, ApiError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        self.retrying_via(
            Holder::User,
            &|token: String| async move { client.refresh(&token).await },
            call,
        )
        .await
    }

    /// [`Session::with_user`] with the account's guest token.
    pub async fn with_guest<T, F, Fut>(
        &self,
        client: &ApiClient,
        publishable_refresh_token: &str,
        call: F,
    ) -> Result<T, ApiError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        self.retrying_via(
            Holder::Guest(publishable_refresh_token),
            &|token: String| async move { client.guest_token(&token).await },
            call,
        )
        .await
    }

    async fn retrying_via<T, R, RF, F, Fut>(
        &self,
        holder: Holder<'_>,
        refresh: &R,
        call: F,
    ) -> Result<T, ApiError>
    where
        R: Fn(String) -> RF,
        RF: Future<Output = Result<Token, ApiError>>,
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let token = self.token_via(holder, refresh).await?;
        match call(token.clone()).await {
            Err(ApiError::Unauthorized) => {
                self.discard(holder, &token);
                let token = self.token_via(holder, refresh).await?;
                call(token).await
            }
            other => other,
        }
    }

    /// Drops a cached access token the server refused, unless it was replaced meanwhile.
    fn discard(&self, holder: Holder<'_>, refused: &str) {
        let mut state = self.state();
        match holder {
            Holder::User => {
                if state.user.as_ref().is_some_and(|a| a.token == refused) {
                    state.user = None;
                }
            }
            Holder::Guest(_) => {
                if state
                    .guest
                    .as_ref()
                    .is_some_and(|(_, a)| a.token == refused)
                {
                    state.guest = None;
                }
            }
        }
    }

    /// The cached access token when fresh; otherwise a refresh grant with the user's refresh
    /// token or the publishable one. The lock is never held across the request.
    async fn token_via<R, RF>(&self, holder: Holder<'_>, refresh: &R) -> Result<String, ApiError>
    where
        R: Fn(String) -> RF,
        RF: Future<Output = Result<Token, ApiError>>,
    {
        let refresh_with = {
            let now = self.clock.now_ms();
            let state = self.state();
            let (cached, refresh_with) = match holder {
                Holder::User => (state.user.as_ref(), state.refresh_token.clone()),
                Holder::Guest(publishable) => (
                    state
                        .guest
                        .as_ref()
                        .filter(|(from, _)| from == publishable)
                        .map(|(_, access)| access),
                    Some(publishable.to_owned()),
                ),
            };
            if let Some(access) = cached.filter(|a| a.is_fresh(now)) {
                return Ok(access.token.clone());
            }
            refresh_with.ok_or(ApiError::Unauthorized)?
        };
        let answer = refresh(refresh_with.clone()).await;
        let now = self.clock.now_ms();
        let mut state = self.state();
        match holder {
            Holder::Guest(publishable) => {
                let token = answer?;
                state.guest = Some((
                    publishable.to_owned(),
                    Access::new(token.access_token.clone(), token.expires_in_secs, now),
                ));
                Ok(token.access_token)
            }
            Holder::User => {
                // The user signed out, or in as someone else, while the refresh was on its way:
                // its answer belongs to a session that no longer exists.
                if state.refresh_token.as_deref() != Some(refresh_with.as_str()) {
                    return Err(ApiError::Unauthorized);
                }
                match answer {
                    Ok(token) => {
                        state.user = Some(Access::new(
                            token.access_token.clone(),
                            token.expires_in_secs,
                            now,
                        ));
                        // Freshcom keeps the refresh token; a server that rotates it is
                        // followed.
                        if let Some(next) = token.refresh_token
                            && next != refresh_with
                        {
                            state.set_refresh_token(Some(next));
                        }
                        Ok(token.access_token)
                    }
                    Err(ApiError::InvalidRefreshToken) => {
                        state.user = None;
                        state.set_refresh_token(None);
                        Err(ApiError::Unauthorized)
                    }
                    Err(other) => Err(other),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::collections::HashMap;
    use std::pin::pin;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::task::{Context, Poll, Waker};

    const PRT: &str = "prt-test-1";
    const KEY: &str = STORAGE_KEY;

    /// The test doubles answer at once, so one poll finishes any future here.
    fn run<F: Future>(future: F) -> F::Output {
        match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("a test future waited"),
        }
    }

    #[derive(Default)]
    struct TestClock(AtomicU64);

    impl TestClock {
        fn advance_secs(&self, secs: u64) {
            self.0.fetch_add(secs * 1000, Ordering::SeqCst);
        }
    }

    impl Clock for TestClock {
        fn now_ms(&self) -> f64 {
            self.0.load(Ordering::SeqCst) as f64
        }
    }

    #[derive(Clone, Default)]
    struct MapStore(Arc<Mutex<HashMap<String, String>>>);

    impl RefreshStore for MapStore {
        fn load(&self, key: &str) -> Result<Option<String>, Unavailable> {
            Ok(self.0.lock().unwrap().get(key).cloned())
        }

        fn save(&self, key: &str, value: Option<&str>) -> Result<(), Unavailable> {
            let mut map = self.0.lock().unwrap();
            match value {
                Some(v) => map.insert(key.to_owned(), v.to_owned()),
                None => map.remove(key),
            };
            Ok(())
        }
    }

    /// Reads work, writes throw: a full or read-only storage.
    struct RefusingStore(MapStore);

    impl RefreshStore for RefusingStore {
        fn load(&self, key: &str) -> Result<Option<String>, Unavailable> {
            self.0.load(key)
        }

        fn save(&self, _key: &str, _value: Option<&str>) -> Result<(), Unavailable> {
            Err(Unavailable)
        }
    }

    fn token(access: &str, refresh: Option<&str>) -> Token {
        Token {
            access_token: access.into(),
            expires_in_secs: 3600,
            refresh_token: refresh.map(Into::into),
        }
    }

    fn session(store: Option<Box<dyn RefreshStore>>, clock: &Arc<TestClock>) -> Session {
        let store = store.map(|store| (TokenStorage::SessionStorage, store));
        Session::from_parts(store, clock.clone())
    }

    #[test]
    fn default_storage_is_session_storage() {
        assert_eq!(TokenStorage::default(), TokenStorage::SessionStorage);
    }

    #[test]
    fn natively_web_storage_falls_back_to_memory() {
        let s = Session::new(TokenStorage::LocalStorage);
        assert_eq!(s.storage(), TokenStorage::Memory);
        s.sign_in(token("at", Some("rt")));
        assert!(s.is_signed_in());
    }

    #[test]
    fn a_fresh_access_token_is_used_without_a_request() {
        let clock = Arc::new(TestClock::default());
        let s = session(None, &clock);
        s.sign_in(token("at", Some("rt")));
        let calls = Cell::new(0);
        let refresh = |_: String| {
            calls.set(calls.get() + 1);
            async { Ok(token("new", None)) }
        };
        assert_eq!(run(s.token_via(Holder::User, &refresh)), Ok("at".into()));
        clock.advance_secs(3600 - 61);
        assert_eq!(run(s.token_via(Holder::User, &refresh)), Ok("at".into()));
        assert_eq!(calls.get(), 0);
    }

    #[test]
    fn a_nearly_expired_token_is_refreshed_with_the_refresh_token() {
        let clock = Arc::new(TestClock::default());
        let s = session(None, &clock);
        s.sign_in(token("at", Some("rt")));
        clock.advance_secs(3600 - 59);
        let used = Cell::new(String::new());
        let refresh = |rt: String| {
            used.set(rt);
            async { Ok(token("at2", Some("rt"))) }
        };
        assert_eq!(run(s.token_via(Holder::User, &refresh)), Ok("at2".into()));
        assert_eq!(used.take(), "rt");
        assert_eq!(
            run(s.token_via(Holder::User, &|_| async {
                Err::<Token, _>(ApiError::Network)
            })),
            Ok("at2".into())
        );
    }

    #[test]
    fn short_lived_tokens_are_refreshed_halfway() {
        let clock = Arc::new(TestClock::default());
        let s = session(None, &clock);
        s.sign_in(Token {
            expires_in_secs: 60,
            ..token("at", Some("rt"))
        });
        clock.advance_secs(29);
        let refresh = |_: String| async { Ok(token("at2", None)) };
        assert_eq!(run(s.token_via(Holder::User, &refresh)), Ok("at".into()));
        clock.advance_secs(1);
        assert_eq!(run(s.token_via(Holder::User, &refresh)), Ok("at2".into()));
    }

    #[test]
    fn nobody_signed_in_is_unauthorized_without_a_request() {
        let clock = Arc::new(TestClock::default());
        let s = session(None, &clock);
        assert!(!s.is_signed_in());
        let refresh = |_: String| -> std::future::Ready<Result<Token, ApiError>> {
            panic!("no request expected")
        };
        assert_eq!(
            run(s.token_via(Holder::User, &refresh)),
            Err(ApiError::Unauthorized)
        );
    }

    #[test]
    fn a_refused_refresh_token_signs_out() {
        let clock = Arc::new(TestClock::default());
        let store = MapStore::default();
        let s = session(Some(Box::new(store.clone())), &clock);
        s.sign_in(token("at", Some("rt")));
        clock.advance_secs(3600);
        let refresh = |_: String| async { Err(ApiError::InvalidRefreshToken) };
        assert_eq!(
            run(s.token_via(Holder::User, &refresh)),
            Err(ApiError::Unauthorized)
        );
        assert!(!s.is_signed_in());
        assert_eq!(store.load(KEY).ok().flatten(), None);
    }

    #[test]
    fn a_network_failure_during_refresh_keeps_the_session() {
        let clock = Arc::new(TestClock::default());
        let s = session(None, &clock);
        s.sign_in(token("at", Some("rt")));
        clock.advance_secs(3600);
        let refresh = |_: String| async { Err(ApiError::Timeout) };
        assert_eq!(
            run(s.token_via(Holder::User, &refresh)),
            Err(ApiError::Timeout)
        );
        assert!(s.is_signed_in());
    }

    #[test]
    fn a_rotated_refresh_token_is_kept() {
        let clock = Arc::new(TestClock::default());
        let store = MapStore::default();
        let s = session(Some(Box::new(store.clone())), &clock);
        s.sign_in(token("at", Some("rt1")));
        assert_eq!(store.load(KEY).ok().flatten().as_deref(), Some("rt1"));
        clock.advance_secs(3600);
        let refresh = |_: String| async { Ok(token("at2", Some("rt2"))) };
        assert_eq!(run(s.token_via(Holder::User, &refresh)), Ok("at2".into()));
        assert_eq!(store.load(KEY).ok().flatten().as_deref(), Some("rt2"));
    }

    #[test]
    fn a_stored_refresh_token_survives_a_reload_and_sign_out_forgets_it() {
        let clock = Arc::new(TestClock::default());
        let store = MapStore::default();
        session(Some(Box::new(store.clone())), &clock).sign_in(token("at", Some("rt")));

        let reloaded = session(Some(Box::new(store.clone())), &clock);
        assert!(reloaded.is_signed_in());
        let refresh = |rt: String| async move {
            assert_eq!(rt, "rt");
            Ok(token("at2", None))
        };
        assert_eq!(
            run(reloaded.token_via(Holder::User, &refresh)),
            Ok("at2".into())
        );
        reloaded.sign_out();
        assert!(!reloaded.is_signed_in());
        assert_eq!(store.load(KEY).ok().flatten(), None);
        assert!(!session(Some(Box::new(store)), &clock).is_signed_in());
    }

    #[test]
    fn a_storage_that_refuses_writes_falls_back_to_memory() {
        let clock = Arc::new(TestClock::default());
        let s = session(Some(Box::new(RefusingStore(MapStore::default()))), &clock);
        assert_eq!(s.storage(), TokenStorage::SessionStorage);
        s.sign_in(token("at", Some("rt")));
        assert_eq!(s.storage(), TokenStorage::Memory);
        clock.advance_secs(3600);
        let refresh = |rt: String| async move {
            assert_eq!(rt, "rt");
            Ok(token("at2", None))
        };
        assert_eq!(run(s.token_via(Holder::User, &refresh)), Ok("at2".into()));
    }

    #[test]
    fn a_refresh_answer_after_sign_out_is_dropped() {
        let clock = Arc::new(TestClock::default());
        let s = session(None, &clock);
        s.sign_in(token("at", Some("rt")));
        clock.advance_secs(3600);
        let during = s.clone();
        let refresh = |_: String| {
            during.sign_out();
            async { Ok(token("at2", Some("rt"))) }
        };
        assert_eq!(
            run(s.token_via(Holder::User, &refresh)),
            Err(ApiError::Unauthorized)
        );
        assert!(!s.is_signed_in());
    }

    #[test]
    fn the_guest_token_comes_from_the_publishable_token_and_is_cached() {
        let clock = Arc::new(TestClock::default());
        let s = session(None, &clock);
        let calls = Cell::new(0);
        let refresh = |prt: String| {
            assert_eq!(prt, PRT);
            calls.set(calls.get() + 1);
            async { Ok(token("guest", Some(PRT))) }
        };
        assert_eq!(
            run(s.token_via(Holder::Guest(PRT), &refresh)),
            Ok("guest".into())
        );
        assert_eq!(
            run(s.token_via(Holder::Guest(PRT), &refresh)),
            Ok("guest".into())
        );
        assert_eq!(calls.get(), 1);
        clock.advance_secs(3600);
        assert_eq!(
            run(s.token_via(Holder::Guest(PRT), &refresh)),
            Ok("guest".into())
        );
        assert_eq!(calls.get(), 2);
        assert!(!s.is_signed_in());
        s.sign_in(token("at", Some("rt")));
        s.sign_out();
        assert_eq!(
            run(s.token_via(Holder::Guest(PRT), &refresh)),
            Ok("guest".into())
        );
        assert_eq!(calls.get(), 2);
    }

    #[test]
    fn unauthorized_refreshes_once_and_retries() {
        let clock = Arc::new(TestClock::default());
        let s = session(None, &clock);
        s.sign_in(token("revoked", Some("rt")));
        let refreshes = Cell::new(0);
        let refresh = |_: String| {
            refreshes.set(refreshes.get() + 1);
            async { Ok(token("good", None)) }
        };
        let seen = std::cell::RefCell::new(Vec::new());
        let call = |access: String| {
            seen.borrow_mut().push(access.clone());
            async move {
                if access == "good" {
                    Ok(7)
                } else {
                    Err(ApiError::Unauthorized)
                }
            }
        };
        assert_eq!(run(s.retrying_via(Holder::User, &refresh, call)), Ok(7));
        assert_eq!(*seen.borrow(), ["revoked", "good"]);
        assert_eq!(refreshes.get(), 1);
    }

    #[test]
    fn a_second_unauthorized_is_returned_not_retried_again() {
        let clock = Arc::new(TestClock::default());
        let s = session(None, &clock);
        s.sign_in(token("at", Some("rt")));
        let calls = Cell::new(0);
        let refresh = |_: String| async { Ok(token("at2", None)) };
        let call = |_: String| {
            calls.set(calls.get() + 1);
            async { Err::<(), _>(ApiError::Unauthorized) }
        };
        assert_eq!(
            run(s.retrying_via(Holder::User, &refresh, call)),
            Err(ApiError::Unauthorized)
        );
        assert_eq!(calls.get(), 2);
    }

    #[test]
    fn other_errors_are_not_retried() {
        let clock = Arc::new(TestClock::default());
        let s = session(None, &clock);
        let calls = Cell::new(0);
        let refresh = |_: String| async { Ok(token("guest", None)) };
        let call = |_: String| {
            calls.set(calls.get() + 1);
            async { Err::<(), _>(ApiError::Forbidden) }
        };
        assert_eq!(
            run(s.retrying_via(Holder::Guest(PRT), &refresh, call)),
            Err(ApiError::Forbidden)
        );
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn tokens_never_show_in_debug_output() {
        let printed = format!("{:?}", token("secret-at", Some("secret-rt")));
        assert!(!printed.contains("secret"), "{printed}");
    }
}

/// Real Web Storage, in the browser.
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    wasm_bindgen_test_configure!(run_in_browser);

    fn stored(kind: TokenStorage) -> Option<String> {
        WebStorage(kind)
            .load(STORAGE_KEY)
            .unwrap_or_else(|Unavailable| panic!("{kind:?} is available in the test browser"))
    }

    fn token() -> Token {
        Token {
            access_token: "at".into(),
            expires_in_secs: 3600,
            refresh_token: Some("rt".into()),
        }
    }

    #[wasm_bindgen_test]
    fn the_refresh_token_survives_a_new_session_and_sign_out_removes_it() {
        for kind in [TokenStorage::SessionStorage, TokenStorage::LocalStorage] {
            let session = Session::new(kind);
            assert_eq!(session.storage(), kind);
            session.sign_in(token());
            assert_eq!(stored(kind).as_deref(), Some("rt"), "{kind:?}");

            let reloaded = Session::new(kind);
            assert!(reloaded.is_signed_in(), "{kind:?}");
            reloaded.sign_out();
            assert_eq!(stored(kind), None, "{kind:?}");
            assert!(!Session::new(kind).is_signed_in(), "{kind:?}");
        }
    }

    #[wasm_bindgen_test]
    fn memory_storage_writes_nothing() {
        let session = Session::new(TokenStorage::Memory);
        session.sign_in(token());
        assert!(session.is_signed_in());
        assert_eq!(stored(TokenStorage::SessionStorage), None);
        assert_eq!(stored(TokenStorage::LocalStorage), None);
    }
}

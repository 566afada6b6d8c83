//! The SQLite store: one file, schema created on first open, one connection behind a mutex.
//! Every operation that must be atomic (check a code and count the attempt, check and insert a
//! user) runs as one closure under the lock, on tokio's blocking pool.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::model::AuthMethod;
use crate::secrets;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    mode TEXT NOT NULL,
    default_auth_method TEXT NOT NULL,
    publishable_token TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    username TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    name TEXT,
    email TEXT,
    email_verified INTEGER NOT NULL DEFAULT 0,
    phone_number TEXT,
    phone_verified INTEGER NOT NULL DEFAULT 0,
    auth_method TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (account_id, username)
);
CREATE TABLE IF NOT EXISTS access_tokens (
    hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    user_id TEXT,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS verification_codes (
    kind TEXT NOT NULL,
    destination TEXT NOT NULL,
    code_hash BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts_left INTEGER NOT NULL,
    PRIMARY KEY (kind, destination)
);
CREATE TABLE IF NOT EXISTS login_codes (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    code_hash BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts_left INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS code_sends (kind TEXT NOT NULL, destination TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS code_sends_by_destination ON code_sends (kind, destination, at);
CREATE TABLE IF NOT EXISTS password_failures (key TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS password_failures_by_key ON password_failures (key, at);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    body TEXT NOT NULL,
    code TEXT NOT NULL,
    sent_at INTEGER NOT NULL
);
";

/// Rows older than this are of no use to any limit and are pruned as new ones come in.
const HOUR_MS: i64 = 3_600_000;

#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    pub fn open(path: &Path) -> anyhow::Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on the blocking pool.
    pub async fn call<R, F>(&self, f: F) -> anyhow::Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> anyhow::Result<R> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut guard)
        })
        .await?
    }
}

/// The key for code hashes: made once, kept in the database so codes survive a restart.
pub fn server_secret(conn: &Connection) -> anyhow::Result<Vec<u8>> {
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('code_secret', ?1)",
        [secrets::random_hex32()],
    )?;
    let value: String = conn.query_row(
        "SELECT value FROM meta WHERE key = 'code_secret'",
        [],
        |r| r.get(0),
    )?;
    Ok(hex::decode(value)?)
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub mode: String,
    pub default_auth_method: AuthMethod,
}

/// Creates the account, or brings it in line with the configuration (idempotent).
pub fn upsert_account(
    conn: &Connection,
    account: &Account,
    publishable_token: &str,
) -> anyhow::Result<()> {
    conn.execute(
        "INSERT INTO accounts (id, name, mode, default_auth_method, publishable_token)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET name = ?2, mode = ?3, default_auth_method = ?4,
             publishable_token = ?5",
        params![
            account.id,
            account.name,
            account.mode,
            account.default_auth_method.as_str(),
            publishable_token
        ],
    )?;
    Ok(())
}

fn account_from_row(r: &Row<'_>) -> rusqlite::Result<Account> {
    let method: String = r.get(3)?;
    Ok(Account {
        id: r.get(0)?,
        name: r.get(1)?,
        mode: r.get(2)?,
        default_auth_method: method.parse().unwrap_or(AuthMethod::Simple),
    })
}

pub fn account_by_id(conn: &Connection, id: &str) -> anyhow::Result<Option<Account>> {
    Ok(conn
        .query_row(
            "SELECT id, name, mode, default_auth_method FROM accounts WHERE id = ?1",
            [id],
            account_from_row,
        )
        .optional()?)
}

pub fn account_by_publishable_token(
    conn: &Connection,
    token: &str,
) -> anyhow::Result<Option<Account>> {
    Ok(conn
        .query_row(
            "SELECT id, name, mode, default_auth_method FROM accounts WHERE publishable_token = ?1",
            [token],
            account_from_row,
        )
        .optional()?)
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub customer_id: String,
    pub account_id: String,
    pub username: String,
    pub password_hash: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone_number: Option<String>,
    pub phone_verified: bool,
    pub auth_method: AuthMethod,
    pub created_at: i64,
}

const USER_COLUMNS: &str = "id, customer_id, account_id, username, password_hash, name, email,
    email_verified, phone_number, phone_verified, auth_method, created_at";

fn user_from_row(r: &Row<'_>) -> rusqlite::Result<User> {
    let method: String = r.get(10)?;
    Ok(User {
        id: r.get(0)?,
        customer_id: r.get(1)?,
        account_id: r.get(2)?,
        username: r.get(3)?,
        password_hash: r.get(4)?,
        name: r.get(5)?,
        email: r.get(6)?,
        email_verified: r.get(7)?,
        phone_number: r.get(8)?,
        phone_verified: r.get(9)?,
        // Only validated values are ever written, so this fallback is never taken in practice.
        auth_method: method.parse().unwrap_or(AuthMethod::Simple),
        created_at: r.get(11)?,
    })
}

pub fn user_by_id(conn: &Connection, id: &str) -> anyhow::Result<Option<User>> {
    Ok(conn
        .query_row(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
            [id],
            user_from_row,
        )
        .optional()?)
}

pub fn user_by_username(
    conn: &Connection,
    account_id: &str,
    username: &str,
) -> anyhow::Result<Option<User>> {
    Ok(conn
        .query_row(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE account_id = ?1 AND username = ?2"),
            [account_id, username],
            user_from_row,
        )
        .optional()?)
}

pub fn insert_user(conn: &Connection, u: &User) -> anyhow::Result<()> {
    conn.execute(
        &format!("INSERT INTO users ({USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
        params![
            u.id,
            u.customer_id,
            u.account_id,
            u.username,
            u.password_hash,
            u.name,
            u.email,
            u.email_verified,
            u.phone_number,
            u.phone_verified,
            u.auth_method.as_str(),
            u.created_at
        ],
    )?;
    Ok(())
}

pub fn update_user(conn: &Connection, u: &User) -> anyhow::Result<()> {
    conn.execute(
        "UPDATE users SET password_hash = ?2, name = ?3, email = ?4, email_verified = ?5,
             phone_number = ?6, phone_verified = ?7, auth_method = ?8
         WHERE id = ?1",
        params![
            u.id,
            u.password_hash,
            u.name,
            u.email,
            u.email_verified,
            u.phone_number,
            u.phone_verified,
            u.auth_method.as_str()
        ],
    )?;
    Ok(())
}

/// Who an access token speaks for: a guest of the account, or one of its users.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account_id: String,
    pub user_id: Option<String>,
}

pub fn insert_access_token(
    conn: &Connection,
    hash: &str,
    principal: &Principal,
    expires_at: i64,
) -> anyhow::Result<()> {
    conn.execute(
        "DELETE FROM access_tokens WHERE expires_at <= ?1",
        [expires_at - 2 * HOUR_MS],
    )?;
    conn.execute(
        "INSERT INTO access_tokens (hash, account_id, user_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![hash, principal.account_id, principal.user_id, expires_at],
    )?;
    Ok(())
}

pub fn access_token(conn: &Connection, hash: &str, now: i64) -> anyhow::Result<Option<Principal>> {
    Ok(conn
        .query_row(
            "SELECT account_id, user_id FROM access_tokens WHERE hash = ?1 AND expires_at > ?2",
            params![hash, now],
            |r| {
                Ok(Principal {
                    account_id: r.get(0)?,
                    user_id: r.get(1)?,
                })
            },
        )
        .optional()?)
}

pub fn insert_refresh_token(
    conn: &Connection,
    hash: &str,
    user_id: &str,
    now: i64,
) -> anyhow::Result<()> {
    conn.execute(
        "INSERT INTO refresh_tokens (hash, user_id, created_at) VALUES (?1, ?2, ?3)",
        params![hash, user_id, now],
    )?;
    Ok(())
}

pub fn refresh_token_user(conn: &Connection, hash: &str) -> anyhow::Result<Option<User>> {
    let user_id: Option<String> = conn
        .query_row(
            "SELECT user_id FROM refresh_tokens WHERE hash = ?1",
            [hash],
            |r| r.get(0),
        )
        .optional()?;
    match user_id {
        Some(id) => user_by_id(conn, &id),
        None => Ok(None),
    }
}

/// The outcome of presenting a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    Valid,
    /// Wrong; this many tries remain (0: the code is now dead).
    Invalid {
        attempts_left: u32,
        expires_at: i64,
    },
    Expired,
    /// Dead after too many wrong tries.
    Locked,
    /// No code was ever sent, or it has been used.
    Missing,
}

/// A stored code as the checks need it.
struct StoredCode {
    hash: Vec<u8>,
    expires_at: i64,
    attempts_left: u32,
}

fn judge(stored: Option<StoredCode>, presented: &[u8], now: i64) -> CodeCheck {
    match stored {
        None => CodeCheck::Missing,
        Some(c) if c.attempts_left == 0 => CodeCheck::Locked,
        Some(c) if now >= c.expires_at => CodeCheck::Expired,
        Some(c) if secrets::hashes_match(&c.hash, presented) => CodeCheck::Valid,
        Some(c) => CodeCheck::Invalid {
            attempts_left: c.attempts_left - 1,
            expires_at: c.expires_at,
        },
    }
}

/// What a verification code proves: a phone number or an email address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationKind {
    Phone,
    Email,
}

impl VerificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VerificationKind::Phone => "phone_verification",
            VerificationKind::Email => "email_verification",
        }
    }
}

/// Replaces any earlier verification code for this destination.
pub fn put_verification_code(
    conn: &Connection,
    kind: VerificationKind,
    destination: &str,
    hash: &[u8],
    expires_at: i64,
    attempts: u32,
) -> anyhow::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO verification_codes (kind, destination, code_hash, expires_at, attempts_left)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![kind.as_str(), destination, hash, expires_at, attempts],
    )?;
    Ok(())
}

/// Checks without using the code up (the request may still fail on another field); a wrong
/// code costs one attempt.
pub fn check_verification_code(
    conn: &Connection,
    kind: VerificationKind,
    destination: &str,
    presented: &[u8],
    now: i64,
) -> anyhow::Result<CodeCheck> {
    let stored = conn
        .query_row(
            "SELECT code_hash, expires_at, attempts_left FROM verification_codes
             WHERE kind = ?1 AND destination = ?2",
            params![kind.as_str(), destination],
            |r| {
                Ok(StoredCode {
                    hash: r.get(0)?,
                    expires_at: r.get(1)?,
                    attempts_left: r.get(2)?,
                })
            },
        )
        .optional()?;
    let check = judge(stored, presented, now);
    if let CodeCheck::Invalid { attempts_left, .. } = check {
        conn.execute(
            "UPDATE verification_codes SET attempts_left = ?3 WHERE kind = ?1 AND destination = ?2",
            params![kind.as_str(), destination, attempts_left],
        )?;
    }
    Ok(check)
}

pub fn consume_verification_code(
    conn: &Connection,
    kind: VerificationKind,
    destination: &str,
) -> anyhow::Result<()> {
    conn.execute(
        "DELETE FROM verification_codes WHERE kind = ?1 AND destination = ?2",
        params![kind.as_str(), destination],
    )?;
    Ok(())
}

/// Replaces the user's pending login code.
pub fn put_login_code(
    conn: &Connection,
    user_id: &str,
    hash: &[u8],
    expires_at: i64,
    attempts: u32,
) -> anyhow::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO login_codes (user_id, code_hash, expires_at, attempts_left)
         VALUES (?1, ?2, ?3, ?4)",
        params![user_id, hash, expires_at, attempts],
    )?;
    Ok(())
}

/// Checks the login code and uses it up when it is right (single use).
pub fn check_login_code(
    conn: &Connection,
    user_id: &str,
    presented: &[u8],
    now: i64,
) -> anyhow::Result<CodeCheck> {
    let stored = conn
        .query_row(
            "SELECT code_hash, expires_at, attempts_left FROM login_codes WHERE user_id = ?1",
            [user_id],
            |r| {
                Ok(StoredCode {
                    hash: r.get(0)?,
                    expires_at: r.get(1)?,
                    attempts_left: r.get(2)?,
                })
            },
        )
        .optional()?;
    let check = judge(stored, presented, now);
    match check {
        CodeCheck::Valid => {
            conn.execute("DELETE FROM login_codes WHERE user_id = ?1", [user_id])?;
        }
        CodeCheck::Invalid { attempts_left, .. } => {
            conn.execute(
                "UPDATE login_codes SET attempts_left = ?2 WHERE user_id = ?1",
                params![user_id, attempts_left],
            )?;
        }
        CodeCheck::Expired | CodeCheck::Locked | CodeCheck::Missing => {}
    }
    Ok(check)
}

/// Seconds to wait before another code of `kind` may go to `destination`, if any: the pause
/// after the last one, or the hourly allowance.
pub fn send_wait(
    conn: &Connection,
    kind: &str,
    destination: &str,
    now: i64,
    pause_ms: i64,
    per_hour: u32,
) -> anyhow::Result<Option<u64>> {
    let mut stmt = conn.prepare(
        "SELECT at FROM code_sends WHERE kind = ?1 AND destination = ?2 AND at > ?3 ORDER BY at",
    )?;
    let times = stmt
        .query_map(params![kind, destination, now - HOUR_MS], |r| {
            r.get::<_, i64>(0)
        })?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    let mut wait_ms: i64 = 0;
    if let Some(last) = times.last() {
        wait_ms = wait_ms.max(last + pause_ms - now);
    }
    let per_hour = usize::try_from(per_hour).unwrap_or(usize::MAX);
    if per_hour > 0 && times.len() >= per_hour {
        // The oldest send that still counts must leave the window to make room for one more.
        let freeing = times[times.len() - per_hour];
        wait_ms = wait_ms.max(freeing + HOUR_MS - now);
    }
    Ok((wait_ms > 0).then(|| ceil_secs(wait_ms)))
}

pub fn record_send(
    conn: &Connection,
    kind: &str,
    destination: &str,
    now: i64,
) -> anyhow::Result<()> {
    conn.execute("DELETE FROM code_sends WHERE at <= ?1", [now - HOUR_MS])?;
    conn.execute(
        "INSERT INTO code_sends (kind, destination, at) VALUES (?1, ?2, ?3)",
        params![kind, destination, now],
    )?;
    Ok(())
}

/// Seconds until one more wrong password is allowed for `key`, if the limit is reached.
pub fn failure_wait(
    conn: &Connection,
    key: &str,
    now: i64,
    window_ms: i64,
    limit: u32,
) -> anyhow::Result<Option<u64>> {
    let mut stmt =
        conn.prepare("SELECT at FROM password_failures WHERE key = ?1 AND at > ?2 ORDER BY at")?;
    let times = stmt
        .query_map(params![key, now - window_ms], |r| r.get::<_, i64>(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if times.len() < limit {
        return Ok(None);
    }
    let freeing = times[times.len() - limit];
    Ok(Some(ceil_secs((freeing + window_ms - now).max(1))))
}

pub fn record_failure(
    conn: &Connection,
    key: &str,
    now: i64,
    window_ms: i64,
) -> anyhow::Result<()> {
    conn.execute(
        "DELETE FROM password_failures WHERE at <= ?1",
        [now - window_ms.max(HOUR_MS)],
    )?;
    conn.execute(
        "INSERT INTO password_failures (key, at) VALUES (?1, ?2)",
        params![key, now],
    )?;
    Ok(())
}

pub fn clear_failures(conn: &Connection, key: &str) -> anyhow::Result<()> {
    conn.execute("DELETE FROM password_failures WHERE key = ?1", [key])?;
    Ok(())
}

fn ceil_secs(ms: i64) -> u64 {
    u64::try_from((ms + 999) / 1000).unwrap_or(0)
}

/// One message as the development outbox keeps it.
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub channel: String,
    pub to: String,
    pub body: String,
    pub code: String,
    pub sent_at: i64,
}

pub fn insert_outbox(conn: &Connection, e: &OutboxEntry) -> anyhow::Result<()> {
    conn.execute(
        "INSERT INTO outbox (channel, recipient, body, code, sent_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![e.channel, e.to, e.body, e.code, e.sent_at],
    )?;
    Ok(())
}

/// Newest first; the id breaks ties between messages sent in the same millisecond.
pub fn list_outbox(conn: &Connection, limit: u32) -> anyhow::Result<Vec<OutboxEntry>> {
    let mut stmt = conn.prepare(
        "SELECT channel, recipient, body, code, sent_at FROM outbox
         ORDER BY sent_at DESC, id DESC LIMIT ?1",
    )?;
    let rows = stmt
        .query_map([limit], |r| {
            Ok(OutboxEntry {
                channel: r.get(0)?,
                to: r.get(1)?,
                body: r.get(2)?,
                code: r.get(3)?,
                sent_at: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(SCHEMA).unwrap();
        c
    }

    #[test]
    fn send_pause_then_hourly_allowance() {
        let c = conn();
        assert_eq!(send_wait(&c, "k", "d", 0, 30_000, 5).unwrap(), None);
        for i in 0..5 {
            let now = i * 31_000;
            assert_eq!(send_wait(&c, "k", "d", now, 30_000, 5).unwrap(), None);
            record_send(&c, "k", "d", now).unwrap();
            assert_eq!(
                send_wait(&c, "k", "d", now + 10_000, 30_000, 5).unwrap(),
                if i < 4 {
                    Some(20)
                } else {
                    Some(3600 - 124 - 10)
                }
            );
        }
        assert_eq!(send_wait(&c, "k", "other", 0, 30_000, 5).unwrap(), None);
        assert_eq!(
            send_wait(&c, "k", "d", HOUR_MS + 1, 30_000, 5).unwrap(),
            None
        );
    }

    #[test]
    fn login_code_is_single_use_and_locks() {
        let c = conn();
        let right = vec![1u8; 32];
        let wrong = vec![2u8; 32];
        c.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        put_login_code(&c, "u", &right, 1000, 2).unwrap();
        assert_eq!(
            check_login_code(&c, "u", &wrong, 0).unwrap(),
            CodeCheck::Invalid {
                attempts_left: 1,
                expires_at: 1000
            }
        );
        assert_eq!(
            check_login_code(&c, "u", &right, 0).unwrap(),
            CodeCheck::Valid
        );
        assert_eq!(
            check_login_code(&c, "u", &right, 0).unwrap(),
            CodeCheck::Missing
        );
        put_login_code(&c, "u", &right, 1000, 1).unwrap();
        assert_eq!(
            check_login_code(&c, "u", &wrong, 0).unwrap(),
            CodeCheck::Invalid {
                attempts_left: 0,
                expires_at: 1000
            }
        );
        assert_eq!(
            check_login_code(&c, "u", &right, 0).unwrap(),
            CodeCheck::Locked
        );
        put_login_code(&c, "u", &right, 1000, 5).unwrap();
        assert_eq!(
            check_login_code(&c, "u", &right, 1000).unwrap(),
            CodeCheck::Expired
        );
    }
}

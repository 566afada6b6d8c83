//! Passwords, one-time codes and tokens: generated from the OS CSPRNG, stored only as hashes,
//! compared in constant time.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use hmac::{Hmac, Mac};
use rand::Rng;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// OWASP's first recommended Argon2id setting: 19 MiB, two passes, one lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`). Slow on purpose: call off the async runtime.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// False for a wrong password and for a hash that does not parse.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Six decimal digits, uniformly distributed.
pub fn new_code() -> String {
    format!("{:06}", OsRng.gen_range(0..1_000_000u32))
}

/// 32 random bytes as hex, for the server's own secret.
pub fn random_hex32() -> String {
    let bytes: [u8; 32] = OsRng.r#gen();
    hex::encode(bytes)
}

/// An opaque bearer token: 32 random bytes, hex.
pub fn new_access_token() -> String {
    random_hex32()
}

/// Tokens are long random strings, so a plain SHA-256 is enough to keep them out of the database.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Codes have only a million values, so their hash is keyed with the server secret: a stolen
/// database alone does not give the codes away.
pub fn code_hash(secret: &[u8], code: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(code.trim().as_bytes());
    mac.finalize().into_bytes().to_vec()
}

pub fn hashes_match(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let c = new_code();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn password_round_trip() {
        let h = hash_password("supersecret").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("supersecret", &h));
        assert!(!verify_password("supersecreT", &h));
        assert!(!verify_password("supersecret", "not a hash"));
    }

    #[test]
    fn code_hash_is_keyed() {
        let a = code_hash(b"one", "123456");
        assert!(hashes_match(&a, &code_hash(b"one", "123456")));
        assert!(!hashes_match(&a, &code_hash(b"two", "123456")));
    }
}

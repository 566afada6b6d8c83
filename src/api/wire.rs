//! The bytes on the wire: request bodies (a hand-built form for `/v1/token`, JSON:API documents
//! elsewhere) and the serde shapes of the answers, converted into the types of `model`.
//!
//! Answers are read leniently (missing or null attributes become defaults), because a client that
//! refuses a whole user over one absent attribute helps nobody; only the fields the app cannot do
//! without (`access_token`, `data.id`) are required.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use tfa_flow::{AuthMethod, NewCustomer, PhoneNumber, UserSummary, UserUpdate, normalize_username};

use super::model::{Account, Token};

/// The token lifetime Freshcom documents, for a token body that leaves it out.
const DEFAULT_EXPIRES_IN_SECS: u32 = 3600;

/// `application/x-www-form-urlencoded` as the URL standard's serializer writes it. Built by hand
/// because a `URLSearchParams` body makes the browser add `; charset=UTF-8`, which the real
/// backend refuses with 415.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_component(name, &mut out);
        out.push('=');
        encode_component(value, &mut out);
    }
    out
}

fn encode_component(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0x0f)]));
            }
        }
    }
}

/// The password grant. The username is normalised here so that no caller can forget it; the OTP
/// is deliberately not a parameter: it travels only in the `X-Freshcom-OTP` header.
pub fn password_grant(username: &str, password: &str, account_id: &str) -> String {
    let username = normalize_username(username);
    let scope = format!("aid:{}", account_id.trim());
    form_encode(&[
        ("grant_type", "password"),
        ("username", &username),
        ("password", password),
        ("scope", &scope),
    ])
}

/// The refresh grant, for a user's refresh token and for the publishable one alike.
pub fn refresh_grant(refresh_token: &str) -> String {
    form_encode(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ])
}

fn document(kind: &str, attributes: Map<String, Value>) -> String {
    json!({ "data": { "type": kind, "attributes": attributes } }).to_string()
}

fn attributes<const N: usize>(pairs: [(&str, Option<&str>); N]) -> Map<String, Value> {
    pairs
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_owned(), Value::from(v?))))
        .collect()
}

pub fn phone_code_document(number: &PhoneNumber) -> String {
    document(
        "PhoneVerificationCode",
        attributes([("phoneNumber", Some(number.as_str()))]),
    )
}

pub fn email_code_document(email: &str) -> String {
    document(
        "EmailVerificationCode",
        attributes([("email", Some(email.trim()))]),
    )
}

pub fn customer_document(customer: &NewCustomer) -> String {
    // The code proves the destination of the method chosen; a password-only customer has none.
    let code = Some(customer.verification_code.trim()).filter(|c| !c.is_empty());
    let (phone_code, email_code) = match customer.auth_method {
        AuthMethod::TfaSms => (code, None),
        AuthMethod::TfaEmail => (None, code),
        AuthMethod::Simple => (None, None),
    };
    document(
        "Customer",
        attributes([
            ("status", Some("registered")),
            ("name", Some(customer.name.trim())),
            ("email", Some(customer.email.trim())),
            ("username", Some(customer.username.trim())),
            ("password", Some(customer.password.as_str())),
            (
                "phoneNumber",
                customer.phone_number.as_ref().map(PhoneNumber::as_str),
            ),
            ("phoneVerificationCode", phone_code),
            ("emailVerificationCode", email_code),
            ("authMethod", Some(customer.auth_method.as_str())),
        ]),
    )
}

pub fn user_update_document(update: &UserUpdate) -> String {
    document(
        "User",
        attributes([
            ("authMethod", Some(update.auth_method.as_str())),
            ("email", update.email.as_deref()),
            (
                "emailVerificationCode",
                update.email_verification_code.as_deref(),
            ),
            (
                "phoneNumber",
                update.phone_number.as_ref().map(|p| p.as_str()),
            ),
            (
                "phoneVerificationCode",
                update.phone_verification_code.as_deref(),
            ),
            ("currentPassword", update.current_password.as_deref()),
        ]),
    )
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    expires_in: Option<u64>,
    refresh_token: Option<String>,
}

#[derive(Deserialize)]
struct Document<A> {
    data: Resource<A>,
}

#[derive(Deserialize)]
struct Resource<A> {
    id: String,
    attributes: Option<A>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct AccountAttributes {
    name: Option<String>,
    mode: Option<String>,
    default_auth_method: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct UserAttributes {
    username: Option<String>,
    name: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    auth_method: Option<String>,
}

/// `None` when the body is not a token: the caller reports it as unreadable.
pub fn parse_token(body: &str) -> Option<Token> {
    let body: TokenBody = serde_json::from_str(body).ok()?;
    if body.access_token.is_empty() {
        return None;
    }
    Some(Token {
        access_token: body.access_token,
        expires_in_secs: body.expires_in.map_or(DEFAULT_EXPIRES_IN_SECS, |s| {
            u32::try_from(s).unwrap_or(u32::MAX)
        }),
        refresh_token: body.refresh_token.filter(|t| !t.is_empty()),
    })
}

pub fn parse_account(body: &str) -> Option<Account> {
    let doc: Document<AccountAttributes> = serde_json::from_str(body).ok()?;
    let attributes = doc.data.attributes.unwrap_or_default();
    Some(Account {
        id: doc.data.id,
        name: attributes.name.unwrap_or_default(),
        mode: attributes.mode.unwrap_or_default(),
        default_auth_method: attributes
            .default_auth_method
            .as_deref()
            .and_then(AuthMethod::parse),
    })
}

pub fn parse_user(body: &str) -> Option<UserSummary> {
    let doc: Document<UserAttributes> = serde_json::from_str(body).ok()?;
    let attributes = doc.data.attributes.unwrap_or_default();
    let non_empty = |s: Option<String>| s.filter(|s| !s.is_empty());
    Some(UserSummary {
        username: attributes.username.unwrap_or_default(),
        name: attributes.name.unwrap_or_default(),
        email: non_empty(attributes.email),
        phone_number: non_empty(attributes.phone_number),
        // A value this app does not know is in practice the docs' `tfa_phone`, which the real
        // backend stores but never honours: the user has no working second factor, and
        // enrolling in a real one is their way out. `simple` says exactly that.
        auth_method: attributes
            .auth_method
            .as_deref()
            .and_then(AuthMethod::parse)
            .unwrap_or(AuthMethod::Simple),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).expect("the encoders write JSON")
    }

    fn phone() -> PhoneNumber {
        PhoneNumber::parse("+14165551234").expect("a valid number")
    }

    #[test]
    fn form_encoding_follows_the_url_standard() {
        assert_eq!(
            form_encode(&[("a b", "x&y=z+1"), ("é", "*-._~!")]),
            "a+b=x%26y%3Dz%2B1&%C3%A9=*-._%7E%21"
        );
        assert_eq!(form_encode(&[]), "");
    }

    #[test]
    fn password_grant_normalises_the_username_and_scopes_the_account() {
        let account = "0b7d1c8e-3f55-4a57-9d3b-1d2f0f6f1a11";
        assert_eq!(
            password_grant(" Joe Doe@Example.com ", "p@ss word&", account),
            format!(
                "grant_type=password&username=joedoe%40example.com&password=p%40ss+word%26&scope=aid%3A{account}"
            )
        );
        assert!(!password_grant("joe", "pw", account).contains("otp"));
    }

    #[test]
    fn refresh_grant_carries_the_token() {
        assert_eq!(
            refresh_grant("prt-test-abc"),
            "grant_type=refresh_token&refresh_token=prt-test-abc"
        );
    }

    #[test]
    fn verification_code_documents() {
        assert_eq!(
            parse(&phone_code_document(&phone())),
            json!({"data":{"type":"PhoneVerificationCode","attributes":{"phoneNumber":"+14165551234"}}})
        );
        assert_eq!(
            parse(&email_code_document(" joe@example.com ")),
            json!({"data":{"type":"EmailVerificationCode","attributes":{"email":"joe@example.com"}}})
        );
    }

    fn customer() -> NewCustomer {
        NewCustomer {
            name: "Joe Doe".into(),
            email: "joe@example.com".into(),
            username: "joe@example.com".into(),
            password: "supersecret".into(),
            auth_method: AuthMethod::TfaSms,
            phone_number: Some(phone()),
            verification_code: "482913".into(),
        }
    }

    #[test]
    fn customer_document_matches_the_contract() {
        assert_eq!(
            parse(&customer_document(&customer())),
            json!({"data":{"type":"Customer","attributes":{"status":"registered","name":"Joe Doe",
                "email":"joe@example.com","username":"joe@example.com","password":"supersecret",
                "phoneNumber":"+14165551234","phoneVerificationCode":"482913","authMethod":"tfa_sms"}}})
        );
    }

    #[test]
    fn an_email_customer_sends_the_email_code() {
        let email = NewCustomer {
            auth_method: AuthMethod::TfaEmail,
            phone_number: None,
            verification_code: "123456".into(),
            ..customer()
        };
        let doc = parse(&customer_document(&email));
        let attributes = &doc["data"]["attributes"];
        assert_eq!(attributes["emailVerificationCode"], "123456");
        assert_eq!(attributes["authMethod"], "tfa_email");
        assert!(attributes.get("phoneNumber").is_none());
        assert!(attributes.get("phoneVerificationCode").is_none());
    }

    #[test]
    fn a_password_only_customer_sends_no_code() {
        let simple = NewCustomer {
            auth_method: AuthMethod::Simple,
            phone_number: None,
            verification_code: String::new(),
            ..customer()
        };
        let doc = parse(&customer_document(&simple));
        let attributes = doc["data"]["attributes"].as_object().expect("attributes");
        assert_eq!(attributes["authMethod"], "simple");
        assert!(!attributes.keys().any(|k| k.ends_with("VerificationCode")));
    }

    fn update(auth_method: AuthMethod) -> UserUpdate {
        UserUpdate {
            auth_method,
            phone_number: None,
            phone_verification_code: None,
            email: None,
            email_verification_code: None,
            current_password: None,
        }
    }

    #[test]
    fn user_updates_send_only_what_is_set() {
        let sms = UserUpdate {
            phone_number: Some(phone()),
            phone_verification_code: Some("482913".into()),
            ..update(AuthMethod::TfaSms)
        };
        assert_eq!(
            parse(&user_update_document(&sms)),
            json!({"data":{"type":"User","attributes":{"authMethod":"tfa_sms",
                "phoneNumber":"+14165551234","phoneVerificationCode":"482913"}}})
        );
        let email = UserUpdate {
            email: Some("joe@example.com".into()),
            email_verification_code: Some("111222".into()),
            ..update(AuthMethod::TfaEmail)
        };
        assert_eq!(
            parse(&user_update_document(&email)),
            json!({"data":{"type":"User","attributes":{"authMethod":"tfa_email",
                "email":"joe@example.com","emailVerificationCode":"111222"}}})
        );
        let off = UserUpdate {
            current_password: Some("pw".into()),
            ..update(AuthMethod::Simple)
        };
        assert_eq!(
            parse(&user_update_document(&off)),
            json!({"data":{"type":"User","attributes":{"authMethod":"simple","currentPassword":"pw"}}})
        );
    }

    #[test]
    fn token_bodies() {
        let token = parse_token(
            r#"{"access_token":"at","token_type":"bearer","expires_in":3600,"refresh_token":"urt-test-1"}"#,
        )
        .expect("a token");
        assert_eq!(token.access_token, "at");
        assert_eq!(token.expires_in_secs, 3600);
        assert_eq!(token.refresh_token.as_deref(), Some("urt-test-1"));
        let bare = parse_token(r#"{"access_token":"at"}"#).expect("a token");
        assert_eq!(bare.expires_in_secs, DEFAULT_EXPIRES_IN_SECS);
        assert_eq!(bare.refresh_token, None);
        for bad in [
            "",
            "{}",
            r#"{"access_token":""}"#,
            r#"{"access_token":5}"#,
            r#"{"access_token":"a","expires_in":-1}"#,
        ] {
            assert_eq!(parse_token(bad), None, "{bad}");
        }
    }

    #[test]
    fn account_documents() {
        let account = parse_account(
            r#"{"data":{"id":"acc-1","type":"Account","attributes":{"name":"Shop","mode":"test","defaultAuthMethod":"tfa_sms"}}}"#,
        )
        .expect("an account");
        assert_eq!(
            account,
            Account {
                id: "acc-1".into(),
                name: "Shop".into(),
                mode: "test".into(),
                default_auth_method: Some(AuthMethod::TfaSms)
            }
        );
        let sparse =
            parse_account(r#"{"data":{"id":"acc-1","attributes":null}}"#).expect("an account");
        assert_eq!(sparse.default_auth_method, None);
        assert_eq!(parse_account(r#"{"data":null}"#), None);
    }

    #[test]
    fn user_documents() {
        let user = parse_user(
            r#"{"data":{"id":"u1","type":"User","attributes":{"username":"joe@example.com","name":"Joe",
               "email":"joe@example.com","phoneNumber":null,"authMethod":"tfa_email","emailVerified":true,"extra":1}}}"#,
        )
        .expect("a user");
        assert_eq!(
            user,
            UserSummary {
                username: "joe@example.com".into(),
                name: "Joe".into(),
                email: Some("joe@example.com".into()),
                phone_number: None,
                auth_method: AuthMethod::TfaEmail,
            }
        );
        assert_eq!(parse_user("[]"), None);
    }

    #[test]
    fn the_docs_tfa_phone_reads_as_no_working_second_factor() {
        let user = parse_user(
            r#"{"data":{"id":"u1","attributes":{"username":"joe","authMethod":"tfa_phone","phoneNumber":""}}}"#,
        )
        .expect("a user");
        assert_eq!(user.auth_method, AuthMethod::Simple);
        assert_eq!(user.phone_number, None);
    }
}

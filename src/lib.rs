//! The two-factor sign-in app: the typed API client and session at the edge, the Leptos screens
//! on top, and the flow machines of `tfa-flow` in the middle.

pub mod api;
pub mod session;
pub mod ui;

//! The Leptos side: screens, the shared pieces they are built from, the driver that runs a flow
//! machine, and the app shell.

mod app;
mod boot;
pub mod code_step;
pub mod components;
pub mod driver;
pub mod enroll;
pub mod login;
pub mod messages;
pub mod register;

pub use app::{App, SignedIn};
pub use boot::Services;

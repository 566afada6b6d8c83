//! The Leptos side: screens, the shared pieces they are built from, and the app shell.

mod app;
mod boot;

pub use app::App;

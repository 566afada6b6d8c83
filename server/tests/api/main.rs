//! Black-box HTTP tests of the reference server against `API.md` (Part 1 and Part 2).
//! One binary (faster to link), one module per theme, one test per story. Every test starts
//! its own server on 127.0.0.1 with a fresh database and a manual clock, and stops it.

#[path = "../common/mod.rs"]
mod common;

mod errors;
mod flows;
mod limits;
mod transport;

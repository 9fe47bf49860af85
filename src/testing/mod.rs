//! The one test harness: the committed test PKI as configurations ([`pki`]), an in-memory
//! client/server pair and the pump that moves bytes between them ([`pair`]), and record-level
//! helpers for tests that read or forge the bytes on the wire ([`wire`]).
//!
//! Compiled for the crate's own unit tests (`cfg(test)`) and, with the `testing` feature, for
//! tests/, benches/ and fuzz/ (tests and benches get the feature through the crate's
//! dev-dependency on itself); never into the library an application links. The deterministic
//! randomness that fuzzing sets stays in [`crate::fuzz_support`] (its configurations sign with
//! Ed25519 and are compiled in, so a fuzzer needs no files).
//!
//! Everything is re-exported here, so a test writes `use tls::testing::*;` (or
//! `use crate::testing::*;` inside the crate). See docs/testing.md for the conventions.

pub mod pair;
pub mod pki;
pub mod wire;

pub use pair::*;
pub use pki::*;
pub use wire::*;

//! libtls: a TLS 1.2/1.3 implementation with an OpenSSL-style C API.
//!
//! The core (everything outside `ffi`) is sans-I/O and free of `unsafe`.

#![deny(unsafe_code)]

pub mod certcomp;
pub mod codec;
pub mod config;
pub mod conn;
pub mod crypto;
pub mod diagnosis;
pub mod error;
pub mod events;
pub mod exporter;
pub mod ffi;
#[cfg(any(test, fuzzing))]
pub mod fuzz_support;
pub mod handshake;
pub mod limits;
pub mod msgs;
pub mod record;
pub mod session;
pub mod suites;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod verify;
pub mod x509;

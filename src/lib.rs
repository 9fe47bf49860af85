//! libtls: a TLS 1.2/1.3 implementation with an OpenSSL-style C API.
//!
//! The core (everything outside `ffi`) is sans-I/O and free of `unsafe`: each core module is
//! declared `#[forbid(unsafe_code)]` below, which no attribute inside it can lift. Only `ffi`,
//! the C face, may use `unsafe` (it allows it for itself).

#![deny(unsafe_code)]

#[forbid(unsafe_code)]
pub mod certcomp;
#[forbid(unsafe_code)]
pub mod codec;
#[forbid(unsafe_code)]
pub mod config;
#[forbid(unsafe_code)]
pub mod conn;
#[forbid(unsafe_code)]
pub mod crypto;
#[forbid(unsafe_code)]
pub mod diagnosis;
#[forbid(unsafe_code)]
pub mod error;
#[forbid(unsafe_code)]
pub mod events;
#[forbid(unsafe_code)]
pub mod exporter;
pub mod ffi;
#[cfg(any(test, fuzzing))]
#[forbid(unsafe_code)]
pub mod fuzz_support;
#[forbid(unsafe_code)]
pub mod handshake;
#[forbid(unsafe_code)]
pub mod limits;
#[forbid(unsafe_code)]
pub mod msgs;
#[forbid(unsafe_code)]
pub mod record;
#[forbid(unsafe_code)]
pub mod role;
#[forbid(unsafe_code)]
pub mod session;
#[forbid(unsafe_code)]
pub mod suites;
#[cfg(any(test, feature = "testing"))]
#[forbid(unsafe_code)]
pub mod testing;
#[forbid(unsafe_code)]
pub mod verify;
#[forbid(unsafe_code)]
pub mod x509;

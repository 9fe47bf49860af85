//! A client connection fed arbitrary server bytes, deterministic so recorded sessions replay.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| libtls_fuzz::client(data));

//! Session encodings (`d2i_SSL_SESSION`), sealed tickets and ticket-key formats.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| libtls_fuzz::session(data));

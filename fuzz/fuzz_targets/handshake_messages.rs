//! Every handshake message decoder (both versions), the alert decoder and the handshake
//! message joiner; what decodes must re-encode to something that decodes the same.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| libtls_fuzz::handshake_messages(data));

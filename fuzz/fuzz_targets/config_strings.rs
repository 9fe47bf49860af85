//! The configuration string parsers: cipher lists, TLS 1.3 suite lists, group lists, names.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| libtls_fuzz::config_strings(data));

//! Loading keys and certificates from PEM and DER, and printing what loads.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| libtls_fuzz::pem_der(data));

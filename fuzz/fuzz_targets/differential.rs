//! Records protected by libtls open with keys derived independently (and the reverse).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| libtls_fuzz::differential(data));

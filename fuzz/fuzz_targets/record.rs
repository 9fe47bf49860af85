//! The record layer of both versions, plain and protected, fed arbitrary bytes: it must
//! frame, decrypt or refuse, never panic, and never buffer more than one record.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| libtls_fuzz::record(data));

//! Randomness, and the seam that makes it fixed for fuzzing.
//!
//! A fuzzer goes deep into a handshake only if the handshake is a pure function of the peer's
//! bytes. Test and fuzzing builds (`--cfg fuzzing`) therefore have a per-thread switch,
//! [`set_deterministic`] (set by `crate::fuzz_support`), under which every random value is
//! [`FIXED_RANDOM_BYTE`]s and ephemeral keys are fixed. The library an application links has
//! no such switch.

use crate::error::{Error, Result};

#[cfg(any(test, fuzzing))]
thread_local! {
    static DETERMINISTIC: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Turns fixed randomness and fixed ephemeral keys on or off for this thread.
#[cfg(any(test, fuzzing))]
pub fn set_deterministic(on: bool) {
    DETERMINISTIC.with(|d| d.set(on));
}

/// Whether this thread's randomness and ephemeral keys are fixed.
#[cfg(any(test, fuzzing))]
pub(crate) fn deterministic() -> bool {
    DETERMINISTIC.with(|d| d.get())
}

/// The bytes every "random" value is made of in deterministic mode.
#[cfg(any(test, fuzzing))]
pub(crate) const FIXED_RANDOM_BYTE: u8 = 0x5a;

/// A fixed private scalar of the right length for the curve (any value below the order works;
/// a short run of one byte is far below every order).
#[cfg(any(test, fuzzing))]
pub(crate) fn fixed_private_key(len: usize) -> Vec<u8> {
    vec![0x11; len]
}

/// Fills `buf` from the system's secure random generator.
pub fn fill_random(buf: &mut [u8]) -> Result<()> {
    #[cfg(any(test, fuzzing))]
    if deterministic() {
        buf.fill(FIXED_RANDOM_BYTE);
        return Ok(());
    }
    use aws_lc_rs::rand::SecureRandom;
    aws_lc_rs::rand::SystemRandom::new()
        .fill(buf)
        .map_err(|_| Error::internal("the random generator failed"))
}

/// `N` random bytes (a hello random, a session id, a ticket nonce).
pub fn random_array<const N: usize>() -> Result<[u8; N]> {
    let mut a = [0u8; N];
    fill_random(&mut a)?;
    Ok(a)
}

/// Compares two MACs (or any two secrets' images) in constant time.
pub fn verify_mac(expected: &[u8], got: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(expected, got).is_ok()
}

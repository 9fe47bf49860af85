//! Secret bytes that are wiped when dropped.
//!
//! Wiping is the `zeroize` crate's: its writes are volatile and fenced, so the compiler cannot
//! drop them as dead stores, and it clears a vector's spare capacity too. Buffers that hold
//! secrets only for a while (encoded sessions, ticket plaintext, key file text) use its
//! `Zeroizing` wrapper; long-lived key material is a [`Secret`].

use std::fmt;
use std::ops::Deref;
use zeroize::Zeroize;

pub use zeroize::Zeroizing;

/// Overwrites `buf` with zeros in a way the optimiser may not remove.
pub fn zeroize(buf: &mut [u8]) {
    buf.zeroize();
}

/// Key material: derefs to its bytes, never prints them, and zeroes them on drop.
///
/// Equality is constant-time.
pub struct Secret(Vec<u8>);

impl Secret {
    /// Takes ownership of `bytes` (its whole allocation is wiped on drop).
    pub fn new(bytes: Vec<u8>) -> Self {
        Secret(bytes)
    }

    pub fn from_slice(bytes: &[u8]) -> Self {
        Secret(bytes.to_vec())
    }

    /// `len` zero bytes (the "0" value of RFC 8446's key schedule).
    pub fn zeros(len: usize) -> Self {
        Secret(vec![0u8; len])
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl Deref for Secret {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Secret {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Clone for Secret {
    fn clone(&self) -> Self {
        Secret::from_slice(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({} bytes)", self.0.len())
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        aws_lc_rs::constant_time::verify_slices_are_equal(&self.0, &other.0).is_ok()
    }
}

impl Eq for Secret {}

/// Marks that dropping a `Secret` wipes it (see the `Drop` below).
impl zeroize::ZeroizeOnDrop for Secret {}

impl Drop for Secret {
    fn drop(&mut self) {
        // The whole allocation: the bytes and any spare capacity.
        self.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_bytes() {
        let s = Secret::from_slice(&[0xde, 0xad, 0xbe, 0xef]);
        let d = format!("{s:?}");
        assert_eq!(d, "Secret(4 bytes)");
        assert!(!d.to_lowercase().contains("de"));
        assert!(!d.contains("222"));
    }

    #[test]
    fn deref_clone_eq() {
        let s = Secret::new(vec![1, 2, 3]);
        assert_eq!(&s[..], &[1, 2, 3]);
        assert_eq!(s.len(), 3);
        let c = s.clone();
        assert_eq!(c, s);
        assert_ne!(Secret::from_slice(&[1, 2, 4]), s);
        assert_ne!(Secret::from_slice(&[1, 2]), s);
        assert_eq!(&Secret::zeros(4)[..], &[0, 0, 0, 0]);
    }

    #[test]
    fn secrets_are_wiped_on_drop() {
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<Secret>();
        wiped_on_drop::<Zeroizing<Vec<u8>>>();
    }

    #[test]
    fn zeroize_wipes_the_buffer() {
        let mut buf = [7u8; 33];
        zeroize(&mut buf);
        assert!(buf.iter().all(|&b| b == 0));
    }
}

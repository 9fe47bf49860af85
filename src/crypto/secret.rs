//! Secret bytes that are wiped when dropped.

use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{compiler_fence, Ordering};

/// Overwrites `buf` with zeros in a way the optimiser may not remove.
pub fn zeroize(buf: &mut [u8]) {
    for b in buf.iter_mut() {
        // SAFETY: `b` is a valid, aligned, exclusive reference to one byte.
        #[allow(unsafe_code)]
        unsafe {
            std::ptr::write_volatile(b, 0)
        };
    }
    compiler_fence(Ordering::SeqCst);
}

/// Overwrites the whole allocation of `v` (length and spare capacity) with zeros, then empties it.
fn zeroize_vec(v: &mut Vec<u8>) {
    zeroize(v.as_mut_slice());
    for b in v.spare_capacity_mut() {
        // SAFETY: `b` is a valid, aligned, exclusive reference into the vector's allocation;
        // writing an initialised value to a `MaybeUninit<u8>` is always sound.
        #[allow(unsafe_code)]
        unsafe {
            std::ptr::write_volatile(b, std::mem::MaybeUninit::new(0))
        };
    }
    compiler_fence(Ordering::SeqCst);
    v.clear();
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

impl Drop for Secret {
    fn drop(&mut self) {
        zeroize_vec(&mut self.0);
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
    fn zeroize_wipes_buffer_and_capacity() {
        let mut buf = [7u8; 33];
        zeroize(&mut buf);
        assert!(buf.iter().all(|&b| b == 0));

        let mut v = Vec::with_capacity(64);
        v.extend_from_slice(&[9u8; 40]);
        v.truncate(10);
        let cap = v.capacity();
        zeroize_vec(&mut v);
        assert!(v.is_empty());
        assert_eq!(v.capacity(), cap);
        // The spare capacity (including the truncated tail) is now zero.
        assert!(v.spare_capacity_mut().iter().all(|b| {
            // SAFETY: every byte of the allocation was written by zeroize_vec.
            #[allow(unsafe_code)]
            unsafe {
                b.assume_init() == 0
            }
        }));
    }
}

//! Finished (RFC 8446 section 4.4.4, RFC 5246 section 7.4.9).

/// Finished: verify_data is the whole body. Its expected length depends on the cipher suite, so
/// the caller compares it (in constant time) against what it computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub verify_data: Vec<u8>,
}

//! Bounds on the work and memory a peer can make us spend without the connection advancing.
//!
//! Every record a peer sends costs it a few bytes; some records (empty application data,
//! TLS 1.3 ChangeCipherSpec, KeyUpdate) make us do work without moving the
//! connection forward. A peer that sends an endless stream of them would keep a connection
//! (and, for KeyUpdate, our key schedule and the reply queue) busy forever, so each kind has a
//! budget, and only real progress refills it. The numbers follow OpenSSL's, so a peer that
//! works with one works with the other. (Warning alerts have their own limit, with the alert
//! handling in `conn/mod.rs`.)

use crate::error::{Error, Reason, Result};
use crate::msgs::enums::AlertDescription;

/// Consecutive empty application data records, and TLS 1.3 ChangeCipherSpec records, accepted
/// in a row (OpenSSL's `MAX_EMPTY_RECORDS`).
pub const MAX_EMPTY_RECORDS: u32 = 32;
/// KeyUpdate messages accepted without application data in between (OpenSSL's
/// `MAX_KEY_UPDATE_MESSAGES`).
pub const MAX_KEY_UPDATES: u32 = 32;
/// Certificates accepted in one Certificate message. Real chains have three or four, but
/// other stacks accept long ones (BoringSSL's tests send 51), so the bound is generous: the
/// message size limit bounds the bytes, this bounds the entries verification has to consider
/// (OpenSSL's default verify depth is also 100).
pub const MAX_CHAIN_CERTS: usize = 100;

/// Key shares accepted in one ClientHello. RFC 8446 sets no number, but there are only a few
/// dozen groups (GREASE included) and real clients send one to three shares; the bound keeps
/// the checks on them (one share per group, each group listed in supported_groups) cheap.
pub const MAX_KEY_SHARES: usize = 64;
/// The longest session ticket we issue, and the longest a client keeps: a TLS 1.3 ticket
/// travels back as a PSK identity inside the ClientHello's extension block, which as a whole
/// is limited to 64 KiB, so a ticket near the wire limit (65,535 bytes) could never be sent.
/// Real tickets are a few hundred bytes, or a few KiB with a client certificate chain.
pub const MAX_TICKET_LEN: usize = 32_768;
/// The longest HelloRetryRequest cookie a client echoes (RFC 8446 4.2.2). The cookie goes
/// back in the second ClientHello's 64 KiB extension block next to a ticket; real cookies are
/// at most a few hundred bytes.
pub const MAX_COOKIE_LEN: usize = 16_384;
/// TLS 1.3 NewSessionTicket messages a client turns into sessions on one connection. Servers
/// send one or two (OpenSSL's default is two); a peer sending thousands only makes us spend
/// memory. Tickets after these are still read (and must be well formed) but not kept.
pub const MAX_TICKETS_KEPT: usize = 8;

/// The budgets of one connection. Each counter counts records in a row that made no progress.
#[derive(Debug, Default, Clone)]
pub struct ProgressBudget {
    empty_records: u32,
    key_updates: u32,
}

impl ProgressBudget {
    /// An empty application data record, or a TLS 1.3 ChangeCipherSpec (both carry nothing).
    pub fn empty_record(&mut self) -> Result<()> {
        self.empty_records += 1;
        if self.empty_records > MAX_EMPTY_RECORDS {
            return Err(Error::protocol(
                AlertDescription::UNEXPECTED_MESSAGE,
                Reason::RECORD_TOO_SMALL,
                format!(
                    "more than {MAX_EMPTY_RECORDS} empty records in a row: the peer sends nothing \
                     but keeps the connection busy"
                ),
            ));
        }
        Ok(())
    }

    /// A KeyUpdate from the peer after the handshake.
    pub fn key_update(&mut self) -> Result<()> {
        self.key_updates += 1;
        if self.key_updates > MAX_KEY_UPDATES {
            return Err(Error::protocol(
                AlertDescription::UNEXPECTED_MESSAGE,
                Reason::TOO_MANY_KEY_UPDATES,
                format!("more than {MAX_KEY_UPDATES} KeyUpdate messages without application data"),
            ));
        }
        Ok(())
    }

    /// A record with content arrived.
    pub fn content(&mut self) {
        self.empty_records = 0;
    }

    /// Application data with content arrived.
    pub fn application_data(&mut self) {
        self.key_updates = 0;
    }
}

/// Refuses a peer certificate chain with more entries than [`MAX_CHAIN_CERTS`].
pub fn check_chain_len(len: usize) -> Result<()> {
    if len > MAX_CHAIN_CERTS {
        return Err(Error::protocol(
            AlertDescription::BAD_CERTIFICATE,
            Reason::EXCESSIVE_MESSAGE_SIZE,
            format!("the peer's certificate chain has {len} certificates; at most {MAX_CHAIN_CERTS} are accepted"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_records_are_limited_and_content_resets() {
        let mut b = ProgressBudget::default();
        for _ in 0..MAX_EMPTY_RECORDS {
            b.empty_record().unwrap();
        }
        b.content();
        for _ in 0..MAX_EMPTY_RECORDS {
            b.empty_record().unwrap();
        }
        let e = b.empty_record().unwrap_err();
        assert_eq!(e.reason, Reason::RECORD_TOO_SMALL);
        assert_eq!(e.alert, Some(AlertDescription::UNEXPECTED_MESSAGE));
    }

    #[test]
    fn key_updates_are_limited_and_application_data_resets() {
        let mut b = ProgressBudget::default();
        for _ in 0..MAX_KEY_UPDATES {
            b.key_update().unwrap();
        }
        b.content();
        assert!(b.key_update().is_err(), "only application data resets");
        let mut b = ProgressBudget::default();
        for _ in 0..MAX_KEY_UPDATES {
            b.key_update().unwrap();
        }
        b.application_data();
        b.key_update().unwrap();
    }

    #[test]
    fn chain_length_limit() {
        check_chain_len(MAX_CHAIN_CERTS).unwrap();
        let e = check_chain_len(MAX_CHAIN_CERTS + 1).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::BAD_CERTIFICATE));
    }
}

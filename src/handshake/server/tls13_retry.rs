//! What a TLS 1.3 server's HelloRetryRequest asked for, and the checks of the second
//! ClientHello against it and the first (RFC 8446 4.1.2, 4.1.4).

use super::tls13_psk::{find_psk_session, MAX_PSK_IDENTITIES_TRIED};
use crate::config::Config;
use crate::crypto::hash::Transcript;
use crate::error::{Error, Reason, Result};
use crate::msgs::enums::{CipherSuite, ExtensionType, NamedGroup};
use crate::msgs::extensions::{ClientExtension, Extension, KeyShareEntry};
use crate::msgs::handshake::ClientHello;
use crate::suites;

/// What a HelloRetryRequest asked for, to check the second ClientHello against.
pub struct Retry {
    pub(super) transcript: Transcript,
    pub(super) suite: CipherSuite,
    pub(super) group: NamedGroup,
    pub(super) cookie: Vec<u8>,
    pub(super) session_id: Vec<u8>,
    pub(super) ccs_sent: bool,
    /// The PSK identities the first ClientHello offered: the second may only drop some.
    pub(super) psk_identities: Vec<Vec<u8>>,
    /// The first ClientHello's extensions that the second must repeat unchanged, by type.
    pub(super) fixed_extensions: Vec<ClientExtension>,
}

/// What a second ClientHello may change (RFC 8446 4.1.2): key_share (the one share the retry
/// asked for), cookie (added), early_data (removed), pre_shared_key (ages, binders, dropped
/// identities) and padding. These are checked on their own; every other extension must come
/// back unchanged.
fn may_change_after_retry(typ: ExtensionType) -> bool {
    matches!(
        typ,
        ExtensionType::KEY_SHARE
            | ExtensionType::COOKIE
            | ExtensionType::EARLY_DATA
            | ExtensionType::PRE_SHARED_KEY
            | ExtensionType::PADDING
    )
}

/// A ClientHello's extensions that a second ClientHello must repeat, sorted by type (types are
/// unique: the decoder refuses repeats).
pub(super) fn fixed_extensions(ch: &ClientHello) -> Vec<ClientExtension> {
    let mut fixed: Vec<ClientExtension> = ch
        .extensions
        .iter()
        .filter(|e| !may_change_after_retry(e.ext_type()))
        .cloned()
        .collect();
    fixed.sort_by_key(|e| e.ext_type());
    fixed
}

/// RFC 8446 4.1.2: the first extension type whose presence or contents differ between the two
/// ClientHellos' fixed extensions (both sorted by type), or `None`. Anything the server decided on the first
/// ClientHello (the server name callback and the context it chose, ALPN, certificate, groups)
/// thus still holds for the second.
pub(super) fn changed_extension(
    first: &[ClientExtension],
    second: &[ClientExtension],
) -> Option<ExtensionType> {
    let mut a = first.iter().peekable();
    let mut b = second.iter().peekable();
    loop {
        match (a.peek(), b.peek()) {
            (None, None) => return None,
            (Some(x), None) => return Some(x.ext_type()),
            (None, Some(y)) => return Some(y.ext_type()),
            (Some(x), Some(y)) if x.ext_type() != y.ext_type() => {
                return Some(x.ext_type().min(y.ext_type()))
            }
            (Some(x), Some(y)) if x != y => return Some(x.ext_type()),
            _ => {
                a.next();
                b.next();
            }
        }
    }
}

/// RFC 8446 4.1.2: the second ClientHello must answer the retry and otherwise stay the same.
pub(super) fn check_second_client_hello(
    config: &Config,
    r: &Retry,
    ch: &ClientHello,
    suite: CipherSuite,
    shares: &[KeyShareEntry],
) -> Result<()> {
    if shares.len() != 1 || shares[0].group != r.group {
        return Err(Error::illegal(
            Reason::BAD_KEY_SHARE,
            format!(
                "the second ClientHello must carry exactly one key share, for {}",
                r.group
            ),
        ));
    }
    if ch.cookie() != Some(r.cookie.as_slice()) {
        return Err(Error::illegal(
            Reason::BAD_PACKET,
            "the second ClientHello did not echo our cookie",
        ));
    }
    if suite != r.suite {
        return Err(Error::illegal(
            Reason::BAD_CIPHER,
            "the second ClientHello changed the negotiable cipher suite",
        ));
    }
    if ch.legacy_session_id != r.session_id {
        return Err(Error::illegal(
            Reason::BAD_PACKET,
            "the second ClientHello changed legacy_session_id",
        ));
    }
    if ch.has(ExtensionType::EARLY_DATA) {
        return Err(Error::illegal(
            Reason::BAD_EXTENSION,
            "early_data offered after a HelloRetryRequest",
        ));
    }
    // Only the ages and binders of the PSKs may change, and only PSKs the retry's suite
    // cannot use may go.
    match ch.psk() {
        Some(offer) => {
            let first: std::collections::HashSet<&[u8]> =
                r.psk_identities.iter().map(Vec::as_slice).collect();
            if let Some(new) = offer
                .identities
                .iter()
                .find(|i| !first.contains(i.identity.as_slice()))
            {
                return Err(Error::illegal(
                    Reason::BAD_PSK,
                    format!(
                        "the second ClientHello offers a PSK identity ({} bytes) the first did not",
                        new.identity.len()
                    ),
                ));
            }
        }
        // Looked up only now, in this rare case, so that ticket and session callbacks run
        // once per ClientHello as usual.
        None if usable_psk_dropped(config, r) => {
            return Err(Error::illegal(
                Reason::BAD_PSK,
                "the second ClientHello dropped a PSK the retry's cipher suite can use",
            ));
        }
        None => {}
    }
    Ok(())
}

/// Whether a PSK of the first ClientHello is a session of ours that the retry's suite can
/// use: RFC 8446 4.1.2 lets the second ClientHello drop only PSKs incompatible with it.
fn usable_psk_dropped(config: &Config, r: &Retry) -> bool {
    let Some(retry_hash) = suites::lookup(r.suite).map(|s| s.hash) else {
        return false;
    };
    let now = crate::session::now_ms();
    r.psk_identities
        .iter()
        .take(MAX_PSK_IDENTITIES_TRIED)
        .filter_map(|identity| {
            find_psk_session(config, identity, now, false, &mut true)
                .ok()
                .flatten()
        })
        .any(|(session, _)| {
            session.is_tls13()
                && suites::lookup(session.suite).is_some_and(|s| s.hash == retry_hash)
        })
}

//! OpenSSL's handshake state machine view: `SSL_get_state` and the state strings.
//!
//! libtls's states name what they wait for; OpenSSL's name the last step taken (the message
//! written or read). The core records that last step, and this module turns it into OpenSSL's
//! `OSSL_HANDSHAKE_STATE` number and its short and long names, so the three calls and the info
//! callback always agree.

use super::ssl::SSL;
use super::with_ref;
use crate::conn::Role;
use crate::events::HandshakeStep;
use crate::msgs::enums::ProtocolVersion;
use std::ffi::{c_char, c_int, CStr};

/// OpenSSL's `OSSL_HANDSHAKE_STATE` (an enum there; the values are the same).
pub type OSSL_HANDSHAKE_STATE = c_int;

pub const TLS_ST_BEFORE: OSSL_HANDSHAKE_STATE = 0;
pub const TLS_ST_OK: OSSL_HANDSHAKE_STATE = 1;
pub const TLS_ST_CR_SRVR_HELLO: OSSL_HANDSHAKE_STATE = 3;
pub const TLS_ST_CR_CERT: OSSL_HANDSHAKE_STATE = 4;
pub const TLS_ST_CR_KEY_EXCH: OSSL_HANDSHAKE_STATE = 6;
pub const TLS_ST_CR_CERT_REQ: OSSL_HANDSHAKE_STATE = 7;
pub const TLS_ST_CR_SRVR_DONE: OSSL_HANDSHAKE_STATE = 8;
pub const TLS_ST_CR_SESSION_TICKET: OSSL_HANDSHAKE_STATE = 9;
pub const TLS_ST_CR_CHANGE: OSSL_HANDSHAKE_STATE = 10;
pub const TLS_ST_CR_FINISHED: OSSL_HANDSHAKE_STATE = 11;
pub const TLS_ST_CW_CLNT_HELLO: OSSL_HANDSHAKE_STATE = 12;
pub const TLS_ST_CW_CERT: OSSL_HANDSHAKE_STATE = 13;
pub const TLS_ST_CW_KEY_EXCH: OSSL_HANDSHAKE_STATE = 14;
pub const TLS_ST_CW_CERT_VRFY: OSSL_HANDSHAKE_STATE = 15;
pub const TLS_ST_CW_CHANGE: OSSL_HANDSHAKE_STATE = 16;
pub const TLS_ST_CW_FINISHED: OSSL_HANDSHAKE_STATE = 18;
pub const TLS_ST_SW_HELLO_REQ: OSSL_HANDSHAKE_STATE = 19;
pub const TLS_ST_SR_CLNT_HELLO: OSSL_HANDSHAKE_STATE = 20;
pub const TLS_ST_SW_SRVR_HELLO: OSSL_HANDSHAKE_STATE = 22;
pub const TLS_ST_SW_CERT: OSSL_HANDSHAKE_STATE = 23;
pub const TLS_ST_SW_KEY_EXCH: OSSL_HANDSHAKE_STATE = 24;
pub const TLS_ST_SW_CERT_REQ: OSSL_HANDSHAKE_STATE = 25;
pub const TLS_ST_SW_SRVR_DONE: OSSL_HANDSHAKE_STATE = 26;
pub const TLS_ST_SR_CERT: OSSL_HANDSHAKE_STATE = 27;
pub const TLS_ST_SR_KEY_EXCH: OSSL_HANDSHAKE_STATE = 28;
pub const TLS_ST_SR_CERT_VRFY: OSSL_HANDSHAKE_STATE = 29;
pub const TLS_ST_SR_CHANGE: OSSL_HANDSHAKE_STATE = 31;
pub const TLS_ST_SR_FINISHED: OSSL_HANDSHAKE_STATE = 32;
pub const TLS_ST_SW_SESSION_TICKET: OSSL_HANDSHAKE_STATE = 33;
pub const TLS_ST_SW_CHANGE: OSSL_HANDSHAKE_STATE = 35;
pub const TLS_ST_SW_FINISHED: OSSL_HANDSHAKE_STATE = 36;
pub const TLS_ST_SW_ENCRYPTED_EXTENSIONS: OSSL_HANDSHAKE_STATE = 37;
pub const TLS_ST_CR_ENCRYPTED_EXTENSIONS: OSSL_HANDSHAKE_STATE = 38;
pub const TLS_ST_CR_CERT_VRFY: OSSL_HANDSHAKE_STATE = 39;
pub const TLS_ST_SW_CERT_VRFY: OSSL_HANDSHAKE_STATE = 40;
pub const TLS_ST_CR_HELLO_REQ: OSSL_HANDSHAKE_STATE = 41;
pub const TLS_ST_SW_KEY_UPDATE: OSSL_HANDSHAKE_STATE = 42;
pub const TLS_ST_CW_KEY_UPDATE: OSSL_HANDSHAKE_STATE = 43;
pub const TLS_ST_SR_KEY_UPDATE: OSSL_HANDSHAKE_STATE = 44;
pub const TLS_ST_CR_KEY_UPDATE: OSSL_HANDSHAKE_STATE = 45;
pub const TLS_ST_EARLY_DATA: OSSL_HANDSHAKE_STATE = 46;
/// Not OpenSSL's: a step with no state on this side (a message this side never sends or
/// receives). Named "UNKWN" / "unknown state"; `SSL_get_state` never reports it.
pub(crate) const TLS_ST_UNKNOWN: OSSL_HANDSHAKE_STATE = -1;

/// Each state libtls can be in: its number, which side takes that step (None: both), its
/// short name (`SSL_state_string`) and its long one (`SSL_state_string_long`).
const STATES: &[(OSSL_HANDSHAKE_STATE, Option<Role>, &CStr, &CStr)] = {
    use Role::{Client as C, Server as S};
    &[
        (TLS_ST_BEFORE, None, c"PINIT", c"before SSL initialization"),
        (
            TLS_ST_OK,
            None,
            c"SSLOK",
            c"SSL negotiation finished successfully",
        ),
        (
            TLS_ST_CW_CLNT_HELLO,
            Some(C),
            c"TWCH",
            c"SSLv3/TLS write client hello",
        ),
        (
            TLS_ST_SR_CLNT_HELLO,
            Some(S),
            c"TRCH",
            c"SSLv3/TLS read client hello",
        ),
        (
            TLS_ST_SW_SRVR_HELLO,
            Some(S),
            c"TWSH",
            c"SSLv3/TLS write server hello",
        ),
        (
            TLS_ST_CR_SRVR_HELLO,
            Some(C),
            c"TRSH",
            c"SSLv3/TLS read server hello",
        ),
        (
            TLS_ST_SW_ENCRYPTED_EXTENSIONS,
            Some(S),
            c"TWEE",
            c"TLSv1.3 write encrypted extensions",
        ),
        (
            TLS_ST_CR_ENCRYPTED_EXTENSIONS,
            Some(C),
            c"TREE",
            c"TLSv1.3 read encrypted extensions",
        ),
        (
            TLS_ST_SW_CERT,
            Some(S),
            c"TWSC",
            c"SSLv3/TLS write certificate",
        ),
        (
            TLS_ST_CR_CERT,
            Some(C),
            c"TRSC",
            c"SSLv3/TLS read server certificate",
        ),
        (
            TLS_ST_CW_CERT,
            Some(C),
            c"TWCC",
            c"SSLv3/TLS write client certificate",
        ),
        (
            TLS_ST_SR_CERT,
            Some(S),
            c"TRCC",
            c"SSLv3/TLS read client certificate",
        ),
        (
            TLS_ST_SW_KEY_EXCH,
            Some(S),
            c"TWSKE",
            c"SSLv3/TLS write key exchange",
        ),
        (
            TLS_ST_CR_KEY_EXCH,
            Some(C),
            c"TRSKE",
            c"SSLv3/TLS read server key exchange",
        ),
        (
            TLS_ST_SW_CERT_REQ,
            Some(S),
            c"TWCR",
            c"SSLv3/TLS write certificate request",
        ),
        (
            TLS_ST_CR_CERT_REQ,
            Some(C),
            c"TRCR",
            c"SSLv3/TLS read server certificate request",
        ),
        (
            TLS_ST_SW_SRVR_DONE,
            Some(S),
            c"TWSD",
            c"SSLv3/TLS write server done",
        ),
        (
            TLS_ST_CR_SRVR_DONE,
            Some(C),
            c"TRSD",
            c"SSLv3/TLS read server done",
        ),
        (
            TLS_ST_CW_KEY_EXCH,
            Some(C),
            c"TWCKE",
            c"SSLv3/TLS write client key exchange",
        ),
        (
            TLS_ST_SR_KEY_EXCH,
            Some(S),
            c"TRCKE",
            c"SSLv3/TLS read client key exchange",
        ),
        (
            TLS_ST_SW_CERT_VRFY,
            Some(S),
            c"TWSCV",
            c"TLSv1.3 write server certificate verify",
        ),
        (
            TLS_ST_CR_CERT_VRFY,
            Some(C),
            c"TRSCV",
            c"TLSv1.3 read server certificate verify",
        ),
        (
            TLS_ST_CW_CERT_VRFY,
            Some(C),
            c"TWCV",
            c"SSLv3/TLS write certificate verify",
        ),
        (
            TLS_ST_SR_CERT_VRFY,
            Some(S),
            c"TRCV",
            c"SSLv3/TLS read certificate verify",
        ),
        (
            TLS_ST_CW_CHANGE,
            Some(C),
            c"TWCCS",
            c"SSLv3/TLS write change cipher spec",
        ),
        (
            TLS_ST_SW_CHANGE,
            Some(S),
            c"TWCCS",
            c"SSLv3/TLS write change cipher spec",
        ),
        (
            TLS_ST_CR_CHANGE,
            Some(C),
            c"TRCCS",
            c"SSLv3/TLS read change cipher spec",
        ),
        (
            TLS_ST_SR_CHANGE,
            Some(S),
            c"TRCCS",
            c"SSLv3/TLS read change cipher spec",
        ),
        (
            TLS_ST_CW_FINISHED,
            Some(C),
            c"TWFIN",
            c"SSLv3/TLS write finished",
        ),
        (
            TLS_ST_SW_FINISHED,
            Some(S),
            c"TWFIN",
            c"SSLv3/TLS write finished",
        ),
        (
            TLS_ST_CR_FINISHED,
            Some(C),
            c"TRFIN",
            c"SSLv3/TLS read finished",
        ),
        (
            TLS_ST_SR_FINISHED,
            Some(S),
            c"TRFIN",
            c"SSLv3/TLS read finished",
        ),
        (
            TLS_ST_SW_SESSION_TICKET,
            Some(S),
            c"TWST",
            c"SSLv3/TLS write session ticket",
        ),
        (
            TLS_ST_CR_SESSION_TICKET,
            Some(C),
            c"TRST",
            c"SSLv3/TLS read server session ticket",
        ),
        (
            TLS_ST_SW_HELLO_REQ,
            Some(S),
            c"TWHR",
            c"SSLv3/TLS write hello request",
        ),
        (
            TLS_ST_CR_HELLO_REQ,
            Some(C),
            c"TRHR",
            c"SSLv3/TLS read hello request",
        ),
        (
            TLS_ST_CW_KEY_UPDATE,
            Some(C),
            c"TWCKU",
            c"TLSv1.3 write client key update",
        ),
        (
            TLS_ST_SW_KEY_UPDATE,
            Some(S),
            c"TWSKU",
            c"TLSv1.3 write server key update",
        ),
        (
            TLS_ST_CR_KEY_UPDATE,
            Some(C),
            c"TRSKU",
            c"TLSv1.3 read server key update",
        ),
        (
            TLS_ST_SR_KEY_UPDATE,
            Some(S),
            c"TRCKU",
            c"TLSv1.3 read client key update",
        ),
        (TLS_ST_EARLY_DATA, Some(S), c"TED", c"TLSv1.3 early data"),
    ]
};

/// The state a handshake step leaves `role` in: the one table from the core's steps to
/// OpenSSL's `TLS_ST_*` numbers (whose names `STATES` holds). `None` for a message this side
/// never sends or receives.
pub(crate) fn state_of_step(role: Role, step: HandshakeStep) -> Option<OSSL_HANDSHAKE_STATE> {
    use crate::msgs::enums::HandshakeType as H;
    let client = role == Role::Client;
    let Some(typ) = step.typ else {
        // A ChangeCipherSpec.
        return Some(match (client, step.sent) {
            (true, true) => TLS_ST_CW_CHANGE,
            (false, true) => TLS_ST_SW_CHANGE,
            (true, false) => TLS_ST_CR_CHANGE,
            (false, false) => TLS_ST_SR_CHANGE,
        });
    };
    // A CompressedCertificate (RFC 8879) stands in for the Certificate: OpenSSL 3.0's states
    // have no number of their own for it.
    let typ = match typ {
        H::COMPRESSED_CERTIFICATE => H::CERTIFICATE,
        other => other,
    };
    Some(match (client, step.sent, typ) {
        (true, true, H::CLIENT_HELLO) => TLS_ST_CW_CLNT_HELLO,
        (false, false, H::CLIENT_HELLO) => TLS_ST_SR_CLNT_HELLO,
        (false, true, H::SERVER_HELLO) => TLS_ST_SW_SRVR_HELLO,
        (true, false, H::SERVER_HELLO) => TLS_ST_CR_SRVR_HELLO,
        (false, true, H::ENCRYPTED_EXTENSIONS) => TLS_ST_SW_ENCRYPTED_EXTENSIONS,
        (true, false, H::ENCRYPTED_EXTENSIONS) => TLS_ST_CR_ENCRYPTED_EXTENSIONS,
        (false, true, H::CERTIFICATE) => TLS_ST_SW_CERT,
        (true, false, H::CERTIFICATE) => TLS_ST_CR_CERT,
        (true, true, H::CERTIFICATE) => TLS_ST_CW_CERT,
        (false, false, H::CERTIFICATE) => TLS_ST_SR_CERT,
        (false, true, H::SERVER_KEY_EXCHANGE) => TLS_ST_SW_KEY_EXCH,
        (true, false, H::SERVER_KEY_EXCHANGE) => TLS_ST_CR_KEY_EXCH,
        (false, true, H::CERTIFICATE_REQUEST) => TLS_ST_SW_CERT_REQ,
        (true, false, H::CERTIFICATE_REQUEST) => TLS_ST_CR_CERT_REQ,
        (false, true, H::SERVER_HELLO_DONE) => TLS_ST_SW_SRVR_DONE,
        (true, false, H::SERVER_HELLO_DONE) => TLS_ST_CR_SRVR_DONE,
        (true, true, H::CLIENT_KEY_EXCHANGE) => TLS_ST_CW_KEY_EXCH,
        (false, false, H::CLIENT_KEY_EXCHANGE) => TLS_ST_SR_KEY_EXCH,
        (false, true, H::CERTIFICATE_VERIFY) => TLS_ST_SW_CERT_VRFY,
        (true, false, H::CERTIFICATE_VERIFY) => TLS_ST_CR_CERT_VRFY,
        (true, true, H::CERTIFICATE_VERIFY) => TLS_ST_CW_CERT_VRFY,
        (false, false, H::CERTIFICATE_VERIFY) => TLS_ST_SR_CERT_VRFY,
        (true, true, H::FINISHED) => TLS_ST_CW_FINISHED,
        (false, true, H::FINISHED) => TLS_ST_SW_FINISHED,
        (true, false, H::FINISHED) => TLS_ST_CR_FINISHED,
        (false, false, H::FINISHED) => TLS_ST_SR_FINISHED,
        (false, true, H::NEW_SESSION_TICKET) => TLS_ST_SW_SESSION_TICKET,
        (true, false, H::NEW_SESSION_TICKET) => TLS_ST_CR_SESSION_TICKET,
        (false, true, H::HELLO_REQUEST) => TLS_ST_SW_HELLO_REQ,
        (true, false, H::HELLO_REQUEST) => TLS_ST_CR_HELLO_REQ,
        (true, true, H::KEY_UPDATE) => TLS_ST_CW_KEY_UPDATE,
        (false, true, H::KEY_UPDATE) => TLS_ST_SW_KEY_UPDATE,
        (true, false, H::KEY_UPDATE) => TLS_ST_CR_KEY_UPDATE,
        (false, false, H::KEY_UPDATE) => TLS_ST_SR_KEY_UPDATE,
        _ => return None,
    })
}

/// OpenSSL's short and long names (`SSL_state_string`, `SSL_state_string_long`) of `state`.
fn names_of(state: OSSL_HANDSHAKE_STATE) -> (&'static CStr, &'static CStr) {
    STATES
        .iter()
        .find(|(s, ..)| *s == state)
        .map_or((c"UNKWN", c"unknown state"), |(_, _, short, long)| {
            (*short, *long)
        })
}

impl SSL {
    /// OpenSSL's view: before anything happened, after the handshake, or the last step taken.
    /// Inside an info callback, the step the callback reports.
    pub(crate) fn handshake_state(&self) -> OSSL_HANDSHAKE_STATE {
        let Some(conn) = self.connection() else {
            return TLS_ST_BEFORE;
        };
        if let Some(reported) = self.observers.callback_state {
            if reported != TLS_ST_UNKNOWN {
                return reported;
            }
        }
        if !conn.is_handshaking() {
            return TLS_ST_OK;
        }
        let state = conn
            .last_step()
            .and_then(|step| state_of_step(conn.role(), step))
            .unwrap_or(TLS_ST_BEFORE);
        // OpenSSL's TLS 1.3 server, its flight sent, waits for the client's in the state where
        // early data could arrive, with or without 0-RTT.
        let tls13 = conn.negotiated().version == Some(ProtocolVersion::TLSV1_3);
        if state == TLS_ST_SW_FINISHED && tls13 {
            return TLS_ST_EARLY_DATA;
        }
        state
    }
}

/// OpenSSL's `SSL_get_state`: `TLS_ST_BEFORE` until the first handshake step, `TLS_ST_OK`
/// once the handshake is done, in between the last message (or ChangeCipherSpec) written or
/// read, e.g. `TLS_ST_CW_CLNT_HELLO` while a client waits for the ServerHello.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_state(ssl: *const SSL) -> OSSL_HANDSHAKE_STATE {
    with_ref(ssl, TLS_ST_BEFORE, |s| s.handshake_state())
}

/// 1 before the first handshake step (`SSL_get_state` is `TLS_ST_BEFORE`).
#[no_mangle]
pub unsafe extern "C" fn SSL_in_before(ssl: *const SSL) -> c_int {
    with_ref(ssl, 0, |s| (s.handshake_state() == TLS_ST_BEFORE) as c_int)
}

/// OpenSSL's short code of the `SSL_get_state` state ("PINIT", "TWCH", "SSLOK", ...).
#[no_mangle]
pub unsafe extern "C" fn SSL_state_string(ssl: *const SSL) -> *const c_char {
    with_ref(ssl, c"UNKWN".as_ptr(), |s| {
        names_of(s.handshake_state()).0.as_ptr()
    })
}

/// OpenSSL's text for the `SSL_get_state` state ("SSLv3/TLS write client hello", ...).
#[no_mangle]
pub unsafe extern "C" fn SSL_state_string_long(ssl: *const SSL) -> *const c_char {
    with_ref(ssl, c"unknown state".as_ptr(), |s| {
        names_of(s.handshake_state()).1.as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::enums::HandshakeType as H;

    /// OpenSSL's `SSL_state_string_long` text for each step, as OpenSSL 3.0's info callback reports
    /// it: the reference the table above is checked against.
    fn openssl_state(role: Role, sent: bool, typ: H) -> &'static str {
        let client = role == Role::Client;
        // A CompressedCertificate (RFC 8879) stands in for the Certificate: OpenSSL 3.0's states
        // have no name of their own for it.
        let typ = match typ {
            H::COMPRESSED_CERTIFICATE => H::CERTIFICATE,
            other => other,
        };
        match (client, sent, typ) {
            (true, true, H::CLIENT_HELLO) => "SSLv3/TLS write client hello",
            (false, false, H::CLIENT_HELLO) => "SSLv3/TLS read client hello",
            (false, true, H::SERVER_HELLO) => "SSLv3/TLS write server hello",
            (true, false, H::SERVER_HELLO) => "SSLv3/TLS read server hello",
            (false, true, H::ENCRYPTED_EXTENSIONS) => "TLSv1.3 write encrypted extensions",
            (true, false, H::ENCRYPTED_EXTENSIONS) => "TLSv1.3 read encrypted extensions",
            (false, true, H::CERTIFICATE) => "SSLv3/TLS write certificate",
            (true, false, H::CERTIFICATE) => "SSLv3/TLS read server certificate",
            (true, true, H::CERTIFICATE) => "SSLv3/TLS write client certificate",
            (false, false, H::CERTIFICATE) => "SSLv3/TLS read client certificate",
            (false, true, H::SERVER_KEY_EXCHANGE) => "SSLv3/TLS write key exchange",
            (true, false, H::SERVER_KEY_EXCHANGE) => "SSLv3/TLS read server key exchange",
            (false, true, H::CERTIFICATE_REQUEST) => "SSLv3/TLS write certificate request",
            (true, false, H::CERTIFICATE_REQUEST) => "SSLv3/TLS read server certificate request",
            (false, true, H::SERVER_HELLO_DONE) => "SSLv3/TLS write server done",
            (true, false, H::SERVER_HELLO_DONE) => "SSLv3/TLS read server done",
            (true, true, H::CLIENT_KEY_EXCHANGE) => "SSLv3/TLS write client key exchange",
            (false, false, H::CLIENT_KEY_EXCHANGE) => "SSLv3/TLS read client key exchange",
            (false, true, H::CERTIFICATE_VERIFY) => "TLSv1.3 write server certificate verify",
            (true, false, H::CERTIFICATE_VERIFY) => "TLSv1.3 read server certificate verify",
            (true, true, H::CERTIFICATE_VERIFY) => "SSLv3/TLS write certificate verify",
            (false, false, H::CERTIFICATE_VERIFY) => "SSLv3/TLS read certificate verify",
            (_, true, H::FINISHED) => "SSLv3/TLS write finished",
            (_, false, H::FINISHED) => "SSLv3/TLS read finished",
            (false, true, H::NEW_SESSION_TICKET) => "SSLv3/TLS write session ticket",
            (true, false, H::NEW_SESSION_TICKET) => "SSLv3/TLS read server session ticket",
            (false, true, H::HELLO_REQUEST) => "SSLv3/TLS write hello request",
            (true, false, H::HELLO_REQUEST) => "SSLv3/TLS read hello request",
            (true, true, H::KEY_UPDATE) => "TLSv1.3 write client key update",
            (false, true, H::KEY_UPDATE) => "TLSv1.3 write server key update",
            (true, false, H::KEY_UPDATE) => "TLSv1.3 read server key update",
            (false, false, H::KEY_UPDATE) => "TLSv1.3 read client key update",
            _ => "unknown state",
        }
    }

    fn long_name(role: Role, step: HandshakeStep) -> &'static str {
        match (step.typ, step.sent) {
            (Some(typ), sent) => openssl_state(role, sent, typ),
            (None, true) => "SSLv3/TLS write change cipher spec",
            (None, false) => "SSLv3/TLS read change cipher spec",
        }
    }

    /// The state whose long name is `long_name` on `role`'s side.
    fn state_named(role: Role, long_name: &str) -> Option<OSSL_HANDSHAKE_STATE> {
        STATES
            .iter()
            .find(|(_, side, _, long)| {
                side.is_none_or(|side| side == role) && long.to_bytes() == long_name.as_bytes()
            })
            .map(|(state, ..)| *state)
    }

    #[test]
    fn every_step_the_core_names_has_a_state_on_the_side_that_takes_it() {
        let types = [
            H::HELLO_REQUEST,
            H::CLIENT_HELLO,
            H::SERVER_HELLO,
            H::NEW_SESSION_TICKET,
            H::ENCRYPTED_EXTENSIONS,
            H::CERTIFICATE,
            H::SERVER_KEY_EXCHANGE,
            H::CERTIFICATE_REQUEST,
            H::SERVER_HELLO_DONE,
            H::CERTIFICATE_VERIFY,
            H::CLIENT_KEY_EXCHANGE,
            H::FINISHED,
            H::KEY_UPDATE,
            H::COMPRESSED_CERTIFICATE,
        ];
        for role in [Role::Client, Role::Server] {
            for sent in [true, false] {
                for typ in types.iter().map(|t| Some(*t)).chain([None]) {
                    let step = HandshakeStep { sent, typ };
                    let name = long_name(role, step);
                    if name == "unknown state" {
                        // a message this side never sends or receives
                        assert_eq!(state_of_step(role, step), None, "{role:?} {step:?}");
                        continue;
                    }
                    let state = state_of_step(role, step).unwrap();
                    assert_ne!(state, TLS_ST_BEFORE, "{role:?} {step:?} ({name})");
                    assert_eq!(names_of(state).1.to_str().unwrap(), name);
                    assert_eq!(state_named(role, name), Some(state), "{role:?} {step:?}");
                }
            }
        }
    }

    #[test]
    fn the_two_sides_of_one_message_are_different_states() {
        let finished = HandshakeStep {
            sent: true,
            typ: Some(H::FINISHED),
        };
        assert_eq!(
            state_of_step(Role::Client, finished),
            Some(TLS_ST_CW_FINISHED)
        );
        assert_eq!(
            state_of_step(Role::Server, finished),
            Some(TLS_ST_SW_FINISHED)
        );
        let hello = HandshakeStep {
            sent: true,
            typ: Some(H::CLIENT_HELLO),
        };
        assert_eq!(
            state_of_step(Role::Client, hello),
            Some(TLS_ST_CW_CLNT_HELLO)
        );
        assert_eq!(names_of(TLS_ST_CW_CLNT_HELLO).0, c"TWCH");
    }
}

//! OpenSSL's handshake state machine view: `SSL_get_state` and the state strings.
//!
//! libtls's states name what they wait for; OpenSSL's name the last step taken (the message
//! written or read). The core records that last step, and this module turns it into OpenSSL's
//! `OSSL_HANDSHAKE_STATE` number and its short and long names, so the three calls and the info
//! callback always agree.

use super::ssl::SSL;
use super::with_ref;
use crate::conn::Role;
use crate::events::{HandshakeStep, STATE_BEFORE, STATE_DONE};
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

/// The state a handshake step leaves `role` in, found by the step's long name (the text the
/// info callback reports for it, so the two cannot drift apart).
fn state_of_step(role: Role, step: HandshakeStep) -> OSSL_HANDSHAKE_STATE {
    state_named(role, step.openssl_name(role)).unwrap_or(TLS_ST_BEFORE)
}

fn state_named(role: Role, long_name: &str) -> Option<OSSL_HANDSHAKE_STATE> {
    STATES
        .iter()
        .find(|(_, side, _, long)| {
            side.is_none_or(|side| side == role) && long.to_bytes() == long_name.as_bytes()
        })
        .map(|(state, ..)| *state)
}

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
            if reported == STATE_DONE {
                return TLS_ST_OK;
            }
            if reported == STATE_BEFORE {
                return TLS_ST_BEFORE;
            }
            if let Some(state) = state_named(conn.role(), reported) {
                return state;
            }
        }
        if !conn.is_handshaking() {
            return TLS_ST_OK;
        }
        let state = conn
            .last_step()
            .map_or(TLS_ST_BEFORE, |step| state_of_step(conn.role(), step));
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
        ];
        for role in [Role::Client, Role::Server] {
            for sent in [true, false] {
                for typ in types.iter().map(|t| Some(*t)).chain([None]) {
                    let step = HandshakeStep { sent, typ };
                    let name = step.openssl_name(role);
                    if name == "unknown state" {
                        continue; // a message this side never sends or receives
                    }
                    let state = state_of_step(role, step);
                    assert_ne!(state, TLS_ST_BEFORE, "{role:?} {step:?} ({name})");
                    assert_eq!(names_of(state).1.to_str().unwrap(), name);
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
        assert_eq!(state_of_step(Role::Client, finished), TLS_ST_CW_FINISHED);
        assert_eq!(state_of_step(Role::Server, finished), TLS_ST_SW_FINISHED);
        let hello = HandshakeStep {
            sent: true,
            typ: Some(H::CLIENT_HELLO),
        };
        assert_eq!(state_of_step(Role::Client, hello), TLS_ST_CW_CLNT_HELLO);
        assert_eq!(names_of(TLS_ST_CW_CLNT_HELLO).0, c"TWCH");
    }
}

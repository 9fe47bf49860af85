//! OCSP stapling (RFC 6066 8; TLS 1.3: RFC 8446 4.4.2.1). A client asks with status_request;
//! a server that has a response for its certificate sends it in a TLS 1.2 CertificateStatus
//! message (after acknowledging the extension in its ServerHello) or, in TLS 1.3, in the
//! leaf's CertificateEntry. The response is opaque here: what it says is for the application's
//! status callback (OpenSSL's model), which libtls's CLI and C API reach through aws-lc's
//! `OCSP_*` functions.

use crate::config::{StapleDecision, StatusVerdict};
use crate::error::{Error, Reason, Result};
use crate::handshake::common::Common;
use crate::msgs::enums::AlertDescription;
use crate::msgs::handshake::ClientHello;

/// The largest OCSP response a handshake can carry (`OCSPResponse<1..2^24-1>`).
pub const MAX_OCSP_RESPONSE_LEN: usize = (1 << 24) - 1;

/// The largest a TLS 1.3 CertificateEntry can carry: its extension block has a 16-bit length,
/// which holds the extension's type and length (4 bytes), the status type (1) and the
/// response's 24-bit length (3).
pub const MAX_OCSP_RESPONSE_LEN_TLS13: usize = 0xffff - 8;

/// A server on a full handshake (a certificate will be sent): records whether the client asked
/// for an OCSP response and, if it did, asks the status callback for one. Returns the response
/// to staple. As in OpenSSL, nothing is stapled without a callback, and a failing callback ends
/// the handshake with `internal_error`.
pub fn server_staple(cx: &mut Common, ch: &ClientHello, tls13: bool) -> Result<Option<Vec<u8>>> {
    cx.info.ocsp_requested = ch.requests_ocsp();
    let Some(callback) = cx.config.staple.clone().filter(|_| cx.info.ocsp_requested) else {
        return Ok(None);
    };
    match callback() {
        StapleDecision::Staple(response) if !response.is_empty() => {
            let (max, version) = if tls13 {
                (MAX_OCSP_RESPONSE_LEN_TLS13, "TLS 1.3")
            } else {
                (MAX_OCSP_RESPONSE_LEN, "TLS 1.2")
            };
            if response.len() > max {
                return Err(Error::protocol(
                    AlertDescription::INTERNAL_ERROR,
                    Reason::DATA_LENGTH_TOO_LONG,
                    format!(
                        "the OCSP response to staple has {} bytes; {version} carries at most \
                         {max}",
                        response.len()
                    ),
                ));
            }
            cx.info.ocsp_response = Some(response.clone());
            Ok(Some(response))
        }
        // An empty response cannot be sent (RFC 6066 8): nothing is stapled.
        StapleDecision::Staple(_) | StapleDecision::NoAck => Ok(None),
        StapleDecision::Fatal => Err(Error::protocol(
            AlertDescription::INTERNAL_ERROR,
            Reason::CLIENTHELLO_TLSEXT,
            "the OCSP status callback failed",
        )),
    }
}

/// A client that asked for stapling, once the server's certificate and its signature are
/// verified: hands the stapled response (`cx.info.ocsp_response`, if any) to the status check.
/// A rejection is `bad_certificate_status_response` (RFC 6066 8).
pub fn client_check(cx: &mut Common) -> Result<()> {
    let Some(check) = cx
        .config
        .status_check
        .clone()
        .filter(|_| cx.info.ocsp_requested)
    else {
        return Ok(());
    };
    match check(cx.info.ocsp_response.as_deref()) {
        StatusVerdict::Accept => Ok(()),
        StatusVerdict::Reject(why) => Err(Error::protocol(
            AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE,
            Reason::INVALID_STATUS_RESPONSE,
            why,
        )),
        StatusVerdict::Failed => Err(Error::protocol(
            AlertDescription::INTERNAL_ERROR,
            Reason::CALLBACK_FAILED,
            "the OCSP status callback failed",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, StapleCallback, StatusCheckCallback};
    use crate::handshake::client::tls12::test_pair::*;
    use crate::msgs::enums::ProtocolVersion;
    use crate::msgs::extensions::ClientExtension;
    use crate::msgs::handshake::HandshakeMessage;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    const RESPONSE: &[u8] = &[0x30, 0x03, 0x0a, 0x01, 0x00];

    fn stapling_server(decision: StapleDecision, calls: Arc<AtomicUsize>) -> Config {
        let mut c = server_config(&["server-ecdsa-p256"]);
        let staple: StapleCallback = Arc::new(move || {
            calls.fetch_add(1, Ordering::SeqCst);
            decision.clone()
        });
        c.staple = Some(staple);
        c
    }

    /// A client of `version` asking for stapling (when `request`), whose status check records
    /// what it saw and answers `verdict`.
    fn checking_client(
        version: ProtocolVersion,
        request: bool,
        verdict: StatusVerdict,
        seen: Arc<Mutex<Vec<Option<Vec<u8>>>>>,
    ) -> Config {
        let mut c = client_config();
        c.max_version = version;
        c.request_ocsp = request;
        let check: StatusCheckCallback = Arc::new(move |r: Option<&[u8]>| {
            seen.lock().unwrap().push(r.map(<[u8]>::to_vec));
            verdict.clone()
        });
        c.status_check = Some(check);
        c
    }

    const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::TLSV1_2, ProtocolVersion::TLSV1_3];

    #[test]
    fn a_requested_response_is_stapled_in_both_versions() {
        for version in VERSIONS {
            let calls = Arc::new(AtomicUsize::new(0));
            let seen = Arc::new(Mutex::new(Vec::new()));
            let mut client = new_client(checking_client(
                version,
                true,
                StatusVerdict::Accept,
                seen.clone(),
            ));
            let mut server = new_server(stapling_server(
                StapleDecision::Staple(RESPONSE.to_vec()),
                calls.clone(),
            ));
            run(&mut client, &mut server).unwrap();
            assert_eq!(client.negotiated().version, Some(version));
            assert_eq!(client.negotiated().ocsp_response.as_deref(), Some(RESPONSE));
            assert!(server.negotiated().ocsp_requested, "{version}");
            assert_eq!(server.negotiated().ocsp_response.as_deref(), Some(RESPONSE));
            assert_eq!(calls.load(Ordering::SeqCst), 1);
            assert_eq!(*seen.lock().unwrap(), vec![Some(RESPONSE.to_vec())]);
            exchange_data(&mut client, &mut server);
        }
    }

    #[test]
    fn nothing_is_stapled_unless_asked_or_given() {
        for version in VERSIONS {
            // Not asked: the server's callback is not called, the client's check neither.
            let calls = Arc::new(AtomicUsize::new(0));
            let seen = Arc::new(Mutex::new(Vec::new()));
            let mut client = new_client(checking_client(
                version,
                false,
                StatusVerdict::Accept,
                seen.clone(),
            ));
            let mut server = new_server(stapling_server(
                StapleDecision::Staple(RESPONSE.to_vec()),
                calls.clone(),
            ));
            run(&mut client, &mut server).unwrap();
            assert_eq!(calls.load(Ordering::SeqCst), 0);
            assert!(seen.lock().unwrap().is_empty());
            assert_eq!(client.negotiated().ocsp_response, None);
            assert!(!server.negotiated().ocsp_requested);

            // Asked, but the server has nothing (NOACK, or an empty response): the check sees
            // no response.
            for decision in [StapleDecision::NoAck, StapleDecision::Staple(Vec::new())] {
                let seen = Arc::new(Mutex::new(Vec::new()));
                let mut client = new_client(checking_client(
                    version,
                    true,
                    StatusVerdict::Accept,
                    seen.clone(),
                ));
                let mut server =
                    new_server(stapling_server(decision, Arc::new(AtomicUsize::new(0))));
                run(&mut client, &mut server).unwrap();
                assert_eq!(client.negotiated().ocsp_response, None);
                assert_eq!(*seen.lock().unwrap(), vec![None]);
            }
        }
    }

    #[test]
    fn a_rejected_response_is_bad_certificate_status_response() {
        for version in VERSIONS {
            let seen = Arc::new(Mutex::new(Vec::new()));
            let mut client = new_client(checking_client(
                version,
                true,
                StatusVerdict::Reject("the certificate is revoked".into()),
                seen,
            ));
            let mut server = new_server(stapling_server(
                StapleDecision::Staple(RESPONSE.to_vec()),
                Arc::new(AtomicUsize::new(0)),
            ));
            let e = run(&mut client, &mut server).unwrap_err();
            assert_eq!(e.reason, Reason::INVALID_STATUS_RESPONSE, "{e:?}");
            assert_eq!(
                e.alert,
                Some(AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE)
            );
            assert!(e.detail.contains("revoked"), "{}", e.detail);
            let d = client.diagnosis().expect("a diagnosis");
            assert_eq!(d.cause, crate::diagnosis::Cause::CertificateInvalid);
            assert!(
                d.text.contains("failed its OCSP status check"),
                "{}",
                d.text
            );
            assert!(d.text.contains("must be given a new one"), "{}", d.text);
        }
    }

    #[test]
    fn a_failing_server_callback_is_internal_error() {
        for version in VERSIONS {
            let seen = Arc::new(Mutex::new(Vec::new()));
            let mut client =
                new_client(checking_client(version, true, StatusVerdict::Accept, seen));
            let mut server = new_server(stapling_server(
                StapleDecision::Fatal,
                Arc::new(AtomicUsize::new(0)),
            ));
            let e = run(&mut client, &mut server).unwrap_err();
            assert_eq!(e.reason, Reason::CLIENTHELLO_TLSEXT, "{e:?}");
            assert_eq!(e.alert, Some(AlertDescription::INTERNAL_ERROR));
        }
    }

    #[test]
    fn a_failing_client_check_is_internal_error() {
        let mut client = new_client(checking_client(
            ProtocolVersion::TLSV1_3,
            true,
            StatusVerdict::Failed,
            Arc::new(Mutex::new(Vec::new())),
        ));
        let mut server = new_server(server_config(&["server-ecdsa-p256"]));
        let e = run(&mut client, &mut server).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::INTERNAL_ERROR));
        assert_eq!(e.reason, Reason::CALLBACK_FAILED);
    }

    #[test]
    fn tls12_status_ack_we_did_not_ask_for_is_unsupported_extension() {
        // The server sees a status_request the client never sent (added on the way).
        let mut client = new_client(client_config());
        let mut server = new_server(stapling_server(
            StapleDecision::Staple(RESPONSE.to_vec()),
            Arc::new(AtomicUsize::new(0)),
        ));
        client.start().unwrap();
        transfer_edited(&mut client, &mut server, |m| {
            let HandshakeMessage::ClientHello(ch) = m else {
                panic!("not a ClientHello")
            };
            ch.extensions.insert(
                0,
                ClientExtension::StatusRequest(
                    crate::msgs::extensions::OCSP_STATUS_REQUEST.to_vec(),
                ),
            );
        })
        .unwrap();
        let e = transfer(&mut server, &mut client).unwrap_err();
        assert_eq!(
            e.alert,
            Some(AlertDescription::UNSUPPORTED_EXTENSION),
            "{e:?}"
        );
    }

    #[test]
    fn resumption_staples_nothing() {
        for version in VERSIONS {
            let calls = Arc::new(AtomicUsize::new(0));
            let server_config = Arc::new(stapling_server(
                StapleDecision::Staple(RESPONSE.to_vec()),
                calls.clone(),
            ));
            let client_config = checking_client(
                version,
                true,
                StatusVerdict::Accept,
                Arc::new(Mutex::new(Vec::new())),
            );
            let mut client = new_client(client_config.clone());
            let mut server = crate::conn::Connection::new_server(server_config.clone());
            run(&mut client, &mut server).unwrap();
            exchange_data(&mut client, &mut server);
            let session = client.session().cloned().expect("a session");
            let mut client = new_client(client_config);
            client.set_resume_session(Some(session));
            let mut server = crate::conn::Connection::new_server(server_config);
            run(&mut client, &mut server).unwrap();
            assert!(client.negotiated().session_reused, "{version}");
            assert_eq!(client.negotiated().ocsp_response, None);
            assert_eq!(calls.load(Ordering::SeqCst), 1);
        }
    }

    /// Hands the server's pending TLS 1.2 flight (plaintext) to the client with `extra`
    /// handshake messages inserted right after the Certificate.
    fn deliver_with_after_certificate(
        server: &mut crate::conn::Connection,
        client: &mut crate::conn::Connection,
        extra: &[Vec<u8>],
    ) -> Result<()> {
        let data = server.pending_tls().to_vec();
        server.consume_tls(data.len());
        let mut stream = Vec::new();
        for (typ, payload) in records(&data) {
            assert_eq!(typ, 22, "a plaintext handshake flight");
            stream.extend_from_slice(&payload);
        }
        let mut out = Vec::new();
        let mut rest = &stream[..];
        while rest.len() >= 4 {
            let len = u32::from_be_bytes([0, rest[1], rest[2], rest[3]]) as usize;
            let (msg, tail) = rest.split_at(4 + len);
            out.extend_from_slice(msg);
            if msg[0] == crate::msgs::enums::HandshakeType::CERTIFICATE.0 {
                extra.iter().for_each(|m| out.extend_from_slice(m));
            }
            rest = tail;
        }
        client.read_tls(&frame(22, &out)).map(|_| ())
    }

    fn tls12_flight_with(extra: &[Vec<u8>], request: bool) -> Error {
        let mut config = client_config();
        config.request_ocsp = request;
        let mut client = new_client(config);
        let mut server = new_server(server_config(&["server-ecdsa-p256"]));
        client.start().unwrap();
        transfer(&mut client, &mut server).unwrap();
        deliver_with_after_certificate(&mut server, &mut client, extra).unwrap_err()
    }

    #[test]
    fn tls12_certificate_status_not_asked_for_is_unexpected_message() {
        let status = HandshakeMessage::CertificateStatus(RESPONSE.to_vec())
            .encode()
            .unwrap();
        // Not requested at all, or requested but not acknowledged in the ServerHello.
        for request in [false, true] {
            let e = tls12_flight_with(std::slice::from_ref(&status), request);
            assert_eq!(e.alert, Some(AlertDescription::UNEXPECTED_MESSAGE), "{e:?}");
        }
    }

    #[test]
    fn tls12_certificate_status_twice_or_malformed_is_refused() {
        // Acknowledged (the server staples one), then a second one: unexpected_message.
        let mut client_config = client_config();
        client_config.request_ocsp = true;
        let mut client = new_client(client_config.clone());
        let mut server = new_server(stapling_server(
            StapleDecision::Staple(RESPONSE.to_vec()),
            Arc::new(AtomicUsize::new(0)),
        ));
        client.start().unwrap();
        transfer(&mut client, &mut server).unwrap();
        let again = HandshakeMessage::CertificateStatus(RESPONSE.to_vec())
            .encode()
            .unwrap();
        // Inserted after the Certificate, so the stapled one follows it: two in a row.
        let e = deliver_with_after_certificate(&mut server, &mut client, &[again]).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::UNEXPECTED_MESSAGE), "{e:?}");

        // A status of another type, or an empty response: decode_error.
        for body in [vec![2, 0, 0, 1, 0x30], vec![1, 0, 0, 0]] {
            let mut msg = vec![
                crate::msgs::enums::HandshakeType::CERTIFICATE_STATUS.0,
                0,
                0,
            ];
            msg.push(body.len() as u8);
            msg.extend_from_slice(&body);
            let mut client = new_client(client_config.clone());
            let mut server = new_server(stapling_server(
                StapleDecision::NoAck,
                Arc::new(AtomicUsize::new(0)),
            ));
            client.start().unwrap();
            // The client's offer is edited to look acknowledged: the server is told the
            // client asked, staples nothing (NOACK), and the test adds the status itself after
            // making the ServerHello acknowledge it.
            transfer(&mut client, &mut server).unwrap();
            let data = server.pending_tls().to_vec();
            server.consume_tls(data.len());
            let mut stream = Vec::new();
            for (_, payload) in records(&data) {
                stream.extend_from_slice(&payload);
            }
            let sh_len = u32::from_be_bytes([0, stream[1], stream[2], stream[3]]) as usize;
            let (sh_bytes, rest) = stream.split_at(4 + sh_len);
            let HandshakeMessage::ServerHello(mut sh) =
                HandshakeMessage::decode_encoded(sh_bytes, ProtocolVersion::TLSV1_2).unwrap()
            else {
                panic!("not a ServerHello")
            };
            sh.extensions
                .push(crate::msgs::extensions::ServerHelloExtension::StatusRequestAck);
            let mut edited = HandshakeMessage::ServerHello(sh).encode().unwrap();
            let cert_len = u32::from_be_bytes([0, rest[1], rest[2], rest[3]]) as usize;
            edited.extend_from_slice(&rest[..4 + cert_len]);
            edited.extend_from_slice(&msg);
            edited.extend_from_slice(&rest[4 + cert_len..]);
            let e = client.read_tls(&frame(22, &edited)).unwrap_err();
            assert_eq!(
                e.alert,
                Some(AlertDescription::DECODE_ERROR),
                "{body:?}: {e:?}"
            );
        }
    }

    #[test]
    fn an_oversized_stapled_response_is_refused_by_the_message_limit() {
        for version in VERSIONS {
            let big = vec![0x30; 40 * 1024];
            let mut config = checking_client(
                version,
                true,
                StatusVerdict::Accept,
                Arc::new(Mutex::new(Vec::new())),
            );
            config.max_handshake_message = 16 * 1024;
            let mut client = new_client(config);
            let mut server = new_server(stapling_server(
                StapleDecision::Staple(big),
                Arc::new(AtomicUsize::new(0)),
            ));
            let e = run(&mut client, &mut server).unwrap_err();
            assert_eq!(e.reason, Reason::EXCESSIVE_MESSAGE_SIZE, "{version}: {e:?}");
        }
    }

    #[test]
    fn a_response_over_the_wire_limit_is_not_sent() {
        for (version, max) in [
            (ProtocolVersion::TLSV1_2, MAX_OCSP_RESPONSE_LEN),
            (ProtocolVersion::TLSV1_3, MAX_OCSP_RESPONSE_LEN_TLS13),
        ] {
            // The largest that fits goes through (the client allows messages that large).
            let mut config = checking_client(
                version,
                true,
                StatusVerdict::Accept,
                Arc::new(Mutex::new(Vec::new())),
            );
            config.max_handshake_message = 1 << 24;
            if version == ProtocolVersion::TLSV1_3 {
                let mut client = new_client(config.clone());
                let mut server = new_server(stapling_server(
                    StapleDecision::Staple(vec![0x30; max]),
                    Arc::new(AtomicUsize::new(0)),
                ));
                run(&mut client, &mut server).unwrap();
                assert_eq!(
                    client.negotiated().ocsp_response.as_ref().map(Vec::len),
                    Some(max)
                );
            }
            let mut client = new_client(config);
            let mut server = new_server(stapling_server(
                StapleDecision::Staple(vec![0x30; max + 1]),
                Arc::new(AtomicUsize::new(0)),
            ));
            let e = run(&mut client, &mut server).unwrap_err();
            assert_eq!(e.alert, Some(AlertDescription::INTERNAL_ERROR), "{e:?}");
            assert_eq!(e.reason, Reason::DATA_LENGTH_TOO_LONG);
        }
    }

    #[test]
    fn a_status_request_with_a_garbage_body_is_decode_error() {
        for body in [vec![], vec![1], vec![1, 0, 0], vec![1, 0, 0, 0, 0, 0xff]] {
            let mut client = new_client(client_config());
            let mut server = new_server(stapling_server(
                StapleDecision::Staple(RESPONSE.to_vec()),
                Arc::new(AtomicUsize::new(0)),
            ));
            client.start().unwrap();
            let e = transfer_edited(&mut client, &mut server, |m| {
                let HandshakeMessage::ClientHello(ch) = m else {
                    panic!("not a ClientHello")
                };
                ch.extensions
                    .insert(0, ClientExtension::StatusRequest(body.clone()));
            })
            .unwrap_err();
            assert_eq!(
                e.alert,
                Some(AlertDescription::DECODE_ERROR),
                "{body:?}: {e:?}"
            );
        }
    }
}

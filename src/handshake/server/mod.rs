//! The server's first step: read a ClientHello and decide the protocol version, then TLS 1.2
//! ([`tls12`]) or TLS 1.3 ([`tls13`]).
//!
//! Imports go one way: `tls13` uses the resumption (`tls13_psk`), the client's last flight
//! (`tls13_auth`) and the HelloRetryRequest checks (`tls13_retry`); `tls12` ends in
//! `tls12_finish`, which the TLS 1.2 PSK key exchange shares.

mod psk12;
pub mod tls12;
pub(in crate::handshake) mod tls12_finish;
pub mod tls13;
mod tls13_auth;
mod tls13_psk;
mod tls13_retry;

use super::{unexpected, State};
use crate::config::{AlpnDecision, CertCallbackOutcome, ClientHelloDecision, SniOutcome};
use crate::error::{Error, Reason, Result};
use crate::handshake::common::{Common, Pause};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::HandshakeType;
use crate::msgs::enums::{AlertDescription, AlertLevel, CipherSuite, ProtocolVersion};
use crate::msgs::handshake::{ClientHello, HandshakeMessage};
use std::sync::Arc;

pub fn start(_cx: &Common) -> Box<dyn State> {
    Box::new(ExpectClientHello)
}

pub struct ExpectClientHello;

impl State for ExpectClientHello {
    fn name(&self) -> &'static str {
        "TLS server read client hello"
    }

    fn handle(self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        super::expect_types(self.name(), msg, &[HandshakeType::CLIENT_HELLO])?;
        let HandshakeMessage::ClientHello(ch) = super::decode13(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        super::check_flight_end(msg)?;
        run_client_hello_callback(cx, msg)?;
        cx.client_random = ch.random;
        cx.evidence.peer_offer = Some(crate::diagnosis::OfferSummary::from_client_hello(&ch));
        record_peer_suites(cx, &ch);
        let version = choose_version(cx, &ch)?;
        answer_server_name(cx, &ch, version)?;
        choose_application_protocol(cx, &ch)?;
        cx.ccs_allowed = true;
        after_certificate_callback(cx, ch, msg, version)
    }
}

/// Runs the certificate callback, if any (OpenSSL's `cert_cb`: after the server name and ALPN
/// are settled, before the certificate and suite are chosen), then goes on with the version's
/// handshake; or pauses the handshake in [`AwaitCertificateCallback`] when it asks to be
/// called again.
fn after_certificate_callback(
    cx: &mut Common,
    ch: ClientHello,
    msg: &JoinedMessage,
    version: ProtocolVersion,
) -> Result<Box<dyn State>> {
    if let Some(callback) = cx.config.cert_callback.clone() {
        let decision = callback();
        match decision.outcome {
            CertCallbackOutcome::Continue => {
                if let Some(settings) = decision.settings {
                    cx.config = Arc::new(cx.config.after_server_name(&settings));
                }
            }
            CertCallbackOutcome::Fail => return Err(super::certificate_callback_failed()),
            CertCallbackOutcome::Retry => {
                cx.paused = Some(Pause::CertificateCallback);
                return Ok(Box::new(AwaitCertificateCallback {
                    ch,
                    msg: msg.clone(),
                    version,
                }));
            }
        }
    }
    match version {
        ProtocolVersion::TLSV1_3 => tls13::handle_client_hello(cx, ch, msg, None),
        ProtocolVersion::TLSV1_2 => tls12::handle_client_hello(cx, ch, msg),
        other => Err(Error::internal(format!("version {other} not implemented"))),
    }
}

/// The ClientHello is processed up to the certificate callback, which asked to be called again:
/// nothing is read from the peer until the application resumes the handshake.
pub struct AwaitCertificateCallback {
    ch: ClientHello,
    msg: JoinedMessage,
    version: ProtocolVersion,
}

impl State for AwaitCertificateCallback {
    fn name(&self) -> &'static str {
        "TLS server wait for the certificate callback"
    }

    fn handle(self: Box<Self>, _cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        // Records are not read while paused; a message here is a bug, not the peer's doing.
        Err(Error::internal(format!(
            "{} arrived while the handshake waits for the certificate callback",
            msg.typ
        )))
    }

    fn resume(self: Box<Self>, cx: &mut Common) -> Result<Box<dyn State>> {
        let AwaitCertificateCallback { ch, msg, version } = *self;
        after_certificate_callback(cx, ch, &msg, version)
    }
}

/// Keeps the suites of the client's offer that libtls knows, each once, in its order: bounded
/// by the suite table whatever the ClientHello holds.
fn record_peer_suites(cx: &mut Common, ch: &ClientHello) {
    let mut kept: Vec<&'static crate::suites::SuiteInfo> = Vec::new();
    for suite in &ch.cipher_suites {
        if let Some(info) = crate::suites::lookup(*suite) {
            if !kept.iter().any(|k| k.suite == info.suite) {
                kept.push(info);
            }
        }
    }
    // Kept for the connection's life: no spare capacity.
    kept.shrink_to_fit();
    cx.info.peer_suites = kept;
}

/// The application's ClientHello callback, first of all (OpenSSL's `SSL_CTX_set_client_hello_cb`):
/// it may let the handshake go on, fail it with an alert, or ask to be called again, which
/// pauses the connection on this message (see `Connection::is_paused`).
fn run_client_hello_callback(cx: &mut Common, msg: &JoinedMessage) -> Result<()> {
    let Some(callback) = cx.config.client_hello_callback.clone() else {
        return Ok(());
    };
    let raw = crate::msgs::raw_hello::RawClientHello::parse(&msg.encoded)
        .ok_or_else(|| Error::internal("a decoded ClientHello does not parse again"))?;
    match callback(&raw) {
        ClientHelloDecision::Proceed(settings) => {
            if let Some(settings) = settings {
                cx.config = Arc::new(cx.config.after_server_name(&settings));
            }
            Ok(())
        }
        ClientHelloDecision::Retry => Err(Error::local(
            Reason::CLIENT_HELLO_CALLBACK_RETRY,
            "the ClientHello callback asked to be called again",
        )),
        ClientHelloDecision::Fail(alert) => Err(Error::protocol(
            alert,
            Reason::CALLBACK_FAILED,
            "the ClientHello callback refused the ClientHello",
        )),
    }
}

/// The highest version both sides enable (RFC 8446 4.2.1); TLS 1.1 and older never.
fn choose_version(cx: &Common, ch: &ClientHello) -> Result<ProtocolVersion> {
    let config = &cx.config;
    // RFC 8446 D.5: a ClientHello.legacy_version of SSL 3.0 or lower is refused whatever
    // supported_versions says.
    if ch.supported_versions().is_some() && ch.legacy_version.0 <= 0x0300 {
        return Err(Error::protocol(
            AlertDescription::PROTOCOL_VERSION,
            Reason::UNSUPPORTED_PROTOCOL,
            format!(
                "the ClientHello's legacy_version is 0x{:04x}, SSL 3.0 or older (RFC 8446 D.5)",
                ch.legacy_version.0
            ),
        ));
    }
    let offered: Vec<ProtocolVersion> = match ch.supported_versions() {
        Some(list) => list.to_vec(),
        // Without the extension the client speaks at most legacy_version, and any version up to
        // it (RFC 5246 E.1), so a higher legacy_version still allows TLS 1.2.
        None if ch.legacy_version.0 >= ProtocolVersion::TLSV1_2.0 => vec![ProtocolVersion::TLSV1_2],
        None => vec![ch.legacy_version],
    };
    let acceptable = [ProtocolVersion::TLSV1_3, ProtocolVersion::TLSV1_2];
    let common = acceptable
        .iter()
        .copied()
        .find(|v| config.supports_version(*v) && offered.contains(v));
    // RFC 7507: a client retrying with a lower version than it supports says so; if we could
    // have done better, someone interfered with the first attempt. Without a common version
    // the answer is protocol_version, as OpenSSL gives (RFC 7507 3 allows either).
    if common.is_some() && ch.offers_cipher_suite(CipherSuite::TLS_FALLBACK_SCSV) {
        let client_max = offered
            .iter()
            .filter(|v| !crate::msgs::enums::is_grease(v.0))
            .map(|v| v.0)
            .max()
            .unwrap_or(0);
        let ours = acceptable.iter().find(|v| config.supports_version(**v));
        if let Some(ours) = ours.filter(|v| v.0 > client_max) {
            return Err(Error::protocol(
                AlertDescription::INAPPROPRIATE_FALLBACK,
                Reason::INAPPROPRIATE_FALLBACK,
                format!(
                    "the client signals a fallback (TLS_FALLBACK_SCSV) to 0x{client_max:04x} \
                     but we support {ours}: a downgrade attack or a broken middlebox"
                ),
            ));
        }
    }
    if let Some(v) = common {
        return Ok(v);
    }
    let names: Vec<String> = offered
        .iter()
        .filter(|v| !crate::msgs::enums::is_grease(v.0))
        .map(|v| v.to_string())
        .collect();
    let ours: Vec<String> = acceptable
        .iter()
        .filter(|v| config.supports_version(**v))
        .map(|v| v.to_string())
        .collect();
    Err(Error::protocol(
        AlertDescription::PROTOCOL_VERSION,
        Reason::UNSUPPORTED_PROTOCOL,
        format!(
            "no common protocol version: we accept {}; the client offered {}",
            if ours.is_empty() {
                "nothing".to_string()
            } else {
                ours.join(", ")
            },
            if names.is_empty() {
                "nothing".to_string()
            } else {
                names.join(", ")
            }
        ),
    ))
}

/// Runs the server name callback (OpenSSL's servername callback: after the version is chosen,
/// before the suite, certificate and any resumption are), after which the handshake goes on
/// with the settings the callback left (another context's certificates and verification, or
/// per-connection setters). Without a callback the name is recorded but not acknowledged, as
/// OpenSSL does. Runs on the first ClientHello only: a second one after a HelloRetryRequest
/// must ask for the same name (`tls13_retry::changed_extension`).
fn answer_server_name(cx: &mut Common, ch: &ClientHello, version: ProtocolVersion) -> Result<()> {
    let requested = ch.server_name().map(str::to_string);
    cx.info.server_name = requested.clone();
    let Some(callback) = cx.config.sni_callback.clone() else {
        return Ok(());
    };
    let decision = callback(requested.as_deref());
    if let Some(settings) = decision.settings {
        cx.config = Arc::new(cx.config.after_server_name(&settings));
    }
    match decision.outcome {
        SniOutcome::Ack => cx.info.server_name_acked = requested.is_some(),
        SniOutcome::NoAck => {}
        SniOutcome::Warning(alert) => {
            if version == ProtocolVersion::TLSV1_2 {
                cx.send_alert(AlertLevel::WARNING, alert);
            }
        }
        SniOutcome::Fatal(alert) => {
            return Err(Error::protocol(
                alert,
                Reason::CALLBACK_FAILED,
                format!(
                    "the server name callback refused {}",
                    requested.map_or("a ClientHello without a server name".to_string(), |n| {
                        format!("the server name '{n}'")
                    })
                ),
            ))
        }
    }
    Ok(())
}

/// ALPN (RFC 7301 3.2): the select callback, if any, picks one of the client's protocols.
fn choose_application_protocol(cx: &mut Common, ch: &ClientHello) -> Result<()> {
    let (Some(offered), Some(select)) = (ch.alpn(), cx.config.alpn_select.clone()) else {
        return Ok(());
    };
    match select(offered) {
        AlpnDecision::Selected(p) if offered.contains(&p) => cx.info.alpn = Some(p),
        AlpnDecision::Selected(p) => {
            return Err(Error::protocol(
                AlertDescription::INTERNAL_ERROR,
                Reason::CALLBACK_FAILED,
                format!(
                    "the ALPN select callback chose {:?}, which the client did not offer",
                    String::from_utf8_lossy(&p)
                ),
            ))
        }
        AlpnDecision::NoAck => {}
        AlpnDecision::Fatal => {
            let names: Vec<String> = offered
                .iter()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect();
            return Err(Error::protocol(
                AlertDescription::NO_APPLICATION_PROTOCOL,
                Reason::NO_APPLICATION_PROTOCOL,
                format!(
                    "no application protocol in common: the client offered [{}]",
                    names.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::{select_alpn, AlpnDecision, Config, SniDecision, SniOutcome};
    use crate::error::Reason;
    use crate::handshake::client::tls12::test_pair::*;
    use crate::msgs::enums::{AlertDescription, CipherSuite, ProtocolVersion, SignatureScheme};
    use crate::suites::Auth;
    use std::sync::{Arc, Mutex};

    const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::TLSV1_2, ProtocolVersion::TLSV1_3];

    fn client_for(version: ProtocolVersion) -> Config {
        let mut c = client_config();
        c.max_version = version;
        c.min_version = version;
        c
    }

    fn alpn_server(prefs: &[&[u8]], on_no_overlap: AlpnDecision) -> Config {
        let prefs: Vec<Vec<u8>> = prefs.iter().map(|p| p.to_vec()).collect();
        let mut c = server_config(&["server-ecdsa-p256"]);
        c.alpn_select = Some(Arc::new(move |offered: &[Vec<u8>]| {
            select_alpn(&prefs, offered)
                .map(AlpnDecision::Selected)
                .unwrap_or(on_no_overlap.clone())
        }));
        c
    }

    #[test]
    fn alpn_agreement_in_both_versions() {
        for version in VERSIONS {
            let mut cc = client_for(version);
            cc.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            let mut client = new_client(cc);
            let mut server = new_server(alpn_server(&[b"http/1.1", b"h2"], AlpnDecision::Fatal));
            run(&mut client, &mut server).unwrap();
            assert_eq!(client.negotiated().version, Some(version));
            assert_eq!(client.negotiated().alpn.as_deref(), Some(&b"http/1.1"[..]));
            assert_eq!(server.negotiated().alpn.as_deref(), Some(&b"http/1.1"[..]));
            exchange_data(&mut client, &mut server);
        }
    }

    #[test]
    fn alpn_without_overlap_is_fatal_or_ignored_as_the_callback_says() {
        for version in VERSIONS {
            let mut cc = client_for(version);
            cc.alpn_protocols = vec![b"spdy/1".to_vec()];
            let mut client = new_client(cc.clone());
            let mut server = new_server(alpn_server(&[b"h2"], AlpnDecision::Fatal));
            let e = run(&mut client, &mut server).unwrap_err();
            assert_eq!(e.reason, Reason::NO_APPLICATION_PROTOCOL, "{version}");
            assert_eq!(
                client.alert_received(),
                Some(AlertDescription::NO_APPLICATION_PROTOCOL)
            );

            let mut client = new_client(cc.clone());
            let mut server = new_server(alpn_server(&[b"h2"], AlpnDecision::NoAck));
            run(&mut client, &mut server).unwrap();
            assert_eq!(client.negotiated().alpn, None);

            // A server without a select callback ignores the offer, as OpenSSL does.
            let mut client = new_client(cc);
            let mut server = new_server(server_config(&["server-ecdsa-p256"]));
            run(&mut client, &mut server).unwrap();
            assert_eq!(client.negotiated().alpn, None);
            assert_eq!(server.negotiated().alpn, None);
        }
    }

    #[test]
    fn client_checks_the_alpn_answer() {
        use crate::handshake::client::hs::check_alpn_answer;
        let offered = vec![b"h2".to_vec()];
        assert_eq!(check_alpn_answer(&offered, None).unwrap(), None);
        assert_eq!(
            check_alpn_answer(&offered, Some(b"h2")).unwrap(),
            Some(b"h2".to_vec())
        );
        let e = check_alpn_answer(&offered, Some(b"http/1.1")).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
        let e = check_alpn_answer(&[], Some(b"h2")).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::UNSUPPORTED_EXTENSION));
    }

    fn sni_server(
        outcome: SniOutcome,
        settings: Option<Config>,
        seen: Arc<Mutex<Vec<String>>>,
    ) -> Config {
        let mut c = server_config(&["server-ecdsa-p256"]);
        let settings = settings.map(Arc::new);
        c.sni_callback = Some(Arc::new(move |name: Option<&str>| {
            seen.lock()
                .unwrap()
                .push(name.unwrap_or("(none)").to_string());
            SniDecision {
                outcome,
                settings: settings.clone(),
            }
        }));
        c
    }

    #[test]
    fn server_name_callback_sees_the_name_and_controls_the_ack() {
        for version in VERSIONS {
            let seen = Arc::new(Mutex::new(Vec::new()));
            let mut client = new_client(client_for(version));
            let mut server = new_server(sni_server(SniOutcome::Ack, None, seen.clone()));
            run(&mut client, &mut server).unwrap();
            assert_eq!(*seen.lock().unwrap(), vec!["localhost".to_string()]);
            assert!(server.negotiated().server_name_acked);
            assert_eq!(
                server.negotiated().server_name.as_deref(),
                Some("localhost")
            );

            let mut client = new_client(client_for(version));
            let mut server = new_server(sni_server(SniOutcome::NoAck, None, seen.clone()));
            run(&mut client, &mut server).unwrap();
            assert!(!server.negotiated().server_name_acked);

            // Without a callback the name is known but not acknowledged (OpenSSL's behaviour).
            let mut client = new_client(client_for(version));
            let mut server = new_server(server_config(&["server-ecdsa-p256"]));
            run(&mut client, &mut server).unwrap();
            assert!(!server.negotiated().server_name_acked);
            assert_eq!(
                server.negotiated().server_name.as_deref(),
                Some("localhost")
            );

            // A warning goes on (TLS 1.2 sends it, TLS 1.3 cannot).
            let mut client = new_client(client_for(version));
            let mut server = new_server(sni_server(
                SniOutcome::Warning(AlertDescription::UNRECOGNIZED_NAME),
                None,
                seen.clone(),
            ));
            run(&mut client, &mut server).unwrap();
            exchange_data(&mut client, &mut server);
        }
    }

    #[test]
    fn fatal_server_name_answer_is_the_chosen_alert() {
        for version in VERSIONS {
            let seen = Arc::new(Mutex::new(Vec::new()));
            let mut client = new_client(client_for(version));
            let mut server = new_server(sni_server(
                SniOutcome::Fatal(AlertDescription::UNRECOGNIZED_NAME),
                None,
                seen,
            ));
            let e = run(&mut client, &mut server).unwrap_err();
            assert_eq!(e.reason, Reason::CALLBACK_FAILED);
            assert_eq!(
                client.alert_received(),
                Some(AlertDescription::UNRECOGNIZED_NAME)
            );
        }
    }

    #[test]
    fn server_name_callback_can_switch_certificates() {
        for version in VERSIONS {
            let seen = Arc::new(Mutex::new(Vec::new()));
            let other = server_config(&["server-rsa2048"]);
            let mut client = new_client(client_for(version));
            let mut server = new_server(sni_server(SniOutcome::Ack, Some(other), seen));
            run(&mut client, &mut server).unwrap();
            let scheme = client.negotiated().peer_signature_scheme.unwrap();
            assert!(
                matches!(
                    scheme,
                    SignatureScheme::RSA_PSS_RSAE_SHA256
                        | SignatureScheme::RSA_PSS_RSAE_SHA384
                        | SignatureScheme::RSA_PSS_RSAE_SHA512
                        | SignatureScheme::RSA_PKCS1_SHA256
                ),
                "{version}: {scheme}"
            );
            if version == ProtocolVersion::TLSV1_2 {
                assert_eq!(client.negotiated().suite.unwrap().auth, Some(Auth::Rsa));
            }
        }
    }

    #[test]
    fn cipher_server_preference_in_both_versions() {
        // The client prefers AES-128-GCM; the server lists ChaCha20 first.
        let mut cc = client_config();
        cc.max_version = ProtocolVersion::TLSV1_3;
        cc.tls13_suites = vec![
            CipherSuite::TLS13_AES_128_GCM_SHA256,
            CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
        ];
        cc.tls12_suites = vec![
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ];
        for version in VERSIONS {
            for server_preference in [false, true] {
                let mut sc = server_config(&["server-ecdsa-p256"]);
                sc.max_version = version;
                sc.tls13_suites = vec![
                    CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
                    CipherSuite::TLS13_AES_128_GCM_SHA256,
                ];
                sc.tls12_suites = vec![
                    CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
                    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                ];
                if server_preference {
                    sc.options.server_preference = true;
                }
                let mut client = new_client(cc.clone());
                let mut server = new_server(sc);
                run(&mut client, &mut server).unwrap();
                let suite = client.negotiated().suite.unwrap();
                assert_eq!(
                    suite.aead == crate::crypto::AeadAlg::ChaCha20Poly1305,
                    server_preference,
                    "{version} server preference {server_preference}: {}",
                    suite.openssl_name
                );
            }
        }
    }

    #[test]
    fn version_options_shape_negotiation() {
        let mut cc = client_config();
        cc.max_version = ProtocolVersion::TLSV1_3;
        let mut sc = server_config(&["server-ecdsa-p256"]);
        sc.options.no_tls13 = true;
        let mut client = new_client(cc.clone());
        let mut server = new_server(sc.clone());
        run(&mut client, &mut server).unwrap();
        assert_eq!(client.negotiated().version, Some(ProtocolVersion::TLSV1_2));

        // A TLS 1.3-only client against a TLS 1.2-only server: protocol_version.
        cc.options.no_tls12 = true;
        let mut client = new_client(cc);
        let mut server = new_server(sc);
        let e = run(&mut client, &mut server).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::PROTOCOL_VERSION));
        assert_eq!(
            client.alert_received(),
            Some(AlertDescription::PROTOCOL_VERSION)
        );
    }

    #[test]
    fn server_signs_only_with_schemes_it_enables() {
        for version in VERSIONS {
            let mut sc = server_config(&["server-rsa2048"]);
            sc.verify_schemes = vec![SignatureScheme::RSA_PSS_RSAE_SHA384];
            let mut client = new_client(client_for(version));
            let mut server = new_server(sc);
            run(&mut client, &mut server).unwrap();
            assert_eq!(
                client.negotiated().peer_signature_scheme,
                Some(SignatureScheme::RSA_PSS_RSAE_SHA384)
            );

            // An ECDSA-only server limited to RSA schemes has nothing to sign with.
            let mut sc = server_config(&["server-ecdsa-p256"]);
            sc.verify_schemes = vec![SignatureScheme::RSA_PSS_RSAE_SHA256];
            let mut client = new_client(client_for(version));
            let mut server = new_server(sc);
            let e = run(&mut client, &mut server).unwrap_err();
            assert_eq!(
                e.alert,
                Some(AlertDescription::HANDSHAKE_FAILURE),
                "{version}"
            );
        }
    }

    /// The certificate callback pauses the handshake (nothing more is read) until the
    /// application resumes it, asks again on resume, and its failure is `internal_error`.
    #[test]
    fn certificate_callback_pauses_resumes_and_fails() {
        use crate::config::{CertCallbackDecision, CertCallbackOutcome};
        use crate::handshake::common::Pause;
        use std::sync::atomic::{AtomicUsize, Ordering};
        for version in VERSIONS {
            let calls = Arc::new(AtomicUsize::new(0));
            let counted = calls.clone();
            let mut config = server_config(&["server-ecdsa-p256"]);
            config.cert_callback = Some(Arc::new(move || {
                let n = counted.fetch_add(1, Ordering::SeqCst);
                CertCallbackDecision {
                    outcome: if n < 2 {
                        CertCallbackOutcome::Retry
                    } else {
                        CertCallbackOutcome::Continue
                    },
                    settings: None,
                }
            }));
            let mut client = new_client(client_for(version));
            let mut server = new_server(config);
            run(&mut client, &mut server).unwrap();
            assert_eq!(
                server.paused(),
                Some(Pause::CertificateCallback),
                "{version}"
            );
            assert!(
                server.pending_tls().is_empty(),
                "{version}: nothing sent while paused"
            );
            assert!(client.is_handshaking());
            server.resume().unwrap();
            assert_eq!(
                server.paused(),
                Some(Pause::CertificateCallback),
                "{version}"
            );
            server.resume().unwrap();
            assert_eq!(server.paused(), None);
            assert_eq!(calls.load(Ordering::SeqCst), 3);
            run(&mut client, &mut server).unwrap();
            assert!(
                !client.is_handshaking() && !server.is_handshaking(),
                "{version}"
            );
            exchange_data(&mut client, &mut server);

            let mut config = server_config(&["server-ecdsa-p256"]);
            config.cert_callback = Some(Arc::new(|| CertCallbackDecision {
                outcome: CertCallbackOutcome::Fail,
                settings: None,
            }));
            let mut client = new_client(client_for(version));
            let mut server = new_server(config);
            let e = run(&mut client, &mut server).unwrap_err();
            assert_eq!(e.reason, Reason::CERT_CB_ERROR, "{version}");
            assert_eq!(
                client.alert_received(),
                Some(AlertDescription::INTERNAL_ERROR)
            );
        }
    }
}

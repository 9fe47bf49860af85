//! The TLS 1.3 server's last read: the client's answer to our CertificateRequest (its
//! Certificate and CertificateVerify, RFC 8446 4.4.2-4.4.3), then its Finished.

use super::tls13_psk::send_tickets;
use crate::config::Config;
use crate::crypto::hash::Transcript;
use crate::crypto::key_schedule::FinishedKey;
use crate::crypto::secret::Secret;
use crate::error::{Error, Reason, Result};
use crate::handshake::common::auth::{
    check_no_client_certificate, check_peer_signature, SignedContent,
};
use crate::handshake::common::connected13::Connected13;
use crate::handshake::common::flight::Flight;
use crate::handshake::common::Common;
use crate::handshake::{decode13, unexpected, State};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::HandshakeType;
use crate::msgs::enums::{AlertDescription, ExtensionType, SignatureScheme};
use crate::msgs::extensions::CertificateRequestExtension;
use crate::msgs::handshake::{CertificateRequestTls13, HandshakeMessage};
use crate::record::keys::tls13_decrypter;
use crate::suites::SuiteInfo;
use crate::verify::Usage;

/// Asks for the client's certificate (RFC 8446 4.3.2). The context stays empty: it only
/// matters for post-handshake authentication, which we do not request.
pub(super) fn emit_certificate_request(
    flight: &mut Flight<'_>,
    config: &Config,
    schemes: &[SignatureScheme],
) -> Result<()> {
    let mut extensions = vec![CertificateRequestExtension::SignatureAlgorithms(
        schemes.to_vec(),
    )];
    if !config.client_ca_names.is_empty() {
        extensions.push(CertificateRequestExtension::CertificateAuthorities(
            config.client_ca_names.clone(),
        ));
    }
    // RFC 8879 3: the algorithms we decompress the client's certificate with.
    if let Some(data) = crate::certcomp::offer_data(config) {
        extensions.push(CertificateRequestExtension::Unknown {
            typ: ExtensionType::COMPRESS_CERTIFICATE,
            data,
        });
    }
    flight.add(&HandshakeMessage::CertificateRequestTls13(
        CertificateRequestTls13 {
            context: Vec::new(),
            extensions,
        },
    ))
}

/// The client's answer to our CertificateRequest: its chain, or an empty list.
pub(super) struct ExpectClientCertificate {
    pub(super) rest: ExpectFinished,
    pub(super) offered_schemes: Vec<SignatureScheme>,
}

impl State for ExpectClientCertificate {
    fn name(&self) -> &'static str {
        "TLS server read client certificate"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        // RFC 8879 4: a CompressedCertificate only if our CertificateRequest offered one.
        let offered = crate::certcomp::receive_algorithms(&cx.config);
        let mut accepted = vec![HandshakeType::CERTIFICATE];
        if !offered.is_empty() {
            accepted.push(HandshakeType::COMPRESSED_CERTIFICATE);
        }
        crate::handshake::expect_types(self.name(), msg, &accepted)?;
        let cert = if msg.typ == HandshakeType::COMPRESSED_CERTIFICATE {
            let (cert, alg) = crate::certcomp::receive_certificate(
                &cx.config,
                &offered,
                msg.body(),
                cx.config.max_handshake_message,
            )?;
            cx.info.cert_compression.received = Some(alg);
            cert
        } else {
            let HandshakeMessage::CertificateTls13(cert) = decode13(msg)? else {
                return Err(unexpected(self.name(), msg.typ));
            };
            cert
        };
        if !cert.context.is_empty() {
            return Err(Error::illegal(
                Reason::BAD_PACKET,
                "client Certificate with a request context we did not send",
            ));
        }
        // Our CertificateRequest never asks for status_request (RFC 8446 4.4.2.1).
        cert.leaf_ocsp_response(false)?;
        self.rest.transcript.add(&msg.encoded);
        if cert.entries.is_empty() {
            check_no_client_certificate(cx, true)?;
            // Without a certificate there is nothing to prove: no CertificateVerify follows.
            return Ok(Box::new(self.rest));
        }
        let chain: Vec<Vec<u8>> = cert
            .entries
            .into_iter()
            .map(|e| e.cert.as_ref().to_vec())
            .collect();
        crate::handshake::verify_peer_chain(cx, &chain, Usage::ClientAuth, None)?;
        Ok(Box::new(ExpectClientCertificateVerify {
            rest: self.rest,
            offered_schemes: self.offered_schemes,
        }))
    }
}

struct ExpectClientCertificateVerify {
    rest: ExpectFinished,
    offered_schemes: Vec<SignatureScheme>,
}

impl State for ExpectClientCertificateVerify {
    fn name(&self) -> &'static str {
        "TLS server read client certificate verify"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(self.name(), msg, &[HandshakeType::CERTIFICATE_VERIFY])?;
        let HandshakeMessage::CertificateVerify(cv) = decode13(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        let hash = self.rest.transcript.current_hash();
        let content = SignedContent::Tls13Transcript(&hash);
        check_peer_signature(cx, &self.offered_schemes, &cv, content)?;
        self.rest.transcript.add(&msg.encoded);
        Ok(Box::new(self.rest))
    }
}

pub(super) struct ExpectFinished {
    pub(super) suite: &'static SuiteInfo,
    pub(super) transcript: Transcript,
    pub(super) master: crate::crypto::key_schedule::MasterSchedule,
    pub(super) client_finished: FinishedKey,
    pub(super) client_app: Secret,
    pub(super) server_app: Secret,
}

impl State for ExpectFinished {
    fn name(&self) -> &'static str {
        "TLS server read client finished"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(self.name(), msg, &[HandshakeType::FINISHED])?;
        let HandshakeMessage::Finished(fin) = decode13(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        crate::handshake::check_flight_end(msg)?;
        crate::handshake::check_finished_len(&fin.verify_data, self.suite.hash.output_len())?;
        if !self
            .client_finished
            .verify(&self.transcript.current_hash(), &fin.verify_data)
        {
            return Err(Error::protocol(
                AlertDescription::DECRYPT_ERROR,
                Reason::DIGEST_CHECK_FAILED,
                "the client's Finished does not match the handshake transcript",
            ));
        }
        cx.info.peer_finished = fin.verify_data.clone();
        self.transcript.add(&msg.encoded);
        cx.record
            .set_reader(tls13_decrypter(self.suite, &self.client_app)?);
        cx.ccs_allowed = false;
        cx.handshake_complete = true;
        let resumption = self
            .master
            .resumption_master_secret(&self.transcript.current_hash());
        send_tickets(cx, self.suite, &resumption)?;
        // RFC 8446 4.4: the context of a post-handshake authentication is the handshake up to
        // the client's Finished; kept only when the client offered it.
        let transcript = self.transcript;
        let handshake_transcript = cx.info.post_handshake_auth.then(|| Box::new(transcript));
        Ok(Box::new(Connected13 {
            suite: self.suite,
            our_secret: self.server_app,
            peer_secret: self.client_app,
            resumption_master: Some(resumption),
            handshake_transcript,
            pha: None,
        }))
    }
}

//! TLS for both transports: one rustls `ClientConfig` per run, built only
//! for an `https://` gateway, and handed to reqwest (`use_preconfigured_tls`)
//! and to the socket client (tokio-rustls) alike, so that `--ca-cert` and
//! `--insecure` mean exactly the same on both paths.
//!
//! Trusted roots: the Mozilla roots (`webpki-roots`), the system's store
//! (`rustls-native-certs`; entries it cannot parse are skipped, as reqwest
//! does), and the certificates of `--ca-cert` (or the profile's `ca_cert`).
//! `--insecure` replaces certificate verification by nothing, but the
//! handshake signatures are still checked.

use super::MAX_CA_FILE_BYTES;
use crate::error::{Error, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::Path;
use std::sync::Arc;

/// The configuration for an `https://` gateway: the roots above plus the
/// certificates in `ca_file`, or no verification with `insecure`. Offers
/// only HTTP/1.1 (what both the IAM API and the WebSocket upgrade use).
pub(crate) fn client_config(
    ca_file: Option<&Path>,
    insecure: bool,
) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::usage(format!("cannot set up TLS: {e}")))?;
    // The CA file is read (and refused when unusable) even with --insecure.
    let extra = match ca_file {
        Some(p) => read_ca_file(p)?,
        None => Vec::new(),
    };
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerifier(provider)))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for cert in rustls_native_certs::load_native_certs().certs {
            // The system store may hold ancient or malformed entries.
            let _ = roots.add(cert);
        }
        for (i, cert) in extra.into_iter().enumerate() {
            let path = ca_file.map(|p| p.display().to_string()).unwrap_or_default();
            roots.add(cert).map_err(|e| {
                Error::usage(format!(
                    "--ca-cert {path}: certificate {} cannot be used as a CA: {e}",
                    i + 1
                ))
            })?;
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Read a `--ca-cert` PEM bundle, at most [`MAX_CA_FILE_BYTES`] of it.
fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let pem = crate::config::files::read_bytes(path, "--ca-cert", MAX_CA_FILE_BYTES)?.ok_or_else(
        || {
            Error::usage(format!(
                "cannot read --ca-cert {}: no such file",
                path.display()
            ))
        },
    )?;
    CertificateDer::pem_slice_iter(&pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .ok()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            Error::usage(format!(
                "--ca-cert {} holds no PEM certificate",
                path.display()
            ))
        })
}

/// `--insecure`: any certificate is accepted; the handshake signatures are
/// still verified with the provider's algorithms.
#[derive(Debug)]
struct NoVerifier(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerifier {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

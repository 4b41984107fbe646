//! HTTPS, for clients whose host is fixed (`https://api.dingtalk.com`): a
//! certificate from a local certificate authority that dingcal makes once
//! and keeps, so that a user trusts it once; or one the user gives.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use tokio_rustls::TlsAcceptor;

/// The names a certificate of the local authority covers besides those
/// asked for: this machine, and DingTalk's API hosts, so that they can be
/// pointed here.
pub const DEFAULT_NAMES: &[&str] = &[
    "localhost",
    "127.0.0.1",
    "::1",
    "api.dingtalk.com",
    "oapi.dingtalk.com",
];

/// Where the server's certificate comes from.
#[derive(Debug, Clone)]
pub enum TlsSource {
    /// Made at each start by the authority kept in `dir` (created on first
    /// use), for `DEFAULT_NAMES` and `names`.
    Local { dir: PathBuf, names: Vec<String> },
    /// PEM files: the certificate chain, and its private key.
    Files { cert: PathBuf, key: PathBuf },
}

/// What a server needs to speak TLS.
pub struct Tls {
    pub acceptor: TlsAcceptor,
    /// The local authority's certificate, for clients to trust.
    pub ca: Option<PathBuf>,
}

impl TlsSource {
    pub fn load(&self) -> Result<Tls, String> {
        match self {
            TlsSource::Files { cert, key } => {
                let chain = CertificateDer::pem_file_iter(cert)
                    .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| format!("cannot read {}: {e}", cert.display()))?;
                if chain.is_empty() {
                    return Err(format!("{} holds no certificate", cert.display()));
                }
                let key = PrivateKeyDer::from_pem_file(key)
                    .map_err(|e| format!("cannot read {}: {e}", key.display()))?;
                Ok(Tls {
                    acceptor: acceptor(chain, key)?,
                    ca: None,
                })
            }
            TlsSource::Local { dir, names } => {
                let (ca, issuer) = local_authority(dir)?;
                let mut all: Vec<String> = DEFAULT_NAMES.iter().map(|n| n.to_string()).collect();
                for name in names {
                    if !all.contains(name) {
                        all.push(name.clone());
                    }
                }
                let (chain, key) = server_certificate(all, &issuer)?;
                Ok(Tls {
                    acceptor: acceptor(chain, key)?,
                    ca: Some(ca),
                })
            }
        }
    }
}

fn acceptor(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<TlsAcceptor, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|c| c.with_no_client_auth().with_single_cert(chain, key))
        .map_err(|e| format!("the TLS certificate: {e}"))?;
    // The server speaks HTTP/1.1 only.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

const CA_CERT: &str = "ca.pem";
const CA_KEY: &str = "ca-key.pem";

/// The authority in `dir`, made there if absent: the path of its
/// certificate, and what signs with its key.
fn local_authority(dir: &Path) -> Result<(PathBuf, Issuer<'static, KeyPair>), String> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let (cert_path, key_path) = (dir.join(CA_CERT), dir.join(CA_KEY));
    if !key_path.exists() {
        let key = KeyPair::generate().map_err(|e| e.to_string())?;
        let cert = authority_params(&key)
            .self_signed(&key)
            .map_err(|e| e.to_string())?;
        // Both files are written aside, then the key is put in place
        // only if none is there yet: two servers starting at once on one
        // directory end up with the same authority.
        let pending = |name: &str| dir.join(format!("{name}.{}", std::process::id()));
        let (new_cert, new_key) = (pending(CA_CERT), pending(CA_KEY));
        write_private(&new_key, &key.serialize_pem())?;
        fs::write(&new_cert, cert.pem())
            .map_err(|e| format!("cannot write {}: {e}", new_cert.display()))?;
        if fs::hard_link(&new_key, &key_path).is_ok() {
            fs::rename(&new_cert, &cert_path)
                .map_err(|e| format!("cannot write {}: {e}", cert_path.display()))?;
        }
        let _ = fs::remove_file(&new_key);
        let _ = fs::remove_file(&new_cert);
    }
    let pem = fs::read_to_string(&key_path)
        .map_err(|e| format!("cannot read {}: {e}", key_path.display()))?;
    let key = KeyPair::from_pem(&pem).map_err(|e| format!("{}: {e}", key_path.display()))?;
    let params = authority_params(&key);
    if !cert_path.exists() {
        // Deleted, or the other starter has not renamed its own yet: the
        // same key makes an equivalent certificate.
        let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
        fs::write(&cert_path, cert.pem())
            .map_err(|e| format!("cannot write {}: {e}", cert_path.display()))?;
    }
    let cert_path = fs::canonicalize(&cert_path).unwrap_or(cert_path);
    Ok((cert_path, Issuer::new(params, key)))
}

/// The authority's description, made again from its key at each start (a
/// certificate it signs needs only its name and key), so that no parser of
/// certificates is needed. The name carries a digest of the key, so that
/// two machines' authorities are told apart in a trust store.
fn authority_params(key: &KeyPair) -> CertificateParams {
    let digest = Sha256::digest(key.public_key_pem());
    let tag: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let mut params = CertificateParams::default();
    params.distinguished_name = name(&format!("dingcal local CA {tag}"));
    // It signs server certificates only, never another authority.
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    valid_for(&mut params, 20 * 365);
    params
}

/// A certificate for `names` (host names or IP addresses), signed by the
/// authority, with its key.
fn server_certificate(
    names: Vec<String>,
    issuer: &Issuer<'static, KeyPair>,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), String> {
    let key = KeyPair::generate().map_err(|e| e.to_string())?;
    let mut params = CertificateParams::new(names).map_err(|e| format!("--tls-name: {e}"))?;
    params.distinguished_name = name("dingcal");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.use_authority_key_identifier_extension = true;
    // Within the 398 days that browsers accept of a server certificate.
    valid_for(&mut params, 397);
    let cert = params.signed_by(&key, issuer).map_err(|e| e.to_string())?;
    let key = PrivateKeyDer::try_from(key.serialize_der()).map_err(|e| e.to_string())?;
    Ok((vec![cert.der().clone()], key))
}

/// Valid from yesterday (a client's clock may be behind) to `days` from
/// today.
fn valid_for(params: &mut CertificateParams, days: i64) {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let at = |d: jiff::civil::Date| {
        rcgen::date_time_ymd(i32::from(d.year()), d.month() as u8, d.day() as u8)
    };
    params.not_before = at(today.yesterday().unwrap_or(today));
    params.not_after = at(today
        .checked_add(jiff::Span::new().days(days))
        .unwrap_or(today));
}

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name.push(DnType::OrganizationName, "dingcal");
    name
}

/// Writes a private key readable by its owner only.
fn write_private(path: &Path, pem: &str) -> Result<(), String> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut f| f.write_all(pem.as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_authority_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = TlsSource::Local {
            dir: dir.path().to_path_buf(),
            names: vec!["cal.example".into()],
        }
        .load()
        .unwrap();
        let ca = first.ca.unwrap();
        let pem = fs::read_to_string(&ca).unwrap();
        let key = fs::read_to_string(dir.path().join(CA_KEY)).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(CA_KEY))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "the key is its owner's alone");
        }
        let again = TlsSource::Local {
            dir: dir.path().to_path_buf(),
            names: vec![],
        }
        .load()
        .unwrap();
        assert_eq!(again.ca.unwrap(), ca);
        assert_eq!(fs::read_to_string(&ca).unwrap(), pem);
        assert_eq!(fs::read_to_string(dir.path().join(CA_KEY)).unwrap(), key);
    }

    #[test]
    fn given_files_must_hold_a_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        fs::write(&cert, "").unwrap();
        fs::write(&key, "").unwrap();
        let refused = TlsSource::Files { cert, key }.load().err().unwrap();
        assert!(refused.contains("holds no certificate"), "{refused}");
    }
}

//! Trust on first use: a server whose certificate no root vouches for (the self-signed one a
//! VBR server makes for itself) is shown by its fingerprint, not trusted until the operator
//! says so, then pinned in the profile and trusted alone.

use std::sync::Arc;

use veeam_cli::Exit;
use veeam_client::vbr::mock::MockServer;

use super::Operator;

/// A TLS front for `upstream` (host:port) with a fresh self-signed certificate for
/// `localhost`: `https://localhost:PORT`, and the certificate (DER).
async fn tls_front(upstream: String) -> (String, Vec<u8>) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let der = certified.cert.der().to_vec();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.key_pair.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (acceptor, upstream) = (acceptor.clone(), upstream.clone());
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake: nothing to do.
                let Ok(mut tls) = acceptor.accept(stream).await else { return };
                let Ok(mut plain) = tokio::net::TcpStream::connect(upstream).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (format!("https://localhost:{port}"), der)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_certificate_is_pinned_once_its_fingerprint_is_accepted() {
    let server = MockServer::start().await.unwrap();
    server.accept_login("admin", "pw");
    let upstream = server.url().trim_start_matches("http://").trim_end_matches('/').to_owned();
    let (url, der) = tls_front(upstream).await;
    let fingerprint = veeam_cli::tls::fingerprint(&der);
    let op = Operator::new("tofu");
    let login = ["login", "--profile", "t", &url, "--user", "admin", "--password-stdin"];

    // Not a terminal, no --accept-fingerprint: shown, not trusted, nothing kept.
    let run = op.run(&login, "pw\n").await.expect(Exit::Failure);
    assert!(run.stderr.contains(&format!("Its SHA-256 fingerprint is {fingerprint}")), "{}", run.stderr);
    assert!(run.stderr.contains("--accept-fingerprint"), "{}", run.stderr);
    assert_eq!(op.profiles(), "");
    assert!(server.calls("CreateToken").is_empty(), "no password went to an untrusted server");

    // Another fingerprint than the server's: refused.
    let wrong = "00:".repeat(31) + "00";
    op.run(&[&login[..], &["--accept-fingerprint", &wrong]].concat(), "pw\n").await.expect(Exit::Failure);

    // The fingerprint, typed any way: pinned, and the login works.
    let typed = fingerprint.replace(':', "").to_lowercase();
    let run = op.run(&[&login[..], &["--accept-fingerprint", &typed]].concat(), "pw\n").await.expect(Exit::Success);
    assert!(run.stderr.contains("pinned in the profile"), "{}", run.stderr);
    let profiles = op.profiles();
    assert!(profiles.contains(&format!("fingerprint = \"{fingerprint}\"")), "{profiles}");
    assert!(profiles.contains("BEGIN CERTIFICATE"), "{profiles}");

    // Later commands trust the pinned certificate, and it alone.
    op.run(&["--profile", "t", "jobs", "list", "-o", "json"], "").await.expect(Exit::Success);
    let run = op.run(&["profiles", "-o", "json"], "").await.expect(Exit::Success);
    assert!(run.stdout.contains(&format!("pinned {fingerprint}")), "{}", run.stdout);
}

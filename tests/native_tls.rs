//! Native TLS: the client brings its own rustls crypto provider rather than installing one for
//! the whole process (the application's choice), and still verifies the server's certificate.
//! The fixtures are a self-signed certificate for 127.0.0.1 and its key, made for this test
//! (`openssl req -x509 -newkey ec -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1`):
//! no trust store has them, so the handshake must fail for an untrusted certificate.
#![cfg(not(target_arch = "wasm32"))]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use kms_wasm::kms::{KmsClient, ListKeysRequest};
use kms_wasm::{Config, Credentials, ErrorKind};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A TLS server on 127.0.0.1 with the self-signed fixture; answers nothing past the handshake.
fn tls_server() -> u16 {
    let cert = CertificateDer::from(include_bytes!("fixtures/self-signed-127.0.0.1.cert.der").to_vec());
    let key = PrivateKeyDer::try_from(include_bytes!("fixtures/self-signed-127.0.0.1.key.der").to_vec()).unwrap();
    let ring = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(ring).with_safe_default_protocol_versions().unwrap().with_no_client_auth().with_single_cert(vec![cert], key).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let config = Arc::new(config);
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let mut tls = rustls::StreamOwned::new(rustls::ServerConnection::new(config.clone()).unwrap(), tcp);
            let _ = tls.read(&mut [0u8; 1024]); // the client gives up during the handshake
        }
    });
    port
}

/// A TCP server on 127.0.0.1 that answers whatever comes with a plain-HTTP error, as a server
/// without TLS does; counts connections.
fn plain_http_server(connections: Arc<AtomicUsize>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut tcp in listener.incoming().flatten() {
            connections.fetch_add(1, Ordering::SeqCst);
            let _ = tcp.read(&mut [0u8; 1024]);
            let _ = tcp.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    port
}

/// TLS refusals are not retried natively either (as in Node and the SDK): the same certificate or
/// protocol meets the same verdict. The error carries Node's code for it.
#[tokio::test]
async fn tls_refusals_are_not_retried_and_carry_nodes_code() {
    let client = |port: u16| KmsClient::new(Config::builder().region("us-east-1").endpoint(format!("https://127.0.0.1:{port}")).credentials(Credentials::new("AKIDEXAMPLE", "secret", None)).max_attempts(3).retry_base_delay_ms(1).build().unwrap());
    let err = client(tls_server()).list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((err.kind(), err.code(), err.attempts()), (ErrorKind::Network, Some("CERT_REJECTED"), 1), "{err}");
    let connections = Arc::new(AtomicUsize::new(0));
    let err = client(plain_http_server(connections.clone())).list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((err.code(), err.attempts(), connections.load(Ordering::SeqCst)), (Some("ERR_SSL_WRONG_VERSION_NUMBER"), 1, 1), "{err}");
    // A connection refused is a passing fault: retried, and with no TLS code.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = client(closed).list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!((err.kind(), err.code(), err.attempts()), (ErrorKind::Network, None, 3), "{err}");
}

#[tokio::test]
async fn the_client_installs_no_process_wide_crypto_provider_and_refuses_an_untrusted_certificate() {
    let port = tls_server();
    let config = Config::builder().region("us-east-1").endpoint(format!("https://127.0.0.1:{port}")).credentials(Credentials::new("AKIDEXAMPLE", "secret", None)).max_attempts(1).build().unwrap();
    let client = KmsClient::new(config);
    assert!(CryptoProvider::get_default().is_none(), "making a client chose the process's provider");
    let err = client.list_keys(ListKeysRequest::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert!(err.message().to_lowercase().contains("certificate"), "{err}");
    assert!(CryptoProvider::get_default().is_none(), "a call chose the process's provider");
    // The application may still install its own.
    assert!(rustls::crypto::ring::default_provider().install_default().is_ok());
}

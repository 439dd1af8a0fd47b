"""`--upstream https://...` with `--upstream-ca FILE`, end to end through the SDK: a CA and a leaf
certificate for 127.0.0.1 are made with the `openssl` CLI at test time, a TLS-terminating forwarder
(Python's `ssl`) stands in front of a plain oaimock with `--reply`, and a proxying oaimock reaches it
over HTTPS. Without `--upstream-ca` the compiled-in Mozilla roots do not trust the test CA, so the
same request is a 502 in OpenAI's envelope naming the upstream."""

import select
import secrets
import socket
import ssl
import subprocess
import threading

import openai
import pytest

from conftest import Server, raises

REPLY = "Reply from the upstream behind TLS"
HELLO = [{"role": "user", "content": "hello over https"}]
IO_TIMEOUT = 10.0  # every blocking socket call of the forwarder gives up after this


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_certificates(directory):
    """`ca.pem` (a CA: basicConstraints CA:TRUE) and `leaf.pem`/`leaf.key` signed by it, for
    IP:127.0.0.1 and DNS:localhost. P-256 keys: quick to make, and both rustls and Python accept them."""
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl(
        "req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=oaimock test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=directory,
    )
    openssl("req", *key, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=127.0.0.1", cwd=directory)
    (directory / "leaf.ext").write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
        encoding="ascii",
    )
    openssl(
        "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-set_serial", str(secrets.randbits(63)), "-days", "2", "-extfile", "leaf.ext", "-out", "leaf.pem",
        cwd=directory,
    )
    return directory / "ca.pem", directory / "leaf.pem", directory / "leaf.key"


class TlsForwarder:
    """Listens on 127.0.0.1 with TLS (bound and listening once constructed); each accepted connection
    is decrypted and piped, both ways, to the plain server on `target_port`, one thread per connection."""

    def __init__(self, cert, key, target_port):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.25)  # lets the accept loop see `stop`
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.open = set()
        self.handshakes = []  # "ok" or the server-side handshake error, per connection
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            with self.lock:
                self.threads.append(worker)
            worker.start()

    def _serve(self, conn):
        conn.settimeout(IO_TIMEOUT)
        try:
            tls = self.context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as error:
            with self.lock:
                self.handshakes.append(str(error))
            conn.close()
            return
        with self.lock:
            self.handshakes.append("ok")
        try:
            plain = socket.create_connection(("127.0.0.1", self.target_port), timeout=IO_TIMEOUT)
        except OSError:
            tls.close()
            return
        with self.lock:
            self.open.update((tls, plain))
        try:
            self._pipe(tls, plain)
        finally:
            for sock in (tls, plain):
                sock.close()
            with self.lock:
                self.open.difference_update((tls, plain))

    def _pipe(self, tls, plain):
        # One thread reads both sides: an SSL object must not be read and written concurrently.
        while not self.stopping.is_set():
            if not tls.pending():
                readable, _, _ = select.select([tls, plain], [], [], IO_TIMEOUT)
                if not readable:
                    return  # idle past the cap
            else:
                readable = [tls]
            try:
                if tls in readable:
                    data = tls.recv(65536)
                    if not data:
                        return
                    plain.sendall(data)
                if plain in readable:
                    data = plain.recv(65536)
                    if not data:
                        return
                    tls.sendall(data)
            except (ssl.SSLError, OSError):
                return

    def stop(self):
        self.stopping.set()
        self.listener.close()
        with self.lock:
            for sock in self.open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            threads = list(self.threads)
        for thread in threads:
            thread.join(timeout=IO_TIMEOUT)


@pytest.fixture(scope="module")
def tls_upstream(tmp_path_factory):
    """`(forwarder, ca.pem)`: the plain `--reply` oaimock behind the TLS forwarder."""
    ca, cert, key = make_certificates(tmp_path_factory.mktemp("tls"))
    upstream = Server("--token-delay-ms", "0", "--reply", REPLY)
    forwarder = TlsForwarder(cert, key, upstream.port)
    yield forwarder, ca
    forwarder.stop()
    upstream.stop()


@pytest.fixture
def proxy_for():
    """`proxy_for(*flags)`: a proxying oaimock, stopped when the test ends."""
    started = []

    def start(*flags):
        server = Server("--token-delay-ms", "0", *flags)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def test_an_https_upstream_trusted_through_upstream_ca_answers_plain_and_streamed(tls_upstream, proxy_for, client_for):
    forwarder, ca = tls_upstream
    proxy = proxy_for("--upstream", f"https://127.0.0.1:{forwarder.port}", "--upstream-ca", str(ca))
    client = client_for(proxy, max_retries=0)

    plain = client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    assert plain.choices[0].message.content == REPLY
    chunks = list(client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == REPLY
    assert chunks[-1].choices[0].finish_reason == "stop"
    # The requests really went through the TLS forwarder (the proxy knows no other way there).
    assert "ok" in forwarder.handshakes


def test_an_https_upstream_signed_by_an_unknown_ca_is_a_502_naming_it(tls_upstream, proxy_for, client_for):
    forwarder, _ = tls_upstream
    base = f"https://127.0.0.1:{forwarder.port}"
    proxy = proxy_for("--upstream", base)  # only the compiled-in Mozilla roots: the test CA is unknown
    client = client_for(proxy, max_retries=0)

    err = raises(
        openai.InternalServerError,
        lambda: client.chat.completions.create(model="gpt-4o-mini", messages=HELLO),
    )
    assert err.status_code == 502
    assert (err.type, err.code) == ("server_error", "upstream_unreachable")
    # The SDK's message is "Error code: 502 - <the body>"; the envelope's own message is in `body`.
    message = err.body["message"]
    assert err.message.startswith("Error code: 502 - ")
    assert message.startswith(f"The upstream {base} could not be reached: "), message
    assert "certificate" in message.lower(), message

"""The real SMS provider (Brevo's transactional SMS API), tested at the HTTP boundary against a
server on 127.0.0.1 started here: no external network."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from notify.backends.base import SmsDeliveryError, SmsMessage
from notify.backends.brevo import BrevoBackend
from notify.sms import get_backend, send_sms


class FakeBrevo:
    """Records each request; answers with ``status`` and ``body`` (or hangs ``delay`` s)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 201
        self.body = {"reference": "ab1cde2fgh3i4jklmno", "messageId": 1511882900176220}
        self.delay = 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                fake.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(self.rfile.read(length)),
                    }
                )
                if fake.delay:
                    threading.Event().wait(fake.delay)
                payload = json.dumps(fake.body).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v3/transactionalSMS/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def brevo(settings):
    fake = FakeBrevo()
    settings.SMS_BACKEND = "notify.backends.brevo.BrevoBackend"
    settings.SMS_HTTP_URL = fake.url
    settings.SMS_API_KEY = "xkeysib-test-key"
    settings.SMS_SENDER = "Coffre"
    settings.SMS_HTTP_TIMEOUT = 2
    yield fake
    fake.close()


def test_it_posts_the_message_as_brevo_expects(brevo):
    message = send_sms("+33612345678", "Coffre : votre code est 123456.")
    [request] = brevo.requests
    assert request["path"] == "/v3/transactionalSMS/send"
    headers = {key.lower(): value for key, value in request["headers"].items()}
    assert headers["api-key"] == "xkeysib-test-key"
    assert headers["content-type"] == "application/json"
    assert headers["accept"] == "application/json"
    assert request["json"] == {
        "sender": "Coffre",
        "recipient": "33612345678",
        "content": "Coffre : votre code est 123456.",
        "type": "transactional",
        "unicodeEnabled": False,
    }
    assert message.provider_reference == "1511882900176220"


def test_non_latin_text_is_sent_as_unicode(brevo):
    send_sms("+33612345678", "رمزك هو 123456")
    assert brevo.requests[0]["json"]["unicodeEnabled"] is True


@pytest.mark.parametrize("status", [400, 401, 402, 429, 500, 503])
def test_a_refusal_raises(brevo, status):
    brevo.status = status
    brevo.body = {"code": "invalid_parameter", "message": "bad"}
    with pytest.raises(SmsDeliveryError, match=str(status)):
        send_sms("+33612345678", "Bonjour")


def test_a_silent_provider_times_out(brevo, settings):
    settings.SMS_HTTP_TIMEOUT = 0.3
    brevo.delay = 1.5
    with pytest.raises(SmsDeliveryError):
        send_sms("+33612345678", "Bonjour")


def test_an_unreachable_provider_raises(settings):
    backend = BrevoBackend(url="http://127.0.0.1:9/v3/transactionalSMS/send", api_key="k")
    with pytest.raises(SmsDeliveryError):
        backend.send(SmsMessage(to="+33612345678", body="Bonjour"))


def test_the_key_only_travels_over_https(settings):
    settings.SMS_API_KEY = "k"
    for url in ("http://api.example.org/send", "ftp://127.0.0.1/", "file:///etc/passwd"):
        with pytest.raises(ImproperlyConfigured):
            BrevoBackend(url=url)
    assert BrevoBackend(url="https://api.brevo.com/v3/transactionalSMS/send").api_key == "k"


def test_a_key_is_required(settings):
    settings.SMS_API_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        get_backend("notify.backends.brevo.BrevoBackend")

"""SMS backends, chosen by SMS_BACKEND like Django's email backends."""

import io
import stat

import pytest
from django.core.exceptions import ValidationError

from notify.backends import locmem
from notify.backends.base import SmsMessage
from notify.backends.console import ConsoleBackend
from notify.sms import get_backend, send_sms


@pytest.fixture(autouse=True)
def empty_outbox():
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


def test_the_default_backend_prints(settings, capsys):
    assert settings.SMS_BACKEND == "notify.backends.console.ConsoleBackend"
    send_sms("+33612345678", "Bonjour")
    out = capsys.readouterr().out
    assert "SMS to +33612345678" in out and "Bonjour" in out


def test_locmem_keeps_messages_in_its_outbox(settings):
    settings.SMS_BACKEND = "notify.backends.locmem.LocmemBackend"
    message = send_sms("+33612345678", "Votre rendez-vous est demain.")
    assert locmem.outbox == [message]
    assert (message.to, message.body) == ("+33612345678", "Votre rendez-vous est demain.")


def test_the_file_backend_writes_one_private_file_per_message(settings, tmp_path):
    settings.SMS_BACKEND = "notify.backends.file.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    send_sms("+33612345678", "Premier")
    send_sms("+33698765432", "Deuxième")
    files = sorted((tmp_path / "sms").iterdir())
    assert len(files) == 2
    texts = [path.read_text(encoding="utf-8") for path in files]
    assert any("To: +33612345678" in text and "Premier" in text for text in texts)
    assert any("To: +33698765432" in text and "Deuxième" in text for text in texts)
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in files)


@pytest.mark.parametrize("phone", ["", "0612345678", "+33 6 12 34 56 78", "+1"])
def test_only_international_numbers(settings, phone):
    settings.SMS_BACKEND = "notify.backends.locmem.LocmemBackend"
    with pytest.raises(ValidationError):
        send_sms(phone, "Bonjour")
    assert locmem.outbox == []


def test_an_empty_message_is_refused(settings):
    settings.SMS_BACKEND = "notify.backends.locmem.LocmemBackend"
    with pytest.raises(ValueError):
        send_sms("+33612345678", "  ")


def test_a_backend_by_dotted_path():
    backend = get_backend("notify.backends.console.ConsoleBackend")
    assert isinstance(backend, ConsoleBackend)
    stream = io.StringIO()
    ConsoleBackend(stream).send(SmsMessage(to="+33612345678", body="x"))
    assert "+33612345678" in stream.getvalue()

from .base import BaseSmsBackend, SmsMessage

# Every message "sent" in this process, in order: tests read and clear it.
outbox: list[SmsMessage] = []


class LocmemBackend(BaseSmsBackend):
    """Keeps messages in ``notify.backends.locmem.outbox`` (tests)."""

    def send(self, message: SmsMessage) -> None:
        outbox.append(message)

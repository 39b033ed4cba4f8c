import sys
import threading
from typing import TextIO

from .base import BaseSmsBackend, SmsMessage


class ConsoleBackend(BaseSmsBackend):
    """Prints each message (development: nothing leaves the machine)."""

    _lock = threading.Lock()

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, message: SmsMessage) -> None:
        with self._lock:
            self.stream.write(f"SMS to {message.to} ({message.created_at.isoformat()}):\n")
            self.stream.write(message.body + "\n" + "-" * 40 + "\n")
            self.stream.flush()

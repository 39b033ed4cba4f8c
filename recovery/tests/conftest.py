from typing import Any

import pytest
from django.utils import timezone

from tests.factories import BeneficiaryFactory

PHONE = "+33612345678"


@pytest.fixture(autouse=True)
def recovery_outbox(sms_outbox: Any, settings: Any) -> Any:
    """Every SMS goes to the in-memory outbox; recovery answers at once (no evening delay)."""
    settings.COFFRE_RECOVERY_MIN_SECONDS = 0
    return sms_outbox


@pytest.fixture
def person(db: None) -> Any:
    """A beneficiary with a verified phone."""
    beneficiary = BeneficiaryFactory(phone=PHONE)
    user = beneficiary.user
    user.phone = PHONE
    user.phone_verified_at = timezone.now()
    user.save()
    return beneficiary


def digits_in(message: Any) -> str:
    import re

    found = re.search(r"\b(\d{6})\b", message.body)
    assert found, message.body
    return found.group(1)

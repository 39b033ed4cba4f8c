"""Fixtures shared by every test module: real database, real storage, real encryption."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def blob_dir(settings: Any, tmp_path_factory: Any) -> Iterator[Path]:
    """A fresh blob storage directory per test: tests can look at what really lands on disk."""
    path = Path(tempfile.mkdtemp(prefix="blobs-", dir=tmp_path_factory.getbasetemp()))
    settings.STORAGES = {
        **settings.STORAGES,
        "blobs": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(path)},
        },
    }
    yield path
    shutil.rmtree(path, ignore_errors=True)


class World:
    """Every kind of actor around one beneficiary (DESIGN.md §5), with real rows."""

    def __init__(self):  # untyped: factory_boy instances
        from accounts.models import User
        from structures.models import Membership
        from tests.factories import (
            AffiliationFactory,
            BeneficiaryFactory,
            MembershipFactory,
            StructureFactory,
            UserFactory,
        )

        self.structure = StructureFactory(name="Relais A")
        self.other_structure = StructureFactory(name="Relais B")
        self.ended_structure = StructureFactory(name="Relais C")
        self.beneficiary = BeneficiaryFactory()
        self.owner = self.beneficiary.user
        self.stranger_beneficiary = BeneficiaryFactory()
        AffiliationFactory(beneficiary=self.beneficiary, structure=self.structure)
        ended = AffiliationFactory(beneficiary=self.beneficiary, structure=self.ended_structure)
        ended.end()
        self.professional = MembershipFactory(structure=self.structure).user
        self.admin = MembershipFactory(structure=self.structure, role=Membership.Role.ADMIN).user
        self.other_professional = MembershipFactory(structure=self.other_structure).user
        former = MembershipFactory(structure=self.structure)
        former.end()
        self.former_member = former.user
        self.professional_affiliation_ended = MembershipFactory(structure=self.ended_structure).user
        self.staff = UserFactory(kind=User.Kind.STAFF, is_staff=True, is_superuser=True)


@pytest.fixture
def world(db: None) -> World:
    return World()


@pytest.fixture
def owner(db: None):  # a beneficiary with an empty vault
    from tests.factories import BeneficiaryFactory

    return BeneficiaryFactory()


@pytest.fixture
def logged_in(client: Any, owner: Any) -> Any:
    """The test client, signed in as ``owner``."""
    client.force_login(owner.user)
    return client


@pytest.fixture
def sms_outbox(settings: Any) -> Any:
    """Every SMS goes to the in-memory outbox of the test backend (our boundary)."""
    from notify.backends import locmem

    settings.SMS_BACKEND = "notify.backends.locmem.LocmemBackend"
    locmem.outbox.clear()
    yield locmem.outbox
    locmem.outbox.clear()

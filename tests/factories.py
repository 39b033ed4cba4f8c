"""factory_boy factories for the whole domain (one place: the domain is small)."""

import datetime

import factory
from django.test import TestCase
from django.utils import timezone

from accounts.models import Beneficiary, User
from structures.models import Affiliation, Membership, Structure
from vault import services
from vault.models import Document, Folder, Visibility
from vault.specimens import text_pdf

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    kind = User.Kind.PROFESSIONAL
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]  # noqa: N805
        if create:
            obj.save()


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure

    name = factory.Sequence(lambda n: f"Relais {n}")
    kind = Structure.Kind.DAY_CENTRE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory, kind=User.Kind.PROFESSIONAL)
    structure = factory.SubFactory(StructureFactory)
    role = Membership.Role.MEMBER


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    user = factory.SubFactory(UserFactory, kind=User.Kind.BENEFICIARY)
    first_name = factory.SelfAttribute("user.first_name")
    last_name = factory.SelfAttribute("user.last_name")
    birth_date = datetime.date(1985, 6, 15)
    default_visibility = Visibility.PRIVATE


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    structure = factory.SubFactory(StructureFactory)
    created_by = factory.SubFactory(UserFactory, kind=User.Kind.PROFESSIONAL)
    consented_at = factory.LazyFunction(timezone.now)


def make_document(
    owner: Beneficiary,
    *,
    visibility: str = Visibility.PRIVATE,
    title: str = "Attestation",
    created_by: User | None = None,
    content: bytes | None = None,
    folder: Folder | None = None,
) -> Document:
    """A real document: encrypted blob in storage, rows, journal entry — through the service."""
    data = content if content is not None else text_pdf([f"SPECIMEN {title}"])
    # Run the processing task queued on commit, as the worker would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.add_document(
            owner,
            created_by or owner.user,
            f"{title}.pdf",
            [data],
            title=title,
            visibility=visibility,
            folder=folder,
        )

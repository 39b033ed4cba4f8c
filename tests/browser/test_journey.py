"""End-to-end journeys in the system Chromium, in French, with axe-core on every page."""

import datetime
import re
import uuid
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, Request, expect

from accounts.models import User
from journal.models import JournalEntry
from tests.browser.helpers import check_a11y, check_layout, fr, fr_plural, log_in, log_out, visit
from tests.factories import AffiliationFactory, BeneficiaryFactory
from vault import services
from vault.models import Document, Visibility
from vault.specimens import card_image, text_pdf

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
WIDTHS = (360, 1280)


def write(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def field(page: Page, label: str):
    """A form field by the start of its French label (Django adds " :" after labels in French)."""
    return page.get_by_label(re.compile("^" + re.escape(fr(label))))


def upload_form(page: Page):
    return page.locator("form.upload-form")


def test_main_journey(page: Page, world, tmp_path):
    owner = world.beneficiary
    pdf = text_pdf(["SPECIMEN", "Attestation d'hebergement", "Jean FICTIF"])
    photo = card_image(["SPECIMEN", "Carte d'identite", "FICTIF Jean"], fmt="JPEG")
    pdf_path = write(tmp_path, "Attestation_hebergement.pdf", pdf)
    photo_path = write(tmp_path, "Carte_identite.jpg", photo)
    shared_title, private_title = "Attestation hebergement", "Carte identite"

    # The person logs in and sends a PDF (file picker) and a photo (camera input).
    log_in(page, world.owner.username)
    expect(page).to_have_url(re.compile(reverse("vault:home") + "$"))
    form = upload_form(page)
    form.locator("input[type=file][capture]").set_input_files(photo_path)
    form.locator("input[type=file][multiple]").set_input_files(pdf_path)
    expect(form.locator(".chosen li")).to_have_count(2)
    form.get_by_role("button", name=fr("Send")).click()
    expect(page.locator(".message.success")).to_have_text(
        fr_plural("%(count)d paper added.", "%(count)d papers added.", 2)
    )
    check_a11y(page)
    documents = {d.title: d for d in Document.objects.filter(owner=owner)}
    assert set(documents) == {shared_title, private_title}
    assert {d.state for d in documents.values()} == {Document.State.READY}
    assert {d.visibility for d in documents.values()} == {Visibility.PRIVATE}
    shared, private = documents[shared_title], documents[private_title]

    # One tap on the "Private" badge shares the PDF (htmx swaps the card in place).
    card = page.locator("li.doc", has_text=shared_title)
    card.get_by_role("button", name=fr("Private")).click()
    expect(card.get_by_role("button", name=fr("Shared"))).to_be_visible()
    expect(
        page.locator("li.doc", has_text=private_title).get_by_role("button", name=fr("Private"))
    ).to_be_visible()
    check_a11y(page)
    shared.refresh_from_db()
    private.refresh_from_db()
    assert shared.visibility == Visibility.SHARED
    assert private.visibility == Visibility.PRIVATE
    log_out(page)

    # A social worker of the person's structure finds them and downloads the shared paper only.
    log_in(page, world.professional.username)
    expect(page.get_by_role("heading", name=world.structure.name)).to_be_visible()
    page.get_by_role("searchbox").fill(owner.last_name)
    person = page.locator("#results a", has_text=owner.first_name)
    expect(person).to_have_count(1)
    person.click()
    expect(page.get_by_role("heading", name=owner.full_name)).to_be_visible()
    check_a11y(page)
    papers = page.locator("li.doc")
    expect(papers).to_have_count(1)
    expect(papers).to_contain_text(shared_title)
    expect(page.get_by_text(private_title)).to_have_count(0)
    papers.get_by_role("link").click()
    expect(page.get_by_role("heading", name=shared_title)).to_be_visible()
    check_a11y(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=fr("Download")).click()
    download = download_info.value
    assert Path(download.path()).read_bytes() == pdf
    assert download.suggested_filename.endswith(".pdf")
    log_out(page)

    # A social worker of another structure: neither the paper nor its file exist for them.
    log_in(page, world.other_professional.username)
    for url in (
        reverse("vault:download", args=[shared.code]),
        reverse("vault:document", args=[shared.code]),
        reverse("vault:download", args=[private.code]),
    ):
        visit(page, url, status=404)
        expect(page.get_by_role("heading", name=fr("This page does not exist"))).to_be_visible()
    log_out(page)

    # Back to the person: "who saw my papers" names the social worker and the paper.
    log_in(page, world.owner.username)
    page.get_by_role("link", name=fr("Who saw them")).click()
    expect(page.get_by_role("heading", name=fr("Who saw my papers"))).to_be_visible()
    check_a11y(page)
    for action in ("looked at", "downloaded"):
        entry = page.locator("li.entry").filter(has_text=f"{fr(action)} « {shared_title} »")
        expect(entry).to_have_count(1)
        expect(entry).to_contain_text(world.professional.display_name)
        expect(entry).to_contain_text(world.structure.name)
    expect(page.locator("ol.journal")).not_to_contain_text(world.other_professional.display_name)
    expect(page.locator("ol.journal")).not_to_contain_text(private_title)
    # Their refused attempts leave nothing in the person's journal (their own logins are in the
    # platform chain).
    assert not JournalEntry.objects.filter(
        actor=world.other_professional, beneficiary=world.beneficiary
    ).exists()


def test_fake_pdf_is_refused_with_a_message(page: Page, world, tmp_path, blob_dir):
    fake = write(tmp_path, "releve.pdf", b"Ceci est un simple fichier texte, pas un PDF.\n" * 20)
    log_in(page, world.owner.username)
    upload_form(page).locator("input[type=file][multiple]").set_input_files(fake)
    upload_form(page).get_by_role("button", name=fr("Send")).click()
    error = page.locator(".messages .message.error")
    expect(error).to_have_text(
        fr(
            "“%(name)s” is not a kind of file we accept. Send a photo (JPEG, PNG, HEIC, "
            "WebP) or a PDF.",
            name="releve.pdf",
        )
    )
    check_a11y(page)
    expect(page.locator("li.doc")).to_have_count(0)
    assert not Document.objects.filter(owner=world.beneficiary).exists()
    assert [p for p in blob_dir.rglob("*") if p.is_file()] == []


def test_a_file_over_the_limit_is_refused_before_sending(
    page: Page, world, tmp_path, settings, blob_dir
):
    settings.COFFRE_MAX_UPLOAD_BYTES = 50_000
    big = write(tmp_path, "gros.pdf", b"%PDF-1.4\n" + b"0" * 80_000)
    log_in(page, world.owner.username)
    sent: list[str] = []

    def note_post(request: Request) -> None:
        if request.method == "POST":
            sent.append(request.url)

    page.on("request", note_post)
    upload_form(page).locator("input[type=file][multiple]").set_input_files(big)
    upload_form(page).get_by_role("button", name=fr("Send")).click()
    expect(page.locator(".upload-error")).to_contain_text("gros.pdf")
    expect(page.locator(".upload-error")).to_contain_text("50 Ko")
    check_a11y(page)
    assert sent == []  # nothing went over the network
    assert not Document.objects.filter(owner=world.beneficiary).exists()


def test_a_refused_request_says_so_and_keeps_the_page(page: Page, world, tmp_path, blob_dir):
    paper = write(tmp_path, "a.pdf", text_pdf(["SPECIMEN"]))
    log_in(page, world.owner.username)
    # The page stayed open too long: the CSRF cookie is gone, the server refuses the upload.
    page.context.clear_cookies(name="csrftoken")
    upload_form(page).locator("input[type=file][multiple]").set_input_files(paper)
    upload_form(page).get_by_role("button", name=fr("Send")).click()
    expect(page.locator(".upload-error")).to_have_text(
        fr("Sending did not work. Check your connection, reload the page and try again.")
    )
    expect(upload_form(page).get_by_role("button", name=fr("Send"))).to_be_enabled()
    assert not Document.objects.filter(owner=world.beneficiary).exists()
    assert [p for p in blob_dir.rglob("*") if p.is_file()] == []


def test_professional_creates_an_account_that_works(page: Page, world):
    log_in(page, world.professional.username)
    page.get_by_role("link", name=fr("Create an account for someone")).click()
    expect(page.get_by_role("heading", name=fr("Create an account for someone"))).to_be_visible()
    check_a11y(page)
    field(page, "First name").fill("Aïcha")
    field(page, "Last name").fill("Benali-Fictif")
    field(page, "Birth date").fill("1990-03-12")
    field(page, "Password chosen by the person").fill("le chat dort sur le toit")
    field(
        page,
        "The person accepts the terms of use and agrees that this structure sees the papers "
        "they share.",
    ).check()
    page.get_by_role("button", name=fr("Create the account")).click()
    expect(page.get_by_role("heading", name=fr("The account is ready"))).to_be_visible()
    check_a11y(page)
    username = page.get_by_test_id("new-username").inner_text().strip()
    assert username
    user = User.objects.get(username=username)
    assert user.kind == User.Kind.BENEFICIARY
    assert user.beneficiary.birth_date == datetime.date(1990, 3, 12)
    assert user.beneficiary.affiliations.filter(structure=world.structure).exists()
    log_out(page)

    log_in(page, username, "le chat dort sur le toit")
    expect(page).to_have_url(re.compile(reverse("vault:home") + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aïcha")


# --- Screenshots -------------------------------------------------------------------------------


def shoot(page: Page, name: str) -> None:
    """Full-page screenshots at phone and desktop widths, with axe and the layout check at each."""
    SCREENSHOTS.mkdir(exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        check_a11y(page)
        check_layout(page)
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def add(owner, actor, name: str, data: bytes, **kwargs) -> Document:
    return services.add_document(owner, actor, name, [data], **kwargs)


def test_screenshots(page: Page, world):
    owner = world.beneficiary
    folder = services.create_folder(owner, world.owner, "Santé")
    photo = add(
        owner,
        world.owner,
        "carte.png",
        card_image(["SPECIMEN", "Carte d'identité"]),
        title="Carte d'identité",
        visibility=Visibility.SHARED,
    )
    add(owner, world.owner, "a.pdf", text_pdf(["Attestation CAF"]), title="Attestation CAF")
    add(
        owner,
        world.owner,
        "b.pdf",
        text_pdf(["Avis d'imposition"]),
        title="Avis d'imposition 2024 — revenus 2023 — déclaration commune avec mon conjoint",
        visibility=Visibility.SHARED,
    )
    add(
        owner,
        world.owner,
        "c.pdf",
        text_pdf(["Carte Vitale"]),
        title="Carte Vitale",
        folder=folder,
        visibility=Visibility.SHARED,
    )
    for first, last in [
        ("Marie-Christine", "De La Fontaine-Beauregard-Fictif"),
        ("Ali", "Fictif"),
        ("Jean", "Fictif-Martin"),
    ]:
        AffiliationFactory(
            beneficiary=BeneficiaryFactory(user__first_name=first, user__last_name=last),
            structure=world.structure,
        )

    visit(page, "/login/")
    shoot(page, "login")

    # Professional pages (this also fills the person's journal).
    log_in(page, world.professional.username)
    page.get_by_role("searchbox").fill("fictif")
    expect(page).to_have_url(re.compile(r"\?q=fictif$"))  # htmx pushes the search into the URL
    expect(page.locator("#results li")).to_have_count(3)
    shoot(page, "structure-search")
    visit(page, reverse("structures:beneficiary", args=[owner.code]))
    shoot(page, "pro-beneficiary")
    visit(page, reverse("vault:document", args=[photo.code]))
    with page.expect_download():
        page.get_by_role("link", name=fr("Download")).click()
    visit(page, reverse("structures:beneficiary_create", args=[world.structure.code]))
    shoot(page, "account-create")
    page.get_by_role("button", name=fr("Create the account")).click()
    expect(page.locator(".errorlist").first).to_be_visible()
    shoot(page, "account-create-errors")
    log_out(page)

    log_in(page, world.admin.username)
    visit(page, reverse("structures:team", args=[world.structure.code]))
    shoot(page, "team")
    log_out(page)

    log_in(page, world.owner.username)
    shoot(page, "home")
    visit(page, reverse("vault:document", args=[photo.code]))
    shoot(page, "document")
    visit(page, reverse("vault:journal"))
    shoot(page, "journal")
    visit(page, reverse("vault:document", args=[uuid.uuid4()]), status=404)
    shoot(page, "404")

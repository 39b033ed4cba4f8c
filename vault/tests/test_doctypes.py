import re
import unicodedata
import xml.etree.ElementTree as ET
from datetime import date
from urllib.parse import urlsplit

import pytest
from django.template.loader import get_template
from django.utils import translation

from tests import mrz_specimens as spec
from vault import doctypes
from vault.models import Document
from vault.mrz import parse_mrz

T = Document.Type
SVG = "{http://www.w3.org/2000/svg}"  # absent when inline in HTML, as here
OFFICIAL_DOMAINS = (
    "service-public.fr",
    "interieur.gouv.fr",
    "ants.gouv.fr",
    "ameli.fr",
    "impots.gouv.fr",
    "caf.fr",
    "francetravail.fr",
)


class TestCatalogue:
    def test_it_has_every_kind_of_paper_in_model_order(self):
        assert list(doctypes.CATALOGUE) == list(T.values)
        for code, kind in doctypes.CATALOGUE.items():
            assert kind.code == code and type(kind.code) is str

    def test_it_gives_the_model_label(self):
        with translation.override("en"):
            assert doctypes.get(T.PASSPORT).label == "Passport"
            assert doctypes.get("residence_permit").label == "Residence permit"

    def test_it_falls_back_to_other_for_an_unknown_code(self):
        assert doctypes.get("driving_licence") is doctypes.CATALOGUE[T.OTHER]
        assert doctypes.get("") is doctypes.CATALOGUE[T.OTHER]

    @pytest.mark.parametrize("code", T.values)
    def test_it_has_a_pictogram_that_exists_and_hides_from_screen_readers(self, code):
        kind = doctypes.get(code)
        assert kind.pictogram == f"icons/doctypes/{code}.svg"
        path = get_template(kind.pictogram).origin.name
        root = ET.parse(path).getroot()
        assert root.tag.removeprefix(SVG) == "svg"
        assert root.get("aria-hidden") == "true"
        assert root.get("viewBox") == "0 0 24 24"
        assert "doc-icon" in root.get("class", "").split()
        assert (root.get("width"), root.get("height")) == ("36", "36")
        tags = {element.tag.removeprefix(SVG) for element in root.iter()}
        # A picture, not words (people who read little), and nothing active.
        assert tags <= {"svg", "path", "circle", "rect", "g"}
        with open(path, encoding="utf-8") as svg:
            source = svg.read()
        assert "currentColor" in source and "script" not in source and "href" not in source

    def test_it_has_a_different_pictogram_for_each_kind(self):
        sources = set()
        for kind in doctypes.CATALOGUE.values():
            with open(get_template(kind.pictogram).origin.name, encoding="utf-8") as svg:
                sources.add(svg.read())
        assert len(sources) == len(doctypes.CATALOGUE)

    @pytest.mark.parametrize("code", T.values)
    def test_it_links_renewal_to_official_sites_only(self, code):
        url = doctypes.get(code).renewal_url
        if not url:
            return
        parts = urlsplit(url)
        assert parts.scheme == "https"
        assert any(
            parts.hostname == domain or parts.hostname.endswith("." + domain)
            for domain in OFFICIAL_DOMAINS
        ), url

    def test_it_links_the_papers_people_renew_most(self):
        for code in (T.IDENTITY_CARD, T.PASSPORT, T.RESIDENCE_PERMIT, T.DOMICILIATION, T.CSS):
            assert doctypes.get(code).renewal_url

    def test_it_marks_which_kinds_expire(self):
        expiring = {code for code, kind in doctypes.CATALOGUE.items() if kind.expires}
        assert {T.IDENTITY_CARD, T.PASSPORT, T.RESIDENCE_PERMIT, T.RECEIPT} <= expiring
        assert {T.CSS, T.DOMICILIATION} <= expiring
        assert not {T.BIRTH_CERTIFICATE, T.DIPLOMA, T.CV, T.OTHER} & expiring

    def test_it_stores_keywords_normalised(self):
        for kind in doctypes.CATALOGUE.values():
            assert len(set(kind.keywords)) == len(kind.keywords)
            for keyword in kind.keywords:
                assert doctypes.normalise(keyword) == keyword
        assert doctypes.CATALOGUE[T.OTHER].keywords == ()


class TestNormalise:
    def test_it_lowercases_strips_accents_and_punctuation(self):
        assert doctypes.normalise("  CARTE Nationale\nD'IDENTITÉ  N° ") == (
            "carte nationale d identite n"
        )
        assert doctypes.normalise("Relevé d’identité bancaire") == "releve d identite bancaire"
        assert doctypes.normalise("Cœur") == "coeur"


SAMPLES = {
    T.IDENTITY_CARD: """RÉPUBLIQUE FRANÇAISE
        CARTE NATIONALE D'IDENTITÉ N° : 123456789012
        Nationalité Française
        Nom : FICTIF   Prénom(s) : Camille
        Sexe : F   Né(e) le : 02.04.1988 à : VILLEFICTIVE
        Taille : 1,65 m   Signature du titulaire""",
    T.PASSPORT: """RÉPUBLIQUE FRANÇAISE
        PASSEPORT
        Type P   Code du pays FRA   Passeport n° 00AA00000
        Nom FICTIF   Prénoms Camille
        Date de délivrance 01 02 2020   Date d'expiration 31 01 2030""",
    T.RESIDENCE_PERMIT: """RÉPUBLIQUE FRANÇAISE
        TITRE DE SÉJOUR
        Nom FICTIF   Prénoms Camille
        Type de titre : CARTE DE SÉJOUR PLURIANNUELLE
        Remarques : VIE PRIVÉE ET FAMILIALE""",
    T.RECEIPT: """PRÉFECTURE DE VILLEFICTIVE
        RÉCÉPISSÉ DE DEMANDE DE TITRE DE SÉJOUR
        Ce récépissé autorise son titulaire à travailler
        Valable du 01/02/2025 au 30/04/2025""",
    T.HEALTH_CARD: """carte Vitale
        CAMILLE FICTIF
        2 88 04 99 999 999 99
        l'Assurance Maladie""",
    T.CSS: """Attestation de droits à la Complémentaire santé solidaire
        Bénéficiaire : Camille FICTIF
        Droits ouverts du 01/01/2025 au 31/12/2025
        l'Assurance Maladie""",
    T.DOMICILIATION: """ATTESTATION D'ÉLECTION DE DOMICILE
        des personnes sans domicile stable
        Organisme domiciliataire : CCAS de Villefictive
        Valable jusqu'au 14/03/2026""",
    T.TAX_NOTICE: """DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES
        AVIS D'IMPÔT 2024 — IMPÔT SUR LES REVENUS de 2023
        Numéro fiscal : 00 00 000 000 000
        Revenu fiscal de référence : 9 876   Nombre de parts : 1""",
    T.PAYSLIP: """BULLETIN DE PAIE — Période du 01/05/2025 au 31/05/2025
        Salaire de base 151,67 h
        Cotisations salariales
        Net à payer avant impôt sur le revenu 1 402,15 €
        Impôt sur le revenu prélevé à la source
        NET À PAYER 1 380,00 €""",
    T.BANK_DETAILS: """RELEVÉ D'IDENTITÉ BANCAIRE
        Titulaire du compte : Mme Camille FICTIF
        Domiciliation : AGENCE CENTRE
        Code banque Code guichet N° de compte Clé RIB
        IBAN : FR00 0000 0000 0000 0000 0000 000   BIC : XXXXFRPP""",
    T.BIRTH_CERTIFICATE: """EXTRAIT D'ACTE DE NAISSANCE N° 123
        Le deux avril mil neuf cent quatre-vingt-huit est née Camille FICTIF
        Mentions marginales : néant
        Délivré par l'officier de l'état civil""",
    T.FAMILY_RECORD: """LIVRET DE FAMILLE
        Extrait de l'acte de mariage
        Époux : Jean FICTIF   Épouse : Camille EXEMPLE
        Enfants""",
    T.PROOF_OF_ADDRESS: """FACTURE D'ÉLECTRICITÉ
        Client : Camille FICTIF
        Point de livraison : 00000000000000
        Consommation du 01/03 au 30/04   Montant TTC : 45,90 €""",
    T.CAF: """Caisse d'allocations familiales de Villefictive
        ATTESTATION DE PAIEMENT
        Revenu de solidarité active : 607,75 €
        Prime d'activité — www.caf.fr""",
    T.FRANCE_TRAVAIL: """France Travail
        ATTESTATION D'INSCRIPTION
        Vous êtes inscrite comme demandeur d'emploi depuis le 03/02/2025
        Identifiant France Travail : 0000000A""",
    T.DIPLOMA: """RÉPUBLIQUE FRANÇAISE
        MINISTÈRE DE L'ÉDUCATION NATIONALE
        CERTIFICAT D'APTITUDE PROFESSIONNELLE Cuisine
        délivré à Camille FICTIF   Session 2015""",
    T.CV: """Camille FICTIF — Cuisinière
        EXPÉRIENCE PROFESSIONNELLE
        2019-2023 Commis de cuisine, Restaurant Fictif
        FORMATION : CAP Cuisine
        COMPÉTENCES — Langues : français, arabe
        Centres d'intérêt : football""",
    T.MEDICAL_CERTIFICATE: """CERTIFICAT MÉDICAL
        Je soussigné, Docteur Jean EXEMPLE, certifie avoir examiné
        Mme Camille FICTIF ce jour.
        Cabinet médical des Lilas""",
}


def ocr_noise(text):
    """What OCR does to printed French: accents and apostrophes lost, casing mixed, spaces
    doubled, lines broken elsewhere."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.replace("'", " ").upper()
    text = re.sub(r" +", "   ", text)
    return re.sub(r"\n\s*", " \n ", text).swapcase()


class TestSuggestType:
    @pytest.mark.parametrize("code", list(SAMPLES))
    def test_it_recognises_each_kind(self, code):
        assert doctypes.suggest_type(SAMPLES[code]) == code

    @pytest.mark.parametrize("code", list(SAMPLES))
    def test_it_copes_with_ocr_noise(self, code):
        assert doctypes.suggest_type(ocr_noise(SAMPLES[code])) == code

    def test_it_recognises_a_phrase_split_over_two_lines(self):
        assert doctypes.suggest_type("BULLETIN DE\nPAIE\nmai 2025") == T.PAYSLIP

    def test_it_covers_every_kind_but_other(self):
        assert set(SAMPLES) == set(T.values) - {T.OTHER}

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "Liste de courses : pain, lait, pommes, café",
            "Bonjour, rendez-vous mardi à 14 h au centre d'accueil. Cordialement",
            "Voici ma facture",  # one weak word is not enough
            "bulletin de paie, livret de famille",  # a tie is not a choice
        ],
    )
    def test_it_does_not_guess_on_weak_evidence(self, text):
        assert doctypes.suggest_type(text) is None

    def test_it_counts_a_repeated_word_once(self):
        assert doctypes.suggest_type("facture " * 20) is None


def zone(builder, *args, **kwargs):
    return parse_mrz(builder(*args, **kwargs))


BIRTH, EXPIRY = date(1988, 4, 2), date(2031, 9, 30)


class TestSuggestTypeFromZone:
    def test_a_passport_zone_wins_over_the_text(self):
        mrz = parse_mrz(spec.ICAO_TD3)
        assert doctypes.suggest_type(SAMPLES[T.PAYSLIP], mrz) == T.PASSPORT

    def test_the_french_1988_card_is_an_identity_card(self):
        mrz = parse_mrz(spec.FR1988_SPECIMEN)
        assert doctypes.suggest_type(SAMPLES[T.CV], mrz) == T.IDENTITY_CARD

    def test_a_td1_identity_card_is_an_identity_card(self):
        mrz = zone(spec.td1, "Fictif", "Camille", "X4RTBPFW4", "FRA", BIRTH, "F", EXPIRY)
        assert doctypes.suggest_type("", mrz) == T.IDENTITY_CARD
        assert doctypes.suggest_type("", parse_mrz(spec.ICAO_TD1)) == T.IDENTITY_CARD

    def test_a_td2_identity_card_is_an_identity_card(self):
        mrz = zone(spec.td2, "Fictif", "Camille", "AB1234567", "UTO", BIRTH, "F", EXPIRY)
        assert doctypes.suggest_type("", mrz) == T.IDENTITY_CARD

    @pytest.mark.parametrize("code", ["IR", "TS", "V"])
    def test_residence_permit_codes_are_residence_permits(self, code):
        mrz = zone(
            spec.td1, "Fictif", "Camille", "X4RTBPFW4", "SEN", BIRTH, "F", EXPIRY,
            document_code=code, issuing_country="FRA",
        )  # fmt: skip
        assert doctypes.suggest_type(SAMPLES[T.IDENTITY_CARD], mrz) == T.RESIDENCE_PERMIT

    def test_a_french_card_for_a_foreign_national_is_a_residence_permit(self):
        mrz = zone(
            spec.td1, "Fictif", "Camille", "X4RTBPFW4", "SEN", BIRTH, "F", EXPIRY,
            document_code="ID", issuing_country="FRA",
        )  # fmt: skip
        assert doctypes.suggest_type("", mrz) == T.RESIDENCE_PERMIT

    def test_a_zone_that_failed_its_checks_still_names_the_kind(self):
        lines = list(spec.ICAO_TD3)
        lines[1] = lines[1][:-1] + "5"
        mrz = parse_mrz(lines)
        assert not mrz.checks_ok
        assert doctypes.suggest_type("", mrz) == T.PASSPORT

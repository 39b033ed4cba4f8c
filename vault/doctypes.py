"""What we know about each kind of paper: its pictogram, where to renew it, how to recognise it.

Why: people who read little find their papers by picture, and a paper of the right kind can be
named, reminded before it expires and renewed through the right official page. The kind is
suggested after OCR (``suggest_type``), never imposed: the person confirms it.
"""

import re
import unicodedata
from dataclasses import dataclass

from vault.models import Document
from vault.mrz import MrzFields

T = Document.Type


@dataclass(frozen=True)
class DocType:
    code: str  # a Document.Type value
    pictogram: str  # template path of an inline SVG
    renewal_url: str  # official page to renew it or get it again; "" when there is none
    expires: bool  # whether this kind usually carries an end of validity worth a reminder
    keywords: tuple[str, ...]  # normalised (see ``normalise``) words or phrases

    @property
    def label(self) -> str:
        return str(Document.Type(self.code).label)


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def normalise(text: str) -> str:
    """Lowercase, no accents, only letters and digits separated by single spaces.

    OCR drops accents and apostrophes unevenly (``d'identité``, ``d identite``, ``D'IDENTITE``),
    so text and keywords are both reduced to this form before comparing."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES).lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", bare).split())


def _kind(code: str, renewal_url: str, expires: bool, *keywords: str) -> DocType:
    code = str(code)  # the plain value, not the enum member
    return DocType(code, f"icons/doctypes/{code}.svg", renewal_url, expires, keywords)


_ANEF = "https://administration-etrangers-en-france.interieur.gouv.fr/"
_SP = "https://www.service-public.fr/particuliers/vosdroits/"

_KINDS = [
    _kind(
        T.IDENTITY_CARD, _SP + "N358", True,
        "carte nationale d identite", "carte d identite", "identity card", "carte valable jusqu au",
        "cni",
    ),
    _kind(
        T.PASSPORT, _SP + "N360", True,
        "republique francaise passeport", "passeport passport", "passeport n", "passport no",
        "code du pays", "passeport", "passport",
    ),
    _kind(
        T.RESIDENCE_PERMIT, _ANEF, True,
        "titre de sejour", "carte de sejour", "carte de resident", "residence permit",
        "vie privee et familiale", "carte de sejour pluriannuelle", "type de titre",
        "sejour", "resident", "prefecture",
    ),
    _kind(
        # Récépissés and their ANEF successors (attestation de prolongation d'instruction) are
        # renewed with the residence permit application, on the same site.
        T.RECEIPT, _ANEF, True,
        "recepisse de demande de titre de sejour", "recepisse de demande de carte de sejour",
        "recepisse de demande", "attestation de prolongation d instruction",
        "attestation de decision favorable", "recepisse",
    ),
    _kind(
        T.HEALTH_CARD,
        "https://www.ameli.fr/assure/remboursements/etre-bien-rembourse/carte-vitale", False,
        "carte vitale", "attestation de droits a l assurance maladie",
        "caisse primaire d assurance maladie", "numero de securite sociale",
        "protection universelle maladie", "assurance maladie", "vitale", "ameli", "cpam",
    ),
    _kind(
        T.CSS,
        "https://www.ameli.fr/assure/droits-demarches/difficultes-acces-droits-soins/"
        "complementaire-sante",
        True,
        "complementaire sante solidaire", "attestation de droits", "complementaire sante",
        "aide medicale de l etat", "cmu c", "css", "cmu",
    ),
    _kind(
        T.DOMICILIATION, _SP + "F17317", True,
        "attestation d election de domicile", "election de domicile", "sans domicile stable",
        "organisme domiciliataire", "domiciliation administrative",
        "attestation de domiciliation", "domiciliation", "domicilie",
    ),
    _kind(
        T.TAX_NOTICE, "https://www.impots.gouv.fr/", False,
        "avis d impot", "revenu fiscal de reference", "avis de situation declarative",
        "impot sur le revenu", "direction generale des finances publiques", "numero fiscal",
        "nombre de parts", "impots gouv fr", "impot", "dgfip",
    ),
    _kind(
        T.PAYSLIP, "", False,
        "bulletin de paie", "bulletin de salaire", "net a payer avant impot sur le revenu",
        "net a payer", "salaire de base", "salaire brut", "net imposable",
        "cotisations salariales", "convention collective", "salaire", "urssaf",
    ),
    _kind(
        T.BANK_DETAILS, "", False,
        "releve d identite bancaire", "titulaire du compte", "code banque", "code guichet",
        "cle rib", "iban", "bic", "rib",
    ),
    _kind(
        T.BIRTH_CERTIFICATE, _SP + "F1427", False,
        "extrait d acte de naissance", "copie integrale d acte de naissance",
        "acte de naissance", "officier de l etat civil", "mentions marginales", "naissance",
    ),
    _kind(
        T.FAMILY_RECORD, "", False,
        "livret de famille", "acte de mariage", "epoux", "epouse", "enfants", "mariage",
    ),
    _kind(
        T.PROOF_OF_ADDRESS, "", False,
        "quittance de loyer", "justificatif de domicile", "attestation d hebergement",
        "avis d echeance", "point de livraison", "facture", "electricite", "loyer", "gaz",
        "consommation", "edf", "engie",
    ),
    _kind(
        T.CAF, "https://www.caf.fr/", False,
        "caisse d allocations familiales", "allocations familiales", "quotient familial",
        "revenu de solidarite active", "prime d activite", "aide personnalisee au logement",
        "attestation de paiement", "caf fr", "caf", "rsa", "apl",
    ),
    _kind(
        T.FRANCE_TRAVAIL, "https://www.francetravail.fr/", False,
        "france travail", "pole emploi", "francetravail fr", "demandeur d emploi",
        "allocation d aide au retour a l emploi", "attestation de paiement",
        "identifiant france travail", "inscription",
    ),
    _kind(
        T.DIPLOMA, "", False,
        "diplome national", "certificat d aptitude professionnelle", "titre professionnel",
        "ministere de l education nationale", "diplome", "baccalaureat", "brevet", "universite",
    ),
    _kind(
        T.CV, "", False,
        "curriculum vitae", "experience professionnelle", "experiences professionnelles",
        "parcours professionnel", "centres d interet", "permis b", "competences", "formation",
        "langues", "loisirs",
    ),
    _kind(
        T.MEDICAL_CERTIFICATE, "", False,
        "certificat medical", "certifie avoir examine", "arret de travail", "cabinet medical",
        "medecin", "docteur", "rpps",
    ),
    _kind(T.OTHER, "", False),
]  # fmt: skip

CATALOGUE: dict[str, DocType] = {kind.code: kind for kind in _KINDS}

# One phrase found is enough (a phrase of n words weighs n + 1), or three distinct single words.
MIN_SCORE = 3


def get(code: str) -> DocType:
    """The entry for a kind; an unknown code (an old value, a typo) is shown as "other"."""
    return CATALOGUE.get(code, CATALOGUE[T.OTHER.value])


def _weight(keyword: str) -> int:
    words = keyword.count(" ") + 1
    return 1 if words == 1 else words + 1


def scores(text: str) -> dict[str, int]:
    """Each kind's score in ``text``: each keyword counts once, however often it appears, so that
    a long page repeating one word does not outweigh a title."""
    padded = f" {normalise(text)} "
    return {
        kind.code: sum(_weight(word) for word in kind.keywords if f" {word} " in padded)
        for kind in _KINDS
    }


def _from_mrz(mrz: MrzFields) -> str | None:
    """The zone says what the paper is more surely than any word around it.

    French cards handed to foreigners are residence permits (the identity card is only for
    French nationals), whatever their document code; a long-stay visa (V) stands in for a
    residence permit during the first year."""
    code = mrz.document_code
    if mrz.format == "FR1988":
        return T.IDENTITY_CARD.value
    if mrz.format == "TD3" and code.startswith("P"):
        return T.PASSPORT.value
    if code.startswith(("IR", "TS", "V")):
        return T.RESIDENCE_PERMIT.value
    if mrz.issuing_country == "FRA" and mrz.nationality not in ("FRA", ""):
        return T.RESIDENCE_PERMIT.value
    if code.startswith("P"):
        return T.PASSPORT.value
    if code.startswith(("I", "A", "C")):
        return T.IDENTITY_CARD.value
    return None


def suggest_type(text: str, mrz: MrzFields | None = None) -> str | None:
    """The likely kind of a paper from its OCR text and machine-readable zone, or None.

    None unless one kind scores at least ``MIN_SCORE`` and strictly more than any other: a wrong
    suggestion costs the person more than none."""
    if mrz is not None and (from_zone := _from_mrz(mrz)):
        return from_zone
    ranked = sorted(scores(text).items(), key=lambda item: item[1], reverse=True)
    (best, score), (_, runner_up) = ranked[0], ranked[1]
    if score < MIN_SCORE or score == runner_up:
        return None
    return best

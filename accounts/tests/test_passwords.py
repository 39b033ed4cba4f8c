import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.models import User

GOOD = ["le chat dort sur le toit", "une phrase de passe", "Marseille2024!", "x" * 60 + " long"]
BAD = ["azerty123", "motdepasse", "soleil", "12345678", "Camille1990", "camille.exemple"]


@pytest.mark.parametrize("password", GOOD)
def test_passphrases_and_strong_passwords_are_accepted(password):
    validate_password(password, User(username="camille.exemple", first_name="Camille"))


@pytest.mark.parametrize("password", BAD)
def test_weak_and_personal_passwords_are_refused_with_a_plain_message(password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, User(username="camille.exemple", first_name="Camille"))
    assert any(
        code
        in (
            "password_too_weak",
            "password_too_common",
            "password_too_similar",
            "password_too_short",
            "password_entirely_numeric",
        )
        for code in (error.code for error in refused.value.error_list)
    )


def test_no_composition_rule_and_64_characters_and_more_are_fine():
    validate_password("tout en minuscules sans chiffre ni signe mais assez long " * 2)


def test_beyond_256_characters_is_refused():
    with pytest.raises(ValidationError):
        validate_password("un mot " * 40)


def test_the_message_is_in_french_by_default():
    with pytest.raises(ValidationError) as refused:
        validate_password("azertyuiop")
    assert "trop facile à deviner" in " ".join(refused.value.messages)


def test_argon2_is_the_hasher_outside_tests():
    from coffre.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from recovery import lib


def test_recovery_codes_are_four_groups_of_four_unambiguous_characters():
    codes = {lib.new_recovery_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4, 4]
        assert set("".join(groups)) <= set(lib.RECOVERY_ALPHABET)
    assert not set("0O1IL5S8B2Z") & set(lib.RECOVERY_ALPHABET)


@given(st.sampled_from(["-", " ", "", "  -"]), st.booleans())
def test_a_code_typed_any_way_matches(separator, lower):
    code = lib.new_recovery_code()
    typed = separator.join(code.split("-"))
    typed = typed.lower() if lower else typed
    assert lib.normalise_recovery_code(typed) == code.replace("-", "")


def test_sms_codes_are_six_digits_and_hashed_per_row():
    digits = lib.new_sms_digits()
    assert len(digits) == 6 and digits.isdigit()
    hashed = lib.sms_digits_hash("row-1", digits)
    assert hashed != digits and len(hashed) == 64
    assert lib.sms_digits_match("row-1", digits, hashed)
    assert not lib.sms_digits_match("row-2", digits, hashed)  # bound to its row


def test_one_time_passwords_are_long_and_readable():
    password = lib.new_one_time_password()
    assert len(password) == 14 and password.count("-") == 2
    assert set(password.replace("-", "")) <= set(lib.ONE_TIME_ALPHABET)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("07.81.23.45.67", "+33781234567"),
        ("+32 470 12 34 56", "+32470123456"),
        ("+1 202 555 0143", "+12025550143"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(typed, expected):
    assert lib.normalise_phone(typed) == expected


@pytest.mark.parametrize("typed", ["", "abc", "0612", "+33 6 12", "06 12 34 56 78 90 12"])
def test_what_is_not_a_number_is_refused(typed):
    with pytest.raises(ValidationError):
        lib.normalise_phone(typed)


def test_a_landline_cannot_receive_a_code():
    with pytest.raises(ValidationError) as error:
        lib.normalise_phone("01 23 45 67 89")
    assert error.value.code == "not_mobile"


def test_phone_or_username():
    assert lib.looks_like_phone("06 12 34 56 78") and lib.looks_like_phone("+33612345678")
    assert not lib.looks_like_phone("jean.dupont.123")
    assert lib.phone_hint("+33612345678") == "•• •• •• 78"

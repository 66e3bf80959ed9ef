import pytest
from hypothesis import given
from hypothesis import strategies as st

from coproduce.people.identifiers import is_valid_nhs_number, nhs_check_digit


@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "4010232137"])
def test_known_valid_nhs_numbers(number):
    assert is_valid_nhs_number(number)


@pytest.mark.parametrize("number", ["9434765918", "943476591", "94347659190", "abcdefghij", ""])
def test_wrong_check_digit_or_shape_is_refused(number):
    assert not is_valid_nhs_number(number)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_number_with_its_check_digit_is_valid_and_any_other_last_digit_is_not(nine):
    check = nhs_check_digit(nine)
    for last in range(10):
        assert is_valid_nhs_number(nine + str(last)) is (check == last)

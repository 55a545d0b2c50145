"""The search box's reading of queries: a table of queries and what they mean (pure, no database)."""

from datetime import date

import pytest

from suggestions.library.query import Span, Yearly, fold, parse

TODAY = date(2026, 12, 3)  # a Thursday in December
PLACES = {"arezzo": "Arezzo", "malaga": "Málaga", "zurich": "Zürich", "tuscany": "Tuscany", "new york": "New York",
          "san gimignano": "San Gimignano"}
PEOPLE = {"anna": "Anna", "jose maria": "José María", "barack": "Barack"}


def S(a, b):  # noqa: N802 (a table reads better short)
    return Span(date(*a), date(*b))


def summary(text):
    parsed = parse(text, TODAY, places=PLACES, people=PEOPLE)
    return {
        key: value for key, value in {
            "places": parsed.places, "countries": parsed.countries, "people": parsed.people,
            "dates": parsed.dates, "weekend": parsed.weekend, "kinds": sorted(parsed.kinds), "unknown": parsed.unknown,
        }.items() if value
    }


TABLE = [
    ("arezzo", {"places": ["Arezzo"]}),
    ("AREZZO", {"places": ["Arezzo"]}),
    ("Arezzo", {"places": ["Arezzo"]}),
    ("málaga", {"places": ["Málaga"]}),
    ("MALAGA", {"places": ["Málaga"]}),
    ("zurich", {"places": ["Zürich"]}),
    ("Zürich", {"places": ["Zürich"]}),
    ("tuscany", {"places": ["Tuscany"]}),
    ("new york", {"places": ["New York"]}),
    ("San Gimignano", {"places": ["San Gimignano"]}),
    ("Italy", {"countries": ["IT"]}),
    ("italia", {"countries": ["IT"]}),
    ("españa", {"countries": ["ES"]}),
    ("ESPANA", {"countries": ["ES"]}),
    ("spain", {"countries": ["ES"]}),
    ("Deutschland", {"countries": ["DE"]}),
    ("anna", {"people": ["Anna"]}),
    ("Jose Maria", {"people": ["José María"]}),
    ("JOSÉ MARÍA", {"people": ["José María"]}),
    ("anna in arezzo", {"people": ["Anna"], "places": ["Arezzo"]}),
    ("barack and anna", {"people": ["Barack", "Anna"]}),
    ("2019", {"dates": [S((2019, 1, 1), (2019, 12, 31))]}),
    ("June 2024", {"dates": [S((2024, 6, 1), (2024, 6, 30))]}),
    ("june", {"dates": [Yearly(6, 1, 31)]}),
    ("jun 2023", {"dates": [S((2023, 6, 1), (2023, 6, 30))]}),
    ("february 2024", {"dates": [S((2024, 2, 1), (2024, 2, 29))]}),
    ("14 june", {"dates": [Yearly(6, 14, 14)]}),
    ("june 14", {"dates": [Yearly(6, 14, 14)]}),
    ("14th June 2025", {"dates": [S((2025, 6, 14), (2025, 6, 14))]}),
    ("christmas 2023", {"dates": [S((2023, 12, 24), (2023, 12, 26))]}),
    ("Christmas", {"dates": [Yearly(12, 24, 26)]}),
    ("xmas 2020", {"dates": [S((2020, 12, 24), (2020, 12, 26))]}),
    ("new year 2024", {"dates": [S((2023, 12, 31), (2024, 1, 1))]}),
    ("new year's eve 2023", {"dates": [S((2023, 12, 31), (2024, 1, 1))]}),
    ("new year", {"dates": [Yearly(12, 31, 31), Yearly(1, 1, 1)]}),
    ("winter 2023", {"dates": [S((2023, 12, 1), (2024, 2, 29))]}),
    ("winter 2024", {"dates": [S((2024, 12, 1), (2025, 2, 28))]}),
    ("summer 2022", {"dates": [S((2022, 6, 1), (2022, 8, 31))]}),
    ("last summer", {"dates": [S((2026, 6, 1), (2026, 8, 31))]}),
    ("last winter", {"dates": [S((2025, 12, 1), (2026, 2, 28))]}),
    ("this winter", {"dates": [S((2026, 12, 1), (2027, 2, 28))]}),
    ("last year", {"dates": [S((2025, 1, 1), (2025, 12, 31))]}),
    ("this year", {"dates": [S((2026, 1, 1), (2026, 12, 31))]}),
    ("last month", {"dates": [S((2026, 11, 1), (2026, 11, 30))]}),
    ("yesterday", {"dates": [S((2026, 12, 2), (2026, 12, 2))]}),
    ("weekend", {"weekend": True}),
    ("weekends in arezzo", {"weekend": True, "places": ["Arezzo"]}),
    ("videos", {"kinds": ["video"]}),
    ("Videos 2019", {"kinds": ["video"], "dates": [S((2019, 1, 1), (2019, 12, 31))]}),
    ("photos of anna", {"kinds": ["photo"], "people": ["Anna"]}),
    ("xyz", {"unknown": ["xyz"]}),
    ("arezzo xyz", {"places": ["Arezzo"], "unknown": ["xyz"]}),
    ("Paris", {"unknown": ["paris"]}),  # not in this library, and not a country
    ("31 feb", {"dates": [Yearly(2, 1, 31)], "unknown": ["31"]}),
    ("1850", {"unknown": ["1850"]}),
    ("in the", {}),
    ("", {}),
    ("anna, arezzo, 2019", {"people": ["Anna"], "places": ["Arezzo"], "dates": [S((2019, 1, 1), (2019, 12, 31))]}),
    ("christmas 2023 in málaga with anna", {
        "dates": [S((2023, 12, 24), (2023, 12, 26))], "places": ["Málaga"], "people": ["Anna"]}),
]


@pytest.mark.parametrize("text, meaning", TABLE, ids=[text or "(empty)" for text, _ in TABLE])
def test_reads(text, meaning):
    assert summary(text) == meaning


def test_the_table_is_long_enough():
    assert len(TABLE) >= 40


def test_fold_ignores_case_and_accents():
    assert fold("ÉSPAÑA Zürich") == "espana zurich"

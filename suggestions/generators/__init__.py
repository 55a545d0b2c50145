"""Suggestion generators, one module per kind, and the renderers of their visuals.

Each generator is a function from a person's analysed library (`library.Library`, plain rows
loaded once) to drafts (`drafts.Draft`); none touches the database.
"""

from . import (
    anniversaries, been_a_while, birthdays, edits, events, holidays, on_this_day, recaps, seasons, spotlight, then_and_now,
    together, trips, year_review,
)

GENERATORS = (
    events, trips, recaps, on_this_day, seasons, birthdays, anniversaries, holidays, edits, spotlight, then_and_now, together,
    been_a_while, year_review,
)


def drafts_for(library):
    """Every draft the library supports today, one per fingerprint."""
    return drafts_merged([generator.drafts(library) for generator in GENERATORS])


def drafts_merged(made):
    """One draft per fingerprint from each generator's drafts, given in GENERATORS' order (the first
    generator to make a fingerprint keeps it)."""
    found = {}
    for drafts in made:
        for draft in drafts:
            found.setdefault(draft.fingerprint, draft)
    return list(found.values())

"""The analysis pipeline's stages, in the order they run, each under one consent scope.

`library` knows no feature: each feature registers its own stages at start-up (AppConfig.ready),
the library's first, so the order of registration is the order they run in. A stage has two
halves. `compute(source)` does the slow work without touching the database and may raise
UnreadableMedia. `write(item, result)` stores the result; it runs inside
consent.services.scope_guard, so it happens only while the scope is still in force, and returns
a plain-language line for the item's processing record.

Stages run in two passes, each on its own queue: `ingest` (previews, capture time, places: what
makes an item visible and usable for time and place suggestions, ≈ 50 ms a photo) and then
`analysis` (faces, themes, video frames: ≈ 1 s a photo), so a large upload is all dated and
placed long before its faces are found.
"""

from dataclasses import dataclass
from typing import Callable

INGEST, ANALYSIS = "ingest", "analysis"
PASSES = (INGEST, ANALYSIS)


@dataclass(frozen=True)
class Stage:
    name: str
    title: str
    scope: str
    kinds: tuple  # the MediaItem kinds it runs on
    compute: Callable
    write: Callable
    pass_name: str = INGEST


STAGES = []


def stage_register(*stages):
    for stage in stages:
        if stage not in STAGES:
            STAGES.append(stage)


# The ledger's record of each pass being done (suggestions.library.pipeline).
PASS_TITLES = {f"pass_{INGEST}": "First pass", f"pass_{ANALYSIS}": "Second pass"}


def stage_title(name):
    if name in PASS_TITLES:
        return PASS_TITLES[name]
    return next((stage.title for stage in STAGES if stage.name == name), name.replace("_", " ").capitalize())


def stages_for(kind, scope=None, pass_name=None):
    return [
        stage for stage in STAGES
        if kind in stage.kinds and scope in (None, stage.scope) and pass_name in (None, stage.pass_name)
    ]


def pass_scopes(pass_name, kind=None):
    return {stage.scope for stage in STAGES if stage.pass_name == pass_name and kind in (None, *stage.kinds)}


def stage_names(scope):
    return [stage.name for stage in STAGES if stage.scope == scope]

"""Sections other apps add to the privacy centre, without `consent` importing them.

An app registers, in AppConfig.ready(), a template and a function that returns its context
for one person; the privacy page renders each panel in the order registered.
"""

from dataclasses import dataclass

from django.template.loader import render_to_string

_panels = []


@dataclass(frozen=True)
class Panel:
    template_name: str
    context: object  # (user) -> dict


def register_panel(template_name, context_function):
    if all(panel.template_name != template_name for panel in _panels):
        _panels.append(Panel(template_name, context_function))


def panels_render(request):
    """Each registered panel as HTML, for the person making the request."""
    return [
        render_to_string(panel.template_name, panel.context(request.user), request=request) for panel in _panels
    ]

from django import template

from rollweb import operators

register = template.Library()


@register.simple_tag
def queue_health():
    return operators.queue_health()


@register.simple_tag
def workers_health():
    return operators.workers_health()


@register.simple_tag
def overview():
    return operators.overview()

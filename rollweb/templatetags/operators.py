from django import template

from rollweb.operators import queue_health as health

register = template.Library()


@register.simple_tag
def queue_health():
    return health()

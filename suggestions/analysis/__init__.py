"""Pure analysis: bytes or images in, plain data out. No Django models, no Celery."""


class UnreadableMedia(Exception):
    """The file cannot be analysed; the message is shown to its owner as the failure reason."""

from django.dispatch import Signal

# Sent after the transaction commits, with `user` and `scopes` (the keys just granted).
scopes_granted = Signal()

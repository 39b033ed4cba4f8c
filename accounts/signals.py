"""Account events other apps listen to (the journal records them)."""

from django.dispatch import Signal

# Sent with ``username`` and ``request`` when repeated failures lock an account name.
account_locked = Signal()

from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "Consent"

    def ready(self):
        # Modules that use models can be imported only once the apps are ready.
        from .account import account_finish
        from .erasure import register_eraser, register_finisher
        from .models import Erasure
        from .export import erase_exports, export_remains
        from .scopes import ORDER, SYNC

        for scope in ORDER:
            if scope != SYNC:
                register_eraser(scope, erase_exports, remains=export_remains)
        register_finisher(Erasure.ACCOUNT, account_finish)

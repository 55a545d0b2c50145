from django.apps import AppConfig


class RollwebConfig(AppConfig):
    name = "rollweb"
    verbose_name = "rollweb"

    def ready(self):
        # The user model and what uses it can be imported only once the apps are ready.
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_delete

        from .auth import sign_in_records_forget

        pre_delete.connect(sign_in_records_forget, sender=get_user_model(), dispatch_uid="rollweb.sign_in_records")

from django.apps import AppConfig


class RollwebConfig(AppConfig):
    name = "rollweb"
    verbose_name = "rollweb"

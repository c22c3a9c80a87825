from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self):
        from . import checks, dbspeed  # noqa: F401 - importing checks registers the deployment checks

        dbspeed.connect()

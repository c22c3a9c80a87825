from .models import ClinicProfile


def clinic(request):
    """Put the clinic's identity in every template (one query by key: see ClinicProfile.load)."""
    return {"clinic": ClinicProfile.load()}

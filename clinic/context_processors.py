from .models import ClinicProfile


def clinic(request):
    """Put the clinic's identity in every template (cached; one query at most per five minutes)."""
    return {"clinic": ClinicProfile.load()}

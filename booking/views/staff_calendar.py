"""Staff calendars: the day (a column per practitioner) and one practitioner's week."""

from django.http import HttpResponse

from ..staff_access import staff_view


@staff_view()
def day(request):
    return HttpResponse("Day calendar: coming soon")


@staff_view()
def week(request):
    return HttpResponse("Week calendar: coming soon")

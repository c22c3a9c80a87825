from django.urls import path

from . import views

app_name = "booking"

urlpatterns = [
    path("", views.start, name="start"),
    path("requested/", views.requested, name="requested"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/cancel/", views.manage_cancel, name="manage-cancel"),
    path("manage/<str:token>/calendar.ics", views.manage_calendar, name="manage-calendar"),
    path("manage/<str:token>/reschedule/", views.manage_reschedule, name="manage-reschedule"),
    path("<slug:service>/", views.schedule, name="schedule"),
    path("<slug:service>/details/", views.details, name="details"),
]

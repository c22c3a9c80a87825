from django.urls import path

from .views import flow, manage, trial
from .waitlist import views as waitlist

app_name = "booking"

urlpatterns = [
    path("", flow.start, name="start"),
    path("requested/", flow.requested, name="requested"),
    path("manage/<str:token>/", manage.manage, name="manage"),
    path("manage/<str:token>/cancel/", manage.manage_cancel, name="manage-cancel"),
    path("manage/<str:token>/calendar.ics", manage.manage_calendar, name="manage-calendar"),
    path("manage/<str:token>/reschedule/", manage.manage_reschedule, name="manage-reschedule"),
    path("manage/<str:token>/receipts/<int:number>.pdf", manage.manage_receipt, name="manage-receipt"),
    path("manage/<str:token>/trial/", trial.manage_trial, name="manage-trial"),
    path("manage/<str:token>/trial/book/", trial.manage_trial_book, name="manage-trial-book"),
    path("manage/<str:token>/pain/", trial.manage_pain, name="manage-pain"),
    path("manage/<str:token>/waitlist/", waitlist.join_from_visit, name="manage-waitlist"),
    path("waitlist/join/<slug:service>/", waitlist.join, name="waitlist-join"),
    path("waitlist/joined/", waitlist.joined, name="waitlist-joined"),
    path("waitlist/entry/<str:token>/", waitlist.entry, name="waitlist-entry"),
    path("waitlist/entry/<str:token>/leave/", waitlist.leave, name="waitlist-leave"),
    path("waitlist/offer/<str:token>/", waitlist.offer, name="waitlist-offer"),
    path("<slug:service>/", flow.schedule, name="schedule"),
    path("<slug:service>/details/", flow.details, name="details"),
]

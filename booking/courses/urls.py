"""IMS course pages of the staff area: listed in booking/staff/urls.py (namespace "staff"), so the
staff URL walker (tests/booking/staff/test_access.py) covers each of them."""

from django.urls import path

from . import views

urlpatterns = [
    path("appointments/<str:reference>/course/", views.open_course, name="course-open"),
    path("appointments/<str:reference>/score/", views.record_score, name="appointment-score"),
    path("courses/<int:course>/", views.course_detail, name="course-detail"),
    path("courses/<int:course>/review/", views.record_review, name="course-review"),
    path("courses/<int:course>/limits/", views.record_limits, name="course-limits"),
    path("courses/<int:course>/series/", views.series_proposal, name="course-series"),
    path("courses/<int:course>/series/book/", views.book_series, name="course-series-book"),
]

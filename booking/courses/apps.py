from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "booking.courses"
    label = "courses"
    verbose_name = "IMS courses"

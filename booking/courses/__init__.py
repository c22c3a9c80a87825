"""The IMS course (plan of care): a trial of 4–6 visits one to two weeks apart, booked as a series.

Its own Django app (label ``courses``) inside the booking package, over the booking models: a course
holds a patient's visits with one practitioner (``CourseVisit`` joins an appointment to it), and
``series.py`` is the pure engine that proposes the trial's visits.
"""

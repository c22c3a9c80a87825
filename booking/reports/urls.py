"""Report pages of the staff area: listed in booking/staff/urls.py (namespace "staff"), so the staff
URL walker (tests/booking/staff/test_access.py) covers each of them."""

urlpatterns = []

"""The clinic project package.

TIME ZONES, READ THIS FIRST. British Columbia stopped changing its clocks in 2026 (permanent
UTC-7 from 8 March 2026; IANA tzdata 2026b). The machine's /usr/share/zoneinfo and the zone rules
bundled with PostgreSQL may be older and still predict a fall-back on 1 November 2026. So:

1. Python reads zone rules only from the ``tzdata`` package (>= 2026.2), never the system files:
   the search path is emptied below, before any ZoneInfo is created, and TZDIR points the C
   library (time.localtime) at the same files.
2. Times are stored in UTC (``USE_TZ = True``; Django's connections run in UTC).
3. No query converts time zones in SQL: no ``__date``/``__hour``/``__week_day`` lookups and no
   ``Trunc*``/``Extract*`` with the clinic's zone. Compute local day boundaries in Python
   (``booking.availability.local_day_bounds``) and filter on UTC ranges.
   ``tests/clinic/test_time_zones.py`` greps the code for the forbidden lookups.
"""

import os
import zoneinfo
from importlib.resources import files

zoneinfo.reset_tzpath(to=())
zoneinfo.ZoneInfo.clear_cache()
# Django sets TZ and calls time.tzset(), so the C library (time.localtime, log timestamps) reads
# zone files too: point it at the same up-to-date tzdata package.
os.environ["TZDIR"] = str(files("tzdata") / "zoneinfo")

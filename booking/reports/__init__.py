"""Reports for the clinic's manager: visits, attendance, utilisation and money, as charts with tables."""

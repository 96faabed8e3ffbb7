# One date format on every page, as in English: "6 בדצמבר 2026, 18:26".
DATE_FORMAT = SHORT_DATE_FORMAT = "j בF Y"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "j בF Y, H:i"
TIME_FORMAT = "H:i"

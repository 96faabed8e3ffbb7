# One date format on every page (lists, cards, e-mails): "6 Dec 2026, 18:26", never mm/dd/yyyy
# next to "Dec. 6, 2026", and no "p.m." whose period doubles at the end of a sentence.
DATE_FORMAT = SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"

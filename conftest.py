import os

# Tests run with DEBUG on (dev keys) unless the environment says otherwise.
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("STOREDESK_TESTING", "true")

STOREDESK_APPS = {"accounts", "stores", "catalog", "orders", "webhooks", "sync", "projects", "agents", "audit"}

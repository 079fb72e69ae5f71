"""Form engine: tables and field types, the record service, CRUD pages and the JSON API."""

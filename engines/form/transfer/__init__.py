"""Import and export of one table's records: CSV and XLSX files in, CSV and XLSX files out.

- `sources.py`: reading a file (CSV in UTF-8, UTF-8 with BOM or GBK; XLSX streamed read-only).
- `columns.py`: which fields a file may fill, matching its headers, the `COL=FIELD` mapping.
- `cells.py`: one sheet row into field values, each cell parsed by its field type.
- `importer.py`: chunks of rows through the record service (dry run, insert/update/upsert, resume).
- `bulk.py`, `bulk_checks.py`: the bulk path every insert without rules takes (same checks, a column
  of a chunk at a time, one INSERT per chunk).
- `jobs.py`: the import jobs and their failed rows (system tables), the failed-rows file.
- `service.py`: an import as a job (prepare, dry run, run, resume), the same for the CLI and the pages.
- `template.py`, `export.py`: the template workbook and the streamed exports.
- `web.py`: the list page's Import and Export pages.
"""

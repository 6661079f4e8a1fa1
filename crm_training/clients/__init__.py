"""Client data: load, map, validate, clean and anonymise a client's own exports.

Consultants bring a client's exports to a workshop (CSV in UTF-8 or GBK, Excel, Parquet; Chinese
or English headers; mixed dates; currency strings; returns; duplicates; personal data).
:func:`load_client` turns them into the kit's data model (:class:`crm_training.CRMData`) or says
exactly what is wrong, listing every problem at once; :func:`anonymise` removes personal data
before anything is written or shared. The client's files are never written to. Used in the
workshop notebook and by ``crm-training validate``.

The result of :func:`load_client` is a :class:`ClientLoad`:

* ``data`` - the :class:`crm_training.CRMData` (``meta["source"] == "client"``, ``meta["files"]``
  says which file went to which table); raises :class:`ClientDataError` if nothing usable;
* ``report`` - the :class:`ValidationReport`: every problem at once, each an :class:`Issue` with
  a code, a severity (``error`` blocks: the export must be fixed or the loss accepted;
  ``warning`` informs: the kit handled it), a count and up to five example rows with their line
  numbers in the source file;
* ``cleaning`` - the :class:`CleaningLog`: every row dropped, changed, added or linked, counted,
  with its reason (nothing is changed silently);
* ``sources`` - how each file was read (encoding, delimiter, header line) and mapped;
* ``ok`` - True when no error blocks; ``to_text()``, ``to_markdown()``, ``to_html()`` render the
  whole check (``redact=True``: without personal data, header cells of a file without a header
  shown as "column 3"); ``save(folder, anonymise=..., salt=...)`` writes data and reports to a
  new folder (with ``anonymise``: HMAC-SHA256 pseudonyms, the same for the same salt across
  exports, and scrubbed free texts; see :mod:`.anonymise`).

Problems of the data are reported, never raised: only an unusable call (a missing path, a bad
mapping) raises :class:`ClientDataError`, always with a one-line message.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "orders.csv"
>>> _ = p.write_bytes("订单编号;客户编号;订单日期;金额\\nA1;C1;05.01.2024;1.234,50\\n".encode("gbk"))
>>> res = load_client(p, progress=False)
>>> res.data.transactions[["timestamp", "amount"]].values.tolist()
[[Timestamp('2024-01-05 00:00:00'), 1234.5]]
"""
from .anonymise import anonymise, scrub_text
from .loader import ClientLoad, SourceInfo, load_client, to_crmdata
from .report import CleaningLog, ClientDataError, Issue, ValidationReport

__all__ = ["load_client", "anonymise", "ClientLoad", "ClientDataError", "ValidationReport",
           "CleaningLog", "Issue", "SourceInfo", "scrub_text", "to_crmdata"]

"""Client data: load, map, validate, clean and anonymise a client's own exports.

Consultants bring a client's exports to a workshop (CSV in UTF-8 or GBK, Excel, Parquet; Chinese
or English headers; mixed dates; currency strings; returns; duplicates; personal data).
:func:`load_client` turns them into the kit's data model (:class:`crm_training.CRMData`) or says
exactly what is wrong, listing every problem at once; :func:`anonymise` removes personal data
before anything is written or shared. The client's files are never written to. Used in the
workshop notebook and by ``crm-training validate``.

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

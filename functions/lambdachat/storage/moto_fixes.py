"""Two changes to moto that a long-running local store needs (moto is built for short tests).

1. moto keeps every model object it ever made in a class list (for its /moto-api data view):
   deleted items, replaced ones, every deep copy. A store that runs for weeks must not grow with
   every write (measured: ~0.2 MB per TransactWriteItems, 1.75 GB after ~900 conversations).
2. TransactWriteItems deep-copies every table it touches before it starts, to roll back on a
   failure: 2.7 s per transaction once the table holds 10,000 items, and every usage record is a
   transaction. Here only the items the transaction names are copied and put back on a failure,
   which is the same rollback (a transaction can change nothing else) at the cost of its own items.

Applied only in the store's own process (`durable_moto`); tests keep moto as it is.
"""

from __future__ import annotations

import copy
from typing import Any


def forget_model_instances() -> None:
    from moto.core.common_models import BaseModel

    def untracked(cls: type, *_args: Any, **_kwargs: Any) -> Any:
        return object.__new__(cls)

    BaseModel.__new__ = staticmethod(untracked)  # type: ignore[method-assign]


class _NoTableCopies:
    """Stands in for the `copy` module inside moto's DynamoDB backend: tables are not copied."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def item_level_transactions() -> None:
    from moto.dynamodb import models

    backend = models.DynamoDBBackend
    if getattr(backend.transact_write_items, "item_level", False):
        return
    table_level = backend.transact_write_items
    setattr(models, "copy", _NoTableCopies)  # noqa: B010 - the module's `copy` global, not an export

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = []
        for entry in transact_items:
            for op in entry.values():
                table_name, key = op.get("TableName"), op.get("Key")
                if table_name not in self.tables:
                    continue
                if key is None and "Item" in op:   # a Put names its key inside the item
                    table = self.tables[table_name]
                    names = [table.hash_key_attr, *([table.range_key_attr] if table.range_key_attr else [])]
                    key = {name: op["Item"][name] for name in names if name in op["Item"]}
                if key:
                    current = self.get_item(table_name, key)
                    saved.append((table_name, key, copy.deepcopy(current.to_json()["Attributes"]) if current else None))
        try:
            table_level(self, transact_items)
        except Exception:
            for table_name, key, attributes in reversed(saved):
                if attributes is None:
                    if self.get_item(table_name, key) is not None:
                        self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, attributes)
            raise

    transact_write_items.item_level = True  # type: ignore[attr-defined]
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]

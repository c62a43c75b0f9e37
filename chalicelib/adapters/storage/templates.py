"""Answer templates the coordinator keeps (pk TEMPLATES / sk <id>) and each one's history
(pk TEMPLATE#<id> / sk H#<instant>): the data file's templates are the starting set."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.storage import keys
from chalicelib.adapters.storage.codec import to_item, values
from chalicelib.adapters.storage.gateway import TableGateway


class TemplateStore:
    def __init__(self, gateway: TableGateway) -> None:
        self.gateway = gateway

    def all(self) -> list[dict[str, Any]]:
        """Every stored template (one partition: a city keeps a few hundred at most)."""
        return list(self.gateway.query("pk = :p", values(p=keys.TEMPLATE_LIST_PK), consistent=True))

    def get(self, template_id: str) -> dict[str, Any] | None:
        return self.gateway.get_raw(keys.TEMPLATE_LIST_PK, template_id)

    def save(self, template: dict[str, Any], at: str, change: dict[str, Any]) -> None:
        """The template and its history entry, in one transaction (the entry only once)."""
        table = self.gateway.table
        self.gateway.transact_raw(
            [
                {
                    "Put": {
                        "TableName": table,
                        "Item": to_item(
                            {**template, "pk": keys.TEMPLATE_LIST_PK, "sk": template["id"], "type": "template"}
                        ),
                    }
                },
                {
                    "Put": {
                        "TableName": table,
                        "Item": to_item(
                            {
                                **change,
                                "pk": keys.template_pk(template["id"]),
                                "sk": f"{keys.TEMPLATE_HISTORY_PREFIX}{at}",
                                "type": "template_change",
                            }
                        ),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )

    def history(self, template_id: str) -> list[dict[str, Any]]:
        """Every change of one template, oldest first."""
        return list(
            self.gateway.query(
                "pk = :p AND begins_with(sk, :h)",
                values(p=keys.template_pk(template_id), h=keys.TEMPLATE_HISTORY_PREFIX),
                consistent=True,
            )
        )

"""Jurisdictions in the table: each region's profile, areas and OPD, overrides and holidays,
and the tracking-id prefix it holds (keys.py names the items).

A region is read with one BatchGetItem of its four items; the list of regions with one
Query of the small profile partition. Onboarding writes every item of a region in one
transaction, together with the item that reserves its prefix, so a prefix is never held by
two regions and a region is never half-written.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.storage import keys
from chalicelib.adapters.storage.codec import to_item, values
from chalicelib.adapters.storage.gateway import TableGateway
from chalicelib.domain.instants import utc_text
from chalicelib.domain.jurisdiction import Jurisdiction
from chalicelib.domain.jurisdiction_record import JurisdictionRecord
from chalicelib.domain.models import utcnow

__all__ = ["JurisdictionStore"]

#: the profile item's fields of the document (the rest of the document is in the other items)
PROFILE_FIELDS = (
    "schema_version",
    "code",
    "name",
    "kind",
    "province_code",
    "province_name",
    "timezone",
    "prefix",
    "has_boundaries",
    "public_base_url",
)
UNIT_FIELDS = ("kecamatan", "desa_kelurahan", "opd")
POLICY_FIELDS = ("categories", "sla_policy", "escalation_ladder")
HOLIDAY_FIELDS = ("holidays",)
#: what the list of regions holds of each (the public list shows code, name, kind and prefix)
SUMMARY_FIELDS = ("code", "name", "kind", "prefix", "has_boundaries")


def _pick(doc: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: doc[f] for f in fields if doc.get(f) is not None}


class JurisdictionStore:
    def __init__(self, gateway: TableGateway) -> None:
        self.gateway = gateway

    # -- reads --------------------------------------------------------------------------------

    def summaries(self) -> list[dict[str, Any]]:
        """Every onboarded region (code, name, kind, prefix), by code."""
        items = self.gateway.query("pk = :p", values(p=keys.JURISDICTION_PK))
        return [{f: item.get(f) for f in SUMMARY_FIELDS} for item in items]

    def load(self, code: str) -> JurisdictionRecord | None:
        """The region's whole document, or None when it is not onboarded."""
        pk = keys.jurisdiction_pk(code)
        found = self.gateway.batch_get_raw(
            [
                (keys.JURISDICTION_PK, code),
                (pk, keys.JURISDICTION_UNITS_SK),
                (pk, keys.JURISDICTION_POLICY_SK),
                (pk, keys.JURISDICTION_HOLIDAYS_SK),
            ]
        )
        profile = found.get((keys.JURISDICTION_PK, code))
        units = found.get((pk, keys.JURISDICTION_UNITS_SK))
        if profile is None or units is None:
            return None
        doc: dict[str, Any] = _pick(profile, PROFILE_FIELDS)
        doc.update(_pick(units, UNIT_FIELDS))
        doc.update(_pick(found.get((pk, keys.JURISDICTION_POLICY_SK)) or {}, POLICY_FIELDS))
        doc.update(_pick(found.get((pk, keys.JURISDICTION_HOLIDAYS_SK)) or {}, HOLIDAY_FIELDS))
        return JurisdictionRecord(
            jurisdiction=Jurisdiction.model_validate(doc),
            boundaries_key=profile.get("boundaries_key"),
            secret_name=profile.get("secret_name"),
            version=int(profile.get("version") or 0),
        )

    def code_for_prefix(self, prefix: str) -> str | None:
        """The region that holds a tracking-id prefix."""
        item = self.gateway.get_raw(keys.jurisdiction_prefix_pk(prefix), keys.JURISDICTION_TAG_SK)
        return str(item["code"]) if item and item.get("code") else None

    # -- the one write: onboarding (run by infra/jurisdictions/onboard.py) ----------------------

    def save(self, record: JurisdictionRecord, previous: JurisdictionRecord | None) -> int:
        """Write the region in one transaction and return how many items it wrote or removed.

        Only over the version that was read (`previous`; None: only when absent), and the
        prefix only when free or already this region's: ConditionFailed otherwise, and
        nothing is written."""
        j = record.jurisdiction
        doc = j.model_dump(mode="json")
        table = self.gateway.table
        pk = keys.jurisdiction_pk(j.code)
        version = (previous.version if previous else 0) + 1
        profile = {
            "pk": keys.JURISDICTION_PK,
            "sk": j.code,
            "type": "jurisdiction",
            **_pick(doc, PROFILE_FIELDS),
            "boundaries_key": record.boundaries_key,
            "secret_name": record.secret_name,
            "version": version,
            "updated_at": utc_text(utcnow()),
        }
        put_profile: dict[str, Any] = {"TableName": table, "Item": to_item(profile)}
        if previous is None:
            put_profile["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put_profile["ConditionExpression"] = "#v = :v"
            put_profile["ExpressionAttributeNames"] = {"#v": "version"}
            put_profile["ExpressionAttributeValues"] = values(v=previous.version)
        items: list[dict[str, Any]] = [{"Put": put_profile}]
        units = {"pk": pk, "sk": keys.JURISDICTION_UNITS_SK, "type": "jurisdiction_units", **_pick(doc, UNIT_FIELDS)}
        items.append({"Put": {"TableName": table, "Item": to_item(units)}})
        before = previous.jurisdiction.model_dump(mode="json") if previous else {}
        for sk, fields, kind in (
            (keys.JURISDICTION_POLICY_SK, POLICY_FIELDS, "jurisdiction_policy"),
            (keys.JURISDICTION_HOLIDAYS_SK, HOLIDAY_FIELDS, "jurisdiction_holidays"),
        ):
            own = _pick(doc, fields)
            if own:
                items.append({"Put": {"TableName": table, "Item": to_item({"pk": pk, "sk": sk, "type": kind, **own})}})
            elif _pick(before, fields):
                items.append({"Delete": {"TableName": table, "Key": keys.key(pk, sk)}})
        items.append(
            {
                "Put": {
                    "TableName": table,
                    "Item": to_item(
                        {
                            "pk": keys.jurisdiction_prefix_pk(j.prefix),
                            "sk": keys.JURISDICTION_TAG_SK,
                            "type": "jurisdiction_prefix",
                            "code": j.code,
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(pk) OR code = :c",
                    "ExpressionAttributeValues": values(c=j.code),
                }
            }
        )
        if previous is not None and previous.jurisdiction.prefix != j.prefix:
            items.append(
                {
                    "Delete": {
                        "TableName": table,
                        "Key": keys.key(
                            keys.jurisdiction_prefix_pk(previous.jurisdiction.prefix), keys.JURISDICTION_TAG_SK
                        ),
                        "ConditionExpression": "code = :c",
                        "ExpressionAttributeValues": values(c=j.code),
                    }
                }
            )
        self.gateway.transact_raw(items)
        return len(items)

"""Statistics items: what the public figures are added up from, and the snapshots they are read from.

- day counters      STATS#DAY / <yyyy-mm-dd>            every counter of the complaints received that day
                                                        (WIB), and `rev`, counted up by every change
- per complaint     STATS#C#<yyyy-mm-dd> / <tracking>   what it adds now (`c`), the stream position applied
                                                        (`seq`), its public list row; in the `statsunit`
                                                        (by unit), `statsplace` (by kecamatan) and
                                                        `statscity` (the city) indexes while it is counted
- snapshots         STATS#SNAP / <name>, and META       the figures as the API reads them
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from chalicelib.adapters.storage import keys
from chalicelib.adapters.storage.codec import iso, stream_position, to_item, values
from chalicelib.adapters.storage.gateway import TableGateway, put_over_position
from chalicelib.domain import reference
from chalicelib.domain.inbox import scoped

#: the list row's attributes the lists filter on
_ROW_FILTERS = ("cls", "deadline", "moved_from", "kelurahan_code")


def list_keys(row: Mapping[str, Any], no_place: str, city: str, region: str = "") -> dict[str, str]:
    """`statsunit`: by handling unit; `statsplace`: by kecamatan (kelurahan filtered); `statscity`:
    the city, so its page is one Query. Newest first. Another region's city and shared unit codes
    are its own partitions (`inbox.scoped`)."""
    sk = f"{row['created_at']}#{row['tracking_id']}"
    kec = row.get("kecamatan_code")
    if not kec and row.get("kelurahan_code"):
        kec = row["kelurahan_code"].rsplit(".", 1)[0]
    return {
        "su_pk": keys.stats_unit_pk(scoped(row.get("unit_code") or no_place, region)),
        "su_sk": sk,
        "sp_pk": keys.stats_place_pk(f"kec:{kec}" if kec else scoped(no_place, region)),
        "sp_sk": sk,
        "sc_pk": keys.stats_city_pk(scoped(city, region)),
        "sc_sk": sk,
    }


class FigureStore:
    def __init__(self, gateway: TableGateway, region: str = "") -> None:
        """``region``: whose day counters and snapshots ("": the default region's)."""
        self.gateway = gateway
        self.region = "" if region == reference.default_code() else region
        self._day_pk = keys.stats_day_pk(self.region)
        self._snap_pk = keys.stats_snap_pk(self.region)

    def for_region(self, code: str | None) -> FigureStore:
        """The same table, one region's figures."""
        return FigureStore(self.gateway, code or "")

    # -- what each complaint adds --------------------------------------------------------------

    def contribution(self, day: dt.date, tracking_id: str) -> dict[str, Any] | None:
        """The complaint's stats item of its day (what it adds, the stream position applied)."""
        return self.gateway.get_raw(keys.stats_complaint_pk(day.isoformat()), tracking_id)

    def contributions(self, day: dt.date) -> Iterator[dict[str, Any]]:
        """Every complaint's stats item of a day (one consistent Query of its partition)."""
        return self.gateway.query("pk = :p", values(p=keys.stats_complaint_pk(day.isoformat())), consistent=True)

    def write_contribution(
        self,
        day: dt.date,
        tracking_id: str,
        read: Mapping[str, Any] | None,
        counters: Mapping[str, int],
        row: Mapping[str, Any] | None,
        seq: str | None,
        delta: Mapping[str, int],
        no_place: str,
        city: str,
    ) -> None:
        """One transaction: the complaint's stats item (only over the item as it was `read`, so a
        record applied twice changes nothing the second time) and `delta` added to its day.
        ConditionFailed when another reader got there first."""
        data: dict[str, Any] = {
            "pk": keys.stats_complaint_pk(day.isoformat()),
            "sk": tracking_id,
            "type": "stats_complaint",
            "seq": seq or (read or {}).get("seq") or stream_position(0),
            "c": dict(counters),
            "row": dict(row) if row is not None else None,
        }
        if self.region:
            data["j"] = self.region  # whose day it adds to (a day is rebuilt per region)
        if row is not None:
            data.update(list_keys(row, no_place, city, self.region))
            data.update({k: row[k] for k in _ROW_FILTERS})
        ops: list[dict[str, Any]] = [
            {"Put": put_over_position(self.gateway.table, data, dict(read) if read is not None else None)}
        ]
        if delta:
            ops.append({"Update": self._add_request(day, delta)})
        if read is None and self.region:  # a region's first figures: the refresh adds it up from now on
            ops.append({"Put": {"TableName": self.gateway.table, "Item": to_item(self._region_mark())}})
        self.gateway.transact_raw(ops)

    def _region_mark(self) -> dict[str, Any]:
        return {"pk": keys.STATS_REGIONS_PK, "sk": self.region, "type": "stats_region"}

    def regions_with_figures(self) -> list[str]:
        """The regions other than the default one that have figures (one Query)."""
        return [str(i["sk"]) for i in self.gateway.query("pk = :p", values(p=keys.STATS_REGIONS_PK))]

    def _add_request(self, day: dt.date, delta: Mapping[str, int]) -> dict[str, Any]:
        names = {f"#k{i}": k for i, k in enumerate(delta)}
        vals: dict[str, Any] = {f":v{i}": v for i, v in enumerate(delta.values())}
        names["#rev"] = "rev"
        vals[":one"] = 1
        expr = "ADD " + ", ".join([*(f"#k{i} :v{i}" for i in range(len(delta))), "#rev :one"])
        return {
            "TableName": self.gateway.table,
            "Key": keys.key(self._day_pk, day.isoformat()),
            "UpdateExpression": expr,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(vals),
        }

    # -- the day counters ---------------------------------------------------------------------

    def days(self, since: dt.date | None) -> dict[dt.date, dict[str, Any]]:
        """The stored day items from `since` (all when None): one Query of one partition."""
        if since is None:
            items = self.gateway.query("pk = :p", values(p=self._day_pk))
        else:
            items = self.gateway.query("pk = :p AND sk >= :s", values(p=self._day_pk, s=since.isoformat()))
        return {dt.date.fromisoformat(i["sk"]): i for i in items}

    def day(self, day: dt.date) -> dict[str, Any] | None:
        return self.gateway.get_raw(self._day_pk, day.isoformat())

    def replace_day(self, day: dt.date, counters: Mapping[str, int], read: Mapping[str, Any] | None) -> None:
        """Set a day's counters, only over the day as it was `read` (its revision; absent when
        None). ConditionFailed when a change was counted meanwhile."""
        rev = int((read or {}).get("rev") or 0)
        data = {"pk": self._day_pk, "sk": day.isoformat(), "type": "stats_day", **counters, "rev": rev + 1}
        put: dict[str, Any] = {"TableName": self.gateway.table, "Item": to_item(data)}
        if read:
            put.update(
                ConditionExpression="#rev = :rev",
                ExpressionAttributeNames={"#rev": "rev"},
                ExpressionAttributeValues=values(rev=rev),
            )
        else:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        self.gateway.transact_raw([{"Put": put}])

    # -- snapshots ----------------------------------------------------------------------------

    def snapshot_meta(self) -> dict[str, Any] | None:
        return self.gateway.get_raw(self._snap_pk, keys.STATS_META_SK)

    def put_snapshot(self, name: str, body: str, at: dt.datetime) -> None:
        self.gateway.put_raw(
            {"pk": self._snap_pk, "sk": name, "type": "stats_snapshot", "generated_at": iso(at), "body": body}
        )

    def put_snapshot_meta(self, at: dt.datetime, oldest_open_day: dt.date, digests: Mapping[str, str]) -> None:
        self.gateway.put_raw(
            {
                "pk": self._snap_pk,
                "sk": keys.STATS_META_SK,
                "type": "stats_meta",
                "generated_at": iso(at),
                "oldest_open_day": oldest_open_day.isoformat(),
                "digests": dict(digests),
            }
        )

    def snapshots(self, names: list[str]) -> dict[str, dict[str, Any]]:
        """Snapshot items by name (`META`: the refresh's own), the ones that exist: one BatchGetItem."""
        got = self.gateway.batch_get_raw([(self._snap_pk, n) for n in names])
        return {sk: item for (_, sk), item in got.items()}

    # -- the lists behind the figures ---------------------------------------------------------

    @staticmethod
    def listed_position(item: Mapping[str, Any]) -> str:
        """A listed row's place in its list (the sort key a page continues below)."""
        return str(item["_sk"])

    def listed_page(
        self,
        by: str,
        partition: str,
        lo: str,
        hi: str,
        filters: Mapping[str, Any],
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Counted complaints of one list partition (`by` unit: a unit code; `by` place: a kecamatan;
        `by` city: the city),
        newest first between two sort keys (`hi` exclusive); each with its sort key `_sk`, and the
        lowest sort key read when the partition has more (None: all read). `filters`: cls,
        moved_from (contains), overdue_at (open and past its deadline), kelurahan_code, category, channel."""
        if by == "unit":
            index, prefix, pk = "statsunit", "su", keys.stats_unit_pk(partition)
        elif by == "city":
            index, prefix, pk = "statscity", "sc", keys.stats_city_pk(partition)
        else:
            index, prefix, pk = "statsplace", "sp", keys.stats_place_pk(partition)
        parts: list[str] = []
        names: dict[str, str] = {}
        extra: dict[str, Any] = {}
        if filters.get("moved_from"):
            parts.append("contains(#mf, :u)")
            names["#mf"] = "moved_from"
            extra["u"] = filters["moved_from"]
        elif filters.get("cls"):
            parts.append("#cls = :c")
            names["#cls"] = "cls"
            extra["c"] = filters["cls"]
        if filters.get("overdue_at") is not None:
            parts.append("#cls = :o AND #dl < :now")
            names.update({"#cls": "cls", "#dl": "deadline"})
            extra.update(o="open", now=iso(filters["overdue_at"]))
        if filters.get("kelurahan_code"):
            parts.append("#kel = :k")
            names["#kel"] = "kelurahan_code"
            extra["k"] = filters["kelurahan_code"]
        for i, field in enumerate(("category", "channel")):  # the list row's own values
            if filters.get(field):
                parts.append(f"#row.#f{i} = :f{i}")
                names.update({"#row": "row", f"#f{i}": field})
                extra[f"f{i}"] = filters[field]
        items, more = self.gateway.query_page(
            f"{prefix}_pk = :p AND {prefix}_sk BETWEEN :lo AND :hi",
            values(p=pk, lo=lo, hi=max(lo, _just_below(hi)), **extra),
            index=index,
            limit=limit,
            forward=False,
            filter_expression=" AND ".join(parts) or None,
            names=names or None,
        )
        found = [{**i, "_sk": i[f"{prefix}_sk"]} for i in items if i[f"{prefix}_sk"] != hi]
        return found, (more[f"{prefix}_sk"]["S"] if more else None)


def _just_below(sk: str) -> str:
    """An upper bound for BETWEEN that leaves `sk` itself out (the row a cursor names was shown
    already: reading it again costs an item). Sort keys are ASCII without `~`, so the last
    character one lower and a `~` after it is above every sort key below `sk`."""
    last = sk[-1:]
    if not ("!" <= last <= "~"):
        return sk  # not a sort key the lists write: as it is (the row is left out after the read)
    return f"{sk[:-1]}{chr(ord(last) - 1)}~"

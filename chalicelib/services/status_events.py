"""Where a change of a complaint's status is announced.

Kept as one function so every writer of a status change calls the same door,
after its write succeeded. Two things follow from it:

- complaints from a channel (Rabeg, 112, 119) get the change queued for the
  channel's callback (services/callbacks.py), in order per complaint;
- a complaint that reached a final status leaves the `geo` index ("already
  reported nearby"), even if its writer did not remove the keys itself.

Neither may undo the status change that was already written, so failures here
are logged and counted, never raised.
"""

from __future__ import annotations

from chalicelib.domain.models import FINAL_STATUSES, Complaint, TimelineEntry
from chalicelib.observability import complaint_context, count, logger


def publish(complaint: Complaint, entry: TimelineEntry) -> None:
    from chalicelib import bootstrap  # the composition root imports the services: import it late

    status = entry.status or complaint.status
    with complaint_context(complaint.tracking_id):
        logger.info("status changed", extra={"status": status, "kind": entry.kind})
        if status in FINAL_STATUSES:
            _leave_geo_index(complaint)
        if complaint.channel == "app":
            return
        try:
            event = bootstrap.callbacks().enqueue(complaint, entry)
            logger.info("channel event queued", extra={"event_id": event.event_id, "channel": complaint.channel})
        except Exception:  # noqa: BLE001 - the status change stands; the event is lost, loudly
            logger.exception("channel event could not be queued")
            count("ChannelEventEnqueueFailed")


def _leave_geo_index(complaint: Complaint) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters.dynamodb import ConditionFailed, values

    finals = {f":f{i}": s.value for i, s in enumerate(sorted(FINAL_STATUSES))}
    try:
        bootstrap.repository().update(
            complaint.tracking_id, "REMOVE geo_pk, geo_sk",
            condition=f"attribute_exists(geo_pk) AND #st IN ({', '.join(finals)})",
            names={"#st": "status"}, vals=values(**{k[1:]: v for k, v in finals.items()}),
        )
    except ConditionFailed:
        pass  # not indexed, or already out, or reopened meanwhile
    except Exception:  # noqa: BLE001
        logger.exception("could not remove the complaint from the geo index")

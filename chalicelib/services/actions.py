"""Operators act on a complaint: one action, one guarded write, one timeline entry.

`POST /v1/operator/complaints/{tracking_id}/actions`. The rules (which action
from which status, for which role, with which fields, leading where) are pure
domain: domain/actions.py. Here each action is carried out as ONE transaction
through StatusEvents.commit, conditional on

- the version the operator saw (`If-Match`): a stale version changes nothing (409);
- the status the rule was checked against;
- for a complaint still `received` that the action moves on: that the
  forwarder is not sending it right now (no lease, no earlier attempt), so a
  complaint is never both handed to LAPOR! and taken away from it.

The same transaction holds the timeline entry (who: user and unit; when; why),
the channel event, the inbox counters and, for what LAPOR! must know (answers,
resolve, reject, reassign, duplicate), the LAPOR! follow-up outbox item: the
operator's answer never waits on LAPOR! (services/lapor_followups.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from chalicelib.adapters.notifications import Notification, console_link
from chalicelib.adapters.s3 import AttachmentStore
from chalicelib.domain import actions, reference, tracking
from chalicelib.domain.access import Principal, Sight, can_see
from chalicelib.domain.actions import Action, Situation
from chalicelib.domain.errors import FieldProblem, InvalidInput, StaleVersion, WrongState
from chalicelib.domain.inbox import scoped
from chalicelib.domain.models import Complaint, Status, TimelineEntry, Unit, utcnow
from chalicelib.observability import complaint_context, count, logger
from chalicelib.services.channels import ChannelService
from chalicelib.services.deadlines import Deadlines
from chalicelib.services.inbox import item_in_scope, sight_of
from chalicelib.services.lapor_followups import LaporFollowups
from chalicelib.services.people import PeopleService
from chalicelib.services.ports import (
    ABSENT,
    Append,
    Before,
    Complaints,
    ConditionFailed,
    Handoffs,
    IfAbsent,
    Outboxes,
    Placement,
    Proofs,
    Write,
)
from chalicelib.services.status_events import StatusEvents, Transition, at_version
from chalicelib.services.templates import TemplateService, fill

HANDLING_KINDS = frozenset({"opd", "kecamatan", "kelurahan"})
PROOF_PREFIX = "proof/"
PROOF_KEPT_S = 90 * 86400  # how long an issued proof upload may still be named in a resolve


class PreconditionRequired(Exception):
    """An action without If-Match (HTTP 428): optimistic concurrency is not optional."""


class BeingForwarded(WrongState):
    def __init__(self) -> None:
        super().__init__(
            "being_forwarded",
            "Pengaduan sedang dikirim ke SP4N-LAPOR!; coba lagi sebentar lagi",
            "The complaint is being sent to SP4N-LAPOR! right now; try again in a moment",
        )


def situation_of(item: dict[str, Any]) -> Situation:
    """What the state machine needs from a stored complaint."""
    returned_from = item.get("returned_from")
    before = Status(returned_from) if returned_from else None
    if before == Status.RECEIVED and item.get("lapor_id") is not None:
        before = Status.FORWARDED  # a ticket appeared meanwhile: LAPOR! has it
    return Situation(
        status=Status(item["status"]), acknowledged=bool(item.get("acknowledged_at")), returned_from=before
    )


def allowed_actions(p: Principal, item: dict[str, Any]) -> list[str]:
    """What `p` may do now: nothing for a unit that handed the complaint on (read-only sight)."""
    if sight_of(p, item) != Sight.ACT:
        return []
    return [a.value for a in actions.allowed(p.role, situation_of(item))]


def check_action(p: Principal, item: dict[str, Any], action: Action) -> actions.Rule:
    """The rule for `action` by `p` on this complaint, or why not (read-only sight: not now)."""
    situation = situation_of(item)
    if sight_of(p, item) != Sight.ACT:
        if p.role not in actions.RULES[action].roles:
            raise actions.NotPermitted(action.value)  # a role that never takes it: 403 first
        raise actions.NotAllowedNow(action, situation, [])
    return actions.check(action, p.role, situation)


@dataclass
class Plan:
    """One action, worked out: the complaint after it, what to write, what LAPOR! hears."""

    after: Complaint
    attrs: dict[str, Any]
    entry: TimelineEntry
    lapor_text: str | None = None
    side_effects: list[str] = field(default_factory=list)  # "forward": queue for LAPOR! again
    placement: Placement = field(default_factory=Placement)  # the indexes it enters or leaves
    extra: list[Write] = field(default_factory=list)  # other items of the same transaction


def unit_name(code: str | None) -> str:
    unit = reference.units().get(code or "")
    return unit.name if unit else (code or "-")


def _bad(field_name: str, reason: str, message_id: str, message_en: str) -> InvalidInput:
    return InvalidInput([FieldProblem(field_name, reason, message_id, message_en)])


class ActionService:
    def __init__(
        self,
        complaints: Complaints,
        events: StatusEvents,
        followups: LaporFollowups,
        channels: ChannelService,
        send_forward: Callable[[str], None],
        store: Callable[[], AttachmentStore] | None = None,
        people: PeopleService | None = None,
        proofs: Proofs | None = None,
        templates: TemplateService | None = None,
        handoffs: Handoffs | None = None,
        notices: Outboxes | None = None,
        deadlines: Deadlines | None = None,
    ) -> None:
        self.deadlines = deadlines or Deadlines()  # by the complaint's region's rules
        self.notices = notices  # mentions in notes, published by the sweep
        self.handoffs = handoffs  # each unit's "Diteruskan" shelf
        self.templates = templates  # answers to start from (template_id)
        self.complaints = complaints
        self.people = people  # who an assignment may name
        self.proofs = proofs  # the proof uploads the hub issued
        self._store = store  # proof photos (built when first asked for)
        self.events = events
        self.followups = followups
        self.channels = channels
        self._send_forward = send_forward

    def act(
        self, p: Principal, tracking_id: str, action: Action, fields: dict[str, Any], if_match: int | None
    ) -> Complaint:
        """Carry out one action; raises NotFound, NotPermitted, NotAllowedNow, InvalidInput,
        PreconditionRequired, StaleVersion or BeingForwarded, and changes nothing then."""
        with complaint_context(tracking_id):
            item, c = item_in_scope(self.complaints, p, tracking_id)
            situation = situation_of(item)
            rule = check_action(p, item, action)
            fields = self._with_template(p, c, action, fields)
            problems = [
                FieldProblem(
                    f, "missing", f"{f} wajib diisi untuk {action.value}", f"{f} is required for {action.value}"
                )
                for f in actions.missing_fields(action, fields)
            ]
            problems += [
                FieldProblem(
                    f, "not_for_action", f"{f} tidak dipakai oleh {action.value}", f"{f} is not used by {action.value}"
                )
                for f in actions.unexpected_fields(action, fields)
            ]
            if problems:
                raise InvalidInput(problems)
            if if_match is None:
                raise PreconditionRequired()
            if c.version != if_match:
                raise StaleVersion(c.version)
            if action == Action.CONFIRM:
                return self.channels.confirm(tracking_id, by=p, expected_version=if_match)
            if action == Action.DISMISS:
                return self.channels.dismiss(tracking_id, fields.get("reason"), by=p, expected_version=if_match)
            now = utcnow()
            plan = self._plan(action, p, c, item, situation, fields, now)
            self._commit(action, rule.public, c, item, plan, if_match, now)
            logger.info(
                "operator action",
                extra={"action": action.value, "role": p.role.value, "unit": p.unit, "status": plan.after.status.value},
            )
            count("OperatorActions")
            if plan.lapor_text is not None:
                self.followups.nudge(tracking_id)
            if "forward" in plan.side_effects:
                try:
                    self._send_forward(tracking_id)
                except Exception:  # noqa: BLE001 - in the outbox index; the reconciler sends it
                    logger.exception("forward queue send failed; left for the reconciler")
            return plan.after

    def _with_template(self, p: Principal, c: Complaint, action: Action, fields: dict[str, Any]) -> dict[str, Any]:
        """The fields with the named template's text as the message (when none is given) and the
        hub's placeholders filled in the message."""
        out = dict(fields)
        tid = out.get("template_id")
        if tid and self.templates is not None and "template_id" in actions.RULES[action].may:
            template = self.templates.for_action(p, str(tid), c)
            if not str(out.get("message") or "").strip():
                out["message"] = template.text
        if isinstance(out.get("message"), str) and action in (Action.RESPOND, Action.RESOLVE):
            out["message"] = fill(out["message"], c)
        return out

    def proof_upload(self, p: Principal, tracking_id: str, content_type: str) -> dict[str, Any]:
        """A presigned upload for a proof photo, its key to name in `resolve` (`attachment`).

        Only the handling unit's people (and the coordinator) while the complaint can still be
        resolved; the key is `proof/<tracking_id>/<random><ext>`, never the file's own name."""
        import uuid

        from chalicelib.services.attachments import extension_for, rules

        item, _ = item_in_scope(self.complaints, p, tracking_id)
        check_action(p, item, Action.RESOLVE)
        r = rules()
        ctype = content_type.strip().lower()
        if ctype not in r.allowed_content_types or not ctype.startswith("image/"):
            photos = ", ".join(t for t in r.allowed_content_types if t.startswith("image/"))
            raise _bad(
                "content_type",
                "unsupported_content_type",
                f"content_type harus foto: {photos}",
                f"content_type must be a photo: {photos}",
            )
        assert self._store is not None
        key = f"{PROOF_PREFIX}{tracking_id}/{uuid.uuid4().hex}{extension_for(ctype)}"
        if self.proofs is not None:  # a resolve names only what was issued here, for this complaint
            now = utcnow()
            self.proofs.issued(key, tracking_id, p.user, now, int(now.timestamp()) + PROOF_KEPT_S)
        form = self._store().presigned_post(key, ctype, r.max_bytes, r.url_expires_s)
        return {
            "upload": {"url": form["url"], "fields": dict(form["fields"])},
            "key": key,
            "expires_in": r.url_expires_s,
        }

    # -- the write ------------------------------------------------------------------

    def _commit(
        self, action: Action, public: bool, c: Complaint, item: dict[str, Any], plan: Plan, if_match: int, now: datetime
    ) -> None:
        expect: dict[str, Any] = {**at_version(if_match), "status": c.status.value}
        leaving_received = c.status == Status.RECEIVED and plan.after.status != Status.RECEIVED
        if leaving_received:
            # never while the forwarder is sending it, nor after an attempt that may have landed
            expect.update(lapor_id=ABSENT, fwd_sent_at=ABSENT, fwd_lease_until=Before(now))
        new_items: list[Write] = list(plan.extra)
        if plan.lapor_text is not None:
            new_items.append(self.followups.item(c, if_match + 1, "unit", plan.lapor_text, now))
        try:
            self.events.commit(
                Transition(
                    c,
                    plan.after,
                    plan.entry,
                    plan.attrs,
                    expect=expect,
                    placement=plan.placement,
                    new_items=new_items,
                    announce=public,
                )
            )
        except ConditionFailed:
            latest = self.complaints.item(c.tracking_id, consistent=True) or {}
            current = int(latest.get("version") or 1)
            if current != if_match:
                raise StaleVersion(current) from None
            if leaving_received:
                raise BeingForwarded() from None
            raise

    # -- each action --------------------------------------------------------------------

    def _plan(
        self,
        action: Action,
        p: Principal,
        c: Complaint,
        item: dict[str, Any],
        s: Situation,
        fields: dict[str, Any],
        now: datetime,
    ) -> Plan:
        target = actions.target(action, s)
        who = {"actor": p.user, "actor_unit": p.unit}
        ref = f"{action.value}:{c.version + 1}"
        base: dict[str, Any] = {"updated_at": now}
        unit = c.unit.name if c.unit else "-"
        after = c.model_copy(update={"status": target, "updated_at": now, "version": c.version + 1})

        if action == Action.ACKNOWLEDGE:
            base.update(acknowledged_at=now, acknowledged_by=p.user)
            entry = TimelineEntry(
                at=now,
                kind="acknowledged",
                ref=ref,
                **who,
                message=f"Pengaduan diterima dan sedang dipelajari oleh {unit}",
            )
            return Plan(after.model_copy(update={"acknowledged_at": now}), base, entry)

        if action == Action.ASSIGN:
            assignee = str(fields["assignee"]).strip()
            if self.people is not None:
                assignee = self.people.check_assignee(c.unit.code if c.unit else None, assignee, c.jurisdiction)
            base.update(assigned_to=assignee, assigned_at=now)
            entry = TimelineEntry(
                at=now, kind="assigned", ref=ref, public=False, **who, message=f"Ditugaskan kepada {assignee}"
            )
            return Plan(after.model_copy(update={"assigned_to": assignee}), base, entry)

        if action == Action.NOTE:
            entry = TimelineEntry(at=now, kind="note", ref=ref, public=False, message=str(fields["message"]), **who)
            plan = Plan(after.model_copy(update={"updated_at": c.updated_at}), {}, entry)
            plan.extra.extend(self._mentions(p, c, str(fields["message"]), now))
            return plan

        if action == Action.RESPOND:
            message = str(fields["message"])
            base["first_response_at"] = IfAbsent(now)
            plan = Plan(
                after.model_copy(update={"first_response_at": c.first_response_at or now}),
                base,
                TimelineEntry(at=now, kind="answer", status=target, ref=ref, message=message, **who),
                lapor_text=message,
            )
            if target != c.status:
                self._new_stage(plan, c, target, now)
            return plan

        if action == Action.RESOLVE:
            message = str(fields["message"])
            base["first_response_at"] = IfAbsent(now)
            if fields.get("attachment"):
                base["proof_attachments"] = Append(self._proof(c, str(fields["attachment"])))
                self._issued_here(c, str(fields["attachment"]))
            plan = Plan(
                after.model_copy(update={"first_response_at": c.first_response_at or now, "resolved_at": now}),
                base,
                TimelineEntry(at=now, kind="resolved", status=target, ref=ref, message=message, **who),
                lapor_text=message,
            )
            self._new_stage(plan, c, target, now)
            return plan

        if action == Action.REJECT:
            reason = str(fields["reason"])
            plan = Plan(
                after,
                base,
                TimelineEntry(
                    at=now,
                    kind="rejected",
                    status=target,
                    ref=ref,
                    reason=reason,
                    message=f"Ditolak oleh {unit}: {reason}",
                    **who,
                ),
                lapor_text=f"Pengaduan ini tidak dapat ditindaklanjuti oleh {unit}: {reason}"
                if c.lapor_id is not None
                else None,
            )
            self._final(plan, c)
            return plan

        if action == Action.NOT_OURS:
            reason = str(fields["reason"])
            base.update(returned_from=c.status.value, returned_by=c.unit.code if c.unit else None)
            if c.unit is not None:
                base["handed_on_by"] = Append(c.unit.code)  # read-only sight under "Diteruskan"
            plan = Plan(
                after,
                base,
                TimelineEntry(
                    at=now,
                    kind="returned",
                    status=target,
                    ref=ref,
                    reason=reason,
                    **who,
                    message=f"Dikembalikan ke koordinator pengaduan: bukan wewenang {unit}",
                ),
            )
            self._new_stage(plan, c, target, now)
            if self.handoffs is not None and c.unit is not None:
                plan.extra.append(self.handoffs.write(c.unit.code, c.tracking_id, now))
            if c.status == Status.RECEIVED:
                plan.placement = replace(plan.placement, waiting_since=None)  # not to LAPOR! until it has its unit
            return plan

        if action == Action.REASSIGN:
            return self._reassign(p, c, s, fields, now, ref, who, base)

        if action == Action.DUPLICATE_OF:
            original = self._original(p, c, str(fields["duplicate_of"]))
            # a confidential original is never named where the public (or LAPOR!'s public page) reads it
            where = (
                "pengaduan lain yang dirahasiakan"
                if original.confidential
                else f"pengaduan {original.tracking_id}"
                + (f" (SP4N-LAPOR! #{original.lapor_id})" if original.lapor_id else "")
            )
            base["duplicate_of"] = original.tracking_id
            plan = Plan(
                after.model_copy(update={"duplicate_of": original.tracking_id}),
                base,
                TimelineEntry(
                    at=now,
                    kind="duplicate",
                    status=target,
                    ref=ref,
                    reason=fields.get("reason"),
                    **who,
                    message=f"Sama dengan {where}; tindak lanjut diberikan di sana",
                ),
                lapor_text=f"Pengaduan ini sama dengan {where}; tindak lanjut diberikan di sana."
                if c.lapor_id is not None
                else None,
            )
            self._final(plan, c)
            return plan
        raise AssertionError(action)  # confirm and dismiss are the channel service's

    def _mentions(self, p: Principal, c: Complaint, text: str, now: datetime) -> list[Write]:
        """A notice for each colleague of the unit the note mentions (`@user`), in the note's
        transaction; the sweep publishes it (SNS, attributes `unit`, `kind` = mentioned, `user`)."""
        if self.people is None or self.notices is None:
            return []
        unit = c.unit.code if c.unit else None
        out: list[Write] = []
        for user in self.people.mentioned(unit, text, by=p.user, region=c.jurisdiction):
            slot = f"mention:{c.version + 1}:{user}"
            n = Notification(
                notification_id=f"{c.tracking_id}/{slot}",
                tracking_id=c.tracking_id,
                kind="mentioned",
                subject=f"Anda disebut dalam catatan pengaduan {c.tracking_id}"[:100],
                message="\n".join(
                    [
                        f"{p.name or p.user} menyebut Anda dalam catatan internal pengaduan {c.tracking_id}.",
                        f"Unit: {unit_name(unit)}",
                        f"Buka: {console_link(c.tracking_id)}",
                        f"ID notifikasi: {c.tracking_id}/{slot}",
                    ]
                ),
                unit_code=scoped(unit, c.jurisdiction) if unit else "",
                user=user,
            )
            out.append(self.notices.notice_write(c.tracking_id, slot, n.model_dump(), now))
        return out

    def _reassign(
        self,
        p: Principal,
        c: Complaint,
        s: Situation,
        fields: dict[str, Any],
        now: datetime,
        ref: str,
        who: dict[str, Any],
        base: dict[str, Any],
    ) -> Plan:
        code = str(fields["unit"]).strip()
        unit = reference.units().get(code)
        if unit is None or unit.kind not in HANDLING_KINDS:
            raise _bad(
                "unit",
                "unknown_unit",
                "unit bukan kode unit penanganan yang dikenal (opd:, kec:, kel:)",
                "unit is not a known handling unit code (opd:, kec:, kel:)",
            )
        back = c.unit is not None and unit.code == c.unit.code
        if back and s.status != Status.RETURNED:
            raise _bad(
                "unit", "same_unit", "Pengaduan sudah ditangani unit ini", "The complaint is with this unit already"
            )
        if back and not str(fields.get("reason") or "").strip():
            raise _bad(
                "reason",
                "missing",
                "reason wajib diisi untuk mengembalikan pengaduan ke unit yang menyerahkannya",
                "reason is required to send a complaint back to the unit that handed it on",
            )
        target = actions.target(Action.REASSIGN, s)
        away = [c.unit.code] if c.unit and not back else []
        moved = [*c.moved_from, *away]
        base.update(
            unit=unit.model_dump(),
            moved_from=Append(*away),
            escalation_level=0,
            assigned_to=None,
            acknowledged_at=None,
            acknowledged_by=None,
            returned_from=None,
            returned_by=None,
        )
        after = c.model_copy(
            update={
                "status": target,
                "unit": Unit(**unit.model_dump()),
                "moved_from": moved,
                "escalation_level": 0,
                "assigned_to": None,
                "acknowledged_at": None,
                "updated_at": now,
                "version": c.version + 1,
            }
        )
        plan = Plan(
            after,
            base,
            TimelineEntry(
                at=now,
                kind="reassigned",
                status=target,
                ref=ref,
                reason=fields.get("reason"),
                message=f"Dikembalikan ke {unit.name}" if back else f"Didisposisikan ke {unit.name}",
                **who,
            ),
            lapor_text=(
                f"Pengaduan ini dikembalikan kepada {unit.name}."
                if back
                else f"Pengaduan ini didisposisikan kepada {unit.name}."
            )
            if c.lapor_id is not None
            else None,
        )
        self._new_stage(plan, after, target, now)
        if target == Status.RECEIVED:
            plan.placement = replace(plan.placement, waiting_since=now)
            plan.side_effects.append("forward")
        return plan

    def _new_stage(self, plan: Plan, c: Complaint, target: Status, now: datetime) -> None:
        """The status and the new stage's deadline (the clock of the old stage stops)."""
        deadline = self.deadlines.deadline_for(c, target, now)
        plan.attrs.update(status=target.value)
        plan.placement = replace(plan.placement, deadline=deadline)
        plan.after = plan.after.model_copy(update={"status": target, "deadline": deadline})

    def _final(self, plan: Plan, c: Complaint) -> None:
        """A final status leaves every work index (due, sync, forwarding outbox)."""
        plan.attrs.update(status=plan.after.status.value)
        plan.placement = replace(plan.placement, deadline=None, next_check=None, waiting_since=None)
        plan.after = plan.after.model_copy(update={"deadline": None})

    def _original(self, p: Principal, c: Complaint, raw: str) -> Complaint:
        tid = tracking.normalise(raw)
        original = self.complaints.get(tid, consistent=True) if tid else None
        if original is None or not can_see(
            p, original.unit.code if original.unit else None, original.channel, original.jurisdiction
        ):
            raise _bad(
                "duplicate_of",
                "not_found",
                "duplicate_of: pengaduan itu tidak ditemukan",
                "duplicate_of: no such complaint",
            )
        if original.tracking_id == c.tracking_id:
            raise _bad(
                "duplicate_of",
                "same_complaint",
                "Pengaduan tidak dapat menjadi duplikat dirinya sendiri",
                "A complaint cannot be a duplicate of itself",
            )
        if original.status == Status.DUPLICATE and original.duplicate_of:
            raise _bad(
                "duplicate_of",
                "is_a_duplicate",
                f"{original.tracking_id} sendiri duplikat dari {original.duplicate_of}; tunjuk yang asli",
                f"{original.tracking_id} is itself a duplicate of {original.duplicate_of}; point to that one",
            )
        return original

    def _issued_here(self, c: Complaint, key: str) -> None:
        """Only a proof upload the hub issued for this complaint (recorded at POST .../attachments)."""
        if self.proofs is not None and self.proofs.issued_for(key) != c.tracking_id:
            raise _bad(
                "attachment",
                "not_issued",
                "attachment harus kunci yang diberikan POST .../attachments untuk pengaduan ini",
                "attachment must be a key POST .../attachments issued for this complaint",
            )

    @staticmethod
    def _proof(c: Complaint, key: str) -> str:
        if not key.startswith(f"{PROOF_PREFIX}{c.tracking_id}/") or len(key) > 200 or ".." in key:
            raise _bad(
                "attachment",
                "unknown_attachment",
                "attachment harus kunci dari POST .../attachments untuk pengaduan ini",
                "attachment must be a key from POST .../attachments for this complaint",
            )
        return key

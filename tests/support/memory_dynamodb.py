"""An in-memory DynamoDB client: the subset of the boto3 API the hub calls, with DynamoDB's conditions.

Tests that need the table's behaviour (version checks, put-if-absent, all-or-nothing
transactions, sparse indexes, paging, counters) but not HTTP run the hub's gateway on this
instead of moto's server, in microseconds. `tests/contract/` runs one set of tests against both
backends so the two cannot drift apart; where moto and DynamoDB differ, this follows DynamoDB.

What it implements (one table, its keys and global secondary indexes read from
infra/template.json):

- PutItem, GetItem, UpdateItem, DeleteItem, Query, BatchGetItem, TransactWriteItems
  (Put / Update / Delete / ConditionCheck, all or nothing, CancellationReasons in order,
  ClientRequestToken remembered for 10 minutes);
- condition, key-condition, filter and update expressions with `#name` / `:value` placeholders
  and nested paths, numbers as Decimal with 38 digits;
- DynamoDB's refusals as `botocore.exceptions.ClientError` with botocore's response shape, and
  the request checked against botocore's own model of the API first (a misspelt parameter fails
  here as it fails in boto3).

What it does not: streams, TTL expiry, Scan, PartiQL, ProjectionExpression, capacity figures,
eventually consistent reads (every read sees every write), throttling.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from functools import cache
from types import SimpleNamespace
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError
from botocore.hooks import HierarchicalEmitter

TEMPLATE = pathlib.Path(__file__).resolve().parents[2] / "infra" / "template.json"
TOKEN_WINDOW_S = 600.0  # DynamoDB remembers a transaction's ClientRequestToken this long
PAGE_BYTES = 1024 * 1024  # a Query reads at most 1 MB before it stops with a LastEvaluatedKey
ITEM_BYTES = 400 * 1024
MAX_TRANSACT_ITEMS = 100
MAX_BATCH_KEYS = 100

_WRITE = {"TableName", "ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues"}
_RETURNS = {"ReturnValues", "ReturnValuesOnConditionCheckFailure"}
#: the parameters implemented, per operation (others fail loudly rather than being ignored)
_IMPLEMENTED = {
    "PutItem": {*_WRITE, *_RETURNS, "Item"},
    "DeleteItem": {*_WRITE, *_RETURNS, "Key"},
    "UpdateItem": {*_WRITE, *_RETURNS, "Key", "UpdateExpression"},
    "GetItem": {"TableName", "Key", "ConsistentRead"},
    "BatchGetItem": {"RequestItems"},
    "TransactWriteItems": {"TransactItems", "ClientRequestToken"},
    "Scan": {
        "TableName",
        "FilterExpression",
        "ExpressionAttributeNames",
        "ExpressionAttributeValues",
        "Limit",
        "ExclusiveStartKey",
        "Select",
        "ConsistentRead",
    },
    "BatchWriteItem": {"RequestItems"},
    "Query": {
        "TableName",
        "IndexName",
        "KeyConditionExpression",
        "FilterExpression",
        "ExpressionAttributeNames",
        "ExpressionAttributeValues",
        "Limit",
        "ExclusiveStartKey",
        "ScanIndexForward",
        "Select",
        "ConsistentRead",
    },
}

Item = dict[str, Any]  # attribute name -> AttributeValue ({"S": "x"}, {"N": "1"}, ...)
Key = tuple[Any, ...]


# -- errors ---------------------------------------------------------------------------


def _client_error(operation: str, code: str, message: str, **extra: Any) -> ClientError:
    """The ClientError botocore raises for a DynamoDB error answer (modelled fields at the top)."""
    response: dict[str, Any] = {
        "Error": {"Message": message, "Code": code},
        "ResponseMetadata": {"HTTPStatusCode": 400},
        "message": message,
        **extra,
    }
    return ClientError(response, operation)  # type: ignore[arg-type]


class _Invalid(Exception):
    """A ValidationException, before it knows which operation it belongs to."""


class _ConditionFalse(Exception):
    def __init__(self, old: Item | None) -> None:
        super().__init__("The conditional request failed")
        self.old = old


@cache
def _service_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("dynamodb")


def _check_params(operation: str, params: dict[str, Any]) -> None:
    """What boto3 checks before sending: the parameters against the API's own model."""
    from botocore.validate import ParamValidator

    report = ParamValidator().validate(params, _service_model().operation_model(operation).input_shape)
    if report.has_errors():
        raise ParamValidationError(report=report.generate_report())


@cache
def _reserved_words() -> frozenset[str]:
    """DynamoDB's reserved words (a raw attribute name in an expression may not be one).

    The list is the one DynamoDB publishes, as moto ships it; without moto no name is refused."""
    try:
        import moto.dynamodb.parsing as parsing
    except ImportError:  # pragma: no cover - moto is a test dependency
        return frozenset()
    path = pathlib.Path(parsing.__file__).with_name("reserved_keywords.txt")
    return frozenset(w.strip().upper() for w in path.read_text().splitlines() if w.strip())


# -- attribute values -------------------------------------------------------------------

_NUMBERS = Context(prec=38, Emax=125, Emin=-130)  # DynamoDB's arithmetic
_EXACT = Context(prec=200, Emax=999, Emin=-999)  # reading and writing number text without rounding
_SETS = {"SS": "S", "NS": "N", "BS": "B"}


def _type(av: Item) -> str:
    return next(iter(av))


def _number(text: str) -> Decimal:
    """An N string as DynamoDB reads it: at most 38 significant digits, magnitude 1E-130..1E+126."""
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise _Invalid(f"A value provided cannot be converted into a number: {text!r}") from None
    if not d.is_finite():
        raise _Invalid("The parameter cannot be converted to a numeric value")
    if d.is_zero():
        return Decimal(0)
    digits = d.normalize(_EXACT)
    if len(digits.as_tuple().digits) > 38:
        raise _Invalid("Attempting to store more than 38 significant digits in a Number")
    if abs(d) >= Decimal("1E126"):
        raise _Invalid("Number overflow. Attempting to store a number with magnitude larger than supported range")
    if abs(d) < Decimal("1E-130"):
        raise _Invalid("Number underflow. Attempting to store a number with magnitude smaller than supported range")
    return digits


def _number_text(d: Decimal) -> str:
    """A number as DynamoDB answers it: no exponent, no trailing zeros ("1.50" -> "1.5")."""
    d = d.normalize(_EXACT)
    return "0" if d.is_zero() else format(d, "f")


def _clean(av: Any) -> Item:
    """A validated, independent copy of an AttributeValue (numbers normalised, as DynamoDB stores them)."""
    if not isinstance(av, dict) or len(av) != 1:
        raise _Invalid("Supplied AttributeValue has more than one datatypes set, must contain exactly one")
    kind, v = next(iter(av.items()))
    if kind == "B":
        return {kind: v.encode() if isinstance(v, str) else bytes(v)}
    if kind == "BS":
        members_b = [x.encode() if isinstance(x, str) else bytes(x) for x in v]
        if not members_b or len(set(members_b)) != len(members_b):
            raise _Invalid(
                "One or more parameter values were invalid: Input collection contains duplicates or is empty"
            )
        return {kind: members_b}
    if kind in ("S", "BOOL"):
        return {kind: v}
    if kind == "NULL":
        if v is not True:
            raise _Invalid(
                "One or more parameter values were invalid: Null attribute value types must have the value of true"
            )
        return {kind: True}
    if kind == "N":
        return {"N": _number_text(_number(v))}
    if kind in _SETS:
        if not v:
            raise _Invalid(f"One or more parameter values were invalid: An {kind} may not be empty")
        members = [_number_text(_number(x)) for x in v] if kind == "NS" else list(v)
        if len(set(members)) != len(members):
            raise _Invalid("One or more parameter values were invalid: Input collection contains duplicates")
        return {kind: members}
    if kind == "L":
        return {"L": [_clean(x) for x in v]}
    if kind == "M":
        return {"M": {k: _clean(x) for k, x in v.items()}}
    raise _Invalid(f"Supplied AttributeValue is empty, must contain exactly one of the supported datatypes: {kind}")


def _copy(av: Any) -> Any:
    """A deep copy of stored values (faster than copy.deepcopy for AttributeValues)."""
    if isinstance(av, dict):
        return {k: _copy(v) for k, v in av.items()}
    if isinstance(av, list):
        return [_copy(v) for v in av]
    return av


def _scalar(av: Item) -> Any:
    """The comparable Python value of a scalar or set member."""
    kind, v = next(iter(av.items()))
    if kind == "N":
        return Decimal(v)
    if kind == "B":
        return bytes(v) if not isinstance(v, str) else v.encode()
    return v


def _equal(a: Item | None, b: Item | None) -> bool:
    if a is None or b is None:
        return False
    ka, kb = _type(a), _type(b)
    if ka != kb:
        return False
    if ka in ("S", "N", "B"):
        return bool(_scalar(a) == _scalar(b))
    if ka in _SETS:
        conv = (lambda x: Decimal(x)) if ka == "NS" else (lambda x: x)
        return {conv(x) for x in a[ka]} == {conv(x) for x in b[kb]}
    if ka == "L":
        return len(a["L"]) == len(b["L"]) and all(_equal(x, y) for x, y in zip(a["L"], b["L"], strict=True))
    if ka == "M":
        return a["M"].keys() == b["M"].keys() and all(_equal(v, b["M"][k]) for k, v in a["M"].items())
    return bool(a[ka] == b[kb])


def _orderable(a: Item | None, b: Item | None) -> bool:
    return a is not None and b is not None and _type(a) == _type(b) and _type(a) in ("S", "N", "B")


def _size_of(av: Item) -> int:
    """DynamoDB's size of a value in bytes (for the 400 KB item and 1 MB page limits)."""
    kind, v = next(iter(av.items()))
    if kind == "S":
        return len(v.encode("utf-8"))
    if kind == "B":
        return len(v)
    if kind == "N":
        return len(v.lstrip("-").replace(".", "")) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in _SETS:
        return sum(_size_of({_SETS[kind]: x}) for x in v)
    if kind == "L":
        return 3 + sum(1 + _size_of(x) for x in v)
    return 3 + sum(1 + len(k.encode()) + _size_of(x) for k, x in v.items())


def _item_size(item: Item) -> int:
    return sum(len(k.encode()) + _size_of(v) for k, v in item.items())


# -- expressions: tokens --------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<name>#[A-Za-z0-9_]+)|(?P<value>:[A-Za-z0-9_]+)|(?P<ident>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<int>\d+)|(?P<op><>|<=|>=|[=<>()\[\],.+-]))"
)
_KEYWORDS = {"AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE"}


@dataclass(frozen=True)
class _Token:
    kind: str  # name | value | ident | int | op | keyword | end
    text: str


def _tokens(text: str, what: str) -> list[_Token]:
    out: list[_Token] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            bad = text[pos:].strip()[:1]
            raise _Invalid(f'Invalid {what}: Syntax error; token: "{bad}", near: "{text[max(0, pos - 5) : pos + 5]}"')
        kind = m.lastgroup or "op"
        word = m.group(kind)
        if kind == "ident" and word.upper() in _KEYWORDS:
            out.append(_Token("keyword", word.upper()))
        else:
            out.append(_Token(kind, word))
        pos = m.end()
    out.append(_Token("end", "<EOF>"))
    return out


# -- expressions: syntax tree ------------------------------------------------------------


@dataclass(frozen=True)
class Path:
    parts: tuple[str | int, ...]  # attribute names and list indexes, placeholders resolved


@dataclass(frozen=True)
class Value:
    av: Item


@dataclass(frozen=True)
class Call:
    """A function: size / attribute_exists / ... in conditions, if_not_exists / list_append in SET."""

    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Arith:
    op: str  # + or -
    left: Any
    right: Any


@dataclass(frozen=True)
class Compare:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class Between:
    subject: Any
    low: Any
    high: Any


@dataclass(frozen=True)
class In:
    subject: Any
    choices: tuple[Any, ...]


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND | OR
    left: Any
    right: Any


@dataclass(frozen=True)
class Not:
    operand: Any


@dataclass(frozen=True)
class Update:
    sets: tuple[tuple[Path, Any], ...]
    removes: tuple[Path, ...]
    adds: tuple[tuple[Path, Item], ...]
    deletes: tuple[tuple[Path, Item], ...]


_CONDITION_FUNCTIONS = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
}
_COMPARATORS = {"=", "<>", "<", "<=", ">", ">="}


class _Placeholders:
    """The request's ExpressionAttributeNames / Values, and which of them the expressions used."""

    def __init__(self, names: dict[str, str] | None, values: dict[str, Any] | None) -> None:
        self.names = names or {}
        self.values = {k: _clean(v) for k, v in (values or {}).items()}
        self.used_names: set[str] = set()
        self.used_values: set[str] = set()

    def name(self, token: str, what: str) -> str:
        if token not in self.names:
            raise _Invalid(
                f"Invalid {what}: "
                f"An expression attribute name used in the document path is not defined; attribute name: {token}"
            )
        self.used_names.add(token)
        return self.names[token]

    def value(self, token: str, what: str) -> Item:
        if token not in self.values:
            raise _Invalid(
                f"Invalid {what}: "
                f"An expression attribute value used in expression is not defined; attribute value: {token}"
            )
        self.used_values.add(token)
        return self.values[token]

    def check_all_used(self) -> None:
        """DynamoDB refuses a request that defines a placeholder none of its expressions uses."""
        unused_names = sorted(set(self.names) - self.used_names)
        if unused_names:
            raise _Invalid(
                f"Value provided in ExpressionAttributeNames unused in expressions: keys: {{{', '.join(unused_names)}}}"
            )
        unused_values = sorted(set(self.values) - self.used_values)
        if unused_values:
            raise _Invalid(
                "Value provided in ExpressionAttributeValues unused in expressions: "
                f"keys: {{{', '.join(unused_values)}}}"
            )


class _Parser:
    """Recursive descent over one expression (condition, key condition, filter or update)."""

    def __init__(self, text: str, what: str, ph: _Placeholders) -> None:
        self.what = what
        self.toks = _tokens(text, what)
        self.i = 0
        self.ph = ph

    # token helpers
    def peek(self, ahead: int = 0) -> _Token:
        return self.toks[min(self.i + ahead, len(self.toks) - 1)]

    def take(self) -> _Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def accept(self, text: str) -> bool:
        tok = self.peek()
        if tok.kind in ("op", "keyword") and tok.text == text:
            self.i += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            self.fail()

    def fail(self) -> None:
        tok = self.peek()
        raise _Invalid(f'Invalid {self.what}: Syntax error; token: "{tok.text}", near: "{tok.text}"')

    def done(self) -> None:
        if self.peek().kind != "end":
            self.fail()

    # conditions: OR < AND < NOT < comparison / function / parentheses
    def condition(self) -> Any:
        node = self.conjunction()
        while self.accept("OR"):
            node = BoolOp("OR", node, self.conjunction())
        return node

    def conjunction(self) -> Any:
        node = self.negation()
        while self.accept("AND"):
            node = BoolOp("AND", node, self.negation())
        return node

    def negation(self) -> Any:
        if self.accept("NOT"):
            return Not(self.negation())
        return self.predicate()

    def predicate(self) -> Any:
        if self.accept("("):
            node = self.condition()
            self.expect(")")
            return node
        tok = self.peek()
        if tok.kind == "ident" and self.peek(1).text == "(" and tok.text in _CONDITION_FUNCTIONS:
            return self.function(_CONDITION_FUNCTIONS)
        left = self.operand()
        nxt = self.peek()
        if nxt.kind == "op" and nxt.text in _COMPARATORS:
            self.take()
            return Compare(nxt.text, left, self.operand())
        if self.accept("BETWEEN"):
            low = self.operand()
            self.expect("AND")
            return Between(left, low, self.operand())
        if self.accept("IN"):
            self.expect("(")
            choices = [self.operand()]
            while self.accept(","):
                choices.append(self.operand())
            self.expect(")")
            if len(choices) > 100:
                raise _Invalid(f"Invalid {self.what}: The IN operator is provided with too many operands")
            return In(left, tuple(choices))
        self.fail()
        raise AssertionError  # unreachable

    def function(self, known: dict[str, int]) -> Call:
        name = self.take().text
        self.expect("(")
        args = [self.operand()]
        while self.accept(","):
            args.append(self.operand())
        self.expect(")")
        if len(args) != known[name]:
            raise _Invalid(
                f"Invalid {self.what}: Incorrect number of operands for operator or function; "
                f"operator or function: {name}, number of operands: {len(args)}"
            )
        if name != "list_append" and not isinstance(args[0], Path):
            raise _Invalid(
                f"Invalid {self.what}: Operator or function requires a document path; operator or function: {name}"
            )
        return Call(name, tuple(args))

    def operand(self) -> Any:
        tok = self.peek()
        if tok.kind == "value":
            self.take()
            return Value(self.ph.value(tok.text, self.what))
        if tok.kind == "ident" and self.peek(1).text == "(":
            if tok.text == "size":
                return self.function({"size": 1})
            if self.what == "UpdateExpression" and tok.text in ("if_not_exists", "list_append"):
                return self.function({"if_not_exists": 2, "list_append": 2})
            raise _Invalid(f"Invalid {self.what}: Invalid function name; function: {tok.text}")
        return self.path()

    def path(self) -> Path:
        parts: list[str | int] = [self.path_name()]
        while True:
            if self.accept("."):
                parts.append(self.path_name())
            elif self.accept("["):
                tok = self.take()
                if tok.kind != "int":
                    self.fail()
                parts.append(int(tok.text))
                self.expect("]")
            else:
                return Path(tuple(parts))

    def path_name(self) -> str:
        tok = self.take()
        if tok.kind == "name":
            return self.ph.name(tok.text, self.what)
        if tok.kind == "ident":
            if tok.text.upper() in _reserved_words():
                raise _Invalid(
                    f"Invalid {self.what}: Attribute name is a reserved keyword; reserved keyword: {tok.text}"
                )
            return tok.text
        self.i -= 1
        self.fail()
        raise AssertionError  # unreachable

    # update expressions: SET / REMOVE / ADD / DELETE clauses, each at most once
    def update(self) -> Update:
        sets: list[tuple[Path, Any]] = []
        removes: list[Path] = []
        adds: list[tuple[Path, Item]] = []
        deletes: list[tuple[Path, Item]] = []
        seen: set[str] = set()
        while self.peek().kind != "end":
            clause = self.take()
            if clause.kind != "keyword" or clause.text not in ("SET", "REMOVE", "ADD", "DELETE"):
                self.i -= 1
                self.fail()
            if clause.text in seen:
                raise _Invalid(
                    f'Invalid UpdateExpression: The "{clause.text}" section can only be used once '
                    "in an update expression;"
                )
            seen.add(clause.text)
            while True:
                if clause.text == "SET":
                    target = self.path()
                    self.expect("=")
                    sets.append((target, self.set_value()))
                elif clause.text == "REMOVE":
                    removes.append(self.path())
                else:
                    target = self.path()
                    tok = self.take()
                    if tok.kind != "value":
                        self.i -= 1
                        self.fail()
                    (adds if clause.text == "ADD" else deletes).append((target, self.ph.value(tok.text, self.what)))
                if not self.accept(","):
                    break
        if not seen:
            raise _Invalid("Invalid UpdateExpression: The expression can not be empty;")
        return Update(tuple(sets), tuple(removes), tuple(adds), tuple(deletes))

    def set_value(self) -> Any:
        left = self.operand()
        tok = self.peek()
        if tok.kind == "op" and tok.text in ("+", "-"):
            self.take()
            return Arith(tok.text, left, self.operand())
        return left


def _parse_condition(text: str, what: str, ph: _Placeholders) -> Any:
    p = _Parser(text, what, ph)
    node = p.condition()
    p.done()
    return node


def _parse_update(text: str, ph: _Placeholders) -> Update:
    p = _Parser(text, "UpdateExpression", ph)
    node = p.update()
    p.done()
    return node


# -- expressions: evaluation --------------------------------------------------------------


def _resolve(item: Item | None, path: Path) -> Item | None:
    """The value at a document path, or None when the item has nothing there."""
    if item is None:
        return None
    node: Item | None = item.get(path.parts[0]) if isinstance(path.parts[0], str) else None
    for part in path.parts[1:]:
        if node is None:
            return None
        if isinstance(part, int):
            seq = node.get("L")
            node = seq[part] if seq is not None and part < len(seq) else None
        else:
            mapping = node.get("M")
            node = mapping.get(part) if mapping is not None else None
    return node


def _operand(item: Item | None, node: Any, what: str) -> Item | None:
    if isinstance(node, Value):
        return node.av
    if isinstance(node, Path):
        return _resolve(item, node)
    if isinstance(node, Call) and node.name == "size":
        target = _operand(item, node.args[0], what)
        if target is None:
            return None
        kind, v = next(iter(target.items()))
        if kind in ("S", "B", "L", "M") or kind in _SETS:
            return {"N": str(len(v))}
        if isinstance(node.args[0], Value):
            raise _Invalid(
                f"Invalid {what}: Incorrect operand type for operator or function; "
                f"operator or function: size, operand type: {kind}"
            )
        return None
    raise _Invalid(f"Invalid {what}: unexpected operand")


def _compare(op: str, a: Item | None, b: Item | None) -> bool:
    if op == "=":
        return _equal(a, b)
    if op == "<>":
        return not _equal(a, b)  # as DynamoDB: true also when the attribute is missing or of another type
    if not _orderable(a, b):
        return False
    x, y = _scalar(a), _scalar(b)  # type: ignore[arg-type]
    return bool({"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op])


def _static_order_check(node: Any, what: str, op: str) -> None:
    """A literal of a type that has no order (a list, a map, ...) cannot be compared with < and co."""
    if isinstance(node, Value) and _type(node.av) not in ("S", "N", "B"):
        raise _Invalid(
            f"Invalid {what}: Incorrect operand type for operator or function; operator or function: {op}, "
            f"operand type: {_type(node.av)}"
        )


def _evaluate(node: Any, item: Item | None, what: str) -> bool:
    if isinstance(node, BoolOp):
        if node.op == "AND":
            return _evaluate(node.left, item, what) and _evaluate(node.right, item, what)
        return _evaluate(node.left, item, what) or _evaluate(node.right, item, what)
    if isinstance(node, Not):
        return not _evaluate(node.operand, item, what)
    if isinstance(node, Compare):
        if node.op not in ("=", "<>"):
            _static_order_check(node.left, what, node.op)
            _static_order_check(node.right, what, node.op)
        return _compare(node.op, _operand(item, node.left, what), _operand(item, node.right, what))
    if isinstance(node, Between):
        for bound in (node.low, node.high):
            _static_order_check(bound, what, "BETWEEN")
        low, high = _operand(item, node.low, what), _operand(item, node.high, what)
        if isinstance(node.low, Value) and isinstance(node.high, Value) and _orderable(low, high):
            if _scalar(low) > _scalar(high):  # type: ignore[arg-type]
                raise _Invalid(
                    f"Invalid {what}: The BETWEEN operator requires upper bound to be greater than or equal to lower "
                    f"bound; lower bound operand: AttributeValue: {low}, upper bound operand: AttributeValue: {high}"
                )
        subject = _operand(item, node.subject, what)
        return _compare(">=", subject, low) and _compare("<=", subject, high)
    if isinstance(node, In):
        subject = _operand(item, node.subject, what)
        return any(_equal(subject, _operand(item, c, what)) for c in node.choices)
    if isinstance(node, Call):
        return _call(node, item, what)
    raise _Invalid(f"Invalid {what}: The expression is not a condition")


def _call(node: Call, item: Item | None, what: str) -> bool:
    if node.name == "attribute_exists":
        return _resolve(item, node.args[0]) is not None
    if node.name == "attribute_not_exists":
        return _resolve(item, node.args[0]) is None
    target = _operand(item, node.args[0], what)
    arg = _operand(item, node.args[1], what)
    if node.name == "attribute_type":
        if (
            arg is None
            or _type(arg) != "S"
            or arg["S"] not in ("S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M")
        ):
            raise _Invalid(f"Invalid {what}: Invalid attribute type name found; type: {arg}")
        return target is not None and _type(target) == arg["S"]
    if node.name == "begins_with":
        if isinstance(node.args[1], Value) and _type(arg) not in ("S", "B"):  # type: ignore[arg-type]
            raise _Invalid(
                f"Invalid {what}: Incorrect operand type for operator or function; operator or function: begins_with, "
                f"operand type: {_type(arg)}"  # type: ignore[arg-type]
            )
        return _orderable(target, arg) and _type(target) != "N" and _scalar(target).startswith(_scalar(arg))  # type: ignore[arg-type]
    if node.name == "contains":
        if target is None or arg is None:
            return False
        kind = _type(target)
        if kind in ("S", "B"):
            return _type(arg) == kind and _scalar(arg) in _scalar(target)
        if kind in _SETS:
            return _type(arg) == _SETS[kind] and any(_equal({_SETS[kind]: m}, arg) for m in target[kind])
        if kind == "L":
            return any(_equal(x, arg) for x in target["L"])
        return False
    raise _Invalid(f"Invalid {what}: Invalid function name; function: {node.name}")


def _set_value(item: Item, node: Any) -> Item:
    """The value a SET action writes, computed from the item as it was before the update."""
    if isinstance(node, Arith):
        left, right = _set_value(item, node.left), _set_value(item, node.right)
        if _type(left) != "N" or _type(right) != "N":
            raise _Invalid("An operand in the update expression has an incorrect data type")
        a, b = Decimal(left["N"]), Decimal(right["N"])
        result = _NUMBERS.add(a, b) if node.op == "+" else _NUMBERS.subtract(a, b)
        return {"N": _number_text(_number(str(result)))}
    if isinstance(node, Call) and node.name == "if_not_exists":
        found = _resolve(item, node.args[0])
        return found if found is not None else _set_value(item, node.args[1])
    if isinstance(node, Call) and node.name == "list_append":
        left, right = _set_value(item, node.args[0]), _set_value(item, node.args[1])
        if _type(left) != "L" or _type(right) != "L":
            raise _Invalid(
                "Invalid UpdateExpression: Incorrect operand type for operator or function; "
                "operator or function: list_append, operand type: "
                + (_type(left) if _type(left) != "L" else _type(right))
            )
        return {"L": _copy(left["L"]) + _copy(right["L"])}
    if isinstance(node, Call):
        raise _Invalid(f"Invalid UpdateExpression: Invalid function name; function: {node.name}")
    found = _operand(item, node, "UpdateExpression")
    if found is None:
        raise _Invalid("The provided expression refers to an attribute that does not exist in the item")
    return _copy(found)


def _paths_overlap(paths: list[Path]) -> None:
    for i, a in enumerate(paths):
        for b in paths[i + 1 :]:
            n = min(len(a.parts), len(b.parts))
            if a.parts[:n] == b.parts[:n]:
                raise _Invalid(
                    "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one "
                    f"of these paths; path one: {list(a.parts)}, path two: {list(b.parts)}"
                )


def _container(item: Item, path: Path) -> tuple[Any, str | int] | None:
    """The dict or list holding a path's last part, or None when its parent does not exist."""
    if len(path.parts) == 1:
        return item, path.parts[0]
    parent = _resolve(item, Path(path.parts[:-1]))
    last = path.parts[-1]
    if parent is None:
        return None
    if isinstance(last, int):
        return (parent["L"], last) if "L" in parent else None
    return (parent["M"], last) if "M" in parent else None


def _write(item: Item, path: Path, value: Item) -> None:
    found = _container(item, path)
    if found is None:
        raise _Invalid("The document path provided in the update expression is invalid for update")
    holder, last = found
    if isinstance(holder, list):
        if last < len(holder):  # type: ignore[operator]
            holder[last] = value  # type: ignore[index]
        else:
            holder.append(value)
    else:
        holder[last] = value


def _remove(item: Item, path: Path) -> None:
    found = _container(item, path)
    if found is None:
        return
    holder, last = found
    if isinstance(holder, list):
        if last < len(holder):  # type: ignore[operator]
            del holder[last]  # type: ignore[arg-type]
    else:
        holder.pop(last, None)


def _apply_update(old: Item, update: Update) -> Item:
    """The item after the update: every value is read from the item as it was (DynamoDB's order)."""
    _paths_overlap(
        [p for p, _ in update.sets]
        + list(update.removes)
        + [p for p, _ in update.adds]
        + [p for p, _ in update.deletes]
    )
    new = _copy(old)
    computed = [(path, _set_value(old, node)) for path, node in update.sets]
    for path, value in computed:
        _write(new, path, value)
    for path in update.removes:
        _remove(new, path)
    for path, value in update.adds:
        current = _resolve(old, path)
        kind = _type(value)
        if kind == "N" and (current is None or _type(current) == "N"):
            total = _NUMBERS.add(Decimal(current["N"]) if current else Decimal(0), Decimal(value["N"]))
            _write(new, path, {"N": _number_text(_number(str(total)))})
        elif kind in _SETS and (current is None or _type(current) == kind):
            members = list(current[kind]) if current else []
            for m in value[kind]:
                if not any(_equal({_SETS[kind]: m}, {_SETS[kind]: x}) for x in members):
                    members.append(m)
            _write(new, path, {kind: members})
        else:
            raise _Invalid("An operand in the update expression has an incorrect data type")
    for path, value in update.deletes:
        current = _resolve(old, path)
        kind = _type(value)
        if kind not in _SETS or (current is not None and _type(current) != kind):
            raise _Invalid("An operand in the update expression has an incorrect data type")
        if current is None:
            continue
        left = [m for m in current[kind] if not any(_equal({_SETS[kind]: m}, {_SETS[kind]: x}) for x in value[kind])]
        if left:
            _write(new, path, {kind: left})
        else:
            _remove(new, path)
    return new


# -- the table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Index:
    name: str
    hash_key: str
    range_key: str | None
    projection: str  # ALL | KEYS_ONLY | INCLUDE
    non_key: frozenset[str]


class MemoryDynamoDB:
    """A boto3 DynamoDB client's put/get/update/delete/query/batch_get/transact_write on one table, in memory.

    The table's keys, attribute types and global secondary indexes are the template's
    (`ComplaintsTable`), so the hub's gateway runs on it unchanged. One lock makes every call
    atomic, as DynamoDB makes each request to one item atomic."""

    def __init__(
        self,
        table_name: str,
        template_path: pathlib.Path | str = TEMPLATE,
        resource: str = "ComplaintsTable",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        props = json.loads(pathlib.Path(template_path).read_text())["Resources"][resource]["Properties"]
        self.table_name = table_name
        self._types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
        self.hash_key, self.range_key = self._schema(props["KeySchema"])
        self.indexes: dict[str, _Index] = {}
        for gsi in props.get("GlobalSecondaryIndexes", []):
            h, r = self._schema(gsi["KeySchema"])
            proj = gsi.get("Projection", {})
            self.indexes[gsi["IndexName"]] = _Index(
                gsi["IndexName"], h, r, proj.get("ProjectionType", "ALL"), frozenset(proj.get("NonKeyAttributes", []))
            )
        self._items: dict[Any, dict[Any, Item]] = {}  # hash value -> range value -> item
        self._index_members: dict[str, dict[Any, set[Key]]] = {name: {} for name in self.indexes}
        self._tokens: dict[str, tuple[str, float]] = {}  # ClientRequestToken -> (digest, when it succeeded)
        self._clock = clock
        self._lock = threading.RLock()
        self.calls: list[str] = []  # every operation's name, in order (what a test may count)
        #: what a boto3 client offers tests: its event hooks (e.g. counting calls), model and region
        self.meta = SimpleNamespace(events=HierarchicalEmitter(), service_model=_service_model(), region_name="local")

    @staticmethod
    def _schema(schema: list[dict[str, str]]) -> tuple[str, str | None]:
        h = next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")
        r = next((k["AttributeName"] for k in schema if k["KeyType"] == "RANGE"), None)
        return h, r

    # -- plumbing -------------------------------------------------------------

    # -- the client's operations ------------------------------------------------

    def put_item(self, **params: Any) -> dict[str, Any]:
        return self._call("PutItem", params, self._put_item)

    def delete_item(self, **params: Any) -> dict[str, Any]:
        return self._call("DeleteItem", params, self._delete_item)

    def update_item(self, **params: Any) -> dict[str, Any]:
        return self._call("UpdateItem", params, self._update_item)

    def get_item(self, **params: Any) -> dict[str, Any]:
        return self._call("GetItem", params, self._get_item)

    def batch_get_item(self, **params: Any) -> dict[str, Any]:
        return self._call("BatchGetItem", params, self._batch_get_item)

    def transact_write_items(self, **params: Any) -> dict[str, Any]:
        return self._call("TransactWriteItems", params, self._transact_write_items)

    def query(self, **params: Any) -> dict[str, Any]:
        return self._call("Query", params, self._query)

    def scan(self, **params: Any) -> dict[str, Any]:
        return self._call("Scan", params, self._scan)

    def batch_write_item(self, **params: Any) -> dict[str, Any]:
        return self._call("BatchWriteItem", params, self._batch_write_item)

    def _call(
        self, name: str, params: dict[str, Any], run: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any]:
        """One operation as boto3 makes it: its events (`meta.events`: provide-client-params,
        before-call, after-call), the parameters checked against the API's model, then the work
        under the lock, refusals turned into botocore's ClientError."""
        model = _service_model().operation_model(name)
        context: dict[str, Any] = {}
        self.meta.events.emit(f"provide-client-params.dynamodb.{name}", params=params, model=model, context=context)
        _check_params(name, params)
        self.meta.events.emit(
            f"before-call.dynamodb.{name}", model=model, params=params, request_signer=None, context=context
        )
        with self._lock:
            self.calls.append(name)
            _only(params, _IMPLEMENTED[name])
            try:
                if "TableName" in params and params["TableName"] != self.table_name:
                    raise _client_error(name, "ResourceNotFoundException", "Requested resource not found")
                result = run(params)
            except _Invalid as err:
                raise _client_error(name, "ValidationException", str(err)) from None
        self.meta.events.emit(
            f"after-call.dynamodb.{name}", http_response=None, parsed=result, model=model, context=context
        )
        return result

    @staticmethod
    def _ok(body: dict[str, Any]) -> dict[str, Any]:
        body["ResponseMetadata"] = {"HTTPStatusCode": 200, "RetryAttempts": 0}
        return body

    def _key_value(self, av: Item, attr: str) -> Any:
        kind = self._types[attr]
        if _type(av) != kind:
            raise _Invalid(
                "One or more parameter values were invalid: "
                f"Type mismatch for key {attr} expected: {kind} actual: {_type(av)}"
            )
        v = _scalar(av)
        if kind in ("S", "B") and len(v) == 0:
            raise _Invalid(
                "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain "
                f"an empty string value. Key: {attr}"
            )
        return v

    def _key_of(self, key: Item) -> Key:
        """The table key of a Key parameter, which must name exactly the key attributes."""
        wanted = {self.hash_key} | ({self.range_key} if self.range_key else set())
        if set(key) != wanted:
            raise _Invalid("The provided key element does not match the schema")
        k = _clean_item(key)
        return (self._key_value(k[self.hash_key], self.hash_key),) + (
            (self._key_value(k[self.range_key], self.range_key),) if self.range_key else ()
        )

    def _item_key(self, item: Item) -> Key:
        for attr in (self.hash_key, self.range_key):
            if attr and attr not in item:
                raise _Invalid(f"One or more parameter values were invalid: Missing the key {attr} in the item")
        return (self._key_value(item[self.hash_key], self.hash_key),) + (
            (self._key_value(item[self.range_key], self.range_key),) if self.range_key else ()
        )

    def _get(self, key: Key) -> Item | None:
        return self._items.get(key[0], {}).get(key[1] if len(key) > 1 else None)

    def _check_item(self, item: Item) -> None:
        """What DynamoDB refuses in an item it would store: size, and index keys of the wrong type or empty."""
        if _item_size(item) > ITEM_BYTES:
            raise _Invalid("Item size has exceeded the maximum allowed size")
        for index in self.indexes.values():
            for attr in (index.hash_key, index.range_key):
                if attr and attr in item:
                    av = item[attr]
                    if _type(av) != self._types[attr]:
                        raise _Invalid(
                            "One or more parameter values were invalid: Type mismatch for Index Key "
                            f"{attr} Expected: {self._types[attr]} Actual: {_type(av)} IndexName: {index.name}"
                        )
                    if self._types[attr] in ("S", "B") and len(_scalar(av)) == 0:
                        raise _Invalid(
                            "One or more parameter values are not valid. A value specified for a secondary index key "
                            "is not supported. The AttributeValue for a key attribute cannot contain an empty string "
                            f"value. IndexName: {index.name}, IndexKey: {attr}"
                        )

    def _store(self, key: Key, item: Item | None) -> None:
        """Write (or delete, None) one item and keep the sparse indexes in step."""
        old = self._get(key)
        for name, index in self.indexes.items():
            members = self._index_members[name]
            if old is not None and index.hash_key in old and (index.range_key is None or index.range_key in old):
                part = members.get(_scalar(old[index.hash_key]))
                if part is not None:
                    part.discard(key)
            if item is not None and index.hash_key in item and (index.range_key is None or index.range_key in item):
                members.setdefault(_scalar(item[index.hash_key]), set()).add(key)
        partition = self._items.setdefault(key[0], {})
        rk = key[1] if len(key) > 1 else None
        if item is None:
            partition.pop(rk, None)
            if not partition:
                del self._items[key[0]]
        else:
            partition[rk] = item

    # -- single-item writes and reads ----------------------------------------------

    def _put_item(self, params: dict[str, Any]) -> dict[str, Any]:
        _return_values(params, ("NONE", "ALL_OLD"))
        item = _clean_item(params["Item"])
        key = self._item_key(item)
        self._check_item(item)
        old = self._conditioned(params, key)
        self._store(key, item)
        out: dict[str, Any] = {}
        if params.get("ReturnValues") == "ALL_OLD" and old is not None:
            out["Attributes"] = _copy(old)
        return self._ok(out)

    def _delete_item(self, params: dict[str, Any]) -> dict[str, Any]:
        _return_values(params, ("NONE", "ALL_OLD"))
        key = self._key_of(params["Key"])
        old = self._conditioned(params, key)
        if old is not None:
            self._store(key, None)
        out: dict[str, Any] = {}
        if params.get("ReturnValues") == "ALL_OLD" and old is not None:
            out["Attributes"] = _copy(old)
        return self._ok(out)

    def _update_item(self, params: dict[str, Any]) -> dict[str, Any]:
        _return_values(params, ("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"))
        key = self._key_of(params["Key"])
        ph = _Placeholders(params.get("ExpressionAttributeNames"), params.get("ExpressionAttributeValues"))
        update = self._parse_update(params, ph)
        condition = self._parse_condition_param(params, ph)
        ph.check_all_used()
        old = self._get(key)
        if condition is not None and not _evaluate(condition, old, "ConditionExpression"):
            raise self._condition_failed("UpdateItem", params, old)
        new = self._updated(key, old, update)
        self._store(key, new)
        return self._ok(_update_answer(params.get("ReturnValues", "NONE"), old, new, update))

    def _get_item(self, params: dict[str, Any]) -> dict[str, Any]:
        item = self._get(self._key_of(params["Key"]))
        return self._ok({"Item": _copy(item)} if item is not None else {})

    def _batch_get_item(self, params: dict[str, Any]) -> dict[str, Any]:
        requests = params["RequestItems"]
        total = sum(len(r.get("Keys", [])) for r in requests.values())
        if total > MAX_BATCH_KEYS:
            raise _Invalid("Too many items requested for the BatchGetItem call")
        found: dict[str, list[Item]] = {}
        for table, request in requests.items():
            if table != self.table_name:
                raise _client_error("BatchGetItem", "ResourceNotFoundException", "Requested resource not found")
            _only(request, {"Keys", "ConsistentRead"})
            keys = [self._key_of(k) for k in request["Keys"]]
            if len(set(keys)) != len(keys):
                raise _Invalid("Provided list of item keys contains duplicates")
            found[table] = [_copy(i) for i in (self._get(k) for k in keys) if i is not None]
        return self._ok({"Responses": found, "UnprocessedKeys": {}})

    # -- transactions --------------------------------------------------------------

    def _transact_write_items(self, params: dict[str, Any]) -> dict[str, Any]:
        ops = params["TransactItems"]
        if len(ops) > MAX_TRANSACT_ITEMS:
            raise _Invalid(
                "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_TRANSACT_ITEMS}"
            )
        token = params.get("ClientRequestToken")
        digest = hashlib.sha256(json.dumps(ops, sort_keys=True, default=str).encode()).hexdigest()
        if token:
            now = self._clock()
            for old_token in [t for t, (_, at) in self._tokens.items() if now - at > TOKEN_WINDOW_S]:
                del self._tokens[old_token]
            known = self._tokens.get(token)
            if known is not None:
                if known[0] != digest:
                    raise _client_error(
                        "TransactWriteItems",
                        "IdempotentParameterMismatchException",
                        "The request uses the same client token as a previous, but non-identical request.",
                    )
                return self._ok({})  # a repeat of a transaction that succeeded: success, no change
        planned = [self._plan(op) for op in ops]
        keys = [key for key, _, _ in planned]
        if len(set(keys)) != len(keys):
            raise _Invalid("Transaction request cannot include multiple operations on one item")
        reasons: list[dict[str, Any]] = []
        for _, _, outcome in planned:
            if isinstance(outcome, _ConditionFalse):
                reason: dict[str, Any] = {
                    "Code": "ConditionalCheckFailed",
                    "Message": "The conditional request failed",
                }
                if outcome.old is not None:
                    reason["Item"] = _copy(outcome.old)
                reasons.append(reason)
            elif isinstance(outcome, _Invalid):
                reasons.append({"Code": "ValidationError", "Message": str(outcome)})
            else:
                reasons.append({"Code": "None"})
        if any(r["Code"] != "None" for r in reasons):
            codes = ", ".join(r["Code"] for r in reasons)
            raise _client_error(
                "TransactWriteItems",
                "TransactionCanceledException",
                f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
                CancellationReasons=reasons,
            )
        for key, kind, outcome in planned:
            if kind != "ConditionCheck":
                self._store(key, outcome)
        if token:
            self._tokens[token] = (digest, self._clock())
        return self._ok({})

    def _plan(self, op: dict[str, Any]) -> tuple[Key, str, Any]:
        """One transaction item checked against the table as it is: its key, its kind, and the item
        it would leave (None: deleted), or why it cannot (_ConditionFalse / _Invalid)."""
        if len(op) != 1:
            raise _Invalid("TransactItems can only contain one of Check, Put, Update or Delete")
        kind, body = next(iter(op.items()))
        if body.get("TableName") != self.table_name:
            raise _client_error("TransactWriteItems", "ResourceNotFoundException", "Requested resource not found")
        common = {
            "TableName",
            "ConditionExpression",
            "ExpressionAttributeNames",
            "ExpressionAttributeValues",
            "ReturnValuesOnConditionCheckFailure",
        }
        allowed = {
            "Put": common | {"Item"},
            "Update": common | {"Key", "UpdateExpression"},
            "Delete": common | {"Key"},
            "ConditionCheck": common | {"Key"},
        }[kind]
        _only(body, allowed)
        if kind == "ConditionCheck" and not body.get("ConditionExpression"):
            raise _Invalid("The ConditionExpression of a ConditionCheck must be given")
        ph = _Placeholders(body.get("ExpressionAttributeNames"), body.get("ExpressionAttributeValues"))
        if kind == "Put":
            item = _clean_item(body["Item"])
            key = self._item_key(item)
            self._check_item(item)
        else:
            key = self._key_of(body["Key"])
        update = self._parse_update(body, ph) if kind == "Update" else None
        condition = self._parse_condition_param(body, ph)
        ph.check_all_used()
        old = self._get(key)
        if condition is not None and not _evaluate(condition, old, "ConditionExpression"):
            wanted = body.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
            return key, kind, _ConditionFalse(old if wanted else None)
        try:
            if kind == "Put":
                return key, kind, item
            if kind == "Update":
                return key, kind, self._updated(key, old, update)  # type: ignore[arg-type]
            return key, kind, None if kind == "Delete" else old
        except _Invalid as err:
            return key, kind, err

    # -- queries -------------------------------------------------------------------

    def _query(self, params: dict[str, Any]) -> dict[str, Any]:
        index = self._index(params.get("IndexName"))
        if params.get("ConsistentRead") and index is not None:
            raise _Invalid("Consistent reads are not supported on global secondary indexes")
        select = params.get("Select", "ALL_ATTRIBUTES")
        if select not in ("ALL_ATTRIBUTES", "COUNT") and not (select == "ALL_PROJECTED_ATTRIBUTES" and index):
            raise _Invalid(f"Select {select} is not supported here")
        if "KeyConditionExpression" not in params:
            raise _Invalid(
                "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."
            )
        hash_attr, range_attr = (index.hash_key, index.range_key) if index else (self.hash_key, self.range_key)
        ph = _Placeholders(params.get("ExpressionAttributeNames"), params.get("ExpressionAttributeValues"))
        key_node = _parse_condition(params["KeyConditionExpression"], "KeyConditionExpression", ph)
        hash_value, range_test = self._key_condition(key_node, hash_attr, range_attr)
        filter_node = (
            _parse_condition(params["FilterExpression"], "FilterExpression", ph)
            if params.get("FilterExpression")
            else None
        )
        ph.check_all_used()
        limit = params.get("Limit")
        if limit is not None and limit < 1:
            raise _Invalid("Limit must be greater than or equal to 1")
        order = self._ordered(index, hash_value, range_attr)
        if not params.get("ScanIndexForward", True):
            order.reverse()
        start = params.get("ExclusiveStartKey")
        if start is not None:
            order = self._after(order, start, index, not params.get("ScanIndexForward", True))
        if range_test is not None:
            order = [i for i in order if range_test(i)]
        return self._ok(self._read(order, index, filter_node, limit, select))

    def _read(
        self, order: list[Item], index: _Index | None, filter_node: Any, limit: int | None, select: str
    ) -> dict[str, Any]:
        """One page of a Query or Scan: up to `limit` items read (or 1 MB), then the filter (as DynamoDB
        counts: the limit is on items read, so a page may hold fewer, or none, and still go on)."""
        items: list[Item] = []
        scanned = 0
        read_bytes = 0
        last: Item | None = None
        for item in order:
            scanned += 1
            read_bytes += _item_size(item)
            last = item
            seen = self._project(item, index)  # a filter sees what the index holds
            if filter_node is None or _evaluate(filter_node, seen, "FilterExpression"):
                items.append(seen)
            if (limit is not None and scanned >= limit) or read_bytes >= PAGE_BYTES:
                break
        else:
            last = None  # read to the end: no key to go on from
        out: dict[str, Any] = {"Count": len(items), "ScannedCount": scanned}
        if select != "COUNT":
            out["Items"] = items
        if last is not None:
            out["LastEvaluatedKey"] = self._position(last, index)
        return out

    def _scan(self, params: dict[str, Any]) -> dict[str, Any]:
        """The whole table in key order (for tests that prove something is stored nowhere; the hub never scans)."""
        ph = _Placeholders(params.get("ExpressionAttributeNames"), params.get("ExpressionAttributeValues"))
        filter_node = (
            _parse_condition(params["FilterExpression"], "FilterExpression", ph)
            if params.get("FilterExpression")
            else None
        )
        ph.check_all_used()
        order = [self._items[h][r] for h in sorted(self._items) for r in sorted(self._items[h], key=_none_first)]
        start = params.get("ExclusiveStartKey")
        if start is not None:
            mark = self._key_of(start)
            order = [i for i in order if self._item_key(i) > mark]
        return self._ok(
            self._read(order, None, filter_node, params.get("Limit"), params.get("Select", "ALL_ATTRIBUTES"))
        )

    def _batch_write_item(self, params: dict[str, Any]) -> dict[str, Any]:
        """Puts and deletes without conditions, up to 25, each on its own (not a transaction)."""
        requests = params["RequestItems"]
        if sum(len(r) for r in requests.values()) > 25:
            raise _Invalid("Too many items requested for the BatchWriteItem call")
        for table, writes in requests.items():
            if table != self.table_name:
                raise _client_error("BatchWriteItem", "ResourceNotFoundException", "Requested resource not found")
            for write in writes:
                if "PutRequest" in write:
                    item = _clean_item(write["PutRequest"]["Item"])
                    self._check_item(item)
                    self._store(self._item_key(item), item)
                else:
                    self._store(self._key_of(write["DeleteRequest"]["Key"]), None)
        return self._ok({"UnprocessedItems": {}})

    def get_paginator(self, operation: str) -> _Paginator:
        """boto3's paginators for query and scan: pages until no LastEvaluatedKey."""
        methods = {"query": self.query, "scan": self.scan}
        if operation not in methods:
            raise NotImplementedError(f"MemoryDynamoDB has no paginator for {operation}")
        return _Paginator(methods[operation])

    def _index(self, name: str | None) -> _Index | None:
        if name is None:
            return None
        if name not in self.indexes:
            raise _Invalid(f"The table does not have the specified index: {name}")
        return self.indexes[name]

    def _key_condition(
        self, node: Any, hash_attr: str, range_attr: str | None
    ) -> tuple[Any, Callable[[Item], bool] | None]:
        """The partition value and the sort-key test of a KeyConditionExpression (hash = and one sort condition)."""
        parts = [node.left, node.right] if isinstance(node, BoolOp) and node.op == "AND" else [node]
        if any(isinstance(p, BoolOp | Not) for p in parts) or len(parts) > 2:
            raise _Invalid("Invalid KeyConditionExpression: Conditions can be of length 1 or 2 only")
        hash_value: Any = None
        range_test: Callable[[Item], bool] | None = None
        for part in parts:
            subject = part.args[0] if isinstance(part, Call) else getattr(part, "left", getattr(part, "subject", None))
            if not isinstance(subject, Path) or len(subject.parts) != 1:
                raise _Invalid("Invalid KeyConditionExpression: a key condition must name a key attribute")
            attr = subject.parts[0]
            if attr == hash_attr and isinstance(part, Compare) and hash_value is None:
                if part.op != "=" or not isinstance(part.right, Value):
                    raise _Invalid("Query key condition not supported")
                hash_value = self._key_value(part.right.av, hash_attr)
            elif attr == range_attr and range_test is None:
                range_test = self._range_test(part, range_attr)
            else:
                raise _Invalid(
                    f"Query condition missed key schema element: {hash_attr if attr != hash_attr else range_attr}"
                )
        if hash_value is None:
            raise _Invalid(f"Query condition missed key schema element: {hash_attr}")
        return hash_value, range_test

    def _range_test(self, node: Any, attr: str) -> Callable[[Item], bool]:
        kind = self._types[attr]
        if isinstance(node, Compare) and node.op != "<>" and isinstance(node.right, Value):
            bounds = [node.right.av]
        elif isinstance(node, Between) and isinstance(node.low, Value) and isinstance(node.high, Value):
            bounds = [node.low.av, node.high.av]
            if _type(bounds[0]) == _type(bounds[1]) and _scalar(bounds[0]) > _scalar(bounds[1]):
                raise _Invalid(
                    "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or "
                    "equal to lower bound"
                )
        elif isinstance(node, Call) and node.name == "begins_with" and isinstance(node.args[1], Value):
            if kind == "N":
                raise _Invalid(
                    "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
                    "operator or function: begins_with, operand type: N"
                )
            bounds = [node.args[1].av]
        else:
            raise _Invalid("Query key condition not supported")
        for b in bounds:
            if _type(b) != kind:
                raise _Invalid(
                    "One or more parameter values were invalid: Condition parameter type does not match schema type"
                )
        return lambda item: _evaluate(node, item, "KeyConditionExpression")

    def _sort_position(self, item: Item, index: _Index | None) -> tuple[Any, ...]:
        """Where an item stands in a partition: its sort key, then (index) the table key as a tie-break."""
        pos: tuple[Any, ...] = ()
        if index is not None and index.range_key:
            pos += (_scalar(item[index.range_key]),)
        if index is not None or self.range_key is None:
            pos += (_scalar(item[self.hash_key]),)
        if self.range_key:
            pos += (_scalar(item[self.range_key]),)
        return pos

    def _ordered(self, index: _Index | None, hash_value: Any, range_attr: str | None) -> list[Item]:
        if index is None:
            candidates = list(self._items.get(hash_value, {}).values())
        else:
            members = self._index_members[index.name].get(hash_value, set())
            candidates = [i for i in (self._get(k) for k in members) if i is not None]
        return sorted(candidates, key=lambda i: self._sort_position(i, index))

    def _after(self, order: list[Item], start: dict[str, Any], index: _Index | None, backward: bool) -> list[Item]:
        """The items past an ExclusiveStartKey (which must hold the table's and the index's keys)."""
        wanted = {self.hash_key, self.range_key} | ({index.hash_key, index.range_key} if index else set())
        wanted.discard(None)
        if set(start) != wanted:
            raise _Invalid("The provided starting key is invalid: The provided key element does not match the schema")
        mark = self._sort_position(_clean_item(start), index)
        return [
            i
            for i in order
            if (self._sort_position(i, index) < mark if backward else self._sort_position(i, index) > mark)
        ]

    def _position(self, item: Item, index: _Index | None) -> Item:
        """LastEvaluatedKey: the table's key attributes, and the index's when querying one."""
        attrs = [self.hash_key, self.range_key] + ([index.hash_key, index.range_key] if index else [])
        return {a: _copy(item[a]) for a in attrs if a}

    def _project(self, item: Item, index: _Index | None) -> Item:
        if index is None or index.projection == "ALL":
            return _copy(item)
        keep = {self.hash_key, self.range_key, index.hash_key, index.range_key}
        if index.projection == "INCLUDE":
            keep |= index.non_key
        return {k: _copy(v) for k, v in item.items() if k in keep}

    # -- shared steps --------------------------------------------------------------

    def _parse_update(self, params: dict[str, Any], ph: _Placeholders) -> Update:
        if not params.get("UpdateExpression"):
            raise _Invalid("Invalid UpdateExpression: The expression can not be empty;")
        update = _parse_update(params["UpdateExpression"], ph)
        for path in (
            [p for p, _ in update.sets]
            + list(update.removes)
            + [p for p, _ in update.adds]
            + [p for p, _ in update.deletes]
        ):
            if path.parts[0] in (self.hash_key, self.range_key):
                raise _Invalid(
                    f"One or more parameter values were invalid: Cannot update attribute {path.parts[0]}. "
                    "This attribute is part of the key"
                )
        return update

    @staticmethod
    def _parse_condition_param(params: dict[str, Any], ph: _Placeholders) -> Any:
        text = params.get("ConditionExpression")
        if text is None:
            if (params.get("ExpressionAttributeNames") or params.get("ExpressionAttributeValues")) and not params.get(
                "UpdateExpression"
            ):
                raise _Invalid("ExpressionAttributeNames can only be specified when using expressions")
            return None
        return _parse_condition(text, "ConditionExpression", ph)

    def _conditioned(self, params: dict[str, Any], key: Key) -> Item | None:
        """The item under `key`, once the request's condition holds for it (ConditionalCheckFailed if not)."""
        ph = _Placeholders(params.get("ExpressionAttributeNames"), params.get("ExpressionAttributeValues"))
        condition = self._parse_condition_param(params, ph)
        ph.check_all_used()
        old = self._get(key)
        if condition is not None and not _evaluate(condition, old, "ConditionExpression"):
            raise self._condition_failed("PutItem" if "Item" in params else "DeleteItem", params, old)
        return old

    @staticmethod
    def _condition_failed(operation: str, params: dict[str, Any], old: Item | None) -> ClientError:
        extra: dict[str, Any] = {}
        if params.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and old is not None:
            extra["Item"] = _copy(old)
        return _client_error(operation, "ConditionalCheckFailedException", "The conditional request failed", **extra)

    def _updated(self, key: Key, old: Item | None, update: Update) -> Item:
        base = old if old is not None else self._key_item(key)
        new = _apply_update(base, update)
        self._check_item(new)
        return new

    def _key_item(self, key: Key) -> Item:
        attrs = [self.hash_key] + ([self.range_key] if self.range_key else [])
        return {a: _key_av(self._types[a], v) for a, v in zip(attrs, key, strict=True)}

    # -- for tests -----------------------------------------------------------------

    def items(self) -> list[Item]:
        """Every item (copies), in key order: what a test may look at directly."""
        with self._lock:
            return [
                _copy(self._items[h][r]) for h in sorted(self._items) for r in sorted(self._items[h], key=_none_first)
            ]


class _Paginator:
    def __init__(self, method: Callable[..., dict[str, Any]]) -> None:
        self.method = method

    def paginate(self, **params: Any) -> Iterator[dict[str, Any]]:
        while True:
            page = self.method(**params)
            yield page
            if "LastEvaluatedKey" not in page:
                return
            params = {**params, "ExclusiveStartKey": page["LastEvaluatedKey"]}


def _none_first(value: Any) -> tuple[bool, Any]:
    return (value is not None, value)


def _key_av(kind: str, value: Any) -> Item:
    return {kind: _number_text(value) if kind == "N" else value}


def _clean_item(item: dict[str, Any]) -> Item:
    return {name: _clean(av) for name, av in item.items()}


def _only(params: dict[str, Any], allowed: set[str]) -> None:
    """Parameters this table does not implement fail loudly instead of being ignored."""
    extra = set(params) - allowed
    if extra:
        raise NotImplementedError(f"MemoryDynamoDB does not implement {sorted(extra)}")


def _return_values(params: dict[str, Any], allowed: tuple[str, ...]) -> None:
    value = params.get("ReturnValues", "NONE")
    if value not in allowed:
        raise _Invalid(f"ReturnValues can only be {' or '.join(allowed)}")
    failure = params.get("ReturnValuesOnConditionCheckFailure", "NONE")
    if failure not in ("NONE", "ALL_OLD"):
        raise _Invalid("ReturnValuesOnConditionCheckFailure can only be NONE or ALL_OLD")


def _update_answer(mode: str, old: Item | None, new: Item, update: Update) -> dict[str, Any]:
    """UpdateItem's Attributes for ReturnValues (UPDATED_*: the top-level attributes the update named)."""
    if mode == "NONE":
        return {}
    if mode == "ALL_OLD":
        return {"Attributes": _copy(old)} if old else {}
    if mode == "ALL_NEW":
        return {"Attributes": _copy(new)}
    named = (
        {p.parts[0] for p, _ in update.sets}
        | {p.parts[0] for p, _ in update.adds}
        | {p.parts[0] for p, _ in update.deletes}
    )
    if mode == "UPDATED_OLD":
        named |= {p.parts[0] for p in update.removes}
        source = old or {}
    else:
        source = new
    attrs = {k: _copy(v) for k, v in source.items() if k in named}
    return {"Attributes": attrs} if attrs else {}


# -- the hub's gateway on it --------------------------------------------------------------


def repository_on(db: Any, table_name: str) -> Any:
    """The hub's DynamoDB gateway (`Repository`) built by its own constructor, talking to `db`
    (a MemoryDynamoDB, or a boto3 client of another endpoint) instead of the default client."""
    from chalicelib.adapters.storage.gateway import TableGateway

    return TableGateway(db, table_name)


def memory_repository(table_name: str = "memory-complaints") -> Any:
    """A fresh memory table and the hub's gateway on it (its `.db` is the MemoryDynamoDB)."""
    return repository_on(MemoryDynamoDB(table_name), table_name)

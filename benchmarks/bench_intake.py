"""Intake overhead: POST /v1/complaints in process against moto's server, divided
by the bare AWS calls the intake cannot avoid against the same server, in one run:
one DynamoDB transaction (the complaint and its inbox counter; with an
Idempotency-Key also the key's record) and one SQS send. Target <= 1.5. The
single PutItem + send an intake without the counter would need is timed too."""

from __future__ import annotations

import json
import time
import uuid

from benchmarks.common import local_stack, median_ms

N = 300
BODY = {
    "category": "jalan-rusak",
    "title": "Jalan berlubang",
    "description": "Jalan di depan pasar berlubang besar dan membahayakan pengendara motor.",
    "location": {"kelurahan_code": "36.73.01.1002"},
    "reporter": {"name": "Budi", "phone": "+6281200000000"},
}


def main() -> dict[str, float]:
    with local_stack("bench-intake") as stack:
        from chalice.test import Client

        import app
        from chalicelib.adapters.aws import client

        ddb, sqs = client("dynamodb"), client("sqs")
        table, queue = stack["env"]["TABLE_NAME"], stack["env"]["FORWARD_QUEUE_URL"]
        raw = json.dumps(BODY)
        bare: list[float] = []
        api: list[float] = []
        bare_idem: list[float] = []
        api_idem: list[float] = []
        plain: list[float] = []
        headers = {"Content-Type": "application/json"}
        with Client(app.app) as c:
            for i in range(N + 20):  # interleaved, so both see the same server state
                pk = f"C#BENCH{uuid.uuid4()}"
                item = {"pk": {"S": pk}, "sk": {"S": "C"}, "body": {"S": raw}}
                cond = "attribute_not_exists(pk)"
                counter = {"Update": {
                    "TableName": table, "Key": {"pk": {"S": "INBOXCOUNT#bench"}, "sk": {"S": "COUNT"}},
                    "UpdateExpression": "ADD #n :one", "ExpressionAttributeNames": {"#n": "n_received"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}}
                t0 = time.perf_counter()
                ddb.transact_write_items(TransactItems=[
                    {"Put": {"TableName": table, "Item": item, "ConditionExpression": cond}}, counter])
                sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"tracking_id": "x"}))
                t1 = time.perf_counter()
                resp = c.http.post("/v1/complaints", body=raw, headers=headers)
                t2 = time.perf_counter()
                assert resp.status_code == 201, resp.body
                # with an Idempotency-Key the transaction also holds the key's record
                idem = {"pk": {"S": f"IDEM#{pk}"}, "sk": {"S": "IDEM"}}
                t3 = time.perf_counter()
                ddb.transact_write_items(TransactItems=[
                    {"Put": {"TableName": table, "Item": {**item, "pk": {"S": pk + "x"}}, "ConditionExpression": cond}},
                    {"Put": {"TableName": table, "Item": idem, "ConditionExpression": cond}}, counter,
                ])
                sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"tracking_id": "x"}))
                t4 = time.perf_counter()
                ddb.put_item(TableName=table, Item={**item, "pk": {"S": pk + "p"}}, ConditionExpression=cond)
                sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"tracking_id": "x"}))
                t6 = time.perf_counter()
                keyed = {**headers, "Idempotency-Key": str(uuid.uuid4())}
                t4b = time.perf_counter()
                resp = c.http.post("/v1/complaints", body=raw, headers=keyed)
                t5 = time.perf_counter()
                assert resp.status_code == 201, resp.body
                if i >= 20:  # warm-up
                    bare.append(t1 - t0)
                    api.append(t2 - t1)
                    bare_idem.append(t4 - t3)
                    api_idem.append(t5 - t4b)
                    plain.append(t6 - t4)
        result = {"intake_median_ms": median_ms(api), "bare_calls_median_ms": median_ms(bare)}
        result["overhead_ratio"] = round(result["intake_median_ms"] / result["bare_calls_median_ms"], 3)
        result["with_key_intake_median_ms"] = median_ms(api_idem)
        result["with_key_bare_calls_median_ms"] = median_ms(bare_idem)
        result["with_key_overhead_ratio"] = round(
            result["with_key_intake_median_ms"] / result["with_key_bare_calls_median_ms"], 3)
        result["single_put_and_send_median_ms"] = median_ms(plain)
        result["samples"] = N
        return result


if __name__ == "__main__":
    print(json.dumps({"benchmark": "intake_overhead", **main()}))

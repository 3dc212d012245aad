"""The billing team's processing step: records the verified invoice event."""

import json


def handler(event, context):
    invoice = json.loads(event["body"])
    print(json.dumps({"invoice": invoice.get("id"), "delivery": event.get("deliveryId")}))
    return {"ok": True}

"""`/_dingcal/openapi.json` against the official SDK, the wire format's
ground truth: the same operations, each at the SDK's method and path, and
no parameter, body field or answer field that the SDK does not know (down
to nested objects). The SDK's view is read from its own source: each
`*_with_options` method says its action, method, path, and the query,
body and header keys it sends; each model's `from_map` says the keys it
reads and the model each nested one is read into.
"""

from __future__ import annotations

import inspect
import re

import pytest
from alibabacloud_dingtalk.calendar_1_0 import client as calendar_client
from alibabacloud_dingtalk.calendar_1_0 import models as calendar_models
from alibabacloud_dingtalk.oauth2_1_0 import client as oauth_client
from alibabacloud_dingtalk.oauth2_1_0 import models as oauth_models

import support


class SdkOperation:
    def __init__(self, method_source: str, models):
        def one(pattern):
            found = re.search(pattern, method_source)
            assert found, pattern
            return found.group(1)

        self.action = one(r"action='(\w+)'")
        self.method = one(r"method='(\w+)'")
        self.path = re.sub(r"\{[^}]*\}", "{}", one(r"pathname=f'([^']+)'"))
        self.query = set(re.findall(r"query\['(\w+)'\]", method_source))
        self.body = set(re.findall(r"body\['(\w+)'\]", method_source))
        self.headers = set(re.findall(r"real_headers\['([\w-]+)'\]", method_source))
        response = getattr(models, one(r"dingtalk\w+_models\.(\w+Response)\(\)"))
        self.answer = fields(response).get("body")
        request = re.search(r"dingtalk\w+_models\.(\w+Request)\b", method_source)
        self.request = getattr(models, request.group(1)) if request else None


def fields(model) -> dict:
    """A model's wire keys, each with the model class it is read into (or
    None for a plain value), from its `from_map`."""
    source = inspect.getsource(model.from_map)
    out = {}
    for block in source.split("if m.get('")[1:]:
        key = block.split("'", 1)[0]
        nested = re.search(r"temp_model = (\w+)\(\)", block)
        out[key] = getattr(inspect.getmodule(model), nested.group(1)) if nested else None
    return out


def sdk_operations() -> dict:
    ops = {}
    for module, models, only in (
        (calendar_client, calendar_models, None),
        (oauth_client, oauth_models, {"GetAccessToken", "GetUserToken"}),
    ):
        for name, fn in inspect.getmembers(module.Client, inspect.isfunction):
            if name.endswith("_with_options"):
                op = SdkOperation(inspect.getsource(fn), models)
                if only is None or op.action in only:
                    ops[op.action] = op
    return ops


def properties(schema: dict) -> dict:
    """The members an object schema allows, through allOf and the
    anyOf/oneOf that optional values are written as."""
    out = dict(schema.get("properties", {}))
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key, []):
            out.update(properties(part))
    return out


def items(schema: dict):
    """An array schema's items, through anyOf/oneOf."""
    if "items" in schema:
        return schema["items"]
    for key in ("anyOf", "oneOf"):
        for part in schema.get(key, []):
            found = items(part)
            if found is not None:
                return found
    return None


def unknown_fields(schema: dict, models: list, where: str, family: dict) -> list[str]:
    """Members of `schema` (recursively) that none of `models` reads. A
    nested object is checked against the models its key is read into, or
    against all of their family (`family`: model -> its family's models)."""
    known: dict = {}
    for model in models:
        for key, nested in fields(model).items():
            known.setdefault(key, set())
            if nested is not None:
                known[key] |= family.get(nested, {nested})
    wrong = []
    for name, member in properties(schema).items():
        if name not in known:
            wrong.append(f"{where}.{name}")
        elif known[name]:
            inner = items(member) or member
            wrong += unknown_fields(inner, sorted(known[name], key=lambda m: m.__name__),
                                    f"{where}.{name}", family)
    return wrong


# dingcal writes an event in one shape in every operation
# (`Renderer::write_event`), and reads one body for CreateEvent,
# CreateEventByMe and PatchEvent (`EventInput`); the SDK has a model per
# operation, some of which leave fields out. Those are checked against what
# the SDK reads of an event in any operation.
SINGLE_EVENT = ("CreateEvent", "CreateEventByMe", "GetEvent", "PatchEvent")
EVENT_LISTS = ("ListEvents", "ListEventsView", "ListEventsViewByMe", "ListInstances",
               "ListEventsInstances")
EVENT_BODIES = ("CreateEvent", "CreateEventByMe", "PatchEvent")

# What dingcal describes beyond anything the SDK reads, each deliberate.
EXTRAS = {
    # Refused with a message of its own: attendees by email alone are not
    # supported (PatchEvent's model has the field; AddAttendee's does not).
    "AddAttendee: body.attendeesToAdd.email",
    # What was written is answered back (README, "Choices"), though no
    # model of the SDK reads it.
    *(f"{op}: answer.{f}" for op in SINGLE_EVENT for f in ("extra", "freeBusyStatus")),
    *(f"{op}: answer.events.{f}" for op in EVENT_LISTS for f in ("extra", "freeBusyStatus")),
    # The organizer is written as an attendee is (one type, `AttendeeBody`).
    *(f"{op}: answer.organizer.isOptional" for op in SINGLE_EVENT),
    *(f"{op}: answer.events.organizer.isOptional" for op in EVENT_LISTS),
    # An occurrence's originStart is written as its start is: an all-day
    # one's as a date.
    *(f"{op}: answer.originStart.{f}" for op in SINGLE_EVENT for f in ("date", "timeZone")),
    *(f"{op}: answer.events.originStart.{f}" for op in EVENT_LISTS
      for f in ("date", "timeZone")),
    # Both sign-in lists are one type (`SignList`), whose users carry a
    # sign-in or a sign-out time (each list writes its own).
    "GetSignInList: answer.users.checkOutTime", "GetSignOutList: answer.users.checkInTime",
    # Access rules take x-client-token as the event writes do, though the
    # SDK sends none with them.
    "CreateAcls: header x-client-token", "DeleteAcl: header x-client-token",
    # A room's all-day booking is written as an event's all-day time is.
    "GetMeetingRoomsSchedule: answer.scheduleInformation.scheduleItems.start.date",
    "GetMeetingRoomsSchedule: answer.scheduleInformation.scheduleItems.end.date",
}


def families(sdk: dict) -> tuple[dict, dict, dict]:
    """Per operation, the SDK models its answer and its body are checked
    against, and the nested families."""
    single = [sdk[a].answer for a in SINGLE_EVENT]
    items_of = [fields(sdk[a].answer)["events"] for a in EVENT_LISTS]
    event = set(single) | set(items_of)
    family = {m: event for m in event}
    answers = {a: [op.answer] for a, op in sdk.items() if op.answer is not None}
    for a in SINGLE_EVENT:
        answers[a] = sorted(event, key=lambda m: m.__name__)
    for a in EVENT_LISTS:
        answers[a] = [sdk[b].answer for b in EVENT_LISTS]
    bodies = {a: [op.request] for a, op in sdk.items() if op.request is not None}
    for a in EVENT_BODIES:
        bodies[a] = [sdk[b].request for b in EVENT_BODIES]
    return answers, bodies, family


@pytest.fixture(scope="module")
def document(server):
    status, doc = support.control(server.address, "GET", "/_dingcal/openapi.json")
    assert status == 200, doc
    return doc


def served(document) -> dict:
    ops = {}
    for path, item in document["paths"].items():
        for method, op in item.items():
            if "calendar" in op["tags"]:
                ops[op["operationId"]] = (method.upper(), re.sub(r"\{[^}]*\}", "{}", path), op)
    return ops


def test_it_describes_every_sdk_operation_at_its_method_and_path(document):
    sdk = sdk_operations()
    assert len(sdk) == 45 + 2
    ours = served(document)
    assert set(ours) == set(sdk)
    for action, (method, path, _) in ours.items():
        assert (method, path) == (sdk[action].method, sdk[action].path), action


def test_every_parameter_and_field_it_describes_is_one_the_sdk_knows(document):
    sdk = sdk_operations()
    answers, bodies, family = families(sdk)
    wrong = []
    for action, (_, _, op) in served(document).items():
        theirs = sdk[action]
        for p in op["parameters"]:
            if p["in"] == "query" and p["name"] not in theirs.query:
                wrong.append(f"{action}: query {p['name']}")
            if p["in"] == "header" and p["name"] not in theirs.headers:
                wrong.append(f"{action}: header {p['name']}")
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            if action not in EVENT_BODIES:
                wrong += [f"{action}: body {name}" for name in properties(body["schema"])
                          if name not in theirs.body]
            wrong += [f"{action}: {w}" for w in
                      unknown_fields(body["schema"], bodies.get(action, []), "body", family)]
        answer = op["responses"]["200"].get("content", {}).get("application/json")
        if answer:
            if theirs.answer is None:
                wrong.append(f"{action}: answers a body the SDK does not read")
            else:
                wrong += [f"{action}: {w}" for w in
                          unknown_fields(answer["schema"], answers[action], "answer", family)]
    assert sorted(set(wrong) - EXTRAS) == []
    # Each deliberate extra is still one (the list does not outlive them).
    assert sorted(EXTRAS - set(wrong)) == []


def test_it_asks_for_what_the_sdk_sends(document):
    """The fields each body has in the SDK are the ones described (none
    left out), and so are its query parameters."""
    sdk = sdk_operations()
    missing = []
    for action, (_, _, op) in served(document).items():
        theirs = sdk[action]
        described = {p["name"] for p in op["parameters"] if p["in"] == "query"}
        missing += [f"{action}: query {q}" for q in theirs.query - described]
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        names = set(properties(body["schema"])) if body else set()
        missing += [f"{action}: body {b}" for b in theirs.body - names]
    assert missing == []


def test_the_controls_are_described_with_the_admin_token(document):
    controls = {op["operationId"]: (method.upper(), path)
                for path, item in document["paths"].items()
                for method, op in item.items() if "controls" in op["tags"]}
    assert controls["Reset"] == ("POST", "/_dingcal/reset")
    assert controls["AddFault"] == ("POST", "/_dingcal/faults")
    assert controls["AdvanceClock"] == ("POST", "/_dingcal/clock/advance")
    fault = document["paths"]["/_dingcal/faults"]["post"]
    assert fault["security"] == [{"adminToken": []}]
    assert {"operation", "status", "code", "message", "count", "probability", "delayMs"} <= set(
        properties(fault["requestBody"]["content"]["application/json"]["schema"]))

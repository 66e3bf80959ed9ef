"""Messages over HTTP: a person's messages, and staff sending one."""

import uuid
from datetime import datetime
from typing import Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from coproduce.api import ERROR_RESPONSES, InputSchema, actor_for
from coproduce.listing import API_LIMIT, Limit, Offset, RecordShown, page_for_api
from coproduce.people.access import person_access
from coproduce.people.models import Channel, RecordCategory

from . import actions, queries

router = Router(tags=["messages"])


class MessageIn(InputSchema):
    subject: str = Field(min_length=1, max_length=actions.SUBJECT_MAX)
    body: str = Field(min_length=1, max_length=actions.BODY_MAX)
    channel: Literal[tuple(Channel.values)] | None = None  # type: ignore[valid-type]
    key: str | None = Field(
        None,
        max_length=200,
        description=(
            "Your organisation's own reference. Sending the same key twice sends one message; "
            "keys are your organisation's alone, so other organisations' keys never clash."
        ),
    )
    category: Literal[tuple(RecordCategory.values)] | None = Field(  # type: ignore[valid-type]
        None,
        description=(
            "The record category the message is about (you need a basis in it); leave it out "
            "for a message anyone who may see the person may read."
        ),
    )


class MessageOut(Schema):
    id: int
    key: str
    channel: str
    category: str | None
    subject: str
    body: str
    status: str
    created_at: datetime
    sent_at: datetime | None


class MessagePage(Schema):
    count: int
    results: list[MessageOut]


@router.get(
    "/people/{person_id}/messages",
    response={200: MessagePage, **ERROR_RESPONSES},
    summary="The person's messages you may read, newest first",
)
def list_messages(
    request: HttpRequest, person_id: UUID, limit: Limit = API_LIMIT, offset: Offset = 0
):
    actor = actor_for(request)
    access = person_access(actor, person_id)
    found = queries.messages_seen_by(actor, access.person)
    shown = RecordShown(access=access, what="messages")
    return page_for_api(request, actor, found, shown, limit=limit, offset=offset)


@router.post(
    "/people/{person_id}/messages",
    response={201: MessageOut, **ERROR_RESPONSES},
    summary="Send the person a message by their preferred channel",
)
def send_message(request: HttpRequest, person_id: UUID, payload: MessageIn):
    message = actions.send_message(
        actor_for(request),
        person_id=person_id,
        key=payload.key or f"api:{uuid.uuid4()}",
        subject=payload.subject,
        body=payload.body,
        channel=payload.channel,
        category=payload.category,
    )
    return Status(201, message)

"""The mock providers' outbox, kept in the database so a demo can show every message "sent".

It plays the vendor's side, so it records in a transaction of its own: a message a vendor has
accepted stays accepted even if the caller's transaction later rolls back, just as with a real
provider. The organization comes from the message's metadata, which the app always sets.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from providers.email.port import EmailMessage, SendResult
from providers.sms.port import SMSMessage, SMSResult
from reos.core.db import Database
from reos.core.logging import get_logger
from reos.models import OutboxMessage

log = get_logger("reos.outbox")
ORGANIZATION_KEY = "organization_id"


class DatabaseOutbox:
    """Implements the email `Outbox` and the `SMSOutbox` on the `outbox_messages` table."""

    def __init__(self, database: Database, provider: str = "mock-email") -> None:
        self.database = database
        self.provider = provider

    def record(self, message: EmailMessage, result: SendResult) -> None:
        organization = message.metadata.get(ORGANIZATION_KEY)
        if not organization:
            log.warning("outbox_message_without_organization", to_domain=message.to.split("@")[-1])
            return
        with self.database.unit_of_work(uuid.UUID(organization)) as session:
            session.add(
                OutboxMessage(
                    channel="email",
                    provider=self.provider,
                    provider_message_id=result.provider_message_id,
                    recipient=message.to,
                    sender=message.from_ or None,
                    subject=message.subject,
                    body_text=message.text,
                    body_html=message.html,
                    status=result.status,
                    cost=Decimal(str(result.cost_usd)),
                    message_metadata=dict(message.metadata),
                )
            )

    def record_sms(self, message: SMSMessage, result: SMSResult) -> None:
        organization = message.metadata.get(ORGANIZATION_KEY)
        if not organization:
            log.warning("outbox_sms_without_organization")
            return
        with self.database.unit_of_work(uuid.UUID(organization)) as session:
            session.add(
                OutboxMessage(
                    channel="sms",
                    provider="mock-sms",
                    provider_message_id=result.provider_message_id,
                    recipient=message.to,
                    sender=message.from_ or None,
                    subject=None,
                    body_text=message.body,
                    body_html=None,
                    status=result.status,
                    cost=Decimal(str(result.cost_usd)),
                    message_metadata={**message.metadata, "segments": str(result.segments)},
                )
            )

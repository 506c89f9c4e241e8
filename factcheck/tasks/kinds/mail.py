"""The "mail" job: send the email copies of a committed transaction's notices.

Payload (factcheck.notifications.services.queue_mail): {"messages": [[address, kind,
text], ...]}; total = the number of messages. Each message is checkpointed as sent, so a
retry after an SMTP outage (the runner's backoff) resumes at the first message not sent
and never sends one twice, short of a crash between the server accepting a message and
the checkpoint's commit (then that one message may go twice: at least once, never lost).
An address the server refuses outright is skipped and listed in the result; any other
SMTP or network error fails the attempt, to be retried.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from flask import current_app

from factcheck.jobs.runner import JobContext, job_kind
from factcheck.notifications.services import MAIL_ATTEMPTS, mail_message, smtp_connection

log = logging.getLogger("factcheck.jobs.mail")
REFUSED_KEPT = 100


@job_kind("mail", title="Notification email", max_attempts=MAIL_ATTEMPTS)
def mail(ctx: JobContext) -> dict[str, Any]:
    config = current_app.config
    messages = list(ctx.payload.get("messages") or [])
    state = dict(ctx.job.result or {})
    refused: list[str] = list(state.get("refused") or [])
    done = ctx.job.progress
    sent = int(state.get("sent") or 0)
    if done >= len(messages):
        return _result(sent, refused)
    if not config.get("MAIL_ENABLED"):
        # Turned off since the mail was queued: nothing more is sent, and the job says so.
        return {**_result(sent, refused), "summary": "Not sent: mail was turned off."}
    with smtp_connection(config) as smtp:
        for index in range(done, len(messages)):
            address, kind, text = messages[index]
            try:
                smtp.send_message(mail_message(config, address, kind, text))
                sent += 1
            except smtplib.SMTPRecipientsRefused:
                log.warning("the mail server refused %s; notice not mailed", address)
                if len(refused) < REFUSED_KEPT:
                    refused.append(address)
            ctx.checkpoint(index + 1, result={"sent": sent, "refused": refused})
    return _result(sent, refused)


def _result(sent: int, refused: list[str]) -> dict[str, Any]:
    summary = f"Sent {sent} email{'' if sent == 1 else 's'}."
    if refused:
        summary += f" The mail server refused {', '.join(refused[:5])}."
    return {"sent": sent, "refused": refused, "summary": summary}

from django_tasks import task

from undeu.mail.outbox import deliver


@task()
def deliver_email(message_id: int) -> bool:
    return deliver(message_id)

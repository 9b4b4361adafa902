from django_tasks import task

from undeu.updates.mailing import send_batch


@task()
def send_mailing_batch(mailing_id: int, after_id: int) -> bool:
    return send_batch(mailing_id, after_id)

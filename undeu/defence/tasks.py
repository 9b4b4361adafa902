from django_tasks import task

from undeu.defence.bulk import run_batch, undo_batch


@task()
def run_bulk_batch(action_id: int, after: int) -> bool:
    return run_batch(action_id, after)


@task()
def undo_bulk_batch(action_id: int, after: int) -> bool:
    return undo_batch(action_id, after)

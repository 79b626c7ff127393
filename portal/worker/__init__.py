"""The node's one worker process: the task queue (django-tasks-db) and the schedule that feeds it.

``manage.py run_worker`` puts orphaned tasks back in the queue (recovery.py), starts the scheduler
(scheduler.py: APScheduler triggers that only *enqueue* the periodic tasks of schedule.py) and runs
django-tasks-db's worker loop on the same process. The tasks themselves live next to the services they
call (``<app>/tasks.py``).
"""

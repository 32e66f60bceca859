"""services package: one module per capability, the single door for app/ui, app/cli and app/api.

Importing it registers the job kinds whose work lives here with the queue (job_kinds.py), so any process
that submits or runs jobs through a service knows them.
"""

from .job_kinds import register_job_kinds

register_job_kinds()

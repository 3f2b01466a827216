"""Looks itself up through the API, the way a job on the platform would."""
import json
import os
import warnings

warnings.simplefilter("ignore", FutureWarning)  # the client warns about Python versions

import datarobot as dr
from datarobot.models.registry import Job, JobRun

dr.Client()  # DATAROBOT_ENDPOINT and DATAROBOT_API_TOKEN, set for every run
job = Job.get(os.environ["CURRENT_CUSTOM_JOB_ID"])
run = JobRun.get(job.id, os.environ["CURRENT_CUSTOM_JOB_RUN_ID"])
runs = JobRun.list(job.id)
print(f"job {job.name!r} has {len(runs)} run(s); this one is {run.status.value}")
print(json.dumps({"job": job.name, "run": run.id, "status": run.status.value}))

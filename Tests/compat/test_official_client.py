"""The official `datarobot` client's custom-job classes against a live cjr server."""
import time
import warnings
from pathlib import Path

import pytest

import datarobot as dr
from datarobot.errors import ClientError
from datarobot.models.registry import Job, JobRun
from datarobot.models.registry.job_run import JobRunStatus
from datarobot.models.runtime_parameters import RuntimeParameterValue

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "runtime-parameters"


@pytest.fixture(autouse=True)
def strict_warnings():
    """Any warning from the client is a failure; the one exception is urllib3's own
    deprecation notice, which the client triggers while configuring retries, before it
    ever talks to a server."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=FutureWarning, message=".*allowed_methods.*")
        yield


@pytest.fixture
def client(server):
    dr.Client(endpoint=server.endpoint, token=server.token)
    return server


def test_job_lifecycle_with_runtime_parameters(client, tmp_path):
    job = Job.create(
        name="compat: parameters",
        folder_path=str(EXAMPLE),
        runtime_parameter_values=[RuntimeParameterValue(field_name="THRESHOLD", type="numeric", value=42)],
    )
    assert job.environment_id and job.entry_point
    assert {item.file_path for item in job.items} == {"metadata.yaml", "run.sh", "README.md"}
    threshold = next(p for p in job.runtime_parameters if p.field_name == "THRESHOLD")
    assert threshold.current_value == 42 and threshold.default_value == 10

    fetched = Job.get(job.id)
    assert fetched.name == job.name
    assert job.id in [listed.id for listed in Job.list()]

    # Update: description, an extra file, then the entry point.
    extra = tmp_path / "second.sh"
    extra.write_text("#!/bin/bash\necho second entry point\n")
    job.update(description="updated by the official client", files=[(str(extra), "second.sh")])
    assert job.description == "updated by the official client"
    second = next(item for item in job.items if item.file_path == "second.sh")
    job.update(entry_point=second.id)
    assert job.entry_point == second.id

    run = JobRun.create(job.id, max_wait=120)
    assert run.status == JobRunStatus.SUCCEEDED
    assert isinstance(run.duration, float) and run.duration > 0
    assert run.get_logs() == "second entry point\n"

    job.update(entry_point=next(item.id for item in job.items if item.file_path == "run.sh"))
    run = JobRun.create(
        job.id, max_wait=120,
        runtime_parameter_values=[RuntimeParameterValue(field_name="GREETING", type="string", value="from the run")],
    )
    assert run.status == JobRunStatus.SUCCEEDED
    logs = run.get_logs()
    assert "GREETING=from the run" in logs
    assert "THRESHOLD=42.0" in logs
    received = {p.field_name: p.current_value for p in run.runtime_parameters}
    assert received["GREETING"] == "from the run" and received["THRESHOLD"] == 42

    runs = JobRun.list(job.id)
    assert {r.id for r in runs} >= {run.id}
    run.delete_logs()
    assert run.get_logs() is None

    job.delete()
    with pytest.raises(ClientError) as error:
        Job.get(job.id)
    assert error.value.status_code == 404


def test_failing_run_and_cancel(client, tmp_path):
    folder = tmp_path / "failing"
    folder.mkdir()
    (folder / "run.sh").write_text("echo failing on purpose\nexit 3\n")
    job = Job.create(name="compat: failing", folder_path=str(folder))
    run = JobRun.create(job.id, max_wait=120)
    assert run.status == JobRunStatus.FAILED
    assert "failing on purpose" in run.get_logs()

    (folder / "run.sh").write_text("echo waiting\nsleep 300\n")
    job.update(files=[(str(folder / "run.sh"), "run.sh")])
    long_run = JobRun.create(job.id, max_wait=None)  # the client waits 600 s by default
    deadline = time.time() + 30
    while "waiting" not in (long_run.get_logs() or "") and time.time() < deadline:
        time.sleep(0.2)
    long_run.cancel()
    deadline = time.time() + 30
    while time.time() < deadline:
        long_run.refresh()
        if long_run.status == JobRunStatus.CANCELED:
            break
        assert long_run.status in (JobRunStatus.RUNNING, JobRunStatus.CANCELING)
        time.sleep(0.2)
    assert long_run.status == JobRunStatus.CANCELED


def test_client_errors_are_readable(client):
    with pytest.raises(ClientError) as error:
        Job.create(name="x" * 300)
    assert error.value.status_code == 422
    assert "name" in str(error.value)


def test_sharing_with_the_clients_own_sharing_helpers(client, tmp_path):
    """Jobs have no `share()` in the client; this sends exactly what its `share()` and
    `get_shared_roles()` of other entities send (SharingRole payloads, `unpaginate`)."""
    from datarobot.enums import SHARING_RECIPIENT_TYPE, SHARING_ROLE
    from datarobot.models.sharing import SharingRole
    from datarobot.utils.pagination import unpaginate

    client.cjr("users", "add", "compat-bob", "--group", "compat-team")
    client.cjr("users", "add", "compat-eve", "--org", "compat-elsewhere")
    bob_token = client.cjr("tokens", "create", "--user", "compat-bob", "--expires", "1d").strip()
    eve_token = client.cjr("tokens", "create", "--user", "compat-eve").strip()

    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "run.sh").write_text("echo shared run\n")
    job = Job.create(name="compat: shared", folder_path=str(folder))
    path = f"customJobs/{job.id}/sharedRoles/"

    def roles():
        return [SharingRole.from_server_data(data) for data in unpaginate(path, {"offset": 0, "limit": 100}, dr.client.get_client())]

    assert [(r.username, r.role, r.share_recipient_type) for r in roles()] == [("admin", "OWNER", "user")]
    share = SharingRole(role=SHARING_ROLE.USER, share_recipient_type=SHARING_RECIPIENT_TYPE.GROUP, username="compat-team")
    dr.client.get_client().patch(path, data={"roles": [share.collect_payload()], "operation": "updateRoles"})
    assert {(r.username, r.role, r.share_recipient_type) for r in roles()} == {
        ("admin", "OWNER", "user"), ("compat-team", "USER", "group")}

    try:
        dr.Client(endpoint=client.endpoint, token=bob_token)
        assert Job.get(job.id).name == "compat: shared"
        assert JobRun.create(job.id, max_wait=120).status == JobRunStatus.SUCCEEDED
        with pytest.raises(ClientError) as error:
            Job.get(job.id).delete()
        assert error.value.status_code == 403

        dr.Client(endpoint=client.endpoint, token=eve_token)
        assert job.id not in [listed.id for listed in Job.list()]
        with pytest.raises(ClientError) as error:
            Job.get(job.id)
        assert error.value.status_code == 404
    finally:
        dr.Client(endpoint=client.endpoint, token=client.token)

    # Removing the only owner is refused; nothing changed.
    leave = SharingRole(role=SHARING_ROLE.NO_ROLE, share_recipient_type=SHARING_RECIPIENT_TYPE.USER, username="admin")
    with pytest.raises(ClientError) as error:
        dr.client.get_client().patch(path, data={"roles": [leave.collect_payload()], "operation": "updateRoles"})
    assert error.value.status_code == 409
    assert len(roles()) == 2


def test_schedules_with_the_clients_job_schedule(client):
    from datarobot.models.registry.job import JobSchedule

    job = Job.create(name="compat: scheduled", folder_path=str(EXAMPLE))
    weekdays = {"minute": [0, 30], "hour": ["*"], "day_of_month": ["*"], "month": ["*"], "day_of_week": [1, 2, 3, 4, 5]}
    schedule = JobSchedule.create(
        custom_job_id=job.id, schedule=weekdays,
        parameter_overrides=[RuntimeParameterValue(field_name="GREETING", type="string", value="on schedule")],
    )
    assert schedule.custom_job_id == job.id and len(schedule.scheduled_job_id) == 24
    assert schedule.schedule["minute"] == [0, 30] and schedule.schedule["day_of_week"] == [1, 2, 3, 4, 5]
    assert schedule.schedule["hour"] == ["*"]
    assert schedule.created_by["username"] == "admin" and schedule.updated_by["id"] == schedule.created_by["id"]
    assert schedule.parameter_overrides[0]["value"] == "on schedule"

    assert [listed.id for listed in job.list_schedules()] == [schedule.id]
    moved = schedule.update(schedule=dict(weekdays, hour=[6], minute=[15]))
    assert moved.schedule["hour"] == [6] and moved.schedule["minute"] == [15]
    assert moved.parameter_overrides[0]["value"] == "on schedule"
    changed = moved.update(parameter_overrides=[RuntimeParameterValue(field_name="THRESHOLD", type="numeric", value=12)])
    assert [(p["field_name"], p["value"]) for p in changed.parameter_overrides] == [("THRESHOLD", 12)]

    with pytest.raises(ClientError) as refused:
        JobSchedule.create(custom_job_id=job.id, schedule=dict(weekdays, minute=[75]))
    assert refused.value.status_code == 422 and "schedule.minute" in str(refused.value)
    with pytest.raises(ClientError) as impossible:
        JobSchedule.create(custom_job_id=job.id, schedule=dict(weekdays, day_of_week=["*"], day_of_month=[31], month=[2]))
    assert impossible.value.status_code == 422 and "can never fire" in str(impossible.value)

    schedule.delete()
    assert job.list_schedules() == []


def test_hosted_custom_metric_from_the_gallery(client):
    job = Job.create_from_custom_metric_gallery_template(
        template_id="hosted-custom-metric", name="compat: latency", description="p95 latency",
        sidecar_deployment_id="65f0d00d00000000000000aa",
    )
    assert job.name == "compat: latency" and job.description == "p95 latency"
    assert {item.file_path for item in job.items} >= {"run.sh", "metadata.yaml"}
    deployment = next(p for p in job.runtime_parameters if p.field_name == "DEPLOYMENT_ID")
    assert deployment.current_value == "65f0d00d00000000000000aa"
    run = JobRun.create(job.id, max_wait=120)
    assert run.status == JobRunStatus.SUCCEEDED
    assert "deployment 65f0d00d00000000000000aa" in run.get_logs()
    with pytest.raises(ClientError) as refused:
        Job.create_from_custom_metric_gallery_template(template_id="hello-world", name="not a metric")
    assert refused.value.status_code == 422 and "not a hosted custom metric" in str(refused.value)

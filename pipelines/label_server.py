"""Talking to a running Label Studio through its SDK (`label-studio-sdk`, the `label` extra):
check the token, create or update a project with GlovEgo's config, let it serve the task images
from local files, import tasks, and fetch a project's JSON export. Every server refusal becomes
one GlovegoError line naming the server."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TypeVar

from glovego_data.errors import GlovegoError

T = TypeVar("T")
IMPORT_CHUNK = 1000  # tasks per import request (the server takes up to 250k / 200 MB)
STORAGE_TITLE = "glovego images"


@dataclass
class Server:
    url: str
    client: Any

    def call(self, what: str, job: Callable[[], T]) -> T:
        from label_studio_sdk.core.api_error import ApiError

        try:
            return job()
        except ApiError as error:
            if error.status_code in (401, 403):
                raise GlovegoError(f"{self.url}: the server refused the token ({error.status_code}) while {what}") from None
            raise GlovegoError(f"{self.url}: {what} failed ({error.status_code}: {_short(error.body)})") from None
        except OSError as error:
            raise GlovegoError(f"{self.url}: cannot reach the server while {what} ({error})") from None
        except Exception as error:  # httpx transport errors are not OSErrors
            if type(error).__module__.startswith("httpx"):
                raise GlovegoError(f"{self.url}: cannot reach the server while {what} ({error})") from None
            raise


def _short(body: Any) -> str:
    text = body if isinstance(body, str) else json.dumps(body, default=str)
    return text[:300]


def connect(url: str, token: str) -> Server:
    """A client whose token the server accepted (checked now, before any file is written)."""
    try:
        from label_studio_sdk.client import LabelStudio
    except ImportError:
        raise GlovegoError("--url needs the Label Studio client: pip install 'glovego[label]'") from None
    server = Server(url=url.rstrip("/"), client=LabelStudio(base_url=url.rstrip("/"), api_key=token))
    server.call("checking the token", server.client.users.whoami)
    return server


def find_project(server: Server, project: str) -> Any | None:
    """A project by id (digits) or by exact title."""
    if project.isdigit():
        return server.call(f"reading project {project}", lambda: server.client.projects.get(int(project)))
    matches = [p for p in server.call("listing projects", lambda: list(server.client.projects.list(title=project)))
               if p.title == project]
    return matches[0] if matches else None


def push_project(server: Server, title: str, label_config: str, images_dir: Path, tasks: list[dict[str, Any]],
                 on_chunk: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Create the project (or update its config), register `images_dir` as its local-files
    storage, import the tasks whose image it does not hold yet. Returns (project id, tasks added)."""
    client = server.client
    project = find_project(server, title)
    if project is None:
        project = server.call("creating the project", lambda: client.projects.create(title=title, label_config=label_config))
    else:
        server.call("updating the project's config", lambda: client.projects.update(project.id, label_config=label_config))
    storages = server.call("listing storages", lambda: client.import_storage.local.list(project=project.id))
    if not any(Path(s.path or "") == images_dir for s in storages):
        server.call("registering the local-files storage", lambda: client.import_storage.local.create(
            project=project.id, path=str(images_dir), title=STORAGE_TITLE, use_blob_urls=False))
    present = {_image_key(t.data) for t in server.call(
        "listing the project's tasks", lambda: list(client.tasks.list(project=project.id, fields="all")))}
    new = [t for t in tasks if _image_key(t["data"]) not in present]
    for start in range(0, len(new), IMPORT_CHUNK):
        chunk = new[start:start + IMPORT_CHUNK]
        server.call("importing tasks", lambda: client.projects.import_tasks(project.id, request=chunk))
        if on_chunk is not None:
            on_chunk(len(chunk))
    return project.id, len(new)


def _image_key(data: Any) -> Any:
    image = ((data or {}).get("glovego") or {}).get("image") or {}
    return image.get("id"), image.get("file_name")


def fetch_export(server: Server, project: str) -> tuple[int, str, list[dict[str, Any]]]:
    """(project id, its label config, its JSON export with every task)."""
    found = find_project(server, project)
    if found is None:
        raise GlovegoError(f"{server.url}: no project '{project}'")
    chunks = server.call("exporting the project", lambda: b"".join(server.client.projects.exports.download_sync(
        found.id, export_type="JSON", download_all_tasks=True)))
    try:
        tasks = json.loads(chunks)
    except json.JSONDecodeError as error:
        raise GlovegoError(f"{server.url}: project {found.id}: the export is not JSON ({error})") from None
    return found.id, found.label_config, tasks

"""Screenshot of Label Studio's labelling page with GlovEgo's pre-annotations (docs/label.md).

Exports the bundled sample with `glovego label export` to a running server, logs in through the
page's form with headless Debian Chromium (PyPI `playwright`, never `playwright install`), opens
one task and saves the page as a PNG.

    python docs/screenshots/label_studio.py --url http://127.0.0.1:8080 --token TOKEN \
        --username me@site --password PW --document-root /srv/ls-files --out docs/images/label_studio.png
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from PIL import Image as PILImage

from glovego_pipelines.assets import SAMPLE_DIR
from glovego_pipelines.label import run_label_export
from glovego_pipelines.label_server import connect, find_project

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PROJECT = "GlovEgo sample (screenshot)"
IMAGE = "102_10.jpg"  # two hands, one in contact with its active object


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--document-root", type=Path, required=True, help="the server's local-files document root")
    parser.add_argument("--out", type=Path, default=Path("docs/images/label_studio.png"))
    args = parser.parse_args()
    sample = SAMPLE_DIR / "real" / "annotations" / "all.json"
    tasks_dir = args.document_root / "glovego-screenshot"
    run_label_export([sample], tasks_dir, url=args.url, token=args.token, project=PROJECT,
                     document_root=args.document_root, overwrite=True)
    server = connect(args.url, args.token)
    project = find_project(server, PROJECT)
    task = next(t for t in server.client.tasks.list(project=project.id, fields="all")
                if t.data["glovego"]["image"]["file_name"] == IMAGE)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 820}, device_scale_factor=1)
        page.goto(f"{args.url}/user/login/")
        page.fill("input[name=email]", args.username)
        page.fill("input[name=password]", args.password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(f"{args.url}/projects/{project.id}/data?task={task.id}")
        page.wait_for_selector("canvas", timeout=60_000)
        page.wait_for_timeout(4000)
        page.get_by_text("hand", exact=True).last.click()  # the hand in the region list: its choices show
        page.wait_for_timeout(1500)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        picture = page.screenshot()
        browser.close()
    # a 96-colour PNG keeps the page legible at a fraction of the size
    PILImage.open(io.BytesIO(picture)).convert("RGB").quantize(colors=96).save(args.out, optimize=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

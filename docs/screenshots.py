"""Take the README's screenshots: `python docs/screenshots.py http://127.0.0.1:7860` (a running `qa serve`).

Needs Debian's chromium and a CJK font (apt-get install chromium fonts-noto-cjk).
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
QUESTION = "庆云县检察院什么时候自主研发了电子送达平台？"


def main(base: str) -> None:
    """Desktop and 390 px phone views after one question."""
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for name, width, height in (("chat-desktop.png", 1280, 1000), ("chat-phone.png", 390, 844)):
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(base + "/", wait_until="load")
            box = page.locator("#qa-input textarea")
            box.wait_for(timeout=60000)
            box.fill(QUESTION)
            box.press("Enter")
            page.wait_for_selector("#qa-chat .qa-card mark", timeout=60000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(HERE / name))
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:7860")

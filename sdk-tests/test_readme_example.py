"""The README's "Testing your integration" example, run as it stands: its
python block is written to a file and run by pytest against a dingcal of
its own (the example resets the server it is given)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import support


def test_the_readmes_example_passes(tmp_path, directory_file):
    readme = (support.REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Testing your integration with dingcal", 1)[1]
    example = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    (tmp_path / "test_example.py").write_text(example, encoding="utf-8")
    db = support.TestDatabase(tmp_path)
    server = support.DingcalServer(support.dingcal_bin(), directory_file, db.url, tmp_path / "logs").start()
    try:
        env = dict(os.environ, DINGCAL_ADDRESS=server.address, DINGCAL_ADMIN_TOKEN=support.ADMIN_TOKEN,
                   DINGCAL_APP_KEY="acme-full", DINGCAL_APP_SECRET=support.APPS["acme-full"][0])
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              str(tmp_path / "test_example.py")],
                             env=env, cwd=tmp_path, capture_output=True, text=True)
    finally:
        server.stop()
        db.drop()
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout

#!/usr/bin/env bash
# Does requirements.txt install, and does the app run, on this Python? (Streamlit Community Cloud lets you pick 3.11
# to 3.13 and defaults to 3.12.)
#
#   deploy/check_python.sh /usr/bin/python3.13 [VENV_DIR]
#
# Makes a fresh virtual environment (default /tmp/convviz-py<version>), installs requirements.txt alone into it,
# runs the app's smoke test there (AppTest: the studio's first run, no exception, the founding example's shapes),
# then starts the server with it on a free port of 127.0.0.1, GETs /_stcore/health and the page, and, when
# CHECK_BROWSER_PYTHON names a Python with Playwright (requirements-dev.txt), opens the page in Chromium until the
# studio has drawn. Prints one line per check; exits non-zero at the first that fails.
set -euo pipefail

PY="${1:?usage: deploy/check_python.sh PYTHON [VENV_DIR]}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="$("$PY" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
VENV="${2:-/tmp/convviz-py$VERSION}"

if [[ ! -x "$VENV/bin/python" ]]; then "$PY" -m venv "$VENV"; fi
"$VENV/bin/python" -m pip install -q -r "$ROOT/requirements.txt"
echo "python $VERSION: pip install -r requirements.txt: ok ($("$VENV/bin/python" -m pip freeze | grep -i '^streamlit=='))"

cd "$ROOT"
"$VENV/bin/python" - <<'EOF'
from streamlit.testing.v1 import AppTest

at = AppTest.from_file("streamlit_app.py", default_timeout=180).run()
assert not at.exception, [e.message for e in at.exception]
text = " ".join(m.value for m in at.markdown)
assert "Input [5 x 5 x 1]" in text and "output [3 x 3 x 4]" in text, text[:300]
print("AppTest smoke (the studio's first run): ok")
EOF

PORT="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
LOG="$(mktemp)"
setsid "$VENV/bin/python" -m streamlit run streamlit_app.py --server.port "$PORT" --server.address 127.0.0.1 \
    --server.headless true --browser.gatherUsageStats false > "$LOG" 2>&1 < /dev/null &
SERVER=$!
trap 'kill -TERM -- -$SERVER 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 300); do
    [[ "$(curl -s --noproxy '*' "http://127.0.0.1:$PORT/_stcore/health" || true)" == ok ]] && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$LOG"; exit 1; }
    sleep 0.2
done
[[ "$(curl -s --noproxy '*' "http://127.0.0.1:$PORT/_stcore/health")" == ok ]]
curl -s --noproxy '*' "http://127.0.0.1:$PORT/" | grep -q '<div id="root">'
echo "server on 127.0.0.1:$PORT: /_stcore/health ok, page served"
if [[ -n "${CHECK_BROWSER_PYTHON:-}" ]]; then
    "$CHECK_BROWSER_PYTHON" - "http://127.0.0.1:$PORT/" <<'EOF'
import sys

from playwright.sync_api import sync_playwright

with sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                 args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
    page = browser.new_page()
    page.goto(sys.argv[1])
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stMarkdown"]')]
        .some((e) => e.innerText.replace(/\\u00a0/g, ' ').includes('output [3 x 3 x 4]'))""", timeout=120_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    for _ in range(600):  # the player's frame appears after the page's first run
        frames = [f for f in page.frames if "sliding_player" in f.url]
        if frames:
            break
        page.wait_for_timeout(200)
    assert frames, "no player frame"
    frames[0].wait_for_selector("#plot .main-svg", timeout=120_000)
    browser.close()
print("Chromium: the studio and its player drew, no exception: ok")
EOF
fi

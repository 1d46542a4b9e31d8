"""The foundation's journey (find a video, open it, it plays, no console errors) with
every route on the new app. The test is tests/browser's own, collected here a second time
(under its own name, so its screenshots do not overwrite the original's) so that it runs
against this directory's `live_server`."""

from __future__ import annotations

import pytest

from tests.browser import test_watch_a_video as journey

pytestmark = pytest.mark.browser

test_watch_a_video_on_new = journey.test_search_open_and_play

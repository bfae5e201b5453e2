"""`greenroom demo` seeds data a newcomer can use straight away, and can be run again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.demo import EXAMPLE_VENDOR_ORIGIN, seed_demo
from server.store.db import create_engine
from server.store.orgs import org_for_api_key


async def test_demo_seeds_a_usable_check_and_reuses_its_organisation(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        first = await seed_demo(engine, "http://127.0.0.1:8080")
        second = await seed_demo(engine, "http://127.0.0.1:9090")
        assert first.org_id == second.org_id
        assert first.check.id != second.check.id
        org = await org_for_api_key(engine, second.api_key)
        assert org is not None
        assert org.id == first.org_id
        # The example vendor page (docs/examples/vendor-page.html) may embed the check, on
        # whichever port the demo serves now.
        assert org.allowed_origins == ("http://127.0.0.1:9090", EXAMPLE_VENDOR_ORIGIN)
        in_an_hour = datetime.now(UTC) + timedelta(hours=1)
        assert abs(second.check.starts_at - in_an_hour) < timedelta(minutes=2)
    finally:
        await engine.dispose()

"""Every problem ``type`` pitstop can answer resolves to its documentation, and one place
lists them all (api/problems.py)."""

from __future__ import annotations

from pitstop.api import problems


def every_slug() -> set[str]:
    """The slugs the error mapping can put in a ``type``: domain errors, the framework's
    HTTP errors, and the ones answered directly."""
    found = {slug for _, _, slug, _ in problems.MAPPING} | set(problems.HTTP_SLUGS.values())
    found |= {slug for slugs in problems.OTHER_SLUGS.values() for slug in slugs}
    return found | {"http-error"}


async def test_every_problem_type_is_documented_at_its_own_url(anon):
    assert every_slug() == set(problems.DOCS)  # nothing emitted undocumented, nothing stale
    for slug in sorted(every_slug()):
        r = await anon.get(problems.problem_type(slug))
        assert r.status_code == 200, slug
        assert r.text.startswith(f"{slug}\n\n") and len(r.text) > len(slug) + 20


async def test_an_unknown_problem_type_is_a_problem_itself(anon):
    r = await anon.get("/problems/no-such-thing")
    assert r.status_code == 404
    assert r.json()["type"] == "/problems/not-found"
    assert "no problem type 'no-such-thing'" in r.json()["detail"]

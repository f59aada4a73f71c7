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


def test_every_slug_is_kebab_case():
    assert all(slug == slug.lower() and "_" not in slug for slug in every_slug())


async def test_an_earlier_spelling_redirects_to_the_type_it_became(anon):
    for old, new in (("maintenance_soon", "maintenance-soon"),
                     ("database_unavailable", "database-unavailable")):
        r = await anon.get(f"/problems/{old}")
        assert r.status_code == 308 and r.headers["location"] == f"/problems/{new}"
        followed = await anon.get(f"/problems/{old}", follow_redirects=True)
        assert followed.status_code == 200 and followed.text.startswith(f"{new}\n\n")


async def test_a_path_no_route_answers_is_a_not_found_problem(anon):
    r = await anon.get("/v1/no-such-thing")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == "/problems/not-found" and r.json()["title"] == "Not found"
    assert r.json()["detail"] == "no such endpoint: GET /v1/no-such-thing (see /docs)"

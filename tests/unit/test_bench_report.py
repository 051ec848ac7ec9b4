"""The benchmark's ratios to the ceiling: each round against the ceiling round run beside it."""

from __future__ import annotations

import math

import pytest

from bench.report import Measure, Report, Row, ratios, table


def measure(rps: float, *, p50: float = 1.0, cpu: float = 0.1, rss: int = 100) -> Measure:
    return Measure(
        requests=int(rps * 10),
        requests_per_second=rps,
        p50_ms=p50,
        p99_ms=p50 * 2,
        errors=0,
        statements_per_request=0.0,
        cpu_ms_per_request=cpu,
        rss_bytes=rss,
    )


def test_each_round_is_compared_with_its_paired_ceiling_round() -> None:
    # The machine slows down between rounds: the workload and its ceiling round slow down together.
    row = Row("W2", "listing", "hot", rounds=[measure(600), measure(450), measure(300)])
    row.paired = [measure(1000, p50=0.5), measure(900, p50=0.5), measure(600, p50=0.5)]
    found = ratios(row, ceiling=measure(1000))
    assert found is not None
    assert found.requests_per_second == pytest.approx(0.5)  # ratios 0.6, 0.5, 0.5: not 450 / 900 of the medians
    assert found.p50 == pytest.approx(2.0)
    assert found.cpu_per_request == pytest.approx(1.0)
    assert found.rss == pytest.approx(1.0)


def test_without_paired_rounds_the_medians_are_compared_with_the_ceiling_row() -> None:
    row = Row("W1", "page", "cold", rounds=[measure(10, cpu=4.0), measure(30, cpu=2.0), measure(20, cpu=3.0)])
    found = ratios(row, ceiling=measure(1000, cpu=0.05))
    assert found is not None
    assert found.requests_per_second == pytest.approx(0.02)
    assert found.cpu_per_request == pytest.approx(60.0)


def test_a_ceiling_row_and_a_row_without_any_ceiling_have_no_ratios() -> None:
    assert ratios(Row("C", "ceiling", "ceiling", rounds=[measure(1000)]), ceiling=measure(1000)) is None
    assert ratios(Row("W1", "page", "cold", rounds=[measure(10)]), ceiling=None) is None


def test_a_zero_ceiling_figure_gives_no_ratio_rather_than_an_error() -> None:
    row = Row("W1", "page", "cold", rounds=[measure(10)], paired=[measure(1000, cpu=0.0)])
    found = ratios(row, ceiling=None)
    assert found is not None
    assert math.isnan(found.cpu_per_request)


def test_the_table_shows_the_paired_ratio() -> None:
    row = Row("W2", "listing", "hot", rounds=[measure(600), measure(450), measure(300)])
    row.paired = [measure(1000), measure(900), measure(600)]
    ceiling = Row("C", "ceiling", "ceiling", rounds=row.paired)
    rendered = table(Report(meta={}, rows=[row, ceiling]))
    assert "| 50.0 % |" in rendered

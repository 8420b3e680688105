"""Listing, overview, success metrics, costs, engagement and experiment analysis on PostgreSQL.

The unit tests' scenarios run unchanged: in this folder the `session` and `settings` fixtures are
PostgreSQL's (see conftest.py), so `percentile_cont`, the day arithmetic and the per-user aggregates are
checked against the same expected numbers as on SQLite; the rollup scenarios check every figure against
the raw-row queries (and the experiment percentiles against `percentile_cont`).
"""

from tests.unit.test_accounts import *  # noqa: F403
from tests.unit.test_audit import test_sql_metacharacters_in_filters_match_nothing_and_harm_nothing  # noqa: F401
from tests.unit.test_engagement_costs import (  # noqa: F401
    test_costs_sum_per_day_and_model,
    test_price_rows_are_admin_only_and_dated,
    test_recent_cohorts_have_no_retention_yet,
    test_retention_counts_users_active_exactly_n_days_later,
)
from tests.unit.test_experiments import (  # noqa: F401
    test_a_skewed_split_raises_the_srm_alarm_and_says_stop,
    test_known_arm_means_give_the_expected_lift_and_p_value,
    test_lifecycle_is_audited_and_guarded,
    test_no_data_yet_keeps_running,
    test_ship_promotes_the_treatment_and_retires_the_control,
)
from tests.unit.test_kpis import test_empty_database_has_no_kpis, test_known_values_and_breaches  # noqa: F401
from tests.unit.test_queries import (  # noqa: F401
    known,
    test_a_page_past_the_end_is_empty_but_knows_the_total,
    test_interactions_per_day_keeps_only_the_latest_days,
    test_listing_is_newest_first_with_the_users_latest_feedback,
    test_overview_distributions,
    test_overview_headline_counts_what_was_inserted,
    test_p95_latency_is_the_nearest_rank_over_measured_interactions,
    test_rows_sharing_a_timestamp_never_repeat_across_pages,
    test_second_page_holds_the_rest,
)
from tests.unit.test_rollups import (  # noqa: F401
    test_demo_data_gives_the_same_figures_through_the_rollups,
    test_imports_feedback_reviews_and_erasure_keep_the_rollups_exact,
    test_rebuild_is_for_admins_and_audited,
)

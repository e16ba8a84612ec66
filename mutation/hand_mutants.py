"""Hand-made mutants of the list rules: each must make its named tests fail.

    python mutation/hand_mutants.py            # all of them
    python mutation/hand_mutants.py s47 icpc   # those whose name contains any of the words

Each mutant is (name, file under src/ofsted_lists/, exact original snippet, mutated snippet,
test node ids). The repository's src/ and tests/ are copied to a temporary folder once; each
mutant is written there, its tests run, and the file restored. A snippet not found
exactly once stops everything before any test runs: a refactor that moves a rule must update
its mutant here, not silently retire it. A mutant is killed when every test it names fails. Exit status: 0 when every mutant is killed, 1 when
any survived or errored, 2 when the table is stale or the unmutated tests fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
PINS = "tests/test_rule_pins.py::"
LISTS = "tests/test_lists.py::"
DERIVE = "tests/test_derive.py::"
ANNEX = "tests/test_annex_a_profile.py::"


class Mutant(NamedTuple):
    name: str
    path: str            # relative to src/ofsted_lists/
    original: str
    mutated: str
    tests: tuple[str, ...]


def m(name: str, path: str, original: str, mutated: str, *tests: str) -> Mutant:
    return Mutant(name, path, original, mutated, tests)


MUTANTS = [
    # --- as-of boundaries -----------------------------------------------------------------
    m("disability starting on as-of not current", "disability.py",
      '(d["start_date"] <= as_of)', '(d["start_date"] < as_of)',
      PINS + "test_disability_code_starting_on_the_as_of_date_is_current"),
    m("disability ending on as-of still current", "disability.py",
      '(d["end_date"] > as_of)', '(d["end_date"] >= as_of)',
      LISTS + "test_ended_and_future_disability_records_are_not_current"),
    m("referral on as-of ignored when deriving contact outcome", "lists/l1a_contacts.py",
      'refs["referral_date"] <= ctx.as_of', 'refs["referral_date"] < ctx.as_of',
      PINS + "test_referral_on_the_as_of_date_derives_contact_outcome_referral"),
    m("referral after as-of used when deriving contact outcome", "lists/l1a_contacts.py",
      'refs["referral_date"] <= ctx.as_of', 'refs["referral_date"].notna()',
      LISTS + "test_derivation_ignores_referrals_after_as_of"),
    m("referral window one day longer", "lists/l1a_contacts.py",
      "days=ctx.config.referral_window_days", "days=ctx.config.referral_window_days + 1",
      LISTS + "test_contact_outcome_recorded_or_derived_within_seven_days"),
    m("event on as-of read as not happened yet", "lists/_common.py",
      "dates.where(dates <= as_of)", "dates.where(dates < as_of)",
      PINS + "test_icpc_held_on_the_as_of_date_is_shown", PINS + "test_cp_review_held_on_the_as_of_date_is_shown"),
    m("ICPC on as-of not shown", "lists/l2_strategy_s47.py",
      's["_icpc"] = not_after(s["icpc_date"], ctx.as_of)',
      's["_icpc"] = s["icpc_date"].where(s["icpc_date"] < ctx.as_of)',
      PINS + "test_icpc_held_on_the_as_of_date_is_shown"),
    m("ICPC after as-of shown", "lists/l2_strategy_s47.py",
      's["_icpc"] = not_after(s["icpc_date"], ctx.as_of)', 's["_icpc"] = s["icpc_date"]',
      LISTS + "test_s47_state_at_as_of"),
    m("CP review after as-of shown", "lists/l5_cp_plans.py",
      'not_after(p["last_review_date"], ctx.as_of)', 'p["last_review_date"]',
      PINS + "test_cp_review_held_on_the_as_of_date_is_shown"),
    m("born on as-of read as unborn", "lists/_common.py",
      "| (dob > as_of)", "| (dob >= as_of)",
      PINS + "test_child_born_on_the_as_of_date_is_born_and_aged_zero"),
    m("expected on as-of read as unborn", "lists/_common.py",
      "(dob.isna() & (edd > as_of))", "(dob.isna() & (edd >= as_of))",
      PINS + "test_child_born_on_the_as_of_date_is_born_and_aged_zero"),
    m("expected the day after as-of read as born", "lists/_common.py",
      "(dob.isna() & (edd > as_of))", "(dob.isna() & (edd > as_of + pd.Timedelta(days=1)))",
      PINS + "test_child_expected_the_day_after_the_as_of_date_is_unborn"),
    m("date of birth on as-of not shown", "lists/_common.py",
      "dob.where(dob <= as_of)", "dob.where(dob < as_of)",
      PINS + "test_child_born_on_the_as_of_date_is_born_and_aged_zero"),
    m("expected date of birth on as-of not shown", "lists/_common.py",
      "(edd <= as_of)", "(edd < as_of)",
      PINS + "test_child_born_on_the_as_of_date_is_born_and_aged_zero"),
    m("assessment outcome shown before authorisation", "lists/l3_assessments.py",
      'outcome = a["assessment_outcome_code"].where(~(a["authorisation_date"] > ctx.as_of))',
      'outcome = a["assessment_outcome_code"]',
      PINS + "test_assessment_outcome_shown_only_once_authorised"),
    m("assessment outcome hidden when authorised on as-of", "lists/l3_assessments.py",
      '~(a["authorisation_date"] > ctx.as_of)', '~(a["authorisation_date"] >= ctx.as_of)',
      PINS + "test_assessment_outcome_shown_only_once_authorised"),
    m("support answer shown before authorisation", "lists/l3_assessments.py",
      "support = support.where(authorised.notna())", "support = support",
      PINS + "test_assessment_outcome_shown_only_once_authorised"),
    m("record ending the day it starts dropped", "normalise.py",
      "df[end] < df[start]", "df[end] <= df[start]",
      PINS + "test_assessment_authorised_the_day_it_started_is_kept"),
    # --- 12-month counts ------------------------------------------------------------------
    m("s47 exactly 12 months before excluded", "lists/l2_strategy_s47.py",
      '(e["_s47_start"] >= months_before_series(latest, 12))',
      '(e["_s47_start"] > months_before_series(latest, 12))',
      PINS + "test_s47_count_window_is_twelve_months_inclusive_before_the_latest"),
    m("s47 window 11 months", "lists/l2_strategy_s47.py",
      "months_before_series(latest, 12)", "months_before_series(latest, 11)",
      PINS + "test_s47_count_window_is_twelve_months_inclusive_before_the_latest"),
    m("s47 window 13 months", "lists/l2_strategy_s47.py",
      "months_before_series(latest, 12)", "months_before_series(latest, 13)",
      PINS + "test_s47_count_window_is_twelve_months_inclusive_before_the_latest"),
    m("s47 count includes the latest", "lists/l2_strategy_s47.py",
      "& ~is_latest", "",
      PINS + "test_icpc_count_counts_only_earlier_enquiries_with_an_icpc"),
    m("ICPC count is the s47 count", "lists/l2_strategy_s47.py",
      '(inside & e["_icpc"].notna())', "inside",
      PINS + "test_icpc_count_counts_only_earlier_enquiries_with_an_icpc"),
    m("ICPC count includes the latest enquiry's", "lists/l2_strategy_s47.py",
      '(inside & e["_icpc"].notna())', '(e["_icpc"].notna())',
      PINS + "test_icpc_count_counts_only_earlier_enquiries_with_an_icpc"),
    m("referrals after as-of counted", "lists/l1b_referrals.py",
      '(r["referral_date"] <= ctx.as_of).to_numpy()', '(r["referral_date"].notna()).to_numpy()',
      PINS + "test_referrals_after_the_as_of_date_are_not_counted"),
    m("referral on as-of not counted", "lists/l1b_referrals.py",
      '(r["referral_date"] <= ctx.as_of).to_numpy()', '(r["referral_date"] < ctx.as_of).to_numpy()',
      PINS + "test_referrals_after_the_as_of_date_are_not_counted"),
    m("referral exactly 12 months before not counted", "lists/_common.py",
      '(ev["date"] >= lower)', '(ev["date"] > lower)',
      LISTS + "test_referral_count_in_last_12_months"),
    # --- choosing among records -----------------------------------------------------------
    m("latest open plan chosen by end date first", "lists/_common.py",
      "ends, begins, child))", "begins, ends, child))",
      PINS + "test_latest_open_plan_is_chosen_by_start_date_before_end_date"),
    m("same-day plans tied by row order", "lists/_common.py",
      "ends, begins, child))", "begins, child))",
      PINS + "test_same_day_cp_plans_the_open_one_wins_whatever_the_row_order",
      LISTS + "test_cp_plan_previous_plans_categories_and_same_day_tie"),
    m("open end ranks earliest", "lists/_common.py",
      "ends = np.where(ends == np.iinfo(np.int64).min, latest, ends)",
      "ends = np.where(ends == np.iinfo(np.int64).min, -latest, ends)",
      PINS + "test_same_day_cp_plans_the_open_one_wins_whatever_the_row_order"),
    m("overlapping plan reported at the chosen plan", "lists/_common.py",
      "df.iloc[order[~last]]", "df.iloc[order[last]]",
      PINS + "test_overlapping_open_plan_reported_at_the_plan_not_chosen",
      LISTS + "test_cp_plan_previous_plans_categories_and_same_day_tie"),
    m("plan ending on as-of open", "lists/_common.py",
      "(end.isna() | (end > as_of))", "(end.isna() | (end >= as_of))",
      LISTS + "test_cp_plan_ending_on_as_of_is_not_current"),
    m("plan starting on as-of not open", "lists/_common.py",
      "(start <= as_of) &", "(start < as_of) &",
      LISTS + "test_cp_plan_ending_on_as_of_is_not_current"),
    m("same-day earlier plans not previous", "lists/l5_cp_plans.py",
      'merged["cpp_start_date_other"] < merged["cpp_start_date"]',
      'merged["cpp_start_date_other"] <= merged["cpp_start_date"]',
      LISTS + "test_previous_cp_plans_that_started_the_same_day_both_count"),
    m("primary need from the last row, not the latest date", "lists/l4_cin_plans.py",
      'r.sort_values(["referral_date", "_file", "_row"], kind="stable")', 'r.sort_values(["_file", "_row"], kind="stable")',
      PINS + "test_cin_start_date_and_primary_need_from_the_latest_referral_on_or_before_the_plan_start"),
    m("primary need from the earliest referral", "lists/l4_cin_plans.py",
      '.drop_duplicates("child_id", keep="last")', '.drop_duplicates("child_id", keep="first")',
      PINS + "test_primary_need_falls_back_to_the_latest_referral_by_the_as_of_date_that_records_one"),
    m("primary need from a referral after as-of", "lists/l4_cin_plans.py",
      '(r["referral_date"] <= ctx.as_of).to_numpy(dtype=bool)', 'r["referral_date"].notna().to_numpy(dtype=bool)',
      LISTS + "test_cin_plan_latest_starting_and_primary_need",
      PINS + "test_primary_need_falls_back_to_the_latest_referral_by_the_as_of_date_that_records_one"),
    m("primary need from a referral recording none", "lists/l4_cin_plans.py",
      'r[r["primary_need"].notna().to_numpy(dtype=bool)]', "r",
      LISTS + "test_cin_plan_latest_starting_and_primary_need"),
    m("CIN start date from a referral after the plan's start", "lists/l4_cin_plans.py",
      'direction="backward"', 'direction="nearest"',
      PINS + "test_cin_start_date_and_primary_need_from_the_latest_referral_on_or_before_the_plan_start"),
    m("previous CP plans count another LA's", "lists/l5_cp_plans.py",
      'all_plans.loc[own, ["child_id", "cpp_start_date"]]', 'all_plans[["child_id", "cpp_start_date"]]',
      PINS + "test_previous_cp_plans_do_not_count_plans_of_another_la"),
    # --- derive.py: the derivations both profiles share ----------------------------------
    m("short-break episode (V3/V4) read as looked after", "lists/derive.py",
      '~e["ls"].isin(NOT_LOOKED_AFTER_LS)', '~e["ls"].isin(())',
      DERIVE + "test_case_status_takes_looked_after_then_cp_plan_then_cin_plan_and_v3_v4_are_not_looked_after",
      PINS + "test_sheet_4_case_status_and_date_last_seen_through_the_pipeline"),
    m("CP plan ranked before looked after", "lists/derive.py",
      '(flags["looked_after"], LOOKED_AFTER), (flags["cp_plan"], CP_PLAN)',
      '(flags["cp_plan"], CP_PLAN), (flags["looked_after"], LOOKED_AFTER)',
      DERIVE + "test_case_status_takes_looked_after_then_cp_plan_then_cin_plan_and_v3_v4_are_not_looked_after"),
    m("last seen ignores the child-seen flag", "lists/derive.py",
      ' & _seen(v["child_seen"])', "",
      DERIVE + "test_last_seen_is_the_latest_visit_on_or_before_the_as_of_date_with_the_child_seen_or_blank"),
    m("last seen counts a visit after the as-of date", "lists/derive.py",
      '((v["visit_date"] <= ctx.as_of) & _seen', '((v["visit_date"] <= ctx.as_of + pd.Timedelta(days=1)) & _seen',
      DERIVE + "test_last_seen_is_the_latest_visit_on_or_before_the_as_of_date_with_the_child_seen_or_blank"),
    m("statutory visit the day before the plan counts", "lists/derive.py",
      '(when >= plans[start].to_numpy(dtype="datetime64[ns]")[at])',
      '(when >= plans[start].to_numpy(dtype="datetime64[ns]")[at] - np.timedelta64(1, "D"))',
      DERIVE + "test_last_statutory_visit_counts_the_plan_start_day_and_the_as_of_date_not_the_days_outside",
      PINS + "test_sheet_5_last_statutory_visit_from_the_plan_start_day_and_the_epo_flag"),
    m("statutory visit after the as-of date counts", "lists/derive.py",
      'statutory & (v["visit_date"] <= ctx.as_of)', 'statutory',
      DERIVE + "test_last_statutory_visit_counts_the_plan_start_day_and_the_as_of_date_not_the_days_outside"),
    m("visit marked non-statutory counts", "lists/derive.py",
      '& v["statutory"].astype("boolean").fillna(True).astype(bool)', "",
      DERIVE + "test_last_statutory_visit_is_a_cp_or_untyped_visit_not_marked_non_statutory"),
    m("same-day visits: not seen alone wins", "lists/derive.py",
      "alone.map({True: 2, False: 1})", "alone.map({True: 1, False: 2})",
      DERIVE + "test_two_statutory_visits_the_same_day_the_one_seen_alone_wins"),
    m("EPO ending on the window's first day not counted", "lists/derive.py",
      "(df[end] >= first)", "(df[end] > first)",
      DERIVE + "test_epo_counts_a_spell_ending_on_the_window_start_not_the_day_before",
      PINS + "test_sheet_5_last_statutory_visit_from_the_plan_start_day_and_the_epo_flag"),
    m("EPO window a day too long", "lists/derive.py",
      "(df[end] >= first)", "(df[end] >= first - pd.Timedelta(days=1))",
      DERIVE + "test_epo_counts_a_spell_ending_on_the_window_start_not_the_day_before"),
    m("903 L1/L2 episodes not an EPO", "lists/derive.py",
      'e["ls"].isin(PROTECTION_LS)', 'e["ls"].isin(())',
      DERIVE + "test_epo_counts_a_903_episode_with_ls_l1_or_l2_in_the_six_months"),
    m("ICPC result derived on a misaligned index", "lists/l2_strategy_s47.py",
      '.isin(keys), index=s.index, dtype="boolean")', '.isin(keys), dtype="boolean")',
      PINS + "test_icpc_result_derived_on_the_rows_kept_in_the_window"),
    m("ICPC result derived from any child's plan", "lists/l2_strategy_s47.py",
      'pd.MultiIndex.from_arrays([s["child_id"], s["_icpc"]]).isin(keys)',
      's["_icpc"].isin(starts["cpp_start_date"]).to_numpy()',
      PINS + "test_icpc_result_derived_on_the_rows_kept_in_the_window"),
    m("s47 rows ignored when ordering child details", "normalise.py",
      'ids["_when"] = ids["_when"].fillna(df["s47_start_date"])', 'ids["_when"] = ids["_when"]',
      PINS + "test_child_details_ordered_by_s47_start_when_no_strategy_date"),
    # --- joins --------------------------------------------------------------------------------
    m("another child's referral marks the contact", "lists/l1a_contacts.py",
      'right_on="referral_date", by="child_id",', 'right_on="referral_date",',
      PINS + "test_another_childs_referral_does_not_make_a_contact_a_referral"),
    m("a referral before the contact counts", "lists/l1a_contacts.py",
      'direction="forward"', 'direction="nearest"',
      PINS + "test_referral_before_the_contact_does_not_make_it_a_referral"),
    # --- missing exports and config -----------------------------------------------------------
    m("ICPC result needs cp_plans", "lists/l2_strategy_s47.py",
      'if ctx.ds.has("cp_plans"):', "if True:",
      PINS + "test_no_cp_plans_export_leaves_sheet_5_out_and_icpc_result_no"),
    m("ICPC result blank without cp_plans", "lists/l2_strategy_s47.py",
      'derived = pd.Series(False, index=s.index, dtype="boolean")',
      'derived = pd.Series(pd.NA, index=s.index, dtype="boolean")',
      PINS + "test_no_cp_plans_export_leaves_sheet_5_out_and_icpc_result_no"),
    m("config gender mapping ignored", "lists/_common.py",
      'codes.map_codes("gender", ch["gender"], config.mapping("gender"))',
      'codes.map_codes("gender", ch["gender"], {})',
      PINS + "test_config_gender_and_ethnicity_mappings_are_applied"),
    m("config ethnicity mapping ignored", "lists/_common.py",
      'codes.map_codes("ethnicity", ch["ethnicity"], config.mapping("ethnicity"))',
      'codes.map_codes("ethnicity", ch["ethnicity"], {})',
      PINS + "test_config_gender_and_ethnicity_mappings_are_applied"),
    # (lists/l1a and l1b also fill a blank *_code from the raw column, so map_codes giving
    # NA for an unmapped value would go unnoticed; giving it altered does not.)
    m("unmapped coded value not written as it came", "codes/mapping.py",
      "out.append(text)", "out.append(text.lower())",
      PINS + "test_unmapped_source_is_written_as_it_came"),
    m("no authorisation column read as not authorised", "lists/l3_assessments.py",
      'if ctx.ds.has_column("assessments", "authorisation_date"):', "if True:",
      PINS + "test_assessments_without_an_authorisation_column_show_outcome_and_support"),
    # --- other ---------------------------------------------------------------------------------
    m("other_agency read as requiring support", "lists/l3_assessments.py",
      '"other_agency": NO', '"other_agency": YES',
      PINS + "test_other_agency_outcome_is_not_requiring_support"),
    m("pre-birth allowance 41 weeks", "normalise.py",
      "PRE_BIRTH_ALLOWANCE = pd.Timedelta(weeks=40)", "PRE_BIRTH_ALLOWANCE = pd.Timedelta(weeks=41)",
      PINS + "test_contact_or_referral_up_to_40_weeks_before_birth_is_no_finding"),
    m("pre-birth allowance 39 weeks", "normalise.py",
      "PRE_BIRTH_ALLOWANCE = pd.Timedelta(weeks=40)", "PRE_BIRTH_ALLOWANCE = pd.Timedelta(weeks=39)",
      PINS + "test_contact_or_referral_up_to_40_weeks_before_birth_is_no_finding"),
    m("pre-birth allowance for contacts only", "normalise.py",
      "index=df.index) - PRE_BIRTH_ALLOWANCE",
      'index=df.index) - (PRE_BIRTH_ALLOWANCE if name == "contacts" else pd.Timedelta(0))',
      PINS + "test_s47_before_birth_has_the_same_40_week_allowance"),
    m("event exactly 40 weeks before birth flagged", "normalise.py",
      "when < limit", "when <= limit",
      PINS + "test_contact_or_referral_up_to_40_weeks_before_birth_is_no_finding"),
    m("child in children reported missing", "normalise.py",
      "~from_table[pos]", "from_table[pos]",
      PINS + "test_child_missing_from_children_is_reported_at_its_event_row"),
    m("expected date of birth on as-of not passed", "normalise.py",
      '(children["expected_dob"] <= pd.Timestamp(as_of))', '(children["expected_dob"] < pd.Timestamp(as_of))',
      PINS + "test_expected_dob_passed_is_reported_for_that_child_only"),
    m("expected date of birth passed reported beside a date of birth", "normalise.py",
      'children["dob"].isna() & (children["expected_dob"]', '(children["expected_dob"]',
      PINS + "test_expected_dob_passed_is_reported_for_that_child_only"),
    # --- found by mutmut ------------------------------------------------------------------
    m("config disability mapping ignored", "disability.py",
      'extra = config.mapping("disability")\n    ch = ds.children.reset_index()',
      "extra = {}\n    ch = ds.children.reset_index()",
      PINS + "test_config_disability_mapping_applies_to_children_and_disabilities"),
    m("disabilities export alone not a source", "disability.py",
      'if ds.has("disabilities"):\n        return True', "if False:\n        return True",
      PINS + "test_disabilities_export_alone_is_a_disability_source"),
    m("same-day enquiry without a conference taken as the latest", "lists/l2_strategy_s47.py",
      'kind="stable", na_position="first")', 'kind="stable", na_position="last")',
      PINS + "test_same_day_enquiries_the_one_with_an_icpc_is_the_latest"),
    m("strategy-only child counted once", "lists/l2_strategy_s47.py",
      'counts.reindex(s["child_id"].to_numpy()).fillna(0)', 'counts.reindex(s["child_id"].to_numpy()).fillna(1)',
      PINS + "test_strategy_discussion_without_any_enquiry_counts_zero"),
    m("configured core assessment types ignored", "lists/l3_assessments.py",
      "norm(t) in listed}", "norm(t) not in listed}",
      PINS + "test_configured_core_assessment_types_are_left_out"),
    m("derived contact outcomes counted on misaligned rows", "disability.py",
      'return pd.Series(found, index=child_ids.index, dtype="str")', 'return pd.Series(found, dtype="str")',
      PINS + "test_referral_on_the_as_of_date_derives_contact_outcome_referral"),
    # --- windows ------------------------------------------------------------------------------
    m("window first day excluded", "window.py",
      "dates >= pd.Timestamp(self.start)", "dates > pd.Timestamp(self.start)",
      LISTS + "test_contact_window_is_inclusive_at_both_ends"),
    m("window last day excluded", "window.py",
      "self.end + datetime.timedelta(days=1)", "self.end",
      LISTS + "test_contact_window_is_inclusive_at_both_ends"),
    # The annex-a profile (SPEC §9).
    m("annex all children disability always yes", "lists/_common.py",
      "status.map(DISABILITY_ANSWERS).to_numpy() if ctx.all_children else YES", "YES",
      ANNEX + "test_annex_a_lists_every_child_with_disability_yes_no_unknown"),
    m("annex list 2 ended on the window start left out", "lists/annex_a/list2_early_help.py",
      'e["eh_end_date"] >= pd.Timestamp(ctx.window.start)', 'e["eh_end_date"] > pd.Timestamp(ctx.window.start)',
      ANNEX + "test_list2_takes_every_early_help_episode_open_in_the_window_one_row_each"),
    m("annex list 4 authorised on the window start left out", "lists/annex_a/list4_assessments.py",
      'a["authorisation_date"] >= pd.Timestamp(ctx.window.start)',
      'a["authorisation_date"] > pd.Timestamp(ctx.window.start)',
      ANNEX + "test_list4_takes_assessments_open_in_the_window_not_authorised_before_it"),
    m("annex list 6 closed on the window start left out", "lists/annex_a/list6_cin.py",
      "(closed_at.isna() | (closed_at >= start))", "(closed_at.isna() | (closed_at > start))",
      ANNEX + "test_list6_episode_closed_the_day_before_the_window_is_off_and_on_its_start_is_on"),
    m("annex list 6 assessment qualifies RC8 and care leavers", "lists/annex_a/list6_cin.py",
      "plan | (assessed & ~plan_only)", "plan | assessed",
      ANNEX + "test_list6_rc8_and_rc9_episodes_qualify_only_through_a_plan",
      ANNEX + "test_list6_care_leaver_with_an_open_episode_only_assessed_is_off"),
    m("annex list 6 NFA referrals qualify", "lists/annex_a/list6_cin.py",
      'ep["_qualifies"] = ~nfa & (', 'ep["_qualifies"] = (',
      ANNEX + "test_list6_nfa_referral_is_not_an_episode_of_need",
      ANNEX + "test_list6_one_row_per_child_the_latest_qualifying_episode"),
    m("annex list 6 closed episode not first", "lists/annex_a/list6_cin.py",
      "first=((closed, derive.CLOSED_EPISODE),)", "first=()",
      ANNEX + "test_list6_episode_closed_the_day_before_the_window_is_off_and_on_its_start_is_on"),
    m("annex list 6 open assessment not last", "lists/annex_a/list6_cin.py",
      "last=((assessing, derive.OPEN_ASSESSMENT),)", "last=()",
      ANNEX + "test_list6_case_status_each_branch_and_the_fallback_with_a_finding"),
    m("annex list 7 other LAs' plans kept", "lists/annex_a/list7_cp.py",
      "(p[\"cpp_end_date\"] >= pd.Timestamp(ctx.window.start))) & own_plans(p)",
      "(p[\"cpp_end_date\"] >= pd.Timestamp(ctx.window.start)))",
      ANNEX + "test_list7_plans_of_another_la_are_left_out"),
    m("annex list 7 ended on the window start left out", "lists/annex_a/list7_cp.py",
      "(p[\"cpp_end_date\"] >= pd.Timestamp(ctx.window.start))", "(p[\"cpp_end_date\"] > pd.Timestamp(ctx.window.start))",
      ANNEX + "test_list7_plan_ending_the_day_before_the_window_is_off_and_on_its_start_is_on"),
    m("annex list 7 end date blank", "lists/l5_cp_plans.py",
      '"Child Protection Plan End Date": ended,', '"Child Protection Plan End Date": ended.where(ended > ctx.as_of),',
      ANNEX + "test_list7_plan_ending_on_the_as_of_date_is_listed_with_its_end_date",
      ANNEX + "test_list7_one_row_per_child_the_latest_starting_plan_open_or_ended"),
]


def _check(src: Path) -> list[str]:
    """Every snippet must occur exactly once in its file, and every test must be named."""
    problems = []
    names = [mu.name for mu in MUTANTS]
    problems += [f"mutant name used twice: {n}" for n in sorted({n for n in names if names.count(n) > 1})]
    for mu in MUTANTS:
        path = src / mu.path
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        n = text.count(mu.original)
        if n != 1:
            problems.append(f"{mu.name}: snippet found {n} times in src/ofsted_lists/{mu.path}: {mu.original!r}")
        if not mu.tests:
            problems.append(f"{mu.name}: no tests named")
    return problems


def _pytest(root: Path, tests: tuple[str, ...] | list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", *tests],
        cwd=root, env=env, capture_output=True, text=True)


def main(argv: list[str]) -> int:
    chosen = [mu for mu in MUTANTS if not argv or any(w.lower() in mu.name.lower() for w in argv)]
    if not chosen:
        print("no mutant's name contains any of: " + ", ".join(argv), file=sys.stderr)
        return 2
    problems = _check(REPO / "src" / "ofsted_lists")
    if problems:
        print("stale mutant table (fix mutation/hand_mutants.py):", *problems, sep="\n  ", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="hand-mutants-") as tmp:
        root = Path(tmp)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")
        for part in ("src", "tests", "sample_data"):
            shutil.copytree(REPO / part, root / part, ignore=ignore)
        shutil.copy2(REPO / "pyproject.toml", root / "pyproject.toml")
        pkg = root / "src" / "ofsted_lists"

        every_test = sorted({t for mu in chosen for t in mu.tests})
        clean = _pytest(root, every_test)
        if clean.returncode != 0:
            print("the named tests fail without any mutant:", clean.stdout[-3000:], clean.stderr[-2000:],
                  sep="\n", file=sys.stderr)
            return 2

        killed, survived, errors = [], [], []
        for i, mu in enumerate(chosen, 1):
            path = pkg / mu.path
            original = path.read_text(encoding="utf-8")
            path.write_text(original.replace(mu.original, mu.mutated, 1), encoding="utf-8")
            started = time.monotonic()
            try:
                run = _pytest(root, mu.tests)
            finally:
                path.write_text(original, encoding="utf-8")
            # Killed = every named test failed (pytest exit 1); exit 2+ (no tests, import error) is
            # no kill. A test that still passes is named, so a weakened test is noticed too.
            failed = {line[len("FAILED "):].split(" - ")[0] for line in run.stdout.splitlines()
                      if line.startswith("FAILED ")}
            passing = [t for t in mu.tests if t not in failed]
            if run.returncode not in (0, 1):
                verdict = f"ERROR (pytest exit {run.returncode})"
                errors.append(mu.name)
            elif passing:
                verdict = "SURVIVED"
                survived.append(f"{mu.name} (still passing: {', '.join(passing)})")
            else:
                verdict = "killed"
                killed.append(mu.name)
            print(f"[{i}/{len(chosen)}] {verdict:8} {mu.name}  ({time.monotonic() - started:.0f}s)", flush=True)
            if verdict.startswith("ERROR"):
                print(run.stdout[-1500:], run.stderr[-1500:], sep="\n", file=sys.stderr)

    print(f"\n{len(killed)} killed, {len(survived)} survived" + (f", {len(errors)} errors" if errors else ""))
    for name in survived:
        print("  survived:", name)
    for name in errors:
        print("  error:", name)
    return 0 if not survived and not errors else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

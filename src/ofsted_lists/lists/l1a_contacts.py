"""List 1a — contacts about disabled children in the window (Annex A List 1)."""

from __future__ import annotations

import pandas as pd

from ._common import (
    DISABILITY_CODES, Context, Feed, ListResult, ListSpec, Verdict, explain_window, finish,
)

SPEC = ListSpec(
    key="1a",
    sheet="1a Contacts",
    annex_a="List 1: Contacts",
    needs=("contacts",),
    columns=("Date of Contact", "Contact Source", "Contact Outcome", DISABILITY_CODES),
    key_date="Date of Contact",
    disability_flag=False,
    rule="one row per contact dated in the window",
    feeds=(
        Feed("contact_source", "Contact Source will be blank"),
        Feed("led_to_referral", "Contact Outcome will be derived from the child's referrals, never recorded",
             unless=("contact_outcome",)),
    ),
)


def derived_led_to_referral(ctx: Context, contacts: pd.DataFrame) -> pd.Series:
    """Did the contact lead to a referral? From `led_to_referral`; where blank or unknown, a
    referral of the same child dated on the contact date or up to N days after it (and on
    or before the as-of date) says yes. NA when there is no referrals table to look in."""
    if not ctx.ds.has("referrals"):
        return pd.Series(pd.NA, index=contacts.index, dtype="boolean")
    refs = ctx.ds.tables["referrals"]
    refs = refs.loc[refs["referral_date"] <= ctx.as_of, ["child_id", "referral_date"]]
    left = contacts[["child_id", "contact_date"]].reset_index().sort_values("contact_date")
    right = refs.sort_values("referral_date")
    joined = pd.merge_asof(
        left, right, left_on="contact_date", right_on="referral_date", by="child_id",
        direction="forward", tolerance=pd.Timedelta(days=ctx.config.referral_window_days),
    ).set_index("index")
    return joined["referral_date"].notna().reindex(contacts.index).astype("boolean")


def selected(ctx: Context, contacts: pd.DataFrame) -> pd.Series:
    """The rule: a contact dated in the window."""
    return ctx.window.contains(contacts["contact_date"])


def build(ctx: Context, spec: ListSpec = SPEC) -> ListResult:
    """The list of `spec` (this one, or a profile's list of the same rows: Annex A List 1)."""
    c = ctx.ds.tables["contacts"]
    # Only the columns used here: filtering copies every column it keeps.
    c = c.loc[selected(ctx, c).to_numpy(),
              ["child_id", "contact_date", "contact_source", "contact_source_code", "led_to_referral"]]
    recorded = c["led_to_referral"]
    derive = recorded.isna()
    led = recorded.fillna(derived_led_to_referral(ctx, c)) if derive.any() else recorded
    rows = pd.DataFrame({
        "child_id": c["child_id"],
        "Date of Contact": c["contact_date"],
        "Contact Source": c["contact_source_code"],
        "Contact Outcome": led.map({True: "Referral", False: "No referral"}).astype("str"),
        "_derived": derive & led.notna(),
    })
    result = finish(spec, ctx, rows.drop(columns="_derived"))
    listed = ctx.listed(ctx.disability.of(rows["child_id"])).to_numpy()
    result.derived_outcomes = int((rows["_derived"] & listed).sum())
    return result


def explain(ctx: Context, child_id: str, spec: ListSpec = SPEC) -> Verdict:
    return explain_window(ctx, spec, child_id, "contacts", "contact_date", "contact", selected)

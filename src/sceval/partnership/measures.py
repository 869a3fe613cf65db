"""The named measures a model item's `data:` rule may use (`partnership.evidence` computes
them; `partnership.model` checks that a rule names one)."""

# Each measure: description, SQL over the case's rows (`{rows}`: the dialogues or activities of
# the case's programs, bound as a list in $1, within the rule's `recent_years` window), unit of n.
SENIORITY = """CASE level WHEN 'ministerial' THEN 1.0 WHEN 'chiefs_of_defence' THEN 0.75
    WHEN 'ambassadorial' THEN 0.5 WHEN 'senior_official' THEN 0.25 ELSE 0.0 END"""
MEASURES = {
    "dialogue_women_share": (
        "share of women among dialogue participants",
        "SELECT sum(participants_women)::DOUBLE / nullif(sum(participants_total), 0), count(*) FROM {rows}",
        "dialogues",
    ),
    "dialogue_youth_share": (
        "share of participants under 30 in dialogues",
        "SELECT sum(participants_youth)::DOUBLE / nullif(sum(participants_total), 0), count(*) FROM {rows}",
        "dialogues",
    ),
    "dialogue_civil_society_share": (
        "share of dialogue meetings with civil society present",
        "SELECT avg(civil_society_present::INT), count(*) FROM {rows}",
        "dialogues",
    ),
    "dialogue_seniority_index": (
        "mean seniority of dialogue meetings (ministerial 1, chiefs of defence 0.75, "
        "ambassadorial 0.5, senior official 0.25, working 0)",
        f"SELECT avg({SENIORITY}), count(*) FROM {{rows}}",
        "dialogues",
    ),
    "dialogue_ministerial_share": (
        "share of dialogue meetings at ministerial level",
        "SELECT avg((level = 'ministerial')::INT), count(*) FROM {rows}",
        "dialogues",
    ),
    "dialogue_meetings_per_year": (
        "dialogue meetings per year (over the window, or the series' span)",
        "SELECT count(*) / greatest(1.0, {years}), count(*) FROM {rows}",
        "dialogues",
    ),
    "activity_co_designed_share": (
        "share of activities co-designed with the partner (cancelled ones excluded)",
        "SELECT avg(co_designed::INT), count(*) FROM {rows} WHERE status <> 'cancelled'",
        "activities",
    ),
    "activity_partner_cost_share": (
        "partner's share of activity costs, weighted by cost (cancelled ones excluded)",
        """SELECT sum(partner_cost_share * coalesce(actual_cost, planned_cost))
                  / nullif(sum(coalesce(actual_cost, planned_cost)), 0), count(*)
           FROM {rows} WHERE status <> 'cancelled'""",
        "activities",
    ),
}

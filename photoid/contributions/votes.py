"""A patron takes back their vote on an identification (issue 20: a vote could not be taken back)."""
from __future__ import annotations

from sqlalchemy import select

from photoid.accounts.models import User
from photoid.contributions.models import Confirmation, Identification
from photoid.contributions.service import ContributionError
from photoid.contributions.workflow import VoteState, withdraw_vote
from photoid.db import unit_of_work
from photoid.extensions import db


@unit_of_work
def take_back(*, identification: Identification, voter: User) -> Confirmation:
    """The voter's active vote on ``identification`` stops counting: state withdrawn, ``withdrawn_at`` set.

    The row stays (the voter's history and a later vote reuse it). Raises ContributionError when
    the voter has no vote counting on it. Commits.
    """
    vote = db.session.scalar(select(Confirmation).where(
        Confirmation.identification_id == identification.id, Confirmation.voter_id == voter.id,
        Confirmation.state == VoteState.ACTIVE,
    ))
    if vote is None:
        raise ContributionError("You have no vote on this identification to take back.")
    withdraw_vote(vote)
    return vote

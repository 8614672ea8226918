"""What the API shows: read-only representations, a module per subject. Inputs live in api/inputs.py; no business
rule lives in either."""

from api.serializers.account import MembershipSerializer, MeSerializer, PreferenceSerializer, TokenSerializer
from api.serializers.activity import (
    EvidenceAddedSerializer,
    EvidenceSerializer,
    ExtensionRequestSerializer,
    PauseRequestSerializer,
    ProgressReportSerializer,
)
from api.serializers.public import FeedbackReceiptSerializer, PublicNoticeSerializer
from api.serializers.reference import (
    AppraisalSerializer,
    IndicatorBriefSerializer,
    IndicatorSerializer,
    PolicySerializer,
    UnitBriefSerializer,
    UnitSerializer,
)
from api.serializers.stats import UnitScorecardSerializer
from api.serializers.tickets import (
    EventSerializer,
    FindingBriefSerializer,
    FindingSerializer,
    StageSerializer,
    TicketBriefSerializer,
    TicketDetailSerializer,
    TicketSerializer,
)

__all__ = [
    "AppraisalSerializer",
    "EventSerializer",
    "EvidenceAddedSerializer",
    "EvidenceSerializer",
    "ExtensionRequestSerializer",
    "FeedbackReceiptSerializer",
    "FindingBriefSerializer",
    "FindingSerializer",
    "IndicatorBriefSerializer",
    "IndicatorSerializer",
    "MeSerializer",
    "MembershipSerializer",
    "PauseRequestSerializer",
    "PreferenceSerializer",
    "PolicySerializer",
    "StageSerializer",
    "ProgressReportSerializer",
    "PublicNoticeSerializer",
    "TicketBriefSerializer",
    "TicketDetailSerializer",
    "TicketSerializer",
    "TokenSerializer",
    "UnitBriefSerializer",
    "UnitScorecardSerializer",
    "UnitSerializer",
]

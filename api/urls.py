"""/api/: version 1 of the REST API, its OpenAPI schema and the documentation pages (served from local static files)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from api.errors import not_found
from api.views import account, activity, decisions, public, reference, spreadsheets, supervision, tickets

v1 = [
    path("auth/token/", account.TokenCreate.as_view(), name="token"),
    path("me/", account.Me.as_view(), name="me"),
    path("me/preferences/", account.MePreferences.as_view(), name="me-preferences"),
    path("findings/", tickets.FindingList.as_view(), name="finding-list"),
    path("findings/import/", spreadsheets.FindingsImport.as_view(), name="finding-import"),
    path("findings/import/template/", spreadsheets.FindingsImportTemplate.as_view(), name="finding-import-template"),
    path("findings/<int:pk>/", tickets.FindingDetail.as_view(), name="finding-detail"),
    path("tickets/", tickets.TicketList.as_view(), name="ticket-list"),
    path("tickets/export/", spreadsheets.TicketExport.as_view(), name="ticket-export"),
    path("exports/<int:pk>/", spreadsheets.ExportDetail.as_view(), name="export-detail"),
    path("tickets/<int:pk>/", tickets.TicketDetail.as_view(), name="ticket-detail"),
    path("tickets/<int:pk>/transitions/", tickets.TicketTransition.as_view(), name="ticket-transitions"),
    path("tickets/<int:pk>/events/", tickets.TicketEvents.as_view(), name="ticket-events"),
    path("tickets/<int:pk>/stages/", tickets.TicketStages.as_view(), name="ticket-stages"),
    path("tickets/<int:pk>/progress/", activity.TicketProgress.as_view(), name="ticket-progress"),
    path("tickets/<int:pk>/evidence/", activity.TicketEvidence.as_view(), name="ticket-evidence"),
    path(
        "tickets/<int:pk>/extension-requests/",
        activity.TicketExtensionRequests.as_view(),
        name="ticket-extension-requests",
    ),
    path("tickets/<int:pk>/pause-requests/", activity.TicketPauseRequests.as_view(), name="ticket-pause-requests"),
    path("tickets/<int:pk>/resume/", activity.TicketResume.as_view(), name="ticket-resume"),
    path("tickets/<int:pk>/supervision/", supervision.TicketSupervision.as_view(), name="ticket-supervision"),
    path("tickets/<int:pk>/review/", supervision.TicketReview.as_view(), name="ticket-review"),
    path("evidence/<int:pk>/file/", activity.EvidenceFile.as_view(), name="evidence-file"),
    path("extension-requests/", activity.ExtensionRequestList.as_view(), name="extension-request-list"),
    path(
        "extension-requests/<int:pk>/decision/",
        activity.ExtensionRequestDecision.as_view(),
        name="extension-request-decision",
    ),
    path("pause-requests/", activity.PauseRequestList.as_view(), name="pause-request-list"),
    path("pause-requests/<int:pk>/decision/", activity.PauseRequestDecision.as_view(), name="pause-request-decision"),
    path("decisions/", decisions.DecisionList.as_view(), name="decision-list"),
    path("decisions/<int:pk>/", decisions.DecisionDetail.as_view(), name="decision-detail"),
    path("decisions/<int:pk>/transitions/", decisions.DecisionTransition.as_view(), name="decision-transitions"),
    path("decisions/<int:pk>/events/", decisions.DecisionEvents.as_view(), name="decision-events"),
    path("units/", reference.UnitList.as_view(), name="unit-list"),
    path("appraisals/", reference.AppraisalList.as_view(), name="appraisal-list"),
    path("indicators/", reference.IndicatorList.as_view(), name="indicator-list"),
    path("policies/", reference.PolicyList.as_view(), name="policy-list"),
    path("stats/units/", reference.UnitStats.as_view(), name="stats-units"),
    path("stats/scorecards/", spreadsheets.Scorecards.as_view(), name="stats-scorecards"),
    path("stats/scorecards/xlsx/", spreadsheets.ScorecardsSheet.as_view(), name="stats-scorecards-xlsx"),
    path("stats/scorecards/trend/", spreadsheets.ScorecardTrend.as_view(), name="stats-scorecards-trend"),
    path("public/notices/", public.NoticeList.as_view(), name="notice-list"),
    path("public/notices/<int:pk>/", public.NoticeDetail.as_view(), name="notice-detail"),
    path("public/decisions/", public.PublicDecisionList.as_view(), name="public-decision-list"),
    path("public/notices/<int:pk>/feedback/", public.NoticeFeedback.as_view(), name="notice-feedback"),
]

app_name = "api"
urlpatterns = [
    path("v1/", include(v1)),
    path("v1/", include("api.notifications")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html"), name="redoc"),
    re_path(r"^", not_found),
]

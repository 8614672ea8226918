from django.contrib.auth import views as auth_views
from django.urls import path

from pages.views import auth, dashboard, decisions, findings, inbox, ledger, public, scorecards, tickets, workspace

urlpatterns = [
    path("", auth.home, name="home"),
    path("dashboard/", dashboard.dashboard_page, name="dashboard"),
    path("dashboard/list/", dashboard.dashboard_list, name="dashboard-list"),
    path("dashboard/chase/", dashboard.dashboard_chase, name="dashboard-chase"),
    path("dashboard/review/<int:ticket_id>/", dashboard.dashboard_review, name="dashboard-review"),
    path("public/", public.register, name="public"),
    path("public/<int:ticket_id>/", public.notice, name="public-notice"),
    path("public/<int:ticket_id>/feedback/", public.feedback, name="public-feedback"),
    path("public/<int:ticket_id>/files/<int:evidence_id>/", public.evidence_file, name="public-evidence"),
    path("accounts/login/", auth.SignIn.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("ledger/", ledger.ledger, name="ledger"),
    path("decisions/", decisions.decision_list, name="decision-list"),
    path("decisions/<int:decision_id>/", decisions.decision_page, name="decision-detail"),
    path("decisions/<int:decision_id>/<slug:name>/", decisions.decision_action, name="decision-action"),
    path("tickets/<int:ticket_id>/decisions/<slug:kind>/", decisions.decision_open, name="decision-open"),
    path("tickets/<int:ticket_id>/", tickets.ticket_page, name="ticket-detail"),
    path("tickets/<int:ticket_id>/<slug:name>/", tickets.ticket_action, name="ticket-action"),
    path(
        "requests/<str:kind>/<int:request_id>/decision/",
        tickets.request_decision,
        name="request-decision",
    ),
    path("evidence/<int:evidence_id>/", tickets.evidence_file, name="evidence"),
    path("findings/new/", findings.finding_new, name="finding-new"),
    path("findings/import/", findings.findings_import, name="findings-import"),
    path("findings/import/template/", findings.findings_import_template, name="findings-import-template"),
    path("scorecards/", scorecards.scorecards_page, name="scorecards"),
    path("scorecards/xlsx/", scorecards.scorecards_sheet, name="scorecards-xlsx"),
    path("workspace/", workspace.workspace, name="workspace"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/<int:notification_id>/", inbox.inbox_open, name="inbox-open"),
    path("inbox/read-all/", inbox.inbox_read_all, name="inbox-read-all"),
]

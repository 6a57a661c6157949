from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularYAMLAPIView

from supportdesk.requests.api import similar, tickets, views

urlpatterns = [
    path("requests", views.RequestsView.as_view(), name="api-requests"),
    re_path(
        r"^similar(?:/(?P<answer_id>\d{1,18}))?$", similar.SimilarView.as_view(), name="api-similar"
    ),
    path("tickets/<str:reference>", views.TicketStatusView.as_view(), name="api-ticket"),
    # The customer's tickets and the request tool's policy (supportdesk/requests/api/tickets.py).
    path("policy", tickets.PolicyView.as_view(), name="api-policy"),
    path("tickets", tickets.TicketListView.as_view(), name="api-tickets"),
    path(
        "tickets/<str:reference>/replies",
        tickets.TicketRepliesView.as_view(),
        name="api-ticket-replies",
    ),
    path(
        "tickets/<str:reference>/not-satisfied",
        tickets.NotSatisfiedView.as_view(),
        name="api-ticket-not-satisfied",
    ),
    path(
        "tickets/<str:reference>/upload-links",
        tickets.UploadLinksView.as_view(),
        name="api-ticket-upload-links",
    ),
    path("schema/request-v1.json", views.request_schema_file, name="api-request-schema"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="api-openapi-json"),
    path("openapi.yaml", SpectacularYAMLAPIView.as_view(), name="api-openapi-yaml"),
]

from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularYAMLAPIView

from supportdesk.requests.api import similar, views

urlpatterns = [
    path("requests", views.RequestsView.as_view(), name="api-requests"),
    re_path(
        r"^similar(?:/(?P<answer_id>\d{1,18}))?$", similar.SimilarView.as_view(), name="api-similar"
    ),
    path("tickets/<str:reference>", views.TicketStatusView.as_view(), name="api-ticket"),
    path("schema/request-v1.json", views.request_schema_file, name="api-request-schema"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="api-openapi-json"),
    path("openapi.yaml", SpectacularYAMLAPIView.as_view(), name="api-openapi-yaml"),
]

from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularYAMLAPIView

from supportdesk.requests.api import views

urlpatterns = [
    path("requests", views.RequestsView.as_view(), name="api-requests"),
    path("tickets/<str:reference>", views.TicketStatusView.as_view(), name="api-ticket"),
    path("schema/request-v1.json", views.request_schema_file, name="api-request-schema"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="api-openapi-json"),
    path("openapi.yaml", SpectacularYAMLAPIView.as_view(), name="api-openapi-yaml"),
]

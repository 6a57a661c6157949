from django.contrib import admin
from django.urls import include, path

from supportdesk.core import views as core_views
from supportdesk.portal import views as portal_views

admin.site.site_header = "supportdesk administration"
admin.site.site_title = "supportdesk"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("request-tool", core_views.request_tool, name="request-tool"),
    path("upload/<str:token>/", portal_views.upload_page, name="upload-page"),
    path("api/v1/uploads/<str:token>", portal_views.upload_api, name="upload-api"),
    path("api/v1/", include("supportdesk.requests.api.urls")),
    path("admin/", admin.site.urls),
]

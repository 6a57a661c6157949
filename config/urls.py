from django.contrib import admin
from django.urls import path

from supportdesk.core import views as core_views

admin.site.site_header = "supportdesk administration"
admin.site.site_title = "supportdesk"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

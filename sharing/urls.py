"""URL map of the site. Each app owns its own urls module."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve

from operations import metrics as operations_metrics
from operations import views as operations_views
from sharing import design, views
from sharing.api import api

urlpatterns = [
    # First: the API's paths are the busiest (a search is resolved before any page pattern is tried),
    # and no pattern above it could match them.
    path("api/v1/", api.urls),
    path("", views.home, name="home"),
    path("design/", design.showcase, name="design"),
    # The words our scripts show, in the reader's language (static/*.js read them through gettext()).
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript_catalog"),
    path("healthz", operations_views.healthz, name="healthz"),
    path("readyz", operations_views.readyz, name="readyz"),
    path("metrics", operations_metrics.metrics, name="metrics"),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("people/", include("accounts.urls")),
    path("listings/", include("listings.urls")),
    path("admin/", admin.site.urls),
    path("bookings/", include("bookings.urls")),
    path("promotions/", include("promotions.urls")),
    path("", include("realtime.urls")),
    path("payments/", include("payments.urls")),
    path("reviews/", include("reviews.urls")),
    path("disputes/", include("disputes.urls")),
    path("my-data/", include("personaldata.urls")),
    path("dispatch/", include("dispatch.urls")),
    path("saved/", include("discovery.urls")),
    path("handover/", include("handover.urls")),
    path("receipts/", include("receipts.urls")),
    path("", include("notifications.urls")),
]

if settings.DEBUG or settings.SERVE_MEDIA:
    # Uploaded photos; in a larger deployment a web server or object storage serves these.
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]

"""Pages of "My data", mounted at /my-data/."""

from django.urls import path

from personaldata import views

app_name = "personaldata"
urlpatterns = [
    path("", views.my_data, name="my_data"),
    path("export/", views.export, name="export"),
    path("export/<str:token>/", views.download, name="download"),
    path("delete/", views.delete_account, name="delete"),
]

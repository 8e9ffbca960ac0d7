from django.urls import path

from receipts import views

app_name = "receipts"
urlpatterns = [
    path("", views.documents, name="list"),
    path("<int:document_id>.pdf", views.document_pdf, name="pdf"),
    path("<int:document_id>.csv", views.document_csv, name="csv"),
]

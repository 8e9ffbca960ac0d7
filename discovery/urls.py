"""Pages of discovery, mounted at /saved/: favourites, lists, shared lists, saved searches."""

from django.urls import path

from discovery import views

app_name = "discovery"

urlpatterns = [
    path("", views.lists, name="lists"),
    path("heart/<int:listing_id>/", views.heart, name="heart"),
    path("add/<int:listing_id>/", views.add_to_list, name="add"),
    path("lists/<int:list_id>/", views.list_detail, name="list"),
    path("shared/<str:token>/", views.shared, name="shared"),
    path("searches/", views.searches, name="searches"),
    path("searches/<int:saved_search_id>/delete/", views.delete_search, name="delete_search"),
]

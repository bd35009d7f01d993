from django.urls import path

from statements import views

app_name = "statements"

urlpatterns = [
    path("", views.home, name="home"),
    path("api/search", views.api_search, name="api_search"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/<slug:slug>/", views.meeting, name="meeting"),
    path("meetings/<slug:slug>/original.txt", views.meeting_original, name="meeting_original"),
    path("meetings/<slug:slug>/<int:sequence>/", views.utterance, name="utterance"),
    path("speakers/", views.speakers, name="speakers"),
    path("speakers/<slug:slug>/", views.speaker, name="speaker"),
    path("topics/", views.topics, name="topics"),
    path("topics/<slug:slug>/", views.topic, name="topic"),
]

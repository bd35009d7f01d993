from django.urls import path

from statements import views

app_name = "statements"

urlpatterns = [
    path("", views.home, name="home"),
    path("meetings/<slug:slug>/", views.meeting, name="meeting"),
    path("meetings/<slug:slug>/<int:sequence>/", views.utterance, name="utterance"),
    path("speakers/<slug:slug>/", views.speaker, name="speaker"),
    path("topics/<slug:slug>/", views.topic, name="topic"),
]

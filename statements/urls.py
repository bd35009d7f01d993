from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from statements import api, feeds, views

app_name = "statements"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/facets/<slug:name>/", views.facet, name="facet"),
    path("trends/", views.trends, name="trends"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/<slug:slug>/", views.meeting, name="meeting"),
    path("meetings/<slug:slug>/original.txt", views.meeting_original, name="meeting_original"),
    path("meetings/<slug:slug>/<int:sequence>/", views.utterance, name="utterance"),
    path("speakers/", views.speakers, name="speakers"),
    path("speakers/<slug:slug>/", views.speaker, name="speaker"),
    path("topics/", views.topics, name="topics"),
    path("topics/<slug:slug>/", views.topic, name="topic"),
    path("places/", views.places, name="places"),
    path("places/<slug:slug>/", views.place, name="place"),
]

# /api/ (archive/urls.py gives these the namespace "api").
api_patterns = (
    [
        path("", api.Root.as_view(), name="root"),
        path("meetings", api.MeetingList.as_view(), name="meetings"),
        path("meetings/<slug:slug>", api.MeetingDetail.as_view(), name="meeting"),
        path("speakers", api.SpeakerList.as_view(), name="speakers"),
        path("speakers/<slug:slug>", api.SpeakerDetail.as_view(), name="speaker"),
        path("topics", api.TopicList.as_view(), name="topics"),
        path("topics/<slug:slug>", api.TopicDetail.as_view(), name="topic"),
        path("places", api.PlaceList.as_view(), name="places"),
        path("places/<slug:slug>", api.PlaceDetail.as_view(), name="place"),
        path("utterances/<int:pk>", api.UtteranceDetail.as_view(), name="utterance"),
        path("search", api.Search.as_view(), name="search"),
        path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
        path("docs", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    ],
    "api",
)

# /feeds/ (namespace "feeds"): Atom, newest first.
feed_patterns = (
    [
        path("search.atom", feeds.SearchFeed(), name="search"),
        path("speakers/<slug:slug>.atom", feeds.SpeakerFeed(), name="speaker"),
        path("topics/<slug:slug>.atom", feeds.TopicFeed(), name="topic"),
        path("places/<slug:slug>.atom", feeds.PlaceFeed(), name="place"),
    ],
    "feeds",
)
